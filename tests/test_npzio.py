"""The .npz writer: the same bytes for the same arrays, and nothing that would need pickle."""

import numpy as np
import pytest

from autograder.npzio import load_npz, npz_bytes, sha256


def test_bytes_depend_on_the_arrays_alone_and_round_trip():
    arrays = {"b": np.arange(3.0), "a": np.array("desc"), "c": np.array(7, dtype=np.int64), "d": np.zeros((2, 0))}
    first = npz_bytes(arrays)
    assert npz_bytes(dict(reversed(list(arrays.items())))) == first  # member order is sorted, not insertion
    back = load_npz(first)
    assert sorted(back) == ["a", "b", "c", "d"]
    for name, arr in arrays.items():
        assert back[name].dtype == arr.dtype and back[name].shape == arr.shape and np.array_equal(back[name], arr)
    assert sha256(first) == sha256(npz_bytes(arrays)) and len(sha256(first)) == 64


def test_object_arrays_are_refused():
    with pytest.raises(TypeError, match="pickle"):
        npz_bytes({"x": np.array([1, "a"], dtype=object)})
