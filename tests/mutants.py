"""Plausible student bugs, each planted in a copy of the solution.

A mutant names the file, the exact text it replaces (which must occur once,
so a mutant can never silently stop applying), the steps that must then fail,
phrases the first failing step's message must contain, and `hint`: the phrase
of the hint that names its cause (None when the runner cannot name it).
`benchmarks/hint_rate.py` measures how many failures are named this way.
"""

from dataclasses import dataclass

import pytest

from autograder.rubric import load_rubric


@dataclass(frozen=True)
class Mutant:
    name: str
    file: str
    old: str
    new: str
    fails: frozenset[str]
    step: str  # the step whose message is inspected
    says: tuple[str, ...]  # phrases that message must contain
    hint: str | None = None  # the phrase of the hint naming the bug, if the runner names it

    def __str__(self) -> str:
        return self.name


def mutant(name, file, old, new, fails, says, step=None, hint=None) -> Mutant:
    fails = frozenset([fails] if isinstance(fails, str) else fails)
    says = (says,) if isinstance(says, str) else tuple(says)
    return Mutant(name, file, old, new, fails, step or sorted(fails)[0], says, hint)


def hint_lines(message: str) -> list[str]:
    """The lines of a step's message that name a cause ("hint: ...")."""
    return [line.strip() for line in message.splitlines() if line.strip().startswith("hint:")]


ACT = "mytorch/activation.py"
LIN = "mytorch/linear.py"
LOSS = "mytorch/loss.py"
RNN = "mytorch/rnn_cell.py"
GRU = "mytorch/gru_cell.py"
LSTM = "mytorch/lstm_cell.py"
BOTH_LSTM = {"lstm_forward", "lstm_backward"}

