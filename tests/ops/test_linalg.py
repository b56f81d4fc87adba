"""Oracle tests for the matmul family and linear algebra: values, dtypes,
shapes, gradients and second-order gradients against torch.

Decompositions whose factors are only defined up to sign (qr, svd, eigh
vectors, eig vectors) are compared through sign-invariant quantities: the
reconstruction of A, elementwise squares / absolute values of the factors and
the singular/eigen values. Gradients of those quantities are sign-invariant
too, so they check the backward formulas without depending on LAPACK's choice.
"""
import math

import numpy as np
import pytest

import ember
import ember.linalg  # noqa: F401  (binds ember.linalg until ember/__init__ imports it)
from oracle import NC, Sample, check, check_error, rand

F64, F32, I64, I32 = np.float64, np.float32, np.int64, np.int32
TIGHT = {"rtol": 1e-10, "atol": 1e-12}


def square(n, *batch, seed=0, dtype=F64):
    """A well-conditioned (diagonally dominant) square matrix."""
    return (rand(*batch, n, n, seed=seed) + 3 * n * np.eye(n)).astype(dtype)


def spd(n, *batch, seed=0, dtype=F64):
    x = rand(*batch, n, n, seed=seed)
    return (x @ np.swapaxes(x, -1, -2) + n * np.eye(n)).astype(dtype)


def sym(n, *batch, seed=0):
    """A symmetric matrix with well-separated eigenvalues."""
    x = rand(*batch, n, n, seed=seed)
    return (x + np.swapaxes(x, -1, -2)) / 2 + np.diag(np.arange(n) * 3.0)


def full_rank(m, n, *batch, seed=0):
    x = rand(*batch, m, n, seed=seed)
    k = min(m, n)
    x[..., :k, :k] += 3 * np.eye(k)
    return x


