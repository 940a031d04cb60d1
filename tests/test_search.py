"""mytorch/search.py: the writeup's worked example, and agreement with the oracle's separately written rule."""

import numpy as np
import pytest

pytest.importorskip("torch")

from autograder.oracles.search import candidate_count_bound, exact_scores, pinned_beam
from mytorch.search import BeamSearch, GreedySearch

EXAMPLE = np.array([[0.5, 0.2, 0.6], [0.3, 0.5, 0.2], [0.2, 0.3, 0.2]])[:, :, None]


def test_the_worked_example_of_the_writeup():
    path, prob = GreedySearch(["a", "b"], EXAMPLE)
    assert path == "a" and prob == pytest.approx(0.15)
    best, scores = BeamSearch(["a", "b"], EXAMPLE, 2)
    assert best == "a"
    assert scores == pytest.approx({"a": 0.32, "b": 0.12, "ab": 0.08, "ba": 0.03})
    best, scores = BeamSearch(["a", "b"], EXAMPLE, 100)
    assert scores == pytest.approx(exact_scores(EXAMPLE[:, :, 0], ["a", "b"]))
    assert scores["a"] == pytest.approx(0.376) and scores["ab"] == pytest.approx(0.164)


def test_greedy_merges_repeats_before_dropping_blanks():
    best = [1, 1, 0, 1, 2, 0, 0, 2]  # a a - a b - - b
    y = np.full((3, len(best)), 0.1)
    y[best, np.arange(len(best))] = 0.8
    path, prob = GreedySearch(["a", "b"], y[:, :, None])
    assert path == "aabb" and prob == pytest.approx(0.8 ** len(best))


@pytest.mark.parametrize("seed", range(40))
def test_beam_search_follows_the_pinned_rule(seed):
    rng = np.random.default_rng(seed)
    K, T, width = int(rng.integers(1, 5)), int(rng.integers(1, 9)), int(rng.integers(1, 6))
    y = rng.dirichlet(np.ones(K + 1) * 0.5, size=T).T
    symbols = list("abcd"[:K])
    best, scores = BeamSearch(symbols, y[:, :, None], width)
    expected = pinned_beam(y, symbols, width)
    assert scores == pytest.approx(expected, rel=1e-12)
    assert best == max(expected, key=expected.__getitem__)
    if width >= candidate_count_bound(K, T):
        assert scores == pytest.approx(exact_scores(y, symbols), rel=1e-12)
