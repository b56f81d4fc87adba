"""Oracle tests for reductions, norms, cumulative ops, diff and trace: values,
dtypes, shapes, gradients and second-order gradients against torch."""
import numpy as np
import pytest

from oracle import NC, Sample, check, check_error, rand

F64, F32, F16, I64, I32, U8, B = (np.float64, np.float32, np.float16, np.int64, np.int32,
                                  np.uint8, np.bool_)
TIGHT = {"rtol": 1e-10, "atol": 1e-12}


def fn(name):
    """torch.<name>(x, *args, **kwargs)."""
    return lambda lib, *a, **k: getattr(lib, name)(*a, **k)


def meth(name):
    """x.<name>(*args, **kwargs)."""
    return lambda lib, x, *a, **k: getattr(x, name)(*a, **k)


X3 = rand(2, 3, 4, seed=1)
X2 = rand(3, 4, seed=2)
X0 = rand(seed=3)
XE = rand(0, 3, seed=4)
POS = rand(3, 4, low=0.5, high=2.0, seed=5)


def dims_samples(x=X3, keep=True):
    """A sample over all dims and several dim / keepdim forms."""
    out = [Sample(x), Sample(x, 1), Sample(x, -1, keep), Sample(x, (0, 2)),
           Sample(x, dim=(-1, 0), keepdim=keep), Sample(NC(rand(4, 3, seed=6)), 0),
           Sample(X0), Sample(X0, 0), Sample(X0, -1, True)]
    return out


