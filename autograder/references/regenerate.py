"""Regenerate the stored references from torch: `python -m autograder.references`.

Every case is drawn from a fixed seed (the step id, stream 0 and the case
index) and its expected values come from the torch oracle. The manifest
records each file's SHA-256 and the fingerprints of its case specs and its
oracle's source, so that stale data is refused.

CPUs differ in the last bits of what torch and numpy compute. Where a
regenerated file differs from the stored one by rounding only (see
autograder/references/diff.py), the stored bytes are kept: regenerating on any
machine changes nothing unless something real changed.

`--check` writes nothing. It reports each file as up to date, rounding-level
only (with the largest difference) or really changed (which case, which
array), and exits 1 only when something really changed.
"""

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from autograder.cases import PUBLIC_STREAM, Case, CaseKind
from autograder.command import command_parser
from autograder.paths import MANIFEST, REFERENCE_DIR, ROOT
from autograder.references.array_file import arrays_bytes, load_arrays, sha256
from autograder.references.case_files import cases_from_arrays, cases_to_arrays
from autograder.references.diff import DiffKind, ReferenceDiff, diff_cases
from autograder.references.fingerprint import case_fingerprint, oracle_sources, source_fingerprint
from autograder.references.store import (
    MANIFEST_FORMAT,
    SUFFIX,
    ManifestEntry,
    ReferenceDataError,
    read_manifest,
    reference_file,
)
from autograder.rubric import load_rubric
from autograder.steps import Step, case_steps


@dataclass
class Regenerated:
    """One step's reference file as the generator makes it, compared with the stored one."""

    name: str
    data: bytes  # what to store: the stored bytes when only rounding differs
    entry: ManifestEntry
    diff: ReferenceDiff
    stale: list[str]  # real changes besides the values: the manifest entry's fingerprints, the file's format


def reference_cases(step: Step, oracle) -> list[Case]:
    """step, its oracle -> the public cases (stream 0) with expected values."""
    return step.draw_cases(oracle, PUBLIC_STREAM, CaseKind.STORED)


# Reference files of earlier formats: their values are still compared with (and kept), the files replaced.
LEGACY_SUFFIXES = (".npz",)


def _stored_cases(directory: Path, step_id: str) -> tuple[list[Case] | None, bytes | None]:
    """Read the step's stored cases, from its reference file or from one of an earlier format.

    directory: the reference folder; step_id: the step. Returns (the stored cases, or None when there are none
    to keep; the stored file's bytes, or None when it is missing or of an earlier format).
    """
    path = reference_file(step_id, directory)
    try:
        data = path.read_bytes()
        return cases_from_arrays(load_arrays(data)), data
    except FileNotFoundError:
        pass
    except Exception:  # noqa: BLE001 - unreadable: there is nothing to keep
        return None, None
    for suffix in LEGACY_SUFFIXES:
        try:
            with np.load(directory / f"{step_id}{suffix}", allow_pickle=False) as npz:
                return cases_from_arrays({name: npz[name] for name in npz.files}), None
        except Exception:  # noqa: BLE001 - missing or unreadable
            continue
    return None, None


def regenerate(step: Step, oracle, directory: Path, stored: ManifestEntry | None) -> Regenerated:
    """Regenerate the step's reference file, keeping the stored values (and so bytes) when they differ by rounding only.

    step, oracle: the step and its torch oracle; directory: the reference folder; stored: the manifest's entry
    for the file, or None when it lists none. Returns the file's bytes, manifest entry, difference from the
    stored cases and what else is stale.
    """
    name = reference_file(step.id, directory).name
    cases = reference_cases(step, oracle)
    data = arrays_bytes(cases_to_arrays(cases))
    old, old_bytes = _stored_cases(directory, step.id)
    stale = []
    if old is None:
        diff = ReferenceDiff(DiffKind.REAL, changes=["the file is new (nothing stored to compare with)"])
    else:
        diff = diff_cases(old, cases_from_arrays(load_arrays(data)))
        if diff.kind is not DiffKind.REAL:
            data = arrays_bytes(cases_to_arrays(old))
            if data != old_bytes:
                stale.append("the stored file is of an earlier format: its values are kept, written in the current one")
    sources = oracle_sources(oracle.__module__, ROOT)
    entry = ManifestEntry(sha256(data), case_fingerprint(step), source_fingerprint(sources, ROOT) or "", tuple(sources))
    if stored is not None and stored.cases != entry.cases:
        stale.append("the step's case specs or outputs changed since the file was generated")
    if stored is not None and (stored.oracle, stored.oracle_sources) != (entry.oracle, entry.oracle_sources):
        stale.append(f"the oracle's source ({', '.join(sources)}) changed since the file was generated")
    if stored is not None and stored.sha256 != entry.sha256 and diff.kind is not DiffKind.REAL:
        stale.append("the manifest's SHA-256 does not match the stored file")
    return Regenerated(name, data, entry, diff, stale)


