"""The loss chart: its title fits the figure, whatever the corpus name."""
import numpy as np
import pytest

from hw.char_rnn.corpus import load_text
from hw.char_rnn.plot import fit_title, loss_figure, save_loss_plot

pytest.importorskip("matplotlib")

HISTORY = np.array([[100.0, 90.0], [200.0, 80.0], [300.0, 75.0]])


def title_box(fig):
    fig.canvas.draw()
    return fig.axes[0].title.get_window_extent(fig.canvas.get_renderer())


@pytest.mark.parametrize("corpus", [
    load_text(None)[1],  # "pydoc-topics (CPython's pydoc_data.topics, 464970 characters)"
    "/home/someone/courses/deep-learning/homework/data/shakespeare_train_full_edition.txt (5458199 characters)",
])
def test_title_fits_the_figure(corpus):
    title = f"char-RNN smooth loss, {corpus}"
    fig = loss_figure(HISTORY, title)
    box, width = title_box(fig), fig.bbox.width
    assert box.x0 >= 0 and box.x1 <= width, (box, width)
    assert "".join(fig.axes[0].get_title().split()) == "".join(title.split())  # only broken into lines
    # Without the line breaks the same title would not fit: the case is a real one.
    fig.axes[0].set_title(title)
    assert title_box(fig).width > width


def test_short_titles_stay_on_one_line():
    assert fit_title("char-RNN smooth loss, tiny.txt (800 characters)", 7.0) == \
        "char-RNN smooth loss, tiny.txt (800 characters)"


def test_the_png_is_written(tmp_path):
    assert save_loss_plot(HISTORY, tmp_path / "loss.png", "a title") == f"wrote {tmp_path / 'loss.png'}"
    assert (tmp_path / "loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