# --------------------------------------------------------------- products
PRODUCTS = [
    # (id, fn(lib, *args), samples)
    ("matmul", lambda L, a, b: L.matmul(a, b), [
        Sample(rand(3, 4, seed=1), rand(4, 5, seed=2)),
        Sample(rand(4, seed=1), rand(4, seed=2)),                        # 1-D @ 1-D
        Sample(rand(4, seed=1), rand(4, 5, seed=2)),                     # 1-D @ 2-D
        Sample(rand(3, 4, seed=1), rand(4, seed=2)),                     # 2-D @ 1-D
        Sample(rand(2, 3, 4, seed=1), rand(4, seed=2)),                  # N-D @ 1-D
        Sample(rand(4, seed=1), rand(2, 4, 5, seed=2)),                  # 1-D @ N-D
        Sample(rand(2, 3, 4, seed=1), rand(4, 5, seed=2)),               # batched @ 2-D
        Sample(rand(3, 4, seed=1), rand(2, 4, 5, seed=2)),               # 2-D @ batched
        Sample(rand(2, 1, 3, 4, seed=1), rand(3, 4, 2, seed=2)),         # broadcast batch
        Sample(NC(rand(3, 4, seed=1)), NC(rand(4, 5, seed=2))),          # non-contiguous
        Sample(rand(0, 4, seed=1), rand(4, 5, seed=2)),                  # empty
        Sample(rand(3, 0, seed=1), rand(0, 5, seed=2)),                  # empty inner dim
    ]),
    ("operator@", lambda L, a, b: a @ b, [Sample(rand(2, 3, 4, seed=3), rand(2, 4, 2, seed=4))]),
    ("Tensor.matmul", lambda L, a, b: a.matmul(b), [Sample(rand(3, 4, seed=3), rand(4, seed=4))]),
    ("mm", lambda L, a, b: L.mm(a, b), [Sample(rand(3, 4, seed=5), rand(4, 2, seed=6)),
                                        Sample(NC(rand(3, 3, seed=5)), rand(3, 2, seed=6))]),
    ("bmm", lambda L, a, b: L.bmm(a, b), [Sample(rand(2, 3, 4, seed=7), rand(2, 4, 5, seed=8))]),
    ("mv", lambda L, a, b: L.mv(a, b), [Sample(rand(3, 4, seed=9), rand(4, seed=10))]),
    ("dot", lambda L, a, b: L.dot(a, b), [Sample(rand(5, seed=11), rand(5, seed=12)),
                                          Sample(rand(0, seed=11), rand(0, seed=12))]),
    ("vdot", lambda L, a, b: L.vdot(a, b), [Sample(rand(5, seed=11), rand(5, seed=12))]),
    ("inner", lambda L, a, b: L.inner(a, b), [
        Sample(rand(2, 3, 4, seed=13), rand(5, 4, seed=14)),
        Sample(rand(seed=13), rand(2, 3, seed=14)),                      # 0-dim
        Sample(rand(4, seed=13), rand(4, seed=14))]),
    ("outer", lambda L, a, b: L.outer(a, b), [Sample(rand(3, seed=15), rand(4, seed=16))]),
    ("ger", lambda L, a, b: a.ger(b), [Sample(rand(3, seed=15), rand(4, seed=16))]),
    ("addmm", lambda L, c, a, b: L.addmm(c, a, b), [
        Sample(rand(3, 2, seed=1), rand(3, 4, seed=2), rand(4, 2, seed=3)),
        Sample(rand(2, seed=1), rand(3, 4, seed=2), rand(4, 2, seed=3))]),   # broadcast input
    ("addmm_beta_alpha", lambda L, c, a, b: L.addmm(c, a, b, beta=0.5, alpha=-2), [
        Sample(rand(3, 2, seed=1), rand(3, 4, seed=2), rand(4, 2, seed=3))]),
    ("addmm_beta0", lambda L, c, a, b: L.addmm(c.detach() * math.nan, a, b, beta=0), [
        Sample(rand(3, 2, seed=1), rand(3, 4, seed=2), rand(4, 2, seed=3))]),
    ("addmv", lambda L, c, a, b: L.addmv(c, a, b, beta=2, alpha=0.5), [
        Sample(rand(3, seed=1), rand(3, 4, seed=2), rand(4, seed=3))]),
    ("addr", lambda L, c, a, b: L.addr(c, a, b, alpha=3), [
        Sample(rand(3, 4, seed=1), rand(3, seed=2), rand(4, seed=3))]),
    ("baddbmm", lambda L, c, a, b: L.baddbmm(c, a, b, beta=0.5), [
        Sample(rand(2, 3, 5, seed=1), rand(2, 3, 4, seed=2), rand(2, 4, 5, seed=3)),
        Sample(rand(5, seed=1), rand(2, 3, 4, seed=2), rand(2, 4, 5, seed=3))]),
    ("addbmm", lambda L, c, a, b: L.addbmm(c, a, b, alpha=2), [
        Sample(rand(3, 5, seed=1), rand(2, 3, 4, seed=2), rand(2, 4, 5, seed=3))]),
    ("tensordot_int", lambda L, a, b: L.tensordot(a, b, dims=2), [
        Sample(rand(2, 3, 4, seed=1), rand(3, 4, 5, seed=2))]),
    ("tensordot_lists", lambda L, a, b: L.tensordot(a, b, dims=([0, 2], [2, 0])), [
        Sample(rand(2, 3, 4, seed=1), rand(4, 5, 2, seed=2))]),
    ("tensordot_0", lambda L, a, b: L.tensordot(a, b, dims=0), [
        Sample(rand(2, 3, seed=1), rand(4, seed=2))]),
    ("kron", lambda L, a, b: L.kron(a, b), [
        Sample(rand(2, 3, seed=1), rand(4, 2, seed=2)),
        Sample(rand(2, seed=1), rand(3, 2, 2, seed=2)),
        Sample(rand(seed=1), rand(3, seed=2))]),
    ("cross", lambda L, a, b: L.cross(a, b, dim=0), [
        Sample(rand(3, 4, seed=1), rand(3, 4, seed=2))]),
    ("linalg.cross", lambda L, a, b: L.linalg.cross(a, b), [
        Sample(rand(4, 3, seed=1), rand(4, 3, seed=2)),
        Sample(rand(1, 3, seed=1), rand(4, 3, seed=2))]),                 # broadcast
    ("chain_matmul", lambda L, a, b, c: L.chain_matmul(a, b, c), [
        Sample(rand(2, 3, seed=1), rand(3, 4, seed=2), rand(4, 2, seed=3))]),
    ("multi_dot", lambda L, a, b, c, d: L.linalg.multi_dot([a, b, c, d]), [
        Sample(rand(3, seed=1), rand(3, 6, seed=2), rand(6, 2, seed=3), rand(2, seed=4)),
        Sample(rand(5, 3, seed=1), rand(3, 6, seed=2), rand(6, 2, seed=3), rand(2, 4, seed=4))]),
    ("vecdot", lambda L, a, b: L.linalg.vecdot(a, b, dim=0), [
        Sample(rand(3, 4, seed=1), rand(3, 1, seed=2))]),
]


@pytest.mark.parametrize("name,fn,samples", PRODUCTS, ids=[p[0] for p in PRODUCTS])
def test_products_float64(name, fn, samples):
    for s in samples:
        check(fn, s, **TIGHT)


def test_inplace_add_products():
    # torch's second-order pass through addmm_ trips its own version check: first order only
    c, a, b = rand(3, 2, seed=1), rand(3, 4, seed=2), rand(4, 2, seed=3)
    check(lambda L, c, a, b: (c + 0).addmm_(a, b, beta=2), Sample(c, a, b), gradgrad=False,
          **TIGHT)
    c, a, b = rand(2, 3, 5, seed=1), rand(2, 3, 4, seed=2), rand(2, 4, 5, seed=3)
    check(lambda L, c, a, b: (c + 0).baddbmm_(a, b, alpha=2), Sample(c, a, b), gradgrad=False,
          **TIGHT)


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, 0.0, math.inf])
def test_cdist(p):
    # torch does not implement cdist's second derivative: first order only
    for a, b in [(rand(4, 3, seed=1), rand(5, 3, seed=2)),
                 (rand(2, 4, 3, seed=1), rand(2, 5, 3, seed=2)),
                 (rand(2, 4, 3, seed=1), rand(5, 3, seed=2))]:
        check(lambda L, a, b: L.cdist(a, b, p=p), Sample(a, b), gradgrad=False, **TIGHT)


