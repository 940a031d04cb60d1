"""What the documents tell students and contributors, in one place.

tests/test_supported.py checks every student-facing document against these facts (the
Python range, the parts of the homework and their order, the torch install line), so
that the README, the writeup and the part writeups cannot drift apart. The runner's own
version check (`autograder/runner.py`, MIN_PYTHON) is checked against STUDENT_PYTHON too.
"""

# The student path: mytorch/, hw/ without torch, autograder/runner.py, create_tarball.sh, the release.
STUDENT_PYTHON = ((3, 10), (3, 13))
# The instructor tools (tests, references, release builder, official grading) use 3.11's standard library.
INSTRUCTOR_PYTHON_MIN = (3, 11)

# The one way students are told to install torch: the CPU-only build. A plain `pip install torch`
# installs the CUDA build on Linux (gigabytes); a GPU is never needed here.
TORCH_CPU_INSTALL = "pip install torch --index-url https://download.pytorch.org/whl/cpu"
# How the runner tells a student without torch to install it.
TORCH_INSTALL = f"{TORCH_CPU_INSTALL} (the CPU-only build is enough)"

# (number, title, writeup file or None when the part is written up in handout/README.md itself), in order.
PARTS = (
    (1, "the mytorch modules", None),
    (2, "the homework programs", None),
    (3, "multiple choice", None),
    (4, "fun with RNNs, a character-level language model", "handout/char_rnn.md"),
    (5, "sequence decoding, CTC loss, greedy and beam search", "handout/ctc.md"),
    (6, "writing poems with a two-layer LSTM (torch)", "handout/poems.md"),
)

# Where written answers go: create_tarball.sh packs it with the code.
ANSWERS_FILE = "hw/answers.md"

# Every document a student reads (the release renames handout/STUDENT_README.md to README.md).
STUDENT_DOCUMENTS = (
    "handout/STUDENT_README.md",
    "handout/README.md",
    "handout/char_rnn.md",
    "handout/ctc.md",
    "handout/poems.md",
)


def python_range(versions: tuple[tuple[int, int], tuple[int, int]] = STUDENT_PYTHON) -> str:
    """-> the range as the documents write it: "Python 3.10 to 3.13"."""
    (a, b), (c, d) = versions
    return f"Python {a}.{b} to {c}.{d}"
