"""dtypes and torch's promotion rules, against torch."""
import itertools

import numpy as np
import pytest
import torch

import ember

NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16",
         "float32", "float64", "complex64", "complex128"]


@pytest.mark.parametrize("a,b", list(itertools.product(NAMES, NAMES)))
def test_promote_types(a, b):
    expected = torch.promote_types(getattr(torch, a), getattr(torch, b))
    got = ember.promote_types(getattr(ember, a), getattr(ember, b))
    assert got.name == str(expected).split(".")[1]


@pytest.mark.parametrize("a,b", list(itertools.product(NAMES, NAMES)))
def test_can_cast(a, b):
    assert ember.can_cast(getattr(ember, a), getattr(ember, b)) == \
        torch.can_cast(getattr(torch, a), getattr(torch, b))


def _make(lib, spec):
    kind, value = spec
    if kind == "scalar":
        return value
    dt = getattr(lib, kind)
    return lib.tensor(value, dtype=dt)


RESULT_TYPE_CASES = [
    (("int64", [1, 2]), ("scalar", 1.5)),
    (("int32", [1, 2]), ("float64", 1.0)),          # 0-dim float wins the category
    (("float16", [1.0]), ("float64", 1.0)),         # 0-dim same category does not upcast
    (("float16", [1.0]), ("scalar", 1e10)),
    (("uint8", [1]), ("int8", [1])),
    (("bool", [True]), ("scalar", 3)),
    (("bool", [True]), ("scalar", True)),
    (("int8", [1]), ("int64", 5)),
    (("float32", [1.0]), ("scalar", 2j)),
    (("float64", [1.0]), ("complex64", 1j)),        # 0-dim complex with float64 → complex128
    (("int64", 1), ("scalar", 2.0)),
    (("float16", 1.0), ("int64", [1])),
    (("bfloat16", [1.0]), ("float16", [1.0])),
]


@pytest.mark.parametrize("case", RESULT_TYPE_CASES, ids=str)
def test_result_type(case):
    expected = torch.result_type(_make(torch, case[0]), _make(torch, case[1]))
    got = ember.result_type(_make(ember, case[0]), _make(ember, case[1]))
    assert got.name == str(expected).split(".")[1]


@pytest.mark.parametrize("name", NAMES)
def test_dtype_properties(name):
    t, e = getattr(torch, name), getattr(ember, name)
    assert e.is_floating_point == t.is_floating_point
    assert e.is_complex == t.is_complex
    assert e.itemsize == t.itemsize
    assert e.is_signed == t.is_signed
    assert repr(e) == repr(t).replace("torch", "ember")


def test_aliases():
    for alias in ["float", "double", "half", "long", "int", "short", "cfloat", "cdouble", "bool"]:
        assert getattr(ember, alias).name == str(getattr(torch, alias)).split(".")[1]


def test_default_dtype():
    assert ember.get_default_dtype() is ember.float32
    try:
        ember.set_default_dtype(ember.float64)
        assert ember.tensor([1.0]).dtype is ember.float64
        assert ember.tensor([1]).dtype is ember.int64
        assert (ember.tensor([1]) * 1.5).dtype is ember.float64
        assert ember.tensor(1j).dtype is ember.complex128
    finally:
        ember.set_default_dtype(ember.float32)
    assert (ember.tensor([1]) * 1.5).dtype is ember.float32
    with pytest.raises(TypeError, match="floating"):
        ember.set_default_dtype(ember.int64)


@pytest.mark.parametrize("name", ["float16", "float32", "float64", "bfloat16"])
def test_finfo(name):
    t, e = torch.finfo(getattr(torch, name)), ember.finfo(getattr(ember, name))
    for attr in ("bits", "eps", "max", "min", "tiny", "resolution"):
        assert getattr(e, attr) == getattr(t, attr), attr


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo(name):
    t, e = torch.iinfo(getattr(torch, name)), ember.iinfo(getattr(ember, name))
    assert (e.bits, e.min, e.max) == (t.bits, t.min, t.max)


def test_numpy_dtype_roundtrip():
    for name in NAMES:
        if name == "bfloat16":
            continue
        arr = np.zeros(2, dtype=getattr(np, name if name != "bool" else "bool_"))
        assert ember.from_numpy(arr).dtype is getattr(ember, name)
    with pytest.raises(TypeError, match="uint16"):
        ember.from_numpy(np.zeros(2, dtype=np.uint16))