CORE_MUTANTS = (
    # activation
    mutant("sigmoid derivative sign", ACT, "return state * (1.0 - state)", "return state * (1.0 + state)",
           {"activation", "gru_backward"}, "Sigmoid.derivative", step="activation", hint="s * (1 + s)"),
    mutant("relu derivative counts zero as active", ACT, "return (state > 0).astype(np.float64)",
           "return (state >= 0).astype(np.float64)", "activation", "ReLU.derivative",
           hint="an output of exactly 0 has derivative 0"),
    mutant("relu derivative ignores the state argument", ACT,
           "state = self.output(state)\n        return (state > 0)",
           "state = self.output()\n        return (state > 0)", "activation", "derivative(state=s)",
           hint="must use the state it is given"),
    mutant("relu forward uses abs", ACT, "self.state = np.maximum(x, 0.0)", "self.state = np.abs(x)",
           "activation", "ReLU.forward", hint="ReLU is max(x, 0)"),
    mutant("tanh forward does not store state", ACT, "self.state = np.tanh(x)\n        return self.state",
           "return np.tanh(x)", "activation", ("Tanh.forward", "self.state", "got None", "then it raised"),
           hint="got None"),
    # linear_forward
    mutant("linear forward transposed weight", LIN, "return x @ self.W.T + self.b", "return x @ self.W + self.b",
           {"linear_forward", "linear_backward"}, "Linear.forward", step="linear_forward"),
    mutant("linear forward missing bias", LIN, "return x @ self.W.T + self.b", "return x @ self.W.T",
           "linear_forward", "output y", hint="the bias b is missing"),
    mutant("linear forward subtracts bias", LIN, "return x @ self.W.T + self.b", "return x @ self.W.T - self.b",
           "linear_forward", "output y", hint="the bias is subtracted"),
    # linear_backward
    mutant("linear dW assigned instead of accumulated", LIN, "self.dW += delta.T @ self.x / batch_size",
           "self.dW = delta.T @ self.x / batch_size", "linear_backward", ("dW", "accumulate"),
           hint="gradients must accumulate (+=)"),
    mutant("linear db summed instead of averaged", LIN, "self.db += delta.sum(axis=0) / batch_size",
           "self.db += delta.sum(axis=0)", "linear_backward", ("db", "batch mean"),
           hint="a sum where a batch mean belongs"),
    mutant("linear dx averaged over the batch", LIN, "return delta @ self.W\n",
           "return delta @ self.W / batch_size\n", "linear_backward", ("returned dx", "per-sample"),
           hint="divided where a per-sample value belongs"),
    mutant("linear dW transposed", LIN, "self.dW += delta.T @ self.x / batch_size",
           "self.dW += (delta.T @ self.x / batch_size).T", "linear_backward", "dW"),
    # loss_forward
    mutant("loss without the max shift", LOSS, "shifted = x - x.max(axis=1, keepdims=True)", "shifted = x",
           {"loss_forward", "loss_backward"}, ("per-sample loss", "non-finite"), step="loss_forward",
           hint="exp() of the raw logits overflows"),
    mutant("loss averaged over the batch", LOSS, "return -(y * log_softmax).sum(axis=1)",
           "return -(y * log_softmax).sum(axis=1).mean()", "loss_forward", ("per-sample loss", "shape (4,)"),
           hint="it is the mean of the 4 expected values"),
    mutant("loss missing minus sign", LOSS, "return -(y * log_softmax).sum(axis=1)",
           "return (y * log_softmax).sum(axis=1)", "loss_forward", ("per-sample loss", "sign"),
           hint="a sign is flipped"),
    # loss_backward
    mutant("loss derivative divided by batch", LOSS, "return self.sm - self.labels",
           "return (self.sm - self.labels) / self.labels.shape[0]", "loss_backward", "dL/dx",
           hint="divided where a per-sample value belongs"),
    mutant("loss derivative reversed", LOSS, "return self.sm - self.labels", "return self.labels - self.sm",
           "loss_backward", ("dL/dx", "sign"), hint="a sign is flipped"),
    mutant("loss derivative forgets the labels", LOSS, "return self.sm - self.labels", "return self.sm",
           "loss_backward", "dL/dx", hint="the labels are missing"),
    # rnn_forward
    mutant("rnn forward missing b_hh", RNN, "+ h @ self.W_hh.T + self.b_hh", "+ h @ self.W_hh.T",
           "rnn_forward", "returned h'", hint="the bias b_hh is missing"),
    mutant("rnn forward transposed W_hh", RNN, "+ h @ self.W_hh.T + self.b_hh", "+ h @ self.W_hh + self.b_hh",
           "rnn_forward", "returned h'", hint="forward uses W_hh where W_hh.T belongs"),
    mutant("rnn forward without tanh", RNN, "return self.activation(z)", "return z", "rnn_forward", "returned h'",
           hint="tanh is missing"),
    mutant("rnn forward transposed W_ih", RNN, "z = x @ self.W_ih.T", "z = x @ self.W_ih",
           "rnn_forward", "RNNCell.forward"),
    # rnn_backward
    mutant("rnn dW_hh assigned instead of accumulated", RNN, "self.dW_hh += dz.T @ h_prev_t / batch_size",
           "self.dW_hh = dz.T @ h_prev_t / batch_size", "rnn_backward", ("dW_hh", "accumulate"),
           hint="gradients must accumulate (+=)"),
    mutant("rnn backward missing tanh derivative", RNN, "dz = self.activation.derivative(state=h) * delta",
           "dz = delta", "rnn_backward", "returned dx", hint="the tanh derivative is missing"),
    mutant("rnn dW_hh uses h_t where h_t-1 belongs", RNN, "self.dW_hh += dz.T @ h_prev_t / batch_size",
           "self.dW_hh += dz.T @ h / batch_size", "rnn_backward", "dW_hh",
           hint="dW_hh is built from h (this step's output)"),
    mutant("rnn dx averaged over the batch", RNN, "dx = dz @ self.W_ih\n", "dx = dz @ self.W_ih / batch_size\n",
           "rnn_backward", ("returned dx", "per-sample"), hint="divided where a per-sample value belongs"),
    mutant("rnn db_ih summed instead of averaged", RNN, "self.db_ih += dz.sum(axis=0) / batch_size",
           "self.db_ih += dz.sum(axis=0)", "rnn_backward", ("db_ih", "batch mean"),
           hint="a sum where a batch mean belongs"),
    # gru_forward
    mutant("gru reset gate after the matmul", GRU, "self.Wh @ (self.r * h)", "self.r * (self.Wh @ h)",
           {"gru_forward", "gru_backward"}, "h_tilda", step="gru_forward",
           hint="the reset gate is applied after the matmul"),
    mutant("gru update gate roles swapped", GRU, "h_t = (1.0 - self.z) * h + self.z * self.h_tilda",
           "h_t = self.z * h + (1.0 - self.z) * self.h_tilda", "gru_forward", "returned h_t",
           hint="z and 1 - z are swapped"),
    mutant("gru reset gate uses Wzh", GRU, "self.r = self.r_act(self.Wrh @ h", "self.r = self.r_act(self.Wzh @ h",
           {"gru_forward", "gru_backward"}, "reset gate", step="gru_forward",
           hint="the reset gate r is computed with Wzh"),
    # gru_backward
    mutant("gru dWx assigned instead of accumulated", GRU, "self.dWx += np.outer(d_a_h, x)",
           "self.dWx = np.outer(d_a_h, x)", "gru_backward", ("dWx", "accumulate"),
           hint="gradients must accumulate (+=)"),
    mutant("gru backward missing tanh derivative", GRU,
           "d_a_h = d_h_tilda * self.h_act.derivative(state=h_tilda)", "d_a_h = d_h_tilda",
           "gru_backward", "returned dx", hint="the tanh derivative of h~ is missing"),
    mutant("gru dWh uses h instead of r*h", GRU, "self.dWh += np.outer(d_a_h, r * h)",
           "self.dWh += np.outer(d_a_h, h)", "gru_backward", "dWh", hint="dWh is built from h"),
    mutant("gru dx misses the reset-gate path", GRU, "dx += self.Wzx.T @ d_a_z + self.Wrx.T @ d_a_r",
           "dx += self.Wzx.T @ d_a_z", "gru_backward", "returned dx",
           hint="dx is missing the path through the reset gate r"),
    mutant("gru dWrx transposed", GRU, "self.dWrx += np.outer(d_a_r, x)", "self.dWrx += np.outer(x, d_a_r).T.T",
           "gru_backward", "dWrx"),
    # lstm_forward (the backward step runs the same forward, so it fails too)
    mutant("lstm input and forget gates swapped", LSTM,
           "self.i = self.sigmoid(a[:, 0:H])\n        self.f = self.sigmoid(a[:, H : 2 * H])",
           "self.f = self.sigmoid(a[:, 0:H])\n        self.i = self.sigmoid(a[:, H : 2 * H])", BOTH_LSTM,
           ("LSTMCell.forward", "returned c_new", "also wrong in this case: returned h_new"), step="lstm_forward",
           hint="the input and forget gates are swapped"),
    mutant("lstm c_new misses the forget-gate term", LSTM, "c_new = self.f * c + self.i * self.g",
           "c_new = self.i * self.g", BOTH_LSTM, ("LSTMCell.forward", "returned c_new"), step="lstm_forward",
           hint="c_new is missing the forget-gate term"),
    mutant("lstm h_new uses c_new where tanh(c_new) belongs", LSTM, "h_new = self.o * self.tanh_c_new",
           "h_new = self.o * c_new", "lstm_forward", "returned h_new", hint="h_new is o * c_new"),
    mutant("lstm forward returns (c_new, h_new)", LSTM, "        return h_new, c_new\n",
           "        return c_new, h_new\n", "lstm_forward", "returned c_new",
           hint="c_new and h_new are returned in each other's places"),
    # lstm_backward
    mutant("lstm sigmoid derivative as if the stored output were the input", LSTM,
           "d_o * self.sigmoid.derivative(state=o)", "d_o * self.sigmoid.derivative(state=self.sigmoid(o))",
           "lstm_backward", ("LSTMCell.backward", "returned dx"), hint="taken as if o were an input"),
    mutant("lstm derivative() without state reads the last gate's output", LSTM,
           "d_i * self.sigmoid.derivative(state=i)", "d_i * self.sigmoid.derivative()", "lstm_backward",
           "returned dx", hint="the input gate's derivative is taken at o"),
    mutant("lstm dc misses the path through h_new", LSTM,
           "dc_total = dc_new + dh_new * o * self.tanh.derivative(state=tanh_c_new)", "dc_total = dc_new",
           "lstm_backward", ("returned dx", "returned dc"), hint="dc misses the path through h_new"),
    mutant("lstm backward stacks the gate gradients as i, f, o, g", LSTM,
           "[d_a_i, d_a_f, d_a_g, d_a_o]", "[d_a_i, d_a_f, d_a_o, d_a_g]", "lstm_backward", "returned dx",
           hint="the gate gradients are stacked as i, f, o, g"),
    mutant("lstm dc through the input gate", LSTM, "dc = dc_total * f", "dc = dc_total * i", "lstm_backward",
           "returned dc", hint="dc is taken through the input gate"),
    mutant("lstm dW_hh assigned instead of accumulated", LSTM, "self.dW_hh += d_a.T @ self.h / batch_size",
           "self.dW_hh = d_a.T @ self.h / batch_size", "lstm_backward", ("dW_hh", "accumulate"),
           hint="gradients must accumulate (+=)"),
    mutant("lstm db_ih summed instead of averaged", LSTM, "self.db_ih += d_a.sum(axis=0) / batch_size",
           "self.db_ih += d_a.sum(axis=0)", "lstm_backward", ("db_ih", "batch mean"),
           hint="a sum where a batch mean belongs"),
    mutant("lstm dh averaged over the batch", LSTM, "dh = d_a @ self.W_hh\n", "dh = d_a @ self.W_hh / batch_size\n",
           "lstm_backward", ("returned dh", "per-sample"), hint="divided where a per-sample value belongs"),
    mutant("lstm dx with the transposed weight", LSTM, "dx = d_a @ self.W_ih\n", "dx = d_a @ self.W_ih.T\n",
           "lstm_backward", ("LSTMCell.backward", "ValueError", "mytorch/lstm_cell.py")),
    # --- one more mutant for each catalog entry of autograder/steps/ not planted above ---
    mutant("sigmoid derivative from the input", ACT, "return state * (1.0 - state)",
           "s = 1.0 / (1.0 + np.exp(-state))\n        return s * (1.0 - s)", "activation", "Sigmoid.derivative",
           hint="derivative() receives an output s = sigmoid(x)"),
    mutant("tanh derivative from the input", ACT, "return 1.0 - state * state", "return 1.0 - np.tanh(state) ** 2",
           "activation", "Tanh.derivative", hint="derivative() receives an output s = tanh(x)"),
    mutant("tanh derivative missing its square", ACT, "return 1.0 - state * state", "return 1.0 - state",
           "activation", "Tanh.derivative", hint="the square is missing"),
    mutant("linear zero_grad keeps db", LIN, "self.db = np.zeros_like(self.b, dtype=np.float64)",
           "self.db = getattr(self, 'db', np.zeros_like(self.b, dtype=np.float64))", "linear_backward", "db",
           hint="zero_grad() must reset it"),
    mutant("rnn forward missing b_ih", RNN, "z = x @ self.W_ih.T + self.b_ih + h @ self.W_hh.T + self.b_hh",
           "z = x @ self.W_ih.T + h @ self.W_hh.T + self.b_hh", "rnn_forward", "returned h'",
           hint="the bias b_ih is missing"),
    mutant("rnn tanh derivative at the previous state", RNN, "dz = self.activation.derivative(state=h) * delta",
           "dz = self.activation.derivative(state=h_prev_t) * delta", "rnn_backward", "returned dx",
           hint="taken at the previous state h_prev_t"),
    mutant("rnn tanh derivative missing its square", RNN, "dz = self.activation.derivative(state=h) * delta",
           "dz = (1.0 - h) * delta", "rnn_backward", "returned dx", hint="the tanh derivative is 1 - h: it is"),
    mutant("rnn dh with the transposed weight", RNN, "dh = dz @ self.W_hh\n", "dh = dz @ self.W_hh.T\n",
           "rnn_backward", "returned dh", hint="dh is dz @ W_hh.T"),
    mutant("rnn backward returns (dh, dx)", RNN, "        return dx, dh\n", "        return dh, dx\n",
           "rnn_backward", "returned dx", hint="dx and dh are returned in each other's places"),
    mutant("rnn zero_grad keeps dW_hh", RNN, "self.dW_hh = np.zeros((self.hidden_size, self.hidden_size))",
           "self.dW_hh = getattr(self, 'dW_hh', np.zeros((self.hidden_size, self.hidden_size)))",
           "rnn_backward", "dW_hh", hint="zero_grad() must reset it"),
    mutant("gru update gate uses Wrh", GRU, "self.z = self.z_act(self.Wzh @ h + self.Wzx @ x)",
           "self.z = self.z_act(self.Wrh @ h + self.Wzx @ x)", {"gru_forward", "gru_backward"}, "update gate",
           step="gru_forward", hint="the update gate z is computed with Wrh"),
    mutant("gru update gate uses Wrx", GRU, "self.z = self.z_act(self.Wzh @ h + self.Wzx @ x)",
           "self.z = self.z_act(self.Wzh @ h + self.Wrx @ x)", {"gru_forward", "gru_backward"}, "update gate",
           step="gru_forward", hint="the update gate z is computed with Wrx"),
    mutant("gru reset gate uses Wzx", GRU, "self.r = self.r_act(self.Wrh @ h + self.Wrx @ x)",
           "self.r = self.r_act(self.Wrh @ h + self.Wzx @ x)", {"gru_forward", "gru_backward"}, "reset gate",
           step="gru_forward", hint="the reset gate r is computed with Wzx"),
    mutant("gru candidate without the reset gate", GRU, "self.Wh @ (self.r * h)", "self.Wh @ h",
           {"gru_forward", "gru_backward"}, "h_tilda", step="gru_forward", hint="the reset gate is missing"),
    mutant("gru dh misses the direct path", GRU, "dh = delta * (1.0 - z)", "dh = np.zeros_like(delta)",
           "gru_backward", "returned dh", hint="dh is missing the direct path (1 - z) * delta"),
    mutant("gru dh misses the update-gate path", GRU, "dh += self.Wzh.T @ d_a_z + self.Wrh.T @ d_a_r",
           "dh += self.Wrh.T @ d_a_r", "gru_backward", "returned dh",
           hint="dh is missing the path through the update gate z"),
    mutant("gru dh misses the reset-gate path", GRU, "dh += self.Wzh.T @ d_a_z + self.Wrh.T @ d_a_r",
           "dh += self.Wzh.T @ d_a_z", "gru_backward", "returned dh",
           hint="dh is missing the path through the reset gate r"),
    mutant("gru dh misses the candidate path", GRU, "        dh += d_rh * r\n", "", "gru_backward", "returned dh",
           hint="dh is missing the path through h~"),
    mutant("gru dx misses the update-gate path", GRU, "dx += self.Wzx.T @ d_a_z + self.Wrx.T @ d_a_r",
           "dx += self.Wrx.T @ d_a_r", "gru_backward", "returned dx",
           hint="dx is missing the path through the update gate z"),
    mutant("gru tanh derivative missing its square", GRU,
           "d_a_h = d_h_tilda * self.h_act.derivative(state=h_tilda)", "d_a_h = d_h_tilda * (1.0 - h_tilda)",
           "gru_backward", "returned dx", hint="the tanh derivative of h~ is 1 - h~"),
    mutant("gru z term with the sign flipped", GRU, "d_z = delta * (h_tilda - h)", "d_z = delta * (h - h_tilda)",
           "gru_backward", "returned dx", hint="the sign of the z term is flipped"),
    mutant("gru gate derivatives recomputed from the outputs", GRU,
           "d_a_z = d_z * self.z_act.derivative(state=z)\n        d_a_r = d_r * self.r_act.derivative(state=r)",
           "sz, sr = 1.0 / (1.0 + np.exp(-z)), 1.0 / (1.0 + np.exp(-r))\n"
           "        d_a_z = d_z * sz * (1.0 - sz)\n        d_a_r = d_r * sr * (1.0 - sr)",
           "gru_backward", "returned dx", hint="the gates' sigmoid derivative is taken as if z and r were inputs"),
    mutant("gru backward returns (dh, dx)", GRU, "return dx.reshape(1, -1), dh.reshape(1, -1)",
           "return dh.reshape(1, -1), dx.reshape(1, -1)", "gru_backward", "returned dx",
           hint="dx and dh are returned in each other's places"),
    mutant("lstm forward reads the gates as i, f, o, g", LSTM,
           "self.g = self.tanh(a[:, 2 * H : 3 * H])\n        self.o = self.sigmoid(a[:, 3 * H : 4 * H])",
           "self.o = self.sigmoid(a[:, 2 * H : 3 * H])\n        self.g = self.tanh(a[:, 3 * H : 4 * H])", BOTH_LSTM,
           "returned c_new", step="lstm_forward", hint="the gates are read in the order i, f, o, g"),
    mutant("lstm backward returns (dh, dx, dc)", LSTM, "return dx, dh, dc", "return dh, dx, dc", "lstm_backward",
           "returned dx", hint="dx and dh are returned in each other's places"),
)


