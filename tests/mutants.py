"""Plausible student bugs, each planted in a copy of the solution.

A mutant names the file, the exact text it replaces (which must occur once,
so a mutant can never silently stop applying), the steps that must then fail
and a phrase the first failing step's message must contain.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Mutant:
    name: str
    file: str
    old: str
    new: str
    fails: frozenset[str]
    step: str  # the step whose message is inspected
    says: tuple[str, ...]  # phrases that message must contain

    def __str__(self) -> str:
        return self.name


def mutant(name, file, old, new, fails, says, step=None) -> Mutant:
    fails = frozenset([fails] if isinstance(fails, str) else fails)
    says = (says,) if isinstance(says, str) else tuple(says)
    return Mutant(name, file, old, new, fails, step or sorted(fails)[0], says)


ACT = "mytorch/activation.py"
LIN = "mytorch/linear.py"
LOSS = "mytorch/loss.py"
RNN = "mytorch/rnn_cell.py"
GRU = "mytorch/gru_cell.py"

CORE_MUTANTS = (
    # activation
    mutant("sigmoid derivative sign", ACT, "return state * (1.0 - state)", "return state * (1.0 + state)",
           {"activation", "gru_backward"}, "Sigmoid.derivative", step="activation"),
    mutant("relu derivative counts zero as active", ACT, "return (state > 0).astype(np.float64)",
           "return (state >= 0).astype(np.float64)", "activation", "ReLU.derivative"),
    mutant("relu derivative ignores the state argument", ACT,
           "state = self.state if state is None else state\n        return (state > 0)",
           "state = self.state\n        return (state > 0)", "activation", "derivative(state=s)"),
    mutant("relu forward uses abs", ACT, "self.state = np.maximum(x, 0.0)", "self.state = np.abs(x)",
           "activation", "ReLU.forward"),
    mutant("tanh forward does not store state", ACT, "self.state = np.tanh(x)\n        return self.state",
           "return np.tanh(x)", "activation", ("Tanh.forward", "self.state", "got None", "then it raised")),
    # linear_forward
    mutant("linear forward transposed weight", LIN, "return x @ self.W.T + self.b", "return x @ self.W + self.b",
           {"linear_forward", "linear_backward"}, "Linear.forward", step="linear_forward"),
    mutant("linear forward missing bias", LIN, "return x @ self.W.T + self.b", "return x @ self.W.T",
           "linear_forward", "output y"),
    mutant("linear forward subtracts bias", LIN, "return x @ self.W.T + self.b", "return x @ self.W.T - self.b",
           "linear_forward", "output y"),
    # linear_backward
    mutant("linear dW assigned instead of accumulated", LIN, "self.dW += delta.T @ self.x / batch_size",
           "self.dW = delta.T @ self.x / batch_size", "linear_backward", ("dW", "accumulate")),
    mutant("linear db summed instead of averaged", LIN, "self.db += delta.sum(axis=0) / batch_size",
           "self.db += delta.sum(axis=0)", "linear_backward", ("db", "batch mean")),
    mutant("linear dx averaged over the batch", LIN, "return delta @ self.W\n",
           "return delta @ self.W / batch_size\n", "linear_backward", ("returned dx", "per-sample")),
    mutant("linear dW transposed", LIN, "self.dW += delta.T @ self.x / batch_size",
           "self.dW += (delta.T @ self.x / batch_size).T", "linear_backward", "dW"),
    # loss_forward
    mutant("loss without the max shift", LOSS, "shifted = x - x.max(axis=1, keepdims=True)", "shifted = x",
           {"loss_forward", "loss_backward"}, ("per-sample loss", "non-finite"), step="loss_forward"),
    mutant("loss averaged over the batch", LOSS, "return -(y * log_softmax).sum(axis=1)",
           "return -(y * log_softmax).sum(axis=1).mean()", "loss_forward", ("per-sample loss", "shape (4,)")),
    mutant("loss missing minus sign", LOSS, "return -(y * log_softmax).sum(axis=1)",
           "return (y * log_softmax).sum(axis=1)", "loss_forward", ("per-sample loss", "sign")),
    # loss_backward
    mutant("loss derivative divided by batch", LOSS, "return self.sm - self.labels",
           "return (self.sm - self.labels) / self.labels.shape[0]", "loss_backward", "dL/dx"),
    mutant("loss derivative reversed", LOSS, "return self.sm - self.labels", "return self.labels - self.sm",
           "loss_backward", ("dL/dx", "sign")),
    mutant("loss derivative forgets the labels", LOSS, "return self.sm - self.labels", "return self.sm",
           "loss_backward", "dL/dx"),
    # rnn_forward
    mutant("rnn forward missing b_hh", RNN, "+ h @ self.W_hh.T + self.b_hh", "+ h @ self.W_hh.T",
           "rnn_forward", "returned h'"),
    mutant("rnn forward transposed W_hh", RNN, "+ h @ self.W_hh.T + self.b_hh", "+ h @ self.W_hh + self.b_hh",
           "rnn_forward", "returned h'"),
    mutant("rnn forward without tanh", RNN, "return self.activation(z)", "return z", "rnn_forward", "returned h'"),
    mutant("rnn forward transposed W_ih", RNN, "z = x @ self.W_ih.T", "z = x @ self.W_ih",
           "rnn_forward", "RNNCell.forward"),
    # rnn_backward
    mutant("rnn dW_hh assigned instead of accumulated", RNN, "self.dW_hh += dz.T @ h_prev_t / batch_size",
           "self.dW_hh = dz.T @ h_prev_t / batch_size", "rnn_backward", ("dW_hh", "accumulate")),
    mutant("rnn backward missing tanh derivative", RNN, "dz = self.activation.derivative(state=h) * delta",
           "dz = delta", "rnn_backward", "returned dx"),
    mutant("rnn dW_hh uses h_t where h_t-1 belongs", RNN, "self.dW_hh += dz.T @ h_prev_t / batch_size",
           "self.dW_hh += dz.T @ h / batch_size", "rnn_backward", "dW_hh"),
    mutant("rnn dx averaged over the batch", RNN, "dx = dz @ self.W_ih\n", "dx = dz @ self.W_ih / batch_size\n",
           "rnn_backward", ("returned dx", "per-sample")),
    mutant("rnn db_ih summed instead of averaged", RNN, "self.db_ih += dz.sum(axis=0) / batch_size",
           "self.db_ih += dz.sum(axis=0)", "rnn_backward", ("db_ih", "batch mean")),
    # gru_forward
    mutant("gru reset gate after the matmul", GRU, "self.Wh @ (self.r * h)", "self.r * (self.Wh @ h)",
           {"gru_forward", "gru_backward"}, "h_tilda", step="gru_forward"),
    mutant("gru update gate roles swapped", GRU, "h_t = (1.0 - self.z) * h + self.z * self.h_tilda",
           "h_t = self.z * h + (1.0 - self.z) * self.h_tilda", "gru_forward", "returned h_t"),
    mutant("gru reset gate uses Wzh", GRU, "self.r = self.r_act(self.Wrh @ h", "self.r = self.r_act(self.Wzh @ h",
           {"gru_forward", "gru_backward"}, "reset gate", step="gru_forward"),
    # gru_backward
    mutant("gru dWx assigned instead of accumulated", GRU, "self.dWx += np.outer(d_a_h, x)",
           "self.dWx = np.outer(d_a_h, x)", "gru_backward", ("dWx", "accumulate")),
    mutant("gru backward missing tanh derivative", GRU,
           "d_a_h = d_h_tilda * self.h_act.derivative(state=h_tilda)", "d_a_h = d_h_tilda",
           "gru_backward", "returned dx"),
    mutant("gru dWh uses h instead of r*h", GRU, "self.dWh += np.outer(d_a_h, r * h)",
           "self.dWh += np.outer(d_a_h, h)", "gru_backward", "dWh"),
    mutant("gru dx misses the reset-gate path", GRU, "dx += self.Wzx.T @ d_a_z + self.Wrx.T @ d_a_r",
           "dx += self.Wzx.T @ d_a_z", "gru_backward", "returned dx"),
    mutant("gru dWrx transposed", GRU, "self.dWrx += np.outer(d_a_r, x)", "self.dWrx += np.outer(x, d_a_r).T.T",
           "gru_backward", "dWrx"),
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


CORRECT_VARIANTS = (
    Variant("naive sigmoid (overflows to the right limit)", ACT,
            "e = np.exp(-np.abs(x))\n        self.state = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
            "self.state = 1.0 / (1.0 + np.exp(-x))"),
    Variant("sigmoid derivative as s - s**2", ACT, "return state * (1.0 - state)", "return state - state**2"),
    Variant("relu via where, float32-free", ACT, "self.state = np.maximum(x, 0.0)",
            "self.state = np.where(x > 0, x, 0.0)"),
    Variant("linear with einsum and mean", LIN, "self.dW += delta.T @ self.x / batch_size",
            "self.dW += np.einsum('ni,nj->ij', delta, self.x) / batch_size"),
    Variant("loss with logsumexp written out", LOSS,
            "log_sum = np.log(np.exp(shifted).sum(axis=1, keepdims=True))",
            "log_sum = np.log(np.sum(np.exp(shifted), axis=1)).reshape(-1, 1)"),
    Variant("rnn forward with transposed products", RNN,
            "z = x @ self.W_ih.T + self.b_ih + h @ self.W_hh.T + self.b_hh",
            "z = (self.W_ih @ x.T).T + (self.W_hh @ h.T).T + (self.b_ih + self.b_hh)"),
    Variant("rnn backward with mean over the batch", RNN, "self.db_ih += dz.sum(axis=0) / batch_size",
            "self.db_ih += dz.mean(axis=0)"),
    Variant("gru backward returns (1, D) via reshape of a column", GRU,
            "return dx.reshape(1, -1), dh.reshape(1, -1)", "return dx[None, :], dh.reshape(-1, 1).T"),
    Variant("gru forward via np.dot", GRU, "self.z = self.z_act(self.Wzh @ h + self.Wzx @ x)",
            "self.z = self.z_act(np.dot(self.Wzh, h) + np.dot(self.Wzx, x))"),
)