# (id, callable, samples): float64 values, gradients and second-order gradients.
CASES = [
    ("sum", fn("sum"), dims_samples() + [Sample(XE), Sample(XE, 0), Sample(XE, 1, True),
                                         Sample(X2, ())]),
    ("Tensor.sum", meth("sum"), [Sample(X3, (1, 2)), Sample(X3, dim=0, keepdim=True)]),
    ("nansum", fn("nansum"), dims_samples()),
    ("mean", fn("mean"), dims_samples() + [Sample(XE, 1)]),
    ("Tensor.mean", meth("mean"), [Sample(X3, -2, True)]),
    ("nanmean", fn("nanmean"), dims_samples()),
    ("prod", fn("prod"), [Sample(X2), Sample(X2, 1), Sample(X2, 0, True), Sample(X0),
                          Sample(X0, 0), Sample(XE), Sample(XE, 1), Sample(NC(POS), 1)]),
    ("prod_zeros", fn("prod"), [Sample(np.array([[2.0, 0.0, 3.0], [0.0, 0.0, 1.5]])),
                                Sample(np.array([[2.0, 0.0, 3.0], [0.0, 0.0, 1.5]]), 1),
                                Sample(np.array([[2.0, 0.0, 3.0], [0.0, 5.0, 1.5]]), 0)]),
    ("var", fn("var"), dims_samples(keep=False)),
    ("var_correction", fn("var"), [Sample(X3, 1, correction=0), Sample(X3, correction=2.5),
                                   Sample(X3, (0, 1), keepdim=True, correction=0)]),
    ("var_unbiased", fn("var"), [Sample(X3, 1, False), Sample(X3, 1, True, True),
                                 Sample(X3, False), Sample(X3, dim=2, unbiased=False)]),
    ("std", fn("std"), dims_samples(keep=False) + [Sample(X3, 1, correction=0)]),
    ("Tensor.std", meth("std"), [Sample(X3, 1, keepdim=True), Sample(X3, unbiased=False)]),
    ("var_mean", fn("var_mean"), [Sample(X3), Sample(X3, 1), Sample(X3, (0, 2), True),
                                  Sample(X3, 1, correction=0, keepdim=True)]),
    ("std_mean", fn("std_mean"), [Sample(X3), Sample(X3, -1, keepdim=True),
                                  Sample(X3, 1, unbiased=False)]),
    ("amax", fn("amax"), dims_samples()),
    ("amin", fn("amin"), dims_samples()),
    ("Tensor.amax", meth("amax"), [Sample(X3, 1)]),
    ("max", fn("max"), [Sample(X3), Sample(X3, 1), Sample(X3, -1, True), Sample(X0),
                        Sample(X0, 0), Sample(NC(rand(4, 3, seed=7)), 1)]),
    ("min", fn("min"), [Sample(X3), Sample(X3, 1), Sample(X3, -1, True), Sample(X0),
                        Sample(X0, 0, True), Sample(NC(rand(4, 3, seed=7)), 0)]),
    ("max_binary", fn("max"), [Sample(X2, rand(3, 1, seed=9)), Sample(X2, X0)]),
    ("min_binary", fn("min"), [Sample(X2, rand(4, seed=9))]),
    ("Tensor.max", meth("max"), [Sample(X3), Sample(X3, dim=2), Sample(X2, rand(4, seed=3))]),
    ("Tensor.min", meth("min"), [Sample(X3, 0, keepdim=True)]),
    ("aminmax", fn("aminmax"), [Sample(X3), Sample(X3, dim=1), Sample(X3, dim=-1, keepdim=True),
                                Sample(X0)]),
    ("logsumexp", fn("logsumexp"), [Sample(X3, 1), Sample(X3, (0, 2)), Sample(X3, -1, True),
                                    Sample(X0, 0), Sample(XE, 0), Sample(NC(X2), 0),
                                    Sample(rand(3, 4, low=600, high=800, seed=3), 1)]),
    ("Tensor.logsumexp", meth("logsumexp"), [Sample(X3, 2)]),
    ("norm", fn("norm"), [Sample(X3), Sample(X3, 3), Sample(X3, 1, 1), Sample(X3, "fro", (1, 2)),
                          Sample(X3, float("inf"), 2), Sample(X3, -float("inf")),
                          Sample(X3, 2, -1, True), Sample(X3, 0.5, 0), Sample(X0),
                          Sample(NC(X2), 2, 0), Sample(X3, 0, 1)]),
    ("Tensor.norm", meth("norm"), [Sample(X3), Sample(X3, dim=1), Sample(X3, p=1, dim=(0, 1))]),
    ("dist", fn("dist"), [Sample(X2, rand(3, 4, seed=11)), Sample(X2, rand(4, seed=12), 3),
                          Sample(X2, rand(4, seed=13), 1), Sample(X2, X0, float("inf"))]),
    ("renorm", fn("renorm"), [Sample(X3, 2, 0, 1.5), Sample(X3, 1, 2, 2.0),
                              Sample(X2, 3, -1, 0.5)]),
    ("trace", fn("trace"), [Sample(X2), Sample(rand(4, 2, seed=14)), Sample(NC(X2)),
                            Sample(rand(0, 3, seed=1))]),
    ("cumsum", fn("cumsum"), [Sample(X3, 1), Sample(X3, -1), Sample(X0, 0), Sample(XE, 0),
                              Sample(NC(X2), 0), Sample(X3, dim=0)]),
    ("cumprod", fn("cumprod"), [Sample(X3, 1), Sample(X3, -1), Sample(X0, 0), Sample(XE, 1),
                                Sample(NC(POS), 0)]),
    ("cumprod_zeros", fn("cumprod"),
     [Sample(np.array([[2.0, 0.0, 3.0, 0.5], [0.0, 1.5, 0.0, 2.0]]), 1),
      Sample(np.array([[2.0, 0.0, 3.0, 0.5], [0.0, 1.5, 0.0, 2.0]]), 0)]),
    ("logcumsumexp", fn("logcumsumexp"),
     [Sample(X3, 1), Sample(X3, -1), Sample(X0, 0), Sample(XE, 0), Sample(NC(X2), 0),
      Sample(rand(3, 5, low=-300, high=300, seed=15), 1)]),
    ("cummax", fn("cummax"), [Sample(X3, 1), Sample(X3, -1), Sample(X0, 0), Sample(XE, 0),
                              Sample(NC(X2), 0),
                              Sample(np.array([1.0, 3.0, 3.0, 2.0, 3.0, 4.0]), 0, fd=False)]),
    ("cummin", fn("cummin"), [Sample(X3, 2), Sample(X0, -1),
                              Sample(np.array([3.0, 1.0, 1.0, 2.0, 0.5, 0.5]), 0, fd=False)]),
    ("diff", fn("diff"), [Sample(X3), Sample(X3, 2, 1), Sample(X3, 1, 0),
                          Sample(X3, 3, -1, rand(2, 3, 2, seed=1), rand(2, 3, 1, seed=2)),
                          Sample(X2, 1, 0, rand(1, 4, seed=3)),
                          Sample(X2, 1, -1, None, rand(3, 2, seed=4)), Sample(X2, 5),
                          Sample(X2, 0), Sample(NC(X2), 1, 0)]),
    ("Tensor.cumsum", meth("cumsum"), [Sample(X3, 2)]),
    ("trapezoid", fn("trapezoid"), [Sample(X3), Sample(X3, dim=1), Sample(X3, dx=0.5, dim=0),
                                    Sample(X3, np.array([0.0, 0.5, 2.0, 2.5])),
                                    Sample(X3, rand(2, 3, 4, seed=8), dim=-1),
                                    Sample(X3, rand(3, seed=9), dim=1), Sample(XE),
                                    Sample(rand(2, 1, seed=1)), Sample(NC(X2), dx=2)]),
    ("trapz", fn("trapz"), [Sample(X3, np.array([0.0, 0.5, 2.0, 2.5])), Sample(X2, dx=3)]),
    ("cumulative_trapezoid", fn("cumulative_trapezoid"),
     [Sample(X3), Sample(X3, dim=1), Sample(X3, dx=0.5, dim=0),
      Sample(X3, np.array([0.0, 0.5, 2.0, 2.5])), Sample(rand(2, 1, seed=1)), Sample(XE)]),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_float64(case):
    _, f, samples = case
    for s in samples:
        check(f, s, **TIGHT)


def test_nuclear_norm():
    """Second order is not compared: the nuclear norm's backward treats U @ Vh as a
    constant until linalg provides a differentiable svd."""
    for s in (Sample(X2, "nuc"), Sample(X3, "nuc", (0, 2)), Sample(X3, "nuc", (2, 1), True)):
        check(fn("norm"), s, gradgrad=False, **TIGHT)


CX = rand(3, 4, dtype=np.complex128, seed=3)
CX_ZEROS = np.array([[2.0 + 1j, 0, 3.0 - 1j, 0.5j], [0, 1.5, 0, 2.0 + 2j]])
COMPLEX_CASES = [("sum", (CX,)), ("sum", (CX, 1)), ("mean", (CX, 0)), ("prod", (CX,)),
                 ("prod", (CX, 1)), ("prod", (CX_ZEROS,)), ("prod", (CX_ZEROS, 0)),
                 ("var", (CX, 1)), ("std", (CX,)), ("cumsum", (CX, 1)), ("cumprod", (CX, 1)),
                 ("cumprod", (CX_ZEROS, 1)), ("cumprod", (CX_ZEROS, 0)), ("norm", (CX,)),
                 ("norm", (CX, 1, 1)), ("trace", (CX,)), ("logsumexp", (CX, 1)),
                 ("logcumsumexp", (CX, 1)), ("logcumsumexp", (CX, 0)), ("diff", (CX,)),
                 ("dist", (CX[:2], CX_ZEROS))]


@pytest.mark.parametrize("case", COMPLEX_CASES, ids=lambda c: c[0])
def test_complex(case):
    """First order only: the oracle's second-order step sums complex gradients
    into a complex scalar, which torch's autograd refuses."""
    name, args = case
    check(fn(name), Sample(*args), gradgrad=False, **TIGHT)


@pytest.mark.parametrize("name, args", [("max", ()), ("max", (1,)), ("min", ()), ("amax", ()),
                                        ("amin", (0,)), ("aminmax", ()), ("argmax", ()),
                                        ("argmin", (1,)), ("cummax", (0,)), ("cummin", (1,)),
                                        ("nansum", ())])
def test_complex_refused(name, args):
    import torch
    try:
        getattr(torch, name)(torch.tensor(CX), *args)
    except (RuntimeError, NotImplementedError) as err:
        words = str(err).strip().split("'")[0]
        check_error(fn(name), [CX, *args], type(err), words)
    else:
        pytest.fail("torch accepts complex input")


def test_max_ties():
    """max/min with dim send the gradient to the returned (first) index; amax,
    amin and max() split it evenly among ties, as torch does. (At ties the function
    is not differentiable, so there is no finite-difference check.)"""
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 1.0], [5.0, 5.0, 5.0]])
    for name in ("max", "min", "amax", "amin"):
        check(fn(name), Sample(x, fd=False), **TIGHT)
        check(fn(name), Sample(x, 1, fd=False), **TIGHT)
        check(fn(name), Sample(x, 0, True, fd=False), **TIGHT)
    check(fn("aminmax"), Sample(x, dim=1, fd=False), **TIGHT)
    check(fn("norm"), Sample(np.array([1.0, -3.0, 3.0]), float("inf"), fd=False), **TIGHT)
    check(fn("median"), Sample(np.array([1.0, 3.0, 3.0, 2.0, 3.0]), fd=False), **TIGHT)


