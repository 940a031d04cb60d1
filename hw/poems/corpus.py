"""A synthetic corpus of quatrains, so that training, the demo and the tests run offline.

Every poem is ``title:content`` with four lines of five or seven characters, a comma after
the first and third lines and a full stop after the second and fourth. The characters
follow a fixed random bigram table (each character has three likely successors), so a
model can learn the punctuation positions, the poem length and the successors; the first
character is one of the begin words the demo uses, or any other.
"""

from __future__ import annotations

import random

# Common characters of classical poems (no G, E, or the skipped characters).
CHARS = "日月山水风花雪夜春秋江湖海天云雨红青白人心中里长明清香远归来去孤城"
BEGIN_WORDS = "日红山夜湖海月"


def successor_table(seed: int = 0, choices: int = 3) -> dict[str, list[str]]:
    """Draw, for every character, its `choices` likely successors (fixed by seed): character -> successors."""
    rng = random.Random(seed)
    return {c: rng.sample(CHARS, choices) for c in CHARS}


def synthetic_poem(rng: random.Random, table: dict[str, list[str]]) -> str:
    """One quatrain (content only, 24 or 32 characters with punctuation)."""
    width = rng.choice((5, 7))
    c = rng.choice(BEGIN_WORDS) if rng.random() < 0.5 else rng.choice(CHARS)
    out = []
    for line in range(4):
        for _ in range(width):
            out.append(c)
            # Mostly a listed successor: the regularity a model can learn.
            c = rng.choice(table[c]) if rng.random() < 0.9 else rng.choice(CHARS)
        out.append("，" if line % 2 == 0 else "。")
    return "".join(out)


def synthetic_corpus(n: int, seed: int = 0) -> list[str]:
    """Make n synthetic poems as corpus lines ``title:content`` (deterministic for a seed)."""
    rng = random.Random(seed)
    table = successor_table(seed)
    lines = []
    for _ in range(n):
        title = "".join(rng.choice(CHARS) for _ in range(rng.randint(2, 4)))
        lines.append(f"{title}:{synthetic_poem(rng, table)}")
    return lines