def manifest_bytes(entries: dict[str, ManifestEntry]) -> bytes:
    """Return the manifest's bytes (sorted, so they depend on the entries alone).

    entries: file name -> its ManifestEntry.
    """
    files = {name: entries[name].to_json() for name in sorted(entries)}
    return (json.dumps({"format": MANIFEST_FORMAT, "files": files}, indent=2) + "\n").encode()


def regenerate_all(directory: Path = REFERENCE_DIR) -> list[Regenerated]:
    """Regenerate every step's reference file, in rubric order, comparing with the stored ones in `directory`."""
    from autograder.oracles import load_oracles

    oracles = load_oracles()
    steps = case_steps()
    try:
        stored_manifest = read_manifest(directory / MANIFEST.name)
    except ReferenceDataError:
        stored_manifest = {}
    return [
        regenerate(steps[entry.id], oracles[entry.id], directory, stored_manifest.get(f"{entry.id}{SUFFIX}"))
        for entry in load_rubric()
        if entry.id in steps
    ]


def obsolete_files(files: list[Regenerated], directory: Path) -> list[Path]:
    """Return the reference files in `directory` that the generator does not produce.

    files: what the generator produces. A file is obsolete when it belongs to a removed step or is of an
    earlier format.
    """
    expected = {f.name for f in files}
    return sorted(
        p for suffix in (SUFFIX, *LEGACY_SUFFIXES) for p in directory.glob(f"*{suffix}") if p.name not in expected
    )


def _report(files: list[Regenerated], directory: Path) -> int:
    extra = [p.name for p in obsolete_files(files, directory)]
    real = 0
    for f in files:
        if f.diff.kind is DiffKind.REAL or f.stale:
            real += 1
            print(f"real change: {f.name}")
            for line in f.diff.changes[:20] + f.stale:
                print(f"  {line}")
            if len(f.diff.changes) > 20:
                print(f"  ... and {len(f.diff.changes) - 20} more")
        elif f.diff.kind is DiffKind.ROUNDING:
            print(
                f"rounding-level only: {f.name} (largest difference {f.diff.largest:.2g} of the array's scale, "
                f"{f.diff.largest_where}); the stored file is kept"
            )
        else:
            print(f"up to date: {f.name}")
    for name in extra:
        real += 1
        print(f"real change: {name} is not produced by the generator")
    manifest = manifest_bytes({f.name: f.entry for f in files})
    path = directory / MANIFEST.name
    if not real and (not path.exists() or path.read_bytes() != manifest):
        real += 1
        print(f"real change: {MANIFEST.name} differs from what the generator writes")
    if real:
        print(f"{real} reference file(s) really changed: run `python -m autograder.references` to regenerate them")
        return 1
    print(f"{len(files)} reference files and the manifest are up to date (rounding-level differences are accepted)")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Regenerate the stored references, or with --check compare with them and write nothing.

    argv: the command line's arguments (default: sys.argv's). Returns the exit code: with --check, 1 when
    something really changed; otherwise 0.
    """
    parser = command_parser("python -m autograder.references", __doc__)
    parser.add_argument("--check", action="store_true", help="compare with the stored files instead of writing")
    parser.add_argument("--dir", type=Path, default=REFERENCE_DIR, help="reference folder (default: %(default)s)")
    args = parser.parse_args(argv)
    files = regenerate_all(args.dir)
    if args.check:
        return _report(files, args.dir)
    args.dir.mkdir(parents=True, exist_ok=True)
    written = 0
    for f in files:
        path = args.dir / f.name
        if not path.exists() or path.read_bytes() != f.data:
            path.write_bytes(f.data)
            written += 1
    manifest = manifest_bytes({f.name: f.entry for f in files})
    if not (args.dir / MANIFEST.name).exists() or (args.dir / MANIFEST.name).read_bytes() != manifest:
        (args.dir / MANIFEST.name).write_bytes(manifest)
        written += 1
    obsolete = obsolete_files(files, args.dir)
    for path in obsolete:
        path.unlink()
    kept = sum(f.diff.kind is DiffKind.ROUNDING for f in files)
    print(
        f"{written} of {len(files) + 1} files written to {args.dir}"
        + (f"; {kept} kept as stored (they differ by rounding only)" if kept else "")
        + (f"; {len(obsolete)} obsolete removed" if obsolete else "")
    )
    return 0
