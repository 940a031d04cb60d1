"""Conversions between numpy inputs and float64 torch tensors."""

from typing import Callable

import numpy as np
import torch

from autograder.oracles._hints import hints_wanted


def tensor(a: np.ndarray, grad: bool = False) -> torch.Tensor:
    """Convert a numpy array `a` of any shape to a float64 tensor of that shape (a leaf requiring grad if `grad`)."""
    t = torch.tensor(np.asarray(a), dtype=torch.float64)
    return t.requires_grad_(grad)


def array(t: torch.Tensor) -> np.ndarray:
    """Copy tensor `t` of any shape to a float64 numpy array of that shape."""
    return t.detach().to(torch.float64).numpy().copy()


def accumulate(
    per_call: list[dict[str, np.ndarray]], zero_grad_before: np.ndarray, keys: tuple[str, ...]
) -> tuple[dict[str, np.ndarray], dict[str, dict[str, np.ndarray]]]:
    """Parameter gradients of repeated backward calls as a module accumulates them.

    per_call: each call's own gradients; zero_grad_before[k]: zero_grad() ran before call k.
    Returns (the accumulated gradients, the known-bug alternatives): per key,
    `last_call_only` (what assigning instead of adding gives) and `no_zero_grad`
    (what ignoring zero_grad gives), for the cases where those bugs show; none
    when hints are not wanted.
    """
    out: dict[str, np.ndarray] = {}
    alternatives: dict[str, dict[str, np.ndarray]] = {}
    hints = hints_wanted()
    for key in keys:
        total = np.zeros_like(per_call[0][key])
        everything = np.zeros_like(per_call[0][key])
        for k, grads in enumerate(per_call):
            if zero_grad_before[k]:
                total = np.zeros_like(total)
            total = total + grads[key]
            everything = everything + grads[key]
        out[key] = total
        if hints and len(per_call) > 1:
            if not zero_grad_before[len(per_call) - 1]:
                alternatives.setdefault(key, {})["last_call_only"] = per_call[-1][key]
            if zero_grad_before.any():
                alternatives.setdefault(key, {})["no_zero_grad"] = everything
    return out, alternatives


# Known bugs of a backward pass are computed by autograd on a formula whose values are the true
# ones but whose derivative is the bug's: these two pieces build such formulas.
def with_slope(value: torch.Tensor, pre: torch.Tensor, slope: torch.Tensor) -> torch.Tensor:
    """Give a tensor equal to value = f(pre) whose derivative with respect to pre is `slope` (held constant).

    value, pre, slope: tensors of one shape; returns a tensor of that shape.
    """
    return value.detach() + (pre - pre.detach()) * slope.detach()


def flipped(t: torch.Tensor) -> torch.Tensor:
    """Give a tensor equal to t (any shape) whose gradient flows back negated."""
    return 2 * t.detach() - t


Grads = dict[str, np.ndarray]
Alternatives = dict[str, dict[str, np.ndarray]]


def cell_backward(
    inputs: dict[str, np.ndarray],
    wrt: dict[str, str],
    upstream: tuple[str, ...],
    params: tuple[torch.Tensor, ...],
    weights: tuple[str, ...],
    forward: Callable[..., torch.Tensor | tuple[torch.Tensor, ...]],
    given: tuple[str, ...] = (),
) -> tuple[Grads, Alternatives]:
    """Run a case's repeated calls of a cell through autograd, as the module's backward accumulates them.

    inputs: the case's, each of shape (calls, N, ...); wrt: input differentiated -> its gradient's output name
    (x -> dx); upstream: the gradients arriving at forward's outputs, in their order; params: the weights, named
    by `weights`; forward(*wrt inputs, *given inputs) -> the cell's output or outputs, from the params.
    -> (the last call's input gradients, per sample, and the accumulated weight gradients 'd' + name, the
    accumulation bugs' alternatives). The loss is divided by the batch size N, so the weight gradients are
    batch means.
    """
    per_call = []
    out: Grads = {}
    for k in range(len(inputs["x"])):
        leaves = tuple(tensor(inputs[name][k], grad=True) for name in wrt)
        outputs = forward(*leaves, *(tensor(inputs[name][k]) for name in given))
        outputs = (outputs,) if isinstance(outputs, torch.Tensor) else outputs
        batch = inputs["x"][k].shape[0]
        loss = sum((o * tensor(inputs[u][k])).sum() for o, u in zip(outputs, upstream)) / batch
        grads = torch.autograd.grad(loss, leaves + params)
        out.update({wrt[name]: array(g) * batch for name, g in zip(wrt, grads)})
        per_call.append({"d" + w: array(g) for w, g in zip(weights, grads[len(leaves) :])})
    accumulated, alternatives = accumulate(per_call, inputs["zero_grad_before"], tuple("d" + w for w in weights))
    return {**out, **accumulated}, alternatives


def add_alternatives(alternatives: Alternatives, tag: str, buggy: Grads, truth: Grads) -> None:
    """Record what bug `tag` gives for each output of `buggy` (see add_alternative)."""
    for key, value in buggy.items():
        add_alternative(alternatives, key, tag, value, truth[key])


def add_alternative(
    alternatives: dict[str, dict[str, np.ndarray]], key: str, tag: str, alt: np.ndarray, truth: np.ndarray
) -> None:
    """Record what bug `tag` gives for output `key`, unless this case cannot tell it from the truth."""
    if alt.shape == truth.shape and np.allclose(alt, truth, rtol=1e-9, atol=1e-12):
        return
    alternatives.setdefault(key, {})[tag] = alt


def distinct(
    alternatives: dict[str, dict[str, np.ndarray]],
    values: dict[str, np.ndarray],
) -> dict[str, dict[str, np.ndarray]]:
    """-> the alternatives this case can tell from the truth `values` (see add_alternative)."""
    kept: dict[str, dict[str, np.ndarray]] = {}
    for key, tags in alternatives.items():
        for tag, alt in tags.items():
            add_alternative(kept, key, tag, alt, values[key])
    return kept
