"""Decompositions and solvers: det/slogdet/logdet, inv, solve,
solve_triangular, cholesky, qr, svd, eigh and eig. (pinv, lstsq, norms and
the other matrix functions are in ``linalg_funcs``.)

Forwards call ``xp.linalg`` (LAPACK through numpy, the same routines torch
uses on CPU) in the input's dtype. Backwards are the standard matrix-calculus
formulas written with ember ops, so they can be differentiated again.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from .. import _dtype as D
from ._api import export
from .linalg import (check_tensor, _matmul, conj, const_like, diag_embed, eye_like, is_complex, mH, mT, tname,
                     unsqueeze_last)
from .registry import INPUTS, OUTPUT, defop, dispatch, write_out


class LinAlgError(RuntimeError):
    """A linear-algebra routine failed on its input (torch.linalg.LinAlgError)."""


def _rt(name, fields):
    t = namedtuple(name, fields)
    t.__module__ = "ember.return_types"
    return t


SlogdetResult = _rt("slogdet", "sign logabsdet")
LinalgSlogdet = _rt("linalg_slogdet", "sign logabsdet")
InvEx = _rt("linalg_inv_ex", "inverse info")
CholeskyEx = _rt("linalg_cholesky_ex", "L info")
SolveEx = _rt("linalg_solve_ex", "result info")
QRResult = _rt("qr", "Q R")
LinalgQR = _rt("linalg_qr", "Q R")
SVDResult = _rt("svd", "U S V")
LinalgSVD = _rt("linalg_svd", "U S Vh")
Eigh = _rt("linalg_eigh", "eigenvalues eigenvectors")
Eig = _rt("linalg_eig", "eigenvalues eigenvectors")
Lstsq = _rt("linalg_lstsq", "solution residuals rank singular_values")


# ------------------------------------------------------------------ checks
def _mm(a, b):
    return dispatch(_matmul, (a, b))


def _check_float(A, fname, arg="A"):
    if A._dtype.category < D.FLOAT:
        raise RuntimeError(f"{fname}: Expected a floating point or complex tensor as input. "
                           f"Got {tname(A)}")
    if A._dtype.itemsize == 2:
        raise RuntimeError(f'"{fname}" not implemented for \'{tname(A)}\'')


def _check_matrix(A, fname, arg="A"):
    if A._data.ndim < 2:
        raise RuntimeError(f"{fname}: The input tensor {arg} must have at least 2 dimensions.")


def _check_square(A, fname, arg="A"):
    check_tensor(A, fname.replace(".", "_"), arg)
    _check_matrix(A, fname, arg)
    m, n = A._data.shape[-2:]
    if m != n:
        raise RuntimeError(f"{fname}: {arg} must be batches of square matrices, but they are "
                           f"{m} by {n} matrices")
    _check_float(A, fname, arg)


def _batch_prefix(A, index):
    return f"(Batch element {index}): " if A.ndim > 2 else ""


def _first_zero_pivot(a):
    """1-based index of the first zero pivot of an LU factorisation with partial
    pivoting (LAPACK getrf's info), or 0. Only used on the error path."""
    a = np.array(a, dtype=np.complex128 if np.iscomplexobj(a) else np.float64)
    n = a.shape[-1]
    for j in range(n):
        p = j + int(np.argmax(np.abs(a[j:, j])))
        if a[p, j] == 0:
            return j + 1
        a[[j, p]] = a[[p, j]]
        a[j + 1:, j:] -= np.outer(a[j + 1:, j] / a[j, j], a[j, j:])
    return 0


def _singular_info(A):
    """(flat batch index, pivot) of the first singular matrix in A, or None."""
    flat = np.asarray(A).reshape((-1,) + A.shape[-2:])
    for i, a in enumerate(flat):
        k = _first_zero_pivot(a)
        if k:
            return i, k
    return None


def _not_pd_order(a):
    """Order of the first leading minor of a that is not positive-definite."""
    for k in range(1, a.shape[-1] + 1):
        try:
            np.linalg.cholesky(a[:k, :k])
        except np.linalg.LinAlgError:
            return k
    return 0


# -------------------------------------------------------------- det family
@defop("linalg_det", saves=INPUTS | OUTPUT)
def _det(xp, A):
    return xp.asarray(xp.linalg.det(A))


@_det.defgrad
def _(ctx, g):
    A = ctx.inputs[0]
    det = ctx.out
    # d det = det * tr(A^-1 dA): the gradient is g * conj(det) * A^-H
    return (unsqueeze_last(g * conj(det), 2) * mH(inv(A)),)


@export("det")
def det(input, *, out=None):
    """Determinant of square matrices (batched) (torch.det, torch.linalg.det)."""
    _check_square(input, "linalg.det")
    r = dispatch(_det, (input,))
    return r if out is None else write_out(out, r)


@defop("linalg_slogdet", saves=INPUTS, nout=2)
def _slogdet(xp, A):
    sign, logabs = xp.linalg.slogdet(A)
    return xp.asarray(sign), xp.asarray(logabs)


@_slogdet.defgrad
def _(ctx, g_sign, g_logabs):
    A = ctx.inputs[0]
    if g_logabs is None:
        return (None,)
    return (unsqueeze_last(g_logabs, 2) * mH(inv(A)),)


def linalg_slogdet(A, *, out=None):
    """Sign and log of the absolute value of the determinant (torch.linalg.slogdet)."""
    _check_square(A, "linalg.slogdet")
    return LinalgSlogdet(*dispatch(_slogdet, (A,)))


@export("slogdet")
def slogdet(input):
    """(sign, logabsdet) of square matrices (torch.slogdet)."""
    _check_square(input, "linalg.slogdet")
    return SlogdetResult(*dispatch(_slogdet, (input,)))


@defop("logdet", saves=INPUTS)
def _logdet(xp, A):
    sign, logabs = xp.linalg.slogdet(A)
    if xp.iscomplexobj(sign):
        return xp.asarray(xp.log(sign) + logabs)
    return xp.asarray(xp.where(sign < 0, xp.nan, logabs))


@_logdet.defgrad
def _(ctx, g):
    A = ctx.inputs[0]
    return (unsqueeze_last(g, 2) * mH(inv(A)),)


@export("logdet")
def logdet(input):
    """Log of the determinant; nan for a negative determinant (torch.logdet)."""
    _check_square(input, "linalg.slogdet")
    return dispatch(_logdet, (input,))


# --------------------------------------------------------------------- inv
def _raise_singular_inv(A, fname="linalg.inv"):
    where = _singular_info(A)
    if where is None:
        raise LinAlgError(f"{fname}: The input matrix is singular.")
    i, k = where
    prefix = f"(Batch element {i}): " if A.ndim > 2 else ""
    raise LinAlgError(f"{fname}: {prefix}The diagonal element {k} is zero, the inversion could "
                      f"not be completed because the input matrix is singular.")


@defop("linalg_inv", saves=OUTPUT)
def _inv(xp, A):
    try:
        return xp.linalg.inv(A)
    except np.linalg.LinAlgError:
        _raise_singular_inv(A)


@_inv.defgrad
def _(ctx, g):
    Ainv_h = mH(ctx.out)
    return (-_mm(_mm(Ainv_h, g), Ainv_h),)


def inv(A, *, out=None):
    """Inverse of square matrices (torch.linalg.inv); LinAlgError if singular."""
    _check_square(A, "linalg.inv")
    r = dispatch(_inv, (A,))
    return r if out is None else write_out(out, r)


@export("inverse")
def inverse(input, *, out=None):
    """Inverse of square matrices (torch.inverse)."""
    return inv(input, out=out)


@defop("linalg_inv_ex", saves=OUTPUT, nout=2, diff_outputs=(0,))
def _inv_ex(xp, A):
    info = xp.zeros(A.shape[:-2], dtype=np.int32)
    try:
        return xp.linalg.inv(A), info
    except np.linalg.LinAlgError:
        pass
    flat = A.reshape((-1,) + A.shape[-2:])
    res = xp.full(flat.shape, xp.nan, dtype=A.dtype)
    finfo = info.reshape(-1)
    for i, a in enumerate(flat):
        k = _first_zero_pivot(a)
        if k:
            finfo[i] = k
        else:
            res[i] = xp.linalg.inv(a)
    return res.reshape(A.shape), info


@_inv_ex.defgrad
def _(ctx, g, g_info):
    Ainv_h = mH(ctx.out)
    return (-_mm(_mm(Ainv_h, g), Ainv_h),)


def inv_ex(A, *, check_errors: bool = False, out=None):
    """(inverse, info): info[i] > 0 marks a singular matrix (torch.linalg.inv_ex)."""
    _check_square(A, "linalg.inv_ex")
    if check_errors:
        return InvEx(inv(A), const_info(A))
    return InvEx(*dispatch(_inv_ex, (A,)))


def const_info(A):
    from .._tensor import _make
    xp = A._device.backend.xp
    return _make(xp.zeros(A._data.shape[:-2], dtype=np.int32), D.int32, A._device)


# ------------------------------------------------------------------- solve
@defop("linalg_solve", saves=INPUTS | OUTPUT)
def _solve(xp, A, B):
    try:
        return xp.linalg.solve(A, B)
    except np.linalg.LinAlgError:
        raise LinAlgError("torch.linalg.solve: The solver failed because the input matrix is "
                          "singular.") from None


@_solve.defgrad
def _(ctx, g):
    A, _ = ctx.inputs
    X = ctx.out
    gB = dispatch(_solve, (mH(A), g))
    gA = -_mm(gB, mH(X)) if ctx.needs_input_grad[0] else None
    return gA, gB


def _is_vector_rhs(A, B):
    # torch: B is a batch of vectors when it is 1-D, or when it has one dimension
    # less than A and its shape is A's without the last dimension
    return B._data.ndim == 1 or (B._data.ndim == A._data.ndim - 1 and
                                 tuple(B._data.shape) == tuple(A._data.shape[:-1]))


def solve(A, B, *, left: bool = True, out=None):
    """Solve A X = B (or X A = B when left=False), batched and broadcast
    (torch.linalg.solve); LinAlgError if A is singular."""
    _check_square(A, "linalg.solve")
    check_tensor(B, "linalg_solve", "B", 2)
    if A._dtype is not B._dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found A "
                           f"of type {tname(A)} and B of type {tname(B)} instead")
    vec = _is_vector_rhs(A, B)
    n = A._data.shape[-1]
    B2 = unsqueeze_last(B) if vec else B
    if B2._data.ndim < 2:
        raise RuntimeError("linalg.solve: The input tensor B must have at least 2 dimensions.")
    rows = B2._data.shape[-2] if left else B2._data.shape[-1]
    if rows != n:
        shape = "x".join(str(s) for s in B2._data.shape[-2:])
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation {eq} "
                           f"({n}x{n} and {shape})")
    try:
        np.broadcast_shapes(A._data.shape[:-2], B2._data.shape[:-2])
    except ValueError:
        raise RuntimeError(f"linalg.solve: Incompatible batch shapes of A and B: "
                           f"{list(A.shape[:-2])} and {list(B2.shape[:-2])}") from None
    if left:
        X = dispatch(_solve, (A, B2))
    else:
        X = mT(dispatch(_solve, (mT(A), mT(B2))))
    if vec:
        X = X.reshape(tuple(X.shape[:-1]))
    return X if out is None else write_out(out, X)


