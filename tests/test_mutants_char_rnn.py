"""Plausible student bugs in hw/char_rnn fail exactly the steps they should, naming the tensor.

complete() hands over to sample() after the starter, so a bug in sampling also fails
char_rnn_complete (whose message then points at char_rnn_sample); bugs in the starter
handling fail char_rnn_complete alone.
"""

from tests.mutants import mutant, mutants_fail_their_steps, mutants_of_their_own, variants, variants_pass

MODEL = "hw/char_rnn/model.py"
SAMPLING = "hw/char_rnn/sampling.py"
LOSS, BACKWARD = "char_rnn_loss", "char_rnn_backward"
SAMPLE, COMPLETE = "char_rnn_sample", "char_rnn_complete"
CHAR_RNN_STEPS = (LOSS, BACKWARD, SAMPLE, COMPLETE)

CHAR_RNN_MUTANTS = (
    # char_rnn_loss
    mutant("recurrence with Whh where Whh.T belongs", MODEL, "whh_t = whh.T", "whh_t = whh",
           LOSS, ("cache.hs", "first wrong hidden state: layer 0, time index 1"),
           hint="the recurrence uses h @ Whh where Whh.T belongs"),
    mutant("loss summed over the streams", MODEL, "loss = float(-log_picked.sum() / B)",
           "loss = float(-log_picked.sum())", LOSS, ("returned loss", "batch"),
           hint="a sum where a batch mean belongs"),
    mutant("softmax without the max shift", MODEL, "        scores -= scores.max(axis=1, keepdims=True)\n", "",
           LOSS, ("cache.probs", "non-finite"), hint="exp() of the raw scores overflows"),
    mutant("upper layer reads the lower layer's previous states", MODEL,
           "a = (hs[-1][1:].reshape(T * B, H)", "a = (hs[-1][:-1].reshape(T * B, H)",
           LOSS, ("cache.hs", "layer 1"), hint="reads the lower layer's state from the previous time step"),
    # char_rnn_backward
    mutant("backward misses the tanh derivative", MODEL, "dtanh = 1.0 - h[1:] * h[1:]", "dtanh = 1.0 - h[1:]",
           BACKWARD, "grads['bh']", hint="the tanh derivative is 1 - h: it is 1 - h**2"),
    mutant("gradient not averaged over the streams", MODEL, "        dscores /= B\n", "",
           BACKWARD, ("grads['by']", "batch"), hint="a sum where a batch mean belongs"),
    mutant("dWhh pairs a step with its own state", MODEL,
           "np.dot(dpre_flat.T, h[:-1].reshape(T * B, H), out=grads[whh])",
           "np.dot(dpre_flat.T, h[1:].reshape(T * B, H), out=grads[whh])", BACKWARD, "grads['Whh']",
           hint="dWhh pairs each step's gradient with that step's own state"),
    mutant("repeated characters overwrite their Wxh column", MODEL,
           "np.dot(dpre_flat.T, onehot, out=grads[wxh])",
           "grads[wxh].fill(0.0)\n                grads[wxh].T[cache.inputs.reshape(-1)] = dpre_flat",
           BACKWARD, "grads['Wxh']"),
    mutant("backward recurrence with Whh.T where Whh belongs", MODEL,
           "np.dot(rows[t + 1], self.params[whh], out=out)", "np.dot(rows[t + 1], self.params[whh].T, out=out)",
           BACKWARD, "grads['bh']", hint="goes through Whh.T"),
    mutant("a gradient stored in a new array instead of the buffer", MODEL,
           'np.dot(dscores.T, top, out=grads["Why"])', 'grads["Why"] = dscores.T @ top', BACKWARD,
           ("self.grads['Why'] was replaced by a new array", "flat buffer"), hint="was replaced by a new array"),
    # char_rnn_sample (complete calls sample, so most sampling bugs show there too)
    mutant("temperature multiplies the scores", SAMPLING, "z = y / temperature", "z = y * temperature",
           {SAMPLE, COMPLETE}, ("the distributions p passed to draw(p)", "temperature 0.5"), step=SAMPLE,
           hint="it is softmax(y * temperature)"),
    mutant("sampling without the max shift", SAMPLING, "    z = z - z.max()\n", "",
           SAMPLE, ("the distributions p passed to draw(p)", "non-finite"),
           hint="exp() of the scaled scores overflows"),
    mutant("the seed is fed at every step", SAMPLING, "y, h = model.step(np.array([ix]), h)",
           "y, h = model.step(np.array([seed_ix]), h)", {SAMPLE, COMPLETE},
           "the distributions p passed to draw(p)", step=SAMPLE, hint="every step is fed the seed character"),
    mutant("the hidden state is not carried", SAMPLING, "y, h = model.step(np.array([ix]), h)",
           "y, _ = model.step(np.array([ix]), h)", {SAMPLE, COMPLETE},
           "the distributions p passed to draw(p)", step=SAMPLE, hint="carry the new hidden state"),
    mutant("draws with its own generator", SAMPLING,
           "ix = draw(softmax_with_temperature(y[0], temperature))",
           "ix = int(np.random.default_rng(0).choice(len(y[0]), p=softmax_with_temperature(y[0], temperature)))",
           {SAMPLE, COMPLETE}, "draw(p) was never called", step=SAMPLE, hint="draw(p) was never called"),
    # char_rnn_complete
    mutant("starter ignored but for its last character", SAMPLING, "for ix in starter[:-1]:",
           "for ix in starter[:0]:", COMPLETE, "the distributions p passed to draw(p)",
           hint="only the starter's last character is fed"),
    mutant("last starter character fed twice", SAMPLING, "for ix in starter[:-1]:", "for ix in starter:",
           COMPLETE, "the distributions p passed to draw(p)", hint="the starter's last character is fed twice"),
    mutant("generation seeded with the first starter character", SAMPLING,
           "return sample(model, h, starter[-1], n, temperature, draw)",
           "return sample(model, h, starter[0], n, temperature, draw)", COMPLETE,
           "the distributions p passed to draw(p)", hint="seeded with the starter's first character"),
    mutant("a given state is ignored", SAMPLING, "    if h is None:\n        h = model.initial_state(1)",
           "    h = model.initial_state(1)", COMPLETE, ("the distributions p passed to draw(p)", "given state"),
           hint="the given state h is ignored"),
)

