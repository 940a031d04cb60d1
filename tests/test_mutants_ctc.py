"""Plausible bugs in mytorch/ctc.py and mytorch/search.py fail exactly the steps they should, naming the slip.

CTCLoss.backward reads what CTCLoss.forward kept (the posteriors), so a lattice bug
also fails ctc_backward, whose message then points at ctc_forward; bugs in the loss
value or in backward alone fail their own step only.
"""


from tests.mutants import mutant, mutants_fail_their_steps, mutants_of_their_own, variants, variants_pass

CTC = "mytorch/ctc.py"
SEARCH = "mytorch/search.py"
FWD, BWD, GREEDY, BEAM = "ctc_forward", "ctc_backward", "greedy_search", "beam_search"
BOTH = {FWD, BWD}
CTC_STEPS = (FWD, BWD, GREEDY, BEAM)

_BACKWARD_LOOP = (
    "                nxt = beta_hat[t + 1] * y[t + 1]\n"
    "                row = nxt.copy()\n"
    "                row[:-1] += nxt[1:]\n"
    "                row[:-2] += skip * nxt[2:]\n"
    "            total = row.sum()\n"
)
_PRUNE = (
    "        ranked = sorted(list(blank_scores.values()) + list(symbol_scores.values()), reverse=True)\n"
    "        cutoff = ranked[min(BeamWidth, len(ranked)) - 1]\n"
    "        blank_kept = {p: s for p, s in blank_scores.items() if s >= cutoff}\n"
    "        symbol_kept = {p: s for p, s in symbol_scores.items() if s >= cutoff}\n"
)
_LOSS = "            losses[b] = -(log_a.sum() + np.log(alpha_hat[-1, -2:].sum()))\n"

