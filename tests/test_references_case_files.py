"""Cases stored as named arrays of a reference file and read back: every field survives, members are plain arrays."""

import numpy as np

from autograder.cases import Case, CaseKind
from autograder.references.array_file import arrays_bytes, load_arrays
from autograder.references.case_files import cases_from_arrays, cases_to_arrays


def test_round_trip_keeps_inputs_expected_alternatives_trace_and_batch():
    cases = [
        Case(CaseKind.STORED, 1, "batch 2", {"x": np.ones((2, 3))}, {"y": np.zeros(2)},
             alternatives={"y": {"last_call_only": np.ones(2), "no_zero_grad": np.full(2, 2.0)}},
             trace={"hiddens": np.arange(6.0).reshape(3, 2)}, batch=2),
        Case(CaseKind.STORED, 2, "no batch", {"x": np.ones(1)}, {"y": np.ones(1)}),
    ]
    arrays = cases_to_arrays(cases)
    assert all(isinstance(a, np.ndarray) and a.dtype != object for a in arrays.values())
    back = cases_from_arrays(load_arrays(arrays_bytes(arrays)))
    assert [(c.kind, c.index, c.desc, c.batch, c.label) for c in back] == [
        (CaseKind.STORED, 1, "batch 2", 2, "case 1"), (CaseKind.STORED, 2, "no batch", None, "case 2")]
    first = back[0]
    assert set(first.alternatives["y"]) == {"last_call_only", "no_zero_grad"}
    np.testing.assert_array_equal(first.alternatives["y"]["no_zero_grad"], np.full(2, 2.0))
    np.testing.assert_array_equal(first.trace["hiddens"], cases[0].trace["hiddens"])
    assert set(first.expected) == {"y"} and set(first.inputs) == {"x"}


def test_cases_read_as_another_kind_are_named_by_it():
    arrays = cases_to_arrays([Case(CaseKind.STORED, 1, "d", {}, {"y": np.ones(1)})])
    assert cases_from_arrays(arrays, CaseKind.HIDDEN)[0].label == "hidden case 1"
