"""Pseudo-inverse, least squares, matrix rank, matrix powers and chains,
matrix norms and condition numbers, vecdot and linalg.diagonal.

Split from ``linalg_decomp`` (the factorisations these build on)."""
from __future__ import annotations

import math

import numpy as np

from .. import _dtype as D
from ._api import export
from .linalg import (check_tensor, conj, eye_like, matmul, mH, tname, unsqueeze_last,
                     vector_norm)
from .linalg_decomp import (Lstsq, _check_float, _check_matrix, _check_square, _is_vector_rhs,
                            _mm, inv, svdvals)
from .registry import INPUTS, OUTPUT, defop, dispatch, write_out


# -------------------------------------------------------------------- pinv
def _tolerances(S, atol, rtol, m, n, dtype):
    """torch's threshold max(atol, rtol * s_max): rtol defaults to eps * max(m, n)
    when neither is given, and to 0 when only atol is."""
    if rtol is None:
        rtol = np.finfo(dtype).eps * max(m, n) if atol is None else 0.0
    atol = 0.0 if atol is None else atol
    smax = S.max(axis=-1, keepdims=True) if S.shape[-1] else S[..., :1]
    return np.maximum(atol, rtol * smax)


@defop("linalg_pinv", saves=INPUTS | OUTPUT)
def _pinv(xp, A, atol, rtol, hermitian):
    m, n = A.shape[-2:]
    real = A.real.dtype
    if hermitian:
        w, V = xp.linalg.eigh(A)
        tol = _tolerances(xp.abs(w), atol, rtol, m, n, real)
        with np.errstate(divide="ignore"):
            winv = xp.where(xp.abs(w) > tol, 1 / w, 0)
        return xp.matmul(V * winv[..., None, :], xp.conj(xp.swapaxes(V, -1, -2)))
    U, S, Vh = xp.linalg.svd(A, full_matrices=False)
    tol = _tolerances(S, atol, rtol, m, n, real)
    with np.errstate(divide="ignore"):
        sinv = xp.where(S > tol, 1 / S, 0).astype(real)
    return xp.matmul(xp.conj(xp.swapaxes(Vh, -1, -2)) * sinv[..., None, :],
                     xp.conj(xp.swapaxes(U, -1, -2)))


def _pinv_grad(A, P, gP):
    """Gradient of P = pinv(A) (constant rank):
    -P^H gP P^H + (I - A P) gP^H P P^H + P^H P gP^H (I - P A)."""
    m, n = A.shape[-2], A.shape[-1]
    Ph = mH(P)
    gPh = mH(gP)
    t1 = -_mm(_mm(Ph, gP), Ph)
    left = eye_like(m, A) - _mm(A, P)
    t2 = _mm(_mm(left, gPh), _mm(P, Ph))
    right = eye_like(n, A) - _mm(P, A)
    t3 = _mm(_mm(Ph, P), _mm(gPh, right))
    return t1 + t2 + t3


@_pinv.defgrad
def _(ctx, g):
    A = ctx.inputs[0]
    return (_pinv_grad(A, ctx.out, g),)


def _tol_arg(v):
    if v is None or isinstance(v, (int, float)):
        return v
    return float(v)


def pinv(A, *, atol=None, rtol=None, hermitian: bool = False, out=None):
    """Moore-Penrose pseudo-inverse; singular values at or below
    max(atol, rtol * s_max) are treated as zero (torch.linalg.pinv)."""
    check_tensor(A, "linalg_pinv", "A")
    _check_matrix(A, "linalg.pinv")
    _check_float(A, "linalg.pinv")
    r = dispatch(_pinv, (A,), {"atol": _tol_arg(atol), "rtol": _tol_arg(rtol),
                               "hermitian": hermitian})
    return r if out is None else write_out(out, r)


@export("pinverse")
def pinverse(input, rcond: float = 1e-15):
    """Pseudo-inverse with relative cutoff rcond (torch.pinverse)."""
    return pinv(input, rtol=rcond)


def matrix_rank(A, *, atol=None, rtol=None, hermitian: bool = False, out=None):
    """Number of singular values above max(atol, rtol * s_max) (torch.linalg.matrix_rank)."""
    check_tensor(A, "linalg_matrix_rank", "A")
    _check_matrix(A, "linalg.matrix_rank")
    _check_float(A, "linalg.matrix_rank")
    xp = A._device.backend.xp
    a = A._data
    m, n = a.shape[-2:]
    S = xp.abs(xp.linalg.eigvalsh(a)) if hermitian else xp.linalg.svd(a, compute_uv=False)
    if hermitian:
        S = -xp.sort(-S, axis=-1)
    tol = _tolerances(S, _tol_arg(atol), _tol_arg(rtol), m, n, a.real.dtype)
    from .._tensor import _make
    r = _make(xp.asarray(xp.sum(S > tol, axis=-1)).astype(np.int64), D.int64, A._device)
    return r if out is None else write_out(out, r)


