"""assert_close-style comparison of one student tensor against its expected value.

The order of checks follows torch.testing.assert_close: type, dtype, shape,
then values. Every failure is a list of plain-English lines; when the wrong
value looks like a known bug (scaled by the batch size, transposed, a single
call's gradient where two should have accumulated, ...) a hint line says so.
"""

from typing import Any

import numpy as np

from autograder.steps import MISSING
from autograder.tolerance import Tolerance

# What each known-bug alternative of a case (see autograder/cases.py) means.
KNOWN_BUGS = {
    "last_call_only": "it equals the gradient of the last backward call alone: "
    "gradients must accumulate (+=) until zero_grad()",
    "no_zero_grad": "it still contains the gradient from before zero_grad(): zero_grad() must reset it",
    # CTC (mytorch/ctc.py)
    "equal_skip": "it matches a lattice that also skips the blank between two equal symbols: "
    "skip_connect[r] is 1 only when extended_symbols[r] differs from extended_symbols[r - 2]",
    "no_blank_stay": "it matches a lattice where a blank position cannot stay on itself (blank to blank) "
    "from t - 1 to t",
    "start_blank_only": "it matches a lattice that starts only on the first blank: at t = 0 both position 0 "
    "(blank) and position 1 (the first symbol) are possible",
    "end_symbol_only": "it matches a lattice that ends only on the last symbol: beta[T - 1] is 1 at both "
    "the last symbol (S - 2) and the final blank (S - 1)",
    "beta_with_emission": "it includes y_t(extended_symbols[r]) in beta[t, r]: beta starts after time t "
    "(beta[T - 1, S - 1] = 1), the emission at t belongs to alpha",
    "batch_sum": "it is the sum over the batch: the loss is the mean over the sequences",
    "target_length_mean": "each sequence's loss is divided by its target length (torch's reduction='mean'): "
    "the loss is the plain mean of -log P over the batch",
    "expected_divergence": "it is the expected divergence -sum gamma log y, not -log P: the loss is minus the "
    "log of the total probability of the target (log P from the scaled forward pass)",
    "wrt_log_probs": "it is the gradient with respect to log y (-sum of gamma per symbol): "
    "dY is with respect to the probabilities y themselves, so divide by y",
    "wrt_scores": "it is y - (sum of gamma per symbol), the gradient with respect to the scores before a softmax "
    "(what torch's CTC backward returns): dY is with respect to the probabilities y, -(sum of gamma) / y",
    # Decoders (mytorch/search.py)
    "blanks_first": "it matches removing the blanks before merging repeats: merge runs of the same class "
    "first, so 'a-a' gives 'aa'",
    "no_merge": "it matches dropping blanks without merging repeated symbols: 'aa' with no blank between is 'a'",
    "separate_prune": "it matches pruning the paths ending in a blank and those ending in a symbol separately: "
    "both go into one ranking, and BeamWidth candidates survive in all",
    "prune_final": "it matches pruning once more after the last step: the final merge keeps every path",
    "unmerged_final": "it matches final scores that leave out the paths ending in a blank (or in a symbol): "
    "a path's final score adds both",
}


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
) -> list[str]:
    """got: what the student produced; expected: the reference array.

    Returns [] when got matches within `tolerance` (elementwise, finite), else
    the lines describing the first problem found.
    alternatives: tag -> what a known bug would give (see KNOWN_BUGS).
    batch: the case's batch size, used to recognise mean/sum slips.
    """
    if got is MISSING:
        return ["not produced (the attribute was never set, or nothing was returned)"]
    if got is None:
        return ["got None: the value was never returned or assigned"]
    if isinstance(got, (float, int, np.generic)) and not isinstance(got, (bool, np.bool_)) and expected.ndim == 0:
        got = np.asarray(got)
    if isinstance(got, (float, int, np.generic)):
        return [f"type: expected a numpy.ndarray of shape {expected.shape}, got a single number ({type(got).__name__})"]
    if not isinstance(got, np.ndarray):
        return [f"type: expected a numpy.ndarray of shape {expected.shape}, got {type(got).__name__}"]
    # A subclass (np.matrix, or one overriding arithmetic) is compared as the plain array it holds.
    got = np.asarray(got)
    problem = _dtype_problem(got, expected) or _shape_problem(got, expected)
    return problem or _compare_values(got, expected, tolerance, alternatives or {}, batch)


