"""Oracle tests for combinatorics: cartesian_prod, combinations, block_diag,
vander, linalg.vander, unravel_index."""
import numpy as np
import pytest
import torch

import ember
from oracle import NC, Sample, check, check_error, rand

F64, F32, F16, I64, I32, U8, B = (np.float64, np.float32, np.float16, np.int64, np.int32,
                                  np.uint8, np.bool_)
TIGHT = {"rtol": 1e-10, "atol": 1e-12}


def fn(name):
    return lambda lib, *a, **k: getattr(lib, name)(*a, **k)


A, Bv, C = rand(3, seed=1), rand(2, seed=2), rand(4, seed=3)


@pytest.mark.parametrize("s", [
    Sample(A, Bv), Sample(A, Bv, C), Sample(A), Sample(A, np.zeros(0)), Sample(NC(rand(1, 3, seed=4)[0]), A),
    Sample(np.array([1, 2]), np.array([3, 4, 5])), Sample(A.astype(F32), Bv.astype(F32)),
    Sample(np.array([True, False]), np.array([True])),
], ids=repr)
def test_cartesian_prod(s):
    check(fn("cartesian_prod"), s, **TIGHT)


def test_cartesian_prod_errors():
    c = fn("cartesian_prod")
    check_error(c, [np.array(1.0), A], RuntimeError, "Expect a 1D vector", "shape []")
    check_error(c, [np.ones((1, 1)), A], RuntimeError, "Expect a 1D vector", "[1, 1]")
    check_error(c, [np.array([1, 2]), A], RuntimeError, "same dtype")
    check_error(c, [], RuntimeError, "non-empty")
    check_error(c, [[A, A]], TypeError, "expected Tensor as element 0")
    t = ember.tensor([1.0, 2.0])
    assert ember.cartesian_prod(t) is t            # as torch: the tensor itself


@pytest.mark.parametrize("s", [
    Sample(C), Sample(C, 3), Sample(C, 1), Sample(C, 2, True), Sample(C, 3, with_replacement=True),
    Sample(C, 0), Sample(C, 0, True), Sample(C, 5), Sample(np.zeros(0), 2), Sample(np.zeros(0), 0),
    Sample(np.array([1, 2, 3])), Sample(np.array([1, 2, 3]), 3, True), Sample(NC(rand(1, 4, seed=5)[0])),
    Sample(C.astype(F32), 2), Sample(np.array([True, False, True]), 2),
], ids=repr)
def test_combinations(s):
    check(fn("combinations"), s, **TIGHT)


def test_combinations_errors():
    c = fn("combinations")
    check_error(c, [np.array(1.0)], RuntimeError, "Expect a 1D vector", "shape []")
    check_error(c, [np.ones((2, 2))], RuntimeError, "Expect a 1D vector", "[2, 2]")
    check_error(c, [C, -1], RuntimeError, "non-negative", "-1")
    check_error(c, [C, 2.0], TypeError, "'r' must be int")


@pytest.mark.parametrize("s", [
    Sample(np.array(1.5), rand(2, seed=6), rand(2, 3, seed=7)), Sample(rand(2, 2, seed=8)),
    Sample(rand(2, 2, seed=8), NC(rand(3, 2, seed=9))),
    # torch's backward sends the (1, 0) block's row of the gradient to the next block
    # (grad of the 0-d tensor is g[0, 0], though it sits at [1, 0]): values only
    Sample(np.zeros(0), np.array(2.0), grad=False),
    Sample(np.zeros((0, 3)), np.array(2.0)), Sample(np.zeros((2, 0)), rand(1, 2, seed=10)),
    Sample(np.array(1.0), np.array([2, 3]), np.array([[4, 5]], I32)),
    Sample(np.array(1.0, F64), np.array([1.0], F32)), Sample(np.array(1), np.array([1], U8)),
    Sample(np.array([[1.0]]), np.array([1.0], F32)), Sample(np.array([True]), np.array([False])),
    Sample(np.array([1 + 1j]), np.array([2.0])), Sample(),
], ids=repr)
def test_block_diag(s):
    check(fn("block_diag"), s, **TIGHT)


def test_block_diag_errors():
    b = fn("block_diag")
    check_error(b, [np.zeros((2, 2, 2))], RuntimeError, "2 or fewer dimensions",
                "Input 0 has 3 dimensions")
    check_error(b, [[A]], TypeError, "expected Tensor as element 0")


V = np.array([0.0, 1.5, -2.0, 0.5])


def vander_ref(lib, x, N=None, increasing=False):
    """torch.vander's backward fails in torch 2.13 (an in-place write into a slice it
    saved), so gradients are compared with torch.linalg.vander, flipped: the same
    function (the values are still checked against torch.vander where no grad is taken)."""
    if lib is torch and x.requires_grad:
        r = torch.linalg.vander(x, N=N)
        return r if increasing else r.flip(-1)
    return lib.vander(x, N, increasing)


