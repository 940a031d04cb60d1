"""Every rule the writeups pin (handout/*.md, the student files' docstrings) is reached by a case.

RULES lists each rule, the step and case spec that reaches it, and what a case of that spec
must hold for the rule to matter. The stored case of that spec (reference_data/) and cases
drawn from it on other streams, as hidden cases are, must each hold it: a rule is exercised
by the spec's structure, not by chance.
"""

from typing import Callable, NamedTuple

import numpy as np
import pytest

pytest.importorskip("torch")


from autograder.cases import Case, CaseKind  # noqa: E402
from autograder.oracles import load_oracles  # noqa: E402
from autograder.oracles.search import candidate_count_bound  # noqa: E402
from autograder.references.store import load_cases, read_manifest  # noqa: E402
from autograder.steps import case_steps  # noqa: E402
from autograder.steps._poems import decode_text  # noqa: E402

STEPS = case_steps()
ORACLES = load_oracles()
HIDDEN_STREAMS = (7, 123_457)  # hidden streams are 2 and up, one per submission


class Rule(NamedTuple):
    rule: str  # the pinned rule, as the writeup says it
    step: str
    spec: str  # the start of the description of the spec that reaches it
    holds: Callable[[Case], bool]  # what a case of that spec holds that makes the rule matter


def _lines(case: Case) -> list[str]:
    return decode_text(case.inputs["corpus"]).split("\n")


def _best_classes(case: Case) -> np.ndarray:
    return case.inputs["y_probs"][:, :, 0].argmax(axis=0)


def _has(seq: np.ndarray, pattern: tuple[int, ...]) -> bool:
    n = len(pattern)
    return any(tuple(int(k) for k in seq[i:i + n]) == pattern for i in range(len(seq) - n + 1))


def _beam_ties_at_cutoff(case: Case) -> bool:
    """Whether some pruning of the pinned rule cuts in a tie: the BeamWidth-th score equals the next one."""
    y, width = case.inputs["y_probs"][:, :, 0], int(case.inputs["beam_width"])
    symbols = [chr(ord("a") + k) for k in range(y.shape[0] - 1)]
    beam = {("", True): y[0, 0], **{(c, False): y[k + 1, 0] for k, c in enumerate(symbols)}}
    tie = False
    for t in range(1, y.shape[1]):
        ranked = sorted(beam.values(), reverse=True)
        if len(ranked) > width:
            tie = tie or ranked[width - 1] == ranked[width]
            beam = {key: s for key, s in beam.items() if s >= ranked[width - 1]}
        nxt: dict = {}
        for (path, blank), score in beam.items():
            nxt[(path, True)] = nxt.get((path, True), 0.0) + score * y[0, t]
            for k, c in enumerate(symbols):
                key = (path if (path.endswith(c) and not blank) else path + c, False)
                nxt[key] = nxt.get(key, 0.0) + score * y[k + 1, t]
        beam = nxt
    return tie


def _repeat_target(case: Case) -> bool:
    return any(np.any(t[1:n] == t[:n - 1]) for t, n in zip(case.inputs["target"], case.inputs["target_lengths"]))


def _fewest_steps(case: Case) -> bool:
    return any(int(T) == n + int(np.sum(t[1:n] == t[:n - 1]))
               for t, n, T in zip(case.inputs["target"], case.inputs["target_lengths"], case.inputs["input_lengths"]))


