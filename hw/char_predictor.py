"""A GRU that predicts the next character, one character at a time.

The cell is mytorch's bias-free, unbatched GRUCell; a Linear layer projects
each hidden state to one logit per character.

Shape legend: D input_dim (feature size of one character), H hidden_dim,
C num_classes, T seq_len.
"""

import numpy as np

from mytorch.gru_cell import GRUCell
from mytorch.linear import Linear


class CharacterPredictor:
    """CharacterPredictor(input_dim, hidden_dim, num_classes): a GRU cell and a Linear projection.

    Attributes:
    - rnn: GRUCell(D, H)
    - projection: Linear(H, C)
    """

    def __init__(self, input_dim: int, hidden_dim: int, num_classes: int) -> None:
        """Create the cell and the projection (each draws its own weights)."""
        # The cell is created first so that seeded random weights match the classic assignment.
        self.rnn = GRUCell(input_dim, hidden_dim)
        self.projection = Linear(hidden_dim, num_classes)
        self.num_classes = num_classes
        self.hidden_dim = hidden_dim

    def init_rnn_weights(
        self, w_hi: np.ndarray, w_hr: np.ndarray, w_hn: np.ndarray, w_ii: np.ndarray, w_ir: np.ndarray, w_in: np.ndarray
    ) -> None:
        """Set the GRU cell's six weights (the names are the classic assignment's).

        Inputs:
        - w_hi: becomes GRUCell.Wzh, the update gate's hidden weights, of shape (H, H)
        - w_hr: becomes GRUCell.Wrh, the reset gate's hidden weights, of shape (H, H)
        - w_hn: becomes GRUCell.Wh, the candidate state's hidden weights, of shape (H, H)
        - w_ii: becomes GRUCell.Wzx, the update gate's input weights, of shape (H, D)
        - w_ir: becomes GRUCell.Wrx, the reset gate's input weights, of shape (H, D)
        - w_in: becomes GRUCell.Wx, the candidate state's input weights, of shape (H, D)
        """
        self.rnn.init_weights(w_hi, w_hr, w_hn, w_ii, w_ir, w_in)

    def __call__(self, x: np.ndarray, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Run one time step: the same as forward(x, h)."""
        return self.forward(x, h)

    def forward(self, x: np.ndarray, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Run one time step: hnext = rnn(x, h), logits = projection(hnext).

        Inputs:
        - x: this step's input, of shape (D,)
        - h: the previous hidden state, of shape (H,)

        Returns a tuple of:
        - logits: of shape (C,)
        - hnext: the new hidden state, of shape (H,)
        """
        # BEGIN SOLUTION hint: the GRU cell gives the next state; the projection turns it into logits
        hnext = self.rnn(x, h)
        logits = self.projection(hnext)
        return logits, hnext
        # END SOLUTION


def inference(net: CharacterPredictor, inputs: np.ndarray) -> np.ndarray:
    """Run net over a whole sequence, starting from a zero hidden state.

    Inputs:
    - net: a CharacterPredictor
    - inputs: the sequence, of shape (T, D)

    Returns:
    - logits: of shape (T, C); row t holds the logits after reading inputs[t]
    """
    # BEGIN SOLUTION hint: carry the hidden state from one step to the next
    h = np.zeros(net.hidden_dim, dtype=np.float64)
    per_step = []
    for x in inputs:
        step_logits, h = net(x, h)
        per_step.append(step_logits)
    logits = np.stack(per_step)
    return logits
    # END SOLUTION
