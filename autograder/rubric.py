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
        )
        if entry.id in seen:
            raise ValueError(f"{path}: step {entry.id!r} is listed twice")
        for dep in entry.depends:
            if dep not in seen:
                raise ValueError(f"{path}: step {entry.id!r} depends on {dep!r}, which must come earlier")
        seen.add(entry.id)
        entries.append(entry)
    return entries
