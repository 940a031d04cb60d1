"""Plausible student bugs in the newer steps (LSTM, CTC, decoding, the poem homework), written from the writeups.

These were written from handout/*.md and the docstrings of the student files,
before the catalogs of known bugs were extended for them, to measure how many
bugs the runner names that its catalogs were not written for
(`python benchmarks/hint_rate.py --corpus new`). Each names the phrase the
hint that names its cause must contain. Grouped by step; `fails` is every step
the bug fails (the inspected step first in sorted order unless `step` says).
"""

from tests.mutants import Mutant, mutant, variants

LSTM = "mytorch/lstm_cell.py"
CTC = "mytorch/ctc.py"
SEARCH = "mytorch/search.py"
PRE = "hw/poems/preprocess.py"
MODEL = "hw/poems/model.py"
GEN = "hw/poems/generate.py"
BPTT = "hw/poems/bptt.py"
LF, LB = "lstm_forward", "lstm_backward"
FWD, BWD, GREEDY, BEAM = "ctc_forward", "ctc_backward", "greedy_search", "beam_search"
PREPROCESS, FORWARD, GENERATE, SUMS = "poems_preprocess", "poem_model", "poem_generate", "poem_bptt"
BOTH_L, BOTH_C, BOTH_P = {LF, LB}, {FWD, BWD}, {FORWARD, GENERATE}

_C_NEW = "(self.f * self.c + self.i * self.g)"
_PRUNE = (
    "        ranked = sorted(list(blank_scores.values()) + list(symbol_scores.values()), reverse=True)\n"
    "        cutoff = ranked[min(BeamWidth, len(ranked)) - 1]\n"
    "        blank_kept = {p: s for p, s in blank_scores.items() if s >= cutoff}\n"
    "        symbol_kept = {p: s for p, s in symbol_scores.items() if s >= cutoff}\n"
)
_GREEDY_LOOP = (
    "        if k != 0 and k != previous:\n"
    "            symbols.append(SymbolSets[k - 1])\n"
)

