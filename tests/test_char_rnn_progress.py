"""The progress display: a bar on a terminal, plain lines in logs, and no stale bar above a sample."""
import io
import sys

from hw.char_rnn.progress import ProgressBar, is_terminal
from hw.char_rnn.train import TrainConfig, new_snapshot, train
from hw.char_rnn.vocab import Vocabulary

TEXT = "First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n\n" * 10


class Terminal(io.StringIO):
    """Output that says it is an interactive terminal."""

    def isatty(self) -> bool:
        return True


def screen(written: str) -> list[str]:
    """What a terminal shows for `written`: a carriage return moves back to the line's start."""
    lines = []
    for raw in written.split("\n"):
        shown: list[str] = []
        col = 0
        for frame_start, frame in enumerate(raw.split("\r")):
            if frame_start:
                col = 0
            for ch in frame:
                if col < len(shown):
                    shown[col] = ch
                else:
                    shown.append(ch)
                col += 1
        lines.append("".join(shown).rstrip())
    return lines


def test_terminal_detection():
    assert is_terminal(Terminal())
    assert not is_terminal(io.StringIO())
    closed = io.StringIO()
    closed.close()
    assert not is_terminal(closed)
    assert not is_terminal(object())


def test_a_log_gets_plain_lines_every_tenth_of_the_run():
    log = io.StringIO()
    bar = ProgressBar(100, start=200, stream=log, min_interval=0.0)
    for done in range(1, 101):
        bar.update(done, 50.0 - done / 10)
    bar.close(40.0)
    lines = log.getvalue().splitlines()
    assert "\r" not in log.getvalue()
    assert [line.split()[1] for line in lines] == [f"{200 + k}/300" for k in range(10, 101, 10)]
    assert lines[-1].startswith("update 300/300  smooth loss 40.000")


def test_the_bar_shows_position_rate_and_smooth_loss():
    term = Terminal()
    bar = ProgressBar(10, start=5, stream=term)
    bar.update(4, 51.25, force=True)
    bar.close(50.5)
    frames = term.getvalue().split("\r")
    assert "9/15" in frames[1] and "it/s" in frames[1] and "smooth loss   51.250" in frames[1]
    assert "15/15" in frames[2] and frames[2].endswith("50.500\n")


def test_a_terminal_gets_one_bar_redrawn_in_place():
    term = Terminal()
    bar = ProgressBar(50, stream=term, min_interval=0.0)
    for done in range(1, 51):
        bar.update(done, 3.0)
    bar.close(3.0)
    assert term.getvalue().count("\r") >= 50
    shown = [line for line in screen(term.getvalue()) if line]
    assert len(shown) == 1 and shown[0].startswith("[" + "#" * 30 + "] 50/50")


def test_training_on_a_terminal_leaves_no_stale_bar_above_samples(tmp_path, monkeypatch):
    term = Terminal()
    monkeypatch.setattr(sys, "stderr", term)  # where the bar goes
    vocab = Vocabulary.from_text(TEXT)
    config = TrainConfig(hidden_size=8, seq_length=10, sample_every=20, sample_length=20, snapshot_every=0)
    train(new_snapshot(vocab, len(TEXT), config), vocab.encode(TEXT), config, 60, tmp_path, "test",
          log=term, plot=False)
    shown = [line for line in screen(term.getvalue()) if line]
    bars = [i for i, line in enumerate(shown) if "it/s" in line]
    # Exactly one bar remains, after the last sample (update 60) and before the closing lines.
    assert len(bars) == 1, shown
    assert max(i for i, line in enumerate(shown) if line.startswith("--- update ")) < bars[0]
