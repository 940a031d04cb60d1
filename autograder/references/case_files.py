"""Cases as named arrays of a reference file (array_file.py): the only place that knows the names.

Case k (from 0) is stored under the prefix `c<k>/`: `desc`, `batch` (when
the case has one), `in/<input>`, `out/<output>`, `alt/<output>/<bug tag>`
and `trace/<name>`. Plain arrays only, so files load without pickle.
"""

import numpy as np

from autograder.cases import Arrays, Case, CaseKind


def case_to_arrays(index: int, case: Case) -> Arrays:
    """index: position in the file (from 0); case -> its named arrays."""
    prefix = f"c{index:02d}/"
    arrays: Arrays = {prefix + "desc": np.array(case.desc)}
    if case.batch is not None:
        arrays[prefix + "batch"] = np.array(case.batch, dtype=np.int64)
    arrays.update({prefix + "in/" + k: v for k, v in case.inputs.items()})
    arrays.update({prefix + "out/" + k: v for k, v in case.expected.items()})
    for key, variants in case.alternatives.items():
        arrays.update({f"{prefix}alt/{key}/{tag}": v for tag, v in variants.items()})
    arrays.update({prefix + "trace/" + k: v for k, v in case.trace.items()})
    return arrays


def cases_to_arrays(cases: list[Case]) -> Arrays:
    """Return the named arrays of one file holding all of `cases`, in order (case k under `c<k>/`)."""
    arrays: Arrays = {}
    for i, case in enumerate(cases):
        arrays.update(case_to_arrays(i, case))
    return arrays


def cases_from_arrays(arrays: Arrays, kind: CaseKind = CaseKind.STORED) -> list[Case]:
    """Inverse of cases_to_arrays -> the cases in file order, numbered from 1. Raises KeyError on a malformed file."""
    grouped: dict[str, Arrays] = {}
    for name, arr in arrays.items():
        prefix, _, rest = name.partition("/")
        grouped.setdefault(prefix, {})[rest] = arr
    cases = []
    for n, prefix in enumerate(sorted(grouped), start=1):
        members = grouped[prefix]
        case = Case(kind, n, str(members["desc"]), {}, {}, batch=int(members["batch"]) if "batch" in members else None)
        for name, arr in members.items():
            part, _, key = name.partition("/")
            if part == "in":
                case.inputs[key] = arr
            elif part == "out":
                case.expected[key] = arr
            elif part == "trace":
                case.trace[key] = arr
            elif part == "alt":
                output, _, tag = key.partition("/")
                case.alternatives.setdefault(output, {})[tag] = arr
        cases.append(case)
    return cases
