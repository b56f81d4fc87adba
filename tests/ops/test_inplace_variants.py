"""Oracle tests for in-place forms (``name_``) and aliases of pointwise ops, the
torch.* function spellings of in-place ops, and the reflected/in-place Python
operators: values and dtype against torch, that ``x.name_(...)`` returns x and
modifies it, the refusal to write a wider result into a narrower tensor, and
gradients through the in-place op on a non-leaf (``x = leaf * 1; x.cos_()``)."""
import numpy as np
import pytest
import torch

import ember
from oracle import Sample, assert_close, check, rand

F64, I64, B = np.float64, np.int64, np.bool_


def other(lo=-2.0, hi=2.0, seed=7, dtype=F64, shape=(3, 4)):
    return rand(*shape, low=lo, high=hi, dtype=dtype, seed=seed)


# name: (domain low, high, dtype of self, extra args). A NumPy array in the
# extra args becomes a tensor (requiring grad when float); others pass as is.
CASES = {
    # unary, float
    "acos_": (-0.9, 0.9, F64, ()), "arccos_": (-0.9, 0.9, F64, ()),
    "acosh_": (1.1, 3, F64, ()), "arccosh_": (1.1, 3, F64, ()),
    "asin_": (-0.9, 0.9, F64, ()), "arcsin_": (-0.9, 0.9, F64, ()),
    "asinh_": (-2, 2, F64, ()), "arcsinh_": (-2, 2, F64, ()),
    "atan_": (-2, 2, F64, ()), "arctan_": (-2, 2, F64, ()),
    "atanh_": (-0.9, 0.9, F64, ()), "arctanh_": (-0.9, 0.9, F64, ()),
    "cos_": (-3, 3, F64, ()), "cosh_": (-2, 2, F64, ()), "sin_": (-3, 3, F64, ()),
    "sinh_": (-2, 2, F64, ()), "tan_": (-1.2, 1.2, F64, ()), "sinc_": (-2, 2, F64, ()),
    "log_": (0.1, 3, F64, ()), "log10_": (0.1, 3, F64, ()), "log1p_": (-0.5, 3, F64, ()),
    "log2_": (0.1, 3, F64, ()), "exp2_": (-2, 2, F64, ()), "expm1_": (-2, 2, F64, ()),
    "erf_": (-2, 2, F64, ()), "erfc_": (-2, 2, F64, ()), "i0_": (-2, 2, F64, ()),
    "digamma_": (0.2, 4, F64, ()), "lgamma_": (0.2, 4, F64, ()),
    "logit_": (0.1, 0.9, F64, ()), "reciprocal_": (0.5, 2, F64, ()),
    "deg2rad_": (-2, 2, F64, ()), "rad2deg_": (-2, 2, F64, ()),
    "square_": (-2, 2, F64, ()), "neg_": (-2, 2, F64, ()), "negative_": (-2, 2, F64, ()),
    "absolute_": (-2, 2, F64, ()), "sgn_": (-2, 2, F64, ()), "conj_physical_": (-2, 2, F64, ()),
    "ceil_": (-3, 3, F64, ()), "floor_": (-3, 3, F64, ()), "trunc_": (-3, 3, F64, ()),
    "fix_": (-3, 3, F64, ()), "frac_": (-3, 3, F64, ()), "round_": (-3, 3, F64, ()),
    "nan_to_num_": (-2, 2, F64, (0.5,)), "clamp_min_": (-2, 2, F64, (-0.5,)),
    "clamp_max_": (-2, 2, F64, (0.5,)),
    # binary, float
    "atan2_": (-2, 2, F64, (other(),)), "arctan2_": (-2, 2, F64, (other(),)),
    "copysign_": (0.5, 2, F64, (other(),)), "hypot_": (0.5, 2, F64, (other(0.5),)),
    "divide_": (-2, 2, F64, (other(0.5),)), "true_divide_": (-2, 2, F64, (other(0.5),)),
    "multiply_": (-2, 2, F64, (other(),)), "subtract_": (-2, 2, F64, (other(),)),
    "float_power_": (0.5, 2, F64, (other(0.5),)), "fmod_": (0.5, 3, F64, (other(0.5),)),
    "remainder_": (0.5, 3, F64, (other(0.5),)), "floor_divide_": (0.5, 3, F64, (other(0.5),)),
    "xlogy_": (-2, 2, F64, (other(0.5),)), "heaviside_": (-2, 2, F64, (other(),)),
    "nextafter_": (-2, 2, F64, (other(),)), "ldexp_": (-2, 2, F64, (other(0, 4, dtype=I64),)),
    "igamma_": (0.5, 4, F64, (other(0.2, 5),)), "igammac_": (0.5, 4, F64, (other(0.2, 5),)),
    # comparisons and logical ops (bool results written into self)
    "eq_": (-2, 2, F64, (0.5,)), "ne_": (-2, 2, F64, (other(),)), "not_equal_": (-2, 2, F64, (0.5,)),
    "lt_": (-2, 2, F64, (other(),)), "less_": (-2, 2, F64, (other(),)),
    "le_": (-2, 2, F64, (0.5,)), "less_equal_": (-2, 2, F64, (other(),)),
    "greater_": (-2, 2, F64, (other(),)), "greater_equal_": (-2, 2, F64, (0.5,)),
    "logical_and_": (-2, 2, F64, (other(dtype=B),)), "logical_or_": (-2, 2, F64, (other(),)),
    "logical_xor_": (-2, 2, F64, (other(dtype=B),)),
    # integer ops
    "bitwise_not_": (-9, 9, I64, ()), "bitwise_and_": (-9, 9, I64, (other(-9, 9, dtype=I64),)),
    "bitwise_or_": (-9, 9, I64, (other(-9, 9, dtype=I64),)),
    "bitwise_xor_": (-9, 9, I64, (5,)),
    "bitwise_left_shift_": (-9, 9, I64, (other(0, 5, dtype=I64),)),
    "bitwise_right_shift_": (-99, 99, I64, (2,)),
    "gcd_": (-30, 30, I64, (other(-30, 30, dtype=I64),)),
    "lcm_": (-30, 30, I64, (other(-30, 30, dtype=I64),)),
    # other in-place methods
    "tril_": (-2, 2, F64, (1,)),
}

