"""The worker's side of the wire.

The program that runs student code on case inputs (main.py) and the wire format both the worker and the grader
import (wire/). In a worker both are loaded from the fork server's own folder (see confine/launcher.py), with
numpy and the standard library only, never as this package.
"""
