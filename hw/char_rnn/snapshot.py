"""Reading and writing model snapshots in the .npz layout that char-RNN courses distribute.

A distributed snapshot holds Wxh (H, V), Whh (H, H), Why (V, H), bh (H, 1), by (V, 1), the
Adagrad memories mWxh mWhh mWhy mbh mby, ``chars`` (a byte-string array, dtype |S1, in
vocabulary order), ``vocab_size``, ``data_size``, and pickled ``char_to_ix`` / ``ix_to_char``
dicts. The pickled entries are never read here: np.load runs with allow_pickle=False and
only the named numeric keys and ``chars`` are accessed, because unpickling a file can run
arbitrary code. ``chars`` alone defines the vocabulary order; it is not sorted.

Snapshots written here use the same keys (layers above the first add Wxh_1, Whh_1, bh_1,
... and their memories), store ``chars`` as |S1 when the vocabulary is ASCII and as <U1
otherwise, and add training state for resuming: iteration, position, smooth_loss,
loss_history, hidden, and the hyperparameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hw.char_rnn.model import CharRNN
from hw.char_rnn.vocab import Vocabulary


@dataclass
class TrainingState:
    """Where training stopped, so that it can continue exactly.

    iteration:    number of updates done
    position:     offset of the next window inside each stream's segment of the text
    smooth_loss:  0.999 * old + 0.001 * loss, over all updates so far
    loss_history: array of shape (k, 2), rows (iteration, smooth_loss)
    hidden:       array of shape (L, B, H), the state carried into the next window
    settings:     hyperparameters the run was started with (seq_length, lr, batch, seed)
    """

    iteration: int = 0
    position: int = 0
    smooth_loss: float = float("nan")
    loss_history: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    hidden: np.ndarray | None = None
    settings: dict[str, float] = field(default_factory=dict)


@dataclass
class Snapshot:
    """A model with its vocabulary, optimizer memory and (optionally) training state.

    memory: flat array of shape (P,) aligned with model.flat_params (Adagrad's sum of g*g)
    """

    model: CharRNN
    vocab: Vocabulary
    memory: np.ndarray
    data_size: int = 0
    state: TrainingState = field(default_factory=TrainingState)


SETTING_KEYS = ("seq_length", "lr", "batch", "seed")


def _chars_array(chars: list[str]) -> np.ndarray:
    if all(ord(c) < 128 for c in chars):
        return np.array([c.encode("ascii") for c in chars], dtype="|S1")
    return np.array(chars, dtype="<U1")


def _decode_chars(array: np.ndarray) -> list[str]:
    if array.dtype.kind == "S":
        # One byte per entry; latin-1 maps each byte to the character with that code.
        return [bytes(b).decode("latin-1") for b in array.reshape(-1)]
    if array.dtype.kind == "U":
        return [str(c) for c in array.reshape(-1)]
    raise ValueError(f"'chars' has dtype {array.dtype}; expected a byte or unicode string array")


def save_snapshot(path: str | Path, snap: Snapshot) -> None:
    """Write snap to path (.npz, uncompressed). Contains no pickled objects."""
    model = snap.model
    # Any, not ndarray: numpy's stubs check a ** dict given to np.savez against its allow_pickle flag too.
    arrays: dict[str, Any] = {}
    offset = 0
    for name, value in model.params.items():
        arrays[name] = value
        arrays["m" + name] = snap.memory[offset : offset + value.size].reshape(value.shape)
        offset += value.size
    arrays["chars"] = _chars_array(snap.vocab.chars)
    arrays["vocab_size"] = np.array(len(snap.vocab))
    arrays["data_size"] = np.array(snap.data_size)
    state = snap.state
    arrays["iteration"] = np.array(state.iteration)
    arrays["position"] = np.array(state.position)
    arrays["smooth_loss"] = np.array(state.smooth_loss)
    arrays["loss_history"] = np.asarray(state.loss_history, dtype=np.float64).reshape(-1, 2)
    if state.hidden is not None:
        arrays["hidden"] = state.hidden
    for key in SETTING_KEYS:
        if key in state.settings:
            arrays[key] = np.array(state.settings[key])
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write then rename, so an interrupted run never leaves a truncated snapshot behind.
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez(tmp, **arrays)
    tmp.replace(path)


def load_snapshot(path: str | Path) -> Snapshot:
    """Read a snapshot written here or distributed by a course, without unpickling.

    Raises ValueError when a required key is missing or shapes disagree with each other.
    """
    with np.load(path, allow_pickle=False) as f:
        keys = set(f.files)
        missing = [k for k in ("Wxh", "Whh", "Why", "bh", "by", "chars") if k not in keys]
        if missing:
            raise ValueError(f"{path}: not a char-RNN snapshot, missing {', '.join(missing)}")
        chars = _decode_chars(f["chars"])
        num_layers = 1
        while f"Wxh_{num_layers}" in keys:
            num_layers += 1
        vocab_size, hidden_size = f["Why"].shape
        if len(chars) != vocab_size:
            raise ValueError(f"{path}: {len(chars)} chars but Why has {vocab_size} rows")
        if "vocab_size" in keys and int(f["vocab_size"]) != vocab_size:
            raise ValueError(f"{path}: vocab_size {int(f['vocab_size'])} disagrees with Why")
        model = CharRNN(vocab_size, hidden_size, num_layers)
        memory = np.zeros_like(model.flat_params)
        offset = 0
        for name, value in model.params.items():
            stored = np.asarray(f[name], dtype=np.float64)
            if stored.shape != value.shape:
                raise ValueError(f"{path}: {name} has shape {stored.shape}, expected {value.shape}")
            value[...] = stored
            if "m" + name in keys:
                memory[offset : offset + value.size] = np.asarray(f["m" + name], dtype=np.float64).reshape(-1)
            offset += value.size
        state = TrainingState()
        if "iteration" in keys:
            state.iteration = int(f["iteration"])
            state.position = int(f["position"])
            state.smooth_loss = float(f["smooth_loss"])
            state.loss_history = np.asarray(f["loss_history"], dtype=np.float64).reshape(-1, 2)
            state.hidden = np.asarray(f["hidden"]) if "hidden" in keys else None
            state.settings = {k: f[k].item() for k in SETTING_KEYS if k in keys}
        data_size = int(f["data_size"]) if "data_size" in keys else 0
    return Snapshot(model=model, vocab=Vocabulary(chars), memory=memory, data_size=data_size, state=state)