# shape of self when not (3, 4)
SHAPES = {}


def _self(name):
    lo, hi, dtype, _ = CASES[name]
    return rand(*SHAPES.get(name, (3, 4)), low=lo, high=hi, dtype=dtype, seed=3)


def _args(lib, name, requires_grad=False):
    out = []
    for a in CASES[name][3]:
        if isinstance(a, np.ndarray):
            t = lib.tensor(a)
            if requires_grad and t.is_floating_point():
                t.requires_grad_(True)
            a = t
        out.append(a)
    return out


def test_table_names_exist_where_torch_has_them():
    for name in CASES:
        assert hasattr(torch.Tensor, name), name
        assert hasattr(ember.Tensor, name), name
        assert hasattr(ember, name) == hasattr(torch, name), f"ember.{name} vs torch.{name}"


def _run(lib, name, x, how):
    y = x.clone()
    if how == "method":
        r = getattr(y, name)(*_args(lib, name))
    else:
        r = getattr(lib, name)(y, *_args(lib, name))
    assert r is y, f"{lib.__name__}: {name} does not return self"
    return y


@pytest.mark.parametrize("name", sorted(CASES))
def test_inplace_method_values(name):
    x = _self(name)
    t = _run(torch, name, torch.tensor(x), "method")
    e = _run(ember, name, ember.tensor(x), "method")
    assert_close(e, t, rtol=1e-10, atol=1e-12)


FUNCTION_FORMS = sorted(n for n in CASES if hasattr(torch, n))


@pytest.mark.parametrize("name", FUNCTION_FORMS)
def test_inplace_function_values(name):
    x = _self(name)
    t = _run(torch, name, torch.tensor(x), "function")
    e = _run(ember, name, ember.tensor(x), "function")
    assert_close(e, t, rtol=1e-10, atol=1e-12)


def _outcome(fn):
    try:
        return fn(), None
    except Exception as exc:  # noqa: BLE001 - compared with the other library's
        return None, exc


