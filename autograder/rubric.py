"""The rubric: step order, points, dependencies and files, from rubric.toml."""

import tomllib
from dataclasses import dataclass
from pathlib import Path

from autograder.paths import RUBRIC


@dataclass(frozen=True)
class RubricEntry:
    """One step of the rubric."""

    id: str
    points: float
    file: str
    title: str
    depends: tuple[str, ...]
    functions: tuple[str, ...] = ()
    # True for a step whose points only official grading can award (the mc answers are
    # marked against a key students do not have): locally it is checked, never scored.
    marked_officially: bool = False


def load_rubric(path: Path = RUBRIC) -> list[RubricEntry]:
    """path: a rubric TOML file -> its entries in run order.

    Raises ValueError on a duplicate id or a dependency that does not come earlier.
    """
    with open(path, "rb") as f:
        data = tomllib.load(f)
    entries: list[RubricEntry] = []
    seen: set[str] = set()
    for raw in data.get("step", []):
        entry = RubricEntry(
            id=raw["id"],
            points=raw["points"],
            file=raw["file"],
            title=raw.get("title", raw["id"]),
            depends=tuple(raw.get("depends", ())),
            functions=tuple(raw.get("functions", ())),
            marked_officially=bool(raw.get("marked_officially", False)),
        )
        if entry.id in seen:
            raise ValueError(f"{path}: step {entry.id!r} is listed twice")
        for dep in entry.depends:
            if dep not in seen:
                raise ValueError(f"{path}: step {entry.id!r} depends on {dep!r}, which must come earlier")
        seen.add(entry.id)
        entries.append(entry)
    return entries


def select_steps(step_ids: list[str], wanted: list[str]) -> tuple[list[str], list[str]]:
    """step_ids: every step id, in run order; wanted: ids or group prefixes (`linear` names
    linear_forward and linear_backward: the ids that start with `linear_`).

    Returns (the ids named, in run order; the entries of `wanted` that name no step).
    """
    def named(w: str) -> list[str]:
        return [s for s in step_ids if s == w or s.startswith(w + "_")]

    chosen = {s for w in wanted for s in named(w)}
    return [s for s in step_ids if s in chosen], [w for w in wanted if not named(w)]
