"""Writing a poem from a begin word with a trained RNN_model (torch)."""

from __future__ import annotations

import torch

from hw.poems.model import RNN_model
from hw.poems.preprocess import END_TOKEN, MAX_LENGTH, START_TOKEN


def choose(logits: torch.Tensor, temperature: float | None = None, generator: torch.Generator | None = None) -> int:
    """Choose the index of the next character.

    Greedy (the argmax; the lowest index among equal maxima) when temperature is None or 0, else drawn
    from softmax(logits / temperature) with `generator`.

    Inputs:
    - logits: of shape (V,)
    - temperature: None, 0 or a positive float
    - generator: the torch.Generator to draw with (None: torch's default)

    Returns:
    - the index, an int
    """
    if not temperature:
        return int(torch.argmax(logits))
    # On the CPU, where the generator lives, whatever device the model runs on.
    probs = torch.softmax(logits.detach().double().cpu() / temperature, dim=-1)
    return int(torch.multinomial(probs, 1, generator=generator))


def to_indices(text: str, word_int_map: dict[str, int]) -> list[int]:
    """Map text to its characters' indices; a character outside the vocabulary is a ValueError naming it."""
    missing = [c for c in text if c not in word_int_map]
    if missing:
        raise ValueError(f"{missing[0]!r} is not in the vocabulary (the model never saw it in training)")
    return [word_int_map[c] for c in text]


@torch.no_grad()
def gen_poem(
    model: RNN_model,
    begin_word: str,
    word_int_map: dict[str, int],
    int_word_map: dict[int, str],
    max_length: int = MAX_LENGTH,
    temperature: float | None = None,
    generator: torch.Generator | None = None,
) -> str:
    """Continue begin_word one character at a time into a poem.

    Each next character comes from choose() on the last row of model(G + poem so far, 1, is_test=True),
    the input of shape (1, T). Generation stops before an end token E or once the poem has max_length
    characters. A begin word with a character outside the vocabulary is a ValueError naming it.

    Inputs:
    - model: an RNN_model
    - begin_word: the poem's first characters
    - word_int_map, int_word_map: the vocabulary, both ways
    - max_length, temperature, generator: the length limit, and how choose() draws

    Returns:
    - the poem, a str (begin word included, no G or E)
    """
    model.eval()
    device = next(model.parameters()).device
    # BEGIN SOLUTION hint: check begin_word with to_indices; then loop: run the model, choose, stop at E or max_length
    poem = begin_word
    indices = to_indices(START_TOKEN + begin_word, word_int_map)
    end = word_int_map[END_TOKEN]
    while len(poem) < max_length:
        sentence = torch.tensor([indices], dtype=torch.int64, device=device)
        nxt = choose(model(sentence, 1, is_test=True)[0], temperature, generator)
        if nxt == end:
            return poem
        poem += int_word_map[nxt]
        indices.append(nxt)
    return poem
    # END SOLUTION


def poem_lines(poem: str) -> list[str]:
    """Split a poem into lines, broken after each full stop, question or exclamation mark."""
    lines, line = [], ""
    for c in poem:
        line += c
        if c in "。！？!?.":
            lines.append(line)
            line = ""
    return lines + ([line] if line else [])