@dataclass(frozen=True)
class Variant:
    """A correct implementation written differently; it must never fail."""

    name: str
    file: str
    old: str
    new: str

    def __str__(self) -> str:
        return self.name


def variants(file: str, *rows: tuple[str, str, str]) -> tuple[Variant, ...]:
    """The correct variants of one file, each given as (name, old, new)."""
    return tuple(Variant(name, file, old, new) for name, old, new in rows)


CORRECT_VARIANTS = (
    *variants(ACT,
              ("naive sigmoid (overflows to the right limit)",
               "e = np.exp(-np.abs(x))\n        self.state = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
               "self.state = 1.0 / (1.0 + np.exp(-x))"),
              ("sigmoid derivative as s - s**2", "return state * (1.0 - state)", "return state - state**2"),
              ("relu via where, float32-free", "self.state = np.maximum(x, 0.0)",
               "self.state = np.where(x > 0, x, 0.0)"),
              ("tanh derivative as (1 - s)(1 + s)", "return 1.0 - state * state",
               "return (1.0 - state) * (1.0 + state)")),
    *variants(LIN,
              ("linear dW accumulated out of place", "self.dW += delta.T @ self.x / batch_size",
               "self.dW = self.dW + delta.T @ self.x / batch_size"),
              ("linear with einsum and mean", "self.dW += delta.T @ self.x / batch_size",
               "self.dW += np.einsum('ni,nj->ij', delta, self.x) / batch_size")),
    *variants(LOSS,
              ("loss derivative from the softmax recomputed", "return self.sm - self.labels",
               "e = np.exp(self.logits - self.logits.max(axis=1, keepdims=True))\n"
               "        return e / e.sum(axis=1, keepdims=True) - self.labels"),
              ("loss with logsumexp written out", "log_sum = np.log(np.exp(shifted).sum(axis=1, keepdims=True))",
               "log_sum = np.log(np.sum(np.exp(shifted), axis=1)).reshape(-1, 1)")),
    *variants(RNN,
              ("rnn forward with 2-D biases", "z = x @ self.W_ih.T + self.b_ih + h @ self.W_hh.T + self.b_hh",
               "z = x @ self.W_ih.T + self.b_ih[None, :] + h @ self.W_hh.T + self.b_hh.reshape(1, -1)"),
              ("rnn dW_hh accumulated by np.add into the buffer", "self.dW_hh += dz.T @ h_prev_t / batch_size",
               "np.add(self.dW_hh, dz.T @ h_prev_t / batch_size, out=self.dW_hh)"),
              ("rnn forward with transposed products", "z = x @ self.W_ih.T + self.b_ih + h @ self.W_hh.T + self.b_hh",
               "z = (self.W_ih @ x.T).T + (self.W_hh @ h.T).T + (self.b_ih + self.b_hh)"),
              ("rnn backward with mean over the batch", "self.db_ih += dz.sum(axis=0) / batch_size",
               "self.db_ih += dz.mean(axis=0)")),
    *variants(GRU,
              ("gru dx as a row-vector product", "dx = self.Wx.T @ d_a_h", "dx = np.dot(d_a_h, self.Wx)"),
              ("gru backward returns (1, D) via reshape of a column", "return dx.reshape(1, -1), dh.reshape(1, -1)",
               "return dx[None, :], dh.reshape(-1, 1).T"),
              ("gru forward via np.dot", "self.z = self.z_act(self.Wzh @ h + self.Wzx @ x)",
               "self.z = self.z_act(np.dot(self.Wzh, h) + np.dot(self.Wzx, x))")),
    *variants(LSTM,
              ("lstm forward as one matmul on [x, h]", "a = x @ self.W_ih.T + self.b_ih + h @ self.W_hh.T + self.b_hh",
               "a = np.hstack([x, h]) @ np.hstack([self.W_ih, self.W_hh]).T + (self.b_ih + self.b_hh)"),
              ("lstm forward with 2-D biases", "a = x @ self.W_ih.T + self.b_ih + h @ self.W_hh.T + self.b_hh",
               "a = x @ self.W_ih.T + h @ self.W_hh.T + self.b_ih.reshape(1, -1) + self.b_hh[None, :]"),
              ("lstm tanh(c_new) by np.tanh", "self.tanh_c_new = self.tanh(c_new)", "self.tanh_c_new = np.tanh(c_new)"),
              ("lstm backward with explicit derivatives in another order",
               "dc_total = dc_new + dh_new * o * self.tanh.derivative(state=tanh_c_new)",
               "dc_total = dh_new * o * (1.0 - tanh_c_new**2) + dc_new"),
              ("lstm backward with mean and einsum",
               "self.db_ih += d_a.sum(axis=0) / batch_size\n        "
               "self.db_hh += d_a.sum(axis=0) / batch_size",
               "self.db_ih += d_a.mean(axis=0)\n        self.db_hh += np.einsum('nk->k', d_a) / batch_size")),
)


