"""Oracle for `gru_inference`: the assignment's GRU step in torch ops (see gru_cell.py) and a linear projection."""

import numpy as np
import torch

from autograder.cases import Expected
from autograder.oracles._hints import hints_wanted
from autograder.oracles._torch import add_alternative, array, tensor
from autograder.oracles.gru_cell import gru_step
from autograder.steps.gru_inference import GRU_WEIGHTS


def gru_inference(inputs: dict[str, np.ndarray]) -> Expected:
    """Run the GRU and its projection once from h1 and over the whole sequence from zeros.

    Inputs: the six GRU weights, projection W (C, H) and b (C,), x1 (D,), h1 (H,), inputs (T, D).
    Returns step_h (H,) and step_logits (C,) of the one call from h1, logits (T, C) over the sequence;
    trace: hiddens (T + 1, H), the zeros first.
    """
    w = {k: tensor(inputs[k]) for k in GRU_WEIGHTS}
    proj_w, proj_b = tensor(inputs["W"]), tensor(inputs["b"])
    with torch.no_grad():
        step_h = gru_step(w, tensor(inputs["x1"]), tensor(inputs["h1"]))["h_t"]
        h = torch.zeros(inputs["Wh"].shape[0], dtype=torch.float64)
        states, logits = [h], []
        for x in tensor(inputs["inputs"]):
            h = gru_step(w, x, h)["h_t"]
            states.append(h)
            logits.append(torch.nn.functional.linear(h, proj_w, proj_b))
    values = {
        "step_h": array(step_h),
        "step_logits": array(torch.nn.functional.linear(step_h, proj_w, proj_b)),
        "logits": array(torch.stack(logits)),
    }
    if not hints_wanted():
        return Expected(values)
    alternatives: dict[str, dict[str, np.ndarray]] = {}
    old_state = array(torch.nn.functional.linear(tensor(inputs["h1"]), proj_w, proj_b))
    add_alternative(alternatives, "step_logits", "projects_previous_state", old_state, values["step_logits"])
    return Expected(values, alternatives, trace={"hiddens": array(torch.stack(states))})


ORACLES = {"gru_inference": gru_inference}
