"""The arrays file of the stored references: the same bytes for the same arrays, one read to load, no pickle."""

import numpy as np
import pytest

from autograder.references.array_file import ALIGN, ArrayFileError, arrays_bytes, load_arrays, sha256


def sample() -> dict[str, np.ndarray]:
    return {"b": np.arange(3.0), "a": np.array("desc"), "c": np.array(7, dtype=np.int64), "d": np.zeros((2, 0)),
            "e": np.array([True, False]), "f": np.arange(6.0).reshape(2, 3).T, "g": np.ones(5, dtype=np.int32)}


def test_bytes_depend_on_the_arrays_alone_and_round_trip():
    arrays = sample()
    first = arrays_bytes(arrays)
    assert arrays_bytes(dict(reversed(list(arrays.items())))) == first  # sorted by name, not insertion
    back = load_arrays(first)
    assert sorted(back) == sorted(arrays)
    for name, arr in arrays.items():
        assert back[name].dtype == arr.dtype and back[name].shape == arr.shape and np.array_equal(back[name], arr)
    assert sha256(first) == sha256(arrays_bytes(arrays)) and len(sha256(first)) == 64


def test_arrays_are_aligned_views_of_the_read_bytes():
    data = arrays_bytes(sample())
    back = load_arrays(data)
    for arr in back.values():
        assert not arr.flags.writeable  # views of the file's bytes: nothing is copied
    assert all(arr.flags.writeable for arr in load_arrays(bytearray(data)).values())
    header = len(data) - sum(arr.nbytes + (-arr.nbytes % ALIGN) for arr in back.values())
    assert header % ALIGN == 0


def test_byte_order_does_not_change_the_bytes():
    little = {"x": np.arange(4.0), "u": np.array("abc")}
    big = {"x": np.arange(4.0).astype(">f8"), "u": np.array("abc").astype(">U3")}
    assert arrays_bytes(big) == arrays_bytes(little)
    assert load_arrays(arrays_bytes(big))["x"].dtype.str == "<f8"


def test_object_arrays_are_refused():
    with pytest.raises(TypeError, match="pickle"):
        arrays_bytes({"x": np.array([1, "a"], dtype=object)})


def test_other_bytes_are_refused():
    with pytest.raises(ArrayFileError, match="magic"):
        load_arrays(b"PK\x03\x04" + bytes(40))
    data = arrays_bytes({"x": np.arange(4.0)})
    with pytest.raises(ArrayFileError, match="does not fit"):
        load_arrays(data[:-8])
