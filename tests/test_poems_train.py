"""hw/poems/train.py and the command line: the loss falls on the synthetic corpus, resume is exact, poems come out."""

import os
import subprocess
import sys

import pytest

torch = pytest.importorskip("torch")

from hw.poems.corpus import synthetic_corpus
from hw.poems.preprocess import PAD, process_poems
from hw.poems.train import CHECKPOINT, TrainConfig, batches, load_checkpoint, train
from tests.tree import REPO

SMALL = TrainConfig(embedding_dim=16, hidden_dim=32, batch_size=16, lr=0.02, seed=0)
# torch on one thread, in this process and in the commands: models this small gain nothing from a second
# thread, and on a machine whose cores other tests (or people) hold, its OpenMP threads wait for each other
# (measured here under load: 64 s of wall clock and 14 s of CPU for one training test, against 13 s and 5 s).
ONE_THREAD = {**os.environ, "OMP_NUM_THREADS": "1"}


@pytest.fixture(autouse=True)
def one_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def corpus():
    return process_poems(synthetic_corpus(256, seed=1))


def test_batches_pad_and_shift(corpus):
    pad = corpus.word_int_map[PAD]
    got = batches(corpus.poems_vector[:5], 2, pad, torch.Generator().manual_seed(0))
    assert [x.shape[0] for x, _ in got] == [2, 2, 1]
    lengths = sorted(len(p) for p in corpus.poems_vector[:5])
    for x, y in got:
        assert x.shape == y.shape and torch.equal(x[:, 1:], y[:, :-1])
        assert x.shape[1] + 1 in lengths
    rows = sorted(tuple(int(i) for i in torch.cat([x[b, :1], y[b]]) if i != pad) for x, y in got for b in range(len(x)))
    assert rows == sorted(tuple(p) for p in corpus.poems_vector[:5])


@pytest.mark.slow
def test_loss_falls_and_resume_is_exact(corpus, tmp_path):
    losses = train(corpus, 3, tmp_path / "full", SMALL, torch.device("cpu"), progress=False)
    assert losses[2] < losses[0] - 0.3, losses
    train(corpus, 2, tmp_path / "half", SMALL, torch.device("cpu"), progress=False)
    resumed = train(corpus, 3, tmp_path / "half", SMALL, torch.device("cpu"),
                    resume=str(tmp_path / "half" / CHECKPOINT), progress=False)
    assert resumed == losses
    model, state = load_checkpoint(tmp_path / "full" / CHECKPOINT)
    assert state["losses"] == losses and len(state["vocab"]) == corpus.vocab_size
    assert not model.training


def test_resume_refuses_another_vocabulary(tmp_path):
    small = process_poems(synthetic_corpus(32, seed=2))
    train(small, 1, tmp_path, SMALL, torch.device("cpu"), progress=False)
    other = process_poems(["t:山高月小水落石出"])
    with pytest.raises(ValueError, match="another vocabulary"):
        train(other, 2, tmp_path / "b", SMALL, torch.device("cpu"), resume=str(tmp_path / CHECKPOINT))


@pytest.mark.slow
def test_command_line_trains_and_writes_a_poem_per_begin_word(tmp_path):
    out = tmp_path / "run"
    train_cmd = [sys.executable, "-m", "hw.poems", "train", "--synthetic", "400", "--epochs", "4", "--hidden", "48",
                 "--embedding", "16", "--out", str(out), "--no-progress"]
    proc = subprocess.run(train_cmd, cwd=REPO, capture_output=True, text=True, timeout=300, env=ONE_THREAD)
    assert proc.returncode == 0, proc.stderr
    assert "400 poems from the synthetic corpus" in proc.stdout
    rows = (out / "losses.csv").read_text().splitlines()
    assert rows[0] == "epoch,loss" and len(rows) == 5
    assert float(rows[-1].split(",")[1]) < float(rows[1].split(",")[1])
    assert (out / "loss.png").read_bytes()[:4] == b"\x89PNG"
    gen = subprocess.run([sys.executable, "-m", "hw.poems", "generate", "--checkpoint", str(out / CHECKPOINT),
                          "--begin", "日", "红", "山", "--max-length", "40"], cwd=REPO, capture_output=True, text=True,
                         env=ONE_THREAD)
    assert gen.returncode == 0, gen.stderr
    poems = gen.stdout.strip().split("\n\n")
    assert [p[0] for p in poems] == ["日", "红", "山"]
    assert all(len(p.replace("\n", "")) <= 40 for p in poems)
    again = subprocess.run(gen.args, cwd=REPO, capture_output=True, text=True, env=ONE_THREAD)
    assert again.stdout == gen.stdout  # greedy: the same poems every time
    bad = subprocess.run([sys.executable, "-m", "hw.poems", "generate", "--checkpoint", str(out / CHECKPOINT),
                          "--begin", "Q"], cwd=REPO, capture_output=True, text=True)
    assert bad.returncode == 2 and "'Q' is not in the vocabulary" in bad.stderr


def test_missing_data_file_is_one_line(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "hw.poems", "train", "--data", str(tmp_path / "none.txt"),
                           "--out", str(tmp_path)], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stderr.startswith("error:") and "Traceback" not in proc.stderr


def test_without_torch_the_command_says_what_to_install(tmp_path):
    (tmp_path / "sitecustomize.py").write_text("import sys\nsys.modules['torch'] = None\n")
    proc = subprocess.run([sys.executable, "-m", "hw.poems", "train", "--out", str(tmp_path / "run")], cwd=REPO,
                          capture_output=True, text=True, env={"PYTHONPATH": str(tmp_path)})
    assert proc.returncode == 2 and "pip install torch" in proc.stderr and "Traceback" not in proc.stderr


def test_progress_is_one_plain_line_per_epoch_off_a_terminal():
    import io

    from hw.poems.train import EpochProgress

    stream = io.StringIO()
    bar = EpochProgress(2, 5, 640, stream=stream)
    bar.update(64, 3.5)  # not a terminal: nothing until the epoch ends
    assert stream.getvalue() == ""
    bar.close(3.25)
    line = stream.getvalue()
    assert line.count("\n") == 1 and "\r" not in line
    assert line.startswith("epoch 2/5 [") and "640/640 poems" in line and "poems/s" in line and "loss 3.2500" in line
    quiet = io.StringIO()
    EpochProgress(1, 1, 10, stream=quiet, enabled=False).close(1.0)
    assert quiet.getvalue() == ""
