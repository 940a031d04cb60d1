"""Vocabulary and the built-in corpus."""
import numpy as np
import pytest

from hw.char_rnn.corpus import default_corpus, load_text
from hw.char_rnn.vocab import Vocabulary


def test_vocabulary_is_sorted_and_round_trips():
    vocab = Vocabulary.from_text("hello, world\n")
    assert vocab.chars == sorted(set("hello, world\n"))
    ixs = vocab.encode("world")
    assert ixs.dtype == np.int64 and vocab.decode(ixs) == "world"
    with pytest.raises(KeyError, match="'z' is not in the vocabulary"):
        vocab.encode("zebra")
    with pytest.raises(ValueError):
        Vocabulary(["a", "a"])


def test_default_corpus_is_deterministic_english_text():
    text = default_corpus()
    assert text == default_corpus()
    assert len(text) > 100_000 and "statement" in text
    assert load_text(None)[1].startswith("pydoc-topics")


def test_any_utf8_file_can_be_the_corpus(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("naïve café – ok\n", encoding="utf-8")
    text, name = load_text(path)
    assert text == "naïve café – ok\n" and str(path) in name
    path.write_text("a", encoding="utf-8")
    with pytest.raises(ValueError, match="at least two"):
        load_text(path)
