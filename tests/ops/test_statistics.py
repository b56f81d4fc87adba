"""Oracle tests for statistics: cov, corrcoef, histogram, isin."""
import warnings

import numpy as np
import pytest

from oracle import NC, Sample, check, check_error, rand

F64, F32, F16, I64, I32, U8, B = (np.float64, np.float32, np.float16, np.int64, np.int32,
                                  np.uint8, np.bool_)
TIGHT = {"rtol": 1e-10, "atol": 1e-12}


def fn(name):
    return lambda lib, *a, **k: getattr(lib, name)(*a, **k)


def meth(name):
    return lambda lib, x, *a, **k: getattr(x, name)(*a, **k)


def cov_w(lib, x, fweights=None, aweights=None, **k):
    """cov with the weights passed positionally, so the harness makes them tensors
    (and differentiates with respect to aweights too)."""
    return lib.cov(x, fweights=fweights, aweights=aweights, **k)


def hist_w(lib, x, bins=100, weight=None, **k):
    return lib.histogram(x, bins, weight=weight, **k)


X = rand(3, 5, seed=1)
FW = np.array([1, 2, 0, 3, 1])
AW = rand(5, low=0.1, high=2.0, seed=2)


@pytest.mark.parametrize("s", [
    Sample(X), Sample(X[0]), Sample(rand(1, 4, seed=3)), Sample(NC(rand(4, 3, seed=4))),
    Sample(X, correction=0), Sample(X, correction=2), Sample(X, FW),
    Sample(X, None, AW), Sample(X, FW, AW),
    Sample(X, FW, AW, correction=0), Sample(X, None, AW, correction=3),
    Sample(rand(0, 3, seed=5)),
], ids=repr)
def test_cov(s):
    check(cov_w, s, **TIGHT)


def test_cov_dtypes_and_methods():
    check(fn("cov"), Sample(X.astype(F32)))
    check(cov_w, Sample(X.astype(F32), None, AW))                    # promotes to float64
    check(fn("cov"), Sample(rand(2, 4, dtype=I64, seed=6)))           # ints give the default float
    check(cov_w, Sample(rand(2, 4, dtype=I32, seed=6), FW[:4].astype(I32)))
    check(fn("cov"), Sample(rand(2, 3, dtype=np.complex128, seed=7)), **TIGHT)
    check(lambda lib, x, w: x.cov(correction=0, fweights=w), Sample(X, FW), **TIGHT)


def test_cov_degenerate_warns():
    # too few observations: torch warns and divides by zero (inf / nan)
    for s in (Sample(np.array(3.0)), Sample(np.array([1.0])), Sample(rand(2, 0, seed=8)),
              Sample(rand(2, 3, seed=9), correction=3), Sample(X, None, AW, correction=5)):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            check(cov_w, s, grad=False)
        assert any("degrees of freedom is <= 0" in str(x.message) for x in w)


def test_cov_errors():
    c = fn("cov")
    check_error(c, [rand(2, 3, 4)], RuntimeError, "two or fewer dimensions", "3 dimensions")
    check_error(c, [np.array([True, False])], RuntimeError, "bool dtype is not supported")
    check_error(c, [X], TypeError, "'correction' must be int", correction=0.5)
    check_error(cov_w, [X, np.ones(5, F32)], RuntimeError, "fweights", "integral dtype", "Float")
    check_error(lambda lib, x, w: lib.cov(x, fweights=w), [X, np.array([1, -2, 3, 1, 1])],
                RuntimeError, "fweights cannot be negative")
    check_error(lambda lib, x, w: lib.cov(x, fweights=w), [X, np.array([1, 2])],
                RuntimeError, "same numel", "2 != 5")
    check_error(lambda lib, x, w: lib.cov(x, fweights=w), [X, np.ones((1, 5), I64)],
                RuntimeError, "one or fewer dimensions", "2 dimensions")
    check_error(lambda lib, x, w: lib.cov(x, aweights=w), [X, np.ones(5, I64)],
                RuntimeError, "aweights", "floating point dtype", "Long")
    check_error(lambda lib, x, w: lib.cov(x, aweights=w), [X, -AW], RuntimeError,
                "aweights cannot be negative")
    check_error(lambda lib, x, w: lib.cov(x, aweights=w), [X, np.zeros(5)], RuntimeError,
                "weights sum to zero")
    check_error(lambda lib, x, w: lib.cov(x, fweights=w), [X, np.zeros(5, I64)], RuntimeError,
                "weights sum to zero")
    check_error(lambda lib, x, w: lib.cov(x, aweights=w), [X, np.ones(5, np.complex64)],
                RuntimeError, "floating point dtype", "ComplexFloat")


@pytest.mark.parametrize("s", [
    Sample(X), Sample(NC(rand(4, 3, seed=4))), Sample(rand(2, 6, seed=10)),
    Sample(rand(4, seed=11)), Sample(rand(2, 4, dtype=np.complex128, seed=13)),
], ids=repr)
def test_corrcoef(s):
    check(fn("corrcoef"), s, **TIGHT)


def test_corrcoef_dtypes():
    check(fn("corrcoef"), Sample(X.astype(F32)))
    check(fn("corrcoef"), Sample(rand(3, 4, dtype=I64, seed=12)))


def test_corrcoef_edge():
    check(meth("corrcoef"), Sample(X), **TIGHT)
    # perfectly correlated rows: the coefficients sit on the clip bounds
    check(fn("corrcoef"), Sample(np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0]])), grad=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(fn("corrcoef"), Sample(np.array(2.0)), grad=False)
    check_error(fn("corrcoef"), [rand(2, 2, 2)], RuntimeError, "two or fewer dimensions")


