"""How a regenerated reference file differs from the stored one: not at all, by rounding only, or really.

torch and numpy pick different kernels on different CPUs, so the same
generator gives values that differ in the last bits from one machine to the
next. Such a file is "rounding-level": every float array agrees with the
stored one to within ROUNDING_RTOL of the array's largest magnitude (the
normwise relative error, the usual measure of rounding error), and everything
else (which cases, descriptions, array names, shapes, dtypes, integer and
string values, where the NaNs and infinities are) is identical. The generator
keeps the stored bytes for such a file, so regenerating on another machine
changes nothing. Anything more is a real change, reported by case and array.
"""

from dataclasses import dataclass, field
from enum import Enum

import numpy as np

from autograder.steps import Case

# Rounding differences seen between CPUs are below 1e-15 of an array's scale (3e-13 for 1 - tanh(x)^2 at
# large x, where cancellation magnifies one ulp of tanh); real changes are many orders of magnitude larger.
ROUNDING_RTOL = 1e-11


class DiffKind(Enum):
    """How two reference files compare, from least to most different."""

    IDENTICAL = 0
    ROUNDING = 1
    REAL = 2


@dataclass
class ReferenceDiff:
    """The comparison of two reference files (as cases): its kind, the largest rounding difference, what changed."""

    kind: DiffKind = DiffKind.IDENTICAL
    largest: float = 0.0  # largest normwise relative difference among rounding-level arrays
    largest_where: str = ""
    changes: list[str] = field(default_factory=list)  # one line per real change

    def _real(self, line: str) -> None:
        self.kind = DiffKind.REAL
        self.changes.append(line)


def _array_change(old: np.ndarray, new: np.ndarray) -> tuple[str | None, float]:
    """-> (what really changed, or None; the normwise relative difference when only rounding differs)."""
    if old.dtype != new.dtype:
        return f"dtype {old.dtype} -> {new.dtype}", 0.0
    if old.shape != new.shape:
        return f"shape {old.shape} -> {new.shape}", 0.0
    if old.dtype.kind not in "fc":
        if np.array_equal(old, new):
            return None, 0.0
        where = tuple(int(i) for i in np.argwhere(old != new)[0]) if old.ndim else ()
        return f"values changed (first at index {where})", 0.0
    if old.size == 0:
        return None, 0.0
    finite_old, finite_new = np.isfinite(old), np.isfinite(new)
    if not np.array_equal(finite_old, finite_new) or not np.array_equal(
        old[~finite_old], new[~finite_new], equal_nan=True
    ):
        return "NaN or infinite entries changed", 0.0
    old_finite, new_finite = np.where(finite_old, old, 0.0), np.where(finite_new, new, 0.0)
    diff = np.abs(old_finite - new_finite)
    scale = float(np.max(np.abs(old_finite)))
    largest = float(np.max(diff))
    if largest == 0.0:
        return None, 0.0
    relative = largest / scale if scale > 0 else np.inf
    if relative <= ROUNDING_RTOL:
        return None, relative
    index = np.unravel_index(int(np.argmax(diff)), diff.shape)
    at = tuple(int(i) for i in index)
    return (
        f"values changed: largest difference {largest:.3g} at index {at} ({relative:.3g} of the array's "
        f"largest magnitude {scale:.3g})"
    ), relative


def _diff_arrays(result: ReferenceDiff, name: str, part: str, old: dict, new: dict) -> None:
    for key in sorted(set(old) | set(new)):
        if key not in new:
            result._real(f"{name}: {part} {key} is no longer generated")
        elif key not in old:
            result._real(f"{name}: {part} {key} is new")
        else:
            change, relative = _array_change(old[key], new[key])
            if change:
                result._real(f"{name}: {part} {key}: {change}")
            elif relative > 0:
                if result.kind is DiffKind.IDENTICAL:
                    result.kind = DiffKind.ROUNDING
                if relative > result.largest:
                    result.largest, result.largest_where = relative, f"{name}, {part} {key}"


def diff_cases(old: list[Case], new: list[Case]) -> ReferenceDiff:
    """old: the stored cases; new: the regenerated ones -> how they differ."""
    result = ReferenceDiff()
    for k in range(max(len(old), len(new))):
        if k >= len(old):
            result._real(f"case {k + 1} ({new[k].desc}) is new")
            continue
        if k >= len(new):
            result._real(f"case {k + 1} ({old[k].desc}) is no longer generated")
            continue
        a, b = old[k], new[k]
        name = f"case {k + 1} ({b.desc})"
        if a.desc != b.desc:
            result._real(f"case {k + 1}: description {a.desc!r} -> {b.desc!r}")
        if a.batch != b.batch:
            result._real(f"{name}: batch {a.batch} -> {b.batch}")
        _diff_arrays(result, name, "input", a.inputs, b.inputs)
        _diff_arrays(result, name, "expected", a.expected, b.expected)
        for key in sorted(set(a.alternatives) | set(b.alternatives)):
            old_alts, new_alts = a.alternatives.get(key, {}), b.alternatives.get(key, {})
            _diff_arrays(result, name, f"alternative of {key}:", old_alts, new_alts)
        _diff_arrays(result, name, "trace", a.trace, b.trace)
    return result
