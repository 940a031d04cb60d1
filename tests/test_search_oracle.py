"""The decoder oracles: the pinned beam rule written apart, enumeration, and when each is used."""

import numpy as np
import pytest

pytest.importorskip("torch")

from autograder.oracles.search import beam_search, candidate_count_bound, compress, exact_scores, pinned_beam
from autograder.steps.search import BEAM_SPECS, build, decode


def test_compress_merges_runs_before_dropping_blanks():
    assert compress([0, 1, 1, 0, 1, 2, 2, 0]) == (1, 1, 2)
    assert compress([0, 1, 1, 0, 1, 2, 2, 0], blanks_first=True) == (1, 2)
    assert compress([0, 1, 1, 0, 1, 2, 2, 0], merge=False) == (1, 1, 1, 2, 2)


@pytest.mark.parametrize("K,T", [(1, 6), (2, 5), (3, 4)])
def test_an_unpruned_beam_is_exact(K, T):
    rng = np.random.default_rng(K * 7 + T)
    y = rng.dirichlet(np.ones(K + 1), size=T).T
    symbols = list("abc"[:K])
    exact = exact_scores(y, symbols)
    beam = pinned_beam(y, symbols, candidate_count_bound(K, T))
    assert beam.keys() == exact.keys()
    for path, score in exact.items():
        assert beam[path] == pytest.approx(score, rel=1e-12)
    assert sum(exact.values()) == pytest.approx(1.0, rel=1e-12)


@pytest.mark.parametrize("index", range(len(BEAM_SPECS)))
def test_the_oracle_agrees_with_the_pinned_rule_wherever_it_enumerates(index):
    inputs = build(np.random.default_rng(index), BEAM_SPECS[index])
    y = inputs["y_probs"][:, :, 0]
    symbols = list("abcdefghijklmnopqrstuvwxyz"[: y.shape[0] - 1])
    out = beam_search(inputs).values
    pinned = pinned_beam(y, symbols, int(inputs["beam_width"]))
    assert sorted(pinned) == sorted(decode(row) for row in out["paths"])
    order = sorted(pinned, key=lambda p: (len(p), p))
    np.testing.assert_allclose(out["scores"], [pinned[p] for p in order], rtol=1e-12)


def test_narrow_beams_lose_paths_and_slips_change_the_result():
    inputs = build(np.random.default_rng(0), BEAM_SPECS[1])  # width 2
    result = beam_search(inputs)
    out, alt = result.values, result.alternatives
    y = inputs["y_probs"][:, :, 0]
    assert len(out["paths"]) < len(exact_scores(y, list("abc")))
    assert any(alt["paths"][slip].shape != out["paths"].shape or not np.allclose(alt["scores"][slip], out["scores"])
               for slip in ("separate_prune", "prune_final", "unmerged_final"))
