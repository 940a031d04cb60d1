"""mytorch/ctc.py: the pinned API, scaling that survives long inputs, and the loss against torch."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from mytorch.ctc import CTC, CTCLoss


def test_extended_target_and_skip_connections():
    ext, skip = CTC().extend_target_with_blank(np.array([1, 4, 4, 7]))
    np.testing.assert_array_equal(ext, [0, 1, 0, 4, 0, 4, 0, 7, 0])
    np.testing.assert_array_equal(skip, [0, 0, 0, 1, 0, 0, 0, 1, 0])
    ext, skip = CTC(BLANK=5).extend_target_with_blank(np.array([2]))
    np.testing.assert_array_equal(ext, [5, 2, 5])
    np.testing.assert_array_equal(skip, [0, 0, 0])


def _long_batch(T=300, C=21):
    rng = np.random.default_rng(3)
    scores = rng.standard_normal((T, 2, C)) * 2
    probs = np.exp(scores) / np.exp(scores).sum(axis=2, keepdims=True)
    target = rng.integers(1, C, size=(2, 25))
    return probs, target, np.array([T, T - 60]), np.array([25, 18])


def test_plain_probabilities_underflow_where_the_scaled_loss_does_not():
    probs, target, input_lengths, target_lengths = _long_batch()
    ctc = CTC()
    ext, skip = ctc.extend_target_with_blank(target[0])
    assert not ctc.get_forward_probs(probs[:, 0], ext, skip)[-1].any()  # every path's probability rounds to 0
    loss = CTCLoss()
    value = loss(probs, target, input_lengths, target_lengths)
    expected = torch.nn.CTCLoss(reduction="sum")(
        torch.log(torch.tensor(probs)), torch.tensor(target), torch.tensor(input_lengths),
        torch.tensor(target_lengths)).item() / 2
    assert value > 745 and np.isclose(value, expected, rtol=1e-12)
    dY = loss.backward()
    assert dY.shape == probs.shape and np.isfinite(dY).all()
    assert not dY[input_lengths[1]:, 1].any()  # nothing past the second sequence's 240 frames


def test_posteriors_ignore_a_scale_per_frame():
    rng = np.random.default_rng(0)
    alpha, beta = rng.random((5, 7)), rng.random((5, 7))
    scale = rng.random((5, 1)) * 1e-200
    ctc = CTC()
    np.testing.assert_allclose(ctc.get_posterior_probs(alpha * scale, beta), ctc.get_posterior_probs(alpha, beta),
                               rtol=1e-12)
