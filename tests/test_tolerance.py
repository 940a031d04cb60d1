"""The one closeness rule: |got - expected| <= atol + rtol * |expected|, finite."""

import numpy as np

from autograder.tolerance import DEFAULT, Tolerance


def test_within_is_elementwise_and_never_true_for_nan_or_inf():
    tol = Tolerance(1e-3, 1e-6)
    got = np.array([1.0005, 1.002, 0.0000009, np.nan, np.inf])
    want = np.array([1.0, 1.0, 0.0, 1.0, 1.0])
    assert tol.within(got, want).tolist() == [True, False, True, False, False]


def test_close_checks_type_and_shape_and_can_accept_a_row_for_a_vector():
    row, vec = np.ones((1, 3)), np.ones(3)
    assert not DEFAULT.close(row, vec)
    assert DEFAULT.close(row, vec, reshape=True)
    assert not DEFAULT.close(np.ones(4), vec, reshape=True)
    assert DEFAULT.close([1, 1, 1], vec)
    assert not DEFAULT.close(None, vec) and not DEFAULT.close("abc", vec) and not DEFAULT.close({"a": 1}, vec)
    assert DEFAULT == Tolerance(1e-6, 1e-8)
