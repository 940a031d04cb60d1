"""The poem model: an embedding, a two-layer LSTM and a linear layer to the vocabulary (torch).

Shapes: B batch size, T sequence length, V vocabulary size, E embedding size, H LSTM hidden size.
"""

from __future__ import annotations

import math

import torch
from torch import nn

LAYERS = 2


class word_embedding(nn.Module):  # noqa: N801 - the lab's name
    """The embedding table, initialised uniformly in [-1, 1) from torch's generator.

    forward: sentence (B, T) int64 indices -> (B, T, E)
    """

    def __init__(self, vocab_length: int, embedding_dim: int) -> None:
        """Create the (V, E) table, uniform in [-1, 1)."""
        super().__init__()
        self.word_embedding = nn.Embedding(vocab_length, embedding_dim)
        nn.init.uniform_(self.word_embedding.weight, -1.0, 1.0)

    def forward(self, input_sentence: torch.Tensor) -> torch.Tensor:
        """Look up the vectors of input_sentence, int64 of shape (B, T): returns (B, T, E)."""
        return self.word_embedding(input_sentence)


def weights_init(m: nn.Module) -> None:
    """Xavier (Glorot) uniform initialisation of a Linear layer: weights in +-sqrt(6 / (fan_in + fan_out)), bias 0.

    Apply with model.apply(weights_init); other modules are left as they are.
    """
    if isinstance(m, nn.Linear):
        fan_out, fan_in = m.weight.shape
        bound = math.sqrt(6.0 / (fan_in + fan_out))
        with torch.no_grad():
            m.weight.uniform_(-bound, bound)
            if m.bias is not None:
                m.bias.zero_()


class RNN_model(nn.Module):  # noqa: N801 - the lab's name
    """Embedding -> 2-layer LSTM (batch first) -> Linear to the vocabulary.

    vocab_len: V; word_embedding: a module mapping (B, T) indices to (B, T, E) vectors;
    embedding_dim: E; lstm_hidden_dim: H.
    Attributes the grader reads: word_embedding_lookup, rnn_lstm (nn.LSTM), fc (nn.Linear).
    """

    def __init__(self, vocab_len: int, word_embedding: nn.Module, embedding_dim: int, lstm_hidden_dim: int) -> None:
        """Keep the embedding; create rnn_lstm and fc, the Linear with Xavier weights (weights_init)."""
        super().__init__()
        self.word_embedding_lookup = word_embedding
        self.vocab_length = vocab_len
        self.word_embedding_dim = embedding_dim
        self.lstm_dim = lstm_hidden_dim
        # BEGIN SOLUTION hint: self.rnn_lstm = nn.LSTM(...) with 2 layers and batch_first=True; self.fc: H -> V
        self.rnn_lstm = nn.LSTM(
            input_size=embedding_dim, hidden_size=lstm_hidden_dim, num_layers=LAYERS, batch_first=True
        )
        self.fc = nn.Linear(lstm_hidden_dim, vocab_len)
        self.apply(weights_init)
        # END SOLUTION

    def forward(self, sentence: torch.Tensor, batch_size: int, is_test: bool = False) -> torch.Tensor:
        """Compute the logits of every step from zero hidden and cell states.

        Inputs:
        - sentence: int64 indices, of shape (B, T), B = batch_size
        - batch_size: B
        - is_test: keep only the last step's row of the single sample

        Returns:
        - logits: of shape (B * T, V), row b * T + t for sample b at step t; with is_test, (1, V)
        """
        # BEGIN SOLUTION hint: embed, run self.rnn_lstm from zero (h0, c0) of shape (2, B, H), then self.fc
        batch_input = self.word_embedding_lookup(sentence)
        zeros = torch.zeros(LAYERS, batch_size, self.lstm_dim, dtype=batch_input.dtype, device=batch_input.device)
        output, _ = self.rnn_lstm(batch_input, (zeros, zeros))
        logits = self.fc(output.reshape(-1, self.lstm_dim))
        if is_test:
            return logits[-1:, :]
        return logits
        # END SOLUTION