CTC_MUTANTS = (
    # ctc_forward: the lattice
    mutant("skip connection between equal symbols", CTC, "skip_connect[3::2] = target[1:] != target[:-1]",
           "skip_connect[3::2] = 1", BOTH, ("skip_connect[b, r]", "equal symbols"), step=FWD,
           hint="also skips the blank between two equal symbols"),
    mutant("no blank to blank transition", CTC, "                row = prev.copy()\n",
           "                row = np.where(extended_symbols == self.BLANK, 0.0, prev)\n", BOTH,
           ("alpha_hat[b, t, r]", "blank to blank"), step=FWD, hint="cannot stay on itself (blank to blank)"),
    mutant("lattice starts only on the blank", CTC, "row[:2] = y[0, :2]", "row[:1] = y[0, :1]", BOTH,
           ("alpha_hat[b, t, r]", "starts only on the first blank",
            "first wrong row of alpha_hat, going forward from t = 0: sequence b = 0, t = 0 (its first row: the start)"),
           step=FWD, hint="starts only on the first blank"),
    mutant("lattice ends only on the last symbol", CTC, "row[-2:] = 1.0", "row[-2:-1] = 1.0", BOTH,
           ("beta_hat[b, t, r]", "ends only on the last symbol", "going backward from t = T - 1",
            "t = 5 (its last row: the end)"), step=FWD, hint="ends only on the last symbol"),
    mutant("beta includes the emission at t", CTC, _BACKWARD_LOOP,
           _BACKWARD_LOOP.replace("nxt = beta_hat[t + 1] * y[t + 1]", "nxt = beta_hat[t + 1]").replace(
               "            total = row.sum()\n", "            row = row * y[t]\n            total = row.sum()\n"),
           BOTH, ("beta_hat[b, t, r]", "includes y_t"), step=FWD,
           hint="includes y_t(extended_symbols[r]) in beta[t, r]"),
    mutant("scaled rows not normalised", CTC, "            alpha_hat[t] = row / total\n",
           "            alpha_hat[t] = row\n", BOTH, "alpha_hat[b, t, r]", step=FWD, hint="it is the plain alpha"),
    mutant("posteriors normalised over the whole lattice", CTC,
           "return joint / joint.sum(axis=1, keepdims=True)", "return joint / joint.sum()", BOTH,
           "gamma[b, t, r]", step=FWD, hint="normalised over the whole lattice"),
    mutant("unscaled alpha without the scales", CTC,
           "return alpha_hat * np.exp(np.cumsum(log_scale))[:, None]", "return alpha_hat", FWD, "alpha[b, t, r]",
           hint="it is alpha_hat, the scaled rows"),
    # ctc_forward: the loss
    mutant("loss is the expected divergence", CTC, _LOSS,
           "            losses[b] = -(self.gammas[-1] * np.log(probs[:, extended])).sum()\n", FWD,
           ("returned loss", "expected divergence"), hint="it is the expected divergence"),
    mutant("loss summed over the batch", CTC, "return float(losses.mean())", "return float(losses.sum())", FWD,
           ("returned loss", "sum over the batch"), hint="it is the sum over the batch"),
    mutant("loss divided by the target length", CTC, "return float(losses.mean())",
           "return float((losses / np.asarray(target_lengths)).mean())", FWD, ("returned loss", "target length"),
           hint="divided by its target length"),
    mutant("P from the final blank only", CTC, "np.log(alpha_hat[-1, -2:].sum())", "np.log(alpha_hat[-1, -1])",
           FWD, "returned loss", hint="it takes P from the final blank alone"),
    mutant("loss from unscaled probabilities", CTC, _LOSS,
           "            losses[b] = -np.log(self.ctc.get_forward_probs(probs, extended, skip)[-1, -2:].sum())\n",
           FWD, ("returned loss", "long input", "non-finite"),
           hint="the plain probabilities underflow to 0"),
    # ctc_backward
    mutant("gradient divided by the batch", CTC, "dY[:n_in, b] = -per_symbol / y",
           "dY[:n_in, b] = -per_symbol / y / len(self.input_lengths)", BWD, ("returned dY", "batch size"),
           hint="divided where a per-sample value belongs"),
    mutant("gradient sign flipped", CTC, "dY[:n_in, b] = -per_symbol / y", "dY[:n_in, b] = per_symbol / y", BWD,
           ("returned dY", "sign"), hint="a sign is flipped"),
    mutant("repeated positions overwrite each other", CTC,
           "np.add.at(per_symbol.T, extended, gamma.T)", "per_symbol[:, extended] = gamma", BWD,
           "returned dY",
           hint="each symbol gets the gamma of only one of its positions"),
    mutant("gradient without the division by y", CTC, "dY[:n_in, b] = -per_symbol / y",
           "dY[:n_in, b] = -per_symbol", BWD, ("returned dY", "with respect to log y"),
           hint="it is the gradient with respect to log y"),
    mutant("gradient with respect to the softmax scores", CTC, "dY[:n_in, b] = -per_symbol / y",
           "dY[:n_in, b] = y - per_symbol", BWD, ("returned dY", "before a softmax"),
           hint="the gradient with respect to the scores before a softmax"),
    # greedy_search
    mutant("blanks removed before merging repeats", SEARCH, "        previous = k\n",
           "        previous = k if k != 0 else previous\n", GREEDY,
           ("forward_path", "expected 'aabcc', got 'abc'", "removing the blanks before merging"),
           hint="removing the blanks before merging repeats"),
    mutant("repeats not merged", SEARCH, "        if k != 0 and k != previous:", "        if k != 0:", GREEDY,
           ("forward_path", "without merging"), hint="without merging repeated symbols"),
    mutant("greedy probability of the first step only", SEARCH, "float(np.prod(probs.max(axis=0)))",
           "float(probs.max(axis=0)[0])", GREEDY, "forward_prob", hint="the probability of the first time step alone"),
    mutant("blank taken as the first symbol", SEARCH, "symbols.append(SymbolSets[k - 1])",
           "symbols.append(SymbolSets[k % len(SymbolSets)])", GREEDY, "forward_path", hint="read one row off"),
    mutant("path returned as a list of symbols", SEARCH, '    return "".join(symbols), forward_prob',
           "    return symbols, forward_prob", GREEDY, ("forward_path must be a str", "got list"),
           hint="forward_path must be a str"),
    # beam_search
    mutant("scores returned as a list of pairs", SEARCH, "    return best_path, merged\n",
           "    return best_path, sorted(merged.items())\n", BEAM, "mergedPathScores must be a dict path -> score",
           hint="mergedPathScores must be a dict path -> score"),
    mutant("paths ending in a blank and in a symbol pruned separately", SEARCH, _PRUNE,
           "        def cut(scores):\n"
           "            ranked = sorted(scores.values(), reverse=True)\n"
           "            return ranked[min(BeamWidth, len(ranked)) - 1]\n"
           "        blank_kept = {p: s for p, s in blank_scores.items() if s >= cut(blank_scores)}\n"
           "        symbol_kept = {p: s for p, s in symbol_scores.items() if s >= cut(symbol_scores)}\n",
           BEAM, "pruning the paths ending in a blank and those ending in a symbol separately",
           hint="pruning the paths ending in a blank and those ending in a symbol separately"),
    mutant("a repeated symbol always extends the path", SEARCH, "extended = path if c == path[-1] else path + c",
           "extended = path + c", BEAM, ("bestPath", "expected 'abc', got 'aabc'"), hint="always appending the symbol"),
    mutant("final scores not merged", SEARCH, "merged[path] = merged.get(path, 0.0) + score",
           "merged[path] = score", BEAM, ("mergedPathScores", "leave out the paths ending in a blank"),
           hint="leave out the paths ending in a blank"),
    mutant("paths pruned once more after the last step", SEARCH, "    merged = dict(blank_scores)\n",
           "    ranked = sorted(list(blank_scores.values()) + list(symbol_scores.values()), reverse=True)\n"
           "    cutoff = ranked[min(BeamWidth, len(ranked)) - 1]\n"
           "    blank_scores = {p: s for p, s in blank_scores.items() if s >= cutoff}\n"
           "    symbol_scores = {p: s for p, s in symbol_scores.items() if s >= cutoff}\n"
           "    merged = dict(blank_scores)\n", BEAM, "mergedPathScores", hint="pruning once more after the last step"),
    mutant("one candidate too many survives", SEARCH, "cutoff = ranked[min(BeamWidth, len(ranked)) - 1]",
           "cutoff = ranked[min(BeamWidth, len(ranked) - 1)]", BEAM, ("width 1", "mergedPathScores"),
           hint="BeamWidth + 1 candidates"),
    mutant("best path by the smallest score", SEARCH, "best_path = max(merged, key=merged.__getitem__)",
           "best_path = min(merged, key=merged.__getitem__)", BEAM, "bestPath",
           hint="the path with the lowest merged score"),
)