def solve_ex(A, B, *, left: bool = True, check_errors: bool = False, out=None):
    """(result, info) of solve (torch.linalg.solve_ex)."""
    return SolveEx(solve(A, B, left=left), const_info(A))


def _tri_mask(xp, n, upper, unit, dtype):
    m = xp.triu(xp.ones((n, n), dtype=dtype), 1 if unit else 0) if upper else \
        xp.tril(xp.ones((n, n), dtype=dtype), -1 if unit else 0)
    return m


@defop("linalg_solve_triangular", saves=INPUTS | OUTPUT)
def _solve_tri(xp, A, B, upper, unitriangular):
    n = A.shape[-1]
    T = A * _tri_mask(xp, n, upper, unitriangular, A.dtype)
    if unitriangular:
        T = T + xp.eye(n, dtype=A.dtype)
    with np.errstate(divide="ignore", invalid="ignore"):
        try:
            return xp.linalg.solve(T, B)
        except np.linalg.LinAlgError:
            # a zero on the diagonal: the substitution divides by zero like trsm
            return xp.full(np.broadcast_shapes(T.shape[:-2], B.shape[:-2]) + B.shape[-2:],
                           xp.nan, dtype=A.dtype)


@_solve_tri.defgrad
def _(ctx, g):
    A, _ = ctx.inputs
    p = ctx.params
    X = ctx.out
    gB = dispatch(_solve_tri, (mH(A), g), {"upper": not p["upper"],
                                           "unitriangular": p["unitriangular"]})
    gA = None
    if ctx.needs_input_grad[0]:
        xp = g._device.backend.xp
        n = A.shape[-1]
        mask = const_like(_tri_mask(xp, n, p["upper"], p["unitriangular"], np.float64), g)
        gA = -_mm(gB, mH(X)) * mask
    return gA, gB


