"""The wire format: what the worker encodes comes back; whatever else arrives fails one job, never the grader."""

import io
import struct
import zipfile

import numpy as np
import pytest

from autograder.npzio import npz_bytes
from autograder.official import wire


class _Unpickled:
    def __reduce__(self):
        import os
        return (os.system, ("touch /tmp/official-grading-unpickled",))


def test_codec_round_trip_and_refusals():
    enc = wire._Encoder()
    value = {"a": [np.arange(3.0), (np.float32(2), 3, 1.5, None, True)], "b": "text"}
    node = enc.encode(value)
    decoded = wire._Decoder(wire.load_arrays(npz_bytes(enc.arrays)), None).decode(node)
    assert decoded["a"][0].tolist() == [0.0, 1.0, 2.0]
    assert type(decoded["a"][1][0]) is np.float32 and decoded["a"][1][1:] == (3, 1.5, None, True)
    assert wire._Decoder({}, None).decode({"t": "opaque", "type": "Foo"}).__class__.__name__ == "Foo"
    for bad in ({"t": "array", "k": "a9"}, {"t": "opaque", "type": "not a name"}, {"t": "int", "v": "x"},
                {"t": "exec"}, [1], {"t": "odd_array", "dtype": "O", "shape": [10**6, 10**6]}):
        with pytest.raises(wire.Malformed):
            wire._Decoder({}, None).decode(bad)
    deep: dict = {"t": "none"}
    for _ in range(20):
        deep = {"t": "list", "v": [deep]}
    with pytest.raises(wire.Malformed, match="too deep"):
        wire._Decoder({}, None).decode(deep)


def test_a_frame_round_trips_through_the_reader_byte_by_byte():
    record, arrays = wire.encode_case({"y": np.ones((2, 3))}, None, ["a warning"])
    data = wire.frame(wire.READY, {"kind": "ready"}, {}) + wire.frame(4, record, arrays)
    reader = wire.FrameReader(4)
    frames = [f for b in range(len(data)) for f in reader.feed(data[b:b + 1])]
    assert [n for n, _, _ in frames] == [wire.READY, 4]
    got, got_arrays = wire.decode_frame(frames[1][1], frames[1][2])
    outputs, error, warnings = wire.decode_case(got, got_arrays, None)
    assert np.array_equal(outputs["y"], np.ones((2, 3))) and error is None and warnings == ["a warning"]


def head(n: int, lj: int, ln: int, magic: bytes = wire.FRAME_MAGIC) -> bytes:
    return magic + wire.FRAME_HEAD.pack(n, lj, ln)


@pytest.mark.parametrize("stream, reason", [
    (head(0, 2, 0) + b"{}", "did not start with the ready frame"),
    (wire.frame(wire.READY, {}, {}) + head(5, 2, 0) + b"{}", "out of order"),
    (wire.frame(wire.READY, {}, {}) + head(0, 2, 0, magic=b"EVIL") + b"{}", "bad frame header"),
    # Refused from the header alone: the body is never buffered.
    (wire.frame(wire.READY, {}, {}) + head(0, 1 << 40, 0), "too large"),
    (wire.frame(wire.READY, {}, {}) + head(0, 2, wire.MAX_ARRAY_BYTES * 4), "too large"),
])
def test_broken_streams_are_refused_before_their_bodies_are_read(stream, reason):
    reader = wire.FrameReader(0)
    frames = reader.feed(stream)
    assert reason in reader.error
    # What was complete before the break still counts; nothing after it is kept.
    assert [n for n, _, _ in frames] == ([wire.READY] if stream.startswith(wire.frame(wire.READY, {}, {})) else [])
    assert len(reader._buf) <= wire.HEAD_BYTES and reader.feed(b"more") == []


def test_the_reader_keeps_at_most_one_frame():
    reader = wire.FrameReader(0)
    reader.feed(wire.frame(wire.READY, {}, {}))
    big = wire.frame(0, {"kind": "case"}, {"a0": np.zeros(1 << 20)})
    for start in range(0, len(big) - 1, 1 << 16):
        assert reader.feed(big[start:start + (1 << 16)] if start + (1 << 16) < len(big) else big[start:-1]) == []
        assert len(reader._buf) <= len(big)
    assert [n for n, _, _ in reader.feed(big[-1:])] == [0]
    assert len(reader._buf) == 0


def _zip_with(version: int | None = None, compress: int = zipfile.ZIP_STORED, name: str = "a0.npy") -> bytes:
    member = io.BytesIO()
    np.lib.format.write_array(member, np.zeros(3))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compress) as zf:
        zf.writestr(name, member.getvalue())
    data = buf.getvalue()
    if version is not None:  # the central directory's "version needed to extract"
        at = data.rindex(b"PK\x01\x02")
        data = data[:at + 6] + struct.pack("<H", version) + data[at + 8:]
    return data


def test_malformed_reports_of_every_kind_raise_malformed_only():
    pickled = io.BytesIO()
    np.savez(pickled, a0=np.array([_Unpickled()], dtype=object), allow_pickle=True)
    bad_npz = {
        "unsupported zip version": _zip_with(version=99),
        "compressed member": _zip_with(compress=zipfile.ZIP_DEFLATED),
        "unexpected member": _zip_with(name="../x.npy"),
        "pickled array": pickled.getvalue(),
        "garbage": b"PK\x05\x06" + b"\xff" * 40,
    }
    for what, npz in bad_npz.items():
        with pytest.raises(wire.Malformed):
            wire.decode_frame(b"{}", npz)
    bad_json = {
        "deep nesting": b"[" * 200_000 + b"]" * 200_000,
        "not utf-8": b"\xff\xfe",
        "not json": b"{'a': 1}",
    }
    for what, js in bad_json.items():
        with pytest.raises(wire.Malformed):
            wire.decode_frame(js, b"")
    from pathlib import Path
    assert not Path("/tmp/official-grading-unpickled").exists()


def test_a_huge_array_header_is_malformed_not_a_memory_error():
    member = io.BytesIO()
    np.lib.format.write_array_header_1_0(member, {"descr": "<f8", "fortran_order": False, "shape": (1 << 40,)})
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a0.npy", member.getvalue() + b"\0" * 64)
    with pytest.raises(wire.Malformed):
        wire.decode_frame(b"{}", buf.getvalue())
