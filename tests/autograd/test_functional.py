"""autograd.functional (vjp, jvp, jacobian, hessian, vhp, hvp) against torch:
same functions, same structure of results (Tensor vs tuple), same values."""
import numpy as np
import pytest
import torch

import ember
from oracle import assert_close

A = np.array([[0.3, -1.2, 0.7], [1.5, 0.1, -0.4]])
B = np.array([0.5, -2.0, 1.25])


def t(lib, a, rg=False):
    return lib.tensor(a, dtype=lib.float64, requires_grad=rg)


def f_single(x):                 # Tensor -> Tensor
    return (x.exp() * x).sum(0)


def f_scalar(x):                 # Tensor -> scalar
    return (x.sin() * x * x).sum()


def f_two_in(x, y):              # (Tensor, Tensor) -> Tensor
    return (x * y).exp() + y * y


def f_two_in_scalar(x, y):       # (Tensor, Tensor) -> scalar
    return (x * x * y).sum() + (y.exp() * y).sum()


def f_two_out(x):                # Tensor -> (Tensor, Tensor)
    return x * x, x.sum(1).sin()


def f_unused(x, y):              # y is not used
    return x * 2


def _args(lib, kind, rg=False):
    if kind == "one":
        return t(lib, A, rg)
    return (t(lib, A[0], rg), t(lib, B, rg))


CASES = [
    # (api, function, inputs kind, v kind, kwargs)
    ("vjp", f_single, "one", "out3", {}),
    ("vjp", f_scalar, "one", None, {}),
    ("vjp", f_two_in, "two", "out3", {}),
    ("vjp", f_two_out, "one", "two_out", {}),
    ("vjp", f_unused, "two", "out3", {}),
    ("vjp", f_single, "one", "out3", {"create_graph": True}),
    ("jvp", f_single, "one", "in", {}),
    ("jvp", f_two_in, "two", "in", {}),
    ("jvp", f_two_out, "one", "in", {}),
    ("jvp", f_two_in, "two", "in", {"create_graph": True}),
    ("jacobian", f_single, "one", None, {}),
    ("jacobian", f_two_in, "two", None, {}),
    ("jacobian", f_two_out, "one", None, {}),
    ("jacobian", f_unused, "two", None, {}),
    ("jacobian", f_two_in, "two", None, {"create_graph": True}),
    ("jacobian", f_single, "one", None, {"vectorize": True}),
    ("hessian", f_scalar, "one", None, {}),
    ("hessian", f_two_in_scalar, "two", None, {}),
    ("hessian", f_two_in_scalar, "two", None, {"create_graph": True}),
    ("hvp", f_scalar, "one", "in", {}),
    ("hvp", f_two_in_scalar, "two", "in", {}),
    ("vhp", f_scalar, "one", "in", {}),
    ("vhp", f_two_in_scalar, "two", "in", {"create_graph": True}),
]


def _v(lib, kind, inputs_kind):
    rng = np.random.default_rng(7)
    if kind is None:
        return None
    if kind == "out3":
        return t(lib, rng.standard_normal(3))
    if kind == "two_out":
        return (t(lib, rng.standard_normal((2, 3))), t(lib, rng.standard_normal(2)))
    if inputs_kind == "one":
        return t(lib, rng.standard_normal((2, 3)))
    return (t(lib, rng.standard_normal(3)), t(lib, rng.standard_normal(3)))


def _call(lib, api, fn, inputs_kind, v_kind, kwargs):
    fun = getattr(lib.autograd.functional, api)
    rg = kwargs.get("create_graph", False)
    inputs = _args(lib, inputs_kind, rg)
    if api in ("jacobian", "hessian"):
        return fun(fn, inputs, **kwargs), inputs
    return fun(fn, inputs, _v(lib, v_kind, inputs_kind), **kwargs), inputs


def _flat(x):
    if isinstance(x, (tuple, list)):
        return [y for el in x for y in _flat(el)]
    return [x]


