"""Oracles for `loss_forward` and `loss_backward`: torch's cross-entropy, derivative by autograd.

The known bugs of autograder/steps/loss.py are computed in torch on the same logits.
"""

import numpy as np
import torch

from autograder.cases import Expected
from autograder.oracles._hints import hints_wanted
from autograder.oracles._torch import add_alternative, array, tensor


def _loss(inputs: dict[str, np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
    x = tensor(inputs["x"], grad=True)
    y = tensor(inputs["y"])
    per_sample = torch.nn.functional.cross_entropy(x, y, reduction="none")
    return x, per_sample


def _unshifted_softmax(inputs: dict[str, np.ndarray]) -> torch.Tensor:
    # exp of the raw logits: overflows (inf / inf = nan) where a logit exceeds ~709.
    e = torch.exp(tensor(inputs["x"]))
    return e / e.sum(dim=1, keepdim=True)


def loss_forward(inputs: dict[str, np.ndarray]) -> Expected:
    """Compute the per-sample cross-entropy.

    Inputs: logits x (N, C), one-hot labels y (N, C). Returns loss (N,).
    """
    _, per_sample = _loss(inputs)
    loss = array(per_sample)
    if not hints_wanted():
        return Expected({"loss": loss})
    alternatives: dict[str, dict[str, np.ndarray]] = {}
    # Without the shift a row is lost (inf or nan, depending on how the log is taken) exactly where exp overflows.
    overflows = torch.isinf(torch.exp(tensor(inputs["x"]))).any(dim=1)
    naive = torch.where(overflows, torch.nan, per_sample.detach())
    add_alternative(alternatives, "loss", "no_max_shift", array(naive), loss)
    return Expected({"loss": loss}, alternatives)


def loss_backward(inputs: dict[str, np.ndarray]) -> Expected:
    """Compute the derivative of the summed per-sample cross-entropy with respect to the logits.

    Inputs: logits x (N, C), one-hot labels y (N, C). Returns dx (N, C) = softmax(x) - y.
    """
    x, per_sample = _loss(inputs)
    # The sum, not the mean: the assignment's derivative is per sample.
    (dx,) = torch.autograd.grad(per_sample.sum(), x)
    truth = array(dx)
    if not hints_wanted():
        return Expected({"dx": truth})
    alternatives: dict[str, dict[str, np.ndarray]] = {}
    add_alternative(alternatives, "dx", "no_max_shift", array(_unshifted_softmax(inputs) - tensor(inputs["y"])), truth)
    add_alternative(alternatives, "dx", "softmax_only", array(torch.softmax(tensor(inputs["x"]), dim=1)), truth)
    return Expected({"dx": truth}, alternatives)


ORACLES = {"loss_forward": loss_forward, "loss_backward": loss_backward}