def test_nan_propagation():
    x = np.array([[1.0, np.nan, 3.0], [2.0, 0.5, 1.0]])
    for name in ("sum", "mean", "amax", "max", "min", "prod", "logsumexp", "argmax", "argmin"):
        args = (x, 1) if name == "logsumexp" else (x,)
        check(fn(name), Sample(*args, grad=False))
    for name in ("nansum", "nanmean"):
        check(fn(name), Sample(x, 1), **TIGHT)
        check(fn(name), Sample(x), **TIGHT)
    check(fn("max"), Sample(x, 1, grad=False))
    check(fn("cummax"), Sample(np.array([1.0, np.nan, 5.0, np.nan, 7.0]), 0, grad=False))
    check(fn("cummin"), Sample(np.array([3.0, 1.0, 1.0, np.nan, 0.0, np.nan]), 0, grad=False))


@pytest.mark.parametrize("name", ["sum", "mean", "prod", "var", "std", "amax", "amin",
                                  "logsumexp", "nansum", "norm", "cumsum", "cumprod"])
def test_float32(name):
    """float32 compute: float32 tolerances (rtol 1e-5, atol 1e-6) per the brief."""
    x = rand(4, 5, dtype=F32, low=0.5, high=1.5, seed=21)
    args = (x, 1) if name in ("logsumexp", "cumsum", "cumprod") else (x,)
    check(fn(name), Sample(*args))
    check(fn(name), Sample(x, 0) if name != "norm" else Sample(x, 2, 0))


