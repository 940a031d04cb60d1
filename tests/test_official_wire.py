"""The wire format: what the worker encodes comes back; whatever else arrives fails one job, never the grader."""

import json

import numpy as np
import pytest

from autograder.official.worker import wire
from autograder.official.worker.wire.decode import Decoder
from autograder.official.worker.wire.encode import Encoder


def test_codec_round_trip_and_refusals():
    enc = Encoder()
    value = {"a": [np.arange(3.0), (np.float32(2), 3, 1.5, None, True)], "b": "text"}
    node = enc.encode(value)
    meta, data = wire.pack_arrays(enc.arrays)
    decoded = Decoder(wire.unpack_arrays(meta, data), None).decode(node)
    assert decoded["a"][0].tolist() == [0.0, 1.0, 2.0]
    assert type(decoded["a"][1][0]) is np.float32 and decoded["a"][1][1:] == (3, 1.5, None, True)
    assert Decoder({}, None).decode({"t": "opaque", "type": "Foo"}).__class__.__name__ == "Foo"
    for bad in ({"t": "array", "k": "a9"}, {"t": "opaque", "type": "not a name"}, {"t": "int", "v": "x"},
                {"t": "exec"}, [1], {"t": "odd_array", "dtype": "O", "shape": [10**6, 10**6]}):
        with pytest.raises(wire.Malformed):
            Decoder({}, None).decode(bad)
    deep: dict = {"t": "none"}
    for _ in range(20):
        deep = {"t": "list", "v": [deep]}
    with pytest.raises(wire.Malformed, match="too deep"):
        Decoder({}, None).decode(deep)


def test_a_frame_round_trips_through_the_reader_byte_by_byte():
    calls = [{"x": np.zeros(2), "result": np.ones(2)}]
    error = wire.encode_error("not implemented", "s: Thing.forward is not implemented yet", ["hw/x.py:3 in f"])
    record, arrays = wire.encode_case({"y": np.ones((2, 3))}, {"calls": calls}, error, ["a warning"])
    data = wire.frame(wire.READY, {"kind": "ready"}, {}) + wire.frame(4, record, arrays)
    reader = wire.FrameReader(4, 10)
    frames = [f for b in range(len(data)) for f in reader.feed(data[b:b + 1])]
    assert [n for n, _, _ in frames] == [wire.READY, 4]
    got, got_arrays = wire.decode_frame(frames[1][1], frames[1][2])
    outputs, records, error, warnings = wire.decode_case(got, got_arrays, None, ("not implemented",))
    assert np.array_equal(outputs["y"], np.ones((2, 3))) and warnings == ["a warning"]
    assert np.array_equal(records["calls"][0]["result"], np.ones(2))
    assert error == ("not implemented", "s: Thing.forward is not implemented yet", ["hw/x.py:3 in f"])


@pytest.mark.parametrize("error", [
    {"kind": "made up", "headline": "x", "where": []},
    {"kind": "exception", "headline": "", "where": []},
    {"kind": "exception", "headline": "x", "where": "not a list"},
    {"kind": "exception", "headline": "x", "where": [], "extra": 1},
    ["exception", "x"],
])
def test_malformed_errors_are_refused(error):
    record, arrays = wire.encode_case({}, {}, None, [])
    record["error"] = error
    with pytest.raises(wire.Malformed):
        wire.decode_case(record, arrays, None, ("exception",))


def head(n: int, lj: int, ln: int, magic: bytes = wire.FRAME_MAGIC) -> bytes:
    return magic + wire.FRAME_HEAD.pack(n, lj, ln)


