"""A batch graded in shards: a stable split by name, and a merge that gives the unsplit gradebook byte for byte."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.official.intake.shards import ShardError, merge, parse_shard, shard_of, write_shard_file
from tests.official_setup import (
    needs_root,
    official_cli,
    pack,
    private_course,
    runtime_args,
    solution,
    with_change,
    worker_uid,
)


def test_shard_values_are_k_of_n():
    assert parse_shard("2/3") == (2, 3) and parse_shard("1/1") == (1, 1)
    for bad in ("0/3", "4/3", "3", "a/b", "-1/2", "1/0"):
        with pytest.raises(ShardError):
            parse_shard(bad)


def test_each_name_has_one_shard_that_depends_on_the_name_alone():
    names = [f"student{k:03d}" for k in range(300)]
    shards = [shard_of(name, 3) for name in names]
    assert set(shards) == {1, 2, 3} and all(60 < shards.count(k) < 140 for k in (1, 2, 3))
    assert [shard_of(name, 3) for name in reversed(names)] == shards[::-1]
    assert shard_of("student000", 1) == 1
    # Fixed by SHA-256, not by Python's randomised hash: the same on every machine and every run.
    assert [shard_of(n, 3) for n in ("alice", "bob", "dave", "erin")] == [3, 3, 2, 1]


def _shard(folder: Path, k: int, n: int, batch: list[str], rows: dict[str, str]) -> Path:
    folder.mkdir(parents=True)
    write_shard_file(folder, k, n, batch)
    text = "handin,total,max,a,b\n" if rows else "handin,total,max\n"
    (folder / "gradebook.csv").write_text(text + "".join(f"{name},{row}\n" for name, row in sorted(rows.items())))
    for name in rows:
        (folder / name).mkdir()
        (folder / name / "results.json").write_text(json.dumps({"name": name}))
    return folder


def test_merge_joins_shards_sorted_by_name_and_copies_their_results(tmp_path):
    batch = ["carol", "alice", "bob"]
    one = _shard(tmp_path / "s1", 1, 3, batch, {"carol": "1,2,1,0", "alice": "2,2,1,1"})
    two = _shard(tmp_path / "s2", 2, 3, batch, {})
    three = _shard(tmp_path / "s3", 3, 3, batch, {"bob": "0,2,0,0"})
    merged = merge([three, one, two], tmp_path / "all")
    assert (tmp_path / "all" / "gradebook.csv").read_text() == \
        "handin,total,max,a,b\nalice,2,2,1,1\nbob,0,2,0,0\ncarol,1,2,1,0\n"
    assert merged.graded == ["alice", "bob", "carol"] and merged.missing == [] and merged.shards_missing == []
    assert json.loads((tmp_path / "all" / "bob" / "results.json").read_text()) == {"name": "bob"}


def test_merge_reports_missing_handins_and_shards(tmp_path):
    batch = ["alice", "bob", "carol"]
    one = _shard(tmp_path / "s1", 1, 3, batch, {"alice": "2,2,1,1"})
    merged = merge([one], tmp_path / "all")
    assert merged.missing == ["bob", "carol"] and merged.shards_missing == [2, 3]
    assert (tmp_path / "all" / "gradebook.csv").read_text() == "handin,total,max,a,b\nalice,2,2,1,1\n"


@pytest.mark.parametrize("second, message", [
    ((2, 3, ["alice", "bob"], {"alice": "2,2,1,1"}), "graded by two shards"),
    ((1, 3, ["alice", "bob"], {"bob": "2,2,1,1"}), "given twice"),
    ((2, 2, ["alice", "bob"], {"bob": "2,2,1,1"}), "different batches or splits"),
    ((2, 3, ["alice", "bob", "zoe"], {"bob": "2,2,1,1"}), "different batches or splits"),
])
def test_merge_refuses_overlaps_and_shards_of_other_batches_writing_nothing(tmp_path, second, message):
    one = _shard(tmp_path / "s1", 1, 3, ["alice", "bob"], {"alice": "2,2,1,1"})
    other = _shard(tmp_path / "s2", *second)
    with pytest.raises(ShardError, match=message):
        merge([one, other], tmp_path / "all")
    assert not (tmp_path / "all").exists()


def test_merge_refuses_a_folder_that_is_not_a_shard(tmp_path):
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "gradebook.csv").write_text("handin,total,max\n")
    proc = subprocess.run([sys.executable, "-m", "autograder.official", "merge", str(tmp_path / "plain"), "--out",
                           str(tmp_path / "all")], capture_output=True, text=True)
    assert proc.returncode == 2 and "is not the out folder of a `grade --shard` run" in proc.stderr


@needs_root
@pytest.mark.slow
def test_a_batch_split_three_ways_merges_into_the_unsplit_gradebook_byte_for_byte(tmp_path):
    repo, secret = private_course(tmp_path / "private")
    folder = tmp_path / "private" / "handins"
    folder.mkdir()
    wrong = with_change("mytorch/linear.py", "self.dW += delta.T", "self.dW = delta.T")
    handins = [pack(folder / f"{name}.tar", files) for name, files in
               (("alice", solution()), ("bob", wrong), ("dave", solution()), ("erin", wrong))]
    assert {shard_of(p.stem, 3) for p in handins} == {1, 2, 3}
    common = ["--secret", str(secret), "--hidden-cases", "1", "--jobs", "1", *runtime_args(),
              "--worker-uid", str(worker_uid(300))]
    whole = tmp_path / "private" / "whole"
    assert official_cli(repo, "grade", *map(str, handins), "--out", str(whole), *common).returncode == 0
    shards = []
    for k in (1, 2, 3):
        shards.append(tmp_path / "private" / f"shard{k}")
        # Each shard is given the whole list, in any order, as every machine of a job array would be.
        proc = official_cli(repo, "grade", *map(str, handins[k:] + handins[:k]), "--out", str(shards[-1]),
                            "--shard", f"{k}/3", *common)
        assert proc.returncode == 0, proc.stderr
        assert f"shard {k}/3:" in proc.stderr
    partial = official_cli(repo, "merge", str(shards[0]), str(shards[2]), "--out", str(tmp_path / "private" / "p"))
    assert partial.returncode == 1 and "missing shards: 2" in partial.stderr and "dave" in partial.stderr
    merged = tmp_path / "private" / "merged"
    proc = official_cli(repo, "merge", *map(str, shards), "--out", str(merged))
    assert proc.returncode == 0, proc.stderr
    book = (whole / "gradebook.csv").read_bytes()
    assert (merged / "gradebook.csv").read_bytes() == book
    rows = {line.split(",")[0]: line.split(",")[1:3] for line in book.decode().splitlines()[1:]}
    assert rows["alice"][0] == rows["alice"][1] and rows["bob"][0] != rows["bob"][1]
    assert sorted(p.name for p in merged.iterdir() if p.is_dir()) == ["alice", "bob", "dave", "erin"]
