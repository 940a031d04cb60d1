"""Similarity with copydetect: a copy with renamed variables is flagged, independent correct code is not, and
the stubbed release's code (the template) never counts."""

import pytest

from autograder.classreport.similarity import DEFAULT_THRESHOLD, similar_pairs, student_document
from autograder.official.judging.plan import stubbed_editable
from autograder.rubric import load_rubric

TEMPLATE = stubbed_editable(load_rubric())
LIN, RNN = "mytorch/linear.py", "mytorch/rnn_cell.py"

# Two students' own Linear and RNNCell, written independently: one with matrix products, one with einsum,
# np.dot and a loop over the batch.
MATRIX = {
    (LIN, "linear_forward: Linear.forward"): """\
        self.x = x
        return x @ self.W.T + self.b
""",
    (LIN, "linear_backward: Linear.backward"): """\
        n = delta.shape[0]
        self.dW += delta.T @ self.x / n
        self.db += delta.sum(axis=0) / n
        return delta @ self.W
""",
    (RNN, "rnn_forward: RNNCell.forward"): """\
        z = x @ self.W_ih.T + self.b_ih + h @ self.W_hh.T + self.b_hh
        return self.activation(z)
""",
    (RNN, "rnn_backward: RNNCell.backward"): """\
        n = delta.shape[0]
        dz = self.activation.derivative(state=h) * delta
        self.dW_ih += dz.T @ h_prev_l / n
        self.dW_hh += dz.T @ h_prev_t / n
        self.db_ih += dz.sum(axis=0) / n
        self.db_hh += dz.sum(axis=0) / n
        dx = dz @ self.W_ih
        dh = dz @ self.W_hh
        return dx, dh
""",
}
LOOPS = {
    (LIN, "linear_forward: Linear.forward"): """\
        self.x = np.array(x, dtype=np.float64)
        out = np.dot(self.x, np.transpose(self.W))
        out = out + self.b[np.newaxis, :]
        return out
""",
    (LIN, "linear_backward: Linear.backward"): """\
        count = len(delta)
        grad_w = np.einsum('nm,nd->md', delta, self.x)
        self.dW = self.dW + grad_w / count
        self.db = self.db + np.mean(delta, axis=0)
        return np.dot(delta, self.W)
""",
    (RNN, "rnn_forward: RNNCell.forward"): """\
        pre = np.dot(x, self.W_ih.transpose()) + np.dot(h, self.W_hh.transpose())
        pre += (self.b_ih + self.b_hh)
        return np.tanh(pre)
""",
    (RNN, "rnn_backward: RNNCell.backward"): """\
        m = len(delta)
        local = (1 - np.square(h)) * delta
        self.db_ih = self.db_ih + np.mean(local, axis=0)
        self.db_hh = self.db_hh + np.mean(local, axis=0)
        for i in range(m):
            self.dW_ih += np.outer(local[i], h_prev_l[i]) / m
            self.dW_hh += np.outer(local[i], h_prev_t[i]) / m
        return np.dot(local, self.W_ih), np.dot(local, self.W_hh)
""",
}
# The matrix version copied, every variable renamed and a comment added.
RENAMES = (("dz", "grad_pre"), ("n = ", "bs = "), ("/ n\n", "/ bs\n"), ("dx", "d_in"), ("dh", "d_prev"),
           ("z = ", "pre_act = "), ("(z)", "(pre_act)"))


def handin(regions: dict[tuple[str, str], str]) -> dict[str, str]:
    """The stubbed release with these stubs (file, the stub's message) replaced by code."""
    files = dict(TEMPLATE)
    for (rel, stub), code in regions.items():
        lines = files[rel].splitlines(keepends=True)
        raise_at = next(i for i, line in enumerate(lines) if f'NotImplementedError("{stub} is not implemented' in line)
        todo_at = max(i for i in range(raise_at) if lines[i].lstrip().startswith("# TODO"))
        files[rel] = "".join(lines[:todo_at]) + code + "".join(lines[raise_at + 1:])
    return files


def renamed(regions: dict[tuple[str, str], str]) -> dict[tuple[str, str], str]:
    out = {}
    for key, code in regions.items():
        for old, new in RENAMES:
            code = code.replace(old, new)
        out[key] = "        # my own work\n" + code
    return out


def test_a_copy_with_renamed_variables_is_flagged_and_independent_code_is_not():
    original, copy, independent = handin(MATRIX), handin(renamed(MATRIX)), handin(LOOPS)
    assert copy[RNN] != original[RNN] and "grad_pre" in copy[RNN]
    pairs = similar_pairs({"ann": original, "bob": copy, "cy": independent}, TEMPLATE)
    assert [(p.a, p.b) for p in pairs] == [("ann", "bob")]
    pair = pairs[0]
    assert pair.share_a > 0.9 and pair.share_b > 0.9 and pair.overlap > 100
    assert "<mark>" in pair.html_a and "grad_pre" in pair.html_b
    # The independent pair shares something (the same exercise), but stays under the threshold.
    low = similar_pairs({"ann": original, "cy": independent}, TEMPLATE, threshold=0.01)
    assert low and max(p.share for p in low) < DEFAULT_THRESHOLD


def test_the_template_never_counts():
    stub_only = dict(TEMPLATE)
    assert student_document(stub_only, TEMPLATE) == ""
    # Two handins that only share the release's code, or one that changed nothing, are never a pair.
    pairs = similar_pairs({"ann": stub_only, "bob": dict(TEMPLATE), "cy": handin(MATRIX)}, TEMPLATE, threshold=0.01)
    assert pairs == []


@pytest.mark.parametrize("threshold", [0.2, 0.9])
def test_the_threshold_decides_which_pairs_are_listed(threshold):
    original, copy = handin(MATRIX), handin(renamed(MATRIX))
    half = handin({k: v for k, v in MATRIX.items() if k[0] == LIN} | {k: v for k, v in LOOPS.items() if k[0] == RNN})
    pairs = similar_pairs({"ann": original, "bob": copy, "half": half}, TEMPLATE, threshold)
    listed = {(p.a, p.b) for p in pairs}
    assert ("ann", "bob") in listed
    assert (("ann", "half") in listed) == (threshold < 0.9)
