"""Confining a worker.

Its uid (identity.py), its resource limits (limits.py), its view of the machine (sandbox.py), the fork server
that starts it confined (forkserver.py, launcher.py), and the probe that checks all of that before grading
(probe.py).
"""
