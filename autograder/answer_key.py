"""The instructor's answer key to the multiple-choice questions in autograder/mc_questions.py.

Instructor-only: the student release leaves this file out, and nothing the
students receive imports it (the runner works without it). Each entry is
demonstrated by a test in tests/test_mc_key.py.
"""

ANSWERS = {
    1: "b",
    2: ["a", "c", "e"],
    3: ["a", "d", "e"],
    4: "c",
    5: ["b", "d", "f"],
}
