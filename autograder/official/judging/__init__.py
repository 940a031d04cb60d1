"""Judging and writing results.

What a batch grades (plan.py, secret.py), running one handin's workers (supervise.py), judging their reports
(judge.py), one handin from its files to its results (batch.py) in slot processes (slots.py), and what is written
(outputs.py, facts.py).
"""
