"""Cumulative ops (cumsum, cumprod, logcumsumexp, cummax, cummin), diff and
the trapezoidal rule. Each cumulative op takes a private ``reverse`` flag
(accumulate from the end) so that its derivative is the same op reversed."""
from __future__ import annotations

import builtins
import math

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ._api import export
from .reduction import (_check_real, _conj, _pad_dim, _shift_dim, _slice_dim,
                        _sum_like_dtype, _tri_ones, _wide, return_type, select_along,
                        wrap_dim, write_outs)
from .registry import BOTH, _torch_type_name, defop, dispatch, dispatch_inplace, write_out


# -------------------------------------------------------- cumulative ops
def _flipped(xp, fn, x, dim, reverse):
    if not reverse:
        return fn(x)
    return xp.flip(fn(xp.flip(x, dim)), dim)


@defop("cumsum", dtypes=_sum_like_dtype)
def _cumsum(xp, x, dim, reverse=False, dtype=None):
    if x.ndim == 0:
        return x.copy()
    return _flipped(xp, lambda a: xp.cumsum(_wide(a), axis=dim), x, dim, reverse)


@_cumsum.defgrad
def _(ctx, g):
    p = ctx.params
    return (_cumsum(g, dim=p["dim"], reverse=not p.get("reverse", False)),)


@defop("cumprod", dtypes=_sum_like_dtype, saves=BOTH)
def _cumprod(xp, x, dim, reverse=False, dtype=None):
    if x.ndim == 0:
        return x.copy()
    return _flipped(xp, lambda a: xp.cumprod(_wide(a), axis=dim), x, dim, reverse)


@_cumprod.defgrad
def _(ctx, g):
    x = ctx.inputs[0]
    p = ctx.params
    dim, rev = p["dim"], p.get("reverse", False)
    if x._data.ndim == 0:
        return (g,)
    if not bool((x == 0).any()):
        return (_cumsum(g * _conj(ctx.out), dim=dim, reverse=not rev) / _conj(x),)
    return (_cumprod_grad_with_zeros(_conj(x), g, dim, rev),)


def _cumprod_grad_with_zeros(x, g, dim, rev):
    """d cumprod: grad_i = prod_{j<i} x_j * sum_{k>=i} g_k prod_{i<j<=k} x_j (mirrored
    when reversed), computed on an n x n grid so zeros need no division."""
    last = x._data.ndim - 1
    xt, gt = x.transpose(dim, last), g.transpose(dim, last)
    n = xt.shape[-1]
    lead = tuple(xt.shape[:-1])
    after = dispatch(_tri_ones, (xt,), {"n": n, "k": -1 if rev else 1, "upper": not rev})
    upto = dispatch(_tri_ones, (xt,), {"n": n, "k": 0, "upper": not rev})
    grid = xt.reshape(lead + (1, n)) * after + (1 - after)        # x_j where j is past i
    runs = dispatch(_cumprod, (grid,), {"dim": last + 1, "reverse": rev})
    inner = (gt.reshape(lead + (1, n)) * runs * upto).sum(-1)
    excl = _shift_dim(dispatch(_cumprod, (xt,), {"dim": last, "reverse": rev}),
                      dim=last, k=-1 if rev else 1, fill=1)
    return (excl * inner).transpose(dim, last)


@defop("logcumsumexp", saves=BOTH)
def _logcumsumexp(xp, x, dim, reverse=False):
    if x.ndim == 0:
        return x.copy()
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        if x.dtype.kind == "c":       # no complex logaddexp: shift by the largest real part
            m = xp.max(x.real, axis=dim, keepdims=True) if x.size else 0
            m = xp.where(xp.isfinite(m), m, 0)
            return _flipped(xp, lambda a: xp.log(xp.cumsum(xp.exp(a - m), axis=dim)) + m,
                            x, dim, reverse)
        return _flipped(xp, lambda a: xp.logaddexp.accumulate(a, axis=dim), x, dim, reverse)