@pytest.mark.parametrize("stream, reason", [
    (head(0, 2, 0) + b"{}", "did not start with the ready frame"),
    (wire.frame(wire.READY, {}, {}) + head(5, 2, 0) + b"{}", "out of order"),
    # A frame past the last job, in order: the stream had exactly ten jobs.
    (wire.frame(wire.READY, {}, {}) + b"".join(wire.frame(i, {}, {}) for i in range(11)), "out of order"),
    (wire.frame(wire.READY, {}, {}) + head(0, 2, 0, magic=b"EVIL") + b"{}", "bad frame header"),
    # Refused from the header alone: the body is never buffered.
    (wire.frame(wire.READY, {}, {}) + head(0, 1 << 40, 0), "too large"),
    (wire.frame(wire.READY, {}, {}) + head(0, 2, wire.MAX_ARRAY_BYTES * 4), "too large"),
])
def test_broken_streams_are_refused_before_their_bodies_are_read(stream, reason):
    reader = wire.FrameReader(0, 10)
    frames = reader.feed(stream)
    assert reason in reader.error
    # What was complete before the break still counts; nothing after it is kept.
    complete = [wire.READY] if stream.startswith(wire.frame(wire.READY, {}, {})) else []
    assert [n for n, _, _ in frames] == complete + (list(range(10)) if len(frames) > 1 else [])
    assert len(reader._buf) <= wire.HEAD_BYTES and reader.feed(b"more") == []


def test_the_reader_keeps_at_most_one_frame():
    reader = wire.FrameReader(0, 10)
    reader.feed(wire.frame(wire.READY, {}, {}))
    big = wire.frame(0, {"kind": "case"}, {"a0": np.zeros(1 << 20)})
    for start in range(0, len(big) - 1, 1 << 16):
        assert reader.feed(big[start:start + (1 << 16)] if start + (1 << 16) < len(big) else big[start:-1]) == []
        assert len(reader._buf) <= len(big)
    assert [n for n, _, _ in reader.feed(big[-1:])] == [0]
    assert len(reader._buf) == 0


def test_arrays_round_trip_with_their_dtypes_and_shapes():
    arrays = {"a0": np.arange(6.0).reshape(2, 3), "a1": np.float32(2.5), "a2": np.array(["ab", "c"]),
              "a3": np.zeros((0, 4), dtype=np.int8), "a4": np.array([True, False])}
    back = wire.read_arrays(wire.write_arrays(arrays))
    for name, arr in arrays.items():
        arr = np.asarray(arr)
        assert back[name].dtype == arr.dtype and back[name].shape == arr.shape and np.array_equal(back[name], arr)


def frame_with(meta, data: bytes = b"", record=None) -> tuple[bytes, bytes]:
    return json.dumps({"r": record or {}, "a": meta}).encode(), data


EIGHT = np.zeros(1).tobytes()
MALFORMED = {
    "object dtype": frame_with([["a0", "|O", [1], 0, 8]], EIGHT),
    "structured dtype": frame_with([["a0", "[('a', '<f8')]", [1], 0, 8]], EIGHT),
    "sub-array dtype": frame_with([["a0", "(2,)f8", [1], 0, 16]], EIGHT * 2),
    "unknown dtype": frame_with([["a0", "nonsense", [1], 0, 8]], EIGHT),
    "shape larger than its bytes": frame_with([["a0", "<f8", [1 << 40], 0, 8]], EIGHT),
    "bytes beyond the data": frame_with([["a0", "<f8", [2], 0, 16]], EIGHT),
    "bytes left over": frame_with([["a0", "<f8", [1], 0, 8]], EIGHT * 2),
    "overlapping arrays": frame_with([["a0", "<f8", [1], 0, 8], ["a1", "<f8", [1], 0, 8]], EIGHT),
    "a name twice": frame_with([["a0", "<f8", [1], 0, 8], ["a0", "<f8", [1], 8, 8]], EIGHT * 2),
    "negative size": frame_with([["a0", "<f8", [-1], 0, -8]], b""),
    "metadata not a list": frame_with({"a0": 1}),
    "no wrapper": (b"[1, 2]", b""),
    "deep nesting": (b"[" * 200_000 + b"]" * 200_000, b""),
    "not utf-8": (b"\xff\xfe", b""),
    "not json": (b"{'a': 1}", b""),
}


@pytest.mark.parametrize("kind", sorted(MALFORMED))
def test_malformed_reports_of_every_kind_raise_malformed_only(kind):
    with pytest.raises(wire.Malformed):
        wire.decode_frame(*MALFORMED[kind])


def test_a_well_formed_report_decodes():
    record, arrays = wire.decode_frame(*frame_with([["a0", "<f8", [1], 0, 8]], EIGHT, {"kind": "case"}))
    assert record == {"kind": "case"} and arrays["a0"].tolist() == [0.0]
