"""Step `poem_bptt`: the handout's BPTT derivation as a function, dL/dW and dL/db from the deltas.

A case is a small tanh recurrence a_k = W x_k + U h_{k-1} + b, h_k = tanh(a_k), with the loss
L = sum_t g_t . h_t (g_t fixed per step). The deltas delta_{t,k} = dL_t / da_k are computed
here in numpy and handed to the student's function; the expected gradients come from torch's
autograd through the recurrence, so a pass shows that the double sum equals autograd.
"""

import numpy as np

from autograder.steps import Cases, Output, Outputs, Spec, Step
from autograder.steps._student import members, student_attr


def recurrence_states(inputs: dict[str, np.ndarray]) -> np.ndarray:
    """-> hidden states (T + 1, H), h0 first."""
    hs = [inputs["h0"]]
    for x in inputs["xs"]:
        hs.append(np.tanh(inputs["W"] @ x + inputs["U"] @ hs[-1] + inputs["b"]))
    return np.array(hs)


def deltas_of(inputs: dict[str, np.ndarray]) -> np.ndarray:
    """-> deltas (T, T, H): deltas[t, k] = dL_t / da_k, zero for k > t."""
    hs = recurrence_states(inputs)
    T, H = inputs["g"].shape
    deltas = np.zeros((T, T, H))
    for t in range(T):
        delta = inputs["g"][t] * (1 - hs[t + 1] ** 2)
        for k in range(t, -1, -1):
            deltas[t, k] = delta
            delta = (inputs["U"].T @ delta) * (1 - hs[k] ** 2)
    return deltas


def build(rng: np.random.Generator, spec: Spec) -> dict[str, np.ndarray]:
    """-> W (H, D), U (H, H), b (H,), h0 (H,), xs (T, D), g (T, H) and the deltas (T, T, H)."""
    T, D, H = spec["steps"], spec["input"], spec["hidden"]
    inputs = {
        "W": rng.standard_normal((H, D)) * 0.7,
        "U": rng.standard_normal((H, H)) * 0.5,
        "b": rng.standard_normal(H) * 0.3,
        "h0": np.tanh(rng.standard_normal(H)),
        "xs": rng.standard_normal((T, D)),
        "g": rng.standard_normal((T, H)),
    }
    if spec.get("last_only"):
        inputs["g"][:-1] = 0.0
    inputs["deltas"] = deltas_of(inputs)
    return inputs


def run(inputs: dict[str, np.ndarray], out: Outputs) -> None:
    """Run the student's bptt_gradients(); store dW and db in out."""
    bptt_gradients = student_attr("hw.poems.bptt", "bptt_gradients")
    out["dW"], out["db"] = members(bptt_gradients(inputs["deltas"], inputs["xs"]), "bptt_gradients", ("dW", "db"))


# Known slips of the double sum (tags of the alternatives autograder/oracles/poem_bptt.py computes).
BUGS = {
    "sum_over_k": "it is summed over the wrong index: x_k multiplies sum over t of delta_{t,k} (deltas.sum(axis=0)), "
    "not sum over k of delta_{t,k}",
    "diagonal": "it uses only the diagonal delta_{t,t}: every step's loss reaches every earlier step k <= t, "
    "so sum over t of delta_{t,k}",
    "last_loss_only": "it uses only the last step's loss, delta_{T-1,k}: L is the sum of every step's loss, "
    "so sum over t of delta_{t,k}",
    "inputs_shifted": "delta_{t,k} meets x_{k+1} where x_k belongs: dL/dW = sum over t and k of delta_{t,k} x_k^T",
    "db_last_step": "db holds only the last step k = T - 1: dL/db sums delta_{t,k} over every t and k",
}

SPECS = (
    Spec("4 steps, input 3, hidden 2", {"steps": 4, "input": 3, "hidden": 2}),
    Spec("1 step, input 2, hidden 3", {"steps": 1, "input": 2, "hidden": 3}),
    Spec(
        "6 steps, input 5, hidden 4, loss at the last step only",
        {"steps": 6, "input": 5, "hidden": 4, "last_only": True},
    ),
    Spec("3 steps, input 1, hidden 1", {"steps": 3, "input": 1, "hidden": 1}),
)

OUTPUTS = (Output("dW", tensor="returned dW"), Output("db", tensor="returned db"))
STEPS = (Step("poem_bptt", "bptt_gradients", Cases(SPECS, build), run, OUTPUTS, bugs=BUGS),)