H = rand(20, seed=20)


@pytest.mark.parametrize("s", [
    Sample(H, 4), Sample(H), Sample(H.astype(F32), 7), Sample(H, 5, range=(-1.0, 1.0)),
    Sample(H, 3, range=(0, 3)), Sample(np.array([1.0, 1.0, 1.0]), 4), Sample(np.zeros(0), 4),
    Sample(rand(4, 5, seed=21), 6), Sample(NC(rand(4, 5, seed=21)), 6), Sample(np.array(2.0), 3),
    Sample(H, 4, rand(20, seed=22)), Sample(H, 4, density=True),
    Sample(H, 4, rand(20, low=0, high=1, seed=22), density=True),
    Sample(H, np.array([-2.0, -0.5, 0.0, 0.3, 2.0])), Sample(H, np.array([-1.0, 1.0])),
    Sample(H, np.array([-1.0, 0.0, 1.0]), density=True),
    Sample(H.astype(F32), np.array([-1.0, 0.0, 1.0], F32), rand(20, dtype=F32, seed=23)),
    Sample(rand(2, 3, seed=25), 3, NC(rand(2, 3, seed=26))),
    Sample(np.array([1.0, np.nan, 0.5]), 2, range=(0.0, 2.0)),
    Sample(np.array([0.0, 1.0, np.inf]), 2, range=(0.0, 1.0)),
], ids=repr)
def test_histogram(s):
    check(hist_w, s, grad=False, **TIGHT)


def test_histogram_method_and_edges():
    check(meth("histogram"), Sample(H, 3), grad=False)
    # edges computed in float32 must match torch's linspace bit for bit
    x = rand(1000, dtype=F32, seed=24)
    check(fn("histogram"), Sample(x, 37), grad=False, rtol=0, atol=0)
    check(fn("histogram"), Sample(x, 10, range=(-1.5, 1.7)), grad=False, rtol=0, atol=0)


def test_histogram_errors():
    h = fn("histogram")
    check_error(h, [H, 0], RuntimeError, "bins must be > 0", "got 0")
    check_error(h, [H, -1], RuntimeError, "bins must be > 0", "got -1")
    check_error(h, [H, 3], RuntimeError, "min should not exceed max", "min 3 max 0",
                range=(3.0, 0.0))
    check_error(h, [H, 3], RuntimeError, "[0, inf] is not finite", range=(0.0, float("inf")))
    check_error(h, [np.array([1.0, np.inf]), 3], RuntimeError, "[1, inf] is not finite")
    check_error(h, [np.array([1.0, np.nan]), 3], RuntimeError, "is not finite")
    check_error(h, [H, 3], RuntimeError, "range should have 2 elements", range=(1.0, 2.0, 3.0))
    check_error(h, [np.array([1, 2]), 3], NotImplementedError, "not implemented for 'Long'")
    check_error(h, [np.array([1.0, 2.0], F16), 3], NotImplementedError, "'Half'")
    check_error(h, [H.astype(F32), np.array([0.0, 1.0])], RuntimeError, "same dtype", "double")
    check_error(h, [H, np.array([[0.0, 1.0]])], RuntimeError, "one dimension", "2 dimensions")
    check_error(h, [H, np.zeros(0)], RuntimeError, "at least 1 element")
    check_error(h, [H, np.array([0.0])], RuntimeError, "bins must be > 0")
    check_error(hist_w, [H.astype(F32), 3, np.ones(20)], RuntimeError, "same dtype",
                "weight(double)")
    check_error(lambda lib, x, w: lib.histogram(x, 3, weight=w), [H, np.ones(5)],
                RuntimeError, "same shape", "[5]")
    check_error(h, [H, 3.0], TypeError)
    check_error(h, [H, np.array([0.0, 1.0])], TypeError, range=(0.0, 1.0))
    check_error(h, [H.astype(F32), 3], RuntimeError, "overflow", range=(0.0, 1e40))


I = np.array([[1, 5, 2], [7, 2, 0]])


@pytest.mark.parametrize("s", [
    Sample(I, np.array([2, 7, 9])), Sample(I, np.array([2, 7, 9]), invert=True),
    Sample(I, np.array([[2], [0]]), assume_unique=True), Sample(I, np.array([2.0, 7.5])),
    Sample(I.astype(F32), np.array([2, 7])), Sample(I, 2), Sample(3, np.array([1, 3])),
    Sample(3.5, np.array([1, 3])), Sample(np.array(2), np.array([2, 3])),
    Sample(I, np.zeros(0, I64)), Sample(np.zeros((0, 2)), np.array([1.0])),
    Sample(np.array([1, 2], U8), 257), Sample(np.array([1, 2], U8), np.array([257])),
    Sample(np.array([1.0, np.nan]), np.array([np.nan, 1.0])), Sample(NC(rand(3, 4, seed=30)), 1.0),
    Sample(rand(3, 4, dtype=I32, seed=31), np.array([0, 1], np.int8)),
], ids=repr)
def test_isin(s):
    check(fn("isin"), s, grad=False)


def test_isin_errors():
    i = fn("isin")
    check_error(i, [3, 3], TypeError)
    check_error(i, [np.array([1.0]), [1.0]], TypeError)
    check_error(i, [np.array([True]), np.array([True])], RuntimeError,
                "Unsupported input type", "Bool")
    check_error(i, [np.array([1, 2]), np.array([True])], RuntimeError, "Bool")
    check_error(i, [np.array([1j]), np.array([1j])], RuntimeError, "ComplexDouble")
    check_error(i, [np.array([1.0]), 2 + 1j], RuntimeError, "ComplexDouble")