@pytest.mark.parametrize("api,fn,inputs_kind,v_kind,kwargs", CASES,
                         ids=[f"{c[0]}-{c[1].__name__}-{i}" for i, c in enumerate(CASES)])
def test_functional_matches_torch(api, fn, inputs_kind, v_kind, kwargs):
    e, e_in = _call(ember, api, fn, inputs_kind, v_kind, kwargs)
    tt, t_in = _call(torch, api, fn, inputs_kind, v_kind, kwargs)
    assert_close(e, tt, rtol=1e-10, atol=1e-12)   # structure (Tensor/tuple), shapes, values
    e_flat, t_flat = _flat(e), _flat(tt)
    assert [x.requires_grad for x in e_flat] == [x.requires_grad for x in t_flat]
    if kwargs.get("create_graph"):
        # differentiate the result again: the graph reaches back to the inputs
        e_in, t_in = _flat(e_in), _flat(t_in)
        e_s = sum((x * x).sum() for x in e_flat if x.requires_grad)
        t_s = sum((x * x).sum() for x in t_flat if x.requires_grad)
        e_g = ember.autograd.grad(e_s, e_in, allow_unused=True)
        t_g = torch.autograd.grad(t_s, t_in, allow_unused=True)
        assert_close(list(e_g), list(t_g), rtol=1e-9, atol=1e-11)


def _err(lib, which):
    F = lib.autograd.functional
    x, y = t(lib, A), t(lib, B)
    if which == "v_none_non_scalar":
        F.vjp(f_single, x)
    elif which == "bad_input_type":
        F.jacobian(f_single, (x, 3.0))
    elif which == "bad_v_size":
        F.vjp(f_single, x, t(lib, B[:2]))
    elif which == "bad_v_len":
        F.jvp(f_two_in, (x[0], y), (y,))
    elif which == "strict_unused":
        F.vjp(f_unused, (x, y), t(lib, A), strict=True)
    elif which == "strict_jacobian_unused":
        F.jacobian(f_unused, (x, y), strict=True)
    elif which == "strict_vectorize":
        F.jacobian(f_single, x, strict=True, vectorize=True)
    elif which == "hessian_non_scalar":
        F.hessian(f_single, x)
    elif which == "strict_linear_hessian":
        F.hessian(lambda z: (z * 3).sum(), x, strict=True)
    elif which == "bad_output_type":
        F.vjp(lambda z: (z, 1.0), x, t(lib, A))


ERRORS = [
    ("v_none_non_scalar", RuntimeError, "The vector v can only be None if the user-provided "
                                        "function returns a single Tensor with a single element"),
    ("bad_input_type", TypeError, "must be either a Tensor or a tuple of Tensors"),
    ("bad_v_size", RuntimeError, "v has invalid size: should be"),
    ("bad_v_len", RuntimeError, "v is a tuple of invalid length: should be 2 but got 1"),
    ("strict_unused", RuntimeError, "independent of input 1"),
    ("strict_jacobian_unused", RuntimeError, "Output 0 of the user-provided function is "
                                             "independent of input 1"),
    ("strict_vectorize", RuntimeError, "`strict=True` and `vectorized=True` are not supported"),
    ("hessian_non_scalar", RuntimeError, "should contain a single element"),
    ("strict_linear_hessian", RuntimeError, "jacobian of the user-provided function with "
                                            "respect to input 0 is independent of the input"),
    ("bad_output_type", TypeError, "The outputs of the user-provided function given to vjp must "
                                   "be either a Tensor or a tuple of Tensors"),
]


@pytest.mark.parametrize("which,exc,words", ERRORS, ids=[e[0] for e in ERRORS])
def test_functional_errors(which, exc, words):
    with pytest.raises(exc):
        _err(torch, which)
    with pytest.raises(exc) as info:
        _err(ember, which)
    assert words in str(info.value), f"{words!r} not in {info.value}"
