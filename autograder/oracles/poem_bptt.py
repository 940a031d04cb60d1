"""Oracle for `poem_bptt`: dL/dW and dL/db by autograd through the tanh recurrence (float64).

The known slips of the double sum are computed from the case's deltas (T, T, H), the
function's own input: each sums a different set of delta_{t,k} (alternatives, for hints).
"""

import numpy as np
import torch

from autograder.cases import Expected
from autograder.oracles._hints import hints_wanted
from autograder.oracles._torch import array, distinct, tensor


def _slips(deltas: np.ndarray, xs: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
    """Compute what each known slip of the double sum returns.

    deltas (T, T, H), xs (T, D). Returns output key -> slip tag -> dW (H, D) or db (H,).
    """
    per_step = {  # (T, H): row k is what the slip adds up for input x_k
        "sum_over_k": deltas.sum(axis=1),
        "diagonal": np.einsum("tth->th", deltas),
        "last_loss_only": deltas[-1],
    }
    alternatives: dict[str, dict[str, np.ndarray]] = {"dW": {}, "db": {}}
    for tag, rows in per_step.items():
        alternatives["dW"][tag] = rows.T @ xs
        alternatives["db"][tag] = rows.sum(axis=0)
    right = deltas.sum(axis=0)
    alternatives["dW"]["inputs_shifted"] = right.T @ np.roll(xs, -1, axis=0)
    alternatives["db"]["db_last_step"] = right[-1]
    return alternatives


def poem_bptt(inputs: dict[str, np.ndarray]) -> Expected:
    """Compute dL/dW and dL/db of L = sum_t g_t . h_t by autograd.

    Inputs: W (H, D), U (H, H), b (H,), h0 (H,), xs (T, D), g (T, H), deltas (T, T, H).
    Returns dW (H, D) and db (H,).
    """
    W, b = tensor(inputs["W"], grad=True), tensor(inputs["b"], grad=True)
    U, h = tensor(inputs["U"]), tensor(inputs["h0"])
    loss = torch.zeros((), dtype=torch.float64)
    for x, g in zip(tensor(inputs["xs"]), tensor(inputs["g"])):
        h = torch.tanh(W @ x + U @ h + b)
        loss = loss + g @ h
    dW, db = torch.autograd.grad(loss, [W, b])
    values = {"dW": array(dW), "db": array(db)}
    if not hints_wanted():
        return Expected(values)
    return Expected(values, distinct(_slips(inputs["deltas"], inputs["xs"]), values))


ORACLES = {"poem_bptt": poem_bptt}
