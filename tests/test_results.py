"""Step results: the dependency note and where a failed step's fix starts."""

import numpy as np

from autograder.isolation import CodeError, ErrorKind
from autograder.judging import judge_step
from autograder.report import message_lines
from autograder.results import with_dependency_note
from autograder.rubric import RubricEntry
from tests.test_judging import case, make_step, produced


def test_dependency_note_and_where_to_start():
    failed = {"base"}
    entry = RubricEntry("s", 5, "mytorch/thing.py", "Thing", ("base",))
    result = judge_step(make_step(), entry, [case()], lambda i, c: produced(
        np.ones(2), error=CodeError(ErrorKind.NOT_IMPLEMENTED, "s: Thing.forward is not implemented yet")))
    with_dependency_note(result, failed, entry, {"base": "mytorch/base.py", "s": "mytorch/thing.py"})
    assert message_lines(result) == ["s: Thing.forward is not implemented yet",
                              "  note: this step uses base, which failed above: fix base first",
                              "  start in mytorch/base.py"]
    assert failed == {"base", "s"}
