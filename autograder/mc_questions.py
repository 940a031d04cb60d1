"""The multiple-choice questions of the homework: text, options, and which are multi-select.

Students answer in `hw/mc.py`. This file holds no answers: the runner only
checks that each answer is well-formed, and the answers are marked against
the instructor's key at official grading (`mark` below does the marking).

Notation used throughout: batches are rows. x_t has shape (N, D), h_t^(l)
(layer l at time step t) has shape (N, H), W_ih (H, D), W_hh (H, H); f is
the activation (tanh) and z_t^(l) its pre-activation. L is a scalar loss.
"""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Question:
    """One multiple-choice question.

    number: its number in `hw/mc.py` (1-based); text: the question; options: (letter, statement) pairs in the
    order shown; multi: whether it is multi-select (answered with a list of every correct letter).
    """

    number: int
    text: str
    options: tuple[tuple[str, str], ...]  # (letter, statement)
    multi: bool  # multi-select: answer with a list of every correct letter

    @property
    def letters(self) -> tuple[str, ...]:
        """Return the option letters in the order shown, e.g. ('a', 'b', 'c', 'd')."""
        return tuple(letter for letter, _ in self.options)


QUESTIONS = (
    Question(
        1,
        "cell = torch.nn.RNNCell(10, 20); input = torch.randn(6, 3, 10); hx = torch.randn(3, 20); "
        "then `for i in range(6): hx = cell(input[i], hx)`. With T the sequence length, B the batch "
        "size, N the input size and H the hidden size, which is right?",
        (
            ("a", "T = 3, B = 6, N = 10, H = 20"),
            ("b", "T = 6, B = 3, N = 10, H = 20"),
            ("c", "T = 6, B = 3, N = 20, H = 10"),
            ("d", "T = 10, B = 3, N = 6, H = 20"),
        ),
        multi=False,
    ),
    Question(
        2,
        "rnn = torch.nn.RNN(10, 20, 2); input = torch.randn(6, 3, 10); h0 = torch.randn(2, 3, 20); "
        "output, hn = rnn(input, h0). Which statements are true? (select all that apply)",
        (
            ("a", "batch_first is False by default, so the input is read as (seq_len 6, batch 3, features 10)"),
            ("b", "batch_first is True by default, so the input is read as (batch 6, seq_len 3, features 10)"),
            ("c", "the network stacks 2 recurrent layers, which is why h0 has 2 along its first axis"),
            ("d", "the third argument, 2, is the batch size"),
            ("e", "output has shape (6, 3, 20): the last layer's hidden state at every time step"),
        ),
        multi=True,
    ),
    Question(
        3,
        "Backpropagation through time in a multi-layer RNN with "
        "h_t^(l) = f(z_t^(l)), z_t^(l) = h_t^(l-1) W_ih^(l)T + h_{t-1}^(l) W_hh^(l)T + b_ih^(l) + b_hh^(l). "
        "Which formulas are right? (select all that apply)",
        (
            (
                "a",
                "for a layer below the top and a step before the last, "
                "dL/dh_t^(l) = dL/dz_t^(l+1) W_ih^(l+1) + dL/dz_{t+1}^(l) W_hh^(l)",
            ),
            ("b", "dL/dh_t^(l) = dL/dz_t^(l+1) W_ih^(l+1): only the layer above contributes, never the next time step"),
            ("c", "dL/dz_t^(l) = dL/dh_t^(l) W_hh^(l) f'(z_t^(l)), a matrix product with the derivative"),
            ("d", "dL/dz_t^(l) = dL/dh_t^(l) ⊙ f'(z_t^(l)), elementwise (for tanh, f' = 1 - h_t^(l)²)"),
            (
                "e",
                "dL/dW_hh^(l) = Σ_t (dL/dz_t^(l))^T h_{t-1}^(l): the weights are shared, "
                "so the contributions of all time steps are summed",
            ),
            ("f", "dL/dW_hh^(l) = (dL/dz_{T-1}^(l))^T h_{T-2}^(l): only the last time step counts"),
        ),
        multi=True,
    ),
    Question(
        4,
        "With row-vector batches (x_t of shape (N, D), h_{t-1} of shape (N, H), W_ih (H, D), "
        "W_hh (H, H), b_ih and b_hh of shape (H,)), which expression is one RNN forward step?",
        (
            ("a", "h_t = tanh(W_ih x_t + W_hh h_{t-1} + b_ih + b_hh)"),
            ("b", "h_t = tanh(x_t W_ih + h_{t-1} W_hh + b_ih + b_hh)"),
            ("c", "h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)"),
            ("d", "h_t = tanh(x_t W_ih^T + b_ih) + tanh(h_{t-1} W_hh^T + b_hh)"),
        ),
        multi=False,
    ),
    Question(
        5,
        "Backward through the bias-free GRU of this homework "
        "(z = σ(Wzh h + Wzx x), r = σ(Wrh h + Wrx x), h~ = tanh(Wh (r ⊙ h) + Wx x), "
        "h_t = (1 - z) ⊙ h + z ⊙ h~, with h the previous state and all vectors columns of size H). "
        "Given δ = dL/dh_t, which formulas are right? (select all that apply)",
        (
            ("a", "dL/dWh = (δ ⊙ z ⊙ (1 - h~²)) h^T"),
            ("b", "dL/dz = δ ⊙ (h~ - h)"),
            ("c", "dL/dz = δ ⊙ (h - h~)"),
            ("d", "dL/dh~ = δ ⊙ z"),
            ("e", "dL/dh = δ ⊙ (1 - z): h reaches h_t only through the (1 - z) ⊙ h term"),
            ("f", "dL/dr = (Wh^T (δ ⊙ z ⊙ (1 - h~²))) ⊙ h"),
        ),
        multi=True,
    ),
)


def normalise(question: Question, answer: Any) -> tuple[str | None, Any]:
    """question, answer: a student's answer -> (problem or None, normalised answer).

    A single-select answer must be one of the question's letters; a multi-select
    answer a list (or tuple) of distinct letters. Letters may be in either case.
    None means "not answered yet".
    """
    if answer is None:
        return "not answered yet (it returns None)", None
    letters = question.letters
    if question.multi:
        if isinstance(answer, str) or not isinstance(answer, (list, tuple)):
            return (
                f"question {question.number} is multi-select: return a list of letters such as "
                f"['{letters[0]}', '{letters[1]}'], got {answer!r}"
            ), None
        if not answer:
            return "an empty list: at least one statement is true", None
        picked = []
        for item in answer:
            if not isinstance(item, str) or item.lower() not in letters:
                return f"{item!r} is not one of the options {', '.join(letters)}", None
            picked.append(item.lower())
        if len(set(picked)) != len(picked):
            return f"a letter appears twice in {answer!r}", None
        return None, sorted(picked)
    if not isinstance(answer, str) or answer.lower() not in letters:
        return f"expected one letter among {', '.join(letters)}, got {answer!r}", None
    return None, answer.lower()


def mark(answers: dict[int, Any], key: dict[int, Any]) -> dict[int, bool]:
    """answers, key: question number -> answer -> question number -> whether the answer matches the key.

    Multi-select answers must name exactly the key's set of letters.
    """
    marks = {}
    for q in QUESTIONS:
        problem, given = normalise(q, answers.get(q.number))
        _, expected = normalise(q, key[q.number])
        marks[q.number] = problem is None and given == expected
    return marks
