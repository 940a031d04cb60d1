"""Reading an untrusted handin: only `.py` files under mytorch/ and hw/, checked one by one, never extracted.

A handin is a plain (uncompressed) tar archive, as `create_tarball.sh` writes
it, or, for Gradescope, a folder holding mytorch/ and hw/. Members are read into memory
and checked; nothing is written until the grader places the accepted files in
the worker's folder itself. Anything doubtful rejects the whole handin with a
reason (it is graded 0; other handins are not affected).
"""

import io
import posixpath
import tarfile
from pathlib import Path

from autograder.release.contents import EDITABLE_DIRS

MAX_FILE_BYTES = 256 * 1024
MAX_TOTAL_BYTES = 4 * 1024 * 1024
MAX_MEMBERS = 200
MAX_ARCHIVE_BYTES = 16 * 1024 * 1024
MAX_PATH_CHARS = 200
# Extended (pax, GNU long name) headers: tarfile reads each whole before any member check.
MAX_EXTENDED_HEADER = 4096
BLOCK = 512
COMPRESSED = {
    b"\x1f\x8b": "gzip",
    b"BZh": "bzip2",
    b"\xfd7zXZ\x00": "xz",
    b"\x28\xb5\x2f\xfd": "zstd",
    b"PK\x03\x04": "zip",
}


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
    rel = rel.removeprefix("./")
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


def _check_headers(data: bytes) -> None:
    """Walk the raw 512-byte headers of a plain tar; refuse oversized extended headers and odd member types.

    Pax headers that override a member's size are refused too, so this walk and
    tarfile's always agree on where members start.
    """
    offset, count = 0, 0
    while offset + BLOCK <= len(data):
        header = data[offset : offset + BLOCK]
        if header == bytes(BLOCK):
            return
        count += 1
        if count > 3 * MAX_MEMBERS:
            raise HandinError(f"more than {MAX_MEMBERS} members in the archive")
        try:
            size = tarfile.nti(header[124:136])  # type: ignore[attr-defined]  # tarfile's own field parser
        except Exception:  # noqa: BLE001 - tarfile's own parser raises several kinds
            raise HandinError("not a readable tar archive (a malformed header)") from None
        kind = header[156:157]
        if size < 0 or size > len(data):
            raise HandinError("not a readable tar archive (a header claims more data than the archive holds)")
        if kind in (b"x", b"g", b"X", b"L", b"K"):
            if size > MAX_EXTENDED_HEADER:
                raise HandinError(f"an extended tar header of {size} bytes (at most {MAX_EXTENDED_HEADER} allowed)")
            if b" size=" in data[offset + BLOCK : offset + BLOCK + size]:
                raise HandinError("a pax header overrides a member's size; hand in the tar create_tarball.sh writes")
        elif kind == b"S":
            raise HandinError("a sparse member; hand in the tar create_tarball.sh writes")
        offset += BLOCK + -(-size // BLOCK) * BLOCK


def _read_archive_bytes(path: Path) -> bytes:
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_ARCHIVE_BYTES + 1)
    except OSError as exc:
        raise HandinError(f"cannot read the handin ({exc.strerror})") from None
    if len(data) > MAX_ARCHIVE_BYTES:
        raise HandinError(f"the handin is more than the {MAX_ARCHIVE_BYTES} bytes allowed")
    for magic, kind in COMPRESSED.items():
        if data.startswith(magic):
            raise HandinError(f"a {kind}-compressed archive; hand in the plain handin.tar create_tarball.sh writes")
    return data


def _check_member(member: tarfile.TarInfo, rel: str) -> None:
    """Refuse a member that is neither a directory nor a plain regular file of acceptable size."""
    if member.issym() or member.islnk():
        raise HandinError(f"{rel}: a link (to {member.linkname[:80]!r}); hand in plain files only")
    if not member.isreg():
        raise HandinError(f"{rel}: not a regular file (device, FIFO or similar)")
    if member.size > MAX_FILE_BYTES:
        raise HandinError(f"{rel}: {member.size} bytes, more than the {MAX_FILE_BYTES} allowed for one file")