CHAR_RNN_VARIANTS = (
    *variants(MODEL,
              ("probabilities normalised out of place", "        probs /= sums\n",
               "        probs = probs / sums.reshape(-1, 1)\n"),
              ("wxh gradient by scatter-add", "np.dot(dpre_flat.T, onehot, out=grads[wxh])",
               "grads[wxh].fill(0.0)\n                np.add.at(grads[wxh].T, cache.inputs.reshape(-1), dpre_flat)")),
    *variants(SAMPLING,
              ("temperature as alpha times y", "z = y / temperature", "z = (1.0 / temperature) * y"),
              ("sampling loop that keeps its own index list", "        out.append(ix)\n",
               "        out = out + [ix]\n")),
)

test_mutant_fails_its_step = mutants_fail_their_steps(CHAR_RNN_MUTANTS, CHAR_RNN_STEPS)
test_correct_variant_passes = variants_pass(CHAR_RNN_VARIANTS)


# A sampling bug fails char_rnn_complete too (see the module docstring): sampling's own mutants need not fail it alone.
test_every_step_has_at_least_three_mutants_of_its_own = mutants_of_their_own(
    CHAR_RNN_MUTANTS, CHAR_RNN_STEPS, alone=(LOSS, BACKWARD, COMPLETE))


def test_a_sampling_bug_in_complete_points_at_the_sample_step(tree):
    tree.replace(SAMPLING, "z = y / temperature", "z = y * temperature")
    result = tree.run("--step", SAMPLE, "--step", COMPLETE)
    assert "uses char_rnn_sample, which failed above" in result.output(COMPLETE)
