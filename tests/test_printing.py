"""repr/str of tensors against torch's, with 'torch.' read as 'ember.'."""
import math

import numpy as np
import pytest
import torch

import ember

R = np.random.default_rng(7)


def _arr(values, dtype):
    return np.array(values, dtype=dtype)


# name -> numpy array (both libraries build the tensor with lib.tensor)
ARRAYS = {
    "int_vec": _arr([1, -20, 300], np.int64),
    "int_0d": _arr(5, np.int64),
    "int_neg_0d": _arr(-7, np.int64),
    "int32": _arr([[1, 2], [3, 40]], np.int32),
    "uint8": _arr([0, 255, 7], np.uint8),
    "int8": _arr([-128, 5], np.int8),
    "int16": _arr([[1000, -3]], np.int16),
    "bool_vec": _arr([True, False, True], np.bool_),
    "bool_0d": _arr(False, np.bool_),
    "float_int_valued": _arr([1.0, 2.0, -3.0], np.float32),
    "float_0d": _arr(3.25, np.float32),
    "float_0d_integral": _arr(3.0, np.float32),
    "float_neg_zero": _arr(-0.0, np.float32),
    "float_zeros": np.zeros((2, 3), np.float32),
    "float_fixed": _arr([0.5, -1.25, 3.14159], np.float32),
    "float_small": _arr([1e-5, 1.0, 2.0], np.float32),
    "float_large_ratio": _arr([0.5, 1500.0], np.float32),
    "float_huge": _arr([1e9, 2e9], np.float32),
    "float_int_sci": _arr([1.0, 10000.0], np.float32),
    "float_nan_inf": _arr([math.nan, math.inf, -math.inf, 1.5], np.float32),
    "float_only_nan": _arr([math.nan, 0.0], np.float32),
    "float_nan_ints": _arr([math.nan, 2.0, -math.inf], np.float32),
    "float64": _arr([1.5, 2.25], np.float64),
    "float64_0d": _arr(-2.5, np.float64),
    "float16": _arr([1.5, -2.0], np.float16),
    "matrix": R.standard_normal((3, 4)).astype(np.float32),
    "cube": R.standard_normal((2, 3, 4)).astype(np.float32),
    "four_d": R.integers(-9, 9, (2, 2, 2, 2)).astype(np.int64),
    "wide_row": R.standard_normal(30).astype(np.float32),
    "wide_matrix": R.standard_normal((3, 25)).astype(np.float64) * 100,
    "long_ints": np.arange(40, dtype=np.int64) * 1000,
    "summarized_vec": np.arange(2000, dtype=np.float32) / 7,
    "summarized_mat": np.arange(3000, dtype=np.int64).reshape(50, 60),
    "summarized_3d": (np.arange(4000, dtype=np.float64).reshape(10, 20, 20) - 2000) / 3,
    "complex64": _arr([1 + 2j, -3.5 - 0.25j, 0j], np.complex64),
    "complex128": _arr([[1 + 1j, 2 - 2j]], np.complex128),
    "complex_0d": _arr(1 - 2j, np.complex64),
    "complex_sci": _arr([1e-6 + 1e5j, 1 + 1j], np.complex64),
    "empty_f": np.zeros(0, np.float32),
    "empty_2d": np.zeros((0, 3), np.float32),
    "empty_i": np.zeros((2, 0), np.int64),
    "empty_b": np.zeros(0, np.bool_),
    "empty_f64": np.zeros((0,), np.float64),
    "empty_c": np.zeros((0, 2), np.complex64),
    "one_elem_2d": _arr([[1.5]], np.float32),
}


def _same(e_text, t_text):
    assert e_text == t_text.replace("torch.", "ember."), f"\nember:\n{e_text}\ntorch:\n{t_text}"


@pytest.mark.parametrize("name", sorted(ARRAYS))
def test_repr_matches_torch(name):
    a = ARRAYS[name]
    e, t = ember.tensor(a), torch.tensor(a)
    _same(repr(e), repr(t))
    _same(str(e), str(t))