# --- the homework programs ---------------------------------------------------------------------

CLS = "hw/rnn_classifier.py"
CHAR = "hw/char_predictor.py"
MC = "hw/mc.py"
BOTH_CLS = {"rnn_classifier_forward", "rnn_classifier_backward"}
_FWD_LOOP = (
    "            layer_input = x[:, t, :]\n"
    "            for layer, cell in enumerate(self.rnn):\n"
    "                hidden[layer] = cell(layer_input, hidden[layer])\n"
    "                layer_input = hidden[layer]\n"
    "            self.hiddens.append(hidden.copy())\n"
)

HW_MUTANTS = (
    # rnn_classifier_forward (the backward step runs the same forward, so it fails too)
    mutant("classifier forgets the recurrence", CLS, "hidden[layer] = cell(layer_input, hidden[layer])",
           "hidden[layer] = cell(layer_input, self.hiddens[0][layer])", BOTH_CLS,
           ("returned logits", "first mismatch at time step 1, layer 0", "hidden state h passed to RNNCell.forward",
            "not carried"), step="rnn_classifier_forward", hint="not carried"),
    mutant("classifier reads the sequence backwards", CLS, "layer_input = x[:, t, :]",
           "layer_input = x[:, seq_len - 1 - t, :]", BOTH_CLS,
           ("returned logits", "first mismatch at time step 0, layer 0", "read backwards"),
           step="rnn_classifier_forward", hint="the sequence is read backwards"),
    mutant("classifier logits from the first layer", CLS, "logits = self.output_layer(hidden[-1])",
           "logits = self.output_layer(hidden[0])", BOTH_CLS,
           ("returned logits", "output layer received layer 0's state after time step 3"),
           step="rnn_classifier_forward", hint="the output layer received layer 0's state"),
    mutant("classifier upper layers read the input again", CLS,
           "                layer_input = hidden[layer]\n", "", BOTH_CLS,
           ("RNNPhonemeClassifier.forward", "ValueError", "hw/rnn_classifier.py"), step="rnn_classifier_forward"),
    # rnn_classifier_backward
    mutant("bptt misses the gradient from the layer above", CLS,
           "                if layer > 0:\n                    dh[layer - 1] += dx\n", "", "rnn_classifier_backward",
           ("self.rnn[0].dW_ih", "time step 3, layer 0", "missing the gradient from the layer above"),
           hint="did no gradient reach it"),
    mutant("bptt misses the gradient from the next time step", CLS,
           "                dx, dh[layer] = self.rnn[layer].backward(dh[layer], h, h_prev_l, h_prev_t)",
           "                dx, _ = self.rnn[layer].backward(dh[layer], h, h_prev_l, h_prev_t)\n"
           "                dh[layer] = 0.0",
           "rnn_classifier_backward",
           ("self.rnn[1].dW_ih", "time step 2, layer 1", "missing the gradient from the next time step"),
           hint="missing the gradient from the next time step"),
    mutant("bptt passes h_t as h_prev_t", CLS, "h_prev_t = self.hiddens[t][layer]",
           "h_prev_t = self.hiddens[t + 1][layer]", "rnn_classifier_backward",
           ("self.rnn[1].dW_hh", "time step 3, layer 1", "h_prev_t received h_t where h_{t-1} belongs"),
           hint="h_prev_t received h_t where h_{t-1} belongs"),
    mutant("bptt reads h one step early", CLS, "h = self.hiddens[t + 1][layer]", "h = self.hiddens[t][layer]",
           "rnn_classifier_backward", ("self.rnn[1]", "time step 3, layer 1", "h received h_{t-1} where h_t belongs"),
           hint="h received h_{t-1} where h_t belongs"),
    mutant("bptt uses the layer below at the previous step", CLS,
           "else self.hiddens[t + 1][layer - 1]", "else self.hiddens[t][layer - 1]", "rnn_classifier_backward",
           ("self.rnn[1].dW_ih", "time step 3, layer 1", "h_prev_l", "layer 0's state after time step 2"),
           hint="got layer 0's state after time step 2"),
    mutant("bptt dh_0 not divided by the batch", CLS, "dh_0 = dh / batch_size", "dh_0 = dh",
           "rnn_classifier_backward", ("returned dh_0", "batch size", "every call to RNNCell.backward"),
           hint="a sum where a batch mean belongs"),
    mutant("hiddens appended without a copy", CLS, "self.hiddens.append(hidden.copy())",
           "self.hiddens.append(hidden)", "rnn_classifier_backward",
           ("time step 3, layer 1", "h_prev_t received h_t where h_{t-1} belongs")),
    mutant("hiddens stored one step late", CLS, _FWD_LOOP,
           "            self.hiddens.append(hidden.copy())\n" + _FWD_LOOP.replace(
               "            self.hiddens.append(hidden.copy())\n", ""), "rnn_classifier_backward",
           ("time step 3, layer 1", "h received h_{t-1} where h_t belongs")),
    # gru_inference
    mutant("inference does not carry the hidden state", CHAR, "step_logits, h = net(x, h)",
           "step_logits, _ = net(x, h)", "gru_inference",
           ("inference", "first mismatch at time step 1", "zero initial state again"), hint="zero initial state again"),
    mutant("inference starts from ones", CHAR, "h = np.zeros(net.hidden_dim, dtype=np.float64)",
           "h = np.ones(net.hidden_dim, dtype=np.float64)", "gru_inference",
           ("inference", "first mismatch at time step 0", "not zeros"), hint="is not zeros"),
    mutant("char forward projects the previous state", CHAR, "logits = self.projection(hnext)",
           "logits = self.projection(h)", "gru_inference", ("CharacterPredictor.forward", "returned logits"),
           hint="the logits are the projection of the state forward received"),
    mutant("char forward returns (hnext, logits)", CHAR, "return logits, hnext", "return hnext, logits",
           "gru_inference", ("CharacterPredictor.forward", "returned hnext", "shape"),
           hint="hnext and logits are returned in each other's places"),
    mutant("inference returns only the last step", CHAR, "logits = np.stack(per_step)", "logits = per_step[-1]",
           "gru_inference", ("inference", "returned logits (seq_len, num_classes)", "shape: expected (7, 6)"),
           hint="it is the last of the 7 rows"),
    # mc
    mutant("mc multi-select answered with one letter", MC, 'return ["a", "c", "e"]', 'return "a"', "mc",
           ("question_2", "multi-select"), hint="question 2 is multi-select"),
    mutant("mc letter outside the options", MC, 'return "b"', 'return "e"', "mc", ("question_1", "got 'e'"),
           hint="expected one letter among a, b, c, d, got 'e'"),
    mutant("mc question left unanswered", MC, 'return ["a", "d", "e"]', "return None", "mc",
           ("question_3", "not answered yet"), hint="not answered yet (it returns None)"),
    mutant("mc stub still raises", MC, 'return "c"', 'raise NotImplementedError("mc: question_4")', "mc",
           ("question_4", "not answered yet", "4 of 5"), hint="question_4: not answered yet"),
    mutant("mc repeated letter", MC, 'return ["b", "d", "f"]', 'return ["b", "b"]', "mc",
           ("question_5", "twice"), hint="a letter appears twice"),
)