# ------------------------------------------------------------------- lstsq
@defop("linalg_lstsq", saves=INPUTS | OUTPUT)
def _lstsq(xp, A, B, rcond):
    P = _pinv.forward(xp, A, None, rcond, False)
    return xp.matmul(P, B)


@_lstsq.defgrad
def _(ctx, g):
    A, B = ctx.inputs
    P = dispatch(_pinv, (A,), {"atol": None, "rtol": ctx.params["rcond"], "hermitian": False})
    gB = _mm(mH(P), g) if ctx.needs_input_grad[1] else None
    gA = _pinv_grad(A, P, _mm(g, mH(B))) if ctx.needs_input_grad[0] else None
    return gA, gB


def lstsq(A, B, rcond=None, *, driver=None):
    """Least-squares solution of A X = B (torch.linalg.lstsq). Returns
    (solution, residuals, rank, singular_values) with the fields torch fills
    for the driver: 'gelsy' (default) fills rank; 'gelsd'/'gelss' also the
    singular values and, for tall full-rank A, the residuals; 'gels' none."""
    check_tensor(A, "linalg_lstsq", "A")
    check_tensor(B, "linalg_lstsq", "B", 2)
    _check_matrix(A, "torch.linalg.lstsq")
    _check_float(A, "torch.linalg.lstsq")
    if A._dtype is not B._dtype:
        raise RuntimeError(f"torch.linalg.lstsq: Expected input and other to have the same "
                           f"dtype, but got input's dtype {A._dtype} and other's dtype "
                           f"{B._dtype}")
    driver = driver or "gelsy"
    if driver not in ("gels", "gelsy", "gelsd", "gelss"):
        raise RuntimeError("torch.linalg.lstsq: parameter `driver` should be one of (gels, "
                           "gelsy, gelsd, gelss)")
    vec = _is_vector_rhs(A, B)
    B2 = unsqueeze_last(B) if vec else B
    m, n = A._data.shape[-2:]
    if B2._data.shape[-2] != m:
        raise RuntimeError(f"torch.linalg.lstsq: input.size(-2) should match other.size(-2) "
                           f"if other is a matrix (got {m} and {B2._data.shape[-2]})"
                           if not vec else
                           f"torch.linalg.lstsq: input.size(-2) should match other.size(-1) "
                           f"(got {m} and {B._data.shape[-1]})")
    real = A._dtype.to_real().np
    rtol = float(np.finfo(real).eps * max(m, n)) if rcond is None or rcond < 0 else float(rcond)
    X = dispatch(_lstsq, (A, B2), {"rcond": rtol})
    if vec:
        X = X.reshape(tuple(X.shape[:-1]))
    xp = A._device.backend.xp
    from .._tensor import _make
    rdt = A._dtype.to_real()
    empty_i = _make(xp.zeros((0,), dtype=np.int64), D.int64, A._device)
    empty = _make(xp.zeros((0,), dtype=rdt.np), rdt, A._device)
    # torch's empty residuals still take part in autograd
    empty_res = X.abs().sum() * empty if X.requires_grad else empty
    S = xp.linalg.svd(A._data, compute_uv=False)
    rank_arr = xp.sum(S > rtol * S[..., :1], axis=-1) if min(m, n) else \
        xp.zeros(A._data.shape[:-2], dtype=np.int64)
    full = bool(xp.all(rank_arr == n))
    residuals = empty_res
    if driver != "gelsy" and m > n and (driver == "gels" or full):
        r = B2 - matmul(A, unsqueeze_last(X) if vec else X)
        residuals = (r.abs() ** 2).sum(-2)
    if driver == "gels":
        return Lstsq(X, residuals, empty_i, empty)
    rank = _make(xp.asarray(rank_arr).astype(np.int64), D.int64, A._device)
    if driver == "gelsy":
        return Lstsq(X, residuals, rank, empty)
    return Lstsq(X, residuals, rank, _make(xp.asarray(S).astype(rdt.np), rdt, A._device))


# ---------------------------------------------------------- matrix powers
@export("matrix_power")
def matrix_power(input, n: int):
    """input raised to the integer power n; n < 0 inverts first (torch.linalg.matrix_power)."""
    check_tensor(input, "linalg_matrix_power", "A")
    _check_matrix(input, "linalg.matrix_power")
    k = input._data.shape[-1]
    if input._data.shape[-2] != k:
        raise RuntimeError(f"linalg.matrix_power: A must be batches of square matrices, but "
                           f"they are {input._data.shape[-2]} by {k} matrices")
    if n == 0:
        xp = input._device.backend.xp
        mask = xp.ones(input._data.shape, dtype=bool)
        from .._tensor import _make
        zeros = input.masked_fill(_make(mask, D.bool_, input._device), 0)
        return zeros + eye_like(k, input)
    A = inv(input) if n < 0 else input
    n = abs(n)
    result = None
    base = A
    while n:
        if n & 1:
            result = base if result is None else _mm(result, base)
        n >>= 1
        if n:
            base = _mm(base, base)
    return result if result is not A else A.clone()


