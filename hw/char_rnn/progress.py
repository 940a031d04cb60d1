"""Training progress: a bar redrawn in place on a terminal, plain lines in a log."""

from __future__ import annotations

import math
import sys
import time
from typing import TextIO


def is_terminal(stream: TextIO) -> bool:
    """Whether stream is an interactive terminal (False for files, pipes and closed streams)."""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


class ProgressBar:
    """Updates done, updates per second and the smooth loss.

    On a terminal one status line is redrawn in place (at most every min_interval
    seconds). Anywhere else (output redirected to a file, CI) carriage-return frames would
    pile up in the log, so a plain line is written after every tenth of the run instead.
    The rate is for display only and never stored.

    total: number of updates this run will do
    start: the iteration count the run starts from (non-zero when resuming)
    stream: where to write (default sys.stderr)
    """

    def __init__(
        self,
        total: int,
        start: int = 0,
        stream: TextIO | None = None,
        width: int = 30,
        min_interval: float = 0.2,
        lines: int = 10,
    ) -> None:
        """Set up the bar; nothing is drawn until the first update."""
        self.total = total
        self.start = start
        self.stream = stream if stream is not None else sys.stderr
        self.interactive = is_terminal(self.stream)
        self.width = width
        self.min_interval = min_interval
        self.line_every = max(1, math.ceil(total / lines))
        self._t0 = time.perf_counter()
        self._last_draw = float("-inf")
        self._drawn = 0  # characters of the bar now on the terminal line
        self._last_line = -1  # `done` of the last plain line

    def _rate(self, done: int) -> float:
        return done / max(time.perf_counter() - self._t0, 1e-9)

    def update(self, done: int, smooth_loss: float, force: bool = False) -> None:
        """done: updates finished in this run (0..total)."""
        if not self.interactive:
            if (done % self.line_every == 0 or done == self.total or force) and done != self._last_line:
                self._last_line = done
                self.stream.write(
                    f"update {self.start + done}/{self.start + self.total}  "
                    f"smooth loss {smooth_loss:.3f}  {self._rate(done):.1f} it/s\n"
                )
                self.stream.flush()
            return
        now = time.perf_counter()
        if not force and now - self._last_draw < self.min_interval:
            return
        self._last_draw = now
        filled = int(self.width * done / max(self.total, 1))
        bar = "#" * filled + "." * (self.width - filled)
        text = (
            f"[{bar}] {self.start + done}/{self.start + self.total} "
            f"{self._rate(done):8.1f} it/s  smooth loss {smooth_loss:8.3f}"
        )
        self.stream.write("\r" + text)
        self._drawn = len(text)
        self.stream.flush()

    def clear(self) -> None:
        """Blank the bar's line on a terminal, so that other output starts on a clean line.

        The next update() draws the bar again below that output.
        """
        if self.interactive and self._drawn:
            self.stream.write("\r" + " " * self._drawn + "\r")
            self.stream.flush()
            self._drawn = 0
            self._last_draw = float("-inf")

    def close(self, smooth_loss: float) -> None:
        """Show the final state; on a terminal, end the bar's line."""
        self.update(self.total, smooth_loss, force=True)
        if self.interactive:
            self.stream.write("\n")
            self.stream.flush()
