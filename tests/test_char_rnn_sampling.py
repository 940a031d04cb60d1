"""sample() and complete(): the distributions they draw from, checked along a fixed path."""
import numpy as np
import pytest

from autograder.steps.char_rnn import RecordingDraw
from hw.char_rnn.model import CharRNN
from hw.char_rnn.sampling import complete, make_draw, sample, softmax_with_temperature

pytest.importorskip("torch")
from autograder.oracles.char_rnn import scores_along as oracle_scores
from autograder.oracles.char_rnn import softmax_alpha


def scores_along(params, layers, ixs, h0=None):
    h0 = np.zeros((layers, 1, params["Whh"].shape[0])) if h0 is None else np.stack(h0)
    return oracle_scores(dict(params), ixs, h0)


def trained_looking_model(layers: int = 1) -> CharRNN:
    # Large weights give peaked scores, which is where temperature handling goes wrong.
    return CharRNN(13, 8, layers, seed=4, init_scale=1.5)


@pytest.mark.parametrize("temperature", [1.0, 0.5, 2.0, 1e-3, 1e3])
@pytest.mark.parametrize("layers", [1, 2])
def test_sample_draws_from_softmax_alpha_y_along_the_path(temperature, layers):
    model = trained_looking_model(layers)
    rng = np.random.default_rng(1)
    h = [np.tanh(rng.standard_normal((1, 8))) for _ in range(layers)]
    path = [int(i) for i in rng.integers(0, 13, size=12)]
    draw = RecordingDraw(path)
    out = sample(model, h, 5, len(path), temperature=temperature, draw=draw)
    assert out == path
    assert len(draw.seen) == len(path)
    expected = softmax_alpha(scores_along(model.params, layers, [5] + path[:-1], h), temperature)
    for p, p_ref in zip(draw.seen, expected):
        assert p.shape == (13,) and np.all(np.isfinite(p))
        np.testing.assert_allclose(p, p_ref, rtol=1e-9, atol=1e-12)


def test_temperature_extremes_are_finite_and_behave():
    y = np.array([3.0, 50.0, -20.0, 49.0])
    cold = softmax_with_temperature(y, 1e-4)
    np.testing.assert_allclose(cold, [0, 1, 0, 0], atol=1e-12)
    hot = softmax_with_temperature(y, 1e6)
    np.testing.assert_allclose(hot, np.full(4, 0.25), rtol=1e-4)
    np.testing.assert_allclose(softmax_with_temperature(y, 1.0), softmax_alpha(y, 1.0), rtol=1e-12)
    with pytest.raises(ValueError):
        softmax_with_temperature(y, 0.0)


def test_sample_does_not_modify_the_given_state():
    model = trained_looking_model(2)
    h = [np.full((1, 8), 0.3), np.full((1, 8), -0.2)]
    sample(model, h, 0, 5, draw=make_draw(0))
    assert np.all(h[0] == 0.3) and np.all(h[1] == -0.2)


@pytest.mark.parametrize("layers", [1, 2])
def test_complete_starts_from_the_starters_final_state(layers):
    model = trained_looking_model(layers)
    starter = [3, 7, 7, 1, 12]
    path = [4, 0, 9, 9, 2, 11]
    draw = RecordingDraw(path)
    out = complete(model, starter, len(path), temperature=0.7, draw=draw)
    assert out == path
    scores = scores_along(model.params, layers, starter + path[:-1])
    # The first draw follows the starter's last character, in the state the starter built.
    expected = softmax_alpha(scores[len(starter) - 1:], 0.7)
    assert len(draw.seen) == len(path)
    for p, p_ref in zip(draw.seen, expected):
        np.testing.assert_allclose(p, p_ref, rtol=1e-9, atol=1e-12)


def test_complete_with_a_one_character_starter_is_sample_from_zeros():
    model = trained_looking_model()
    a = complete(model, [6], 20, draw=make_draw(3))
    b = sample(model, model.initial_state(1), 6, 20, draw=make_draw(3))
    assert a == b
    with pytest.raises(ValueError):
        complete(model, [], 3)


def test_default_draw_is_seeded_and_follows_p():
    p = np.array([0.5, 0.25, 0.125, 0.125])
    draw = make_draw(7)
    counts = np.bincount([draw(p) for _ in range(20000)], minlength=4)
    np.testing.assert_allclose(counts / 20000, p, atol=0.015)
    first, second = make_draw(7), make_draw(7)
    assert [first(p) for _ in range(50)] == [second(p) for _ in range(50)]