CTC_VARIANTS = (
    *variants(CTC,
              ("loss from the backward side", _LOSS,
               "            again, log_b = self.ctc.get_scaled_backward_probs(probs, extended, skip)\n"
               "            losses[b] = -(log_b.sum() + np.log((again[0, :2] * probs[0, extended[:2]]).sum()))\n"),
              ("skip_connect as booleans", "skip_connect = np.zeros(len(extended_symbols), dtype=np.int64)",
               "skip_connect = np.zeros(len(extended_symbols), dtype=bool)"),
              ("extended target returned as lists", "        return extended_symbols, skip_connect\n",
               "        return list(extended_symbols), list(skip_connect)\n")),
    *variants(SEARCH,
              ("greedy with itertools.groupby",
               "    symbols = []\n    previous = 0\n    for k in best:\n"
               "        if k != 0 and k != previous:\n            symbols.append(SymbolSets[k - 1])\n"
               "        previous = k\n",
               "    import itertools\n"
               "    symbols = [SymbolSets[k - 1] for k, _ in itertools.groupby(best) if k != 0]\n"),
              ("beam cutoff by heapq.nlargest", "cutoff = ranked[min(BeamWidth, len(ranked)) - 1]",
               "cutoff = __import__('heapq').nlargest(BeamWidth, ranked)[-1]")),
)

test_mutant_fails_its_step = mutants_fail_their_steps(CTC_MUTANTS, CTC_STEPS)
test_correct_variant_passes = variants_pass(CTC_VARIANTS)


test_every_step_has_at_least_three_mutants_of_its_own = mutants_of_their_own(CTC_MUTANTS, CTC_STEPS, alone=CTC_STEPS)


def test_a_lattice_bug_in_backward_points_at_the_forward_step(tree):
    tree.replace(CTC, "row[:2] = y[0, :2]", "row[:1] = y[0, :1]")
    result = tree.run("--step", FWD, "--step", BWD)
    assert "uses ctc_forward, which failed above" in result.output(BWD)
