"""Reading handins: only plain tars of .py files under mytorch/ and hw/; every odd archive is refused cheaply."""

import gzip
import hashlib
import io
import resource
import tarfile
from pathlib import Path

import pytest

from autograder.official.intake.handin import HandinError, find_upload, read_folder, read_tar
from tests.official_setup import pack, solution
from tests.tree import REPO


def tree_digest(*tops: str) -> str:
    h = hashlib.sha256()
    for top in tops:
        for path in sorted((REPO / top).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                h.update(path.relative_to(REPO).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


@pytest.mark.parametrize("member, reason", [
    ("../evil.py", "path with '..'"),
    ("mytorch/../../evil.py", "path with '..'"),
    ("/tmp/evil_absolute.py", "absolute path"),
])
def test_unsafe_member_paths_reject_the_handin(tmp_path, member, reason):
    before = tree_digest("autograder", "reference_data", "mytorch", "hw")
    files: dict[str, str | bytes] = dict(solution())
    files[member] = "raise SystemExit('should never be written')\n"
    with pytest.raises(HandinError, match=reason):
        read_tar(pack(tmp_path / "h.tar", files))
    assert not Path("/tmp/evil_absolute.py").exists() and not (tmp_path.parent / "evil.py").exists()
    assert tree_digest("autograder", "reference_data", "mytorch", "hw") == before


def test_links_duplicates_bad_text_size_and_garbage_are_rejected(tmp_path):
    base = solution()
    cases = {
        "link": (pack(tmp_path / "a.tar", base, links={"mytorch/passwd.py": "/etc/passwd"}), "a link"),
        "dup": (pack(tmp_path / "b.tar", {**base, "./mytorch/linear.py": "x = 1\n"}), "appears twice"),
        "utf8": (pack(tmp_path / "c.tar", {**base, "hw/bad.py": b"\xff\xfe"}), "not UTF-8"),
        "size": (pack(tmp_path / "d.tar", {**base, "hw/big.py": "#" * (300 * 1024)}), "allowed for one file"),
        "many": (pack(tmp_path / "e.tar", {**base, **{f"hw/m{i}.py": "" for i in range(250)}}), "more than"),
    }
    (tmp_path / "f.tar").write_bytes(b"this is not a tar archive at all" * 40)
    cases["garbage"] = (tmp_path / "f.tar", "not a readable tar")
    for path, reason in cases.values():
        with pytest.raises(HandinError, match=reason):
            read_tar(path)


def test_members_outside_student_folders_are_ignored(tmp_path):
    files: dict[str, str | bytes] = dict(solution())
    files["autograder/compare.py"] = "def compare(*a, **k):\n    return []\n"
    files["reference_data/x.npz"] = b"PK\x05\x06" + b"\0" * 18
    files["mytorch/notes.txt"] = "ignored"
    assert set(read_tar(pack(tmp_path / "h.tar", files))) == set(solution())


def test_compressed_archives_are_refused_whatever_they_hold(tmp_path):
    plain = pack(tmp_path / "h.tar", solution()).read_bytes()
    (tmp_path / "h.tar.gz").write_bytes(gzip.compress(plain))
    with pytest.raises(HandinError, match="gzip-compressed archive"):
        read_tar(tmp_path / "h.tar.gz")
    # A few KB of gzip that would inflate to 2 GiB of zeros: refused by its first bytes.
    bomb = io.BytesIO()
    with gzip.GzipFile(fileobj=bomb, mode="wb") as g:
        for _ in range(64):
            g.write(bytes(1 << 20))
    (tmp_path / "bomb.tar").write_bytes(bomb.getvalue())
    with pytest.raises(HandinError, match="compressed"):
        read_tar(tmp_path / "bomb.tar")


def _with_pax(records: bytes, tmp_path: Path) -> Path:
    info = tarfile.TarInfo("././@PaxHeader")
    info.type = tarfile.XHDTYPE
    info.size = len(records)
    buf = io.BytesIO()
    buf.write(info.tobuf(format=tarfile.USTAR_FORMAT))
    buf.write(records + bytes(-len(records) % 512))
    buf.write(pack(tmp_path / "inner.tar", solution()).read_bytes())
    (tmp_path / "pax.tar").write_bytes(buf.getvalue())
    return tmp_path / "pax.tar"


def test_oversized_and_size_overriding_pax_headers_are_refused_before_tarfile_reads_them(tmp_path):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    huge = b"%d comment=%s\n" % (10 ** 6 + 20, b"x" * 10 ** 6)
    with pytest.raises(HandinError, match="extended tar header"):
        read_tar(_with_pax(huge, tmp_path))
    with pytest.raises(HandinError, match="overrides a member's size"):
        read_tar(_with_pax(b"20 size=99999999999\n", tmp_path))
    # A header claiming more than the archive holds is refused too (never allocated).
    raw = bytearray(pack(tmp_path / "h.tar", solution()).read_bytes())
    raw[124:136] = b"77777777777\0"
    (tmp_path / "claim.tar").write_bytes(bytes(raw))
    with pytest.raises(HandinError, match="claims more data"):
        read_tar(tmp_path / "claim.tar")
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200 * 1024


def test_a_small_pax_header_as_python_writes_it_is_accepted(tmp_path):
    files = solution()
    with tarfile.open(tmp_path / "pax.tar", "w", format=tarfile.PAX_FORMAT) as tar:
        for name, text in files.items():
            info = tarfile.TarInfo(name)
            data = text.encode()
            info.size = len(data)
            info.pax_headers = {"comment": "made by hand"}
            tar.addfile(info, io.BytesIO(data))
    assert read_tar(tmp_path / "pax.tar") == files


def test_read_folder_refuses_links(tmp_path):
    sub = tmp_path / "submission"
    for rel, text in solution().items():
        (sub / rel).parent.mkdir(parents=True, exist_ok=True)
        (sub / rel).write_text(text)
    assert read_folder(sub) == solution()
    (sub / "hw" / "sneaky.py").symlink_to("/etc/passwd")
    with pytest.raises(HandinError, match="a link"):
        read_folder(sub)


def test_find_upload_takes_any_tar_name_or_the_folders_and_says_what_it_found(tmp_path):
    sub = tmp_path / "submission"
    sub.mkdir()
    (sub / "notes.txt").write_text("hi")
    (sub / "work.zip").write_bytes(b"PK")
    with pytest.raises(HandinError, match=r"found notes.txt, work.zip in the upload; expected one .tar"):
        find_upload(sub)
    pack(sub / "handin (1).tar", solution())
    assert find_upload(sub) == ("tar", sub / "handin (1).tar")
    pack(sub / "other.tar", solution())
    with pytest.raises(HandinError, match="more than one .tar"):
        find_upload(sub)
    folders = tmp_path / "folders"
    (folders / "my-upload" / "mytorch").mkdir(parents=True)
    assert find_upload(folders) == ("folder", folders / "my-upload")
