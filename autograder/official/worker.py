"""The worker: runs the student's code on case inputs in its own process, and reports what it produced.

It is started by the grader as `python -I -B worker.py FOLDER START FD` inside a
fresh folder holding the student's mytorch/ and hw/, the shipped autograder/
(no reference data, no answer key, no oracles, no grading code) and a copy of
this file. FOLDER/inputs.npz holds the inputs of every job (`j0007/x`, ...),
FOLDER/plan.json the jobs in order (`{"timeout": s, "jobs": [{"step": id,
"kind": "case"|"mc"}, ...]}`). The worker never sees expected values.

For each job n from START on it writes one frame to the pipe FD: `REC1`, then
n, the JSON length and the .npz length (big-endian uint64), then the JSON (what
was produced, in the small codec below) and the .npz (its arrays). Reports go
through a pipe, not files, so files student code writes are never read; the
grader takes frames in job order and decodes them with `decode_case`, which
trusts nothing. Once a case raised, the step's later cases are reported as
skipped: the step has failed already.

This file runs with numpy and the shipped autograder only (no grading code),
and the same file is imported by the grader for `decode`.
"""

import io
import json
import os
import struct
import sys
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

MAX_DEPTH = 8
MAX_NODES = 20_000
MAX_STR = 2_000
MAX_LINES = 40
MAX_INT_DIGITS = 400
MAX_ARRAY_BYTES = 64 * 1024 * 1024
MAX_ANSWER_ITEMS = 26
MAX_ANSWER_CHARS = 64
# Array dtype kinds that load without pickle and mean something to a comparison.
ARRAY_KINDS = "biufcSUmM"


# --- encoding (worker side) ------------------------------------------------------------------


class _Encoder:
    """Turns produced values into JSON nodes plus named arrays, without calling student methods."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self.nodes = 0

    def _array(self, arr: np.ndarray, tag: str) -> dict[str, Any]:
        plain = arr.view(np.ndarray) if type(arr) is not np.ndarray else arr
        if plain.dtype.kind not in ARRAY_KINDS or plain.dtype.fields is not None:
            # Only the dtype and shape of such an array matter to a comparison.
            return {"t": "odd_array", "dtype": str(plain.dtype)[:40], "shape": list(plain.shape)}
        key = f"a{len(self.arrays)}"
        self.arrays[key] = np.array(plain, copy=True, order="C")
        return {"t": tag, "k": key}

    def encode(self, value: Any, depth: int = 0) -> dict[str, Any]:
        self.nodes += 1
        if self.nodes > MAX_NODES or depth > MAX_DEPTH:
            return {"t": "opaque", "type": "too_large"}
        kind = type(value)
        if value is None:
            return {"t": "none"}
        if kind is bool:
            return {"t": "bool", "v": value}
        if isinstance(value, np.ndarray):
            return self._array(value, "array")
        if isinstance(value, np.generic):
            return self._array(np.asarray(value), "scalar")
        if isinstance(value, int):
            text = int.__repr__(value)
            if len(text) > MAX_INT_DIGITS:
                return {"t": "opaque", "type": kind.__name__}
            return {"t": "int", "v": text, "type": kind.__name__}
        if isinstance(value, float):
            return {"t": "float", "v": float.__repr__(value), "type": kind.__name__}
        if kind is str:
            return {"t": "str", "v": value} if len(value) <= MAX_STR else {"t": "opaque", "type": "str"}
        if kind in (list, tuple):
            return {"t": kind.__name__, "v": [self.encode(v, depth + 1) for v in value]}
        if kind is dict and all(type(k) is str for k in value):
            return {"t": "dict", "v": [[k[:MAX_STR], self.encode(v, depth + 1)] for k, v in value.items()]}
        if type(value).__name__ == "_Missing":
            return {"t": "missing"}
        return {"t": "opaque", "type": kind.__name__[:80]}


def _lines(lines: list[str] | None) -> list[str] | None:
    return None if lines is None else [str(line)[:MAX_STR] for line in lines[:MAX_LINES]]


FRAME_MAGIC = b"REC1"
FRAME_HEAD = struct.Struct(">QQQ")


def _write(pipe: Any, n: int, record: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    from autograder.npzio import npz_bytes

    js, npz = json.dumps(record).encode(), npz_bytes(arrays)
    pipe.write(FRAME_MAGIC + FRAME_HEAD.pack(n, len(js), len(npz)) + js + npz)
    pipe.flush()


def _run_case(step: Any, inputs: dict[str, np.ndarray], timeout: float) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    from autograder.engine import produce

    got = produce(step, inputs, timeout)
    enc = _Encoder()
    outputs = []
    for key, value in list(got.outputs.items()):
        if type(key) is str:
            try:
                outputs.append([key[:MAX_STR], enc.encode(value)])
            except Exception:  # noqa: BLE001 - a value that resists inspection is reported as opaque
                outputs.append([key[:MAX_STR], {"t": "opaque", "type": "unreadable"}])
    return {"kind": "case", "outputs": outputs, "error": _lines(got.error), "warnings": _lines(got.warnings)}, enc.arrays


def _answer(value: Any) -> Any:
    """A student's answer -> a plain string / list of strings / None, or an opaque type description."""
    if value is None:
        return None
    if type(value) is str:
        return value if len(value) <= MAX_ANSWER_CHARS else {"opaque": "str (too long)"}
    if type(value) in (list, tuple) and len(value) <= MAX_ANSWER_ITEMS:
        if all(type(v) is str and len(v) <= MAX_ANSWER_CHARS for v in value):
            return {"list": list(value), "type": type(value).__name__}
    return {"opaque": type(value).__name__[:80]}


