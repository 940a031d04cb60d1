"""A class of generated handins with known bugs, for the class report's tests.

Each planted mutant of `tests/mutants.py` goes into a known number of handins
(each with its own comment line, so their files, and hidden cases, differ);
then a correct handin, and handins that time out, run over the budget and
are rejected. `expected_hints` and `expected_unnamed` say what the report
must count.
"""

from collections import Counter

from tests.mutants import CORE_MUTANTS, HW_MUTANTS, Mutant
from tests.official_setup import LINEAR, solution

_BY_NAME = {m.name: m for m in CORE_MUTANTS + HW_MUTANTS}
# (mutant, how many handins plant it). Each fails only its own step; the first six are named by a hint of
# the comparison (catalog bugs and structural checks), the last by none (only the locator places it).
PLANTED = (
    ("linear dW assigned instead of accumulated", 3),
    ("rnn forward without tanh", 2),
    ("linear forward missing bias", 1),
    ("loss missing minus sign", 2),
    ("lstm forward returns (c_new, h_new)", 1),
    ("rnn db_ih summed instead of averaged", 2),
    ("inference does not carry the hidden state", 2),
)
NAMED = tuple(name for name, _ in PLANTED[:-1])
UNNAMED = PLANTED[-1][0]

# Grading settings that make the slow handin run over its budget and the looping one time out, quickly.
TIMEOUT = "2"
BUDGET = "8"
SLOW = "time.sleep(1.8)\n        self.x = x\n        return x @ self.W.T + self.b"
LOOP = "while True:\n            pass"


def mutant(name: str) -> Mutant:
    return _BY_NAME[name]


def _planted(m: Mutant, k: int) -> dict[str, str]:
    files = solution()
    assert files[m.file].count(m.old) == 1, m.name
    files[m.file] = files[m.file].replace(m.old, m.new) + f"\n# handin {k}\n"
    return files


def handin_name(m: Mutant, k: int) -> str:
    return f"{m.step}-{PLANTED_INDEX[m.name]}-{k}"


PLANTED_INDEX = {name: i for i, (name, _) in enumerate(PLANTED)}


def corpus() -> dict[str, dict[str, str]]:
    """-> handin name -> its .py files: every planted mutant, and one correct handin ("correct")."""
    handins = {"correct": solution()}
    for name, count in PLANTED:
        m = mutant(name)
        for k in range(count):
            handins[handin_name(m, k)] = _planted(m, k)
    return handins


def troubled() -> dict[str, dict[str, str]]:
    """-> handins that the grader stops: one loops in Linear.backward (timed out), one sleeps in every
    Linear.forward call (over the budget)."""
    slow, loop = solution(), solution()
    slow[LINEAR] = "import time\n" + slow[LINEAR].replace("self.x = x\n        return x @ self.W.T + self.b", SLOW)
    loop[LINEAR] = loop[LINEAR].replace("batch_size = delta.shape[0]\n", "batch_size = delta.shape[0]\n        "
                                        + LOOP + "\n", 1)
    return {"slow": slow, "loops": loop}


def expected_hints() -> dict[str, tuple[str, set[str]]]:
    """-> for each mutant a hint names: (the step, the handins it is planted in)."""
    return {name: (mutant(name).step, {handin_name(mutant(name), k) for k in range(count)})
            for name, count in PLANTED if name in NAMED}


def expected_unnamed() -> Counter:
    """-> step -> how many handins fail it with a wrong output no hint named."""
    return Counter({mutant(UNNAMED).step: dict(PLANTED)[UNNAMED]})
