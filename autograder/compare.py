"""assert_close-style comparison of one student tensor against its expected value.

The order of checks follows torch.testing.assert_close: type, dtype, shape,
then values. Every failure is a list of plain-English lines; when the wrong
value is what a known bug of the step produces (one of the case's
alternatives, named by the step's catalog), or has a known structure (scaled
by the batch size, transposed, negated, all zeros), a hint line says so.
"""

from typing import Any, Iterable, Mapping

import numpy as np

from autograder.findings import Hint, HintKind
from autograder.produced import MISSING
from autograder.tolerance import Tolerance


class Problem(list):
    """The lines describing why a value does not match (empty when it matches), and the hint among them, typed.

    hint: the cause the evidence names (its line is the last of the lines), or None.
    """

    def __init__(self, lines: Iterable[str] = (), hint: Hint | None = None) -> None:
        super().__init__(list(lines) + ([hint.line()] if hint else []))
        self.hint = hint


def _structure(tag: str, text: str) -> Hint:
    return Hint(HintKind.STRUCTURE, (tag,), text)


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def _index(idx: tuple[Any, ...]) -> str:
    return "(" + ", ".join(str(i) for i in idx) + ("," if len(idx) == 1 else "") + ")"


def compare(
    got: Any,
    expected: np.ndarray,
    *,
    tolerance: Tolerance,
    alternatives: dict[str, np.ndarray] | None = None,
    batch: int | None = None,
    bugs: Mapping[str, str] | None = None,
) -> Problem:
    """got: what the student produced; expected: the reference array.

    Returns an empty Problem when got matches within `tolerance` (elementwise, finite), else
    the lines describing the first problem found (with its hint, typed, when one is named).
    alternatives: tag -> what a known bug would give;
    bugs: tag -> the sentence naming that bug (the step's catalog);
    batch: the case's batch size, used to recognise mean/sum slips.
    """
    if got is MISSING:
        return Problem(["not produced (the attribute was never set, or nothing was returned)"])
    if got is None:
        return Problem(["got None: the value was never returned or assigned"])
    if isinstance(got, (float, int, np.generic)) and not isinstance(got, (bool, np.bool_)) and expected.ndim == 0:
        got = np.asarray(got)
    if isinstance(got, (float, int, np.generic)):
        return Problem([f"type: expected a numpy.ndarray of shape {expected.shape}, got a single number "
                        f"({type(got).__name__})"], _reduced_hint(got, expected, tolerance))
    if not isinstance(got, np.ndarray):
        return Problem([f"type: expected a numpy.ndarray of shape {expected.shape}, got {type(got).__name__}"])
    # A subclass (np.matrix, or one overriding arithmetic) is compared as the plain array it holds.
    got = np.asarray(got)
    alternatives, bugs = alternatives or {}, bugs or {}
    dtype = _dtype_problem(got, expected)
    if dtype:
        return Problem(dtype)
    return _shape_problem(got, expected, tolerance, alternatives, bugs) or \
        _compare_values(got, expected, tolerance, alternatives, batch, bugs)


def _reduced_hint(got: Any, expected: np.ndarray, tolerance: Tolerance) -> Hint | None:
    # A single number where one value per sample belongs: say so if it is their mean or their sum.
    if isinstance(got, (bool, np.bool_)) or expected.ndim != 1 or expected.size < 2:
        return None
    value = np.asarray(got, dtype=np.float64)
    for name, reduced in (("mean", expected.mean()), ("sum", expected.sum())):
        if tolerance.close(value, np.asarray(reduced)):
            return _structure(f"reduced_to_{name}", f"it is the {name} of the {expected.size} expected values: "
                              f"return one value per sample, of shape {expected.shape}, not their {name}")
    return None


def _dtype_problem(got: np.ndarray, expected: np.ndarray) -> list[str]:
    if got.dtype == np.float64:
        return []
    if np.issubdtype(got.dtype, np.floating) or np.issubdtype(got.dtype, np.complexfloating):
        return [f"dtype: expected float64, got {got.dtype} (keep every array in float64)"]
    if got.dtype.kind in "biu" and got.shape == expected.shape and np.array_equal(got, expected):
        return [f"dtype: expected float64, got {got.dtype}; the values are right: convert with .astype(np.float64)"]
    return [f"dtype: expected float64, got {got.dtype} (an integer or boolean array loses the values)"]


def _shape_problem(got: np.ndarray, expected: np.ndarray, tolerance: Tolerance,
                   alternatives: dict[str, np.ndarray], bugs: Mapping[str, str]) -> Problem:
    if got.shape == expected.shape:
        return Problem()
    # A known bug may change the shape (a decoded path of another length).
    hint = _named_bug(got, expected, tolerance, alternatives, bugs)
    if hint is not None:
        pass
    elif got.ndim == 2 and got.shape == expected.shape[::-1]:
        hint = _structure("swapped_axes", "the axes look swapped (a transposed weight or a missing .T?)")
    elif got.size == expected.size:
        hint = _structure("layout", "same number of elements, different layout (check reshape/squeeze)")
    elif expected.ndim >= 2 and tolerance.close(got, expected[-1]):
        hint = _structure("last_row_only", f"it is the last of the {expected.shape[0]} rows along the first axis: "
                          "return all of them, stacked")
    elif expected.ndim == 1 and got.ndim == 2 and got.shape[1] == expected.shape[0]:
        hint = _structure("per_sample_not_reduced",
                          "expected one value per feature (H,): sum or average over the batch axis")
    return Problem([f"shape: expected {expected.shape}, got {got.shape}"], hint)