def solve_triangular(A, B, *, upper: bool, left: bool = True, unitriangular: bool = False,
                     out=None):
    """Solve A X = B (X A = B when left=False) for triangular A, reading only
    its upper or lower triangle (torch.linalg.solve_triangular)."""
    check_tensor(A, "linalg_solve_triangular", "A")
    check_tensor(B, "linalg_solve_triangular", "B", 2)
    _check_matrix(A, "linalg.solve_triangular")
    _check_matrix(B, "linalg.solve_triangular", "B")
    _check_float(A, "linalg.solve_triangular")
    if A._dtype is not B._dtype:
        raise RuntimeError(f"linalg.solve_triangular: Expected A and B to have the same dtype, "
                           f"but found A of type {tname(A)} and B of type {tname(B)} instead")
    n = A._data.shape[-1]
    if A._data.shape[-2] != n:
        raise RuntimeError(f"linalg.solve_triangular: A must be batches of square matrices, but "
                           f"they are {A._data.shape[-2]} by {n} matrices")
    rows = B._data.shape[-2] if left else B._data.shape[-1]
    if rows != n:
        shape = "x".join(str(s) for s in B._data.shape[-2:])
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(f"linalg.solve_triangular: Incompatible shapes of A and B for the "
                           f"equation {eq} ({n}x{n} and {shape})")
    if left:
        X = dispatch(_solve_tri, (A, B), {"upper": upper, "unitriangular": unitriangular})
    else:
        X = mT(dispatch(_solve_tri, (mT(A), mT(B)),
                        {"upper": not upper, "unitriangular": unitriangular}))
    return X if out is None else write_out(out, X)