def _run_mc(timeout: float) -> dict[str, Any]:
    from autograder.isolation import run_isolated
    from autograder.mc_questions import QUESTIONS
    from autograder.steps._student import student_attr

    answers = []
    for q in QUESTIONS:
        outcome = run_isolated(lambda: _answer(student_attr("hw.mc", f"question_{q.number}")()), timeout)
        answers.append({"number": q.number, "answer": outcome.value, "error": _lines(outcome.error)})
    return {"kind": "mc", "answers": answers}


def main(folder: Path, start: int, fd: int) -> None:
    # The shipped autograder/ and the student's packages are imported from the folder itself.
    sys.path.insert(0, str(folder))
    os.chdir(folder)
    from autograder.npzio import load_npz
    from autograder.steps import all_steps

    plan = json.loads((folder / "plan.json").read_text())
    timeout = float(plan["timeout"])
    inputs_all = load_npz(folder / "inputs.npz")
    steps = all_steps()
    results = os.fdopen(fd, "wb")
    failed_steps: set[str] = set()
    for n, job in enumerate(plan["jobs"]):
        if n < start:
            continue
        if job["step"] in failed_steps:
            _write(results, n, {"kind": "skipped"}, {})
            continue
        if job["kind"] == "mc":
            _write(results, n, _run_mc(timeout), {})
            continue
        prefix = f"j{n:04d}/"
        inputs = {k[len(prefix):]: v for k, v in inputs_all.items() if k.startswith(prefix)}
        record, arrays = _run_case(steps[job["step"]], inputs, timeout)
        if record["error"]:
            failed_steps.add(job["step"])
        _write(results, n, record, arrays)


# --- decoding (grader side) ------------------------------------------------------------------


class Malformed(Exception):
    """The worker's report for a job does not have the expected form."""


def _check_zip(data: bytes) -> set[str]:
    """-> the member names of an .npz, after checking sizes without reading anything."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise Malformed(f"the arrays file is not a valid .npz ({exc})") from None
    if sum(i.file_size for i in infos) > MAX_ARRAY_BYTES or len(infos) > MAX_NODES:
        raise Malformed("the arrays file is too large")
    names = set()
    for info in infos:
        if not (info.filename.startswith("a") and info.filename.endswith(".npy") and info.filename[1:-4].isdigit()):
            raise Malformed(f"unexpected member {info.filename[:40]!r} in the arrays file")
        if info.filename in names:
            raise Malformed("a member appears twice in the arrays file")
        names.add(info.filename)
    return {name[:-4] for name in names}


def load_arrays(data: bytes) -> dict[str, np.ndarray]:
    """data: an .npz the worker wrote -> name -> array; refuses pickled (object) arrays and odd dtypes."""
    names = _check_zip(data)
    arrays = {}
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            for name in sorted(names):
                arrays[name] = npz[name]
    except Exception as exc:  # noqa: BLE001 - whatever numpy refuses (object arrays first of all) is malformed
        raise Malformed(f"the arrays file cannot be read without pickle ({type(exc).__name__})") from None
    for name, arr in arrays.items():
        if arr.dtype.kind not in ARRAY_KINDS or arr.dtype.fields is not None or arr.dtype.hasobject:
            raise Malformed(f"array {name} has dtype {arr.dtype}")
    return arrays


def _named(base: type, name: str) -> type:
    """A stand-in type carrying the student's type name, so messages name the type they used."""
    if not isinstance(name, str) or not name.isidentifier() or len(name) > 80:
        raise Malformed("a type name is not an identifier")
    if name == base.__name__:
        return base
    return type(name, (base,), {})


class _Opaque:
    """Base of the stand-ins for values the worker could only describe by their type name."""


