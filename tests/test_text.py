"""Wording helpers."""
import pytest

from autograder.text import plural


@pytest.mark.parametrize("n, noun, text", [
    (1, "handin", "1 handin"), (2, "handin", "2 handins"), (0, "step", "0 steps"),
    (1, "stored case", "1 stored case"), (3, "live torch case", "3 live torch cases"),
    (2, "match", "2 matches"), (10.0, "point", "10 points"), (1.0, "point", "1 point"), (2.5, "point", "2.5 points"),
])
def test_plural(n, noun, text):
    assert plural(n, noun) == text
