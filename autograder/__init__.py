"""The autograder: step definitions, reference data, comparisons and reports.

`python autograder/runner.py` is the student's entry point; the instructor
tools are `python -m autograder.references` and friends.
"""
