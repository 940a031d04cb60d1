"""The command line, end to end on a tiny corpus, and the explanation tool's numbers."""
import subprocess
import sys

import numpy as np
import pytest

from hw.char_rnn.__main__ import main
from hw.char_rnn.commands import check_model_gradients
from hw.char_rnn.explain import ablated_probs, explain, format_explanation, softmax
from hw.char_rnn.plot import MATPLOTLIB_MISSING
from hw.char_rnn.snapshot import load_snapshot
from tests.tree import REPO

TEXT = ("First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n\n"
        "First Citizen:\nYou are all resolved rather to die than to famish?\n\nAll:\nResolved.\n\n") * 8


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A small model trained by the CLI: 300 updates, then resumed for 100 more."""
    root = tmp_path_factory.mktemp("cli")
    data = root / "tiny.txt"
    data.write_text(TEXT, encoding="utf-8")
    out = root / "run"
    common = ["--data", str(data), "--out", str(out), "--hidden", "32", "--seq-length", "16",
              "--sample-every", "100", "--snapshot-every", "100", "--no-progress"]
    assert main(["train", "--updates", "300", *common]) == 0
    assert main(["train", "--updates", "100", "--resume", str(out / "snapshot.npz"), *common]) == 0
    return out


def test_train_and_resume_write_their_outputs(trained):
    snap = load_snapshot(trained / "snapshot.npz")
    assert snap.state.iteration == 400
    assert snap.data_size == len(TEXT)
    # Each run logs an early sample (a tenth of the run in), then one every 100 updates.
    samples = (trained / "samples.txt").read_text()
    assert [int(line.split()[2].rstrip(",")) for line in samples.splitlines() if line.startswith("--- update ")] == [
        30, 100, 200, 300, 310, 400]
    assert len((trained / "smooth_loss.csv").read_text().splitlines()) == 1 + 4
    # A few hundred updates on a repetitive text must beat the uniform guess clearly.
    assert snap.state.smooth_loss < -np.log(1 / len(snap.vocab)) * 16 - 2


def test_sample_prints_one_block_per_temperature(trained, capsys):
    assert main(["sample", "--snapshot", str(trained / "snapshot.npz"), "--length", "40",
                 "--temperature", "0.5", "1", "2"]) == 0
    out = capsys.readouterr().out
    assert [line for line in out.splitlines() if line.startswith("--- temperature")] == [
        "--- temperature 0.5 ---", "--- temperature 1 ---", "--- temperature 2 ---"]


def test_complete_echoes_the_starter_then_continues(trained, capsys):
    assert main(["complete", "First Citizen:", "--snapshot", str(trained / "snapshot.npz"),
                 "--length", "30", "--temperature", "0.3"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("First Citizen:") and len(out.rstrip("\n")) >= len("First Citizen:") + 20


def test_gradcheck_command_passes_on_a_multilayer_model(capsys):
    assert main(["gradcheck", "--layers", "3", "--hidden", "6", "--checks", "8"]) == 0
    out = capsys.readouterr().out
    assert "gradient check PASSED" in out and "Wxh_2" in out


def test_gradcheck_passes_a_trained_snapshot_with_tiny_gradients(tmp_path, capsys):
    # After 1,000 updates on the built-in corpus many entries of Wxh have gradients near 1e-8,
    # where rounding in the loss makes the central difference a relative error above 1e-5.
    out = tmp_path / "run"
    assert main(["train", "--updates", "1000", "--out", str(out), "--sample-every", "0", "--no-progress"]) == 0
    snapshot = str(out / "snapshot.npz")
    capsys.readouterr()
    for seed in range(10):
        assert main(["gradcheck", "--snapshot", snapshot, "--seed", str(seed)]) == 0, capsys.readouterr().out
    # The case matters: held to a pure relative error (no floor from the parameter's gradient
    # scale), the same checks fail correct gradients on most of these seeds.
    model = load_snapshot(snapshot).model
    pure = [check_model_gradients(model, 8, 2, seed, num_checks=20, relative_floor=0.0).passed for seed in range(10)]
    assert pure.count(False) >= 3


def test_gradcheck_still_fails_a_wrong_gradient_of_a_trained_snapshot(tmp_path, monkeypatch):
    out = tmp_path / "run"
    assert main(["train", "--updates", "300", "--hidden", "20", "--out", str(out), "--sample-every", "0",
                 "--no-progress"]) == 0
    model = load_snapshot(out / "snapshot.npz").model
    backward = model.backward

    def off_by_a_little(cache):
        grads = backward(cache)
        grads["Whh"] *= 1.001  # a 0.1 percent error in every entry
        return grads

    monkeypatch.setattr(model, "backward", off_by_a_little)
    report = check_model_gradients(model, 8, 2, seed=0, num_checks=20)
    assert [r.name for r in report.failures()] == ["Whh"]


def test_explain_reports_and_draws_or_says_why_not(trained, capsys, tmp_path):
    png = tmp_path / "explain.png"
    assert main(["explain", "--snapshot", str(trained / "snapshot.npz"), "--context", "First Citizen:",
                 "--png", str(png)]) == 0
    out = capsys.readouterr().out
    assert "ablation: zeroing units" in out
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert MATPLOTLIB_MISSING in out and not png.exists()
    else:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_missing_matplotlib_gives_the_clear_message(trained, capsys, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib` fail
    png = tmp_path / "explain.png"
    assert main(["explain", "--snapshot", str(trained / "snapshot.npz"), "--png", str(png)]) == 0
    assert MATPLOTLIB_MISSING in capsys.readouterr().out
    assert not png.exists()


def test_explain_ablation_numbers_are_what_they_claim(trained):
    snap = load_snapshot(trained / "snapshot.npz")
    model, vocab = snap.model, snap.vocab
    ex = explain(model, vocab, "All:", top_chars=2, top_units=4)
    # Recompute the state independently of explain(): run the context step by step.
    h = model.initial_state(1)
    for ix in vocab.encode("All:"):
        y, h = model.step(np.array([ix]), h)
    top = h[-1][0]
    np.testing.assert_allclose(ex.probs, softmax(y[0]), rtol=1e-12)
    why, by = model.params["Why"], model.params["by"][:, 0]
    for c in ex.chars:
        contrib = why[c.index] * top
        assert [u.unit for u in c.units] == list(np.argsort(-contrib, kind="stable")[:4])
        assert [u.contribution for u in c.units] == sorted((u.contribution for u in c.units), reverse=True)
        np.testing.assert_allclose(c.score, contrib.sum() + by[c.index], rtol=1e-12)
        zeroed = top.copy()
        zeroed[[u.unit for u in c.units]] = 0.0
        expected = softmax(why @ zeroed + by)[c.index]
        np.testing.assert_allclose(c.ablated_prob, expected, rtol=1e-12)
        assert c.ablated_prob != c.prob
        for u in c.units:
            assert u.input_weight == model.params["Wxh"][u.unit, vocab.index[":"]]
    text = format_explanation(ex)
    assert f"{ex.chars[0].prob:.4f} -> {ex.chars[0].ablated_prob:.4f}" in text


def test_ablating_nothing_changes_nothing(trained):
    snap = load_snapshot(trained / "snapshot.npz")
    h = np.tanh(np.random.default_rng(0).standard_normal(snap.model.hidden_size))
    y = snap.model.params["Why"] @ h + snap.model.params["by"][:, 0]
    np.testing.assert_allclose(ablated_probs(snap.model, h, np.array([], dtype=int)), softmax(y))


def test_bad_input_is_one_line_not_a_traceback(trained, capsys, tmp_path):
    snap = str(trained / "snapshot.npz")
    assert main(["complete", "All~", "--snapshot", snap]) == 2
    assert "error: character '~' is not in the vocabulary" in capsys.readouterr().err
    assert main(["sample", "--snapshot", str(tmp_path / "missing.npz")]) == 2
    assert "error:" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["train", "sample", "complete", "gradcheck", "explain"])
def test_every_subcommand_has_help(command):
    result = subprocess.run([sys.executable, "-m", "hw.char_rnn", command, "--help"], cwd=REPO,
                            capture_output=True, text=True)
    assert result.returncode == 0 and "usage: python -m hw.char_rnn" in result.stdout


def test_training_resumes_from_a_course_snapshot(tmp_path, capsys):
    from tests.test_char_rnn_snapshot import write_distributed_file

    data = tmp_path / "tiny.txt"
    data.write_text(TEXT, encoding="utf-8")
    chars = sorted(set(TEXT), reverse=True)  # any order: the file's `chars` decides
    course = tmp_path / "char-rnn-snapshot.npz"
    write_distributed_file(course, chars, hidden=8)
    out = tmp_path / "run"
    assert main(["train", "--resume", str(course), "--data", str(data), "--out", str(out),
                 "--updates", "30", "--seq-length", "12", "--no-progress", "--sample-every", "0"]) == 0
    snap = load_snapshot(out / "snapshot.npz")
    assert snap.vocab.chars == chars and snap.model.hidden_size == 8
    assert snap.state.iteration == 30 and snap.state.settings["seq_length"] == 12
    assert "resuming" in capsys.readouterr().out