_BWD_SOLUTION = """        for t in reversed(range(seq_len)):
            for layer in reversed(range(self.num_layers)):
                h = self.hiddens[t + 1][layer]
                h_prev_l = self.x[:, t, :] if layer == 0 else self.hiddens[t + 1][layer - 1]
                h_prev_t = self.hiddens[t][layer]
                dx, dh[layer] = self.rnn[layer].backward(dh[layer], h, h_prev_l, h_prev_t)
                if layer > 0:
                    dh[layer - 1] += dx
"""

HW_VARIANTS = (
    *variants(CLS,
              ("bptt with the layer loop outside the time loop", _BWD_SOLUTION, """\
        from_above = [None] * seq_len
        from_above[-1] = dh[-1].copy()
        for layer in reversed(range(self.num_layers)):
            carry = np.zeros((batch_size, self.hidden_size))
            to_below = [None] * seq_len
            for t in reversed(range(seq_len)):
                incoming = carry + (from_above[t] if from_above[t] is not None else 0.0)
                below = self.x[:, t, :] if layer == 0 else self.hiddens[t + 1][layer - 1]
                to_below[t], carry = self.rnn[layer].backward(
                    incoming, self.hiddens[t + 1][layer], below, self.hiddens[t][layer])
            dh[layer] = carry
            from_above = to_below
"""),
              ("bptt written inline without RNNCell.backward", _BWD_SOLUTION, """\
        for t in reversed(range(seq_len)):
            for layer in reversed(range(self.num_layers)):
                cell = self.rnn[layer]
                below = self.x[:, t, :] if layer == 0 else self.hiddens[t + 1][layer - 1]
                dz = dh[layer] * (1.0 - self.hiddens[t + 1][layer] ** 2)
                cell.dW_ih += dz.T @ below / batch_size
                cell.dW_hh += dz.T @ self.hiddens[t][layer] / batch_size
                cell.db_ih += dz.mean(axis=0)
                cell.db_hh += dz.mean(axis=0)
                dh[layer] = dz @ cell.W_hh
                if layer > 0:
                    dh[layer - 1] += dz @ cell.W_ih
"""),
              ("classifier forward with the layer loop outside", "        for t in range(seq_len):\n" + _FWD_LOOP,
               """        per_step = [hidden.copy() for _ in range(seq_len)]
        layer_input = x
        for layer, cell in enumerate(self.rnn):
            state = hidden[layer]
            outputs = []
            for t in range(seq_len):
                state = cell(layer_input[:, t, :], state)
                per_step[t][layer] = state
                outputs.append(state)
            layer_input = np.stack(outputs, axis=1)
        self.hiddens.extend(per_step)
        hidden = per_step[-1] if seq_len else hidden
""")),
    *variants(MC, ("a well-formed but different multiple-choice answer passes locally", 'return "c"', 'return "a"')),
)