def _dtype_problem(got: np.ndarray, expected: np.ndarray) -> list[str]:
    if got.dtype == np.float64:
        return []
    if np.issubdtype(got.dtype, np.floating) or np.issubdtype(got.dtype, np.complexfloating):
        return [f"dtype: expected float64, got {got.dtype} (keep every array in float64)"]
    if got.dtype.kind in "biu" and got.shape == expected.shape and np.array_equal(got, expected):
        return [f"dtype: expected float64, got {got.dtype}; the values are right: convert with .astype(np.float64)"]
    return [f"dtype: expected float64, got {got.dtype} (an integer or boolean array loses the values)"]


def _shape_problem(got: np.ndarray, expected: np.ndarray) -> list[str]:
    if got.shape == expected.shape:
        return []
    lines = [f"shape: expected {expected.shape}, got {got.shape}"]
    if got.ndim == 2 and got.shape == expected.shape[::-1]:
        lines.append("hint: the axes look swapped (a transposed weight or a missing .T?)")
    elif got.size == expected.size:
        lines.append("hint: same number of elements, different layout (check reshape/squeeze)")
    elif expected.ndim == 1 and got.ndim == 2 and got.shape[1] == expected.shape[0]:
        lines.append("hint: expected one value per feature (H,): sum or average over the batch axis")
    return lines


def _compare_values(
    got: np.ndarray,
    expected: np.ndarray,
    tolerance: Tolerance,
    alternatives: dict[str, np.ndarray],
    batch: int | None,
) -> list[str]:
    rtol, atol = tolerance.rtol, tolerance.atol
    ok = tolerance.within(got, expected)  # False wherever got is NaN or inf
    with np.errstate(invalid="ignore", over="ignore"):
        abs_diff = np.abs(got - expected)
    if ok.all():
        return []
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
    hint = _diagnose(got, expected, tolerance, alternatives, batch)
    if hint:
        lines.append("hint: " + hint)
    return lines


def _diagnose(
    got: np.ndarray,
    expected: np.ndarray,
    tolerance: Tolerance,
    alternatives: dict[str, np.ndarray],
    batch: int | None,
) -> str | None:
    if not np.all(np.isfinite(got)):
        return None
    close = tolerance.close
    for tag, alt in alternatives.items():
        if close(got, alt) and not close(alt, expected):
            return KNOWN_BUGS.get(tag, f"it matches the known slip {tag!r}")
    if not got.any() and expected.any():
        return "got all zeros: was it ever computed, or reset after computing?"
    if got.ndim == 2 and got.shape[0] == got.shape[1] and got.shape[0] > 1 and close(got, expected.T):
        return "got the transpose of the expected value (a weight used as W where W.T belongs, or the reverse?)"
    denom = float(np.sum(expected * expected))
    if denom > 0 and expected.size > 1:
        k = float(np.sum(got * expected)) / denom
        if k != 0 and close(got, k * expected):
            return _describe_factor(k, batch)
    return None


def _describe_factor(k: float, batch: int | None) -> str:
    if batch and batch > 1 and abs(k - batch) < 1e-6 * batch:
        return f"got = {batch} x expected, and {batch} is the batch size: a sum where a batch mean belongs?"
    if batch and batch > 1 and abs(k * batch - 1) < 1e-6:
        return f"got = expected / {batch}, and {batch} is the batch size: divided where a per-sample value belongs?"
    if abs(k + 1) < 1e-6:
        return "got = -expected: a sign is flipped"
    if abs(k - 2) < 1e-6:
        return "got = 2 x expected: something is added twice"
    if abs(k - 0.5) < 1e-6:
        return "got = expected / 2: a contribution is missing or halved"
    return f"got is expected scaled by {k:.6g}: a constant factor is off"