NEW_STEP_MUTANTS: tuple[Mutant, ...] = (
    # lstm_forward
    mutant("lstm g through a sigmoid", LSTM, "self.g = self.tanh(a[:, 2 * H : 3 * H])",
           "self.g = self.sigmoid(a[:, 2 * H : 3 * H])", BOTH_L, (), step=LF, hint="the cell candidate g is a tanh"),
    mutant("lstm o through a tanh", LSTM, "self.o = self.sigmoid(a[:, 3 * H : 4 * H])",
           "self.o = self.tanh(a[:, 3 * H : 4 * H])", BOTH_L, (), step=LF, hint="the output gate o is a sigmoid"),
    mutant("lstm h_new from the previous cell state", LSTM, "self.tanh_c_new = self.tanh(c_new)",
           "self.tanh_c_new = self.tanh(c)", BOTH_L, (), step=LF, hint="tanh of the previous cell state c"),
    mutant("lstm c_new without the input gate", LSTM, "c_new = self.f * c + self.i * self.g",
           "c_new = self.f * c + self.g", BOTH_L, (), step=LF, hint="the input gate i is missing"),
    mutant("lstm forward without b_hh", LSTM, "a = x @ self.W_ih.T + self.b_ih + h @ self.W_hh.T + self.b_hh",
           "a = x @ self.W_ih.T + self.b_ih + h @ self.W_hh.T", BOTH_L, (), step=LF,
           hint="the bias b_hh is missing"),
    mutant("lstm c_new with the forget and input gates swapped", LSTM, "c_new = self.f * c + self.i * self.g",
           "c_new = self.i * c + self.f * self.g", BOTH_L, (), step=LF, hint="the input and forget gates are swapped"),
    # lstm_backward
    mutant("lstm dc without the forget gate", LSTM, "dc = dc_total * f", "dc = dc_total", LB, (),
           hint="dc is dc_total"),
    mutant("lstm forget-gate derivative from the new cell state", LSTM, "d_f = dc_total * self.c",
           f"d_f = dc_total * {_C_NEW}", LB, (), hint="d_f uses c_new where the previous cell state c belongs"),
    mutant("lstm tanh derivative at the pre-activation c_new", LSTM,
           "dc_total = dc_new + dh_new * o * self.tanh.derivative(state=tanh_c_new)",
           f"dc_total = dc_new + dh_new * o * (1 - {_C_NEW} ** 2)", LB, (),
           hint="1 - c_new² where 1 - tanh(c_new)² belongs"),
    mutant("lstm dc_total without dc_new", LSTM,
           "dc_total = dc_new + dh_new * o * self.tanh.derivative(state=tanh_c_new)",
           "dc_total = dh_new * o * self.tanh.derivative(state=tanh_c_new)", LB, (),
           hint="dc_new (the gradient from the next step) is missing"),
    mutant("lstm d_o from c_new", LSTM, "d_o = dh_new * tanh_c_new", f"d_o = dh_new * {_C_NEW}", LB, (),
           hint="d_o uses c_new where tanh(c_new) belongs"),
    mutant("lstm g derivative as a sigmoid", LSTM, "d_a_g = d_g * self.tanh.derivative(state=g)",
           "d_a_g = d_g * self.sigmoid.derivative(state=g)", LB, (), hint="g is a tanh: its derivative is 1 - g²"),
    mutant("lstm d_i and d_g swapped", LSTM, "d_i = dc_total * g", "d_i = dc_total * i", LB, (),
           hint="d_i is dc_total * i"),
    mutant("lstm returns dc_total as dc", LSTM, "return dx, dh, dc", "return dx, dh, dc_total", LB, (),
           hint="dc is dc_total"),
    mutant("lstm dW_ih summed over the batch", LSTM, "self.dW_ih += d_a.T @ self.x / batch_size",
           "self.dW_ih += d_a.T @ self.x", LB, (), hint="a sum where a batch mean belongs"),
    mutant("lstm db_hh assigned", LSTM, "self.db_hh += d_a.sum(axis=0) / batch_size",
           "self.db_hh = d_a.sum(axis=0) / batch_size", LB, (), hint="gradients must accumulate (+=)"),
    # ctc_forward: the lattice
    mutant("ctc skip flag where equal symbols are", CTC, "skip_connect[3::2] = target[1:] != target[:-1]",
           "skip_connect[3::2] = target[1:] == target[:-1]", BOTH_C, (), step=FWD,
           hint="skip flags set where the symbols are equal"),
    mutant("ctc extended target without the final blank", CTC,
           "extended_symbols = np.full(2 * len(target) + 1, self.BLANK, dtype=np.int64)",
           "extended_symbols = np.full(2 * len(target), self.BLANK, dtype=np.int64)", BOTH_C, (), step=FWD,
           hint="a blank before, between and after"),
    mutant("ctc log_scale holds the sums", CTC, "        return alpha_hat, np.log(totals)\n",
           "        return alpha_hat, totals\n", BOTH_C, (), step=FWD, hint="log_scale holds the sums themselves"),
    mutant("ctc beta log_scale holds the sums", CTC, "        return beta_hat, np.log(totals)\n",
           "        return beta_hat, totals\n", FWD, (), hint="log_scale holds the sums themselves"),
    mutant("ctc beta initialised one position early", CTC, "row[-2:] = 1.0", "row[-3:-1] = 1.0", BOTH_C, (),
           step=FWD, hint="beta ending one position early"),
    mutant("ctc alpha initialised one position late", CTC, "row[:2] = y[0, :2]", "row[1:3] = y[0, 1:3]", BOTH_C,
           (), step=FWD, hint="alpha starting one position late"),
    mutant("ctc alpha without the skip transition", CTC, "                row[2:] += skip * prev[:-2]\n", "",
           BOTH_C, (), step=FWD, hint="without the skip from r - 2"),
    mutant("ctc alpha skips everywhere", CTC, "                row[2:] += skip * prev[:-2]\n",
           "                row[2:] += prev[:-2]\n", BOTH_C, (), step=FWD, hint="skip_connect is ignored"),
    mutant("ctc alpha with the previous step's emission", CTC, "                row *= y_t\n",
           "                row *= y[t - 1]\n", BOTH_C, (), step=FWD, hint="alpha taking y_{t-1} where y_t belongs"),
    mutant("ctc beta with the emission of t", CTC, "nxt = beta_hat[t + 1] * y[t + 1]", "nxt = beta_hat[t + 1] * y[t]",
           BOTH_C, (), step=FWD, hint="beta taking y_t where y_{t+1} belongs"),
    mutant("ctc beta without the skip transition", CTC, "                row[:-2] += skip * nxt[2:]\n", "",
           BOTH_C, (), step=FWD, hint="without the skip from r - 2"),
    mutant("ctc beta skip read at r", CTC, "                row[:-2] += skip * nxt[2:]\n",
           "                row[:-2] += np.asarray(skip_connect[:-2], dtype=np.float64) * nxt[2:]\n", BOTH_C, (),
           step=FWD, hint="skip_connect[r] where skip_connect[r + 2] belongs"),
    mutant("ctc gamma not normalised", CTC, "return joint / joint.sum(axis=1, keepdims=True)", "return joint",
           BOTH_C, (), step=FWD, hint="each row of gamma sums to 1"),
    mutant("ctc probabilities read batch-first", CTC, "probs = logits[:n_in, b]", "probs = logits[b, :n_in]",
           BOTH_C, (), step=FWD, hint="batch-first"),
    # ctc_forward: the loss
    mutant("ctc loss divided by the input length", CTC,
           "losses[b] = -(log_a.sum() + np.log(alpha_hat[-1, -2:].sum()))",
           "losses[b] = -(log_a.sum() + np.log(alpha_hat[-1, -2:].sum())) / n_in", FWD, (),
           hint="divided by its input length"),
    mutant("ctc loss without the last row's sum", CTC,
           "losses[b] = -(log_a.sum() + np.log(alpha_hat[-1, -2:].sum()))", "losses[b] = -log_a.sum()", FWD, (),
           hint="the whole last row of alpha"),
    mutant("ctc loss of the last sequence only", CTC, "return float(losses.mean())", "return float(losses[-1])",
           FWD, (), hint="the last sequence of the batch alone"),
    # ctc_backward
    mutant("ctc backward from unnormalised gamma", CTC,
           "self.gammas.append(self.ctc.get_posterior_probs(alpha_hat, beta_hat))",
           "self.gammas.append(alpha_hat * beta_hat)", BWD, (), hint="gamma not normalised"),
    mutant("ctc backward divides by y squared", CTC, "dY[:n_in, b] = -per_symbol / y",
           "dY[:n_in, b] = -per_symbol / y ** 2", BWD, (), hint="divided by y twice"),
    mutant("ctc backward blank only", CTC, "np.add.at(per_symbol.T, extended, gamma.T)",
           "per_symbol[:, 0] = gamma[:, 0::2].sum(axis=1)", BWD, (), hint="only the blank"),
    # greedy_search
    mutant("greedy last class as the blank", SEARCH, _GREEDY_LOOP,
           "        if k != len(SymbolSets) and k != previous:\n"
           "            symbols.append(SymbolSets[k])\n", GREEDY, (), hint="the blank is row 0"),
    mutant("greedy returns a log-probability", SEARCH, "float(np.prod(probs.max(axis=0)))",
           "float(np.sum(np.log(probs.max(axis=0))))", GREEDY, (), hint="the log of forward_prob"),
    mutant("greedy sums the probabilities", SEARCH, "float(np.prod(probs.max(axis=0)))",
           "float(np.sum(probs.max(axis=0)))", GREEDY, (), hint="a sum over the time steps"),
    mutant("greedy mean probability", SEARCH, "float(np.prod(probs.max(axis=0)))",
           "float(np.mean(probs.max(axis=0)))", GREEDY, (), hint="the mean over the time steps"),
    mutant("greedy reads the batch axis as time", SEARCH, "    probs = y_probs[:, :, 0]\n    best",
           "    probs = y_probs[:, 0, :]\n    best", GREEDY, (), hint="decoding the first time step alone"),
    mutant("greedy probability of the blank-free steps", SEARCH, "float(np.prod(probs.max(axis=0)))",
           "float(np.prod(probs.max(axis=0)[probs.argmax(axis=0) != 0]))", GREEDY, (),
           hint="leaves out the steps whose best class is the blank"),
    mutant("greedy keeps the blank as a symbol", SEARCH, _GREEDY_LOOP,
           "        if k != previous:\n            symbols.append(SymbolSets[k - 1])\n", GREEDY, (),
           hint="the blank is row 0"),
    # beam_search
    mutant("beam keeps the first BeamWidth of a sorted list (ties dropped)", SEARCH, _PRUNE,
           "        everything = [(s, p, True) for p, s in blank_scores.items()] + "
           "[(s, p, False) for p, s in symbol_scores.items()]\n"
           "        everything.sort(key=lambda e: -e[0])\n"
           "        kept = everything[:BeamWidth]\n"
           "        blank_kept = {p: s for s, p, b in kept if b}\n"
           "        symbol_kept = {p: s for s, p, b in kept if not b}\n", BEAM, (),
           hint="ties at the cutoff all survive"),
    mutant("beam overwrites blank-ending scores", SEARCH,
           "blank_scores[path] = blank_scores.get(path, 0.0) + score * probs[0, t]",
           "blank_scores[path] = score * probs[0, t]", BEAM, (), hint="add their scores"),
    mutant("beam overwrites symbol-ending scores", SEARCH,
           "symbol_scores[extended] = symbol_scores.get(extended, 0.0) + score * probs[k + 1, t]",
           "symbol_scores[extended] = score * probs[k + 1, t]", BEAM, (), hint="add their scores"),
    mutant("beam prunes one candidate too many", SEARCH, "cutoff = ranked[min(BeamWidth, len(ranked)) - 1]",
           "cutoff = ranked[max(min(BeamWidth, len(ranked)) - 2, 0)]", BEAM, (),
           hint="BeamWidth - 1 candidates"),
    mutant("beam strict cutoff", SEARCH, "blank_kept = {p: s for p, s in blank_scores.items() if s >= cutoff}\n"
           "        symbol_kept = {p: s for p, s in symbol_scores.items() if s >= cutoff}",
           "blank_kept = {p: s for p, s in blank_scores.items() if s > cutoff}\n"
           "        symbol_kept = {p: s for p, s in symbol_scores.items() if s > cutoff}", BEAM, (),
           hint="BeamWidth - 1 candidates"),
    mutant("beam keeps BeamWidth + 1", SEARCH, "cutoff = ranked[min(BeamWidth, len(ranked)) - 1]",
           "cutoff = ranked[min(BeamWidth + 1, len(ranked)) - 1]", BEAM, (), hint="BeamWidth + 1 candidates"),
    mutant("beam never prunes", SEARCH, "cutoff = ranked[min(BeamWidth, len(ranked)) - 1]",
           "cutoff = ranked[-1]", BEAM, (), hint="nothing is pruned"),
    mutant("beam merges a repeat after a blank", SEARCH,
           "                symbol_scores[path + c] = symbol_scores.get(path + c, 0.0) + score * probs[k + 1, t]\n",
           "                ext = path if path.endswith(c) else path + c\n"
           "                symbol_scores[ext] = symbol_scores.get(ext, 0.0) + score * probs[k + 1, t]\n",
           BEAM, (), hint="after a blank, a repeated symbol starts a new one"),
    mutant("beam always extends a repeated symbol", SEARCH, "extended = path if c == path[-1] else path + c",
           "extended = path + c", BEAM, (), hint="a repeated symbol after a symbol extends nothing"),
    mutant("beam keeps log-scores", SEARCH, "merged = {path: float(score) for path, score in merged.items()}",
           "merged = {path: float(np.log(score)) for path, score in merged.items()}", BEAM, (),
           hint="the logs of the merged scores"),
    mutant("beam best path among the blank-ending paths", SEARCH, "best_path = max(merged, key=merged.__getitem__)",
           "best_path = max(blank_scores, key=blank_scores.__getitem__)", BEAM, (),
           hint="the best among the paths ending in a blank"),
    mutant("beam starts the blank path at 1", SEARCH, 'blank_scores = {"": probs[0, 0]}', 'blank_scores = {"": 1.0}',
           BEAM, (), hint="the empty path starts at y_probs[0, 0, 0]"),
    mutant("beam returns only the blank-ending scores", SEARCH,
           "    for path, score in symbol_scores.items():\n        merged[path] = merged.get(path, 0.0) + score\n",
           "", BEAM, (), hint="leave out the paths ending in a symbol"),
    # poems_preprocess
    mutant("title split at the last colon", PRE, 'content = line.split(":", 1)[1] if ":" in line else line',
           'content = line.split(":")[-1]', PREPROCESS, (), hint="the first ':'"),
    mutant("vocabulary by most_common", PRE, "words = sorted(counts, key=lambda c: (-counts[c], ord(c))) + [PAD]",
           "words = [c for c, _ in counts.most_common()] + [PAD]", PREPROCESS, (),
           hint="ties by first appearance"),
    mutant("length bounds exclusive", PRE, "if not min_length <= len(content) <= max_length:",
           "if len(content) <= min_length or len(content) >= max_length:", PREPROCESS, (),
           hint="both bounds are inclusive"),
    mutant("PAD placed first", PRE, "words = sorted(counts, key=lambda c: (-counts[c], ord(c))) + [PAD]",
           "words = [PAD] + sorted(counts, key=lambda c: (-counts[c], ord(c)))", PREPROCESS, (),
           hint="PAD goes last"),
    mutant("whitespace kept inside a poem", PRE, 'content = "".join(content.split())', "content = content.strip()",
           PREPROCESS, (), hint="whitespace"),
    mutant("ties broken by descending code", PRE, "key=lambda c: (-counts[c], ord(c))",
           "key=lambda c: (-counts[c], -ord(c))", PREPROCESS, (), hint="ties in decreasing code point order"),
    mutant("skip characters not checked", PRE, "if any(c in content for c in skip + START_TOKEN + END_TOKEN):",
           "if any(c in content for c in START_TOKEN + END_TOKEN):", PREPROCESS, (), hint="skip characters"),
    mutant("no start and end tokens", PRE, "return START_TOKEN + content + END_TOKEN", "return content",
           PREPROCESS, (), hint="G at the start and E at the end"),
    mutant("no minimum length", PRE, "if not min_length <= len(content) <= max_length:",
           "if len(content) > max_length:", PREPROCESS, (), hint="min_length"),
    mutant("characters counted once per poem", PRE, "counts = Counter(c for poem in poems for c in poem)",
           "counts = Counter(c for poem in poems for c in set(poem))", PREPROCESS, (),
           hint="once per poem"),
    # poem_model
    mutant("model keeps its LSTM state in an attribute", MODEL,
           "output, _ = self.rnn_lstm(batch_input, (zeros, zeros))",
           "state = getattr(self, 'state', None)\n"
           "        if state is None or state[0].shape[1] != batch_size:\n"
           "            state = (zeros, zeros)\n"
           "        output, kept = self.rnn_lstm(batch_input, state)\n"
           "        self.state = tuple(s.detach() for s in kept)", BOTH_P, (), step=FORWARD,
           hint="every call must start from zero hidden and cell states"),
    mutant("model returns every row at test time", MODEL, "return logits[-1:, :]", "return logits", BOTH_P, (),
           step=FORWARD, hint="with is_test=True return the last step's row"),
    mutant("model log-softmax on the logits", MODEL, "logits = self.fc(output.reshape(-1, self.lstm_dim))",
           "logits = torch.log_softmax(self.fc(output.reshape(-1, self.lstm_dim)), dim=1)", FORWARD, (),
           hint="log-softmax"),
    mutant("model logits of the last time step only", MODEL, "logits = self.fc(output.reshape(-1, self.lstm_dim))",
           "logits = self.fc(output[:, -1, :])", BOTH_P, (), step=FORWARD, hint="every time step"),
    mutant("model tanh on the logits", MODEL, "logits = self.fc(output.reshape(-1, self.lstm_dim))",
           "logits = torch.tanh(self.fc(output.reshape(-1, self.lstm_dim)))", FORWARD, (), hint="no tanh"),
    # poem_generate
    mutant("generation without the start token", GEN, "indices = to_indices(START_TOKEN + begin_word, word_int_map)",
           "indices = to_indices(begin_word, word_int_map) or to_indices(START_TOKEN, word_int_map)", GENERATE, (),
           hint="the start token G"),
    mutant("generation does not feed the choice back", GEN, "        indices.append(nxt)\n", "", GENERATE, (),
           hint="fed back"),
    mutant("generation reads the first row in training mode", GEN,
           "nxt = choose(model(sentence, 1, is_test=True)[0], temperature, generator)",
           "nxt = choose(model(sentence, 1)[0], temperature, generator)", GENERATE, (),
           hint="the first row"),
    mutant("generation without the begin word", GEN, "    poem = begin_word\n", '    poem = ""\n', GENERATE, (),
           hint="begins with the begin word"),
    mutant("generation stops one character early", GEN, "while len(poem) < max_length:",
           "while len(poem) < max_length - 1:", GENERATE, (), hint="max_length characters"),
    # poem_bptt
    mutant("bptt sums over k where t belongs", BPTT, "per_step = deltas.sum(axis=0)", "per_step = deltas.sum(axis=1)",
           SUMS, (), hint="summed over the wrong index"),
    mutant("bptt diagonal only", BPTT, "per_step = deltas.sum(axis=0)",
           "per_step = np.diagonal(deltas).T", SUMS, (), hint="only the diagonal"),
    mutant("bptt last loss only", BPTT, "per_step = deltas.sum(axis=0)", "per_step = deltas[-1]", SUMS, (),
           hint="only the last step's loss"),
    mutant("bptt inputs one step late", BPTT, "dW = per_step.T @ xs", "dW = per_step.T @ np.roll(xs, -1, axis=0)",
           SUMS, (), hint="x_{k+1} where x_k belongs"),
    mutant("bptt db of the last step", BPTT, "db = per_step.sum(axis=0)", "db = per_step[-1]", SUMS, (),
           hint="db holds only the last step"),
)

