"""Oracle tests for indexing: __getitem__/__setitem__, gather/scatter family,
index_* ops, masked_*, take/put, where, nonzero and the *_scatter ops."""
import warnings

import numpy as np
import pytest
import torch

import ember
from oracle import NC, Sample, check, check_error, rand

F64, F32, I64, I32, B = np.float64, np.float32, np.int64, np.int32, np.bool_
TOL64 = dict(rtol=1e-10, atol=1e-12)


class T:
    """An index given as a tensor of each library (built from a NumPy array)."""

    def __init__(self, array):
        self.array = np.asarray(array)

    def __repr__(self) -> str:  # stable test ids (pytest-xdist compares them across workers)
        return f"T({self.array.tolist()})"


def build(lib, spec):
    """Turn an index spec (T markers inside tuples/lists) into lib's index."""
    if isinstance(spec, T):
        return lib.tensor(spec.array)
    if isinstance(spec, tuple):
        return tuple(build(lib, s) for s in spec)
    if isinstance(spec, list) and any(isinstance(s, (T, tuple, list)) for s in spec):
        return [build(lib, s) for s in spec]
    return spec


def ix(*values):
    return T(np.array(values, dtype=np.int64))


# ========================================================== __getitem__
GETITEM = [
    # (shape, index)
    ((5,), 2), ((5,), -1), ((5,), slice(1, 4)), ((5,), slice(None, None, 2)),
    ((5,), slice(-3, None)), ((5,), slice(4, 1)), ((5,), slice(2, 100)),
    ((3, 4), (1, 2)), ((3, 4), (slice(None), 1)), ((3, 4), (Ellipsis, 0)),
    ((3, 4), (None, 1)), ((3, 4), (Ellipsis, None)), ((3, 4), ()), ((3, 4), Ellipsis),
    ((2, 3, 4), (0, Ellipsis, slice(1, 3))), ((2, 3, 4), (None, 1, None, slice(None), 2)),
    ((2, 3, 4), (Ellipsis, 0, Ellipsis)), ((), Ellipsis), ((), None),
    ((3, 4), T(np.array(1))),                          # 0-dim int tensor acts as an int
    ((3, 4), (T(np.array(1)), T(np.array(2)))),
    ((3, 4), np.int64(2)),
    # advanced
    ((5,), [0, 2, 2, 4]), ((5,), ix(4, 0, 0)), ((5,), ix(-1, -5)), ((5,), []),
    ((3, 4), ix(2, 0, 2)), ((3, 4), (slice(None), ix(3, 3, 0))),
    ((3, 4), (ix(0, 2), ix(1, 3))), ((3, 4), (ix(0, 2), 1)),
    ((3, 4), T(np.array([[0, 1], [2, 2]]))), ((3, 4), np.array([1, 1])),
    ((2, 3, 4), (0, slice(None), [0, 1])),              # torch: int is a select, shape (3, 2)
    ((2, 3, 4), ([0, 1], slice(None), [0, 1])),          # separated: advanced dims first
    ((2, 3, 4), (slice(None), None, [0, 1])), ((2, 3, 4), ([0, 1], None, [0, 1])),
    ((2, 3, 4), (ix(1, 0), [[0], [2]], slice(1, 3))), ((2, 3, 4), (0, [0, 1], slice(1, 3))),
    ((2, 3, 4), (Ellipsis, [3, 0])), ((2, 3, 4), [[0, 1], [1, 0]]),  # list of lists = tuple
    ((2, 3, 4), [ix(1), slice(None), 2]),
    # bool
    ((3, 4), T(np.array([True, False, True]))), ((3, 4), T(rand(3, 4, dtype=B, seed=3))),
    ((2, 3, 4), (slice(None), T(rand(3, 4, dtype=B, seed=4)))),
    ((2, 3, 4), (T(np.array([True, True])), slice(None), ix(0, 3))),
    ((3, 4), [True, False, True]), ((3, 4), True), ((3, 4), False), ((), True),
    ((3, 4), (0, True)), ((3, 4), T(np.array(True))), ((3, 4), T(np.zeros(3, bool))),
    ((0, 4), (slice(None), 1)), ((0, 4), ix()),
]


def _shares(a, b):
    return np.shares_memory(np.asarray(a.detach().numpy()), np.asarray(b.detach().numpy()))


@pytest.mark.parametrize("shape,index", GETITEM, ids=[repr(c[1])[:40] for c in GETITEM])
def test_getitem(shape, index):
    x = rand(*shape, seed=len(shape))

    def fn(lib, x):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return x[build(lib, index)]
    check(fn, Sample(x), **TOL64)
    if len(shape) >= 2 and x.size:
        check(fn, Sample(NC(x)), **TOL64)
    check(fn, Sample(x.astype(I32)))
    # a view exactly when torch gives a view
    tx, ex = torch.tensor(x), ember.tensor(x)
    tr, er = fn(torch, tx), fn(ember, ex)
    is_view = tr._base is not None
    assert (er._base is not None) == is_view
    if is_view and er.numel():
        assert _shares(er, ex)
        assert er._version == ex._version


