"""Numerical gradient checking by central differences, for any model with named arrays.

The model is seen only through a loss function of no arguments that reads the parameter
arrays in place. Each checked entry is nudged by +step and -step, the loss re-evaluated,
and the slope compared with the analytic gradient. Works for any number of parameters and
layers, because nothing here knows what the parameters mean.

The comparison is a relative error, but not for entries far smaller than the rest of their
parameter's gradient: there the central difference is dominated by rounding in the loss
(about 1e-16 x |loss| / step, some 1e-11 for a loss near 20), and a pure relative error
would fail a correct gradient of 1e-8. Below a fraction (relative_floor) of the parameter's
largest gradient entry, the difference is judged against that scale instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping, Sequence

import numpy as np

ArrayGroup = Mapping[str, np.ndarray] | Sequence[np.ndarray]


def relative_error(analytic: np.ndarray | float, numeric: np.ndarray | float, floor: float = 1e-6) -> np.ndarray:
    """Compute the relative error |a - n| / max(|a| + |n|, floor), elementwise.

    Inputs:
    - analytic, numeric: the two gradients, of the same shape S (or floats)
    - floor: the smallest denominator

    Returns:
    - the relative errors, of shape S

    The floor keeps entries where both gradients are (near) zero from reporting NaN or a
    huge ratio of two rounding errors: below it the difference is judged in absolute terms.
    """
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numeric, dtype=np.float64)
    return np.abs(a - n) / np.maximum(np.abs(a) + np.abs(n), floor)


@dataclass
class ParamCheck:
    """The worst checked entry of one parameter.

    name: parameter name; index: position of the worst entry (a tuple, one int per axis)
    analytic, numeric: the two gradient values there; rel_error: their relative error
    checked: how many entries of this parameter were checked
    """

    name: str
    index: tuple[int, ...]
    analytic: float
    numeric: float
    rel_error: float
    checked: int


@dataclass
class GradCheckReport:
    """Per-parameter results of check_gradients(), and the tolerance they were held to."""

    results: list[ParamCheck]
    tolerance: float
    relative_floor: float = 0.0

    @property
    def passed(self) -> bool:
        """Whether every parameter's worst entry is within the tolerance."""
        return all(r.rel_error <= self.tolerance for r in self.results)

    def failures(self) -> list[ParamCheck]:
        """Return the parameters whose worst entry exceeds the tolerance."""
        return [r for r in self.results if r.rel_error > self.tolerance]

    def format(self) -> str:
        """Format a table with one line per parameter and a closing verdict."""
        lines = [
            f"{'parameter':<12} {'checked':>7} {'worst rel. error':>16}  "
            f"{'at index':<12} {'analytic':>14} {'numeric':>14}"
        ]
        for r in self.results:
            flag = "" if r.rel_error <= self.tolerance else "  FAIL"
            lines.append(
                f"{r.name:<12} {r.checked:>7} {r.rel_error:>16.3e}  "
                f"{str(r.index):<12} {r.analytic:>14.6e} {r.numeric:>14.6e}{flag}"
            )
        verdict = "PASSED" if self.passed else "FAILED"
        lines.append(
            f"gradient check {verdict} (tolerance {self.tolerance:.0e} on the relative error "
            f"|a - n| / max(|a| + |n|, {self.relative_floor:g} x the parameter's largest |a|))"
        )
        return "\n".join(lines)


def _named(group: ArrayGroup) -> dict[str, np.ndarray]:
    if isinstance(group, Mapping):
        return dict(group)
    return {f"param{i}": a for i, a in enumerate(group)}


def check_gradients(
    loss_fn: Callable[[], float],
    params: ArrayGroup,
    grads: ArrayGroup,
    num_checks: int = 10,
    step: float = 1e-5,
    floor: float = 1e-6,
    tolerance: float = 1e-5,
    seed: int = 0,
    relative_floor: float = 1e-3,
) -> GradCheckReport:
    """Compare analytic gradients with central differences on random entries.

    Inputs:
    - loss_fn: computes the scalar loss from the current contents of the param arrays
    - params: dict name -> float64 array, or a list of arrays (named param0, param1, ...); these are the
      very arrays loss_fn reads; they are modified during the check and restored bit for bit afterwards
    - grads: the analytic gradients, same names/order and shapes as params
    - num_checks: entries checked per parameter (all of them if the parameter is smaller), drawn without
      replacement from a generator seeded by seed
    - step: the nudge h in (L(p + h) - L(p - h)) / 2h
    - floor, tolerance: see relative_error(); an entry fails when its error exceeds tolerance
    - relative_floor: the floor of relative_error() is raised, per parameter, to relative_floor x the
      largest |analytic gradient| of that parameter

    Returns:
    - a GradCheckReport with, for every parameter, its worst checked entry
    """
    named_params = _named(params)
    named_grads = _named(grads)
    if named_params.keys() != named_grads.keys():
        raise ValueError(f"params {sorted(named_params)} and grads {sorted(named_grads)} do not name the same arrays")
    rng = np.random.default_rng(seed)
    results = []
    for name, p in named_params.items():
        g = np.asarray(named_grads[name])
        if g.shape != p.shape:
            raise ValueError(f"{name}: gradient shape {g.shape} differs from parameter shape {p.shape}")
        if p.dtype != np.float64:
            raise TypeError(f"{name}: gradient checks need float64 parameters, got {p.dtype}")
        scale_floor = max(floor, relative_floor * float(np.abs(g).max(initial=0.0)))
        count = min(num_checks, p.size)
        flat_indices = rng.choice(p.size, size=count, replace=False)
        worst: ParamCheck | None = None
        for flat_index in flat_indices:
            index = tuple(int(i) for i in np.unravel_index(flat_index, p.shape))
            original = p[index]
            p[index] = original + step
            loss_plus = loss_fn()
            p[index] = original - step
            loss_minus = loss_fn()
            p[index] = original
            numeric = (loss_plus - loss_minus) / (2.0 * step)
            analytic = float(g[index])
            err = float(relative_error(analytic, numeric, scale_floor))
            if worst is None or err > worst.rel_error:
                worst = ParamCheck(name, index, analytic, float(numeric), err, count)
        if worst is not None:
            results.append(worst)
    return GradCheckReport(results, tolerance, relative_floor)
