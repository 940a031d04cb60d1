"""The autograder: step definitions, reference data, comparisons and reports.

`python autograder/runner.py` is the student's entry point; the instructor
tools are `python -m autograder.references` and friends.
"""

# The toolkit's version, shown by every command's --version; defined here alone.
__version__ = "1.0.0"
