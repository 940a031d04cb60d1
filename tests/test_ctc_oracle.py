"""The CTC oracles against first principles: every alignment enumerated, and central differences of torch's loss."""

import itertools

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from autograder.oracles._torch import tensor
from autograder.oracles.ctc import ctc_backward, ctc_forward, torch_losses
from autograder.steps.ctc import SPECS, build

BLANK = 0


def _positions(alignment, target) -> list[int] | None:
    """An alignment -> its lattice position at every frame, or None if it does not compress to target."""
    runs, positions, previous = 0, [], BLANK
    for k in alignment:
        if k != BLANK and k != previous:
            runs += 1
            if runs > len(target) or target[runs - 1] != k:
                return None
        positions.append(2 * runs if k == BLANK else 2 * runs - 1)
        previous = k
    return positions if runs == len(target) else None


def _enumerated(probs: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray]:
    """probs (T, C), target (L,) -> P(target) and gamma (T, S) by summing over every alignment."""
    T, C = probs.shape
    gamma = np.zeros((T, 2 * len(target) + 1))
    total = 0.0
    for alignment in itertools.product(range(C), repeat=T):
        positions = _positions(alignment, target)
        if positions is None:
            continue
        p = float(np.prod(probs[np.arange(T), list(alignment)]))
        total += p
        gamma[np.arange(T), positions] += p
    return total, gamma / total


@pytest.mark.parametrize("target", [[1], [1, 2], [2, 2], [1, 2, 1], [2, 2, 2]])
def test_lattice_and_loss_equal_the_sum_over_alignments(target):
    rng = np.random.default_rng(len(target) * 10 + target[-1])
    T, C = 6, 3
    probs = rng.dirichlet(np.ones(C), size=T)
    inputs = {"logits": probs[:, None, :], "target": np.array([target]), "input_lengths": np.array([T]),
              "target_lengths": np.array([len(target)]), "short": np.array(True)}
    result = ctc_forward(inputs)
    out = result.values
    P, gamma = _enumerated(probs, np.array(target))
    np.testing.assert_allclose(out["loss"], -np.log(P), rtol=1e-12)
    np.testing.assert_allclose(out["alpha"][0, -1, -2:].sum(), P, rtol=1e-12)
    np.testing.assert_allclose((out["alpha"][0] * out["beta"][0]).sum(axis=1), P, rtol=1e-12)
    np.testing.assert_allclose(out["gamma"][0], gamma, atol=1e-14)
    # The scaled rows and their log scales rebuild the plain ones.
    np.testing.assert_allclose(out["alpha_hat"][0] * np.exp(np.cumsum(out["alpha_log_scale"][0]))[:, None],
                               out["alpha"][0], rtol=1e-12, atol=1e-300)
    rebuilt = out["beta_hat"][0] * np.exp(np.cumsum(out["beta_log_scale"][0][::-1])[::-1])[:, None]
    np.testing.assert_allclose(rebuilt, out["beta"][0], rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("index", [1, 4])
def test_gradient_equals_central_differences_of_torchs_loss(index):
    inputs = build(np.random.default_rng(index), SPECS[index])
    dY = ctc_backward(inputs).values["dY"]

    def loss(probs: np.ndarray) -> float:
        with torch.no_grad():
            return float(torch_losses(inputs, torch.log(tensor(probs))).sum())

    numeric = np.zeros_like(dY)
    h = 1e-6
    for idx in np.ndindex(dY.shape):
        plus, minus = inputs["logits"].copy(), inputs["logits"].copy()
        plus[idx] += h
        minus[idx] -= h
        numeric[idx] = (loss(plus) - loss(minus)) / (2 * h)
    np.testing.assert_allclose(dY, numeric, rtol=1e-5, atol=1e-6)
    t, b = np.nonzero(np.arange(dY.shape[0])[:, None] >= inputs["input_lengths"][None, :])
    assert not dY[t, b].any()  # nothing flows into the padding


def test_slips_are_recorded_only_where_they_change_something():
    inputs = build(np.random.default_rng(0), SPECS[2])  # a a b b: equal neighbours
    result = ctc_forward(inputs)
    out, alt = result.values, result.alternatives
    assert not np.allclose(alt["alpha"]["equal_skip"], out["alpha"])
    assert not np.allclose(alt["skip"]["equal_skip"], out["skip"])
    assert not np.isclose(alt["loss"]["expected_divergence"], out["loss"])


def test_long_inputs_stay_finite_and_store_no_plain_lattice():
    inputs = build(np.random.default_rng(0), SPECS[6])
    result = ctc_forward(inputs)
    out = result.values
    assert not bool(inputs["short"]) and "alpha" not in out and "alpha_hat" not in out
    assert np.isfinite(out["loss"]) and out["loss"] > 745  # P itself is below float64's smallest number
    np.testing.assert_allclose(out["gamma"].sum(axis=2)[0], 1.0, rtol=1e-12)