RULES = (
    # CTC (handout/ctc.md, mytorch/ctc.py)
    Rule("no skip between two equal symbols (skip_connect)", "ctc_forward", "one sequence: T 10;",
         _repeat_target),
    Rule("targets of length 1 (extended target - a -)", "ctc_forward", "padded batch of 2: T 1 and 5",
         lambda c: 1 in c.inputs["target_lengths"]),
    Rule("an input of one step (T = 1)", "ctc_forward", "padded batch of 2: T 1 and 5",
         lambda c: 1 in c.inputs["input_lengths"]),
    Rule("T equal to the fewest steps that can emit the target", "ctc_forward", "padded batch of 2: T the fewest",
         _fewest_steps),
    Rule("a padded batch: sequence b uses logits[:input_lengths[b], b] and target[b, :target_lengths[b]]",
         "ctc_forward", "padded batch of 3", lambda c: len(set(c.inputs["input_lengths"].tolist())) > 1
         and len(set(c.inputs["target_lengths"].tolist())) > 1),
    Rule("scaled recursions for T in the hundreds (plain probabilities underflow)", "ctc_forward",
         "padded batch of 2: T 300",
         lambda c: int(c.inputs["input_lengths"].max()) >= 180),
    Rule("the gradient of repeated symbols adds every position's gamma", "ctc_backward",
         "one sequence: T 10;", _repeat_target),
    # Greedy search
    Rule("merge repeats, then drop blanks: a - a is 'aa', a a is 'a'", "greedy_search", "3 symbols, T 12, best",
         lambda c: _has(_best_classes(c), (1, 1, 0, 1))),
    Rule("blank-only outputs: the empty path", "greedy_search", "3 symbols, T 5, the blank best",
         lambda c: c.expected["path"].size == 0),
    Rule("one time step", "greedy_search", "4 symbols, T 1", lambda c: c.inputs["y_probs"].shape[1] == 1),
    # Beam search (the pinned rule)
    Rule("ties at the cutoff all survive", "beam_search", "width 1, 1 symbol, T 6, uniform", _beam_ties_at_cutoff),
    Rule("ties at the cutoff all survive (wider beam)", "beam_search", "width 3, 1 symbol, T 8, uniform",
         _beam_ties_at_cutoff),
    Rule("a beam width larger than the candidates: nothing pruned, exact scores", "beam_search", "width 1000",
         lambda c: int(c.inputs["beam_width"]) >= candidate_count_bound(c.inputs["y_probs"].shape[0] - 1,
                                                                        c.inputs["y_probs"].shape[1])),
    Rule("width 1: one candidate (and its ties) per step", "beam_search", "width 1, 3 symbols",
         lambda c: int(c.inputs["beam_width"]) == 1),
    Rule("a symbol after a blank starts a new one, after itself it extends nothing", "beam_search",
         "width 2, 3 symbols, T 12, best", lambda c: _has(_best_classes(c), (1, 1, 0, 1))),
    Rule("blank-only outputs: the empty path", "beam_search", "width 2, 3 symbols, T 6, the blank best",
         lambda c: c.expected["best_path"].size == 0),
    # Poem preprocessing (handout/poems.md)
    Rule("the title ends at the first ':' (a second colon stays in the content)", "poems_preprocess",
         "blank lines, whitespace", lambda c: any(line.count(":") >= 2 for line in _lines(c))),
    Rule("all whitespace is removed, blank lines skipped", "poems_preprocess", "blank lines, whitespace",
         lambda c: "" in _lines(c) and any(" " in line.split(":", 1)[-1].strip() for line in _lines(c))),
    Rule("both length bounds inclusive (4 and 81 out, 5 and 80 in)", "poems_preprocess", "contents of 4, 5, 80",
         lambda c: {4, 5, 80, 81} <= {len(line.split(":", 1)[-1]) for line in _lines(c)}),
    Rule("a content with a skip character, G or E is skipped", "poems_preprocess", "lines with _",
         lambda c: all(any(ch in line.split(":", 1)[-1] for line in _lines(c)) for ch in "_(（《[GE")),
    Rule("custom bounds and skip characters", "poems_preprocess", "min_length 3",
         lambda c: int(c.inputs["min_length"]) == 3 and any("#" in line for line in _lines(c))),
    Rule("equal counts go by code point", "poems_preprocess", "every character equally often",
         lambda c: len({line.count(ch) for line in _lines(c) for ch in line[2:]}) == 1),
    # Poem model
    Rule("is_test=True returns the last step's row of a sentence of another length", "poem_model",
         "V 12, embedding 6", lambda c: c.inputs["test_sentence"].shape[1] != c.inputs["sentence"].shape[1]),
    Rule("a batch of one, one step", "poem_model", "V 5, embedding 3",
         lambda c: c.inputs["sentence"].shape == (1, 1)),
    # Generation
    Rule("generation stops before E", "poem_generate", "V 10, begin word of 1, stops at the end",
         lambda c: len(c.expected["poem"]) < int(c.inputs["max_length"])),
    Rule("generation stops once the poem has max_length characters", "poem_generate", "V 8, begin word of 1",
         lambda c: len(c.expected["poem"]) == int(c.inputs["max_length"])),
    Rule("a begin word that reaches the limit is the poem", "poem_generate", "V 9, begin word of 3",
         lambda c: len(c.inputs["begin"]) == int(c.inputs["max_length"]) and
         np.array_equal(c.expected["poem"], c.inputs["begin"])),
    Rule("a begin word outside the vocabulary raises ValueError", "poem_generate", "V 8, begin word ending in 'Z'",
         lambda c: "unknown_begin" in c.expected),
    # BPTT
    Rule("every step's loss reaches every earlier step (delta_{t,k}, k <= t)", "poem_bptt", "4 steps",
         lambda c: c.inputs["deltas"].shape[0] == 4 and np.any(c.inputs["deltas"][3, 0] != 0)),
    Rule("the loss at the last step only", "poem_bptt", "6 steps", lambda c: not np.any(c.inputs["g"][:-1])),
)


def _of_spec(cases: list[Case], rule: Rule) -> list[Case]:
    return [c for c in cases if c.desc.startswith(rule.spec)]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"{r.step}: {r.rule}")
def test_a_stored_case_reaches_the_rule(rule):
    cases = _of_spec(load_cases(rule.step, read_manifest()), rule)
    assert len(cases) == 1, [c.desc for c in load_cases(rule.step, read_manifest())]
    assert rule.holds(cases[0])


@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"{r.step}: {r.rule}")
def test_hidden_cases_reach_the_rule(rule):
    step = STEPS[rule.step]
    for stream in HIDDEN_STREAMS:
        cases = _of_spec(step.draw_cases(ORACLES[rule.step], stream, kind=CaseKind.HIDDEN), rule)
        assert len(cases) == 1 and rule.holds(cases[0]), (stream, rule.rule)


def test_every_newer_step_has_its_rules_listed():
    assert {r.step for r in RULES} >= {"ctc_forward", "ctc_backward", "greedy_search", "beam_search",
                                       "poems_preprocess", "poem_model", "poem_generate", "poem_bptt"}
