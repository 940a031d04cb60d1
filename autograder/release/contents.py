"""What the student release holds, and what it must never hold.

Every rule about which files ship lives here, in one place.
"""

import ast
import fnmatch
import re
from pathlib import Path

# Student-editable code: exactly what create_tarball.sh packs (every .py under these folders).
EDITABLE_DIRS = ("mytorch", "hw")
# Folders and files that ship; everything else (tests/, benchmarks/, .ci/, the instructor README and docs/,
# requirements-dev.txt, ...) stays behind.
SHIPPED_DIRS = ("mytorch", "hw", "autograder", "reference_data", "handout")
SHIPPED_FILES = ("create_tarball.sh", "requirements.txt")
# The student README's source; it ships as README.md at the top of the release.
STUDENT_README = "handout/STUDENT_README.md"
# Instructor-only code: the reference generator, the multiple-choice answer key, this builder and
# official-grading code. Patterns are fnmatch-style over repository-relative paths.
INSTRUCTOR_ONLY = (
    "autograder/references/regenerate.py",
    "autograder/references/__main__.py",
    "autograder/answer_key.py",
    # The decoders' oracle is a plain implementation of the pinned beam rule: it would be the answer.
    # Without it the students' runner checks those steps on the stored cases only.
    "autograder/oracles/search.py",
    # Likewise the poem homework's preprocessing and generation rules, written out (see the module).
    "autograder/oracles/poem_text.py",
    "autograder/release/*",
    "autograder/official*",
    # The class report reads many students' results: an instructor's (or TA's) tool.
    "autograder/classreport/*",
)
# Reference data that is not public (hidden test cases, if a course adds them).
PRIVATE_DATA = (
    "reference_data/private/*",
    "reference_data/hidden/*",
)
# Never shipped from any folder: caches, editor and OS leftovers, runner and packer output.
JUNK = ("*/__pycache__/*", "*.pyc", "*/.*", ".*", "*~", "*/results.json", "*/handin.tar")
EXECUTABLE = ("create_tarball.sh",)
ONLY_REQUIREMENT = "numpy"


def _matches(rel: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(rel, p) for p in patterns)


def is_instructor_only(rel: str) -> bool:
    """rel: a repository-relative path -> whether it is kept from students."""
    return _matches(rel, INSTRUCTOR_ONLY)


def is_private_data(rel: str) -> bool:
    """rel: a repository-relative path -> whether it is non-public reference data."""
    return _matches(rel, PRIVATE_DATA)


def is_editable(rel: str) -> bool:
    """rel: a repository-relative path -> whether students edit (and hand in) it."""
    return rel.endswith(".py") and rel.split("/", 1)[0] in EDITABLE_DIRS


def shipped_sources(source: Path) -> list[str]:
    """source: the repository root -> the sorted relative paths of every file that ships, as in the source.

    The student README source is included; the builder renames it.
    """
    found = [name for name in SHIPPED_FILES if (source / name).is_file()]
    for top in SHIPPED_DIRS:
        base = source / top
        if not base.is_dir():
            continue
        for path in base.rglob("*"):
            rel = path.relative_to(source).as_posix()
            kept = not (_matches(rel, JUNK) or is_instructor_only(rel) or is_private_data(rel))
            if kept and path.is_file():
                found.append(rel)
    return sorted(found)


def module_name(rel: str) -> str:
    """rel: 'autograder/release/markers.py' -> 'autograder.release.markers' (a package's __init__ -> the package)."""
    parts = rel[: -len(".py")].split("/")
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def instructor_modules(source: Path) -> set[str]:
    """-> the dotted names of every instructor-only module in the source (and each pattern's literal module)."""
    names = set()
    for pattern in INSTRUCTOR_ONLY:
        # Also the modules a pattern names that do not exist yet: importing them is just as wrong.
        literal = pattern.split("*", 1)[0].rstrip("/")
        names.add(module_name(literal) if literal.endswith(".py") else literal.replace("/", "."))
    for path in source.rglob("*.py"):
        rel = path.relative_to(source).as_posix()
        if is_instructor_only(rel):
            names.add(module_name(rel))
    return names


def imported_modules(text: str, rel: str) -> list[tuple[int, str]]:
    """text: a Python source at `rel` -> (line, dotted name) for every import, including `from a import b` as a.b."""
    package = module_name(rel) if rel.endswith("__init__.py") else module_name(rel).rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(text, filename=rel)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")
                up = up[: len(up) - (node.level - 1)] if node.level > 1 else up
                base = ".".join(p for p in up + ([base] if base else []) if p)
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names if alias.name != "*"]
    return found


def forbidden_import(name: str, instructor: set[str]) -> str | None:
    """-> the instructor-only module that importing `name` would need, or None."""
    for module in sorted(instructor):
        if name == module or name.startswith(module + "."):
            return module
    return None


def tarball_required(script: str) -> list[str]:
    """script: create_tarball.sh's text -> the files it refuses to pack without."""
    match = re.search(r'^required="(.*?)"', script, re.MULTILINE | re.DOTALL)
    return match.group(1).split() if match else []


def bad_requirements(text: str) -> list[tuple[int, str]]:
    """requirements.txt's text -> (line, requirement) for each requirement other than numpy."""
    bad = []
    for n, line in enumerate(text.splitlines(), start=1):
        req = line.split("#", 1)[0].strip()
        if not req:
            continue
        name = re.match(r"[A-Za-z0-9_.\-]+", req)
        if name is None or name.group(0).lower() != ONLY_REQUIREMENT:
            bad.append((n, req))
    return bad