PRODUCT_DTYPES = [
    ("matmul", lambda L, a, b: L.matmul(a, b), ((2, 3, 4), (4, 5))),
    ("mm", lambda L, a, b: L.mm(a, b), ((3, 4), (4, 5))),
    ("bmm", lambda L, a, b: L.bmm(a, b), ((2, 3, 4), (2, 4, 5))),
    ("mv", lambda L, a, b: L.mv(a, b), ((3, 4), (4,))),
    ("dot", lambda L, a, b: L.dot(a, b), ((4,), (4,))),
    ("einsum", lambda L, a, b: L.einsum("bij,bjk->bik", a, b), ((2, 3, 4), (2, 4, 5))),
    ("tensordot", lambda L, a, b: L.tensordot(a, b, 1), ((3, 4), (4, 5))),
]


@pytest.mark.parametrize("name,fn,shapes", PRODUCT_DTYPES, ids=[p[0] for p in PRODUCT_DTYPES])
@pytest.mark.parametrize("dtype", [F32, I64, I32])
def test_products_dtypes(name, fn, shapes, dtype):
    a, b = (rand(*s, dtype=dtype, seed=i) for i, s in enumerate(shapes))
    # float32: the same BLAS sums in a different order than torch's; values of
    # size ~4 over 4-term sums agree to a few ulps
    check(fn, Sample(a, b), rtol=1e-5, atol=1e-5)


def test_half_precision_matmul():
    a, b = rand(3, 4, seed=1), rand(4, 5, seed=2)
    # float16 rounds products to 11 bits; torch and ember both accumulate in float32
    check(lambda L, a, b: L.matmul(a.half(), b.half()), Sample(a, b, grad=False),
          rtol=2e-3, atol=2e-3)
    check(lambda L, a, b: L.matmul(a.bfloat16(), b.bfloat16()), Sample(a, b, grad=False),
          rtol=2e-2, atol=2e-2)


def test_complex():
    # the oracle's second-order pass sums complex values, which torch refuses:
    # first-order gradients (torch's conjugate convention) only
    a = rand(3, 4, dtype=np.complex128, seed=1)
    b = rand(4, 2, dtype=np.complex128, seed=2)
    c = rand(2, 3, 3, dtype=np.complex128, seed=3) + 6 * np.eye(3)
    cases = [
        (lambda L, a, b: L.matmul(a, b), (a, b)),
        (lambda L, a, b: L.matmul(a, b), (a[0], b)),
        (lambda L, a, b: L.vdot(a, b), (a[0], b[:, 0])),
        (lambda L, a, b: L.einsum("ij,jk->ik", a, b), (a, b)),
        (lambda L, a: L.linalg.vector_norm(a, dim=1), (a,)),
        (lambda L, c: L.linalg.inv(c), (c,)),
        (lambda L, c: L.linalg.det(c), (c,)),
        (lambda L, c, b: L.linalg.solve(c, b), (c, b[:3])),
    ]
    for fn, args in cases:
        check(fn, Sample(*args), gradgrad=False, **TIGHT)


def test_matmul_out():
    def fn(L, a, b):
        out = L.empty(0, dtype=a.dtype)
        r = L.matmul(a, b, out=out)
        assert r is out
        return out
    check(fn, Sample(rand(3, 4, seed=1), rand(4, 2, seed=2), grad=False), **TIGHT)