# ---------------------------------------------------------------- cholesky
@defop("linalg_cholesky", saves=OUTPUT)
def _cholesky(xp, A):
    try:
        return xp.linalg.cholesky(A)
    except np.linalg.LinAlgError:
        flat = np.asarray(A).reshape((-1,) + A.shape[-2:])
        for i, a in enumerate(flat):
            k = _not_pd_order(a)
            if k:
                prefix = f"(Batch element {i}): " if A.ndim > 2 else ""
                raise LinAlgError(f"linalg.cholesky: {prefix}The factorization could not be "
                                  f"completed because the input is not positive-definite (the "
                                  f"leading minor of order {k} is not positive-definite).")
        raise


@_cholesky.defgrad
def _(ctx, g):
    L = ctx.out
    n = L.shape[-1]
    xp = g._device.backend.xp
    lower = const_like(xp.tril(xp.ones((n, n))), g)
    # A = L L^H: gA = L^-H Phi(L^H gL) L^-1, symmetrised; Phi keeps the lower
    # triangle and halves the diagonal
    phi = _mm(mH(L), g * lower) * (lower - 0.5 * eye_like(n, g))
    S = solve_triangular(mH(L), solve_triangular(L, phi, upper=False, left=False), upper=True)
    return ((S + mH(S)) * 0.5,)


