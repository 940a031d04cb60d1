"""Snapshots: our round trip, and reading the distributed format without unpickling."""
import pickle

import numpy as np
import pytest

from hw.char_rnn.model import CharRNN
from hw.char_rnn.snapshot import Snapshot, TrainingState, load_snapshot, save_snapshot
from hw.char_rnn.vocab import Vocabulary


def _refuse_to_load():
    raise RuntimeError("this entry was unpickled")


class Booby:
    """Pickles fine; unpickling it raises, so any unpickling read of the file fails."""

    def __reduce__(self):
        return (_refuse_to_load, ())


def write_distributed_file(path, chars: list[str], hidden: int, seed: int = 0):
    """A file laid out like the snapshot courses hand out, pickled dicts included."""
    rng = np.random.default_rng(seed)
    V, H = len(chars), hidden
    arrays = {"Wxh": rng.standard_normal((H, V)), "Whh": rng.standard_normal((H, H)),
              "Why": rng.standard_normal((V, H)), "bh": rng.standard_normal((H, 1)),
              "by": rng.standard_normal((V, 1))}
    for name in list(arrays):
        arrays["m" + name] = rng.random(arrays[name].shape)
    arrays["chars"] = np.array([c.encode("ascii") for c in chars], dtype="|S1")
    arrays["vocab_size"] = np.array(V)
    arrays["data_size"] = np.array(268330)
    # np.savez stores these as pickled 0-d object arrays, as the distributed file does.
    arrays["char_to_ix"] = np.array({"boom": Booby()}, dtype=object)
    arrays["ix_to_char"] = np.array({0: Booby()}, dtype=object)
    np.savez(path, **arrays)
    return arrays


def test_distributed_file_loads_without_unpickling(tmp_path):
    chars = list("e\nt: aoTs")  # deliberately unsorted, with newline and space
    path = tmp_path / "char-rnn-snapshot.npz"
    arrays = write_distributed_file(path, chars, hidden=7)
    # The file really contains entries whose unpickling fails ...
    with np.load(path, allow_pickle=True) as f, pytest.raises(RuntimeError, match="unpickled"):
        f["char_to_ix"]
    # ... and the loader never touches them.
    snap = load_snapshot(path)
    assert snap.vocab.chars == chars
    assert snap.data_size == 268330
    assert snap.model.num_layers == 1 and snap.model.hidden_size == 7
    for name in ("Wxh", "Whh", "Why", "bh", "by"):
        np.testing.assert_array_equal(snap.model.params[name], arrays[name])
    offset = 0
    for name, value in snap.model.params.items():
        np.testing.assert_array_equal(
            snap.memory[offset:offset + value.size].reshape(value.shape), arrays["m" + name])
        offset += value.size
    assert snap.state.iteration == 0 and snap.state.hidden is None


def test_round_trip_keeps_everything(tmp_path):
    vocab = Vocabulary(list("zy\n x–é"))  # non-ASCII entries are stored as unicode
    model = CharRNN(len(vocab), 6, 2, seed=3)
    memory = np.random.default_rng(0).random(model.flat_params.shape)
    state = TrainingState(iteration=1234, position=75, smooth_loss=51.5,
                          loss_history=np.array([[100, 60.0], [200, 55.0]]),
                          hidden=np.random.default_rng(1).standard_normal((2, 3, 6)),
                          settings={"seq_length": 25, "lr": 0.05, "batch": 3, "seed": 9})
    path = tmp_path / "snap.npz"
    save_snapshot(path, Snapshot(model, vocab, memory, data_size=999, state=state))
    back = load_snapshot(path)
    assert back.vocab.chars == vocab.chars
    np.testing.assert_array_equal(back.model.flat_params, model.flat_params)
    np.testing.assert_array_equal(back.memory, memory)
    assert list(back.model.params) == list(model.params)
    assert (back.state.iteration, back.state.position, back.state.smooth_loss) == (1234, 75, 51.5)
    np.testing.assert_array_equal(back.state.loss_history, state.loss_history)
    np.testing.assert_array_equal(back.state.hidden, state.hidden)
    assert back.state.settings == {"seq_length": 25, "lr": 0.05, "batch": 3, "seed": 9}
    assert back.data_size == 999


def test_written_files_use_the_distributed_keys_and_no_pickles(tmp_path):
    vocab = Vocabulary(list("ab\n"))
    model = CharRNN(3, 4, 1)
    path = tmp_path / "snap.npz"
    save_snapshot(path, Snapshot(model, vocab, np.zeros_like(model.flat_params)))
    with np.load(path, allow_pickle=False) as f:
        for key in ("Wxh", "Whh", "Why", "bh", "by", "mWxh", "mWhh", "mWhy", "mbh", "mby",
                    "chars", "vocab_size", "data_size"):
            assert key in f.files
            f[key]  # would raise for an object array, since pickles are refused
        assert f["chars"].dtype == np.dtype("|S1")
        assert f["Wxh"].shape == (4, 3) and f["bh"].shape == (4, 1)


def test_missing_keys_and_wrong_shapes_are_reported(tmp_path):
    path = tmp_path / "bad.npz"
    np.savez(path, Wxh=np.zeros((2, 3)))
    with pytest.raises(ValueError, match="missing"):
        load_snapshot(path)
    arrays = write_distributed_file(tmp_path / "ok.npz", list("abc"), hidden=4)
    arrays["Whh"] = np.zeros((4, 5))
    np.savez(path, **{k: v for k, v in arrays.items() if v.dtype != object})
    with pytest.raises(ValueError, match="Whh has shape"):
        load_snapshot(path)


def test_pickle_module_is_not_used_by_the_loader(tmp_path, monkeypatch):
    path = tmp_path / "s.npz"
    write_distributed_file(path, list("ab"), hidden=3)

    def forbidden(*args, **kwargs):
        raise AssertionError("the loader unpickled something")

    monkeypatch.setattr(pickle, "load", forbidden)
    monkeypatch.setattr(pickle, "loads", forbidden)
    assert load_snapshot(path).vocab.chars == ["a", "b"]
