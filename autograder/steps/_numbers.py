"""Values, not containers: a returned number may be a Python or numpy scalar or a 1-element array.

The course's own grader compared values, and its code keeps a batch axis of one
(`y_probs` (K + 1, T, 1)), so a numerically right score often arrives as an array of
shape (1,). Such a value is judged by its value; a note (a FormNote, which the run
keeps like numpy's warnings) says that a plain float is expected.
"""

import warnings
from typing import Any

import numpy as np

from autograder.isolation import FormNote


def number(value: Any, what: str) -> Any:
    """value: what the student returned where a number belongs -> a float64 scalar array () if it is one.

    Python int/float and numpy scalars are numbers; a numpy array holding exactly one
    real number (any shape: (1,), (1, 1), ...), or a list or tuple of one, is taken by its
    value, with a FormNote.
    Anything else is returned unchanged, for the comparison to report.
    """
    if isinstance(value, (bool, np.bool_)):
        return value
    if isinstance(value, (int, float, np.integer, np.floating)):
        if not isinstance(value, (int, float)):  # np.float64 is a float
            warnings.warn(
                f"{what} is a numpy {type(value).__name__}: judged by its value; a plain float is expected",
                FormNote,
                stacklevel=2,
            )
        return np.array(float(value))
    form = f"a {type(value).__name__} of one number" if isinstance(value, (list, tuple)) else None
    if isinstance(value, (list, tuple)) and len(value) == 1:
        # np.allclose, the course grader's comparison, takes [x] as x too.
        try:
            as_array = np.asarray(value)
        except (ValueError, TypeError):
            return value
        if as_array.dtype.kind not in "iuf" or as_array.size != 1:
            return value
        value = as_array
    if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "iuf":
        if value.ndim == 0:
            return np.array(float(value))
        warnings.warn(
            f"{what} is {form or f'an array of shape {value.shape}'}: judged by its value; a plain float is expected",
            FormNote,
            stacklevel=2,
        )
        return np.array(float(value.reshape(())))
    return value
