"""Character vocabulary: the mapping between characters and integer indices."""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np


class Vocabulary:
    """An ordered list of distinct characters; a character's index is its position.

    The order matters: a trained model's rows of ``Why`` and columns of ``Wxh`` follow it.
    Vocabularies built here are sorted so that the same text always gives the same order;
    a vocabulary read from a snapshot keeps the snapshot's order, whatever it is.
    """

    def __init__(self, chars: Sequence[str]) -> None:
        """chars: distinct single characters, in index order."""
        self.chars: list[str] = list(chars)
        if any(len(c) != 1 for c in self.chars):
            raise ValueError("every vocabulary entry must be a single character")
        self.index: dict[str, int] = {c: i for i, c in enumerate(self.chars)}
        if len(self.index) != len(self.chars):
            raise ValueError("vocabulary characters must be distinct")

    @classmethod
    def from_text(cls, text: str) -> "Vocabulary":
        """Build the sorted vocabulary of every character that occurs in text."""
        return cls(sorted(set(text)))

    def __len__(self) -> int:
        """Return V, the number of characters."""
        return len(self.chars)

    def encode(self, text: Iterable[str]) -> np.ndarray:
        """Map characters to indices.

        Inputs:
        - text: the characters

        Returns:
        - an int64 array of shape (len(text),)

        Raises KeyError naming the first character that is not in the vocabulary.
        """
        try:
            return np.array([self.index[c] for c in text], dtype=np.int64)
        except KeyError as err:
            raise KeyError(f"character {err.args[0]!r} is not in the vocabulary") from None

    def decode(self, indices: Iterable[int]) -> str:
        """Map indices back to a string."""
        return "".join(self.chars[int(i)] for i in indices)
