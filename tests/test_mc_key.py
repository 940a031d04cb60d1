"""The multiple-choice key is demonstrated, not asserted: each entry is backed by a torch or numeric check.

Each test works out which options are true from a computation, then compares
that set with the instructor's key; the reference answers in hw/mc.py must
equal the key, and nothing students receive may contain or import it.
"""

import re

import numpy as np
import pytest

from autograder.answer_key import ANSWERS
from autograder.mc_questions import QUESTIONS, mark, normalise
from autograder.release import contents
from tests.tree import REPO

torch = pytest.importorskip("torch")
torch.set_default_dtype(torch.float64)


def question(number):
    return next(q for q in QUESTIONS if q.number == number)


def key_set(number) -> set[str]:
    answer = ANSWERS[number]
    return {answer} if isinstance(answer, str) else set(answer)


def true_options(number, truth: dict[str, bool]) -> set[str]:
    assert set(truth) == set(question(number).letters), "every option must be decided"
    return {letter for letter, ok in truth.items() if ok}


def test_q1_rnncell_loop_shapes():
    torch.manual_seed(0)
    cell = torch.nn.RNNCell(10, 20)
    inp, hx = torch.randn(6, 3, 10), torch.randn(3, 20)
    steps = 0
    for i in range(6):
        hx = cell(inp[i], hx)
        steps += 1
    facts = f"T = {steps}, B = {inp[0].shape[0]}, N = {cell.weight_ih.shape[1]}, H = {hx.shape[1]}"
    assert facts == "T = 6, B = 3, N = 10, H = 20"
    truth = {letter: text == facts for letter, text in question(1).options}
    assert true_options(1, truth) == key_set(1)


def test_q2_nn_rnn_defaults_and_layers():
    torch.manual_seed(0)
    rnn = torch.nn.RNN(10, 20, 2)
    inp, h0 = torch.randn(6, 3, 10), torch.randn(2, 3, 20)
    output, hn = rnn(inp, h0)
    # With the same weights and batch_first=True the first axis is the batch, giving another result.
    swapped = torch.nn.RNN(10, 20, 2, batch_first=True)
    swapped.load_state_dict(rnn.state_dict())
    out_bf, _ = swapped(inp, h0.new_zeros(2, 6, 20))
    truth = {
        "a": rnn.batch_first is False and output.shape[:2] == (6, 3) and out_bf.shape[:2] == (6, 3),
        "b": rnn.batch_first is True,
        "c": rnn.num_layers == 2 and h0.shape[0] == rnn.num_layers and hn.shape == (2, 3, 20),
        "d": rnn.num_layers != 2,  # the 2 is num_layers, and the batch here is 3
        "e": output.shape == (6, 3, 20) and torch.allclose(output[-1], hn[-1]),
    }
    assert true_options(2, truth) == key_set(2)


def test_q3_bptt_formulas_numerically():
    torch.manual_seed(1)
    steps, batch, d, h = 4, 3, 5, 4
    cells = [torch.nn.RNNCell(d, h), torch.nn.RNNCell(h, h)]
    x = torch.randn(steps, batch, d)
    head = torch.randn(h, 2)
    hs = [[torch.zeros(batch, h), torch.zeros(batch, h)]]
    zs = []
    for t in range(steps):
        below, row, zrow = x[t], [], []
        for layer, cell in enumerate(cells):
            z = below @ cell.weight_ih.T + cell.bias_ih + hs[t][layer] @ cell.weight_hh.T + cell.bias_hh
            z.retain_grad()
            below = torch.tanh(z)
            below.retain_grad()
            row.append(below)
            zrow.append(z)
        hs.append(row)
        zs.append(zrow)
    loss = ((hs[-1][-1] @ head) ** 2).sum()
    loss.backward()

    def dh(t, layer):
        return hs[t + 1][layer].grad

    def dz(t, layer):
        return zs[t][layer].grad

    t, layer = 1, 0  # below the top, before the last step
    two_terms = dz(t, 1) @ cells[1].weight_ih + dz(t + 1, 0) @ cells[0].weight_hh
    only_above = dz(t, 1) @ cells[1].weight_ih
    matrix_product = (dh(t, layer) @ cells[0].weight_hh) * (1 - hs[t + 1][layer] ** 2)
    elementwise = dh(t, layer) * (1 - hs[t + 1][layer] ** 2)
    summed = sum(dz(s, 1).T @ hs[s][1] for s in range(steps))
    last_only = dz(steps - 1, 1).T @ hs[steps - 1][1]
    truth = {
        "a": torch.allclose(two_terms, dh(t, layer)),
        "b": torch.allclose(only_above, dh(t, layer)),
        "c": torch.allclose(matrix_product, dz(t, layer)),
        "d": all(torch.allclose(dh(s, ly) * (1 - hs[s + 1][ly] ** 2), dz(s, ly))
                 for s in range(steps) for ly in (0, 1)),
        "e": torch.allclose(summed, cells[1].weight_hh.grad),
        "f": torch.allclose(last_only, cells[1].weight_hh.grad),
    }
    assert truth["d"] and torch.allclose(elementwise, dz(t, layer))
    assert true_options(3, truth) == key_set(3)


