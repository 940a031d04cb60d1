"""A byte-for-byte reproducible .tar.gz: sorted entries, fixed times, no owners, normalised modes."""

import gzip
import io
import tarfile

FILE_MODE = 0o644
EXEC_MODE = 0o755
DIR_MODE = 0o755


def _info(name: str, mode: int, kind: bytes, size: int = 0) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.size = kind, mode, size
    info.mtime = 0
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def tar_gz_bytes(files: dict[str, bytes], executable: set[str], root: str) -> bytes:
    """files: relative path -> content; executable: paths that get mode 0755; root: top folder in the archive.

    -> the .tar.gz bytes; the same arguments always give the same bytes.
    """
    dirs = {root}
    for rel in files:
        parts = rel.split("/")[:-1]
        dirs.update(f"{root}/" + "/".join(parts[: i + 1]) for i in range(len(parts)))
    entries: list[tuple[str, str | None]] = [(d, None) for d in dirs] + [(f"{root}/{rel}", rel) for rel in files]
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name, member in sorted(entries, key=lambda e: e[0]):
            if member is None:
                tar.addfile(_info(name, DIR_MODE, tarfile.DIRTYPE))
            else:
                data = files[member]
                mode = EXEC_MODE if member in executable else FILE_MODE
                tar.addfile(_info(name, mode, tarfile.REGTYPE, len(data)), io.BytesIO(data))
    packed = io.BytesIO()
    # filename='' and mtime=0 keep the gzip header free of the build's name and time.
    with gzip.GzipFile(filename="", mode="wb", fileobj=packed, mtime=0, compresslevel=9) as gz:
        gz.write(raw.getvalue())
    return packed.getvalue()