def downstream(failed: set[str]) -> set[str]:
    """Steps that call, directly or through other steps, code of a step in `failed`."""
    uses: set[str] = set()
    for entry in load_rubric():  # rubric order: dependencies come first
        if set(entry.depends) & (failed | uses):
            uses.add(entry.id)
    return uses - failed


# The torch homework's code: a change anywhere else runs without torch (tests/tree.py: Tree.run).
POEMS = "hw/poems/"


def check_mutant(tree, m: Mutant, steps: tuple[str, ...] = (), allow_downstream: bool = False) -> None:
    """Plant m in tree, run the runner (on `steps` only, when given) and check the verdict.

    The mutant's steps must fail and no other, except, with allow_downstream, steps
    built on the broken code; the inspected step's message must contain every phrase.
    """
    tree.replace(m.file, m.old, m.new)
    result = tree.run(*(a for s in steps for a in ("--step", s)), torch_importable=m.file.startswith(POEMS))
    assert result.returncode == 1, result.stdout + result.stderr
    extra = result.failed() - set(m.fails)
    assert set(m.fails) <= result.failed(), result.stdout
    assert extra <= (downstream(set(m.fails)) if allow_downstream else set()), result.stdout
    block = result.output(m.step)
    for phrase in m.says:
        assert phrase in block, f"{phrase!r} not in:\n{block}"
    # A hint that is given must name this bug; a mutant with a hint phrase must get it.
    hints = hint_lines(block)
    if m.hint is not None:
        assert m.hint in block, f"hint {m.hint!r} not in:\n{block}"
    assert all(m.hint is not None and m.hint in h for h in hints), f"a hint names another cause:\n{block}"