def multi_dot(tensors, *, out=None):
    """Product of a chain of matrices in the cheapest order; the first and the
    last may be 1-D (torch.linalg.multi_dot)."""
    ts = list(tensors)
    if len(ts) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(ts)}")
    for i, t in enumerate(ts):
        nd = t._data.ndim
        ends = i in (0, len(ts) - 1)
        if not (nd == 2 or (ends and nd == 1)):
            if ends:
                which = "first" if i == 0 else "last"
                raise RuntimeError(f"multi_dot(): the {which} tensor must be 1D or 2D but got "
                                   f"{nd}D")
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {nd}D")
        if t._dtype is not ts[0]._dtype:
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but tensor "
                               f"0 is {ts[0]._dtype} and tensor {i} {t._dtype}")
    first_vec, last_vec = ts[0]._data.ndim == 1, ts[-1]._data.ndim == 1
    if first_vec:
        ts[0] = ts[0].reshape(1, ts[0]._data.shape[0])
    if last_vec:
        ts[-1] = ts[-1].reshape(ts[-1]._data.shape[0], 1)
    for i in range(len(ts) - 1):
        a, b = ts[i]._data.shape, ts[i + 1]._data.shape
        if a[1] != b[0]:
            raise RuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes {a[0]}x{a[1]} "
                               f"and {b[0]}x{b[1]} cannot be multiplied")
    r = _chain(ts)
    if first_vec and last_vec:
        r = r.reshape(())
    elif first_vec:
        r = r.reshape(r._data.shape[1])
    elif last_vec:
        r = r.reshape(r._data.shape[0])
    return r if out is None else write_out(out, r)


def _chain(ts):
    """Matrix-chain product in the order of least multiplications (dynamic programming)."""
    n = len(ts)
    dims = [ts[0]._data.shape[0]] + [t._data.shape[1] for t in ts]
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = math.inf
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k

    def build(i, j):
        if i == j:
            return ts[i]
        k = split[i][j]
        return _mm(build(i, k), build(k + 1, j))
    return build(0, n - 1)


@export("chain_matmul", method=False)
def chain_matmul(*matrices, out=None):
    """Product of 2-D matrices (deprecated torch.chain_matmul; use multi_dot)."""
    import warnings
    warnings.warn("torch.chain_matmul is deprecated and will be removed in a future PyTorch "
                  "release. Use torch.linalg.multi_dot instead, which accepts a list of two or "
                  "more tensors rather than multiple parameters.", UserWarning, stacklevel=2)
    if len(matrices) == 1:
        return matrices[0].clone()
    for i, t in enumerate(matrices):
        if t._data.ndim != 2:
            raise RuntimeError(f"Tensor dimension is {t._data.ndim}, expected 2 instead.")
    return multi_dot(matrices, out=out)


# ------------------------------------------------------------ matrix norms
def _move_to_end(A, dims):
    nd = A._data.ndim
    d0, d1 = (d % nd for d in dims)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({dims[0]}, "
                           f"{dims[1]})")
    rest = [d for d in range(nd) if d not in (d0, d1)]
    return A.permute(rest + [d0, d1]), d0, d1


def _keep(r, A, d0, d1):
    shape = list(A._data.shape)
    shape[d0] = shape[d1] = 1
    return r.reshape(tuple(shape))


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None, out=None):
    """Matrix norm over the two dims: 'fro', 'nuc', inf, -inf, 1, -1, 2, -2
    (torch.linalg.matrix_norm)."""
    check_tensor(A, "linalg_matrix_norm", "A")
    _check_matrix(A, "linalg.matrix_norm")
    if A._dtype.category < D.FLOAT:
        raise RuntimeError(f"linalg.matrix_norm: Expected a floating point or complex tensor as "
                           f"input. Got {tname(A)}")
    dim = tuple(dim) if not isinstance(dim, int) else (dim,)
    if len(dim) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got "
                           f"{' '.join(str(d) for d in dim)}")
    if isinstance(ord, str):
        if ord not in ("fro", "nuc"):
            raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    elif ord not in (1, -1, 2, -2, math.inf, -math.inf):
        raise RuntimeError(f"linalg.matrix_norm: Order {_fmt_ord(ord)} not supported.")
    if dtype is not None:
        A = A.to(dtype)
    if ord == "fro":
        r = vector_norm(A, 2, dim, keepdim)
        return r if out is None else write_out(out, r)
    M, d0, d1 = _move_to_end(A, dim)
    if ord in ("nuc", 2, -2):
        if M._data.shape[-1] == 0 or M._data.shape[-2] == 0:
            if ord != "nuc":
                raise IndexError("linalg.matrix_norm: The input tensor A must have at least 1 "
                                 "element when ord is 2 or -2")
        S = svdvals(M)
        r = S.sum(-1) if ord == "nuc" else vector_norm(S, math.inf if ord == 2 else -math.inf, -1)
    elif ord in (1, -1):
        r = vector_norm(M.abs().sum(-2), math.inf if ord == 1 else -math.inf, -1)
    else:
        r = vector_norm(M.abs().sum(-1), math.inf if ord > 0 else -math.inf, -1)
    if keepdim:
        r = _keep(r, A, d0, d1)
    return r if out is None else write_out(out, r)