def test_q4_forward_expression_against_torch():
    rng = np.random.default_rng(4)
    n, d, h = 3, 5, 4
    x, hp = rng.standard_normal((n, d)), rng.standard_normal((n, h))
    w_ih, w_hh = rng.standard_normal((h, d)), rng.standard_normal((h, h))
    b_ih, b_hh = rng.standard_normal(h), rng.standard_normal(h)
    cell = torch.nn.RNNCell(d, h)
    with torch.no_grad():
        for name, value in zip(("weight_ih", "weight_hh", "bias_ih", "bias_hh"), (w_ih, w_hh, b_ih, b_hh)):
            getattr(cell, name).copy_(torch.tensor(value))
        expected = cell(torch.tensor(x), torch.tensor(hp)).numpy()
    candidates = {
        "a": lambda: np.tanh(w_ih @ x + w_hh @ hp + b_ih + b_hh),
        "b": lambda: np.tanh(x @ w_ih + hp @ w_hh + b_ih + b_hh),
        "c": lambda: np.tanh(x @ w_ih.T + b_ih + hp @ w_hh.T + b_hh),
        "d": lambda: np.tanh(x @ w_ih.T + b_ih) + np.tanh(hp @ w_hh.T + b_hh),
    }
    truth = {}
    for letter, fn in candidates.items():
        try:
            got = fn()
        except ValueError:  # the shapes do not even line up
            truth[letter] = False
            continue
        truth[letter] = got.shape == expected.shape and np.allclose(got, expected)
    assert true_options(4, truth) == key_set(4)


def test_q5_gru_gradient_formulas_numerically():
    from autograder.oracles.gru_cell import gru_step

    torch.manual_seed(5)
    d, h = 3, 4
    w = {k: torch.randn(h, h).requires_grad_() for k in ("Wzh", "Wrh", "Wh")}
    w.update({k: torch.randn(h, d).requires_grad_() for k in ("Wzx", "Wrx", "Wx")})
    x, hp = torch.randn(d), torch.randn(h).requires_grad_()
    parts = gru_step(w, x, hp)
    for name in ("z", "r", "h_tilda"):
        parts[name].retain_grad()
    delta = torch.randn(h)
    (parts["h_t"] * delta).sum().backward()
    z, r, ht = (parts[k].detach() for k in ("z", "r", "h_tilda"))
    d_a = delta * z * (1 - ht**2)
    truth = {
        "a": torch.allclose(torch.outer(d_a, hp.detach()), w["Wh"].grad),
        "b": torch.allclose(delta * (ht - hp.detach()), parts["z"].grad),
        "c": torch.allclose(delta * (hp.detach() - ht), parts["z"].grad),
        "d": torch.allclose(delta * z, parts["h_tilda"].grad),
        "e": torch.allclose(delta * (1 - z), hp.grad),
        "f": torch.allclose((w["Wh"].detach().T @ d_a) * hp.detach(), parts["r"].grad),
    }
    # The correct dWh uses r * h: the formula in option a is wrong only in that.
    assert torch.allclose(torch.outer(d_a, r * hp.detach()), w["Wh"].grad)
    assert true_options(5, truth) == key_set(5)


def test_reference_answers_equal_the_key():
    from hw import mc

    answers = {q.number: getattr(mc, f"question_{q.number}")() for q in QUESTIONS}
    assert mark(answers, ANSWERS) == {q.number: True for q in QUESTIONS}


def test_key_is_well_formed_and_marking_is_strict():
    for q in QUESTIONS:
        problem, _ = normalise(q, ANSWERS[q.number])
        assert problem is None, (q.number, problem)
        assert q.multi == (not isinstance(ANSWERS[q.number], str))
    wrong = dict(ANSWERS)
    wrong[2] = list(ANSWERS[2])[:-1]  # a subset of the right letters is not right
    wrong[4] = "a"
    assert mark(wrong, ANSWERS) == {1: True, 2: False, 3: True, 4: False, 5: True}
    assert mark({**ANSWERS, 3: [a.upper() for a in reversed(ANSWERS[3])]}, ANSWERS)[3] is True
    assert mark({}, ANSWERS) == {q.number: False for q in QUESTIONS}


@pytest.mark.parametrize("answer, ok", [("b", False), (["a"], True), (["a", "a"], False), ([], False),
                                        (["z"], False), (None, False), (("a", "e"), True)])
def test_well_formed_multi_select(answer, ok):
    assert (normalise(question(2), answer)[0] is None) == ok


def test_nothing_students_receive_imports_or_holds_the_key():
    shipped = [REPO / rel for rel in contents.shipped_sources(REPO) if rel.endswith(".py")]
    assert REPO / "autograder" / "runner.py" in shipped
    assert REPO / "autograder" / "answer_key.py" not in shipped
    for path in shipped:
        assert "answer_key" not in path.read_text(), path
    for path in [REPO / "hw" / "mc.py"]:
        outside = re.sub(r"# BEGIN SOLUTION.*?# END SOLUTION", "", path.read_text(), flags=re.S)
        assert not re.search(r"return\s+[\[\"']", outside), "an answer is outside a solution region"


def test_runner_works_without_the_key(tree):
    (tree.root / "autograder" / "answer_key.py").unlink()
    result = tree.run("--step", "mc")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "marked against the answer key at official grading" in result.output("mc")
