"""Training text: the built-in default corpus or any UTF-8 file."""

from __future__ import annotations

from pathlib import Path

DEFAULT_CORPUS_NAME = "pydoc-topics"


def default_corpus() -> str:
    """Return the English reference text that every CPython installation carries.

    ``pydoc_data.topics.topics`` holds the language reference sections that ``help()``
    shows (about 465,000 characters in CPython 3.11). The entries are joined in sorted key
    order so the text does not depend on dict order. Its exact content follows the running
    Python version, which is why commands print the corpus name and size they used.
    """
    from pydoc_data.topics import topics

    return "".join(topics[key] for key in sorted(topics))


def load_text(path: str | Path | None) -> tuple[str, str]:
    """Read the training text.

    Inputs:
    - path: a UTF-8 text file, or None for the default corpus

    Returns a tuple of:
    - text: the corpus, a str
    - description: what names the corpus in logs
    """
    if path is None:
        text = default_corpus()
        return text, f"{DEFAULT_CORPUS_NAME} (CPython's pydoc_data.topics, {len(text)} characters)"
    text = Path(path).read_text(encoding="utf-8")
    if len(text) < 2:
        raise ValueError(f"{path}: the text needs at least two characters to train on")
    return text, f"{path} ({len(text)} characters)"
