"""What a worker's report may hold, and the error for a report that holds anything else.

The worker encodes within these bounds; the grader decodes nothing beyond them.
"""

MAX_DEPTH = 8
MAX_NODES = 20_000
MAX_STR = 2_000
MAX_LINES = 40
MAX_INT_DIGITS = 400
MAX_ANSWER_ITEMS = 26
MAX_ANSWER_CHARS = 64
# One frame: its JSON stays small (the values' arrays are in the frame's data), its arrays are a case's outputs.
MAX_JSON_BYTES = 1 << 20
MAX_ARRAY_BYTES = 16 << 20


class Malformed(Exception):
    """The worker's report for a job does not have the expected form."""
