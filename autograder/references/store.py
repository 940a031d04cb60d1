"""The stored public references: one `<step>.arrays` file per step (see array_file.py) plus a manifest.

The manifest gives each file's SHA-256 and the fingerprints of what produced
it (see autograder/references/fingerprint.py). A file whose hash differs is refused: a
student who edits reference data would otherwise be graded against their own
numbers. A file whose fingerprints differ is refused as stale: its cases or
expected values no longer match the step's specs or oracle.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from autograder.cases import Case
from autograder.paths import MANIFEST, REFERENCE_DIR, ROOT
from autograder.references.array_file import ArrayFileError, load_arrays, sha256
from autograder.references.case_files import cases_from_arrays
from autograder.references.fingerprint import case_fingerprint, source_fingerprint
from autograder.steps import Step, case_steps

MANIFEST_FORMAT = 4
SUFFIX = ".arrays"
REGENERATE = (
    "regenerate it with `python -m autograder.references` (instructors), or restore autograder/ and "
    "reference_data/ from the handout"
)


class ReferenceDataError(Exception):
    """The reference data is missing, unlisted, altered or stale."""


@dataclass(frozen=True)
class ManifestEntry:
    """What the manifest records for one reference file."""

    sha256: str
    cases: str  # case_fingerprint of the step when the file was generated
    oracle: str  # source_fingerprint of oracle_sources then
    oracle_sources: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        """Return the entry as the manifest's JSON stores it."""
        return {
            "sha256": self.sha256,
            "cases": self.cases,
            "oracle": self.oracle,
            "oracle_sources": list(self.oracle_sources),
        }


def reference_file(step_id: str, directory: Path = REFERENCE_DIR) -> Path:
    """step_id -> the path of its reference file."""
    return directory / f"{step_id}{SUFFIX}"


def read_manifest(path: Path = MANIFEST) -> dict[str, ManifestEntry]:
    """Read the manifest at `path`; return file name -> its ManifestEntry.

    Raises ReferenceDataError when it is missing, invalid or of another format.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReferenceDataError(f"{path} is missing: restore reference_data/ from the handout") from None
    except (OSError, ValueError) as exc:
        raise ReferenceDataError(f"{path} is not a valid manifest ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        found = data.get("format") if isinstance(data, dict) else None
        raise ReferenceDataError(f"{path} has manifest format {found!r}, not {MANIFEST_FORMAT}: {REGENERATE}")
    try:
        return {
            name: ManifestEntry(raw["sha256"], raw["cases"], raw["oracle"], tuple(raw["oracle_sources"]))
            for name, raw in data["files"].items()
        }
    except (KeyError, TypeError, AttributeError) as exc:
        raise ReferenceDataError(f"{path} is not a valid manifest (missing {exc})") from None


def stale_reason(step: Step, entry: ManifestEntry, root: Path = ROOT) -> str | None:
    """Return why the file described by `entry` no longer fits `step` and its oracle, or None when it does."""
    if case_fingerprint(step) != entry.cases:
        return f"the case specs or outputs of step {step.id} changed since it was generated"
    current = source_fingerprint(list(entry.oracle_sources), root)
    # None: the oracle is not here (the student release leaves some out); the release build checked it.
    if current is not None and current != entry.oracle:
        return f"the torch oracle of step {step.id} ({', '.join(entry.oracle_sources)}) changed since it was generated"
    return None


def load_cases(
    step_id: str, manifest: dict[str, ManifestEntry], directory: Path = REFERENCE_DIR, step: Step | None = None
) -> list[Case]:
    """Load the stored cases of `step_id`, after checking its file against the manifest and the step.

    manifest: file name -> ManifestEntry; directory: the reference folder; step: the step to check staleness
    against (default: the step of that id). Returns the cases in file order. Raises ReferenceDataError when
    the file is unlisted, missing, altered, stale or unreadable.
    """
    path = reference_file(step_id, directory)
    rel = f"{directory.name}/{path.name}"
    if path.name not in manifest:
        raise ReferenceDataError(f"{rel} is not listed in the manifest")
    entry = manifest[path.name]
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ReferenceDataError(f"{rel} is missing: restore reference_data/ from the handout") from None
    digest = sha256(data)
    if digest != entry.sha256:
        raise ReferenceDataError(
            f"{rel} has been changed (SHA-256 {digest[:12]}..., manifest says {entry.sha256[:12]}...): "
            "refusing to grade against it. Restore the original file from the handout."
        )
    reason = stale_reason(step or case_steps()[step_id], entry)
    if reason:
        raise ReferenceDataError(
            f"{rel} is stale: {reason}; refusing to grade against it. {REGENERATE[0].upper()}{REGENERATE[1:]}."
        )
    try:
        # A bytearray, so that the arrays are writable views of it, as arrays read any other way are.
        return cases_from_arrays(load_arrays(bytearray(data)))
    except (ArrayFileError, KeyError) as exc:
        raise ReferenceDataError(f"{rel} cannot be read ({exc}): {REGENERATE}") from None


def reference_problems(directory: Path = REFERENCE_DIR) -> list[str]:
    """Return one line per step whose stored reference is missing, altered or stale ([] when all are usable)."""
    from autograder.rubric import load_rubric

    try:
        manifest = read_manifest(directory / MANIFEST.name)
    except ReferenceDataError as exc:
        return [str(exc)]
    steps = case_steps()
    problems = []
    for entry in load_rubric():
        if entry.id in steps:
            try:
                load_cases(entry.id, manifest, directory, steps[entry.id])
            except ReferenceDataError as exc:
                problems.append(str(exc))
    return problems


if __name__ == "__main__":
    # `python -m autograder.references.store`: check every stored reference without torch (used by the release build).
    import sys

    found = reference_problems()
    print("\n".join(found) if found else "every stored reference is usable")
    sys.exit(1 if found else 0)
