"""Hidden cases come from the secret and the submission: a regrade draws the same, another student others."""

import numpy as np
import pytest

# Official grading draws hidden cases from the torch oracles.
pytest.importorskip("torch")

from autograder.cases import CaseKind
from autograder.official.judging.plan import handin_jobs, make_plan
from autograder.official.judging.secret import SecretError, hidden_stream, new_secret, read_secret, submission_digest
from autograder.oracles import load_oracles
from autograder.references.store import load_cases, read_manifest
from autograder.steps import all_steps
from tests.official_setup import solution


def test_the_stream_depends_on_the_secret_and_on_every_byte_of_the_submission():
    files = solution()
    changed = dict(files, **{"hw/mc.py": files["hw/mc.py"] + "\n"})
    digest = submission_digest(files)
    assert submission_digest(dict(reversed(list(files.items())))) == digest
    streams = {hidden_stream(b"first secret", digest), hidden_stream(b"first secret", submission_digest(changed)),
               hidden_stream(b"second secret", digest)}
    assert len(streams) == 3 and min(streams) >= 2
    assert hidden_stream(b"first secret", digest) == hidden_stream(b"first secret", digest)


def test_a_regrade_gets_the_same_hidden_cases_and_another_submission_others():
    plan = make_plan(b"a secret for the tests", per_spec=1, timeout=5.0)
    files = solution()
    other = dict(files, **{"hw/mc.py": files["hw/mc.py"] + "# mine\n"})
    (a1, _), (a2, _), (b, _) = handin_jobs(plan, files), handin_jobs(plan, files), handin_jobs(plan, other)
    public = load_cases("rnn_forward", read_manifest())
    n = len(public)
    for x, y, z in zip(a1["rnn_forward"][n:], a2["rnn_forward"][n:], b["rnn_forward"][n:]):
        assert all(np.array_equal(x.inputs[k], y.inputs[k]) for k in x.inputs)
        assert all(np.array_equal(x.expected[k], y.expected[k]) for k in x.expected)
        assert not np.array_equal(x.inputs["x"], z.inputs["x"])
    assert [c.label for c in a1["rnn_forward"][n:]] == [f"hidden case {i + 1}" for i in range(n)]


def test_hidden_cases_are_not_the_public_ones():
    step = all_steps()["rnn_forward"]
    hidden = step.draw_cases(load_oracles()["rnn_forward"], 12345, CaseKind.HIDDEN)
    for h, p in zip(hidden, load_cases("rnn_forward", read_manifest())):
        assert not np.array_equal(h.inputs["x"], p.inputs["x"])


def test_secrets_are_private_and_never_overwritten(tmp_path):
    path = tmp_path / "course.secret"
    new_secret(path)
    assert path.stat().st_mode & 0o077 == 0 and len(read_secret(path)) == 64
    with pytest.raises(FileExistsError):
        new_secret(path)
    (tmp_path / "short").write_text("abc\n")
    with pytest.raises(SecretError, match="shorter than 8"):
        read_secret(tmp_path / "short")
