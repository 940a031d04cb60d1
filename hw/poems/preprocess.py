"""Preprocessing the poem corpus: clean the lines, build the vocabulary, encode every poem.

The corpus has one poem per line, either ``title:content`` (the layout of the ``poems.txt``
of the textbook exercises) or the content alone. Each kept poem is wrapped as
``G`` + content + ``E``: the start token tells the model a poem begins, the end token
teaches it when to stop. Plain Python: no numpy or torch needed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Iterable

START_TOKEN = "G"
END_TOKEN = "E"
# Pads the poems of a batch to one length; always the last entry of the vocabulary.
PAD = " "
# Lines holding any of these are notes, variants or damaged text in the course file: skipped.
SKIP_CHARS = "_(（《["
MIN_LENGTH = 5
MAX_LENGTH = 80


@dataclass(frozen=True)
class Corpus:
    """A preprocessed corpus.

    poems_vector: one list of indices per kept poem, in corpus order, G and E included
    word_int_map: character -> index; int_word_map: index -> character (its inverse)
    """

    poems_vector: list[list[int]]
    word_int_map: dict[str, int]
    int_word_map: dict[int, str]

    @property
    def vocab_size(self) -> int:
        """V, the number of characters (PAD included)."""
        return len(self.int_word_map)


def read_poem(
    line: str, min_length: int = MIN_LENGTH, max_length: int = MAX_LENGTH, skip: str = SKIP_CHARS
) -> str | None:
    """Clean one corpus line into the poem wrapped as G + content + E, or None when the line is skipped.

    Whitespace inside the content is removed. A line is skipped when its content holds any character of
    `skip` or a start/end token, or has fewer than min_length or more than max_length characters (bounds
    inclusive, counted without G and E).

    Inputs:
    - line: ``title:content`` (split at the first colon) or the content alone
    - min_length, max_length, skip: the rules above

    Returns:
    - the wrapped poem, a str, or None
    """
    # BEGIN SOLUTION hint: drop the title (up to the first ':') and all whitespace; check skip chars, tokens, length
    content = line.split(":", 1)[1] if ":" in line else line
    content = "".join(content.split())
    if any(c in content for c in skip + START_TOKEN + END_TOKEN):
        return None
    if not min_length <= len(content) <= max_length:
        return None
    return START_TOKEN + content + END_TOKEN
    # END SOLUTION


def build_vocabulary(poems: list[str]) -> tuple[dict[str, int], dict[int, str]]:
    """Build the vocabulary of the wrapped poems, by frequency.

    Characters are ordered by count over all poems, most frequent first; equal counts go in order of
    code point (ord), smallest first, so the order never depends on the corpus's line order. G and E are
    counted like any character. PAD comes last.

    Inputs:
    - poems: wrapped poems (G + content + E)

    Returns a tuple of:
    - word_int_map: character -> index
    - int_word_map: index -> character
    """
    # BEGIN SOLUTION hint: count with collections.Counter; sort by (-count, ord(char)); append PAD
    counts = Counter(c for poem in poems for c in poem)
    words = sorted(counts, key=lambda c: (-counts[c], ord(c))) + [PAD]
    word_int_map = {w: i for i, w in enumerate(words)}
    int_word_map = dict(enumerate(words))
    return word_int_map, int_word_map
    # END SOLUTION


def process_poems(
    lines: Iterable[str], min_length: int = MIN_LENGTH, max_length: int = MAX_LENGTH, skip: str = SKIP_CHARS
) -> Corpus:
    """Turn the corpus into the Corpus: kept poems as index vectors, and the vocabulary.

    Inputs:
    - lines: the corpus, one poem per line
    - min_length, max_length, skip: what read_poem keeps

    Returns:
    - the Corpus: poems_vector[i][k] is word_int_map of the k-th character of the i-th kept poem
    """
    poems = [p for p in (read_poem(line, min_length, max_length, skip) for line in lines) if p is not None]
    word_int_map, int_word_map = build_vocabulary(poems)
    # BEGIN SOLUTION hint: map every character of every poem through word_int_map
    poems_vector = [[word_int_map[c] for c in poem] for poem in poems]
    return Corpus(poems_vector, word_int_map, int_word_map)
    # END SOLUTION


def load_corpus(path: str, encoding: str = "utf-8") -> list[str]:
    """Read a corpus file into its lines (without line ends)."""
    with open(path, encoding=encoding) as f:
        return f.read().splitlines()
