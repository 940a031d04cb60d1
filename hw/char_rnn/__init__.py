"""Character-level RNN language model homework ("Fun with RNNs").

Run ``python -m hw.char_rnn --help`` for the commands; see handout/char_rnn.md.
"""
from hw.char_rnn.model import CharRNN, WindowCache
from hw.char_rnn.sampling import complete, make_draw, sample, softmax_with_temperature

__all__ = ["CharRNN", "WindowCache", "complete", "make_draw", "sample", "softmax_with_temperature"]