def _compare_values(
    got: np.ndarray,
    expected: np.ndarray,
    tolerance: Tolerance,
    alternatives: dict[str, np.ndarray],
    batch: int | None,
    bugs: Mapping[str, str],
) -> Problem:
    rtol, atol = tolerance.rtol, tolerance.atol
    ok = tolerance.within(got, expected)  # False wherever got is NaN or inf
    with np.errstate(invalid="ignore", over="ignore"):
        abs_diff = np.abs(got - expected)
    if ok.all():
        return Problem()
    total = expected.size
    bad = int(total - ok.sum())
    lines = [f"Mismatched elements: {bad} / {total} ({100.0 * bad / total:.1f}%)"]
    nonfinite = ~np.isfinite(got)
    if nonfinite.any():
        idx = tuple(int(i) for i in np.argwhere(nonfinite)[0])
        lines.append(
            f"got {got[idx]} at index {_index(idx)} ({int(nonfinite.sum())} non-finite values): "
            "an overflow, log(0) or 0/0 somewhere"
        )
    else:
        masked_abs = np.where(ok, -1.0, abs_diff)
        aidx = np.unravel_index(int(np.argmax(masked_abs)), expected.shape)
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.where(ok, -1.0, abs_diff / np.abs(expected))
        ridx = np.unravel_index(int(np.argmax(rel)), expected.shape)
        lines.append(
            f"Greatest absolute difference: {_fmt(abs_diff[aidx])} at index {_index(aidx)} "
            f"(up to {_fmt(atol)} allowed, plus rtol {_fmt(rtol)} x |expected|)"
        )
        lines.append(
            f"Greatest relative difference: {_fmt(rel[ridx])} at index {_index(ridx)} (up to {_fmt(rtol)} allowed)"
        )
        lines.append(f"At index {_index(aidx)}: expected {_fmt(expected[aidx])}, got {_fmt(got[aidx])}")
    return Problem(lines, _diagnose(got, expected, tolerance, alternatives, batch, bugs))


def _diagnose(
    got: np.ndarray,
    expected: np.ndarray,
    tolerance: Tolerance,
    alternatives: dict[str, np.ndarray],
    batch: int | None,
    bugs: Mapping[str, str],
) -> Hint | None:
    named = _named_bug(got, expected, tolerance, alternatives, bugs)
    if named is not None:
        return named
    if not np.all(np.isfinite(got)):
        return None
    close = tolerance.close
    if not got.any() and expected.any():
        return _structure("all_zeros",
                          "got all zeros: was it ever computed, reset after computing, or did no gradient reach it?")
    if got.ndim == 2 and got.shape[0] == got.shape[1] and got.shape[0] > 1 and close(got, expected.T):
        return _structure("transposed", "got the transpose of the expected value (a weight used as W where W.T "
                          "belongs, or the reverse?)")
    denom = float(np.sum(expected * expected))
    # A single value scaled by some factor says little, unless the factor is the batch size.
    if denom > 0 and (expected.size > 1 or (batch is not None and batch > 1)):
        k = float(np.sum(got * expected)) / denom
        if k != 0 and close(got, k * expected) and (expected.size > 1 or _is_batch_factor(k, batch)):
            return _describe_factor(k, batch)
    return None


def _named_bug(got: np.ndarray, expected: np.ndarray, tolerance: Tolerance, alternatives: dict[str, np.ndarray],
               bugs: Mapping[str, str]) -> Hint | None:
    """-> the hint naming the known bug whose output got is (and the truth is not), or None."""
    if got.dtype.kind not in "fiub":
        return None
    tags = [tag for tag, alt in alternatives.items()
            if alt.shape == got.shape and matches(got, alt, tolerance)
            and not (alt.shape == expected.shape and matches(alt, expected, tolerance))]
    named = [bugs.get(tag, f"it matches the known slip {tag!r}") for tag in tags]
    if len(named) > 1:
        # The case cannot tell these bugs apart: name them all rather than pick one.
        return Hint(HintKind.BUG, tuple(tags),
                    "it matches more than one known bug: " + "; or ".join(dict.fromkeys(named)))
    return Hint(HintKind.BUG, (tags[0],), named[0]) if named else None


def matches(got: np.ndarray, alt: np.ndarray, tolerance: Tolerance) -> bool:
    """got matches alt (same shape): within tolerance where alt is finite, and non-finite exactly where alt is.

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
        return _structure("times_batch", f"got = {batch} x expected, and {batch} is the batch size: a sum where a "
                          "batch mean belongs?")
    if batch and batch > 1 and abs(k * batch - 1) < 1e-6:
        return _structure("over_batch", f"got = expected / {batch}, and {batch} is the batch size: divided where a "
                          "per-sample value belongs?")
    if abs(k + 1) < 1e-6:
        return _structure("negated", "got = -expected: a sign is flipped")
    if abs(k - 2) < 1e-6:
        return _structure("doubled", "got = 2 x expected: something is added twice")
    if abs(k - 0.5) < 1e-6:
        return _structure("halved", "got = expected / 2: a contribution is missing or halved")
    return _structure("scaled", f"got is expected scaled by {k:.6g}: a constant factor is off")