def test_getitem_view_writes_through_and_versions():
    for lib in (torch, ember):
        x = lib.zeros(3, 4)
        v = x[1, 1:3]
        x[1, 2] = 7.0
        assert v.tolist() == [0.0, 7.0]
        v.fill_(2.0) if hasattr(v, "fill_") else None
        assert x._version == v._version and x._version >= 1
    e = ember.zeros(3, 4)
    before = e._version
    e[0] = 1.0
    assert e._version == before + 1


GETITEM_ERRORS = [
    ((3,), 5, IndexError, "index 5 is out of bounds for dimension 0 with size 3"),
    ((3,), -4, IndexError, "index -4 is out of bounds for dimension 0 with size 3"),
    ((2, 3), (slice(None), 3), IndexError, "index 3 is out of bounds for dimension 1 with size 3"),
    ((2, 3), (slice(None), [0, 7]), IndexError, "index 7 is out of bounds for dimension 0"),
    ((2, 3), ([0], [9]), IndexError, "index 9 is out of bounds for dimension 1 with size 3"),
    ((3,), slice(None, None, -1), ValueError, "step must be greater than zero"),
    ((3,), slice(None, None, 0), ValueError, "slice step cannot be zero"),
    ((3,), (0, 0), IndexError, "too many indices for tensor of dimension 1"),
    ((), 0, IndexError, "invalid index of a 0-dim tensor"),
    ((3,), 1.0, IndexError, "(got float)"),
    ((3,), T(np.array([0.0])), IndexError, "tensors used as indices must be long"),
    ((2, 3), ([0, 1], [0, 1, 2]), IndexError, "could not be broadcast together with shapes"),
    ((2, 3), T(np.array([True, False, True])), IndexError,
     "The shape of the mask [3] at index 0 does not match the shape of the indexed tensor "
     "[2, 3] at index 0"),
    ((2, 3, 4), (slice(None), T(np.ones((3, 3), bool))), IndexError,
     "The shape of the mask [3, 3] at index 1 does not match"),
]


@pytest.mark.parametrize("shape,index,exc,msg", GETITEM_ERRORS)
def test_getitem_errors(shape, index, exc, msg):
    check_error(lambda lib, x: x[build(lib, index)], [rand(*shape)], exc, msg)


# ========================================================== __setitem__
SETITEM = [
    # (shape, index, value): value a NumPy array (a tensor in both libs) or a number
    ((3, 4), 1, rand(4, seed=1)), ((3, 4), 1, 2.5), ((3, 4), (0, 2), 1.5),
    ((3, 4), (slice(None), 1), rand(3, seed=2)), ((3, 4), (slice(1, None), slice(None, 2)),
                                                  rand(1, 2, seed=3)),
    ((3, 4), (Ellipsis, None, 0), rand(3, 1, seed=4)), ((3, 4), 1, rand(1, 1, 4, seed=5)),
    ((3, 4), [0, 2], rand(2, 4, seed=6)), ((3, 4), [0, 2], rand(2, 1, seed=7)),
    ((3, 4), (ix(0, 2), ix(3, 1)), rand(2, seed=8)), ((3, 4), (ix(0, 2), ix(3, 1)), 4.0),
    ((2, 3, 4), (0, slice(None), [0, 1]), rand(3, 2, seed=9)),
    ((2, 3, 4), ([0, 1], slice(None), [0, 1]), rand(2, 3, seed=10)),
    ((3, 4), T(rand(3, 4, dtype=B, seed=11)), -1.0), ((3, 4), T(rand(3, dtype=B, seed=12)),
                                                      rand(4, seed=13)),
    ((3, 4), Ellipsis, rand(4, seed=14)), ((), Ellipsis, rand(seed=15)),
    ((3, 4), (slice(None), 1), rand(seed=16)),                       # 0-dim value tensor
    ((0, 4), slice(None), rand(4, seed=17)),
]


@pytest.mark.parametrize("shape,index,value", SETITEM,
                         ids=[f"{c[0]}-{repr(c[1])[:30]}" for c in SETITEM])
def test_setitem(shape, index, value):
    def fn(lib, x, v):
        y = x * 1  # a non-leaf: in-place is allowed and its history is rebased
        y[build(lib, index)] = v
        return y
    check(fn, Sample(rand(*shape, seed=99), value), **TOL64)
    check(fn, Sample(rand(*shape, seed=99).astype(F32), value if np.isscalar(value) else
                     value.astype(F32)))

    def no_grad(lib, x, v):
        x = x.clone()
        x[build(lib, index)] = v
        return x
    ivalue = value if np.isscalar(value) else (value * 3).astype(I64)
    check(no_grad, Sample(rand(*shape, seed=98).astype(I64), ivalue), grad=False)