BUILT = {
    "requires_grad": lambda lib: lib.tensor([1.0, 2.0], requires_grad=True),
    "requires_grad_f64": lambda lib: lib.tensor([1.0, 2.0], dtype=lib.float64,
                                                requires_grad=True),
    "grad_fn_mul": lambda lib: lib.tensor([1.0, 2.5], requires_grad=True) * 2,
    "grad_fn_add_0d": lambda lib: lib.tensor(1.5, requires_grad=True) + 1,
    "grad_fn_long_line": lambda lib: lib.tensor(
        np.linspace(-1, 1, 13), dtype=lib.float64, requires_grad=True) * 3,
    "bfloat16": lambda lib: lib.tensor([1.5, -2.25, 1000.0], dtype=lib.bfloat16),
    "float16_sci": lambda lib: lib.tensor([1e-3, 60000.0], dtype=lib.float16),
    "detached": lambda lib: (lib.tensor([1.0], requires_grad=True) * 2).detach(),
    "empty_requires_grad": lambda lib: lib.tensor(np.zeros((0, 2)), requires_grad=True),
    "int_bool_subsequent": lambda lib: lib.tensor([[True], [False]]),
    "transposed": lambda lib: lib.tensor(np.arange(6.0).reshape(2, 3)).transpose(0, 1),
    "strided": lambda lib: lib.from_numpy(np.arange(10.0)[::3]),
}


@pytest.mark.parametrize("name", sorted(BUILT))
def test_repr_of_built_tensors(name):
    _same(repr(BUILT[name](ember)), repr(BUILT[name](torch)))


def test_default_dtype_changes_dtype_suffix():
    for lib in (ember, torch):
        lib.set_default_dtype(lib.float64)
    try:
        for a in (_arr([1.5], np.float64), _arr([1.5], np.float32), _arr([1j], np.complex128),
                  _arr([1j], np.complex64), np.zeros(0, np.float32), np.zeros(0, np.float64)):
            _same(repr(ember.tensor(a)), repr(torch.tensor(a)))
    finally:
        for lib in (ember, torch):
            lib.set_default_dtype(lib.float32)


OPTIONS = [
    dict(precision=2),
    dict(precision=8),
    dict(sci_mode=True),
    dict(sci_mode=False),
    dict(threshold=5),
    dict(threshold=5, edgeitems=1),
    dict(threshold=5, edgeitems=0),
    dict(edgeitems=0),
    dict(linewidth=30),
    dict(linewidth=10, precision=1),
    dict(profile="short"),
    dict(profile="full"),
    dict(profile="short", precision=6),
]


@pytest.fixture
def restore_printoptions():
    yield
    ember.set_printoptions(profile="default")
    torch.set_printoptions(profile="default")


@pytest.mark.parametrize("opts", OPTIONS, ids=[str(o) for o in OPTIONS])
def test_printoptions(opts, restore_printoptions):
    ember.set_printoptions(**opts)
    torch.set_printoptions(**opts)
    for name in ("float_fixed", "float_int_valued", "float_zeros", "matrix", "cube",
                 "wide_row", "long_ints", "summarized_vec", "summarized_mat", "complex64",
                 "float_0d", "int_vec", "bool_vec", "empty_2d", "float_small"):
        a = ARRAYS[name]
        _same(repr(ember.tensor(a)), repr(torch.tensor(a)))
    _same(repr(ember.tensor(ARRAYS["float_fixed"], requires_grad=True)),
          repr(torch.tensor(ARRAYS["float_fixed"], requires_grad=True)))


def test_printoptions_persist_until_reset(restore_printoptions):
    ember.set_printoptions(precision=1)
    assert repr(ember.tensor([1.25, 2.5])) == "tensor([1.2, 2.5])"
    ember.set_printoptions(profile="default")
    assert repr(ember.tensor([1.25, 2.5])) == "tensor([1.2500, 2.5000])"


def test_bad_profile():
    with pytest.raises(ValueError, match="profile"):
        ember.set_printoptions(profile="nope")


def test_format_of_0d_tensor():
    assert f"{ember.tensor(2.5):.2f}" == f"{torch.tensor(2.5):.2f}"
    assert format(ember.tensor([1, 2])) == str(ember.tensor([1, 2]))
