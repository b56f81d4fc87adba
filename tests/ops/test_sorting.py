"""Oracle tests for sorting and selection: sort, argsort, topk, kthvalue,
median, mode, quantile, unique, bincount, histc, searchsorted, bucketize."""
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


X3 = rand(2, 3, 5, seed=1)      # random floats: no ties, so indices are unambiguous
X2 = rand(4, 5, seed=2)
X0 = rand(seed=3)
XE = rand(0, 3, seed=4)
TIES = np.array([[1.0, 3.0, 3.0, 2.0, 3.0, 1.0], [2.0, 1.0, 1.0, 2.0, 0.0, 2.0]])
NANS = np.array([[1.0, np.nan, 3.0, 0.5, 2.0], [4.0, 0.0, -1.0, 2.0, 1.5],
                 [np.nan, np.nan, 1.0, 2.0, np.nan], [np.nan] * 5])

# (id, callable, samples): float64 values and first and second-order gradients;
# samples with ties skip finite differences (not differentiable there)
CASES = [
    ("sort", fn("sort"), [Sample(X3), Sample(X3, 1), Sample(X3, 0, True), Sample(X0),
                          Sample(XE, 0), Sample(NC(X2), 0), Sample(X3, descending=True)]),
    ("sort_stable", lambda lib, x, **k: lib.sort(x, stable=True, **k),
     [Sample(TIES, fd=False), Sample(TIES, dim=0, fd=False), Sample(TIES, descending=True, fd=False),
      Sample(TIES, dim=1, descending=True, fd=False)]),
    ("Tensor.sort", meth("sort"), [Sample(X3, -2), Sample(X3, descending=True)]),
    ("argsort", fn("argsort"), [Sample(X3), Sample(X3, 1, True), Sample(X0), Sample(XE, 1),
                                Sample(TIES, stable=True, fd=False),
                                Sample(TIES, dim=1, descending=True, stable=True, fd=False)]),
    ("msort", fn("msort"), [Sample(X3), Sample(X2), Sample(NC(X2))]),
    ("topk", fn("topk"), [Sample(X3, 2), Sample(X3, 3, 1), Sample(X3, 1, 0, False),
                          Sample(X2, 0), Sample(X2, 5, -1), Sample(X0, 1), Sample(NC(X2), 2, 0),
                          Sample(X2, 2, largest=False)]),
    ("Tensor.topk", meth("topk"), [Sample(X3, 2, dim=1)]),
    ("kthvalue", fn("kthvalue"), [Sample(X3, 2), Sample(X3, 1, 1), Sample(X3, 2, 0, True),
                                  Sample(X0, 1), Sample(NC(X2), 3, 0), Sample(X2, 5)]),
    ("median", fn("median"), [Sample(X3), Sample(X2), Sample(X0), Sample(XE), Sample(X3, 1),
                              Sample(X3, -1, True), Sample(X2, 0), Sample(X0, 0),
                              Sample(NC(X2), 1)]),
    ("Tensor.median", meth("median"), [Sample(X3, dim=2)]),
    ("nanmedian", fn("nanmedian"), [Sample(X3), Sample(X3, 1), Sample(X2, 0, True)]),
    ("mode", fn("mode"), [Sample(X3), Sample(X3, 1), Sample(TIES, fd=False), Sample(TIES, 0, fd=False),
                          Sample(TIES, -1, True, fd=False), Sample(X0)]),
    ("quantile", fn("quantile"),
     [Sample(X3, 0.3), Sample(X3, 0.0), Sample(X3, 1.0, 1), Sample(X3, 0.75, -1, True),
      Sample(X2, 0.4, 0), Sample(X0, 0.5), Sample(NC(X2), 0.2, 1),
      Sample(X3, np.array([0.1, 0.5, 0.9]), 1), Sample(X3, np.array([0.25, 0.8]), None, True),
      Sample(X3, np.array(0.6), 2)]),
    ("quantile_interp", lambda lib, x, q, d, i: lib.quantile(x, q, d, interpolation=i),
     [Sample(X3, np.array([0.0, 0.1, 0.5, 0.625, 1.0]), 1, mode)
      for mode in ("linear", "lower", "higher", "midpoint", "nearest")]),
    ("nanquantile", fn("nanquantile"), [Sample(X3, 0.3), Sample(X3, 0.7, 1, True),
                                        Sample(X2, np.array([0.2, 0.5]), 0)]),
    ("Tensor.quantile", meth("quantile"), [Sample(X3, 0.5, dim=0)]),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_float64(case):
    _, f, samples = case
    for s in samples:
        check(f, s, **TIGHT)


def test_topk_unsorted():
    """sorted=False leaves the order unspecified: compare the selected set."""
    def f(lib, x):
        v, i = lib.topk(x, 3, 1, sorted=False)
        return v.sort(1).values, i.sort(1).values
    check(f, Sample(X2), **TIGHT)


def test_nan():
    """NaN sorts as the largest value; median propagates it, nan* ignore it."""
    check(fn("sort"), Sample(NANS[:2], grad=False))
    check(fn("sort"), Sample(NANS[:2], descending=True, grad=False))
    check(fn("topk"), Sample(NANS[:2], 2, grad=False))
    check(fn("median"), Sample(NANS[1:2], grad=False))
    check(fn("median"), Sample(NANS[:2], grad=False))
    check(fn("median"), Sample(NANS[:2], 1, grad=False))
    check(fn("nanmedian"), Sample(NANS, grad=False))
    check(fn("nanmedian"), Sample(NANS[:3], 1, grad=False))
    check(lambda lib, x: lib.nanmedian(x, 1).values, Sample(NANS, grad=False))
    for interp in ("linear", "lower", "higher", "midpoint", "nearest"):
        q = np.array([0.0, 0.3, 0.5, 1.0])
        check(lambda lib, x, q: lib.nanquantile(x, q, 1, interpolation=interp),
              Sample(NANS, q, grad=False))
        check(lambda lib, x, q: lib.quantile(x, q, 1, interpolation=interp),
              Sample(NANS, q, grad=False))
    # gradients of nanquantile flow only into the non-NaN values used
    check(lambda lib, x: lib.nanquantile(x, 0.4, 1), Sample(NANS[:2]), **TIGHT)


@pytest.mark.parametrize("dtype", [I64, I32, U8, B, F16, F32], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("name", ["sort", "argsort", "topk", "kthvalue", "median", "nanmedian",
                                  "mode", "msort", "quantile"])
def test_dtypes(name, dtype):
    import torch
    import ember
    x = rand(3, 5, dtype=dtype, low=0, high=20, seed=7)
    if dtype not in (B, F16):
        x = np.array([np.random.default_rng(5).permutation(15)[:5] for _ in range(3)],
                     dtype=dtype)   # distinct values: unambiguous indices
    args = {"topk": (2,), "kthvalue": (2,), "median": (1,), "nanmedian": (1,),
            "quantile": (0.5,)}.get(name, ())
    try:
        getattr(torch, name)(torch.tensor(x), *args)
    except (RuntimeError, TypeError, NotImplementedError) as err:
        with pytest.raises(type(err)):
            getattr(ember, name)(ember.tensor(x), *args)
        return
    if dtype in (B, F16) and name in ("argsort", "kthvalue", "median", "nanmedian", "mode"):
        # ties are certain in bool/float16 samples: compare values only
        def values(lib, x):
            return getattr(lib, name)(x, *args).values
        if name == "argsort":
            check(lambda lib, x: lib.sort(x, stable=True), Sample(x, grad=False))
        else:
            check(values, Sample(x, grad=False))
        return
    check(fn(name), Sample(x, *args, grad=False))
    check(fn(name), Sample(x.astype(np.float32), *args))


def test_unique():
    x = np.array([[3, 1, 2], [1, 3, 3], [0, 2, 1]], dtype=np.int64)
    rows = np.array([[1, 2], [0, 1], [1, 2], [0, 0]], dtype=np.int64)
    for kw in ({}, {"return_inverse": True}, {"return_counts": True},
               {"return_inverse": True, "return_counts": True}, {"sorted": False}):
        check(lambda lib, x: lib.unique(x, **kw), Sample(x))
        check(lambda lib, x: lib.unique(x.float(), **kw), Sample(x))
        check(lambda lib, x: lib.unique(x, dim=0, **kw), Sample(rows))
        check(lambda lib, x: lib.unique(x, dim=1, **kw), Sample(rows))
        check(lambda lib, x: x.unique(**kw), Sample(x > 1))
    check(lambda lib, x: lib.unique(x, return_inverse=True, return_counts=True),
          Sample(np.zeros((0, 2)), grad=False))
    check(lambda lib, x: lib.unique(x, return_inverse=True), Sample(np.array(2.5), grad=False))
    check(lambda lib, x: lib.unique(x, return_counts=True),
          Sample(np.array([np.nan, 1.0, np.nan]), grad=False))


def test_unique_consecutive():
    x = np.array([1, 1, 2, 2, 3, 1, 1, 2], dtype=np.int64)
    rows = np.array([[1, 2], [1, 2], [0, 1], [1, 2], [1, 2]], dtype=np.int64)
    for kw in ({}, {"return_inverse": True}, {"return_counts": True},
               {"return_inverse": True, "return_counts": True}):
        check(lambda lib, x: lib.unique_consecutive(x, **kw), Sample(x))
        check(lambda lib, x: lib.unique_consecutive(x, **kw), Sample(x.reshape(2, 4)))
        check(lambda lib, x: lib.unique_consecutive(x, dim=0, **kw), Sample(rows))
        check(lambda lib, x: x.unique_consecutive(dim=1, **kw), Sample(rows.T.copy()))
        check(lambda lib, x: lib.unique_consecutive(x, **kw), Sample(np.zeros(0), grad=False))


def test_bincount():
    x = np.array([1, 1, 3, 0, 7, 1], dtype=np.int64)
    check(fn("bincount"), Sample(x))
    check(fn("bincount"), Sample(x, minlength=10))
    check(fn("bincount"), Sample(x, rand(6, seed=1), grad=False))
    check(fn("bincount"), Sample(x, rand(6, dtype=F32, seed=1), 3, grad=False))
    check(fn("bincount"), Sample(x, rand(6, dtype=I32, seed=1), grad=False))
    check(fn("bincount"), Sample(np.zeros(0, dtype=np.int64), minlength=3))
    check(meth("bincount"), Sample(x.astype(np.uint8)))


def test_histc():
    x = rand(40, seed=2)
    for args in ((), (10,), (7, -1.0, 1.0), (5, 0.0, 0.0), (4, -0.5, 3.0)):
        check(fn("histc"), Sample(x, *args))
        check(fn("histc"), Sample(x.astype(F32), *args))
    check(fn("histc"), Sample(np.array([1.0, 1.0, 1.0]), 4))
    check(fn("histc"), Sample(np.array([0.0, 0.25, 0.5, 0.75, 1.0]), 4, 0.0, 1.0))
    check(meth("histc"), Sample(X2, bins=6, min=-1, max=1))


def test_searchsorted_bucketize():
    seq = np.array([1.0, 2.0, 2.0, 4.0, 7.0])
    vals = np.array([[0.0, 2.0, 3.0], [7.0, 8.0, 2.0]])
    seq2 = np.sort(rand(2, 6, seed=4), axis=1)
    vals2 = rand(2, 3, seed=5)
    for kw in ({}, {"right": True}, {"side": "right"}, {"side": "left"}, {"out_int32": True}):
        check(lambda lib, s, v: lib.searchsorted(s, v, **kw), Sample(seq, vals))
        check(lambda lib, s, v: lib.searchsorted(s, v, **kw), Sample(seq2, vals2))
        check(lambda lib, s: lib.searchsorted(s, 2.0, **kw), Sample(seq))
    check(lambda lib, s, v, o: lib.searchsorted(s, v, sorter=o),
          Sample(np.array([4.0, 1.0, 7.0, 2.0]), vals, np.array([1, 3, 0, 2])))
    for kw in ({}, {"right": True}, {"out_int32": True}):
        check(lambda lib, v, b: lib.bucketize(v, b, **kw), Sample(vals, seq))
        check(lambda lib, v, b: lib.bucketize(v, b, **kw), Sample(X0, seq))


def test_return_types():
    import ember
    x = ember.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
    for name, args in (("sort", ()), ("topk", (2,)), ("kthvalue", (1,)), ("median", (1,)),
                       ("nanmedian", (1,)), ("mode", ())):
        r = getattr(ember, name)(x, *args)
        assert type(r).__name__ == name and r._fields == ("values", "indices")
        assert r.values is r[0] and r.indices is r[1]

    def out_fn(lib, x):
        v, i = lib.empty(0, dtype=x.dtype), lib.empty(0, dtype=lib.int64)
        r = lib.sort(x, 1, out=(v, i))
        assert r.values is v and r.indices is i
        return v, i
    check(out_fn, Sample(X2, grad=False))


@pytest.mark.parametrize("name, args", [("sort", ()), ("argsort", ()), ("msort", ()),
                                        ("topk", (1,)), ("kthvalue", (1,)), ("median", ()),
                                        ("median", (1,)), ("nanmedian", ()), ("mode", ()),
                                        ("unique", ()), ("quantile", (0.5,))])
def test_complex_refused(name, args):
    import torch
    x = rand(2, 3, dtype=np.complex64, seed=1)
    try:
        getattr(torch, name)(torch.tensor(x), *args)
    except (RuntimeError, NotImplementedError) as err:
        words = str(err).strip().split("'")[0]
        check_error(fn(name), [x, *args], type(err), words)
    else:
        pytest.fail("torch accepts complex input")


ERRORS = [
    (fn("topk"), [rand(2, 3), 4], RuntimeError, ("k",)),
    (fn("kthvalue"), [rand(2, 3), 4, 1], RuntimeError, ("k", "dimension 1")),
    (fn("kthvalue"), [rand(2, 3), 0], RuntimeError, ("k",)),
    (fn("sort"), [rand(2, 3), 2], IndexError, ("got 2",)),
    (fn("median"), [rand(0, 3), 0], IndexError, ("median()", "dim 0")),
    (fn("mode"), [rand(0)], IndexError, ("mode()",)),
    (fn("quantile"), [rand(3), 1.5], RuntimeError, ("[0, 1]",)),
    (fn("quantile"), [rand(3, dtype=I64), 0.5], RuntimeError, ("float or double",)),
    (fn("quantile"), [rand(3), rand(3, dtype=F32)], RuntimeError, ("same dtype",)),
    (fn("quantile"), [rand(3), rand(2, 2)], RuntimeError, ("scalar or 1D",)),
    (fn("quantile"), [rand(0), 0.5], RuntimeError, ("non-empty",)),
    (lambda lib, x: lib.quantile(x, 0.5, interpolation="cubic"), [rand(3)], RuntimeError,
     ("interpolation", "cubic")),
    (fn("bincount"), [np.array([1, -1])], RuntimeError, ("non-negative",)),
    (fn("bincount"), [np.array([[1, 2]])], RuntimeError, ("1-d",)),
    (fn("bincount"), [rand(3)], RuntimeError, ("integral",)),
    (fn("bincount"), [np.array([1, 2]), rand(3)], RuntimeError, ("same length",)),
    (fn("histc"), [rand(3), -1], RuntimeError, ("bins",)),
    (fn("histc"), [rand(3), 5, 2.0, 1.0], RuntimeError, ("max", "min")),
    (lambda lib, s, v: lib.searchsorted(s, v, right=True, side="left"),
     [rand(3), rand(2)], RuntimeError, ("side",)),
    (fn("searchsorted"), [rand(2, 3), rand(3, 1)], RuntimeError, ("[2, 3]", "[3, 1]")),
    (fn("bucketize"), [rand(3), rand(2, 2)], RuntimeError, ("boundaries", "dim(2)")),
]


@pytest.mark.parametrize("case", ERRORS, ids=lambda c: str(c[3]))
def test_errors(case):
    f, args, exc, match = case
    check_error(f, args, exc, *match)


def test_return_types_module():
    import ember
    r = ember.sort(ember.tensor([3.0, 1.0]))
    assert isinstance(r, ember.return_types.sort)
    assert isinstance(ember.max(ember.ones(2, 2), 0), ember.return_types.max)