@_logcumsumexp.defgrad
def _(ctx, g):
    x = ctx.inputs[0]
    p = ctx.params
    dim, rev = p["dim"], p.get("reverse", False)
    if x._data.ndim == 0:
        return (g,)
    out = ctx.out
    if x._dtype.category == D.COMPLEX:
        # grad_i = sum_{k>=i} g_k conj(exp(x_i - out_k)), scaled by a constant c
        c = x.real.detach().amax(dim, keepdim=True)
        c = c.masked_fill(~c.isfinite(), 0)
        s = _cumsum(g * (c - out).exp().conj(), dim=dim, reverse=not rev)
        return ((x - c).exp().conj() * s,)
    out = out.masked_fill(out.isneginf(), 0)      # an all -inf prefix has zero gradient
    inf = -math.inf

    def part(mask, mag):
        log_g = mag.masked_fill(~mask, 1).log().masked_fill(~mask, inf)
        s = dispatch(_logcumsumexp, (log_g - out,), {"dim": dim, "reverse": not rev})
        return (s + x).exp()
    return (part(g > 0, g) - part(g < 0, -g),)


def _cum_args(name, input, dim, dtype=None):
    if dim is None:
        raise TypeError(f'{name}() missing 1 required positional arguments: "dim"')
    params = {"dim": wrap_dim(dim, input._data.ndim)}
    if dtype is not None:
        params["dtype"] = dtype
    return params


@export("cumsum")
def cumsum(input, dim=None, *, dtype=None, out=None):
    """Cumulative sum along ``dim`` (torch.cumsum)."""
    r = dispatch(_cumsum, (input,), _cum_args("cumsum", input, dim, dtype))
    return r if out is None else write_out(out, r)


@export("cumsum_", function=False)
def cumsum_(self, dim=None, *, dtype=None):
    """In-place cumulative sum."""
    return dispatch_inplace(_cumsum, self, (self,), _cum_args("cumsum", self, dim, dtype))


@export("cumprod")
def cumprod(input, dim=None, *, dtype=None, out=None):
    """Cumulative product along ``dim`` (torch.cumprod)."""
    r = dispatch(_cumprod, (input,), _cum_args("cumprod", input, dim, dtype))
    return r if out is None else write_out(out, r)


@export("cumprod_", function=False)
def cumprod_(self, dim=None, *, dtype=None):
    """In-place cumulative product."""
    return dispatch_inplace(_cumprod, self, (self,), _cum_args("cumprod", self, dim, dtype))


@export("logcumsumexp")
def logcumsumexp(input, dim, *, out=None):
    """log(cumsum(exp(input))) along ``dim``, computed stably (torch.logcumsumexp)."""
    if input._dtype.category < D.FLOAT:
        raise NotImplementedError(
            f"\"logcumsumexp_out_cpu\" not implemented for '{_torch_type_name(input._dtype)}'")
    r = dispatch(_logcumsumexp, (input,), _cum_args("logcumsumexp", input, dim))
    return r if out is None else write_out(out, r)


def _cum_index(largest):
    def fwd(xp, x, dim):
        if x.ndim == 0:
            return xp.zeros((), dtype=np.int64)
        acc = (xp.maximum if largest else xp.minimum).accumulate(x, axis=dim)
        hit = (x == acc) | (x != x)       # the running extreme, or a NaN
        shape = [1] * x.ndim
        shape[dim] = x.shape[dim]
        pos = xp.arange(x.shape[dim], dtype=np.int64).reshape(shape)
        return xp.maximum.accumulate(xp.where(hit, pos, 0), axis=dim)
    return fwd


_cummax_index = defop("_cummax_index")(_cum_index(True))
_cummin_index = defop("_cummin_index")(_cum_index(False))
CummaxResult = return_type("cummax")
CumminResult = return_type("cummin")


