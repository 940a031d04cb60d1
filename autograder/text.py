"""Small helpers for the wording of messages."""


def plural(n: float, noun: str) -> str:
    """-> "1 case", "3 cases", "0 cases": the count and the noun, in the plural unless n is 1.

    noun: the singular; the plural adds "s" (or "es" after s, x, ch, sh).
    """
    if n == 1:
        return f"{n:g} {noun}"
    suffix = "es" if noun.endswith(("s", "x", "ch", "sh")) else "s"
    return f"{n:g} {noun}{suffix}"
