"""A multiple-choice answer on the wire: a letter, a list of letters, or nothing; anything else by its type name."""

from typing import Any

from .bounds import MAX_ANSWER_CHARS, MAX_ANSWER_ITEMS


def encode_answer(value: Any) -> Any:
    """Encode a student's mc answer (worker side) -> a plain string / list of strings / None, or its type's name."""
    if value is None:
        return None
    if type(value) is str:
        return value if len(value) <= MAX_ANSWER_CHARS else {"opaque": "str (too long)"}
    if type(value) in (list, tuple) and len(value) <= MAX_ANSWER_ITEMS:
        if all(type(v) is str and len(v) <= MAX_ANSWER_CHARS for v in value):
            return {"list": list(value), "type": type(value).__name__}
    return {"opaque": type(value).__name__[:80]}


def decode_answer(value: Any) -> tuple[Any, str | None]:
    """Decode one reported mc answer (grader side) -> (the answer as str / list of str / None, or a problem)."""
    if value is None:
        return None, None
    if isinstance(value, str):
        return (value, None) if len(value) <= MAX_ANSWER_CHARS else (None, "the answer is too long")
    if isinstance(value, dict) and set(value) == {"list", "type"} and value["type"] in ("list", "tuple"):
        items = value["list"]
        if (
            isinstance(items, list)
            and len(items) <= MAX_ANSWER_ITEMS
            and all(isinstance(x, str) and len(x) <= MAX_ANSWER_CHARS for x in items)
        ):
            return (items if value["type"] == "list" else tuple(items)), None
    if isinstance(value, dict) and set(value) == {"opaque"} and isinstance(value["opaque"], str):
        return None, f"malformed answer (a {value['opaque'][:80]}): return a letter or a list of letters"
    return None, "malformed answer"
