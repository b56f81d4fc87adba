"""safetensors: byte-compatibility with the reference package, round trips and validation.

The fixtures under fixtures/ were written by the ``safetensors`` package from torch tensors (see
fixtures/make_safetensors_fixtures.py); ember must write the very same bytes and read them back to
the values torch holds.
"""
from __future__ import annotations

import importlib.util
import json
import os
import struct
import zlib

import numpy as np
import pytest
import torch

import ember
from ember.serialization import safetensors as st
from ember.utils import safetensors as st_alias

FIX = os.path.join(os.path.dirname(__file__), "fixtures")
_spec = importlib.util.spec_from_file_location("_st_fixtures", os.path.join(FIX, "make_safetensors_fixtures.py"))
fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fixtures)
STEMS = sorted(fixtures.FILES)


def _bits(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    return a.view(np.uint8) if a.size else a.reshape(-1).view(np.uint8)


def _torch_np(t: torch.Tensor) -> np.ndarray:
    if t.dtype == torch.bfloat16:  # numpy has no bfloat16: compare the raw 16-bit patterns
        return t.view(torch.int16).numpy()
    return t.numpy()


def _ember_np(t) -> np.ndarray:
    a = t.numpy()
    return a.view(np.int16) if t.dtype is ember.bfloat16 else a


def assert_same(e, t: torch.Tensor, name=""):
    assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], name
    assert tuple(e.shape) == tuple(t.shape), name
    np.testing.assert_array_equal(_bits(_ember_np(e)), _bits(_torch_np(t)), err_msg=name)


def _read(stem):
    with open(os.path.join(FIX, stem + ".safetensors"), "rb") as f:
        return f.read()


@pytest.mark.parametrize("stem", STEMS)
def test_save_is_byte_identical_to_reference(stem, tmp_path):
    tensors = fixtures.cases(ember)[stem]
    ref = _read(stem)
    assert st.save(tensors, metadata=fixtures.FILES[stem]) == ref
    path = tmp_path / "out.safetensors"
    st.save_file(tensors, path, metadata=fixtures.FILES[stem])
    assert path.read_bytes() == ref
    assert [p.name for p in tmp_path.iterdir()] == ["out.safetensors"]  # no temp file left


@pytest.mark.parametrize("stem", STEMS)
def test_load_reference_file_matches_torch(stem):
    expected = fixtures.cases(torch)[stem]
    path = os.path.join(FIX, stem + ".safetensors")
    for got in (st.load_file(path), st.load(_read(stem)), st_alias.load_file(path, device="cpu")):
        assert set(got) == set(expected)
        for name, t in expected.items():
            assert isinstance(got[name], ember.Tensor)
            assert_same(got[name], t, name)


@pytest.mark.parametrize("stem", STEMS)
def test_safe_open_is_lazy_and_equal(stem):
    expected = fixtures.cases(torch)[stem]
    with st.safe_open(os.path.join(FIX, stem + ".safetensors"), framework="pt") as f:
        assert f.keys() == sorted(expected)
        assert f.metadata() == fixtures.FILES[stem]
        for name, t in expected.items():
            assert_same(f.get_tensor(name), t, name)
            sl = f.get_slice(name)
            assert sl.get_shape() == list(t.shape)
            if t.dim() >= 1 and t.shape[0] > 1:
                assert_same(sl[1:], t[1:], name)
        with pytest.raises(KeyError, match="missing"):
            f.get_tensor("missing")


def test_loaded_tensors_are_writable_and_independent():
    got = st.load(_read("shapes"))
    m = got["matrix"]
    m.add_(1)
    assert got["big"][0].item() == 0.0 and m[0, 0].item() == 1.0


DTYPES = [ember.bool, ember.uint8, ember.int8, ember.int16, ember.int32, ember.int64, ember.float16,
          ember.bfloat16, ember.float32, ember.float64, ember.complex64]


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("shape", [(), (0,), (7,), (3, 5), (2, 0, 3), (2, 3, 4)])
def test_round_trip(dtype, shape, tmp_path):
    g = ember.Generator().manual_seed(zlib.crc32(f"{dtype}{shape}".encode()))
    x = (ember.randn(shape, generator=g) * 50)
    x = (x > 0) if dtype is ember.bool else x.abs().to(dtype) if dtype is ember.uint8 else x.to(dtype)
    path = tmp_path / "x.safetensors"
    st.save_file({"x": x, "y": x.clone()}, path)
    got = st.load_file(path)
    for k in "xy":
        assert got[k].dtype is dtype and got[k].shape == x.shape
        assert np.array_equal(_bits(_ember_np(got[k])), _bits(_ember_np(x)))


def test_header_is_padded_to_8_and_json():
    for stem in STEMS:
        data = _read(stem)
        (n,) = struct.unpack("<Q", data[:8])
        assert n % 8 == 0
        json.loads(data[8:8 + n])


# -------------------------------------------------------------- writer errors
def test_non_contiguous_is_refused_like_reference():
    with pytest.raises(ValueError, match="non contiguous tensor: `t`"):
        st.save({"t": ember.ones(3, 4).t()})
    st.save({"t": ember.ones(3, 4).t().contiguous()})


def test_shared_memory_is_refused_like_reference():
    x = ember.arange(8.0)
    with pytest.raises(RuntimeError, match="share memory.*'x', 'y'"):
        st.save({"x": x, "y": x[:2]})
    with pytest.raises(RuntimeError, match="share memory"):
        st.save({"x": x, "y": x})
    # disjoint pieces of one storage are accepted by the reference writer too
    data = st.save({"x": x[:4], "y": x[4:]})
    got = st.load(data)
    assert got["y"].tolist() == [4.0, 5.0, 6.0, 7.0]