def cholesky_ex(A, *, upper: bool = False, check_errors: bool = False, out=None):
    """(L, info) of the Cholesky factorisation; info > 0 where A is not
    positive-definite (torch.linalg.cholesky_ex)."""
    _check_square(A, "linalg.cholesky_ex")
    try:
        L = linalg_cholesky(A, upper=upper)
        return CholeskyEx(L, const_info(A))
    except LinAlgError:
        if check_errors:
            raise
    flat = np.asarray(A._data).reshape((-1,) + A._data.shape[-2:])
    info = np.array([_not_pd_order(a) for a in flat], dtype=np.int32)
    xp = A._device.backend.xp
    res = xp.zeros(flat.shape, dtype=A._dtype.np)
    for i, a in enumerate(flat):
        if not info[i]:
            res[i] = xp.linalg.cholesky(a)
    if upper:
        res = xp.conj(xp.swapaxes(res, -1, -2)).copy()
    from .._tensor import _make
    L = _make(res.reshape(A._data.shape), A._dtype, A._device)
    return CholeskyEx(L, _make(xp.asarray(info.reshape(A._data.shape[:-2])), D.int32,
                               A._device))


def linalg_cholesky(A, *, upper: bool = False, out=None):
    """Cholesky factor L (A = L L^H), or U = L^H when upper (torch.linalg.cholesky)."""
    _check_square(A, "linalg.cholesky")
    L = dispatch(_cholesky, (A,))
    if upper:
        L = mH(L).contiguous()
    return L if out is None else write_out(out, L)


@export("cholesky")
def cholesky(input, upper: bool = False, *, out=None):
    """Cholesky factor, lower unless upper=True (deprecated torch.cholesky)."""
    import warnings
    warnings.warn("torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be "
                  "removed in a future PyTorch release.\nL = torch.cholesky(A)\nshould be "
                  "replaced with\nL = torch.linalg.cholesky(A)\nand\nU = torch.cholesky(A, "
                  "upper=True)\nshould be replaced with\nU = torch.linalg.cholesky(A).mH",
                  UserWarning, stacklevel=2)
    return linalg_cholesky(input, upper=upper, out=out)


@export("cholesky_solve")
def cholesky_solve(input, input2, upper: bool = False, *, out=None):
    """Solve A X = input given A's Cholesky factor input2 (torch.cholesky_solve)."""
    L = mH(input2) if upper else input2
    Y = solve_triangular(L, input, upper=False)
    r = solve_triangular(mH(L), Y, upper=True)
    return r if out is None else write_out(out, r)


@export("cholesky_inverse")
def cholesky_inverse(input, upper: bool = False, *, out=None):
    """Inverse of A from its Cholesky factor (torch.cholesky_inverse)."""
    n = input._data.shape[-1]
    r = cholesky_solve(eye_like(n, input).expand(tuple(input.shape)), input, upper)
    return r if out is None else write_out(out, r)


# ---------------------------------------------------------------------- qr
@defop("linalg_qr", saves=OUTPUT, nout=2)
def _qr(xp, A, mode):
    Q, R = xp.linalg.qr(A, mode="complete" if mode == "complete" else "reduced")
    return Q, R


def _copyltu(M):
    """Lower triangle of M mirrored (conjugated) onto the upper one."""
    n = M.shape[-1]
    xp = M._device.backend.xp
    strict = const_like(xp.tril(xp.ones((n, n)), -1), M)
    low = M * strict
    return low + mH(low) + diag_embed(_real_diag(M))


