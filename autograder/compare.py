"""assert_close-style comparison of one student tensor against its expected value.

The order of checks follows torch.testing.assert_close: type, dtype, shape,
then values. A failure is a typed `Mismatch`: the check that failed, with its
numbers; when the wrong value is what a known bug of the step produces (one
of the case's alternatives, named by the step's catalog), or has a known
structure (scaled by the batch size, transposed, negated, all zeros), its
`Hint` says so. Reports phrase it (`autograder/report.py`).
"""

from dataclasses import dataclass, replace
from typing import Any, Mapping

import numpy as np

from autograder.findings import Check, DtypeSlip, Extremes, Hint, HintKind, Mismatch, NonFinite
from autograder.produced import MISSING
from autograder.tolerance import Tolerance


@dataclass(frozen=True)
class _Reference:
    """What one output is compared against.

    expected: its expected value; tolerance: the step's; alternatives: tag -> what a known bug gives; bugs:
    tag -> the sentence naming it; batch: the case's batch size.
    """

    expected: np.ndarray
    tolerance: Tolerance
    alternatives: Mapping[str, np.ndarray]
    bugs: Mapping[str, str]
    batch: int | None


def _structure(tag: str, text: str) -> Hint:
    return Hint(HintKind.STRUCTURE, (tag,), text)


def _index(idx: tuple[Any, ...]) -> tuple[int, ...]:
    return tuple(int(i) for i in idx)


def compare(
    got: Any,
    expected: np.ndarray,
    *,
    tolerance: Tolerance,
    alternatives: dict[str, np.ndarray] | None = None,
    batch: int | None = None,
    bugs: Mapping[str, str] | None = None,
) -> Mismatch | None:
    """got: what the student produced; expected: the reference array.

    Returns None when got matches within `tolerance` (elementwise, finite), else the first
    Mismatch found (with its hint, when one is named).
    alternatives: tag -> what a known bug would give;
    bugs: tag -> the sentence naming that bug (the step's catalog);
    batch: the case's batch size, used to recognise mean/sum slips.
    """
    shape = tuple(expected.shape)
    if got is MISSING:
        return Mismatch(Check.PRODUCED, shape)
    if got is None:
        return Mismatch(Check.NONE, shape)
    if isinstance(got, (float, int, np.generic)) and not isinstance(got, (bool, np.bool_)) and expected.ndim == 0:
        got = np.asarray(got)
    if isinstance(got, (float, int, np.generic)):
        return Mismatch(Check.NUMBER, shape, got_type=type(got).__name__, hint=_reduced_hint(got, expected, tolerance))
    if not isinstance(got, np.ndarray):
        return Mismatch(Check.TYPE, shape, got_type=type(got).__name__)
    # A subclass (np.matrix, or one overriding arithmetic) is compared as the plain array it holds.
    got = np.asarray(got)
    if got.dtype != np.float64:
        return Mismatch(Check.DTYPE, shape, dtype=str(got.dtype), dtype_slip=_dtype_slip(got, expected))
    ref = _Reference(expected, tolerance, alternatives or {}, bugs or {}, batch)
    return _shape_mismatch(got, ref) if got.shape != expected.shape else _compare_values(got, ref)


def _reduced_hint(got: Any, expected: np.ndarray, tolerance: Tolerance) -> Hint | None:
    # A single number where one value per sample belongs: say so if it is their mean or their sum.
    if isinstance(got, (bool, np.bool_)) or expected.ndim != 1 or expected.size < 2:
        return None
    value = np.asarray(got, dtype=np.float64)
    for name, reduced in (("mean", expected.mean()), ("sum", expected.sum())):
        if tolerance.close(value, np.asarray(reduced)):
            return _structure(
                f"reduced_to_{name}",
                f"it is the {name} of the {expected.size} expected values: "
                f"return one value per sample, of shape {expected.shape}, not their {name}",
            )
    return None


def _dtype_slip(got: np.ndarray, expected: np.ndarray) -> DtypeSlip:
    if np.issubdtype(got.dtype, np.floating) or np.issubdtype(got.dtype, np.complexfloating):
        return DtypeSlip.FLOAT
    if got.dtype.kind in "biu" and got.shape == expected.shape and np.array_equal(got, expected):
        return DtypeSlip.RIGHT_VALUES
    return DtypeSlip.LOSES_VALUES


def _shape_mismatch(got: np.ndarray, ref: _Reference) -> Mismatch:
    expected, tolerance = ref.expected, ref.tolerance
    # A known bug may change the shape (a decoded path of another length).
    hint = _named_bug(got, ref)
    if hint is not None:
        pass
    elif got.ndim == 2 and got.shape == expected.shape[::-1]:
        hint = _structure("swapped_axes", "the axes look swapped (a transposed weight or a missing .T?)")
    elif got.size == expected.size:
        hint = _structure("layout", "same number of elements, different layout (check reshape/squeeze)")
    elif expected.ndim >= 2 and tolerance.close(got, expected[-1]):
        hint = _structure(
            "last_row_only",
            f"it is the last of the {expected.shape[0]} rows along the first axis: return all of them, stacked",
        )
    elif expected.ndim == 1 and got.ndim == 2 and got.shape[1] == expected.shape[0]:
        hint = _structure(
            "per_sample_not_reduced", "expected one value per feature (H,): sum or average over the batch axis"
        )
    return Mismatch(Check.SHAPE, tuple(expected.shape), got_shape=tuple(got.shape), hint=hint)


