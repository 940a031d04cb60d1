"""The comparison that every step's verdict rests on."""

import numpy as np

from autograder.compare import compare
from autograder.findings import Hint, HintKind
from autograder.report import hint_line, mismatch_lines
from autograder.steps import MISSING
from autograder.steps._module import ACCUMULATION_BUGS
from autograder.tolerance import Tolerance

TOL = {"tolerance": Tolerance(1e-6, 1e-8)}


def said(got, expected, **options) -> list[str]:
    """-> the lines a report says of what compare() finds ([] when got matches)."""
    found = compare(got, expected, **options)
    return mismatch_lines(found) if found is not None else []


def test_equal_and_ulp_level_differences_pass():
    e = np.random.default_rng(0).standard_normal((3, 4))
    assert said(e.copy(), e, **TOL) == []
    assert said(np.nextafter(e, np.inf), e, **TOL) == []
    assert said(e * (1 + 1e-9), e, **TOL) == []


def test_type_then_dtype_then_shape():
    e = np.zeros((2, 3))
    assert "type" in said([[0.0] * 3] * 2, e, **TOL)[0]
    assert "got None" in said(None, e, **TOL)[0]
    assert "not produced" in said(MISSING, e, **TOL)[0]
    assert "dtype: expected float64, got float32" in said(e.astype(np.float32), e, **TOL)[0]
    assert "dtype" in said(e.astype(np.int64), e, **TOL)[0]
    mask = np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    assert "the values are right" in said(mask > 0, mask, **TOL)[0]
    assert "the values are right" not in said(np.ones((2, 3), dtype=np.int64), mask, **TOL)[0]
    lines = said(np.zeros((3, 2)), e, **TOL)
    assert lines[0] == "shape: expected (2, 3), got (3, 2)" and "swapped" in lines[1]
    assert "single number" in said(np.float64(1.0), np.zeros(4), **TOL)[0]


def test_value_report_counts_and_locates():
    e = np.arange(6.0).reshape(2, 3)
    g = e.copy()
    g[1, 2] += 0.5
    g[0, 1] += 0.25
    lines = said(g, e, **TOL)
    assert lines[0] == "Mismatched elements: 2 / 6 (33.3%)"
    assert "Greatest absolute difference: 0.5 at index (1, 2)" in lines[1]
    assert "Greatest relative difference: 0.25 at index (0, 1)" in lines[2]
    assert "expected 5, got 5.5" in lines[3]


def test_nan_and_inf_are_mismatches():
    e = np.ones(3)
    lines = said(np.array([1.0, np.nan, np.inf]), e, **TOL)
    assert lines[0].startswith("Mismatched elements: 2 / 3")
    assert "non-finite" in lines[1]


def test_hints_for_common_slips():
    rng = np.random.default_rng(1)
    e = rng.standard_normal((4, 4))
    assert "batch size" in " ".join(said(e * 4, e, batch=4, **TOL))
    assert "per-sample" in " ".join(said(e / 4, e, batch=4, **TOL))
    assert "sign" in " ".join(said(-e, e, **TOL))
    assert "transpose" in " ".join(said(e.T.copy(), e, **TOL))
    assert "all zeros" in " ".join(said(np.zeros_like(e), e, **TOL))
    last = rng.standard_normal((4, 4))
    named = said(last, e, alternatives={"last_call_only": last}, bugs=ACCUMULATION_BUGS, **TOL)
    assert "accumulate" in " ".join(named)


def test_a_known_bug_is_named_only_when_its_output_matches():
    rng = np.random.default_rng(2)
    e, bug, other = rng.standard_normal((3, 3, 4))
    bugs = {"bug": "the bug", "other": "the other bug"}
    assert said(bug, e, alternatives={"bug": bug, "other": other}, bugs=bugs, **TOL)[-1] == "hint: the bug"
    assert "bug" not in " ".join(said(bug + 1e-3, e, alternatives={"bug": bug}, bugs=bugs, **TOL))
    # An alternative equal to the truth in this case names nothing.
    assert said(bug, e, alternatives={"bug": e}, bugs=bugs, **TOL) == said(bug, e, **TOL)
    # Two bugs this case cannot tell apart are both named.
    both = said(bug, e, alternatives={"bug": bug, "other": bug.copy()}, bugs=bugs, **TOL)[-1]
    assert "more than one known bug" in both and "the bug" in both and "the other bug" in both


def test_an_overflowing_bug_is_named_by_where_it_overflows():
    e = np.array([0.5, 1.5, 2.0])
    naive = np.array([0.5, np.nan, np.inf])
    bugs = {"no_shift": "no max shift"}
    assert "no max shift" in said(naive.copy(), e, alternatives={"no_shift": naive}, bugs=bugs, **TOL)[-1]
    elsewhere = np.array([np.nan, 1.5, np.inf])
    assert "no max shift" not in " ".join(said(elsewhere, e, alternatives={"no_shift": naive}, bugs=bugs, **TOL))


def test_a_single_number_where_per_sample_values_belong():
    e = np.array([1.0, 2.0, 6.0])
    assert "mean of the 3 expected values" in said(np.float64(3.0), e, **TOL)[-1]
    assert "sum of the 3" in said(9.0, e, **TOL)[-1]
    assert "hint" not in " ".join(said(4.0, e, **TOL))


def test_a_known_bug_of_another_shape_is_named():
    e, short = np.array([1.0, 2.0, 3.0]), np.array([1.0, 3.0])
    lines = said(short, e, alternatives={"merged": short}, bugs={"merged": "merged too much"}, **TOL)
    assert lines == ["shape: expected (3,), got (2,)", "hint: merged too much"]


def test_the_hint_is_also_returned_typed_with_its_tags():
    rng = np.random.default_rng(3)
    e, bug = rng.standard_normal((2, 3, 4))
    bugs = {"bug": "the bug", "other": "the other bug"}
    named = compare(bug, e, alternatives={"bug": bug}, bugs=bugs, **TOL)
    assert named.hint == Hint(HintKind.BUG, ("bug",), "the bug") and mismatch_lines(named)[-1] == hint_line(named.hint)
    both = compare(bug, e, alternatives={"bug": bug, "other": bug.copy()}, bugs=bugs, **TOL).hint
    assert both.kind is HintKind.BUG and both.tags == ("bug", "other")
    batch = compare(e * 3, e, batch=3, **TOL).hint
    assert (batch.kind, batch.tags) == (HintKind.STRUCTURE, ("times_batch",)) and "batch size" in batch.text
    assert compare(e.T.copy(), e, **TOL).hint.tags == ("swapped_axes",)
    unnamed = compare(e + rng.standard_normal((3, 4)), e, **TOL)
    assert unnamed and unnamed.hint is None
    assert not any(line.startswith("hint:") for line in mismatch_lines(unnamed))
    assert said(e, e, **TOL) == [] and compare(e, e, **TOL) is None