def _real_diag(M):
    n = M.shape[-1]
    d = (M * eye_like(n, M)).sum(-1)
    return d.real if is_complex(d) else d


@_qr.defgrad
def _(ctx, gQ, gR):
    Q, R = ctx.saved_output(0), ctx.saved_output(1)
    m, n = Q.shape[-2], R.shape[-1]
    if ctx.params["mode"] == "complete" and m > n:
        raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and "
                           "nrows > ncols.")
    if gQ is None:
        gQ = Q * 0
    if gR is None:
        gR = R * 0
    if m >= n:
        return (_qr_grad_tall(Q, R, gQ, gR),)
    # wide A = [X | Y] with X square: R = [U | V], X = Q U and Y = Q V, so
    # V = Q^H Y also moves with Q (through X) and with Y
    xp = R._device.backend.xp
    sel = eye_like(n, R, m)                           # n x m: the first m columns
    other = const_like(xp.eye(n)[:, m:], R)           # n x (n - m): the rest
    U, V = _mm(R, sel), _mm(R, other)
    gU, gV = _mm(gR, sel), _mm(gR, other)
    gX = _qr_grad_tall(Q, U, gQ + _mm(_mm(Q, V), mH(gV)), gU)
    gY = _mm(Q, gV)
    return (_mm(gX, mT(sel)) + _mm(gY, mT(other)),)


def _qr_grad_tall(Q, R, gQ, gR):
    M = _mm(R, mH(gR)) - _mm(mH(gQ), Q)
    b = gQ + _mm(Q, _copyltu(M))
    # gA = b R^-H: solve X R^H = b with R^H lower triangular
    return solve_triangular(mH(R), b, upper=False, left=False)


def linalg_qr(A, mode: str = "reduced", *, out=None):
    """QR decomposition, mode 'reduced', 'complete' or 'r' (torch.linalg.qr)."""
    check_tensor(A, "linalg_qr", "A")
    _check_matrix(A, "linalg.qr")
    _check_float(A, "linalg.qr")
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           f"'reduced' (default), 'r', or 'complete'")
    Q, R = dispatch(_qr, (A,), {"mode": mode})
    if mode == "r":
        from .._tensor import _make
        Q = _make(A._device.backend.xp.zeros((0,), dtype=A._dtype.np), A._dtype, A._device)
    return LinalgQR(Q, R)


@export("qr")
def qr(input, some: bool = True, *, out=None):
    """QR decomposition; some=False gives the complete Q (deprecated torch.qr)."""
    import warnings
    warnings.warn("torch.qr is deprecated in favor of torch.linalg.qr and will be removed in a "
                  "future PyTorch release.\nThe boolean parameter 'some' has been replaced with "
                  "a string parameter 'mode'.\nQ, R = torch.qr(A, some)\nshould be replaced "
                  "with\nQ, R = torch.linalg.qr(A, 'reduced' if some else 'complete')",
                  UserWarning, stacklevel=2)
    return QRResult(*linalg_qr(input, "reduced" if some else "complete"))


# --------------------------------------------------------------------- svd
@defop("linalg_svd", saves=OUTPUT, nout=3)
def _svd(xp, A, full_matrices):
    U, S, Vh = xp.linalg.svd(A, full_matrices=full_matrices)
    return U, S, Vh


def _svd_F(S):
    """F_ij = 1 / (s_j^2 - s_i^2) off the diagonal, 0 on it."""
    k = S.shape[-1]
    s2 = S * S
    E = s2.reshape(tuple(S.shape) + (1,)) * -1 + s2.reshape(tuple(S.shape[:-1]) + (1, k))
    I = eye_like(k, S)
    return (1 / (E + I)) * (1 - I)