def _fmt_ord(ord):
    if isinstance(ord, float) and ord.is_integer():
        return str(int(ord))
    return str(ord)


def norm(A, ord=None, dim=None, keepdim: bool = False, *, dtype=None, out=None):
    """Vector or matrix norm (torch.linalg.norm): a matrix norm when dim is a
    2-tuple or when ord is given for 2-D A without dim, else a vector norm."""
    check_tensor(A, "linalg_norm", "A")
    if dim is not None:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        if len(dims) == 2:
            return matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype=dtype,
                               out=out)
        if isinstance(ord, str):
            raise RuntimeError(f"linalg.vector_norm: Order {ord} not supported.")
        return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype, out=out)
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype, out=out)
    nd = A._data.ndim
    if nd not in (1, 2):
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be "
                           f"1D or 2D. Got {nd}D.")
    if nd == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype, out=out)
    return vector_norm(A, ord, None, keepdim, dtype=dtype, out=out)


def cond(A, p=None, *, out=None):
    """Condition number in the p-norm; None/2/-2 use singular values (torch.linalg.cond)."""
    check_tensor(A, "linalg_cond", "A")
    _check_matrix(A, "linalg.cond")
    if p is None or p in (2, -2):
        S = svdvals(A)
        big, small = vector_norm(S, math.inf, -1), vector_norm(S, -math.inf, -1)
        r = big / small if p != -2 else small / big
    else:
        _check_square(A, "linalg.cond")
        r = matrix_norm(A, p) * matrix_norm(inv(A), p)
    return r if out is None else write_out(out, r)


def vecdot(x, y, *, dim: int = -1, out=None):
    """Sum over dim of conj(x) * y, with broadcasting (torch.linalg.vecdot)."""
    check_tensor(x, "linalg_vecdot", "x")
    check_tensor(y, "linalg_vecdot", "y", 2)
    if x._dtype is not y._dtype:
        raise RuntimeError(f"linalg.vecdot: Expected x and y to have the same dtype, but found x "
                           f"of type {tname(x)} and y of type {tname(y)} instead")
    r = (conj(x) * y).sum(dim)
    return r if out is None else write_out(out, r)


# ---------------------------------------------------------------- diagonal
@defop("linalg_diagonal", view=True)
def _diagonal(xp, A, offset, dim1, dim2):
    return xp.diagonal(A, offset, dim1, dim2)


@defop("linalg_diagonal_backward")
def _diagonal_backward(xp, g, shape, offset, dim1, dim2):
    out = xp.zeros(shape, dtype=g.dtype)
    moved = xp.moveaxis(out, (dim1, dim2), (-2, -1))
    n = g.shape[-1]
    rows = xp.arange(n) + max(-offset, 0)
    cols = xp.arange(n) + max(offset, 0)
    moved[..., rows, cols] = g
    return out


@_diagonal.defgrad
def _(ctx, g):
    p = ctx.params
    return (dispatch(_diagonal_backward, (g,), {"shape": ctx.input_shape(0), **p}),)


@_diagonal_backward.defgrad
def _(ctx, g):
    p = {k: v for k, v in ctx.params.items() if k != "shape"}
    return (dispatch(_diagonal, (g,), p),)


def diagonal(A, *, offset: int = 0, dim1: int = -2, dim2: int = -1):
    """View of the diagonals of A over dim1, dim2 (torch.linalg.diagonal)."""
    from .._tensor import _wrap_dim
    check_tensor(A, "linalg_diagonal", "A")
    nd = A._data.ndim
    d1, d2 = _wrap_dim(dim1, nd), _wrap_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return dispatch(_diagonal, (A,), {"offset": offset, "dim1": d1, "dim2": d2})


