"""hw/poems/model.py and the poem_model oracle: configuration, shapes, zero states, and agreement with nn.LSTM."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from autograder.oracles.poems import lstm_logits
from autograder.steps._poems import LSTM_PARAMS, build_weights, new_model, numpy_logits
from autograder.steps.poem_model import SPECS, build
from hw.poems.model import RNN_model, word_embedding


def make(V=11, E=4, H=6):
    torch.manual_seed(0)
    return RNN_model(V, word_embedding(V, E), E, H)


def test_configuration_and_xavier_init():
    model = make()
    assert isinstance(model.rnn_lstm, torch.nn.LSTM)
    assert (model.rnn_lstm.input_size, model.rnn_lstm.hidden_size, model.rnn_lstm.num_layers) == (4, 6, 2)
    assert model.rnn_lstm.batch_first
    bound = np.sqrt(6 / (6 + 11))
    largest = float(model.fc.weight.detach().abs().max())
    assert bound / 2 < largest <= bound
    assert float(model.fc.bias.detach().abs().max()) == 0.0
    assert float(model.word_embedding_lookup.word_embedding.weight.detach().abs().max()) <= 1.0


def test_shapes_in_both_modes_and_zero_states():
    model = make()
    x = torch.randint(0, 11, (3, 5))
    out = model(x, 3)
    assert out.shape == (15, 11)
    assert torch.equal(model(x, 3), out)  # nothing carried over from the first call
    test = model(x[:1], 1, is_test=True)
    assert test.shape == (1, 11)
    assert torch.allclose(test, out[4:5])  # the last step of sample 0 is row 0 * T + 4


@pytest.mark.parametrize("seed", range(3))
def test_oracle_agrees_with_nn_lstm(seed):
    """The oracle's hand-written LSTM equals torch.nn.LSTM + Embedding + Linear with the same weights."""
    rng = np.random.default_rng(seed)
    V, E, H, B, T = 7, 3, 5, 2, 6
    w = build_weights(rng, V, E, H)
    sentence = rng.integers(0, V, size=(B, T))
    lstm = torch.nn.LSTM(E, H, num_layers=2, batch_first=True).double()
    with torch.no_grad():
        for name in LSTM_PARAMS:
            getattr(lstm, name).copy_(torch.from_numpy(w[name]))
        x = torch.from_numpy(w["embedding"])[torch.from_numpy(sentence)]
        out, _ = lstm(x)
        expected = out @ torch.from_numpy(w["fc_weight"]).T + torch.from_numpy(w["fc_bias"])
    got = lstm_logits(w, sentence)
    torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(numpy_logits(w, list(sentence[1])), expected[1].numpy(), rtol=1e-10, atol=1e-12)


def test_the_step_loads_the_case_weights_into_the_students_model():
    inputs = build(np.random.default_rng(5), SPECS[1])
    model = new_model(inputs)
    assert model.fc.weight.dtype == torch.float64
    assert np.array_equal(model.rnn_lstm.weight_hh_l1.detach().numpy(), inputs["weight_hh_l1"])
    out = model(torch.from_numpy(inputs["sentence"]), inputs["sentence"].shape[0]).detach().numpy()
    np.testing.assert_allclose(out, lstm_logits(inputs, inputs["sentence"]).reshape(out.shape).numpy(), rtol=1e-10)
