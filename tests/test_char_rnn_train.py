"""Training: streams, the smooth loss, and exact resumption from a snapshot."""
import io
import math

import numpy as np
import pytest

from hw.char_rnn.snapshot import load_snapshot
from hw.char_rnn.train import (
    TrainConfig,
    first_sample_update,
    initial_smooth_loss,
    new_snapshot,
    settings_from,
    stream_segments,
    train,
)
from hw.char_rnn.vocab import Vocabulary

TEXT = ("First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n\n"
        "First Citizen:\nYou are all resolved rather to die than to famish?\n\n") * 6


def small_config(**overrides) -> TrainConfig:
    settings = dict(hidden_size=16, seq_length=10, lr=0.1, batch=2, seed=3, sample_every=40,
                    sample_length=30, snapshot_every=25, history_every=10)
    settings.update(overrides)
    return TrainConfig(**settings)


def run(tmp_path, name, updates, config, snap=None):
    vocab = Vocabulary.from_text(TEXT)
    if snap is None:
        snap = new_snapshot(vocab, len(TEXT), config)
    return train(snap, vocab.encode(TEXT), config, updates, tmp_path / name, "test text",
                 progress=False, log=io.StringIO())


def test_streams_are_contiguous_segments():
    data = np.arange(23)
    s = stream_segments(data, 3, 4)
    np.testing.assert_array_equal(s, np.arange(21).reshape(3, 7))
    with pytest.raises(ValueError, match="too short"):
        stream_segments(data, 5, 4)


def test_smooth_loss_starts_at_the_uniform_guess_and_falls(tmp_path):
    config = small_config()
    vocab = Vocabulary.from_text(TEXT)
    assert initial_smooth_loss(len(vocab), 10) == pytest.approx(-math.log(1 / len(vocab)) * 10)
    snap = run(tmp_path, "a", 200, config)
    history = snap.state.loss_history
    assert history.shape == (20, 2) and list(history[:3, 0]) == [10, 20, 30]
    # The smooth loss moves slowly by design; the raw loss has fallen far below it.
    assert history[-1, 1] < initial_smooth_loss(len(vocab), 10) - 1.0
    assert np.all(np.diff(history[:, 1]) < 0)


def test_resuming_continues_exactly(tmp_path):
    config = small_config()
    straight = run(tmp_path, "straight", 100, config)
    first = run(tmp_path, "resumed", 60, config)
    snap = load_snapshot(tmp_path / "resumed" / "snapshot.npz")
    assert snap.state.iteration == 60
    # Model settings come from the snapshot, whatever the new config says.
    other = small_config(hidden_size=5, seq_length=7, lr=0.5, batch=1, seed=0)
    resumed = run(tmp_path, "resumed", 40, settings_from(snap, other), snap)
    assert resumed.state.iteration == 100
    np.testing.assert_array_equal(resumed.model.flat_params, straight.model.flat_params)
    np.testing.assert_array_equal(resumed.memory, straight.memory)
    assert resumed.state.smooth_loss == straight.state.smooth_loss
    np.testing.assert_array_equal(resumed.state.loss_history, straight.state.loss_history)
    # The periodic samples (every 40) match; each run adds its own early one (a tenth of it in).
    straight_samples = read_samples(tmp_path / "straight" / "samples.txt")
    resumed_samples = read_samples(tmp_path / "resumed" / "samples.txt")
    assert list(straight_samples) == [10, 40, 80] and list(resumed_samples) == [6, 40, 64, 80]
    assert [straight_samples[k] for k in (40, 80)] == [resumed_samples[k] for k in (40, 80)]
    assert first.state.iteration == 60


def test_one_update_is_clipped_adagrad(tmp_path):
    config = small_config(batch=1, sample_every=0, snapshot_every=0)
    vocab = Vocabulary.from_text(TEXT)
    snap = new_snapshot(vocab, len(TEXT), config)
    model = snap.model
    data = vocab.encode(TEXT)
    before = model.flat_params.copy()
    x, y = data[:10, None], data[1:11, None]
    _, grads, _ = model.loss_and_grads(x, y, model.initial_state(1))
    g = np.clip(model.flat_grads.copy(), -5, 5)
    expected = before - 0.1 * g / np.sqrt(g * g + 1e-8)
    run(tmp_path, "one", 1, config, snap)
    np.testing.assert_allclose(model.flat_params, expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(snap.memory, g * g, rtol=1e-12)


def read_samples(path) -> dict[int, str]:
    """samples.txt -> update -> the entry logged there."""
    entries = path.read_text().split("--- update ")[1:]
    return {int(entry.split(",")[0]): entry for entry in entries}


@pytest.mark.parametrize("start, updates, every, first", [
    (0, 500, 10_000, 50),        # a short run: a tenth of it
    (0, 100_000, 10_000, 1000),  # a long one: at update 1,000
    (0, 5, 10_000, 1),           # never at update 0
    (30_000, 5000, 10_000, 30_500),  # resumed: counted from where it starts
    (0, 100_000, 500, None),     # the first periodic sample comes first anyway
    (0, 500, 0, None),           # samples off
])
def test_first_sample_comes_early(start, updates, every, first):
    assert first_sample_update(start, updates, every) == first


def test_a_short_run_with_default_settings_writes_a_sample(tmp_path):
    run(tmp_path, "short", 50, small_config(sample_every=TrainConfig().sample_every))
    assert list(read_samples(tmp_path / "short" / "samples.txt")) == [5]


def test_outputs_are_written(tmp_path):
    run(tmp_path, "out", 80, small_config())
    out = tmp_path / "out"
    assert list(read_samples(out / "samples.txt")) == [8, 40, 80]
    csv = (out / "smooth_loss.csv").read_text().splitlines()
    assert csv[0] == "update,smooth_loss" and len(csv) == 9
    assert (out / "snapshot.npz").exists()


def test_on_history_sees_every_point_of_the_loss_history(tmp_path):
    config = small_config(sample_every=0)
    vocab = Vocabulary.from_text(TEXT)
    seen = []
    snap = train(new_snapshot(vocab, len(TEXT), config), vocab.encode(TEXT), config, 45, tmp_path, "test text",
                 progress=False, log=io.StringIO(), plot=False, on_history=lambda it, s: seen.append((it, s)))
    assert seen == [tuple(row) for row in snap.state.loss_history] and [it for it, _ in seen] == [10, 20, 30, 40]
