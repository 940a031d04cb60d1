"""Step `poem_model`: RNN_model of hw/poems (torch), its configuration and its logits with fixed weights.

The step loads the case's weights into the student's model in float64, then compares the
logits of a batch in training mode, of one sequence with is_test=True, and of the batch
again (every call must start from zero states). Expected values: autograder/oracles/poems.py.
"""

import numpy as np

from autograder.cases import Case
from autograder.locators import as_locator
from autograder.steps import Cases, Output, Outputs, Spec, Step
from autograder.steps._poems import build_weights, logits_of, new_model
from autograder.steps._specs import Described
from autograder.tolerance import Tolerance


def build(rng: np.random.Generator, spec: Spec) -> dict[str, np.ndarray]:
    """-> weights, sentence (B, T) and test_sentence (1, T') of indices."""
    V, E, H = spec["vocab"], spec["embedding"], spec["hidden"]
    inputs = build_weights(rng, V, E, H)
    inputs["sentence"] = rng.integers(0, V, size=(spec["batch"], spec["steps"]))
    inputs["test_sentence"] = rng.integers(0, V, size=(1, spec.get("test_steps", spec["steps"])))
    return inputs


def run(inputs: dict[str, np.ndarray], out: Outputs) -> None:
    """Run the student's RNN_model on the case's sentence; store its logits in out."""
    import torch

    model = new_model(inputs)
    sentence = torch.from_numpy(inputs["sentence"])
    out["logits"] = logits_of(model(sentence, sentence.shape[0]), "forward(sentence, batch_size)")
    test = torch.from_numpy(inputs["test_sentence"])
    out["test_logits"] = logits_of(model(test, 1, is_test=True), "forward(sentence, 1, is_test=True)")
    out["logits_again"] = logits_of(model(sentence, sentence.shape[0]), "forward(sentence, batch_size)")


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@as_locator
def locate(case: Case, produced: Outputs, tolerance: Tolerance) -> list[str]:
    """Names a known slip when the produced logits are a known transform of the expected ones."""
    got, expected = produced.get("logits"), case.expected["logits"]
    if not isinstance(got, np.ndarray):
        return []
    B, T = case.inputs["sentence"].shape
    if got.shape == expected.shape and not tolerance.close(got, expected):
        time_major = expected.reshape(B, T, -1).transpose(1, 0, 2).reshape(B * T, -1)
        known = (
            (
                _softmax(expected),
                "these are softmax probabilities: return the logits (CrossEntropyLoss applies log-softmax itself)",
            ),
            (np.log(_softmax(expected)), "these are log-softmax values: return the logits themselves"),
            (np.maximum(expected, 0.0), "negative logits are cut to 0: no ReLU after self.fc"),
            (np.tanh(expected), "these are tanh(logits): no tanh after self.fc, the logits are its output"),
            (
                time_major,
                "the rows are in time-major order (t * B + b): flatten the batch-first output "
                "(B, T, H) so that row b * T + t is sample b at step t",
            ),
        )
        return [f"hint: {why}" for alt, why in known if B * T > 1 and tolerance.close(got, alt)][:1]
    last_steps = expected.reshape(B, T, -1)[:, -1]
    if got.shape == last_steps.shape and T > 1 and tolerance.close(got, last_steps):
        return [
            "hint: these are the logits of the last time step only: in training mode return the logits of "
            "every time step, (B * T, V), row b * T + t"
        ]
    test, again = produced.get("test_logits"), produced.get("logits_again")
    if not tolerance.close(got, expected):
        return []
    # A model that keeps state between calls gets the first call right and the later ones (the is_test
    # call among them) wrong: the state is the cause, so it is checked first.
    if isinstance(again, np.ndarray) and not tolerance.close(again, expected):
        return [
            "hint: the first call is right and a second call on the same batch is not: every call must "
            "start from zero hidden and cell states"
        ]
    if (
        isinstance(test, np.ndarray)
        and isinstance(again, np.ndarray)
        and not tolerance.close(test, case.expected["test_logits"])
    ):
        return [
            "hint: in training mode the logits are right: with is_test=True return the last step's row, shape (1, V)"
        ]
    return []


_MODEL = Described("V {vocab}, embedding {embedding}, hidden {hidden}, batch {batch}, {steps:step}")
_WITH_TEST = _MODEL.then("; test {test_steps:step}")
SPECS = (
    _MODEL(vocab=9, embedding=4, hidden=3, batch=2, steps=5),
    _WITH_TEST(vocab=12, embedding=6, hidden=5, batch=3, steps=7, test_steps=4),
    _MODEL(vocab=5, embedding=3, hidden=4, batch=1, steps=1),
    _WITH_TEST(vocab=7, embedding=2, hidden=6, batch=4, steps=3, test_steps=6),
)

OUTPUTS = (
    Output("logits", tensor="logits (B * T, V), training mode"),
    Output("test_logits", tensor="logits (1, V) with is_test=True"),
    Output("logits_again", tensor="logits of a second call on the same batch (each call starts from zero states)"),
)
# No output sums or averages over the batch: a factor equal to the batch size would be a coincidence.
CASES = Cases(SPECS, build, batch_of=lambda spec: None)
TOLERANCE = Tolerance(rtol=1e-6, atol=1e-9)
STEPS = (Step("poem_model", "RNN_model.forward", CASES, run, OUTPUTS, tolerance=TOLERANCE, locate=locate),)
