"""The comparison that every step's verdict rests on."""

import numpy as np

from autograder.compare import compare
from autograder.steps import MISSING
from autograder.tolerance import Tolerance

TOL = {"tolerance": Tolerance(1e-6, 1e-8)}


def test_equal_and_ulp_level_differences_pass():
    e = np.random.default_rng(0).standard_normal((3, 4))
    assert compare(e.copy(), e, **TOL) == []
    assert compare(np.nextafter(e, np.inf), e, **TOL) == []
    assert compare(e * (1 + 1e-9), e, **TOL) == []


def test_type_then_dtype_then_shape():
    e = np.zeros((2, 3))
    assert "type" in compare([[0.0] * 3] * 2, e, **TOL)[0]
    assert "got None" in compare(None, e, **TOL)[0]
    assert "not produced" in compare(MISSING, e, **TOL)[0]
    assert "dtype: expected float64, got float32" in compare(e.astype(np.float32), e, **TOL)[0]
    assert "dtype" in compare(e.astype(np.int64), e, **TOL)[0]
    mask = np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    assert "the values are right" in compare(mask > 0, mask, **TOL)[0]
    assert "the values are right" not in compare(np.ones((2, 3), dtype=np.int64), mask, **TOL)[0]
    lines = compare(np.zeros((3, 2)), e, **TOL)
    assert lines[0] == "shape: expected (2, 3), got (3, 2)" and "swapped" in lines[1]
    assert "single number" in compare(np.float64(1.0), np.zeros(4), **TOL)[0]


def test_value_report_counts_and_locates():
    e = np.arange(6.0).reshape(2, 3)
    g = e.copy()
    g[1, 2] += 0.5
    g[0, 1] += 0.25
    lines = compare(g, e, **TOL)
    assert lines[0] == "Mismatched elements: 2 / 6 (33.3%)"
    assert "Greatest absolute difference: 0.5 at index (1, 2)" in lines[1]
    assert "Greatest relative difference: 0.25 at index (0, 1)" in lines[2]
    assert "expected 5, got 5.5" in lines[3]


def test_nan_and_inf_are_mismatches():
    e = np.ones(3)
    lines = compare(np.array([1.0, np.nan, np.inf]), e, **TOL)
    assert lines[0].startswith("Mismatched elements: 2 / 3")
    assert "non-finite" in lines[1]


def test_hints_for_common_slips():
    rng = np.random.default_rng(1)
    e = rng.standard_normal((4, 4))
    assert "batch size" in " ".join(compare(e * 4, e, batch=4, **TOL))
    assert "per-sample" in " ".join(compare(e / 4, e, batch=4, **TOL))
    assert "sign" in " ".join(compare(-e, e, **TOL))
    assert "transpose" in " ".join(compare(e.T.copy(), e, **TOL))
    assert "all zeros" in " ".join(compare(np.zeros_like(e), e, **TOL))
    last = rng.standard_normal((4, 4))
    assert "accumulate" in " ".join(compare(last, e, alternatives={"last_call_only": last}, **TOL))