# Numerically right answers in another form the course's own code gives: they must pass.
NEW_STEP_VARIANTS = (
    *variants(SEARCH,
              ("greedy probability as a 1-element array", "float(np.prod(probs.max(axis=0)))",
               "np.prod(y_probs.max(axis=0), axis=0)"),
              ("beam scores as 1-element arrays", "merged = {path: float(score) for path, score in merged.items()}",
               "merged = {path: np.array([score]) for path, score in merged.items()}"),
              ("greedy probability as a numpy scalar", "float(np.prod(probs.max(axis=0)))",
               "np.prod(probs.max(axis=0))"),
              ("greedy result as a list", '    return "".join(symbols), forward_prob',
               '    return ["".join(symbols), forward_prob]')),
    *variants(CTC,
              ("ctc loss as a numpy scalar", "return float(losses.mean())", "return losses.mean()"),
              ("ctc loss as a 1-element array", "return float(losses.mean())", "return losses.mean(keepdims=True)")),
    *variants(PRE,
              ("vocabulary maps with numpy integers", "int_word_map = dict(enumerate(words))",
               "int_word_map = {__import__('numpy').int64(i): w for i, w in enumerate(words)}\n"
               "    word_int_map = {w: __import__('numpy').int64(i) for w, i in word_int_map.items()}")),
)
