"""Multiple-choice answers. The questions are in the handout (and in autograder/mc_questions.py).

Return one letter (a string such as "a") for a single-select question, and a
list of every correct letter (such as ["a", "c"]) for a multi-select one.
The runner checks that each answer is well-formed; they are marked at
official grading.
"""


def question_1() -> str | None:
    """Answer question 1 (which of T, B, N, H is which for nn.RNNCell(10, 20) in a loop): return one letter."""
    # BEGIN SOLUTION
    return "b"
    # END SOLUTION


def question_2() -> list[str] | None:
    """Answer question 2 (nn.RNN(10, 20, 2): batch_first and the number of layers): return a list of letters."""
    # BEGIN SOLUTION
    return ["a", "c", "e"]
    # END SOLUTION


def question_3() -> list[str] | None:
    """Answer question 3 (BPTT formulas for a multi-layer RNN): return a list of letters."""
    # BEGIN SOLUTION
    return ["a", "d", "e"]
    # END SOLUTION


def question_4() -> str | None:
    """Answer question 4 (the RNN forward step with row-vector batches): return one letter."""
    # BEGIN SOLUTION
    return "c"
    # END SOLUTION


def question_5() -> list[str] | None:
    """Answer question 5 (gradient formulas for the bias-free GRU): return a list of letters."""
    # BEGIN SOLUTION
    return ["b", "d", "f"]
    # END SOLUTION