def _compare_values(got: np.ndarray, ref: _Reference) -> Mismatch | None:
    expected, tolerance = ref.expected, ref.tolerance
    ok = tolerance.within(got, expected)  # False wherever got is NaN or inf
    with np.errstate(invalid="ignore", over="ignore"):
        abs_diff = np.abs(got - expected)
    if ok.all():
        return None
    total = expected.size
    found = Mismatch(
        Check.VALUES,
        tuple(expected.shape),
        mismatched=int(total - ok.sum()),
        total=int(total),
        hint=_diagnose(got, ref),
    )
    nonfinite = ~np.isfinite(got)
    if nonfinite.any():
        idx = tuple(int(i) for i in np.argwhere(nonfinite)[0])
        return replace(found, nonfinite=NonFinite(str(got[idx]), idx, int(nonfinite.sum())))
    masked_abs = np.where(ok, -1.0, abs_diff)
    aidx = np.unravel_index(int(np.argmax(masked_abs)), expected.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(ok, -1.0, abs_diff / np.abs(expected))
    ridx = np.unravel_index(int(np.argmax(rel)), expected.shape)
    return replace(
        found,
        extremes=Extremes(
            float(abs_diff[aidx]),
            _index(aidx),
            float(rel[ridx]),
            _index(ridx),
            float(expected[aidx]),
            float(got[aidx]),
            tolerance.atol,
            tolerance.rtol,
        ),
    )


def _diagnose(got: np.ndarray, ref: _Reference) -> Hint | None:
    named = _named_bug(got, ref)
    if named is not None:
        return named
    if not np.all(np.isfinite(got)):
        return None
    expected, close, batch = ref.expected, ref.tolerance.close, ref.batch
    if not got.any() and expected.any():
        return _structure(
            "all_zeros", "got all zeros: was it ever computed, reset after computing, or did no gradient reach it?"
        )
    if got.ndim == 2 and got.shape[0] == got.shape[1] and got.shape[0] > 1 and close(got, expected.T):
        return _structure(
            "transposed",
            "got the transpose of the expected value (a weight used as W where W.T belongs, or the reverse?)",
        )
    denom = float(np.sum(expected * expected))
    # A single value scaled by some factor says little, unless the factor is the batch size.
    if denom > 0 and (expected.size > 1 or (batch is not None and batch > 1)):
        k = float(np.sum(got * expected)) / denom
        if k != 0 and close(got, k * expected) and (expected.size > 1 or _is_batch_factor(k, batch)):
            return _describe_factor(k, batch)
    return None


def _named_bug(got: np.ndarray, ref: _Reference) -> Hint | None:
    """-> the hint naming the known bug whose output got is (and the truth is not), or None."""
    if got.dtype.kind not in "fiub":
        return None
    expected, tolerance = ref.expected, ref.tolerance
    tags = [
        tag
        for tag, alt in ref.alternatives.items()
        if alt.shape == got.shape
        and matches(got, alt, tolerance)
        and not (alt.shape == expected.shape and matches(alt, expected, tolerance))
    ]
    named = [ref.bugs.get(tag, f"it matches the known slip {tag!r}") for tag in tags]
    if len(named) > 1:
        # The case cannot tell these bugs apart: name them all rather than pick one.
        return Hint(
            HintKind.BUG, tuple(tags), "it matches more than one known bug: " + "; or ".join(dict.fromkeys(named))
        )
    return Hint(HintKind.BUG, (tags[0],), named[0]) if named else None


def matches(got: np.ndarray, alt: np.ndarray, tolerance: Tolerance) -> bool:
    """Tell whether got matches alt (same shape): within tolerance where alt is finite, non-finite where alt is.

    A bug that overflows (softmax without the max shift) is recognised by
    non-finite values at the places where torch computing that bug overflows
    (inf or nan, which depends on how the code goes on from the overflow).
    """
    finite = np.isfinite(alt)
    return bool(np.array_equal(np.isfinite(got), finite) and np.all(tolerance.within(got[finite], alt[finite])))


def _is_batch_factor(k: float, batch: int | None) -> bool:
    return bool(batch and batch > 1 and (abs(k - batch) < 1e-6 * batch or abs(k * batch - 1) < 1e-6))


def _describe_factor(k: float, batch: int | None) -> Hint:
    if batch and batch > 1 and abs(k - batch) < 1e-6 * batch:
        return _structure(
            "times_batch", f"got = {batch} x expected, and {batch} is the batch size: a sum where a batch mean belongs?"
        )
    if batch and batch > 1 and abs(k * batch - 1) < 1e-6:
        return _structure(
            "over_batch",
            f"got = expected / {batch}, and {batch} is the batch size: divided where a per-sample value belongs?",
        )
    if abs(k + 1) < 1e-6:
        return _structure("negated", "got = -expected: a sign is flipped")
    if abs(k - 2) < 1e-6:
        return _structure("doubled", "got = 2 x expected: something is added twice")
    if abs(k - 0.5) < 1e-6:
        return _structure("halved", "got = expected / 2: a contribution is missing or halved")
    return _structure("scaled", f"got is expected scaled by {k:.6g}: a constant factor is off")
