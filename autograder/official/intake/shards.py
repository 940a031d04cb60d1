"""A batch larger than one machine: `grade --shard K/N` grades one share of it, `merge` joins the shares.

Every shard is given the same list of handins (e.g. `handins/*.tar`), names
them as an unsplit run does, and grades the handins whose name falls in its
share: shard K of N takes the names whose SHA-256 is K - 1 modulo N. The
split depends on each name alone, so it is the same on every machine and for
any order of the list. Next to its results and gradebook a shard writes
`shard.json`: K, N and every name of the batch, so that `merge` can say which
handins no shard graded. `merge` joins the shards' gradebooks into one, rows
sorted by name as in an unsplit run (so the same bytes), copies their
per-handin folders, refuses shards of different batches or splits and a
handin graded by two shards, and lists the handins missing.
"""

import csv
import hashlib
import io
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

SHARD_FILE = "shard.json"
GRADEBOOK = "gradebook.csv"


class ShardError(Exception):
    """The shards cannot be merged (or a --shard value is malformed); the message says why."""


def parse_shard(text: str) -> tuple[int, int]:
    """text: "K/N" with 1 <= K <= N -> (K, N). Raises ShardError."""
    k, sep, n = text.partition("/")
    if not (sep and k.isdigit() and n.isdigit() and 1 <= int(k) <= int(n)):
        raise ShardError(f"--shard takes K/N with 1 <= K <= N (e.g. 2/3), not {text!r}")
    return int(k), int(n)


def shard_of(name: str, count: int) -> int:
    """name: a handin's name; count: N -> the shard (1 to N) that grades it."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big") % count + 1


def write_shard_file(out: Path, shard: int, count: int, names: list[str]) -> None:
    """Record in out/shard.json which share of which batch this run graded: K, N and every name of the batch."""
    data = {"shard": shard, "of": count, "batch": sorted(names)}
    (out / SHARD_FILE).write_text(json.dumps(data, indent=1) + "\n")


@dataclass
class _Shard:
    folder: Path
    shard: int
    count: int
    batch: list[str]
    header: list[str] | None  # None: the shard graded nothing
    rows: list[list[str]]


def _read_shard(folder: Path) -> _Shard:
    try:
        data = json.loads((folder / SHARD_FILE).read_text())
        shard, count, batch = int(data["shard"]), int(data["of"]), [str(n) for n in data["batch"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ShardError(f"{folder} is not the out folder of a `grade --shard` run ({SHARD_FILE}: {exc})") from None
    try:
        table = list(csv.reader(io.StringIO((folder / GRADEBOOK).read_text())))
    except OSError as exc:
        raise ShardError(f"{folder} has no {GRADEBOOK} ({exc.strerror}): did its run end?") from None
    if not table:
        raise ShardError(f"{folder / GRADEBOOK} is empty")
    header = table[0] if len(table) > 1 else None
    return _Shard(folder, shard, count, batch, header, table[1:])


@dataclass
class Merged:
    """What merging found: the handins graded, and those of the batch that no shard graded."""

    graded: list[str]
    missing: list[str]
    shards_missing: list[int]


def _check_consistent(shards: list[_Shard]) -> None:
    """Raise ShardError unless the shards are distinct shares of one batch, split one way, with one rubric."""
    first = shards[0]
    seen: dict[int, Path] = {}
    for s in shards:
        if (s.count, s.batch) != (first.count, first.batch):
            raise ShardError(
                f"{s.folder} and {first.folder} are shards of different batches or splits "
                f"({s.shard}/{s.count} and {first.shard}/{first.count})"
            )
        if s.shard in seen:
            raise ShardError(f"shard {s.shard}/{s.count} is given twice: {seen[s.shard]} and {s.folder}")
        seen[s.shard] = s.folder
    if len({tuple(s.header) for s in shards if s.header is not None}) > 1:
        raise ShardError("the shards' gradebooks have different columns (graded with different rubrics?)")


def _owners(shards: list[_Shard]) -> dict[str, _Shard]:
    """Map each handin name to the shard that graded it.

    Raises ShardError for a handin graded twice or not in the batch.
    """
    owner: dict[str, _Shard] = {}
    for s in shards:
        for row in s.rows:
            name = row[0]
            if name in owner:
                raise ShardError(f"handin {name} was graded by two shards: {owner[name].folder} and {s.folder}")
            if name not in s.batch:
                raise ShardError(f"{s.folder} graded {name}, which is not in the batch its {SHARD_FILE} names")
            owner[name] = s
    return owner


def merge(folders: list[Path], out: Path) -> Merged:
    """Write out/gradebook.csv of all the shards, and copy out/<name>/ from each.

    folders: the out folders of `grade --shard K/N` runs of one batch. Raises ShardError, writing nothing, for
    shards of different batches or splits, a shard given twice, or a handin graded by two shards.
    """
    shards = [_read_shard(f) for f in folders]
    if not shards:
        raise ShardError("no shard to merge")
    _check_consistent(shards)
    owner = _owners(shards)
    header = next((s.header for s in shards if s.header is not None), ["handin", "total", "max"])
    out.mkdir(parents=True, exist_ok=True)
    for name, graded_by in sorted(owner.items()):
        if (graded_by.folder / name).is_dir():
            shutil.copytree(graded_by.folder / name, out / name, dirs_exist_ok=True)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    rows = sorted((row for shard in shards for row in shard.rows), key=lambda row: row[0])
    writer.writerows(rows)
    (out / GRADEBOOK).write_text(buf.getvalue())
    batch, count = shards[0].batch, shards[0].count
    given = {s.shard for s in shards}
    return Merged(
        sorted(owner), [n for n in batch if n not in owner], [k for k in range(1, count + 1) if k not in given]
    )