def _tar_members(data: bytes) -> dict[str, str]:
    files: dict[str, str] = {}
    seen: set[str] = set()
    total = 0
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
        for count, member in enumerate(tar, start=1):
            if count > MAX_MEMBERS:
                raise HandinError(f"more than {MAX_MEMBERS} members in the archive")
            rel = _accepted_path(member.name)
            if rel in seen:
                raise HandinError(f"{rel}: appears twice in the archive")
            seen.add(rel)
            if member.isdir():
                continue
            _check_member(member, rel)
            total += member.size
            if total > MAX_TOTAL_BYTES:
                raise HandinError(f"the files add up to more than {MAX_TOTAL_BYTES} bytes")
            if _wanted(rel):
                stream = tar.extractfile(member)
                files[rel] = _decoded(rel, stream.read(MAX_FILE_BYTES + 1) if stream is not None else b"")
    return files


def read_tar(path: Path) -> dict[str, str]:
    """path: a plain handin tar -> relative path -> text of every accepted file.

    The archive is read into memory (at most MAX_ARCHIVE_BYTES) and never
    extracted. Compressed archives are refused (their size would say nothing of
    what they hold), as are oversized extended headers. Directory members are
    skipped, regular files outside mytorch/ and hw/ or not ending in .py are
    ignored; everything else that is not a plain regular file (links, devices,
    FIFOs), an unsafe or duplicate path, a file too large or not UTF-8, too
    many members, or an archive that is not a readable tar raises HandinError.
    """
    data = _read_archive_bytes(path)
    _check_headers(data)
    try:
        files = _tar_members(data)
    except HandinError:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure of tarfile on hostile bytes rejects the handin
        raise HandinError(f"not a readable tar archive ({type(exc).__name__}: {str(exc)[:200]})") from None
    if not files:
        raise HandinError("no .py files under mytorch/ or hw/ in the archive")
    return files


def _folder_files(root: Path, top: str) -> list[tuple[str, Path]]:
    """-> (relative path, path) of every wanted file under root/top; links and special files raise HandinError."""
    base = root / top
    if base.is_symlink():
        raise HandinError(f"{top}: a link; hand in plain folders")
    if not base.is_dir():
        return []
    found = []
    for path in sorted(base.rglob("*")):
        rel = _accepted_path(path.relative_to(root).as_posix())
        if path.is_symlink():
            raise HandinError(f"{rel}: a link; hand in plain files only")
        if path.is_dir():
            continue
        if not path.is_file():
            raise HandinError(f"{rel}: not a regular file")
        if _wanted(rel):
            found.append((rel, path))
    return found


def read_folder(root: Path) -> dict[str, str]:
    """root: a folder holding mytorch/ and/or hw/ -> relative path -> text of every .py file under them.

    Links and special files anywhere under those folders raise HandinError, as in a tar.
    """
    files: dict[str, str] = {}
    total = 0
    for top in EDITABLE_DIRS:
        for rel, path in _folder_files(root, top):
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


def find_upload(submission: Path) -> tuple[str, Path]:
    """Find the upload in a Gradescope submission folder, searching the folder and its direct subfolders.

    Returns ("tar", the single .tar in it) or ("folder", the folder holding mytorch/ or hw/).

    Raises HandinError saying what was found when nothing usable (or more than one .tar) is there.
    """
    if not submission.is_dir():
        raise HandinError(f"the submission folder {submission} does not exist")
    places = [submission] + sorted(p for p in submission.iterdir() if p.is_dir() and not p.is_symlink())
    for place in places:
        tars = sorted(p for p in place.iterdir() if p.name.endswith(".tar") and p.is_file() and not p.is_symlink())
        if len(tars) > 1:
            raise HandinError(
                "more than one .tar uploaded ("
                + ", ".join(p.name for p in tars[:5])
                + "); upload only the handin.tar create_tarball.sh writes"
            )
        if tars:
            return "tar", tars[0]
        if any((place / top).is_dir() for top in EDITABLE_DIRS):
            return "folder", place
    found = sorted(p.relative_to(submission).as_posix() + ("/" if p.is_dir() else "") for p in submission.iterdir())
    listing = ", ".join(found[:10]) + (" ..." if len(found) > 10 else "") if found else "nothing"
    raise HandinError(
        f"found {listing} in the upload; expected one .tar written by create_tarball.sh "
        "(any name) or the folders mytorch/ and hw/"
    )
