"""Regenerate the stored references from torch: `python -m autograder.references`.

Every case is drawn from a fixed seed (the step id, stream 0 and the case
index), its expected values come from the torch oracle, and the files are
written byte for byte reproducibly, so running this twice changes nothing.
`--check` writes nothing and exits 1 naming each file that differs.
"""

import argparse
import json
import sys
from pathlib import Path

from autograder.engine import live_cases
from autograder.npzio import npz_bytes, sha256
from autograder.paths import MANIFEST, REFERENCE_DIR
from autograder.rubric import load_rubric
from autograder.steps import Step, all_steps, case_to_arrays

PUBLIC_STREAM = 0


def reference_bytes(step: Step, oracles: dict) -> bytes:
    """step -> the bytes of its reference file."""
    arrays = {}
    for i, case in enumerate(live_cases(step, oracles[step.id], PUBLIC_STREAM)):
        arrays.update(case_to_arrays(i, case))
    return npz_bytes(arrays)


def build_all(directory: Path = REFERENCE_DIR) -> dict[Path, bytes]:
    """-> path -> bytes for every reference file and the manifest."""
    from autograder.oracles import load_oracles

    oracles = load_oracles()
    steps = all_steps()
    files: dict[Path, bytes] = {}
    manifest: dict[str, str] = {}
    for entry in load_rubric():
        step = steps[entry.id]
        if not step.specs:
            continue
        data = reference_bytes(step, oracles)
        name = f"{entry.id}.npz"
        files[directory / name] = data
        manifest[name] = sha256(data)
    text = json.dumps({"format": 1, "files": dict(sorted(manifest.items()))}, indent=2) + "\n"
    files[directory / MANIFEST.name] = text.encode()
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.references", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare with the stored files instead of writing")
    parser.add_argument("--dir", type=Path, default=REFERENCE_DIR, help="reference folder (default: %(default)s)")
    args = parser.parse_args(argv)
    files = build_all(args.dir)
    if args.check:
        stale = [p for p, data in files.items() if not p.exists() or p.read_bytes() != data]
        expected_names = {p.name for p in files}
        extra = sorted(p for p in args.dir.glob("*.npz") if p.name not in expected_names)
        for p in stale:
            print(f"differs from what the generator writes: {p}")
        for p in extra:
            print(f"not produced by the generator: {p}")
        if stale or extra:
            return 1
        print(f"{len(files)} reference files are up to date")
        return 0
    args.dir.mkdir(parents=True, exist_ok=True)
    for path, data in files.items():
        path.write_bytes(data)
    print(f"wrote {len(files)} files to {args.dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
