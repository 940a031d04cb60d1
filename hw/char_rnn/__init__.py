"""Character-level RNN language model homework ("Fun with RNNs").

Run ``python -m hw.char_rnn --help`` for the commands; see handout/char_rnn.md.
"""
