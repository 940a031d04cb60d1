"""The pinned module API: names, aliases, attributes, shapes and the constructors' draw order."""

import numpy as np
import pytest

from hw.char_predictor import CharacterPredictor
from hw.rnn_classifier import RNN_Phoneme_Classifier, RNNPhonemeClassifier
from mytorch.activation import Identity, ReLU, Sigmoid, Tanh
from mytorch.gru_cell import GRU_Cell, GRUCell
from mytorch.linear import Linear
from mytorch.loss import SoftmaxCrossEntropy
from mytorch.rnn_cell import RNN_Cell, RNNCell


def test_aliases_are_the_classes():
    assert RNN_Cell is RNNCell and GRU_Cell is GRUCell and RNN_Phoneme_Classifier is RNNPhonemeClassifier


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