@_svd.defgrad
def _(ctx, gU, gS, gVh):
    U, S, Vh = ctx.saved_output(0), ctx.saved_output(1), ctx.saved_output(2)
    m, n = U.shape[-2], Vh.shape[-1]
    k = S.shape[-1]
    if U.shape[-1] != k:                      # full_matrices: keep the first k vectors
        U = _mm(U, eye_like(m, U, k))
        gU = _mm(gU, eye_like(m, U, k)) if gU is not None else None
    if Vh.shape[-2] != k:
        Vh = _mm(eye_like(k, Vh, n), Vh)
        gVh = _mm(eye_like(k, Vh, n), gVh) if gVh is not None else None
    inner = diag_embed(gS) if gS is not None else None
    if gU is None and gVh is None:
        return (_mm(_mm(U, inner), Vh),)
    F = _svd_F(S)
    Sd = diag_embed(S)
    V = mH(Vh)
    extra = None
    if gU is not None:
        UtgU = _mm(mH(U), gU)
        J = F * (UtgU - mH(UtgU))
        inner = _add(inner, _mm(J, Sd))
        if m > k:
            proj = gU - _mm(U, UtgU)
            extra = _mm(proj / unsqueeze_last(S, 0).reshape(tuple(S.shape[:-1]) + (1, k)), Vh)
    if gVh is not None:
        gV = mH(gVh)
        VtgV = _mm(mH(V), gV)
        K = F * (VtgV - mH(VtgV))
        inner = _add(inner, _mm(Sd, K))
        if n > k:
            proj = gV - _mm(V, VtgV)
            term = _mm(U / S.reshape(tuple(S.shape[:-1]) + (1, k)), mH(proj))
            extra = _add(extra, term)
    return (_add(_mm(_mm(U, inner), Vh), extra),)


def _add(a, b):
    if a is None:
        return b
    return a if b is None else a + b


def linalg_svd(A, full_matrices: bool = True, *, driver=None, out=None):
    """A = U diag(S) Vh (torch.linalg.svd)."""
    check_tensor(A, "linalg_svd", "A")
    _check_matrix(A, "linalg.svd")
    _check_float(A, "linalg.svd")
    return LinalgSVD(*dispatch(_svd, (A,), {"full_matrices": full_matrices}))


@export("svd")
def svd(input, some: bool = True, compute_uv: bool = True, *, out=None):
    """A = U diag(S) V^H, returning V (not Vh) (torch.svd)."""
    if not compute_uv:
        S = svdvals(input)
        m, n = input._data.shape[-2:]
        batch = tuple(input._data.shape[:-2])
        xp = input._device.backend.xp
        U = const_like(xp.zeros(batch + (m, m)), input)
        V = const_like(xp.zeros(batch + (n, n)), input)
        return SVDResult(U, S, V)
    U, S, Vh = linalg_svd(input, full_matrices=not some)
    return SVDResult(U, S, mH(Vh))


@defop("linalg_svdvals", saves=INPUTS)
def _svdvals(xp, A):
    return xp.linalg.svd(A, compute_uv=False)


@_svdvals.defgrad
def _(ctx, g):
    A = ctx.inputs[0]
    U, _, Vh = dispatch(_svd, (A,), {"full_matrices": False})
    return (_mm(U * g.reshape(tuple(g.shape[:-1]) + (1, g.shape[-1])), Vh),)


def svdvals(A, *, driver=None, out=None):
    """Singular values, descending (torch.linalg.svdvals)."""
    check_tensor(A, "linalg_svdvals", "A")
    _check_matrix(A, "linalg.svdvals")
    _check_float(A, "linalg.svdvals")
    r = dispatch(_svdvals, (A,))
    return r if out is None else write_out(out, r)


# -------------------------------------------------------------------- eigh
@defop("linalg_eigh", saves=OUTPUT, nout=2)
def _eigh(xp, A, UPLO):
    w, v = xp.linalg.eigh(A, UPLO=UPLO)
    return w, v