def _cum_extreme(name, input, dim, out):
    _check_real(name, input)
    op, rtype = (_cummax_index, CummaxResult) if name == "cummax" else \
        (_cummin_index, CumminResult)
    d = wrap_dim(dim, input._data.ndim)
    idx = dispatch(op, (input,), {"dim": d})
    values = select_along(input, idx, d) if input._data.ndim else input.clone()
    return rtype(values, idx) if out is None else write_outs(out, (values, idx), rtype)


@export("cummax")
def cummax(input, dim: int, *, out=None):
    """Running maximum along ``dim`` and where it was found (torch.cummax)."""
    return _cum_extreme("cummax", input, dim, out)


@export("cummin")
def cummin(input, dim: int, *, out=None):
    """Running minimum along ``dim`` and where it was found (torch.cummin)."""
    return _cum_extreme("cummin", input, dim, out)


# ------------------------------------------------------------------ diff
def _cat2(a, b, dim):
    """Concatenate two tensors along ``dim`` with differentiable padding."""
    na, nb = a.shape[dim], b.shape[dim]
    return _pad_dim(a, dim=dim, before=0, after=nb) + _pad_dim(b, dim=dim, before=na, after=0)


@export("diff")
def diff(input, n: int = 1, dim: int = -1, prepend=None, append=None):
    """n-th forward difference along ``dim`` (torch.diff)."""
    ndim = input._data.ndim
    if ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    d = wrap_dim(dim, ndim)
    x = input
    for extra, first in ((prepend, True), (append, False)):
        if extra is None:
            continue
        if extra._data.ndim != ndim:
            raise RuntimeError("diff expects prepend or append to be the same dimension as "
                               "input")
        x = _cat2(extra, x, d) if first else _cat2(x, extra, d)
    if n == 0:
        return x.clone() if x is input else x
    for _ in range(n):
        size = x.shape[d]
        if size == 0:
            break
        hi = _slice_dim(x, dim=d, start=1, stop=size)
        lo = _slice_dim(x, dim=d, start=0, stop=size - 1)
        x = hi.logical_xor(lo) if x.dtype is D.bool_ else hi - lo
    return x


# ------------------------------------------------------------- trapezoid
def _trapezoid_terms(name, y, x, dx, dim):
    """Area of each trapezoid along ``dim``: (y[i] + y[i+1]) / 2 * (x[i+1] - x[i])."""
    if x is not None and dx is not None:
        raise TypeError(f"{name}() received an invalid combination of arguments: pass either "
                        f"x or dx, not both")
    if y._dtype is D.bool_:
        raise RuntimeError(f"{name}: received a bool input for `y`, but bool is not supported")
    ndim = y._data.ndim
    d = wrap_dim(dim, ndim)
    n = y._data.shape[d] if ndim else 1
    lo = _slice_dim(y, dim=d, start=0, stop=builtins.max(n - 1, 0))
    hi = _slice_dim(y, dim=d, start=builtins.min(1, n), stop=n)
    avg = (lo + hi) / 2
    if not isinstance(x, Tensor):
        return avg * (1 if dx is None else dx), d
    if x._data.ndim == 1:
        if x._data.shape[0] != n:
            raise RuntimeError(f"{name}: There must be one `x` value for each sample point")
        steps = diff(x).reshape(tuple(builtins.max(n - 1, 0) if i == d else 1
                                      for i in range(ndim)))
    else:
        steps = diff(x, dim=d)
    return avg * steps, d


@export("trapezoid", "trapz", method=False)
def trapezoid(y, x=None, *, dx=None, dim: int = -1):
    """Integral of ``y`` along ``dim`` by the trapezoidal rule, with sample points
    ``x`` or spacing ``dx`` (torch.trapezoid)."""
    terms, d = _trapezoid_terms("trapezoid", y, x, dx, dim)
    return terms.sum(d)


@export("cumulative_trapezoid", method=False)
def cumulative_trapezoid(y, x=None, *, dx=None, dim: int = -1):
    """Running trapezoidal-rule integral of ``y`` along ``dim`` (torch.cumulative_trapezoid)."""
    terms, d = _trapezoid_terms("cumulative_trapezoid", y, x, dx, dim)
    return cumsum(terms, d)