@pytest.mark.parametrize("s", [
    Sample(V), Sample(V, 2), Sample(V, 6, True), Sample(V, increasing=True),
    Sample(NC(rand(1, 3, seed=11)[0]), 3), Sample(np.array([1 + 1j, 2.0]), 3),
], ids=repr)
def test_vander(s):
    check(vander_ref, s, **TIGHT)
    check(fn("vander"), Sample(*s.args, grad=False, **s.kwargs), **TIGHT)


@pytest.mark.parametrize("s", [
    Sample(V, 0), Sample(V, 1), Sample(np.zeros(0)), Sample(np.array([1, 2, 3])),
    Sample(np.array([1, 2, 3], I32), 4), Sample(np.array([1, 2], U8)), Sample(np.array([True, False])),
], ids=repr)
def test_vander_values(s):
    check(fn("vander"), Sample(*s.args, grad=False, **s.kwargs))


def test_vander_float32():
    check(vander_ref, Sample(V.astype(F32), 3))
    check(fn("vander"), Sample(V.astype(F32), 3, grad=False))


def test_vander_errors():
    v = fn("vander")
    check_error(v, [np.array(2.0)], RuntimeError, "one-dimensional")
    check_error(v, [np.ones((2, 2))], RuntimeError, "one-dimensional")
    check_error(v, [V, -1], RuntimeError, "N must be non-negative")


def lvander(lib, x, **k):
    return lib.linalg.vander(x, **k)


@pytest.mark.parametrize("s", [
    Sample(V), Sample(V, N=2), Sample(V, N=6), Sample(rand(2, 3, seed=12)),
    Sample(NC(rand(3, 2, seed=13)), N=4), Sample(np.array(2.0), N=3), Sample(rand(2, 0, 2, seed=14)),
    Sample(np.array([1, 2, 3])), Sample(np.array([1, 2], I32), N=3), Sample(np.array([1 + 1j, 2.0])),
], ids=repr)
def test_linalg_vander(s):
    check(lvander, s, **TIGHT)


def test_linalg_vander_float32():
    check(lvander, Sample(V.astype(F32)))


def test_linalg_vander_errors():
    for args, kw in (([V], {"N": 1}), ([V], {"N": 0}), ([V], {"N": -1}), ([np.array(2.0)], {}),
                     ([np.array([2.0])], {})):
        check_error(lvander, args, RuntimeError, "N must be greater than 1", **kw)
    check_error(lvander, [np.array([True, False])], RuntimeError, "got Bool")
    check_error(lambda lib, x: lib.linalg.vander(x, 3), [V], TypeError)
    assert "vander" in ember.linalg.__all__


@pytest.mark.parametrize("s", [
    Sample(np.array([4, 1]), (2, 3)), Sample(np.array(4), (2, 3)), Sample(np.array([[4, 1], [0, 5]]), (2, 3)),
    Sample(np.array([4, 1]), 6), Sample(np.array([4, 1]), (6,)), Sample(np.array([4, 1]), ()),
    Sample(np.array(0), ()), Sample(np.array([6, -1, -7, 13]), (2, 3)), Sample(np.array([5]), (2, 2, 2)),
    Sample(np.array([1], I32), (2, 3)), Sample(np.array([7], U8), [2, 3]),
    Sample(np.zeros(0, I64), (2, 0)), Sample(np.array([3, 2**40 + 5]), (2**40, 2**40)),
    Sample(np.array([1]), (True, 3)), Sample(NC(np.array([[4, 1, 3]])), (2, 3)),
], ids=repr)
def test_unravel_index(s):
    check(fn("unravel_index"), s)


def test_unravel_index_torch_size():
    e = ember.unravel_index(ember.tensor([4, 1]), torch.Size([2, 3]))
    assert [x.tolist() for x in e] == [[1, 0], [1, 1]]


def test_unravel_index_errors():
    u = fn("unravel_index")
    check_error(u, [np.array([1.0]), (2, 3)], TypeError, "integer dtype", "float64")
    check_error(u, [np.array([True]), (2, 3)], TypeError, "integer dtype", "bool")
    check_error(u, [np.array([1j]), (2, 3)], TypeError, "integer dtype")
    check_error(u, [np.array([1]), (2, -3)], ValueError, "cannot have negative values", "(2, -3)")
    check_error(u, [np.array([1]), (2, 0)], RuntimeError, "ZeroDivisionError")
    check_error(u, [np.array([1]), (2.0, 3)], TypeError, "only contain ints", "float")
    check_error(u, [np.array([1]), 2.5], TypeError, "int or sequence of ints", "float")
    check_error(u, [np.array([1]), np.array([2, 3])], TypeError, "int or sequence of ints")
