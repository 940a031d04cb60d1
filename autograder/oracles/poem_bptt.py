"""Oracle for `poem_bptt`: dL/dW and dL/db by autograd through the tanh recurrence (float64)."""

import numpy as np
import torch

from autograder.oracles._torch import array, tensor


def poem_bptt(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    W, b = tensor(inputs["W"], grad=True), tensor(inputs["b"], grad=True)
    U, h = tensor(inputs["U"]), tensor(inputs["h0"])
    loss = torch.zeros((), dtype=torch.float64)
    for x, g in zip(tensor(inputs["xs"]), tensor(inputs["g"])):
        h = torch.tanh(W @ x + U @ h + b)
        loss = loss + g @ h
    dW, db = torch.autograd.grad(loss, [W, b])
    return {"dW": array(dW), "db": array(db)}


ORACLES = {"poem_bptt": poem_bptt}
