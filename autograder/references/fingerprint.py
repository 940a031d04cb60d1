"""Fingerprints of what produced a stored reference, so that stale data is refused.

A reference file is stale when what made it has changed since: the step's
case specs or compared outputs (`case_fingerprint`), or the source of the
torch oracle that computed its expected values (`source_fingerprint` over
the oracle's module and the oracle modules it imports). The manifest records
both when the references are generated; the runner, `--check` and the release
build recompute them and refuse a mismatch.

Both are SHA-256 digests of canonical text, so they are the same on every
machine and Python version; source text is read with its line endings
normalised, so a Windows checkout does not look stale.
"""

import ast
import hashlib
import json
from pathlib import Path
from typing import Any

from autograder.steps import Step

ORACLE_PACKAGE = "autograder.oracles"


def _canonical(value: Any) -> Any:
    # Tuples and lists read the same; dict keys are sorted by json.dumps.
    if isinstance(value, (tuple, list)):
        return [_canonical(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    raise TypeError(f"a case spec parameter of type {type(value).__name__} has no canonical form")


def case_fingerprint(step: Step) -> str:
    """Return the hex SHA-256 of the step's id, compared output keys and case specs (descriptions and parameters)."""
    data = {
        "step": step.id,
        "outputs": [out.key for out in step.outputs],
        "specs": [[spec.desc, _canonical(spec.params)] for spec in step.specs],
    }
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=True)
    return hashlib.sha256(text.encode()).hexdigest()


def source_fingerprint(sources: list[str], root: Path) -> str | None:
    """Fingerprint the text of source files.

    sources: repository-relative paths; root: the repository. Returns the hex SHA-256 of their text, or None
    if one of them is missing.
    """
    digest = hashlib.sha256()
    for rel in sorted(sources):
        try:
            text = (root / rel).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        digest.update(rel.encode() + b"\0" + text.replace("\r\n", "\n").encode() + b"\0")
    return digest.hexdigest()


def _module_path(module: str, root: Path) -> Path:
    base = root / Path(*module.split("."))
    return base / "__init__.py" if base.is_dir() else base.with_suffix(".py")


def oracle_sources(module: str, root: Path) -> list[str]:
    """Return the sorted relative paths of an oracle module and of every oracle module it imports.

    module: the dotted name of the oracle module; root: the repository. Imports are followed transitively
    within `autograder.oracles`; torch, numpy and the step modules are not part of the oracle's source.
    """
    found: set[str] = set()
    pending = [module]
    while pending:
        name = pending.pop()
        path = _module_path(name, root)
        rel = path.relative_to(root).as_posix()
        if rel in found:
            continue
        found.add(rel)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=rel)
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            for imported in names:
                if imported.startswith(ORACLE_PACKAGE + ".") and _module_path(imported, root).is_file():
                    pending.append(imported)
    return sorted(found)
