"""The rubric: step order, points, dependencies and files, from rubric.json.

rubric.json holds one object per step, in the order the runner runs them:
- `id`: the step id used by the runner, the stubs, the writeup and the reports;
- `points`: what the step is worth;
- `file`: where the student's code for the step lives (the runner points there);
- `title`: one line for `--list` and the reports;
- `depends`: steps whose code this step calls: when one of those fails, the
  failure message says to fix it first;
- `functions`: the functions (`Class.method` or a module-level name) whose
  solution regions belong to the step: the release build names the step in
  each stub it writes there;
- `torch` (default false): the student's code for the step imports torch;
  without torch the step is not run and is reported as needing torch.
Everything else that restates these facts (the points and files tables of
docs/runner.md and the handout's READMEs, create_tarball.sh's list) is generated from this file:
`python -m autograder.release generate` (see autograder/release/generate.py).
It is JSON, not TOML, because the student path supports Python 3.10, whose
standard library has no TOML reader.
"""

import difflib
import json
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
    torch: bool = False


def load_rubric(path: Path = RUBRIC) -> list[RubricEntry]:
    """Load a rubric JSON file; return its entries in run order.

    path: the rubric file. Raises ValueError on a malformed file, a duplicate id or a dependency that does not
    come earlier.
    """
    try:
        raw_steps = json.loads(path.read_text(encoding="utf-8"))["steps"]
        entries = [
            RubricEntry(
                id=raw["id"],
                points=raw["points"],
                file=raw["file"],
                title=raw.get("title", raw["id"]),
                depends=tuple(raw.get("depends", ())),
                functions=tuple(raw.get("functions", ())),
                torch=bool(raw.get("torch", False)),
            )
            for raw in raw_steps
        ]
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: not a valid rubric ({exc!r})") from None
    seen: set[str] = set()
    for entry in entries:
        if entry.id in seen:
            raise ValueError(f"{path}: step {entry.id!r} is listed twice")
        for dep in entry.depends:
            if dep not in seen:
                raise ValueError(f"{path}: step {entry.id!r} depends on {dep!r}, which must come earlier")
        seen.add(entry.id)
    return entries


def select_steps(step_ids: list[str], wanted: list[str]) -> tuple[list[str], list[str]]:
    """Select the steps that `wanted` names, by id or group prefix.

    step_ids: every step id, in run order; wanted: ids or group prefixes (`linear` or `linear_` names
    linear_forward and linear_backward: the ids that start with `linear_`).
    Returns (the ids named, in run order; the entries of `wanted` that name no step).
    """

    def named(w: str) -> list[str]:
        group = w.rstrip("_")  # `ctc_` is the group `ctc`, as the help's "starts with ID_" reads
        return [s for s in step_ids if s == w or (group and s.startswith(group + "_"))]

    chosen = {s for w in wanted for s in named(w)}
    return [s for s in step_ids if s in chosen], [w for w in wanted if not named(w)]


def step_groups(step_ids: list[str]) -> list[str]:
    """Return every group prefix that names at least one step (`char`, `char_rnn`, ...), sorted.

    step_ids: every step id.
    """
    return sorted({s.rsplit("_", k)[0] for s in step_ids for k in range(1, s.count("_") + 1)})


def nearest_steps(step_ids: list[str], wanted: str, n: int = 3) -> list[str]:
    """Return up to n step ids or groups that `wanted` is most likely a misspelling of, nearest first.

    step_ids: every step id; wanted: an id or group that names none. Nearness is difflib's ratio; the result is
    [] when none is close.
    """
    return difflib.get_close_matches(wanted.rstrip("_"), step_ids + step_groups(step_ids), n=n, cutoff=0.6)
