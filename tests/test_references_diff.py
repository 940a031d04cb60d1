"""Telling rounding-level differences between machines from real changes in reference data."""

import numpy as np

from autograder.cases import Case, CaseKind
from autograder.references.diff import ROUNDING_RTOL, DiffKind, diff_cases


def case(desc: str = "batch 2", **expected: np.ndarray) -> Case:
    return Case(CaseKind.STORED, 1, desc, {"x": np.arange(6.0).reshape(2, 3)}, dict(expected), batch=2)


def test_identical_cases():
    a = [case(y=np.array([1.0, 2.0]))]
    assert diff_cases(a, [case(y=np.array([1.0, 2.0]))]).kind is DiffKind.IDENTICAL


def test_last_bit_differences_are_rounding_level_with_the_largest_named():
    y = np.array([[1.0, -3.0], [0.5, 2.0]])
    diff = diff_cases([case(y=y)], [case(y=y + np.array([[0, 4e-16], [1e-16, 0]]))])
    assert diff.kind is DiffKind.ROUNDING and not diff.changes
    assert np.isclose(diff.largest, 4e-16 / 3.0)
    assert diff.largest_where == "case 1 (batch 2), expected y"


def test_tiny_entries_are_judged_against_the_array_scale():
    # 1 - tanh(x)^2 at large x: one ulp of tanh is a large relative change of a tiny entry.
    y = np.array([0.9, 1e-13])
    assert diff_cases([case(y=y)], [case(y=np.array([0.9, 1.2e-13]))]).kind is DiffKind.ROUNDING


def test_a_difference_above_the_tolerance_is_real_and_located():
    y = np.ones((2, 3))
    z = y.copy()
    z[1, 2] += 1e-6
    diff = diff_cases([case(y=y)], [case(y=z)])
    assert diff.kind is DiffKind.REAL
    assert diff.changes == ["case 1 (batch 2): expected y: values changed: largest difference 1e-06 at index (1, 2) "
                            "(1e-06 of the array's largest magnitude 1)"]
    edge = y.copy()
    edge[0, 0] += 10 * ROUNDING_RTOL
    assert diff_cases([case(y=y)], [case(y=edge)]).kind is DiffKind.REAL


def test_structure_changes_are_real():
    y = np.ones(3)
    assert diff_cases([case(y=y)], [case(y=np.ones(4))]).changes == ["case 1 (batch 2): expected y: shape (3,) -> (4,)"]
    assert "dtype float64 -> float32" in diff_cases([case(y=y)], [case(y=y.astype(np.float32))]).changes[0]
    assert diff_cases([case(y=y)], [case(y=y, z=y)]).changes == ["case 1 (batch 2): expected z is new"]
    assert diff_cases([case(y=y)], [case("batch 3", y=y)]).changes == ["case 1: description 'batch 2' -> 'batch 3'"]
    assert diff_cases([case(y=y)], [case(y=y), case(y=y)]).changes == ["case 2 (batch 2) is new"]
    assert diff_cases([case(y=y), case(y=y)], [case(y=y)]).changes == ["case 2 (batch 2) is no longer generated"]


def test_integers_strings_and_special_values_must_match_exactly():
    ints = np.array([3, 1, 4])
    assert diff_cases([case(s=ints)], [case(s=np.array([3, 1, 5]))]).kind is DiffKind.REAL
    nan = np.array([np.nan, 1.0, np.inf])
    assert diff_cases([case(y=nan)], [case(y=nan.copy())]).kind is DiffKind.IDENTICAL
    assert diff_cases([case(y=nan)], [case(y=np.array([0.0, 1.0, np.inf]))]).kind is DiffKind.REAL
    assert diff_cases([case(y=np.zeros(2))], [case(y=np.array([0.0, 1e-300]))]).kind is DiffKind.REAL
