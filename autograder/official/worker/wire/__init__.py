"""The wire format between the worker and the grader: one package both import.

The worker (running student code, as another OS user) reports what each job produced as one frame on a pipe
(framing.py): a small tagged JSON record of the produced values (encode.py; an mc answer: answers.py) and the
arrays it refers to as raw bytes with their dtype and shape (arrays.py: no pickle, no archive format, nothing
to decompress). The grader reads frames with `FrameReader`, which keeps at most one frame's bytes and refuses
oversized or out-of-order frames before reading them, and decodes each with `decode_frame` and `decode_case`
(decode.py), which trust nothing: every failure of any kind (bad JSON, recursion, a dtype or shape that does
not fit the data, memory) becomes `Malformed` (bounds.py), which fails that job's step only. The same array
packing carries the job inputs to the worker (`write_arrays` / `read_arrays`).

This package runs in the worker with numpy and the standard library only, on Python 3.10 and later: the fork
server loads it from its own folder as the package `_wire` (see confine/launcher.py), so its modules import
each other relatively and nothing else of the grader's. Callers use the names below, from the package.
"""

from .answers import decode_answer, encode_answer
from .arrays import ARRAY_KINDS, pack_arrays, read_arrays, unpack_arrays, write_arrays
from .bounds import (
    MAX_ANSWER_CHARS,
    MAX_ANSWER_ITEMS,
    MAX_ARRAY_BYTES,
    MAX_DEPTH,
    MAX_INT_DIGITS,
    MAX_JSON_BYTES,
    MAX_LINES,
    MAX_NODES,
    MAX_STR,
    Malformed,
)
from .decode import decode_case, decode_error
from .encode import encode_case, encode_error
from .framing import FRAME_HEAD, FRAME_MAGIC, HEAD_BYTES, READY, FrameError, FrameReader, decode_frame, frame

__all__ = [
    "ARRAY_KINDS",
    "FRAME_HEAD",
    "FRAME_MAGIC",
    "HEAD_BYTES",
    "MAX_ANSWER_CHARS",
    "MAX_ANSWER_ITEMS",
    "MAX_ARRAY_BYTES",
    "MAX_DEPTH",
    "MAX_INT_DIGITS",
    "MAX_JSON_BYTES",
    "MAX_LINES",
    "MAX_NODES",
    "MAX_STR",
    "READY",
    "FrameError",
    "FrameReader",
    "Malformed",
    "decode_answer",
    "decode_case",
    "decode_error",
    "decode_frame",
    "encode_answer",
    "encode_case",
    "encode_error",
    "frame",
    "pack_arrays",
    "read_arrays",
    "unpack_arrays",
    "write_arrays",
]
