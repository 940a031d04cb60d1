"""Reading an untrusted handin: only `.py` files under mytorch/ and hw/, checked one by one, never extracted.

A handin is a tar archive (as `create_tarball.sh` writes it) or, for
Gradescope, a folder holding mytorch/ and hw/. Members are read into memory
and checked; nothing is written until the grader places the accepted files in
the worker's folder itself. Anything doubtful rejects the whole handin with a
reason (it is graded 0; other handins are not affected).
"""

import posixpath
import tarfile
from pathlib import Path

from autograder.release.contents import EDITABLE_DIRS

MAX_FILE_BYTES = 256 * 1024
MAX_TOTAL_BYTES = 4 * 1024 * 1024
MAX_MEMBERS = 200
MAX_ARCHIVE_BYTES = 16 * 1024 * 1024
MAX_PATH_CHARS = 200


class HandinError(Exception):
    """The handin cannot be graded; the message says why, in words a student understands."""


def _accepted_path(name: str) -> str:
    """name: a member's path as stored -> its normalised relative path. Raises HandinError when unsafe or unwanted."""
    if len(name) > MAX_PATH_CHARS:
        raise HandinError(f"{name[:60]!r}...: path longer than {MAX_PATH_CHARS} characters")
    if "\\" in name or "\0" in name:
        raise HandinError(f"{name!r}: backslash or NUL in the path")
    if name.startswith("/"):
        raise HandinError(f"{name!r}: absolute path")
    parts = name.split("/")
    if ".." in parts:
        raise HandinError(f"{name!r}: path with '..'")
    rel = posixpath.normpath(name)
    if rel.startswith("./"):
        rel = rel[2:]
    if rel in (".", ""):
        raise HandinError(f"{name!r}: empty path")
    return rel


def _wanted(rel: str) -> bool:
    top = rel.split("/", 1)[0]
    return top in EDITABLE_DIRS and "/" in rel and rel.endswith(".py")


def _decoded(rel: str, data: bytes) -> str:
    if len(data) > MAX_FILE_BYTES:
        raise HandinError(f"{rel}: {len(data)} bytes, more than the {MAX_FILE_BYTES} allowed for one file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HandinError(f"{rel}: not UTF-8 text (byte {exc.start})") from None
    if "\0" in text:
        raise HandinError(f"{rel}: contains a NUL character")
    return text


def read_tar(path: Path) -> dict[str, str]:
    """path: a handin tar (plain or compressed) -> relative path -> text of every accepted file.

    Directory members are skipped, regular files outside mytorch/ and hw/ or not
    ending in .py are ignored; everything else that is not a plain regular file
    (links, devices, FIFOs), an unsafe or duplicate path, a file too large or
    not UTF-8, too many members, or an archive that is not a readable tar
    raises HandinError.
    """
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise HandinError(f"cannot read the handin ({exc.strerror})") from None
    if size > MAX_ARCHIVE_BYTES:
        raise HandinError(f"the handin is {size} bytes, more than the {MAX_ARCHIVE_BYTES} allowed")
    files: dict[str, str] = {}
    seen: set[str] = set()
    total = 0
    try:
        with tarfile.open(path, mode="r:*") as tar:
            for count, member in enumerate(tar, start=1):
                if count > MAX_MEMBERS:
                    raise HandinError(f"more than {MAX_MEMBERS} members in the archive")
                rel = _accepted_path(member.name)
                if rel in seen:
                    raise HandinError(f"{rel}: appears twice in the archive")
                seen.add(rel)
                if member.isdir():
                    continue
                if member.issym() or member.islnk():
                    raise HandinError(f"{rel}: a link (to {member.linkname!r}); hand in plain files only")
                if not member.isreg():
                    raise HandinError(f"{rel}: not a regular file (device, FIFO or similar)")
                if member.size > MAX_FILE_BYTES:
                    raise HandinError(f"{rel}: {member.size} bytes, more than the {MAX_FILE_BYTES} allowed for one file")
                total += member.size
                if total > MAX_TOTAL_BYTES:
                    raise HandinError(f"the files add up to more than {MAX_TOTAL_BYTES} bytes")
                if not _wanted(rel):
                    continue
                stream = tar.extractfile(member)
                data = stream.read(MAX_FILE_BYTES + 1) if stream is not None else b""
                files[rel] = _decoded(rel, data)
    except HandinError:
        raise
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        raise HandinError(f"not a readable tar archive ({type(exc).__name__}: {exc})") from None
    if not files:
        raise HandinError("no .py files under mytorch/ or hw/ in the archive")
    return files


def read_folder(root: Path) -> dict[str, str]:
    """root: a folder holding mytorch/ and/or hw/ -> relative path -> text of every .py file under them.

    Links and special files anywhere under those folders raise HandinError, as in a tar.
    """
    files: dict[str, str] = {}
    total = 0
    for top in EDITABLE_DIRS:
        base = root / top
        if base.is_symlink():
            raise HandinError(f"{top}: a link; hand in plain folders")
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            rel = _accepted_path(path.relative_to(root).as_posix())
            if path.is_symlink():
                raise HandinError(f"{rel}: a link; hand in plain files only")
            if path.is_dir():
                continue
            if not path.is_file():
                raise HandinError(f"{rel}: not a regular file")
            if not _wanted(rel):
                continue
            if len(files) >= MAX_MEMBERS:
                raise HandinError(f"more than {MAX_MEMBERS} files")
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                raise HandinError(f"{rel}: {size} bytes, more than the {MAX_FILE_BYTES} allowed for one file")
            total += size
            if total > MAX_TOTAL_BYTES:
                raise HandinError(f"the files add up to more than {MAX_TOTAL_BYTES} bytes")
            files[rel] = _decoded(rel, path.read_bytes())
    if not files:
        raise HandinError("no .py files under mytorch/ or hw/")
    return files