# (name, extra args): dtype handling of integer, bool and half inputs and dtype=
DTYPE_CASES = [
    ("sum", ()), ("sum", (1,)), ("nansum", ()), ("prod", ()), ("prod", (0,)), ("cumsum", (1,)),
    ("cumprod", (0,)), ("amax", (1,)), ("amin", ()), ("max", ()), ("min", (0,)), ("argmax", ()),
    ("argmax", (1,)), ("argmin", (0, True)), ("all", ()), ("all", (1,)), ("any", ()),
    ("any", ((0, 1),)), ("count_nonzero", ()), ("count_nonzero", (1,)), ("aminmax", ()),
    ("logsumexp", (1,)), ("trace", ()), ("cummax", (1,)), ("cummin", (0,)), ("diff", ()),
    ("mean", ()), ("var", ()), ("std", (1,)), ("trapezoid", ()), ("cumulative_trapezoid", ()),
]


@pytest.mark.parametrize("dtype", [I64, I32, U8, B, F16, F32], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("case", DTYPE_CASES, ids=lambda c: f"{c[0]}{c[1]}")
def test_dtypes(case, dtype):
    """Result dtypes for each input dtype; where torch refuses a dtype, ember
    raises the same exception type."""
    import torch
    import ember
    name, extra = case
    x = rand(3, 4, dtype=dtype, low=0, high=3, seed=31)
    try:
        getattr(torch, name)(torch.tensor(x), *extra)
    except (RuntimeError, TypeError, NotImplementedError) as err:
        with pytest.raises(type(err)):
            getattr(ember, name)(ember.tensor(x), *extra)
        return
    tol = {"rtol": 2e-3, "atol": 2e-3} if dtype == F16 else {}   # float16 rounding
    check(fn(name), Sample(x, *extra, grad=False), **tol)


def test_dtype_argument():
    x = rand(3, 4, dtype=I32, low=0, high=5, seed=3)
    xf = rand(3, 4, dtype=F32, seed=3)
    check(lambda lib, x: lib.sum(x, 1, dtype=lib.float64), Sample(x))
    check(lambda lib, x: lib.sum(x, dtype=lib.int16), Sample(x))
    check(lambda lib, x: lib.prod(x, 0, dtype=lib.float32), Sample(x))
    check(lambda lib, x: lib.cumsum(x, 1, dtype=lib.float64), Sample(x))
    check(lambda lib, x: lib.mean(x, dtype=lib.float64), Sample(x))
    check(lambda lib, x: lib.mean(x, 1, dtype=lib.float64), Sample(xf))
    check(lambda lib, x: lib.sum(x, 1, dtype=lib.float64), Sample(xf))
    check(lambda lib, x: lib.norm(x, dtype=lib.float64), Sample(xf))
    check(lambda lib, x: lib.nansum(x, 0, dtype=lib.float64), Sample(xf))


def test_out_and_inplace():
    x = rand(3, 4, seed=41)

    def out_fn(name, *args):
        def f(lib, x):
            out = lib.empty(0, dtype=x.dtype)
            r = getattr(lib, name)(x, *args, out=out)
            assert r is out
            return out
        return f
    for name, args in (("sum", (1,)), ("mean", ()), ("prod", (0,)), ("cumsum", (1,)),
                       ("amax", (1,)), ("logsumexp", (1,)), ("var", (1,)), ("std", ())):
        check(out_fn(name, *args), Sample(x, grad=False), **TIGHT)

    def out_tuple(lib, x):
        v, i = lib.empty(0, dtype=x.dtype), lib.empty(0, dtype=lib.int64)
        r = lib.max(x, 1, out=(v, i))
        assert r.values is v and r.indices is i
        return v, i
    check(out_tuple, Sample(x, grad=False))
    check(lambda lib, x: x.clone().cumsum_(1), Sample(x, grad=False), **TIGHT)
    check(lambda lib, x: (x * 2).cumsum_(0), Sample(x), **TIGHT)
    check(lambda lib, x: (x * 2).cumprod_(1), Sample(x), **TIGHT)
    check(lambda lib, x: x.clone().renorm_(2, 0, 1.0), Sample(x, grad=False), **TIGHT)


def test_return_types():
    import ember
    x = ember.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
    for name in ("max", "min"):
        r = getattr(ember, name)(x, 1)
        assert type(r).__name__ == name and r._fields == ("values", "indices")
        assert r.values is r[0] and r.indices is r[1]
        assert repr(r).startswith(f"ember.return_types.{name}(")
    assert ember.aminmax(x)._fields == ("min", "max")
    assert ember.cummax(x, 1)._fields == ("values", "indices")
    v, i = ember.max(x, 1)
    assert v.tolist() == [5.0, 7.0] and i.tolist() == [1, 0]


def test_sum_to_size():
    x = rand(2, 3, 4, seed=1)
    for size in ((3, 4), (1, 4), (3, 1), (2, 1, 4), (1, 1, 1), ()):
        check(lambda lib, x: x.sum_to_size(size), Sample(x), **TIGHT)
    check(lambda lib, x: x.sum_to_size(3, 1), Sample(x), **TIGHT)
    check_error(lambda lib, x: x.sum_to_size(5, 4), [x], RuntimeError, "[5, 4]", "expandable")


def test_var_degrees_of_freedom():
    """correction >= the reduced count gives inf/nan with torch's warning."""
    with pytest.warns(UserWarning, match="degrees of freedom"):
        check(fn("var"), Sample(np.array([1.0, 2.0]), correction=2, grad=False))
    with pytest.warns(UserWarning, match=r"std\(\): degrees of freedom"):
        check(fn("std"), Sample(np.array([1.0]), grad=False))


ERRORS = [
    # (callable, args, exception, message fragments)
    (fn("mean"), [rand(3, dtype=I64)], RuntimeError, ("mean()", "Long")),
    (lambda lib, x: lib.mean(x, dtype=lib.int32), [rand(3)], RuntimeError, ("Int",)),
    (fn("var"), [rand(3, dtype=I64)], RuntimeError, ("floating point",)),
    (fn("std"), [rand(3, dtype=B)], RuntimeError, ("floating point",)),
    (fn("sum"), [rand(2, 3), 2], IndexError, ("[-2, 1]", "got 2")),
    (fn("sum"), [rand(2, 3), (0, -2)], RuntimeError, ("dim 0", "multiple times")),
    (fn("amax"), [rand(2, 3), (1, 1)], RuntimeError, ("dim 1", "multiple times")),
    (fn("max"), [rand(0, 3)], RuntimeError, ("numel() == 0",)),
    (fn("max"), [rand(0, 3), 0], IndexError, ("dim 0", "non-zero size")),
    (fn("amax"), [rand(0, 3), 0], IndexError, ("amax()", "dim 0")),
    (fn("argmax"), [rand(0)], IndexError, ("argmax()", "numel() == 0")),
    (fn("aminmax"), [rand(0)], RuntimeError, ("aminmax()", "empty")),
    (fn("trace"), [rand(3)], RuntimeError, ("matrix", "dim 1")),
    (fn("norm"), [rand(3, dtype=I64)], RuntimeError, ("floating point", "Long")),
    (fn("logcumsumexp"), [rand(3, dtype=I64), 0], NotImplementedError, ("Long",)),
    (fn("cumsum"), [rand(2, 3), 2], IndexError, ("got 2",)),
    (fn("diff"), [rand()], RuntimeError, ("one-dimensional",)),
    (fn("prod"), [rand(2, 3), 3], IndexError, ("got 3",)),
    (fn("trapezoid"), [rand(2, 3), rand(2)], RuntimeError, ("one `x` value",)),
    (lambda lib, x: lib.var(x, 0, True, correction=1), [rand(3, 2)], TypeError, ("correction",)),
]


@pytest.mark.parametrize("case", ERRORS, ids=lambda c: str(c[3]))
def test_errors(case):
    f, args, exc, match = case
    check_error(f, args, exc, *match)