@_eigh.defgrad
def _(ctx, gL, gV):
    L, V = ctx.saved_output(0), ctx.saved_output(1)
    k = L.shape[-1]
    inner = diag_embed(gL) if gL is not None else None
    if gV is not None:
        # F_ij = 1 / (l_j - l_i) off the diagonal
        E = L.reshape(tuple(L.shape[:-1]) + (1, k)) - L.reshape(tuple(L.shape) + (1,))
        I = eye_like(k, L)
        F = (1 / (E + I)) * (1 - I)
        VhgV = _mm(mH(V), gV)
        inner = _add(inner, F * (VhgV - mH(VhgV)) * 0.5)
    gA = _mm(_mm(V, inner), mH(V))
    return (gA,)


def _check_uplo(UPLO, fname):
    if UPLO not in ("L", "U", "l", "u"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return UPLO.upper()


def eigh(A, UPLO: str = "L", *, out=None):
    """Eigenvalues (ascending) and eigenvectors of Hermitian matrices, reading
    the UPLO triangle (torch.linalg.eigh)."""
    _check_square(A, "linalg.eigh")
    return Eigh(*dispatch(_eigh, (A,), {"UPLO": _check_uplo(UPLO, "linalg.eigh")}))


@defop("linalg_eigvalsh", saves=INPUTS)
def _eigvalsh(xp, A, UPLO):
    return xp.linalg.eigvalsh(A, UPLO=UPLO)


@_eigvalsh.defgrad
def _(ctx, g):
    A = ctx.inputs[0]
    _, V = dispatch(_eigh, (A,), ctx.params)
    return (_mm(V * g.reshape(tuple(g.shape[:-1]) + (1, g.shape[-1])), mH(V)),)


def eigvalsh(A, UPLO: str = "L", *, out=None):
    """Eigenvalues of Hermitian matrices, ascending (torch.linalg.eigvalsh)."""
    _check_square(A, "linalg.eigvalsh")
    r = dispatch(_eigvalsh, (A,), {"UPLO": _check_uplo(UPLO, "linalg.eigvalsh")})
    return r if out is None else write_out(out, r)


def _complex_of(A):
    return D.complex128 if A._dtype in (D.float64, D.complex128) else D.complex64


@defop("linalg_eig", saves=OUTPUT, nout=2)
def _eig(xp, A):
    w, v = xp.linalg.eig(A)
    ct = np.complex128 if A.dtype in (np.float64, np.complex128) else np.complex64
    return xp.asarray(w).astype(ct), xp.asarray(v).astype(ct)


@_eig.defgrad
def _(ctx, gL, gV):
    L, V = ctx.saved_output(0), ctx.saved_output(1)
    k = L.shape[-1]
    I = eye_like(k, L)
    inner = diag_embed(gL) if gL is not None else None
    if gV is not None:
        # eigenvectors are unit vectors up to a phase: project gV onto the
        # directions that keep the normalisation, then divide by conj(l_j - l_i)
        VhgV = _mm(mH(V), gV)
        diag = _real_diag(VhgV).to(V.dtype)
        proj = VhgV - _mm(mH(V), V * diag.reshape(tuple(diag.shape[:-1]) + (1, k)))
        Lc = conj(L)
        E = Lc.reshape(tuple(L.shape[:-1]) + (1, k)) - Lc.reshape(tuple(L.shape) + (1,))
        inner = _add(inner, proj / (E + I) * (1 - I))
    # gA = V^-H inner V^H
    return (dispatch(_solve, (mH(V), _mm(inner, mH(V)))),)


def eig(A, *, out=None):
    """Eigenvalues and eigenvectors of general square matrices, always complex
    (torch.linalg.eig); eigenvectors have unit norm (LAPACK geev's convention)."""
    _check_square(A, "linalg.eig")
    return Eig(*dispatch(_eig, (A,)))


def eigvals(A, *, out=None):
    """Eigenvalues of general square matrices, complex (torch.linalg.eigvals)."""
    _check_square(A, "linalg.eigvals")
    if A.requires_grad:
        return eig(A).eigenvalues
    xp = A._device.backend.xp
    ct = _complex_of(A)
    from .._tensor import _make
    return _make(xp.asarray(xp.linalg.eigvals(A._data)).astype(ct.np), ct, A._device)
