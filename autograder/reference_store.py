"""The stored public references: one `<step>.npz` per step plus a SHA-256 manifest.

A file whose hash differs from the manifest is refused: a student who edits
reference data would otherwise be graded against their own numbers.
"""

import json
from pathlib import Path

from autograder.npzio import load_npz, sha256
from autograder.paths import MANIFEST, REFERENCE_DIR
from autograder.steps import Case, cases_from_arrays


class ReferenceError(Exception):
    """The reference data is missing, unlisted or altered."""


def reference_file(step_id: str, directory: Path = REFERENCE_DIR) -> Path:
    """step_id -> the path of its reference file."""
    return directory / f"{step_id}.npz"


def read_manifest(path: Path = MANIFEST) -> dict[str, str]:
    """-> file name -> SHA-256, from the manifest."""
    try:
        return json.loads(path.read_text())["files"]
    except FileNotFoundError:
        raise ReferenceError(f"{path} is missing: restore reference_data/ from the handout") from None
    except (ValueError, KeyError) as exc:
        raise ReferenceError(f"{path} is not a valid manifest ({exc})") from None


def load_cases(step_id: str, manifest: dict[str, str], directory: Path = REFERENCE_DIR) -> list[Case]:
    """step_id -> its stored cases, after checking the file against the manifest."""
    path = reference_file(step_id, directory)
    rel = f"{directory.name}/{path.name}"
    if path.name not in manifest:
        raise ReferenceError(f"{rel} is not listed in the manifest")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ReferenceError(f"{rel} is missing: restore reference_data/ from the handout") from None
    digest = sha256(data)
    if digest != manifest[path.name]:
        raise ReferenceError(
            f"{rel} has been changed (SHA-256 {digest[:12]}..., manifest says {manifest[path.name][:12]}...): "
            "refusing to grade against it. Restore the original file from the handout."
        )
    return cases_from_arrays(load_npz(data))