@pytest.mark.parametrize("tensors, metadata, exc, msg", [
    ({"y": 1}, None, ValueError, "Key `y` is invalid, expected torch.Tensor"),
    ({"c": ember.ones(2, dtype=ember.complex128)}, None, KeyError, "complex128"),
    ({"a": ember.ones(2)}, {"k": 1}, TypeError, "metadata"),
    ({1: ember.ones(2)}, None, TypeError, "names must be str"),
    ({"__metadata__": ember.ones(2)}, None, ValueError, "__metadata__"),
    ([ember.ones(2)], None, TypeError, "dict"),
])
def test_writer_rejects_bad_input(tensors, metadata, exc, msg):
    with pytest.raises(exc, match=msg):
        st.save(tensors, metadata=metadata)


# -------------------------------------------------------------- reader errors
def _mk(header, data=b""):
    hb = json.dumps(header, separators=(",", ":")).encode()
    return struct.pack("<Q", len(hb)) + hb + data


F32 = {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}
# messages follow the reference reader (safetensors 0.8) for the same inputs
BAD = [
    ("short", b"\x01\x02", "header too small"),
    ("too_large", struct.pack("<Q", 10**9) + b"{}", "header too large"),
    ("len_beyond_file", struct.pack("<Q", 100) + b"{}", "invalid header length"),
    ("bad_json", struct.pack("<Q", 3) + b"{a}", "invalid JSON"),
    ("not_object", struct.pack("<Q", 2) + b"[]", "invalid JSON"),
    ("bad_utf8", struct.pack("<Q", 2) + b"\xff\xfe", "invalid UTF-8"),
    ("empty_header", struct.pack("<Q", 0), "invalid JSON"),
    ("trailing", struct.pack("<Q", 4) + b"{}x ", "invalid JSON"),
    ("unknown_dtype", _mk({"a": dict(F32, dtype="F99")}, b"0000"), "unknown dtype 'F99'"),
    ("gap", _mk({"a": dict(F32, data_offsets=[4, 8])}, b"0" * 8), "invalid offset for tensor `a`"),
    ("overlap", _mk({"a": F32, "b": dict(F32, data_offsets=[2, 6])}, b"0" * 6),
     "invalid offset for tensor `b`"),
    ("reversed", _mk({"a": dict(F32, data_offsets=[4, 0])}, b"0000"), "invalid offset for tensor `a`"),
    ("size_mismatch", _mk({"a": dict(F32, shape=[2])}, b"0000"), "invalid shape, data type, or offset"),
    ("extra_bytes", _mk({"a": F32}, b"00000"), "not fully covered"),
    ("missing_bytes", _mk({"a": F32}, b"00"), "not fully covered"),
    ("meta_not_str", _mk({"__metadata__": {"a": 1}}), "invalid JSON"),
    ("missing_field", _mk({"a": {"dtype": "F32", "shape": [1]}}, b"0000"), "missing field `data_offsets`"),
    ("neg_shape", _mk({"a": dict(F32, shape=[-1])}, b"0000"), "expected usize"),
    ("float_offset", _mk({"a": dict(F32, data_offsets=[0.0, 4])}, b"0000"), "expected usize"),
    ("bool_shape", _mk({"a": dict(F32, shape=[True])}, b"0000"), "expected usize"),
    ("huge_shape", _mk({"a": dict(F32, shape=[2**62, 8])}, b"0000"), "overflow"),
    ("offsets_len", _mk({"a": dict(F32, data_offsets=[0])}, b"0000"), "data_offsets"),
    ("info_not_obj", _mk({"a": 3}), "expected an object"),
]


@pytest.mark.parametrize("name, data, msg", BAD, ids=[b[0] for b in BAD])
def test_reader_rejects_malformed(name, data, msg, tmp_path):
    with pytest.raises(st.SafetensorError, match=msg):
        st.load(data)
    p = tmp_path / "bad.safetensors"
    p.write_bytes(data)
    with pytest.raises(ValueError, match=msg):
        st.load_file(p)
    with pytest.raises(ValueError, match=msg):
        st.safe_open(p, framework="pt")


@pytest.mark.parametrize("data", [
    struct.pack("<Q", 3) + b" {}",  # leading whitespace
    _mk({"a": dict(F32, extra=1)}, b"\0\0\0\0"),  # unknown fields are ignored
    _mk({"__metadata__": {"a": "b"}}),
])
def test_reader_accepts_what_reference_accepts(data):
    st.load(data)


def test_dtype_ember_lacks_is_a_clear_error():
    data = _mk({"a": {"dtype": "U16", "shape": [1], "data_offsets": [0, 2]}}, b"\0\0")
    with pytest.raises(TypeError, match="U16"):
        st.load(data)


def test_load_file_tensors_are_private_copy_on_write(tmp_path):
    path = tmp_path / "m.safetensors"
    st.save_file({"m": ember.zeros(4, 4), "v": ember.arange(3)}, path)
    before = path.read_bytes()
    got = st.load_file(path)
    got["m"].add_(1)
    assert got["m"].sum().item() == 16.0 and got["v"].tolist() == [0, 1, 2]
    assert path.read_bytes() == before  # writes never reach the file
    assert st.load_file(path)["m"].sum().item() == 0.0
