"""The pinned module API: names, aliases, attributes, shapes and the constructors' draw order."""

import numpy as np
import pytest

from hw.char_predictor import CharacterPredictor
from hw.rnn_classifier import RNN_Phoneme_Classifier, RNNPhonemeClassifier
from mytorch.activation import Identity, ReLU, Sigmoid, Tanh
from mytorch.gru_cell import GRU_Cell, GRUCell
from mytorch.linear import Linear
from mytorch.loss import SoftmaxCrossEntropy
from mytorch.lstm_cell import LSTM_Cell, LSTMCell
from mytorch.rnn_cell import RNN_Cell, RNNCell


def test_aliases_are_the_classes():
    assert RNN_Cell is RNNCell and GRU_Cell is GRUCell and RNN_Phoneme_Classifier is RNNPhonemeClassifier
    assert LSTM_Cell is LSTMCell


@pytest.mark.parametrize("cls", [Identity, Sigmoid, Tanh, ReLU])
def test_activation_call_is_forward_and_keeps_state(cls):
    act = cls()
    x = np.linspace(-2, 2, 6).reshape(2, 3)
    y = act(x)
    assert act.state is y or np.array_equal(act.state, y)
    assert np.array_equal(act.forward(x), y)
    assert act.derivative().shape == x.shape == act.derivative(state=y).shape


def test_constructors_draw_in_the_pinned_order():
    np.random.seed(7)
    cell = RNNCell(3, 4)
    np.random.seed(7)
    expected = [np.random.randn(4, 3), np.random.randn(4, 4), np.random.randn(4), np.random.randn(4)]
    for name, value in zip(("W_ih", "W_hh", "b_ih", "b_hh"), expected):
        np.testing.assert_array_equal(getattr(cell, name), value)

    np.random.seed(8)
    gru = GRUCell(3, 2)
    np.random.seed(8)
    for name, shape in zip(("Wzh", "Wrh", "Wh", "Wzx", "Wrx", "Wx"), [(2, 2)] * 3 + [(2, 3)] * 3):
        np.testing.assert_array_equal(getattr(gru, name), np.random.randn(*shape))

    np.random.seed(10)
    lstm = LSTMCell(3, 2)
    np.random.seed(10)
    k = 1.0 / np.sqrt(2)
    for name, shape in zip(("W_ih", "W_hh", "b_ih", "b_hh"), [(8, 3), (8, 2), (8,), (8,)]):
        np.testing.assert_array_equal(getattr(lstm, name), np.random.uniform(-k, k, shape))

    np.random.seed(9)
    layer = Linear(3, 5)
    np.random.seed(9)
    np.testing.assert_array_equal(layer.W, np.random.randn(5, 3))
    np.testing.assert_array_equal(layer.b, np.zeros(5))


def test_attributes_and_gradient_shapes():
    cell = RNNCell(3, 4)
    assert isinstance(cell.activation, Tanh)
    for name, shape in (("dW_ih", (4, 3)), ("dW_hh", (4, 4)), ("db_ih", (4,)), ("db_hh", (4,))):
        assert getattr(cell, name).shape == shape and not getattr(cell, name).any()
    gru = GRUCell(3, 2)
    assert (gru.d, gru.h) == (3, 2)
    assert isinstance(gru.z_act, Sigmoid) and isinstance(gru.r_act, Sigmoid) and isinstance(gru.h_act, Tanh)
    for name in ("dWzh", "dWrh", "dWh"):
        assert getattr(gru, name).shape == (2, 2)
    for name in ("dWzx", "dWrx", "dWx"):
        assert getattr(gru, name).shape == (2, 3)
    layer = Linear(3, 5)
    assert layer.dW.shape == (5, 3) and layer.db.shape == (5,)
    lstm = LSTMCell(3, 2)
    assert (lstm.input_size, lstm.hidden_size) == (3, 2)
    assert isinstance(lstm.sigmoid, Sigmoid) and isinstance(lstm.tanh, Tanh)
    for name, shape in (("dW_ih", (8, 3)), ("dW_hh", (8, 2)), ("db_ih", (8,)), ("db_hh", (8,))):
        assert getattr(lstm, name).shape == shape and not getattr(lstm, name).any()


def test_call_is_forward_for_every_module():
    rng = np.random.default_rng(0)
    layer = Linear(3, 2)
    x = rng.standard_normal((4, 3))
    np.testing.assert_array_equal(layer(x), layer.forward(x))
    loss = SoftmaxCrossEntropy()
    y = np.eye(2)[[0, 1, 1, 0]]
    np.testing.assert_array_equal(loss(layer(x), y), loss.forward(layer(x), y))
    cell = RNNCell(3, 2)
    h = rng.standard_normal((4, 2))
    np.testing.assert_array_equal(cell(x, h), cell.forward(x, h))
    gru = GRUCell(3, 2)
    np.testing.assert_array_equal(gru(x[0], h[0]), gru.forward(x[0], h[0]))
    lstm = LSTMCell(3, 2)
    c = rng.standard_normal((4, 2))
    for called, direct in zip(lstm(x, h, c), lstm.forward(x, h, c)):
        np.testing.assert_array_equal(called, direct)


def test_gru_backward_accepts_both_delta_shapes_and_returns_rows():
    delta = np.random.default_rng(1).standard_normal((1, 2))
    results = []
    for shaped in (delta, delta.reshape(-1)):
        gru = GRUCell(3, 2)
        gru.init_weights(*(np.full(s, 0.1) for s in [(2, 2)] * 3 + [(2, 3)] * 3))
        gru.forward(np.ones(3), np.ones(2) * 0.5)
        dx, dh = gru.backward(shaped)
        assert dx.shape == (1, 3) and dh.shape == (1, 2)
        results.append((dx, dh, gru.dWx.copy()))
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


def test_homework_programs_build_what_the_api_names():
    model = RNNPhonemeClassifier(5, 4, 3, num_layers=3)
    assert len(model.rnn) == 3 and model.rnn[0].input_size == 5 and model.rnn[1].input_size == 4
    assert isinstance(model.output_layer, Linear)
    net = CharacterPredictor(6, 4, 7)
    assert isinstance(net.rnn, GRUCell) and isinstance(net.projection, Linear)


def test_lstm_shapes_caches_and_accumulation():
    rng = np.random.default_rng(2)
    n, d, h = 4, 3, 2
    lstm = LSTMCell(d, h)
    x, h0, c0 = rng.standard_normal((n, d)), rng.standard_normal((n, h)), rng.standard_normal((n, h))
    h_new, c_new = lstm(x, h0, c0)
    assert h_new.shape == c_new.shape == (n, h) and h_new.dtype == c_new.dtype == np.float64
    for name in ("i", "f", "g", "o", "tanh_c_new"):
        assert getattr(lstm, name).shape == (n, h), name
    assert lstm.x is x and lstm.h is h0 and lstm.c is c0
    dh_new, dc_new = rng.standard_normal((n, h)), rng.standard_normal((n, h))
    dx, dh, dc = lstm.backward(dh_new, dc_new)
    assert (dx.shape, dh.shape, dc.shape) == ((n, d), (n, h), (n, h))
    once = lstm.dW_ih.copy()
    lstm.backward(dh_new, dc_new)
    np.testing.assert_allclose(lstm.dW_ih, 2 * once, rtol=1e-14)
    lstm.zero_grad()
    assert not lstm.dW_ih.any() and lstm.dW_ih.shape == (4 * h, d)