def test_setitem_semantics():
    for lib in (torch, ember):
        x = lib.zeros(3, 4)
        row = x[1]
        x[1, ix(0, 2).array.tolist()] = lib.tensor([5.0, 6.0])
        assert row.tolist() == [5.0, 0.0, 6.0, 0.0]          # writes through to views
        xi = lib.zeros(3, dtype=lib.int64)
        xi[0] = 2.7                                          # cast to x's dtype
        xi[1] = lib.tensor(3.9)
        assert xi.tolist() == [2, 3, 0]
        leaf = lib.zeros(2, requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            leaf[0] = 1.0
        with lib.no_grad():
            leaf[0] = 1.0                                    # allowed without grad
        assert leaf.tolist() == [1.0, 0.0]
        # value requires grad, target does not
        v = lib.tensor([1.0, 2.0], requires_grad=True)
        t = lib.zeros(3, 2)
        t[1] = v * 3
        assert t.requires_grad
        t.sum().backward()
        assert v.grad.tolist() == [3.0, 3.0]


def test_setitem_through_view_of_nonleaf():
    def fn(lib, x, v):
        y = x * 2
        y[1][0] = v                                         # in-place on a view
        return y
    check(fn, Sample(rand(3, 2, seed=1), rand(seed=2)), **TOL64)


SETITEM_ERRORS = [
    ((3, 4), [0, 1], np.array(1.5), RuntimeError, "Index put requires the source and "
     "destination dtypes match, got Float for the destination and Double for the source."),
    ((3, 4), 0, rand(2), RuntimeError, "The expanded size of the tensor (4) must match the "
     "existing size (2) at non-singleton dimension 0"),
    ((3, 4), 0, rand(2, 1, 4), RuntimeError, "must be greater or equal to the number of dim"),
    ((3, 4), 5, 1.0, IndexError, "index 5 is out of bounds for dimension 0 with size 3"),
    ((3, 4), (slice(None), [0, 2]), rand(3).astype(F32), RuntimeError,
     "shape mismatch: value tensor of shape [3] cannot be broadcast to indexing result of "
     "shape [3, 2]"),
    ((3, 4), 0, "a", TypeError, "can't assign a str to a torch.FloatTensor"),
]


@pytest.mark.parametrize("shape,index,value,exc,msg", SETITEM_ERRORS)
def test_setitem_errors(shape, index, value, exc, msg):
    def fn(lib, x, v):
        x = x.float()
        x[build(lib, index)] = v
    check_error(fn, [rand(*shape), value], exc, msg)


# ============================================================ ops table
def i64(*rows):
    return np.array(rows, dtype=np.int64)


IDX2 = i64([0, 2, 1], [2, 2, 0])             # (2, 3) index into a (3, 4) tensor along dim 0/1
OPS = {
    "gather": [
        (lambda lib, x, i: lib.gather(x, 1, i), Sample(rand(3, 4), IDX2)),
        (lambda lib, x, i: x.gather(0, i), Sample(rand(3, 4), IDX2)),
        (lambda lib, x, i: x.gather(-1, i), Sample(NC(rand(4, 3)), i64([0, 1], [2, 2]))),
        (lambda lib, x, i: lib.gather(x, 0, i), Sample(rand(), np.array(0))),
        (lambda lib, x, i: lib.gather(x, 0, i), Sample(rand(), np.array([0, 0]))),
        (lambda lib, x, i: lib.gather(x, 1, i), Sample(rand(3, 4), np.zeros((3, 0), np.int64))),
        (lambda lib, x, i: lib.gather(x, 1, i), Sample(rand(3, 4, dtype=I32), IDX2)),
        (lambda lib, x, i: lib.gather(x, 2, i),
         Sample(rand(2, 3, 4), np.random.default_rng(0).integers(0, 4, (2, 2, 5)))),
    ],
    "scatter": [
        (lambda lib, x, i, s: lib.scatter(x, 1, i, s), Sample(rand(3, 4), i64([0, 3], [2, 1]),
                                                              rand(2, 2))),
        # src larger than index (torch's own backward fails on this: values only)
        (lambda lib, x, i, s: x.scatter(0, i, s), Sample(rand(3, 4), i64([0, 1, 2, 0]),
                                                         rand(2, 5), grad=False)),
        (lambda lib, x, i: x.scatter(1, i, 2.5), Sample(rand(3, 4), i64([0, 3], [2, 1]))),
        (lambda lib, x, i: x.scatter(1, i, value=-1.0), Sample(rand(3, 4), i64([1], [2]))),
        (lambda lib, x, i, s: x.scatter(1, i, s, reduce="add"),
         Sample(rand(3, 4), i64([0, 0], [1, 1]), rand(2, 2), grad=False)),
        (lambda lib, x, i, s: x.scatter(1, i, s, reduce="multiply"),
         Sample(rand(3, 4), i64([0, 0], [1, 1]), rand(2, 2), grad=False)),
        (lambda lib, x, i: x.scatter(1, i, 3.0, reduce="multiply"),
         Sample(rand(3, 4), i64([0, 0], [1, 1]), grad=False)),
        (lambda lib, x, i, s: x.scatter(0, i, s), Sample(rand(), np.array(0), rand())),
        (lambda lib, x, i, s: x.clone().scatter_(1, i, s),
         Sample(rand(3, 4, dtype=I64), i64([0, 3]), rand(1, 2, dtype=I64))),
        (lambda lib, x, i, s: (x * 1).scatter_(1, i, s), Sample(rand(3, 4), i64([0, 3]),
                                                                rand(1, 2))),
    ],
    "scatter_add": [
        (lambda lib, x, i, s: lib.scatter_add(x, 1, i, s), Sample(rand(3, 4), i64([0, 0, 3],
                                                                                  [2, 1, 2]),
                                                                  rand(2, 3))),
        (lambda lib, x, i, s: x.scatter_add(0, i, s), Sample(NC(rand(4, 3)), i64([3, 3, 0]),
                                                             rand(2, 4), grad=False)),
        (lambda lib, x, i, s: x.scatter_add(0, i, s), Sample(NC(rand(4, 3)), i64([3, 3, 0]),
                                                             rand(1, 3))),
        (lambda lib, x, i, s: x.scatter_add(1, i, s), Sample(rand(4, 3), i64([0, 0]).astype(I32),
                                                             rand(1, 2))),
        (lambda lib, x, i, s: (x * 1).scatter_add_(0, i, s),
         Sample(rand(3), i64(0, 0, 2, 0), rand(4))),
        (lambda lib, x, i, s: x.scatter_add(0, i, s),
         Sample(rand(3, dtype=I32), i64(0, 0, 2), rand(3, dtype=I32))),
    ],
    "scatter_reduce": [
        (lambda lib, x, i, s, r=r, inc=inc: x.scatter_reduce(1, i, s, r, include_self=inc),
         Sample(rand(3, 4, low=0.5), i64([0, 0, 3], [2, 1, 2]), rand(2, 3, low=0.5)))
        for r in ("sum", "prod", "mean", "amax", "amin") for inc in (True, False)
    ] + [
        (lambda lib, x, i, s: lib.scatter_reduce(x, 0, i, s, "prod"),
         Sample(np.array([2.0, 0.0, 3.0]), i64(0, 0, 1, 2), np.array([0.0, 5.0, 4.0, 0.0]))),
        (lambda lib, x, i, s: lib.scatter_reduce(x, 0, i, s, "amax"),   # ties split the grad
         Sample(np.array([2.0, 1.0, 3.0]), i64(0, 0, 1, 2), np.array([2.0, 2.0, 4.0, 0.0]),
                fd=False)),
        (lambda lib, x, i, s: lib.scatter_reduce(x, 0, i, s, "mean", include_self=False),
         Sample(rand(4, dtype=I64, low=-9, high=9), i64(0, 0, 1), rand(3, dtype=I64, low=-9,
                                                                       high=9))),
        (lambda lib, x, i, s: lib.scatter_reduce(x, 0, i, s, "amin", include_self=False),
         Sample(rand(4, dtype=I32, low=-9, high=9), i64(0, 0, 1), rand(3, dtype=I32, low=-9,
                                                                       high=9))),
        (lambda lib, x, i, s: (x * 1).scatter_reduce_(0, i, s, "sum"),
         Sample(rand(4), i64(0, 0, 1), rand(3))),
    ],
    "index_select": [
        (lambda lib, x, i: lib.index_select(x, 0, i), Sample(rand(3, 4), i64(2, 0, 2))),
        (lambda lib, x, i: x.index_select(-1, i), Sample(NC(rand(3, 4)), i64(3, 1))),
        (lambda lib, x, i: x.index_select(1, i), Sample(rand(3, 4), np.array(1))),
        (lambda lib, x, i: x.index_select(1, i), Sample(rand(3, 4), np.array([1], np.int32))),
        (lambda lib, x, i: x.index_select(0, i), Sample(rand(3, 4), i64())),
        (lambda lib, x, i: x.index_select(0, i), Sample(rand(), i64(0))),
        (lambda lib, x, i: x.index_select(0, i), Sample(rand(3, dtype=B), i64(1, 2))),
    ],
    "index_add": [
        (lambda lib, x, i, s: lib.index_add(x, 1, i, s), Sample(rand(3, 4), i64(0, 0, 3),
                                                                rand(3, 3))),
        (lambda lib, x, i, s: x.index_add(0, i, s, alpha=-2.5),
         Sample(NC(rand(4, 3)), i64(3, 1), rand(2, 3))),
        (lambda lib, x, i, s: (x * 1).index_add_(0, i, s),
         Sample(rand(4), i64(1, 1), rand(2))),
        (lambda lib, x, i, s: x.index_add(0, i, s, alpha=3),
         Sample(rand(4, dtype=I64), i64(1, 1), rand(2, dtype=I64))),
        (lambda lib, x, i, s: x.index_add(0, i, s), Sample(rand(), i64(0), rand())),
    ],
    "index_copy": [
        (lambda lib, x, i, s: lib.index_copy(x, 1, i, s), Sample(rand(3, 4), i64(0, 3),
                                                                 rand(3, 2))),
        (lambda lib, x, i, s: (x * 1).index_copy_(0, i, s), Sample(rand(4, 2), i64(2),
                                                                   rand(1, 2))),
        (lambda lib, x, i, s: x.index_copy(0, i, s),
         Sample(rand(3, dtype=I32), i64(2, 0), rand(2, dtype=I32))),
    ],
    "index_fill": [
        (lambda lib, x, i: lib.index_fill(x, 1, i, -1.5), Sample(rand(3, 4), i64(0, 3, -1))),
        (lambda lib, x, i, v: x.index_fill(0, i, v), Sample(rand(3, 4), i64(2), rand())),
        (lambda lib, x, i: (x * 1).index_fill_(0, i, 2), Sample(rand(3, 4), i64(1, 1))),
        (lambda lib, x, i: x.index_fill(0, i, True), Sample(rand(3, dtype=B), i64(1))),
    ],
    "take": [
        (lambda lib, x, i: lib.take(x, i), Sample(rand(3, 4), i64([0, 11], [-1, 5]))),
        (lambda lib, x, i: x.take(i), Sample(NC(rand(3, 4)), i64(0, 1, 2, 1))),
        (lambda lib, x, i: x.take(i), Sample(rand(), np.array(0))),
        (lambda lib, x, i: x.take(i), Sample(rand(3, 4, dtype=I32), i64(3, 3))),
    ],
    "put": [
        # 11 and -1 name the same element: the last write wins, not differentiable there
        (lambda lib, x, i, s: lib.put(x, i, s),
         Sample(rand(3, 4), i64(0, 11, -1), rand(3), fd=False)),
        (lambda lib, x, i, s: x.put(i, s, accumulate=True),
         Sample(rand(3, 4), i64([0, 0], [5, 0]), rand(2, 2))),
        (lambda lib, x, i, s: (x * 1).put_(i, s), Sample(NC(rand(3, 4)), i64(1, 2), rand(2))),
        (lambda lib, x, i, s: x.clone().put_(i, s, True),
         Sample(rand(5, dtype=I64), i64(1, 1), rand(2, dtype=I64))),
    ],
    "take_along_dim": [
        (lambda lib, x, i: lib.take_along_dim(x, i, 1), Sample(rand(3, 4), i64([0, 3], [1, -1],
                                                                               [2, 2]))),
        (lambda lib, x, i: x.take_along_dim(i, 0), Sample(rand(3, 4), i64([1], [0]))),
        (lambda lib, x, i: lib.take_along_dim(x, i), Sample(rand(3, 4), i64(11, 0, 5))),
        (lambda lib, x, i: lib.take_along_dim(x, i, dim=-1),
         Sample(rand(2, 1, 4), np.zeros((1, 3, 2), np.int64))),           # broadcasts
    ],
    "masked_fill": [
        (lambda lib, x, m: lib.masked_fill(x, m, -2.0), Sample(rand(3, 4), rand(3, 4, dtype=B))),
        (lambda lib, x, m, v: x.masked_fill(m, v), Sample(rand(3, 4), rand(4, dtype=B), rand())),
        (lambda lib, x, m: x.masked_fill(m, 3.7), Sample(rand(3, 1), rand(3, 4, dtype=B))),
        (lambda lib, x, m: x.masked_fill(m, 3.7), Sample(rand(3, 4, dtype=I64),
                                                         rand(3, 4, dtype=B))),
        (lambda lib, x, m: (x * 1).masked_fill_(m, 0.5), Sample(NC(rand(3, 4)),
                                                                rand(4, dtype=B))),
    ],
    "masked_select": [
        (lambda lib, x, m: lib.masked_select(x, m), Sample(rand(3, 4), rand(3, 4, dtype=B))),
        (lambda lib, x, m: x.masked_select(m), Sample(rand(3, 1), rand(3, 4, dtype=B))),
        (lambda lib, x, m: x.masked_select(m), Sample(NC(rand(3, 4)), rand(4, dtype=B))),
        (lambda lib, x, m: x.masked_select(m), Sample(rand(), np.array(True))),
        (lambda lib, x, m: x.masked_select(m), Sample(rand(0, 4), rand(4, dtype=B))),
    ],
    "masked_scatter": [
        (lambda lib, x, m, s: lib.masked_scatter(x, m, s),
         Sample(rand(3, 4), rand(3, 4, dtype=B), rand(13))),
        (lambda lib, x, m, s: x.masked_scatter(m, s),
         Sample(rand(3, 4), rand(4, dtype=B), rand(4, 3))),
        (lambda lib, x, m, s: (x * 1).masked_scatter_(m, s),
         Sample(rand(3, 4), rand(3, 4, dtype=B), rand(12))),
        (lambda lib, x, m, s: x.masked_scatter(m, s),
         Sample(rand(3, dtype=I64), np.array([True, False, True]), rand(2, dtype=I64))),
    ],
    "where": [
        (lambda lib, c, a, b: lib.where(c, a, b), Sample(rand(3, 4, dtype=B), rand(3, 4),
                                                         rand(3, 4))),
        (lambda lib, c, a, b: lib.where(c, a, b), Sample(rand(3, 1, dtype=B), rand(4),
                                                         NC(rand(3, 4)))),
        (lambda lib, c, a: lib.where(c, a, 0.0), Sample(rand(3, 4, dtype=B), rand(3, 4))),
        (lambda lib, c, b: lib.where(c, 2, b), Sample(rand(3, 4, dtype=B), rand(3, 4))),
        (lambda lib, c: lib.where(c, 1.0, 2), Sample(rand(3, dtype=B))),
        (lambda lib, c: lib.where(c, 1, 2), Sample(rand(3, dtype=B))),
        (lambda lib, c, a, b: lib.where(c, a, b), Sample(rand(3, dtype=B), rand(3, dtype=I64),
                                                         rand(3, dtype=F32))),
        (lambda lib, c, a, b: lib.where(c, a, b), Sample(rand(3, dtype=B), rand(3, dtype=F32),
                                                         rand())),         # 0-dim: no upcast
        (lambda lib, c, a, b: lib.where(c, a, b), Sample(rand(3, dtype=B), rand(3, dtype=I32),
                                                         rand(3, dtype=np.uint8))),
        (lambda lib, c, a: a.where(c, -1.0), Sample(rand(0, 2, dtype=B), rand(2))),
        (lambda lib, c, a, b: a.where(c, b), Sample(rand(3, dtype=B), rand(3), rand(3))),
        (lambda lib, c: lib.where(c), Sample(rand(3, 4, dtype=B))),
    ],
    "nonzero": [
        (lambda lib, x: lib.nonzero(x), Sample(rand(3, 4, dtype=I64, low=-1, high=1))),
        (lambda lib, x: x.nonzero(as_tuple=True), Sample(rand(3, 4, dtype=B))),
        (lambda lib, x: lib.nonzero(x), Sample(np.array(3.0))),
        (lambda lib, x: lib.nonzero(x, as_tuple=True), Sample(np.array(3.0))),
        (lambda lib, x: lib.nonzero(x), Sample(NC(rand(4, 3, dtype=B)))),
        (lambda lib, x: lib.argwhere(x), Sample(rand(2, 3, dtype=B))),
        (lambda lib, x: lib.argwhere(x), Sample(np.array(0.0))),
        (lambda lib, x: lib.nonzero(x), Sample(rand(0, 3))),
    ],
    "index_put": [
        (lambda lib, x, i, v: lib.index_put(x, (i,), v), Sample(rand(3, 4), i64(0, 2),
                                                                rand(4))),
        (lambda lib, x, i, j, v: x.index_put((i, j), v, accumulate=True),
         Sample(rand(3, 4), i64(0, 0, 2), i64(1, 1, 3), rand(3))),
        (lambda lib, x, i, v: (x * 1).index_put_((i,), v, True),
         Sample(rand(3, 4), i64(1, 1), rand(1))),
        (lambda lib, x, m, v: x.index_put((m,), v), Sample(rand(3, 4), rand(3, 4, dtype=B),
                                                           rand())),
        (lambda lib, x, i, v: x.index_put((i,), v), Sample(rand(3, 4), np.array(1), rand(4))),
    ],
    "select_scatter": [
        (lambda lib, x, s: lib.select_scatter(x, s, 1, 0), Sample(rand(3, 4), rand(3))),
        (lambda lib, x, s: lib.select_scatter(x, s, -1, -1), Sample(rand(2, 3, 4), rand(2, 3))),
        (lambda lib, x, s: lib.select_scatter(x, s, 0, 1), Sample(rand(2), rand())),
    ],
    "slice_scatter": [
        (lambda lib, x, s: lib.slice_scatter(x, s, 1, 0, 4, 2), Sample(rand(3, 4), rand(3, 2))),
        (lambda lib, x, s: lib.slice_scatter(x, s), Sample(rand(4, 2), rand(4, 2))),
        (lambda lib, x, s: lib.slice_scatter(x, s, start=1), Sample(rand(4, 2), rand(3, 2))),
        (lambda lib, x, s: lib.slice_scatter(x, s, -1, end=-1), Sample(NC(rand(2, 5)),
                                                                       rand(2, 4))),
    ],
    "diagonal_scatter": [
        (lambda lib, x, s: lib.diagonal_scatter(x, s), Sample(rand(3, 4), rand(3))),
        (lambda lib, x, s: lib.diagonal_scatter(x, s, 1), Sample(rand(3, 4), rand(3))),
        (lambda lib, x, s: lib.diagonal_scatter(x, s, -2), Sample(rand(3, 4), rand(1))),
        (lambda lib, x, s: lib.diagonal_scatter(x, s, 0, 0, 2), Sample(rand(2, 3, 4),
                                                                       rand(3, 2))),
        (lambda lib, x, s: lib.diagonal_scatter(x, s, 1, 2, 1), Sample(rand(2, 3, 4),
                                                                       rand(2, 2))),
    ],
    "fill_diagonal_": [
        (lambda lib, x: (x * 1).fill_diagonal_(5.0), Sample(rand(3, 4))),
        (lambda lib, x: (x * 1).fill_diagonal_(5.0), Sample(rand(7, 3))),
        (lambda lib, x: (x * 1).fill_diagonal_(-1.0, wrap=True), Sample(rand(7, 3))),
        (lambda lib, x: (x * 1).fill_diagonal_(2, True), Sample(rand(3, 7))),
        (lambda lib, x: (x * 1).fill_diagonal_(0.5), Sample(rand(3, 3, 3))),
        (lambda lib, x: x.clone().fill_diagonal_(9), Sample(rand(4, 4, dtype=I64))),
    ],
}
CASES = [(name, i) for name in OPS for i in range(len(OPS[name]))]


@pytest.mark.parametrize("name,i", CASES, ids=[f"{n}-{i}" for n, i in CASES])
def test_op(name, i):
    fn, sample = OPS[name][i]
    check(fn, sample, **TOL64)


@pytest.mark.parametrize("name", ["gather", "scatter", "scatter_add", "index_select",
                                  "index_add", "take", "put", "masked_select", "where"])
def test_op_float32(name):
    fn, sample = OPS[name][0]
    args = [a.astype(F32) if isinstance(a, np.ndarray) and a.dtype == F64 else a
            for a in sample.args]
    check(fn, Sample(*args, **sample.kwargs))


def test_scatter_reduce_backward_not_implemented():
    for lib in (torch, ember):
        x = lib.zeros(3, requires_grad=True)
        y = (x * 1).scatter(0, lib.tensor([0, 0]), lib.tensor([1.0, 2.0]), reduce="add")
        with pytest.raises(RuntimeError, match="derivative for aten::scatter is not"):
            y.sum().backward()


# ============================================================= errors
X34 = rand(3, 4)
ERRORS = [
    (lambda lib, x: x.gather(1, lib.tensor([[0, 1]], dtype=lib.int16)), [X34], RuntimeError,
     "gather(): Expected dtype int32/int64 for index"),
    (lambda lib, x: x.scatter_add(1, lib.tensor([[0, 1]], dtype=lib.int16), x), [X34],
     RuntimeError, "scatter(): Expected dtype int32/int64 for index"),
    (lambda lib, x: x.index_select(0, lib.tensor([0, 0])), [rand()], RuntimeError,
     "index_select(): Index to scalar can have only 1 value, got 2 value(s)"),
    (lambda lib, x: lib.take_along_dim(x, lib.tensor([-1])), [X34], RuntimeError,
     "index -1 is out of bounds for dimension 0 with size 12"),
    (lambda lib, x: x.gather(1, lib.tensor([[0, 5]])), [X34], RuntimeError,
     "index 5 is out of bounds for dimension 1 with size 4"),
    (lambda lib, x: x.gather(1, lib.tensor([[0, -1]])), [X34], RuntimeError,
     "index -1 is out of bounds for dimension 1 with size 4"),
    (lambda lib, x: x.gather(1, lib.tensor([0, 1])), [X34], RuntimeError,
     "Index tensor must have the same number of dimensions as input tensor"),
    (lambda lib, x: x.gather(1, lib.zeros(4, 2, dtype=lib.int64)), [X34], RuntimeError,
     "Size does not match at dimension 0 expected index [4, 2] to be no larger than self "
     "[3, 4] apart from dimension 1"),
    (lambda lib, x: x.gather(2, lib.zeros(1, 1, dtype=lib.int64)), [X34], IndexError,
     "Dimension out of range"),
    (lambda lib, x: x.scatter(1, lib.tensor([[0, 1], [2, 0]]), x[:1, :1]), [X34],
     RuntimeError, "Expected index [2, 2] to be no larger than self [3, 4] apart from "
     "dimension 1 and to be no larger size than src [1, 1]"),
    (lambda lib, x: x.scatter(1, lib.tensor([[0]]), lib.ones(1, 1, dtype=lib.float32)), [X34],
     RuntimeError, "scatter(): Expected self.dtype to be equal to src.dtype"),
    (lambda lib, x: x.scatter(1, lib.tensor([[0]]), 1.0, reduce="mean"), [X34], RuntimeError,
     "reduce argument must be either add or multiply."),
    (lambda lib, x: x.scatter(1, lib.tensor([[9]]), 1.0), [X34], RuntimeError,
     "index 9 is out of bounds for dimension 1 with size 4"),
    (lambda lib, x: x.scatter_add(1, lib.tensor([[0]]), lib.ones(1, 1, dtype=lib.float32)),
     [X34], RuntimeError, "Expected self.dtype to be equal to src.dtype"),
    (lambda lib, x: x.scatter_reduce(1, lib.tensor([[0]]), x, "foo"), [X34], RuntimeError,
     "reduce argument must be either sum, prod, mean, amax or amin, got foo"),
    (lambda lib, x: x.index_select(1, lib.tensor([0, 5])), [X34], RuntimeError,
     "INDICES element is out of DATA bounds, id=5 axis_dim=4"),
    (lambda lib, x: x.index_select(1, lib.tensor([0.0])), [X34], RuntimeError,
     "index_select(): Expected dtype int32 or int64 for index"),
    (lambda lib, x: x.index_select(1, lib.tensor([[0]])), [X34], IndexError,
     "index_select(): Index is supposed to be a vector"),
    (lambda lib, x: x.index_add(1, lib.tensor([0, 0]), x), [X34], RuntimeError,
     "index_add_(): Number of indices (2) should be equal to source.size(dim): (4), for dim: 1"),
    (lambda lib, x: x.index_add(1, lib.tensor([0, 7]), x[:, :2]), [X34], RuntimeError,
     "index 7 is out of bounds for dimension 1 with size 4"),
    (lambda lib, x: x.index_add(0, lib.tensor([0]), x[:1].float()), [X34], RuntimeError,
     "index_add_(): self (Double) and source (Float) must have the same scalar type"),
    (lambda lib, x: x.index_copy(1, lib.tensor([0, 7]), x[:, :2]), [X34], IndexError,
     "index_copy_(): index 7 is out of bounds for dimension 1 with size 4"),
    (lambda lib, x: x.index_fill(1, lib.tensor([0, 7]), 1.0), [X34], IndexError,
     "index 7 is out of bounds for dimension 1 with size 4"),
    (lambda lib, x: x.index_fill(1, lib.tensor([0]), lib.tensor([1.0, 2.0])), [X34],
     RuntimeError, "index_fill_ only supports a 0-dimensional value tensor, but got tensor "
     "with 1 dimension(s)."),
    (lambda lib, x: x.take(lib.tensor([12])), [X34], IndexError,
     "out of range: tried to access index 12 on a tensor of 12 elements."),
    (lambda lib, x: x.take(lib.tensor([1], dtype=lib.int32)), [X34], RuntimeError,
     "take(): Expected a long tensor for index, but got Int"),
    (lambda lib, x: x.put(lib.tensor([1, 2]), x[0, :1]), [X34], IndexError,
     "put_(): Expected source and index to have the same number of elements, but got "
     "source.numel() = 1, index.numel() = 2"),
    (lambda lib, x: x.put(lib.tensor([1, 20]), x[0, :2]), [X34], IndexError,
     "out of range: tried to access index 20 on a tensor of 12 elements."),
    (lambda lib, x: x.take_along_dim(lib.tensor([1]), 0), [X34], RuntimeError,
     "input and indices should have the same number of dimensions"),
    (lambda lib, x: x.take_along_dim(lib.tensor([[1]], dtype=lib.int32), 0), [X34],
     RuntimeError, "dtype of indices should be Long but got Int"),
    (lambda lib, x: x.take_along_dim(lib.tensor([1, 13])), [X34], RuntimeError,
     "index 13 is out of bounds for dimension 0 with size 12"),
    (lambda lib, x: x.masked_select(lib.tensor([1, 0, 1, 1])), [X34], RuntimeError,
     "masked_select: expected BoolTensor for mask"),
    (lambda lib, x: x.masked_scatter(lib.tensor([True, False, True, True]), x[0]), [X34],
     RuntimeError, "Number of elements of source < number of ones in mask"),
    (lambda lib, x: x.masked_fill(lib.tensor([1, 0, 1, 1]), 1.0), [X34], RuntimeError,
     "masked_fill_ only supports boolean masks, but got mask with dtype long int"),
    (lambda lib, x: x.masked_fill(x > 0, lib.tensor([1.0])), [X34], RuntimeError,
     "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with 1 "
     "dimension(s)."),
    (lambda lib, x: lib.where(x, x, x), [X34], RuntimeError,
     "where expected condition to be a boolean tensor, but got a tensor with dtype Double"),
    (lambda lib, x: lib.index_put(x, (lib.tensor([0, 0]),), lib.tensor(1.0)), [X34],
     RuntimeError, "Index put requires the source and destination dtypes match, got Double "
     "for the destination and Float for the source."),
    (lambda lib, x: x.fill_diagonal_(1.0), [rand(2, 3, 3)], RuntimeError,
     "all dimensions of input must be of equal length"),
    (lambda lib, x: x.fill_diagonal_(1.0), [rand(3)], RuntimeError,
     "dimensions must larger than 1"),
    (lambda lib, x: lib.select_scatter(x, x[0], 1, 0), [X34], RuntimeError,
     "expected src to have a size equal to the slice of self. src size = [4], slice size = [3]"),
    (lambda lib, x: lib.slice_scatter(x, x[:, :3], 1, 0, 4, 2), [X34], RuntimeError,
     "src size = [3, 3], slice size = [3, 2]"),
    (lambda lib, x: lib.diagonal_scatter(x, x[0, :2], 1), [X34], RuntimeError,
     "src size = [2], slice size = [3]"),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors(i):
    fn, args, exc, msg = ERRORS[i]
    check_error(fn, args, exc, msg)


@pytest.mark.parametrize("name", ["gather", "scatter_add", "index_select", "index_add", "take",
                                  "put", "masked_select", "where", "index_put"])
def test_op_complex(name):
    fn, sample = OPS[name][0]
    args = [a.astype(np.complex128) + 0.5j if isinstance(a, np.ndarray) and a.dtype == F64
            else a for a in sample.args]
    check(fn, Sample(*args, **sample.kwargs), **TOL64)


@pytest.mark.parametrize("index", [1, (slice(None), [0, 2]), T(np.array([True, False, True]))])
def test_getitem_setitem_complex(index):
    def fn(lib, x, v):
        y = x * 1
        y[build(lib, index)] = v
        return y[build(lib, index)] * 2
    x = rand(3, 3, dtype=np.complex128, seed=1)
    check(fn, Sample(x, rand(1, dtype=np.complex128, seed=2)), **TOL64)


def test_setitem_invalidates_saved_tensors():
    for lib in (torch, ember):
        x = lib.ones(3, requires_grad=True)
        y = x * 2
        z = y.exp()          # saves its output
        z[0] = 0.0
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            z.sum().backward()