@pytest.mark.parametrize("dtype", ["int64", "bool", "float32"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_inplace_other_dtypes(name, dtype):
    """A result dtype that cannot be written into self fails with torch's error
    ("result type Float can't be cast to the desired output type Long"); others
    compute like torch."""
    lo, hi, _, _ = CASES[name]
    x = rand(3, 4, low=lo, high=hi, seed=4).astype(dtype)
    t, t_exc = _outcome(lambda: _run(torch, name, torch.tensor(x), "method"))
    e, e_exc = _outcome(lambda: _run(ember, name, ember.tensor(x), "method"))
    if t_exc is not None:
        assert e_exc is not None, f"torch raised {t_exc!r}; ember returned {e}"
        assert isinstance(e_exc, type(t_exc)), f"{e_exc!r} vs torch {t_exc!r}"
        if str(t_exc).startswith("result type"):  # torch sometimes spells the type "long int"
            assert str(e_exc).split(" output type")[0] == str(t_exc).split(" output type")[0]
        elif "not implemented for" in str(t_exc):  # kernel names differ; the dtype must not
            assert str(e_exc).endswith(str(t_exc).split("not implemented for")[1]), str(e_exc)
        return
    assert e_exc is None, f"ember raised {e_exc!r}; torch returned {t}"
    assert_close(e, t, rtol=1e-5, atol=1e-6)


def test_float_result_into_int_message():
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired "
                                           "output type Long"):
        ember.tensor([1, 2]).cos_()


def _torch_differentiable(name):
    x = torch.tensor(_self(name), requires_grad=True)
    try:
        getattr(x * 1, name)(*_args(torch, name, True)).sum().backward()
        return True, None
    except (RuntimeError, NotImplementedError) as exc:
        return False, exc


GRAD_CASES = sorted(n for n in CASES if CASES[n][2] == F64)
# piecewise-constant ops: finite differences across a step are meaningless
STEPS = {"ceil_", "floor_", "trunc_", "fix_", "round_", "sgn_", "frac_", "floor_divide_",
         "remainder_", "fmod_", "absolute_", "clamp_min_", "clamp_max_", "copysign_",
         # torch records no node for these: the incoming gradient passes through unchanged,
         # which is not the derivative finite differences would find
         "logical_and_", "logical_or_", "logical_xor_"}


@pytest.mark.parametrize("name", GRAD_CASES)
def test_inplace_gradients_on_non_leaf(name):
    differentiable, exc = _torch_differentiable(name)
    if not differentiable and "inplace version of" in str(exc):
        # torch lacks these in-place derivatives; ember's must equal the out-of-place ones
        x = _self(name)
        check(lambda lib, x: getattr(lib, name[:-1])(x) if lib is torch else getattr(x * 1, name)(),
              Sample(x), rtol=1e-10, atol=1e-12)
        return
    if not differentiable:
        x = ember.tensor(_self(name), requires_grad=True)
        with pytest.raises(type(exc)):
            getattr(x * 1, name)(*_args(ember, name, True)).sum().backward()
        return
    arrays = [a for a in CASES[name][3] if isinstance(a, np.ndarray)]
    scalars = [a for a in CASES[name][3] if not isinstance(a, np.ndarray)]

    def fn(lib, x, *tensors):
        it = iter(tensors)
        args = [next(it) if isinstance(a, np.ndarray) else a for a in CASES[name][3]]
        y = x * 1
        r = getattr(y, name)(*args)
        assert r is y
        return r
    assert len(arrays) + len(scalars) == len(CASES[name][3])
    check(fn, Sample(_self(name), *arrays, fd=name not in STEPS), rtol=1e-10, atol=1e-12)


def test_inplace_on_leaf_requiring_grad_raises():
    for lib in (torch, ember):
        x = lib.ones(3, requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            x.cos_()


def test_inplace_bumps_version_and_backward_sees_it():
    # cos saves its input: modifying that input afterwards makes backward fail, as in torch
    for lib in (torch, ember):
        x = lib.ones(3, requires_grad=True) * 1
        y = x.cos()
        x.sin_()
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


# ----------------------------------------------------------- aliases
ALIASES = {
    # alias: (canonical, domain low, high, dtype)
    "arccosh": ("acosh", 1.1, 3, F64), "conj_physical": ("conj_physical", -2, 2, F64),
    "bitwise_not": ("bitwise_not", -9, 9, I64),
}


@pytest.mark.parametrize("name", sorted(ALIASES))
def test_unary_aliases(name):
    _, lo, hi, dtype = ALIASES[name]
    x = rand(3, 4, low=lo, high=hi, dtype=dtype, seed=5)
    check(lambda lib, x: getattr(lib, name)(x), Sample(x), rtol=1e-10, atol=1e-12)
    check(lambda lib, x: getattr(x, name)(), Sample(x), rtol=1e-10, atol=1e-12)


def test_conj_physical_complex():
    x = rand(3, 2, dtype=np.complex128, seed=6)
    check(lambda lib, x: lib.conj_physical(x), Sample(x), rtol=1e-10, atol=1e-12)
    check(lambda lib, x: (x * 1).conj_physical_(), Sample(x), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["bitwise_or", "bitwise_xor", "bitwise_left_shift",
                                  "bitwise_right_shift"])
@pytest.mark.parametrize("dtypes", [(I64, I64), (np.int32, np.uint8), (B, B), (np.int8, I64)])
def test_bitwise_binary(name, dtypes):
    shifts = "shift" in name
    a = rand(3, 4, low=-50, high=50, dtype=dtypes[0], seed=8)
    b = rand(3, 4, low=0 if shifts else -50, high=6 if shifts else 50, dtype=dtypes[1], seed=9)
    if shifts and B in dtypes:
        return  # torch has no bool shift kernel; the error is compared below
    check(lambda lib, a, b: getattr(lib, name)(a, b), Sample(a, b, grad=False))
    check(lambda lib, a, b: getattr(a, name)(b), Sample(a, b, grad=False))
    check(lambda lib, a: getattr(lib, name)(a, 3), Sample(a, grad=False))


def test_bitwise_errors():
    for name in ("bitwise_or", "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift",
                 "bitwise_not"):
        args = (1.5,) if name != "bitwise_not" else ()
        for lib in (torch, ember):
            t, exc = _outcome(lambda: getattr(lib.ones(2), name)(*args))
            assert isinstance(exc, RuntimeError) and "not implemented for 'Float'" in str(exc)


# ------------------------------------------------ operators (dunders)
OPERATOR_CASES = {
    "__rand__": (I64, lambda x: 6 & x), "__ror__": (I64, lambda x: 6 | x),
    "__rxor__": (I64, lambda x: 6 ^ x), "__rshift__": (I64, lambda x: x >> 2),
    "__rrshift__": (I64, lambda x: 64 >> x.abs()), "__rlshift__": (I64, lambda x: 3 << x.abs()),
    "__lshift__": (I64, lambda x: x << 3), "__rmod__": (F64, lambda x: 5.0 % x),
    "__abs__": (F64, lambda x: abs(x)), "__pos__": (F64, lambda x: +x),
}


@pytest.mark.parametrize("name", sorted(OPERATOR_CASES))
def test_reflected_and_unary_operators(name):
    dtype, fn = OPERATOR_CASES[name]
    x = rand(3, 4, low=0.5 if dtype == F64 else -5, high=5, dtype=dtype, seed=10)
    # torch has no derivative for remainder(Scalar, Tensor): compared in test_rmod_grad
    check(lambda lib, x: fn(x), Sample(x, grad=name != "__rmod__"), rtol=1e-10, atol=1e-12)
    assert hasattr(ember.Tensor, name)


def test_rmod_grad_not_implemented():
    for lib in (torch, ember):
        x = lib.ones(3, dtype=lib.float64, requires_grad=True)
        with pytest.raises(RuntimeError, match="derivative for aten::remainder is not implemented"):
            (5.0 % x).sum().backward()


def _inplace_dunder(op):
    def fn(lib, x):
        y = x * 1
        z = y
        if op == "%=":
            z %= 1.5
        elif op == "**=":
            z **= 2
        elif op == "<<=":
            z <<= 2
        elif op == ">>=":
            z >>= 1
        assert z is y
        return z
    return fn


@pytest.mark.parametrize("op,dtype", [("%=", F64), ("**=", F64), ("<<=", I64), (">>=", I64)],
                         ids=["__imod__", "__ipow__", "__ilshift__", "__irshift__"])
def test_inplace_operators(op, dtype):
    x = rand(3, 4, low=0.5 if dtype == F64 else -20, high=5, dtype=dtype, seed=11)
    check(_inplace_dunder(op), Sample(x, fd=op != "%="), rtol=1e-10, atol=1e-12)


def test_rmatmul_and_complex():
    a, b = rand(3, 4, seed=12), rand(4, 2, seed=13)
    # a NumPy array on the left defers to the tensor's __rmatmul__ in both libraries
    check(lambda lib, a, b: b.__rmatmul__(a), Sample(a, b), rtol=1e-10, atol=1e-12)
    assert complex(ember.tensor(1.5)) == complex(torch.tensor(1.5))
    assert complex(ember.tensor(1 + 2j)) == complex(torch.tensor(1 + 2j))
    assert ember.Tensor.__array_priority__ == torch.Tensor.__array_priority__


# --------------------------------------------------- other method forms
def test_ndimension():
    for shape in [(), (3,), (2, 3, 4)]:
        assert ember.zeros(shape).ndimension() == torch.zeros(shape).ndimension()


@pytest.mark.parametrize("name", ["addmv_", "addr_", "addbmm_"])
def test_blas_inplace(name):
    shapes = {"addmv_": [(3,), (3, 4), (4,)], "addr_": [(3, 4), (3,), (4,)],
              "addbmm_": [(3, 4), (2, 3, 5), (2, 5, 4)]}[name]
    arrays = [rand(*s, seed=20 + i) for i, s in enumerate(shapes)]

    def fn(lib, x, a, b):
        y = x * 1
        r = getattr(y, name)(a, b, beta=0.5, alpha=2.0)
        assert r is y
        return r
    check(fn, Sample(*arrays), rtol=1e-10, atol=1e-12)
    if hasattr(ember, name):  # torch also has addmv_ as a function
        check(lambda lib, x, a, b: getattr(lib, name)(x * 1, a, b), Sample(*arrays), rtol=1e-10,
              atol=1e-12)


@pytest.mark.parametrize("name", ["alpha_dropout_", "feature_alpha_dropout_", "feature_dropout_"])
def test_dropout_inplace_functions_in_eval(name):
    x = rand(2, 3, 4, seed=30)
    for p in (0.0, 0.5):
        def fn(lib, x):
            y = x * 1
            r = getattr(lib, name)(y, p, False)
            assert r is y
            return r
        check(fn, Sample(x), rtol=1e-10, atol=1e-12)