class _Decoder:
    def __init__(self, arrays: dict[str, np.ndarray], missing: Any) -> None:
        self.arrays = arrays
        self.used: set[str] = set()
        self.missing = missing
        self.nodes = 0

    def _array(self, node: dict[str, Any]) -> np.ndarray:
        key = node.get("k")
        if not isinstance(key, str) or key not in self.arrays or key in self.used:
            raise Malformed("an array reference is unknown or used twice")
        self.used.add(key)
        return self.arrays[key]

    def decode(self, node: Any, depth: int = 0) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES or depth > MAX_DEPTH + 1:
            raise Malformed("nested too deep or too many values")
        if not isinstance(node, dict) or not isinstance(node.get("t"), str):
            raise Malformed("a value is not a tagged object")
        t, v = node["t"], node.get("v")
        if t == "none":
            return None
        if t == "missing":
            return self.missing
        if t == "bool" and isinstance(v, bool):
            return v
        if t == "array":
            return self._array(node)
        if t == "scalar":
            arr = self._array(node)
            if arr.ndim != 0:
                raise Malformed("a scalar is not 0-dimensional")
            return arr[()]
        if t == "int" and isinstance(v, str) and len(v) <= MAX_INT_DIGITS + 1:
            try:
                return _named(int, node.get("type"))(int(v))
            except ValueError:
                raise Malformed("a malformed int") from None
        if t == "float" and isinstance(v, str) and len(v) <= 40:
            try:
                return _named(float, node.get("type"))(float(v))
            except ValueError:
                raise Malformed("a malformed float") from None
        if t == "str" and isinstance(v, str) and len(v) <= MAX_STR:
            return v
        if t in ("list", "tuple") and isinstance(v, list):
            items = [self.decode(item, depth + 1) for item in v]
            return items if t == "list" else tuple(items)
        if t == "dict" and isinstance(v, list):
            out = {}
            for pair in v:
                if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)):
                    raise Malformed("a malformed dict entry")
                out[pair[0]] = self.decode(pair[1], depth + 1)
            return out
        if t == "odd_array":
            shape, dtype = node.get("shape"), node.get("dtype")
            if not (isinstance(shape, list) and len(shape) <= 32 and all(type(s) is int and 0 <= s for s in shape)
                    and isinstance(dtype, str) and len(dtype) <= 40):
                raise Malformed("a malformed array description")
            if int(np.prod(shape, dtype=np.float64)) > 1_000_000:
                raise Malformed("an array description is too large")
            # A stand-in of the same shape holding NaNs: only dtype (object) and shape reach the message.
            return np.full(tuple(shape), np.nan, dtype=object)
        if t == "opaque":
            return _named(_Opaque, node.get("type"))()
        raise Malformed(f"unknown or malformed value tag {t[:20]!r}")


def _text_lines(lines: Any) -> list[str] | None:
    if lines is None:
        return None
    if not (isinstance(lines, list) and len(lines) <= MAX_LINES and all(isinstance(x, str) and len(x) <= MAX_STR
                                                                       for x in lines)):
        raise Malformed("malformed message lines")
    return lines


def decode_case(record: Any, arrays: dict[str, np.ndarray], missing: Any) -> tuple[dict[str, Any], list[str] | None,
                                                                                    list[str]]:
    """A case job's JSON record and arrays -> (outputs, error lines or None, warning lines). Raises Malformed."""
    if not isinstance(record, dict) or record.get("kind") != "case" or not isinstance(record.get("outputs"), list):
        raise Malformed("not a case report")
    decoder = _Decoder(arrays, missing)
    outputs: dict[str, Any] = {}
    for pair in record["outputs"]:
        if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)) or pair[0] in outputs:
            raise Malformed("a malformed or repeated output name")
        outputs[pair[0]] = decoder.decode(pair[1])
    if decoder.used != set(arrays):
        raise Malformed("the arrays file holds arrays no output refers to")
    error = _text_lines(record.get("error"))
    if error is not None and not error:
        raise Malformed("an empty error message")
    return outputs, error, _text_lines(record.get("warnings")) or []


def decode_answer(value: Any) -> tuple[Any, str | None]:
    """One reported mc answer -> (the answer as str / list of str / None, or a problem). Nothing else is accepted."""
    if value is None:
        return None, None
    if isinstance(value, str):
        return (value, None) if len(value) <= MAX_ANSWER_CHARS else (None, "the answer is too long")
    if isinstance(value, dict) and set(value) == {"list", "type"} and value["type"] in ("list", "tuple"):
        items = value["list"]
        if (isinstance(items, list) and len(items) <= MAX_ANSWER_ITEMS
                and all(isinstance(x, str) and len(x) <= MAX_ANSWER_CHARS for x in items)):
            return (items if value["type"] == "list" else tuple(items)), None
    if isinstance(value, dict) and set(value) == {"opaque"} and isinstance(value["opaque"], str):
        return None, f"malformed answer (a {value['opaque'][:80]}): return a letter or a list of letters"
    return None, "malformed answer"


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve(), int(sys.argv[2]), int(sys.argv[3]))
    sys.stdout.flush()
    # A student thread still running must not keep the process alive.
    os._exit(0)