def check_variant(tree, v: Variant) -> None:
    """Plant a correct variant in tree: every step must still pass."""
    tree.replace(v.file, v.old, v.new)
    result = tree.run(torch_importable=v.file.startswith(POEMS))
    assert result.returncode == 0 and result.failed() == set(), result.stdout


def mutants_fail_their_steps(mutants: tuple[Mutant, ...], steps: tuple[str, ...] = (), allow_downstream: bool = False):
    """A test module's `test_mutant_fails_its_step`: check_mutant for each of `mutants`, one test each."""

    @pytest.mark.parametrize("m", mutants, ids=str)
    def test_mutant_fails_its_step(tree, m):
        check_mutant(tree, m, steps, allow_downstream)

    return test_mutant_fails_its_step


def variants_pass(table: tuple[Variant, ...]):
    """A test module's `test_correct_variant_passes`: check_variant for each variant of `table`, one test each."""

    @pytest.mark.parametrize("v", table, ids=str)
    def test_correct_variant_passes(tree, v):
        check_variant(tree, v)

    return test_correct_variant_passes


def mutants_of_their_own(mutants: tuple[Mutant, ...], steps: tuple[str, ...], alone: tuple[str, ...] = ()):
    """A test that each of `steps` is the inspected step of at least three mutants; for a step in `alone`, at
    least three that fail that step and no other."""

    def test_each_step_has_at_least_three_mutants_of_its_own():
        for step in steps:
            own = [m for m in mutants if m.step == step]
            assert len(own) >= 3, step
            if step in alone:
                assert len([m for m in own if m.fails == {step}]) >= 3, step

    return test_each_step_has_at_least_three_mutants_of_its_own