# ------------------------------------------------------------------ einsum
EINSUM = [
    ("ij,jk->ik", [(3, 4), (4, 5)]),
    ("ij,jk", [(3, 4), (4, 5)]),                      # implicit output
    ("ii->i", [(4, 4)]),                              # diagonal
    ("ii", [(4, 4)]),                                 # trace
    ("ij->", [(3, 4)]),
    ("ij->j", [(3, 4)]),
    ("ij->ji", [(3, 4)]),                             # a view in numpy: must be copied
    ("i,j->ij", [(3,), (4,)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("...ij,...jk->...ik", [(2, 3, 4), (4, 5)]),      # ellipsis with broadcasting
    ("...ii->...i", [(2, 3, 3)]),
    ("b...,b...->b", [(2, 3, 4), (2, 3, 4)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("iij,jk->ik", [(3, 3, 4), (4, 2)]),
    ("Ab,bC->AC", [(2, 3), (3, 4)]),                  # upper-case subscripts
    ("i j , j k -> i k", [(2, 3), (3, 4)]),           # spaces
    ("ij,jk->ik", [(3, 1), (4, 5)]),                  # size-1 dimension broadcasts
    ("i,i->", [(0,), (0,)]),                          # empty
]


@pytest.mark.parametrize("eq,shapes", EINSUM, ids=[e[0] for e in EINSUM])
def test_einsum(eq, shapes):
    arrays = [rand(*s, seed=i) for i, s in enumerate(shapes)]
    check(lambda L, *ops: L.einsum(eq, *ops), Sample(*arrays), **TIGHT)


def test_einsum_forms():
    a, b = rand(3, 4, seed=1), rand(4, 5, seed=2)
    check(lambda L, a, b: L.einsum("ij,jk->ik", [a, b]), Sample(a, b), **TIGHT)
    check(lambda L, a, b: L.einsum(a, [0, 1], b, [1, 2], [0, 2]), Sample(a, b), **TIGHT)
    check(lambda L, a, b: L.einsum(a, [Ellipsis, 1], b, [1, 2]), Sample(a, b), **TIGHT)
    check(lambda L, a: L.einsum("ij->ji", a), Sample(NC(rand(3, 4, seed=3))), **TIGHT)


# ----------------------------------------------------------- vector norms
NORMS = [
    ("vector_norm", lambda L, x: L.linalg.vector_norm(x), [rand(3, 4, seed=1), rand(seed=2),
                                                           rand(0, 3, seed=3)]),
    ("vector_norm_dim", lambda L, x: L.linalg.vector_norm(x, dim=1, keepdim=True),
     [rand(3, 4, seed=1), NC(rand(4, 3, seed=4))]),
    ("vector_norm_dims", lambda L, x: L.linalg.vector_norm(x, 3, dim=(0, -1)),
     [rand(2, 3, 4, seed=1)]),
    ("vector_norm_1", lambda L, x: L.linalg.vector_norm(x, 1, -1), [rand(3, 4, seed=1)]),
    ("vector_norm_inf", lambda L, x: L.linalg.vector_norm(x, math.inf, -1), [rand(3, 4, seed=1)]),
    ("vector_norm_-inf", lambda L, x: L.linalg.vector_norm(x, -math.inf), [rand(3, 4, seed=1)]),
    ("vector_norm_0", lambda L, x: L.linalg.vector_norm(x, 0, 0), [rand(3, 4, seed=1)]),
    ("vector_norm_half", lambda L, x: L.linalg.vector_norm(x, 0.5), [rand(3, 4, seed=1)]),
    ("matrix_norm_fro", lambda L, x: L.linalg.matrix_norm(x), [rand(2, 3, 4, seed=1)]),
    ("matrix_norm_nuc", lambda L, x: L.linalg.matrix_norm(x, "nuc"), [rand(2, 3, 4, seed=1)]),
    ("matrix_norm_2", lambda L, x: L.linalg.matrix_norm(x, 2), [rand(2, 3, 4, seed=1)]),
    ("matrix_norm_-2", lambda L, x: L.linalg.matrix_norm(x, -2, keepdim=True),
     [rand(2, 3, 4, seed=1)]),
    ("matrix_norm_1", lambda L, x: L.linalg.matrix_norm(x, 1), [rand(2, 3, 4, seed=1)]),
    ("matrix_norm_-1", lambda L, x: L.linalg.matrix_norm(x, -1), [rand(2, 3, 4, seed=1)]),
    ("matrix_norm_inf", lambda L, x: L.linalg.matrix_norm(x, math.inf, dim=(0, 2)),
     [rand(2, 3, 4, seed=1)]),
    ("matrix_norm_-inf", lambda L, x: L.linalg.matrix_norm(x, -math.inf, keepdim=True),
     [rand(2, 3, 4, seed=1)]),
    ("norm", lambda L, x: L.linalg.norm(x), [rand(2, 3, 4, seed=1)]),
    ("norm_ord_2d", lambda L, x: L.linalg.norm(x, 1), [rand(3, 4, seed=1)]),
    ("norm_ord_1d", lambda L, x: L.linalg.norm(x, 3), [rand(4, seed=1)]),
    ("norm_dim", lambda L, x: L.linalg.norm(x, dim=(1, 2), ord="fro"), [rand(2, 3, 4, seed=1)]),
    ("norm_vdim", lambda L, x: L.linalg.norm(x, dim=1, keepdim=True), [rand(2, 3, 4, seed=1)]),
    ("cond", lambda L, x: L.linalg.cond(x), [square(3, 2, seed=1)]),
]


@pytest.mark.parametrize("name,fn,arrays", NORMS, ids=[n[0] for n in NORMS])
def test_norms(name, fn, arrays):
    for a in arrays:
        check(fn, Sample(a), **TIGHT)


def test_norm_zero_subgradient():
    # the gradient of the 2-norm at 0 is the subgradient 0 (torch's second-order
    # gradient there is nan, an artefact of its formula, so it is not compared)
    check(lambda L, x: L.linalg.vector_norm(x * 0, dim=1), Sample(rand(3, 4, seed=1)),
          gradgrad=False, **TIGHT)
    check(lambda L, x: L.linalg.vector_norm(x * 0, 3), Sample(rand(3, 4, seed=1)),
          gradgrad=False, **TIGHT)


def test_cond_fro():
    # torch's backward of cond(A, 'fro') fails (it writes into inv_ex's output)
    check(lambda L, x: L.linalg.cond(x, "fro"), Sample(square(3, seed=1), grad=False), **TIGHT)


def test_norm_float32():
    x = rand(3, 4, dtype=F32, seed=1)
    check(lambda L, x: L.linalg.vector_norm(x, dim=0), Sample(x))
    # float64 result; the float32 gradient is rounded once on either side
    check(lambda L, x: L.linalg.vector_norm(x, dtype=L.float64), Sample(x), rtol=1e-7)
    check(lambda L, x: L.linalg.matrix_norm(x, "nuc"), Sample(x), rtol=1e-5, atol=1e-5)


# ---------------------------------------------------------- decompositions
def _qr_invariants(L, Q, R):
    return Q @ R, Q * Q, R * R


DECOMP = [
    ("det", lambda L, a: L.linalg.det(a), [square(3, seed=1), square(3, 2, seed=2),
                                           NC(square(3, seed=3)), square(0, seed=1)]),
    ("torch.det", lambda L, a: L.det(a), [square(4, seed=1)]),
    ("slogdet", lambda L, a: L.linalg.slogdet(-a), [square(3, 2, seed=1)]),
    ("torch.slogdet", lambda L, a: L.slogdet(a), [square(3, seed=1)]),
    ("logdet", lambda L, a: L.logdet(a), [spd(3, 2, seed=1)]),
    ("inv", lambda L, a: L.linalg.inv(a), [square(3, seed=1), square(3, 2, seed=2),
                                           NC(square(3, seed=3)), square(0, 2, seed=1)]),
    ("inverse", lambda L, a: L.inverse(a), [square(3, seed=1)]),
    ("inv_ex", lambda L, a: L.linalg.inv_ex(a), [square(3, 2, seed=1)]),
    ("matrix_power3", lambda L, a: L.linalg.matrix_power(a, 3), [rand(2, 3, 3, seed=1)]),
    ("matrix_power0", lambda L, a: L.matrix_power(a, 0), [rand(2, 3, 3, seed=1)]),
    ("matrix_power-2", lambda L, a: L.linalg.matrix_power(a, -2), [square(3, seed=1)]),
    ("matrix_power1", lambda L, a: a.matrix_power(1), [rand(3, 3, seed=1)]),
    ("cholesky", lambda L, a: L.linalg.cholesky(a), [spd(3, seed=1), spd(3, 2, seed=2)]),
    ("cholesky_upper", lambda L, a: L.linalg.cholesky(a, upper=True), [spd(3, seed=1)]),
    ("torch.cholesky", lambda L, a: L.cholesky(a), [spd(3, seed=1)]),
    ("cholesky_ex", lambda L, a: L.linalg.cholesky_ex(a), [spd(3, seed=1)]),
    ("cholesky_solve", lambda L, a, b: L.cholesky_solve(b, L.linalg.cholesky(a)),
     [(spd(3, seed=1), rand(3, 2, seed=2))]),
    ("cholesky_inverse", lambda L, a: L.cholesky_inverse(L.linalg.cholesky(a)), [spd(3, seed=1)]),
    ("solve", lambda L, a, b: L.linalg.solve(a, b), [
        (square(3, seed=1), rand(3, 2, seed=2)),
        (square(3, seed=1), rand(3, seed=2)),                   # vector rhs
        (square(3, 2, seed=1), rand(2, 3, seed=2)),             # batch of vectors
        (square(3, 2, seed=1), rand(3, 4, seed=2)),             # broadcast B over batch
        (square(3, 1, seed=1), rand(2, 3, 4, seed=2)),          # broadcast A over batch
        (NC(square(3, seed=1)), NC(rand(3, 2, seed=2)))]),
    ("solve_left_false", lambda L, a, b: L.linalg.solve(a, b, left=False),
     [(square(3, seed=1), rand(2, 3, seed=2))]),
    ("solve_ex", lambda L, a, b: L.linalg.solve_ex(a, b),
     [(square(3, seed=1), rand(3, 2, seed=2))]),
    ("solve_triangular_upper", lambda L, a, b: L.linalg.solve_triangular(a, b, upper=True),
     [(square(3, seed=1), rand(3, 2, seed=2)), (square(3, 2, seed=1), rand(3, 2, seed=2))]),
    ("solve_triangular_lower_unit", lambda L, a, b: L.linalg.solve_triangular(
        a, b, upper=False, unitriangular=True), [(square(3, seed=1), rand(3, 2, seed=2))]),
    ("solve_triangular_right", lambda L, a, b: L.linalg.solve_triangular(
        a, b, upper=True, left=False), [(square(3, seed=1), rand(2, 3, seed=2))]),
    ("qr", lambda L, a: _qr_invariants(L, *L.linalg.qr(a)), [
        full_rank(4, 3, seed=1), full_rank(3, 3, 2, seed=2), full_rank(3, 5, seed=3)]),
    ("qr_complete", lambda L, a: _qr_invariants(L, *L.linalg.qr(a, mode="complete")),
     [full_rank(3, 3, seed=1)]),
    ("torch.qr", lambda L, a: _qr_invariants(L, *L.qr(a)), [full_rank(4, 3, seed=1)]),
    ("svd", lambda L, a: _svd_out(L, *L.linalg.svd(a, full_matrices=False)), [
        full_rank(4, 3, seed=1), full_rank(3, 5, 2, seed=2), full_rank(3, 3, seed=3)]),
    ("svd_full", lambda L, a: _svd_out(L, *L.linalg.svd(a), full=True),
     [full_rank(4, 3, seed=1), full_rank(3, 4, seed=1)]),
    ("torch.svd", lambda L, a: _svd_out(L, *L.svd(a), torch_svd=True), [full_rank(4, 3, seed=1)]),
    ("svd_no_uv", lambda L, a: L.svd(a, compute_uv=False), [full_rank(4, 3, seed=1)]),
    ("svdvals", lambda L, a: L.linalg.svdvals(a), [full_rank(4, 3, 2, seed=1)]),
    ("eigh", lambda L, a: _eigh_out(*L.linalg.eigh(a)), [sym(3, seed=1), sym(4, 2, seed=2)]),
    ("eigh_U", lambda L, a: _eigh_out(*L.linalg.eigh(a, UPLO="U")), [sym(3, seed=1)]),
    ("eigvalsh", lambda L, a: L.linalg.eigvalsh(a), [sym(3, 2, seed=1)]),
    ("pinv", lambda L, a: L.linalg.pinv(a), [full_rank(4, 3, seed=1), full_rank(3, 5, 2, seed=2)]),
    ("pinv_hermitian", lambda L, a: L.linalg.pinv(a, hermitian=True), [sym(3, seed=1)]),
    ("pinverse", lambda L, a: L.pinverse(a), [full_rank(3, 4, seed=1)]),
    ("lstsq", lambda L, a, b: L.linalg.lstsq(a, b), [
        (full_rank(5, 3, seed=1), rand(5, 2, seed=2)),
        (full_rank(3, 5, seed=1), rand(3, 2, seed=2)),
        (full_rank(5, 3, 2, seed=1), rand(2, 5, 2, seed=2))]),
    ("lstsq_vector", lambda L, a, b: L.linalg.lstsq(a, b), [(full_rank(5, 3, seed=1),
                                                            rand(5, seed=2))]),
    ("lstsq_gelsd", lambda L, a, b: L.linalg.lstsq(a, b, driver="gelsd"),
     [(full_rank(5, 3, seed=1), rand(5, 2, seed=2)), (full_rank(5, 3, seed=1), rand(5, seed=2)),
      (full_rank(3, 5, seed=1), rand(3, 2, seed=2)),
      (full_rank(5, 3, 2, seed=1), rand(1, 5, 2, seed=2))]),                # broadcast batch
    ("lstsq_gels", lambda L, a, b: L.linalg.lstsq(a, b, driver="gels"),
     [(full_rank(5, 3, 2, seed=1), rand(2, 5, 2, seed=2))]),
    ("matrix_rank", lambda L, a: L.linalg.matrix_rank(a), [
        rand(3, 4, seed=1), np.outer(rand(3, seed=1), rand(4, seed=2)), rand(2, 3, 3, seed=1)]),
    ("matrix_rank_tol", lambda L, a: L.linalg.matrix_rank(a, atol=1.0, rtol=0.0),
     [rand(4, 4, seed=1)]),
    ("matrix_rank_hermitian", lambda L, a: L.linalg.matrix_rank(a, hermitian=True),
     [sym(3, seed=1)]),
    ("diagonal", lambda L, a: L.linalg.diagonal(a), [rand(2, 3, 4, seed=1)]),
    ("diagonal_offset", lambda L, a: L.linalg.diagonal(a, offset=-1, dim1=0, dim2=2),
     [rand(3, 2, 4, seed=1)]),
]


def _svd_out(L, U, S, V, full=False, torch_svd=False):
    Vh = V.mH if torch_svd else V
    k = S.shape[-1]
    if full:
        U, Vh = U[..., :k], Vh[..., :k, :]
    return U @ (S.unsqueeze(-1) * Vh), S, U * U, Vh * Vh


def _eigh_out(w, V):
    return w, V * V


@pytest.mark.parametrize("name,fn,samples", DECOMP, ids=[d[0] for d in DECOMP])
def test_decompositions(name, fn, samples):
    # functions of symmetric/hermitian input read one triangle: a finite difference
    # that breaks the symmetry does not match torch's symmetric gradient convention
    symmetric = name.startswith(("cholesky", "torch.cholesky", "eigh", "eigvalsh",
                                 "pinv_hermitian"))
    for s in samples:
        args = s if isinstance(s, tuple) else (s,)
        check(fn, Sample(*args, fd=not symmetric), rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("name", ["det", "inv", "solve", "cholesky", "eigh", "svd", "qr"])
def test_decompositions_float32(name):
    # LAPACK in float32: factors agree with torch's to a few ulps of the
    # condition-number-scaled result
    a = spd(3, seed=4, dtype=F32)
    fns = {
        "det": lambda L, a: L.linalg.det(a),
        "inv": lambda L, a: L.linalg.inv(a),
        "solve": lambda L, a: L.linalg.solve(a, a[0]),
        "cholesky": lambda L, a: L.linalg.cholesky(a),
        "eigh": lambda L, a: _eigh_out(*L.linalg.eigh(a)),
        "svd": lambda L, a: _svd_out(L, *L.linalg.svd(a)),
        "qr": lambda L, a: _qr_invariants(L, *L.linalg.qr(a)),
    }
    check(fns[name], Sample(a), rtol=1e-4, atol=1e-5, gradgrad=False)


def test_qr_mode_r():
    # torch cannot differentiate mode='r' (Q is not computed): values only
    check(lambda L, a: L.linalg.qr(a, mode="r"), Sample(full_rank(4, 3, seed=1), grad=False),
          **TIGHT)


@pytest.mark.parametrize("shape", [(4, 4), (2, 3, 3)])
def test_eig(shape):
    a = rand(*shape, seed=3)
    # eigenvalues come in LAPACK's order (torch uses the same routine); the
    # eigenvectors are unit vectors defined up to a complex phase: compare |v|,
    # whose gradient is phase-invariant too
    check(lambda L, a: (L.linalg.eig(a)[0], L.linalg.eig(a)[1].abs(), L.linalg.eigvals(a)),
          Sample(a), rtol=1e-9, atol=1e-10)


def test_lstsq_fields_rank_deficient():
    a = np.outer(rand(5, seed=1), rand(3, seed=2))
    b = rand(5, 2, seed=3)
    check(lambda L, a, b: L.linalg.lstsq(a, b).rank, Sample(a, b, grad=False))
    check(lambda L, a, b: L.linalg.lstsq(a, b, driver="gelsd")[1:], Sample(a, b, grad=False),
          **TIGHT)


def test_inv_ex_singular_info():
    a = np.stack([square(3, seed=1), np.zeros((3, 3))])
    check(lambda L, a: L.linalg.inv_ex(a).info, Sample(a, grad=False))
    check(lambda L, a: L.linalg.cholesky_ex(a).info,
          Sample(np.stack([spd(3, seed=1), -np.eye(3)]), grad=False))


def test_linalg_namespace():
    import torch
    names = ["cholesky", "cholesky_ex", "cond", "cross", "det", "diagonal", "eig", "eigh",
             "eigvals", "eigvalsh", "inv", "inv_ex", "lstsq", "matmul", "matrix_norm",
             "matrix_power", "matrix_rank", "multi_dot", "norm", "pinv", "qr", "slogdet", "solve",
             "solve_ex", "solve_triangular", "svd", "svdvals", "vecdot", "vector_norm"]
    for n in names:
        assert hasattr(torch.linalg, n) and callable(getattr(ember.linalg, n)), n
    assert issubclass(ember.linalg.LinAlgError, RuntimeError)
    r = ember.linalg.qr(ember.eye(3) if hasattr(ember, "eye") else ember.ones(3, 3))
    assert r._fields == ("Q", "R")


# ------------------------------------------------------------------ errors
ERRORS = [
    (lambda L, a, b: L.mm(a, b), (rand(2, 3), rand(4, 5)), RuntimeError,
     ["mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)"]),
    (lambda L, a, b: L.matmul(a, b), (rand(2, 2, 3), rand(4, 5)), RuntimeError,
     ["mat1 and mat2 shapes cannot be multiplied (4x3 and 4x5)"]),
    (lambda L, a, b: L.mm(a, b), (rand(2, 3, dtype=F32), rand(3, 5)), RuntimeError,
     ["expected m1 and m2 to have the same dtype, but got: float != double"]),
    (lambda L, a, b: L.matmul(a, b), (rand(3), rand(4)), RuntimeError,
     ["inconsistent tensor size", "[3]", "[4]"]),
    (lambda L, a, b: L.matmul(a, b), (rand(2, 3), rand(4)), RuntimeError,
     ["size mismatch, got input (2), mat (2x3), vec (4)"]),
    (lambda L, a, b: L.matmul(a, b), (rand(), rand(2, 2)), RuntimeError,
     ["both arguments to matmul need to be at least 1D, but they are 0D and 2D"]),
    (lambda L, a, b: L.matmul(a, b), (rand(2, 2, 3), rand(3, 3, 4)), RuntimeError,
     ["The size of tensor a (2) must match the size of tensor b (3)"]),
    (lambda L, a, b: L.matmul(a, b), (rand(2, 2, 3), rand(2, 4, 5)), RuntimeError,
     ["[2, 3] but got: [2, 4]"]),
    (lambda L, a, b: L.matmul(a, b), (rand(2, 3, dtype=F32), rand(2, 3, 4)), RuntimeError,
     ["expected scalar type Float but found Double"]),
    (lambda L, a, b: L.mv(a, b), (rand(2, 3, dtype=F32), rand(3)), RuntimeError,
     ["addmv input tensors must have the same dtype", "Double", "Float"]),
    (lambda L, a, b: L.bmm(a, b), (rand(2, 2, 3), rand(3, 4)), RuntimeError,
     ["batch2 must be a 3D tensor"]),
    (lambda L, a, b: L.bmm(a, b), (rand(2, 2, 3), rand(3, 3, 4)), RuntimeError,
     ["Expected size for first two dimensions of batch2 tensor to be: [2, 3] but got: [3, 3]"]),
    (lambda L, a, b: L.dot(a, b), (rand(3), rand(3, dtype=F32)), RuntimeError,
     ["dot : expected both vectors to have same dtype, but found Double and Float"]),
    (lambda L, a, b: L.dot(a, b), (rand(3, 1), rand(3)), RuntimeError,
     ["1D tensors expected, but got 2D and 1D tensors"]),
    (lambda L, a, b: L.mm(a, b), (rand(2, 2, dtype=np.bool_),) * 2, NotImplementedError,
     ["not implemented for 'Bool'"]),
    (lambda L, a, b: L.outer(a, b), (rand(2, 2), rand(2)), RuntimeError,
     ["outer: Expected 1-D argument self, but got 2-D"]),
    (lambda L, c, a, b: L.addmm(c, a, b), (rand(3), rand(2, 2), rand(2, 2)), RuntimeError,
     ["expanded size"]),
    (lambda L, a, b: L.einsum("ij,jk->ik", a, b), (rand(2, 3, 3), rand(3, 4)), RuntimeError,
     ["number of subscripts in the equation (2) does not match the number of dimensions (3)"]),
    (lambda L, a: L.einsum("ij,jk->ik", a), (rand(2, 3),), RuntimeError,
     ["fewer operands were provided than specified in the equation"]),
    (lambda L, a, b: L.einsum("ij->ii", a, b), (rand(2, 2), rand(2)), RuntimeError,
     ["more operands"]),
    (lambda L, a: L.einsum("ij->iij", a), (rand(2, 2),), RuntimeError,
     ["output subscript i appears more than once in the output"]),
    (lambda L, a: L.einsum("ij->ix", a), (rand(2, 2),), RuntimeError,
     ["output subscript x does not appear in the equation for any input operand"]),
    (lambda L, a, b: L.einsum("ij,jk", a, b), (rand(2, 3), rand(4, 4)), RuntimeError,
     ["subscript j has size 4 for operand 1 which does not broadcast with previously seen size 3"]),
    (lambda L, a, b: L.einsum("ij,jk", a, b), (rand(2, 3, dtype=I64), rand(3, 4)), RuntimeError,
     ["expected scalar type Long but found Double"]),
    (lambda L, a, b: L.tensordot(a, b, 1), (rand(2, 3), rand(3, dtype=F32)), RuntimeError,
     ["both inputs should have same dtype"]),
    (lambda L, a, b: L.linalg.cross(a, b), (rand(2, 4), rand(2, 4)), RuntimeError,
     ["linalg.cross: inputs dimension -1 must have length 3. Got 4 and 4"]),
    (lambda L, a, b: L.linalg.cross(a, b), (rand(2, 3), rand(3)), RuntimeError,
     ["linalg.cross: inputs must have the same number of dimensions."]),
    (lambda L, a: L.linalg.vector_norm(a), (rand(3, dtype=I64),), RuntimeError,
     ["linalg.vector_norm: Expected a floating point or complex tensor as input. Got Long"]),
    (lambda L, a: L.linalg.vector_norm(a, math.inf), (rand(0),), RuntimeError,
     ["cannot compute the inf norm on an empty tensor"]),
    (lambda L, a: L.linalg.vector_norm(a, dtype=L.float32), (rand(3),), RuntimeError,
     ["the dtype of the input (Double) should be convertible without narrowing to the specified "
      "dtype (Float)"]),
    (lambda L, a: L.linalg.matrix_norm(a, "abc"), (rand(3, 3),), RuntimeError,
     ["linalg.matrix_norm: Order abc not supported."]),
    (lambda L, a: L.linalg.matrix_norm(a, 3), (rand(3, 3),), RuntimeError,
     ["linalg.matrix_norm: Order 3 not supported."]),
    (lambda L, a: L.linalg.matrix_norm(a), (rand(3),), RuntimeError,
     ["linalg.matrix_norm: The input tensor A must have at least 2 dimensions."]),
    (lambda L, a: L.linalg.norm(a, 2), (rand(2, 3, 3),), RuntimeError,
     ["If dim is not specified but ord is, the input must be 1D or 2D. Got 3D."]),
    (lambda L, a: L.linalg.inv(a), (np.zeros((3, 3)),), RuntimeError,
     ["linalg.inv: The diagonal element 1 is zero", "singular"]),
    (lambda L, a: L.linalg.inv(a), (np.stack([np.eye(3), np.diag([1., 0, 1])]),), RuntimeError,
     ["linalg.inv: (Batch element 1): The diagonal element 2 is zero"]),
    (lambda L, a: L.linalg.inv(a), (rand(3, 4),), RuntimeError,
     ["linalg.inv: A must be batches of square matrices, but they are 3 by 4 matrices"]),
    (lambda L, a: L.linalg.inv(a), (rand(3),), RuntimeError,
     ["linalg.inv: The input tensor A must have at least 2 dimensions."]),
    (lambda L, a: L.linalg.det(a), (rand(3, 3, dtype=I64),), RuntimeError,
     ["linalg.det: Expected a floating point or complex tensor as input. Got Long"]),
    (lambda L, a: L.linalg.cholesky(a), (np.diag([1., 1, -1]),), RuntimeError,
     ["the leading minor of order 3 is not positive-definite"]),
    (lambda L, a, b: L.linalg.solve(a, b), (np.zeros((3, 3)), rand(3)), RuntimeError,
     ["The solver failed because the input matrix is singular."]),
    (lambda L, a, b: L.linalg.solve(a, b), (np.eye(3), rand(4)), RuntimeError,
     ["Incompatible shapes of A and B for the equation AX = B (3x3 and 4x1)"]),
    (lambda L, a, b: L.linalg.solve(a, b), (np.eye(3), rand(3, dtype=F32)), RuntimeError,
     ["linalg.solve: Expected A and B to have the same dtype"]),
    (lambda L, a: L.linalg.qr(a, mode="bad"), (rand(3, 3),), RuntimeError,
     ["qr received unrecognized mode 'bad'"]),
    (lambda L, a: L.linalg.eigh(a, UPLO="X"), (rand(3, 3),), RuntimeError,
     ["Expected UPLO argument to be 'L' or 'U', but got X"]),
]


@pytest.mark.parametrize("case", range(len(ERRORS)))
def test_errors(case):
    fn, args, exc, match = ERRORS[case]
    check_error(fn, args, exc, *match)


@pytest.mark.parametrize("call", [
    lambda L, a: L.cholesky(a), lambda L, a: L.qr(a), lambda L, a: L.chain_matmul(a, a),
    lambda L, a: L.cross(a, a)])
def test_deprecation_warnings(call):
    a = ember.tensor(spd(3, seed=1))
    with pytest.warns(UserWarning, match="deprecated"):
        call(ember, a)


def test_linalg_error_type():
    with pytest.raises(ember.linalg.LinAlgError):
        ember.linalg.inv(ember.zeros(2, 2))


def test_qr_complete_tall_backward_raises():
    a = ember.tensor(full_rank(4, 3, seed=1), requires_grad=True)
    Q, R = ember.linalg.qr(a, mode="complete")
    with pytest.raises(RuntimeError, match="not differentiable when mode='complete'"):
        (Q.sum() + R.sum()).backward()
