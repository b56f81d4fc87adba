"""Scaled dot-product attention as one fused primitive.

``_scaled_dot_product_attention(q, k, v, mask)`` computes, in one whole-array
kernel, ``softmax(q k^T * scale + mask) [* dropout] @ v``: the scores matmul,
the scaling, bool / float / causal masking, a stable softmax whose fully
masked rows are zero (torch's "safe softmax"), dropout drawn from ember's
generator, and the value matmul. Grouped-query attention (``enable_gqa``) is
a reshape: query heads are viewed as (key heads, group) so that keys and
values broadcast over the group without being copied.

The op has three outputs: the attention output (differentiable), and the
softmax probabilities and the dropout scale mask, which are saved for the
backward and carry no gradient. The backward has two exact forms:

* first order (the usual ``loss.backward()``, grad mode off during
  backward): one fused array kernel, ``_scaled_dot_product_attention_backward``,
  that reuses the saved probabilities;
* ``create_graph=True``: the same formulas written with ember ops, with the
  probabilities recomputed from q and k by ember ops, so that every
  higher-order derivative is exact.

Half-precision inputs are computed in float32 and rounded back.
"""
from __future__ import annotations

import math

import numpy as np

from .. import _dtype as D
from ..autograd import grad_mode
from .registry import BOTH, KEEP, defop, dispatch


# ---------------------------------------------------------------- helpers
class _ArrayOps:
    """Shape helpers on backend arrays (for the kernels)."""

    @staticmethod
    def mT(x):
        return x.swapaxes(-1, -2)

    @staticmethod
    def unsqueeze(x, dim):
        return x.reshape(x.shape[:dim + x.ndim + 1] + (1,) + x.shape[dim + x.ndim + 1:])

    @staticmethod
    def rowsum(x):
        return x.sum(axis=-1, keepdims=True)

    @staticmethod
    def sum_dim(x, dim):
        return x.sum(axis=dim)


class _TensorOps:
    """The same helpers on ember Tensors (for the differentiable backward)."""

    @staticmethod
    def mT(x):
        return x.transpose(-1, -2)

    @staticmethod
    def unsqueeze(x, dim):
        return x.unsqueeze(dim)

    @staticmethod
    def rowsum(x):
        return x.sum(-1, keepdim=True)

    @staticmethod
    def sum_dim(x, dim):
        return x.sum(dim)


def _grouped_matmul(ops, a, b, heads):
    """a (..., H, X, Y) @ b (..., h, Y, Z) where each of the h heads of b
    serves H // h consecutive heads of a (heads=None: plain matmul)."""
    if heads is None:
        return a @ b
    sh = tuple(a.shape)
    group = sh[-3] // heads
    r = a.reshape(sh[:-3] + (heads, group) + sh[-2:]) @ ops.unsqueeze(b, -3)
    rs = tuple(r.shape)
    return r.reshape(rs[:-4] + (heads * group,) + rs[-2:])


def _sum_groups(ops, x, heads):
    """x (..., H, X, Y) summed over each group of H // heads heads."""
    if heads is None:
        return x
    sh = tuple(x.shape)
    return ops.sum_dim(x.reshape(sh[:-3] + (heads, sh[-3] // heads) + sh[-2:]), -3)


def _work_dtype(dtype):
    return dtype if dtype in (np.float32, np.float64) else np.dtype(np.float32)


def _causal_block(xp, L, S):
    """True where query i may not see key j (j > i, top-left aligned)."""
    return xp.triu(xp.ones((L, S), dtype=bool), 1)


# ----------------------------------------------------------------- forward
def _probabilities(xp, q, k, mask, scale, is_causal, k_heads):
    """softmax(q k^T * scale + mask) with fully masked rows set to zero."""
    s = _grouped_matmul(_ArrayOps, q * q.dtype.type(scale), _ArrayOps.mT(k), k_heads)
    if mask is not None:
        if mask.dtype == np.bool_:
            np.copyto(s, -np.inf, where=np.logical_not(mask))
        else:
            s += mask.astype(s.dtype, copy=False)
    if is_causal:
        np.copyto(s, -np.inf, where=_causal_block(xp, s.shape[-2], s.shape[-1]))
    if s.shape[-1] == 0:
        return s
    m = s.max(axis=-1, keepdims=True)
    m[m == -np.inf] = 0.0                   # fully masked rows: exp(-inf) = 0 below
    s -= m
    xp.exp(s, out=s)
    den = _ArrayOps.rowsum(s)
    den[den == 0] = 1.0
    s /= den
    return s


def _dropout_scale(xp, shape, dtype, p, generator):
    """The dropout mask with the 1 / (1 - p) scale folded in (zeros for p = 1)."""
    if p >= 1:
        return xp.zeros(shape, dtype=dtype)
    u = generator._rng.random(shape, dtype=dtype)
    keep = u >= dtype.type(p)
    if xp is not np:
        keep = xp.asarray(keep)
    return keep.astype(dtype) * dtype.type(1.0 / (1.0 - p))


@defop("_scaled_dot_product_attention", dtypes=KEEP, saves=BOTH, nout=3, diff_outputs=(0,))
def _sdpa(xp, q, k, v, mask, scale, is_causal=False, dropout_p=0.0, k_heads=None,
          v_heads=None, generator=None):
    out_dtype = q.dtype
    wd = _work_dtype(q.dtype)
    q, k, v = (x.astype(wd, copy=False) for x in (q, k, v))
    with np.errstate(invalid="ignore", over="ignore"):
        p = _probabilities(xp, q, k, mask, scale, is_causal, k_heads)
        if dropout_p > 0:
            drop = _dropout_scale(xp, p.shape, wd, dropout_p, generator)
            pd = p * drop
        else:
            drop = xp.zeros((), dtype=wd)
            pd = p
        out = _grouped_matmul(_ArrayOps, pd, v, v_heads)
    return out.astype(out_dtype, copy=False), p, drop


# ---------------------------------------------------------------- backward
def _input_grads(ops, g, q, k, v, p, drop, scale, k_heads, v_heads, need, dropped):
    """dq, dk, dv and the score gradient (the float mask's gradient)."""
    pd = p * drop if dropped else p
    dq = dk = dv = ds = None
    if need[2]:
        dv = _sum_groups(ops, ops.mT(pd) @ g, v_heads)
    if need[0] or need[1] or need[3]:
        dp = _grouped_matmul(ops, g, ops.mT(v), v_heads)
        if dropped:
            dp = dp * drop
        ds = p * (dp - ops.rowsum(dp * p))
        if need[0]:
            dq = _grouped_matmul(ops, ds, k, k_heads) * scale
        if need[1]:
            dk = _sum_groups(ops, ops.mT(ds) @ q, k_heads) * scale
    return dq, dk, dv, (ds if need[3] else None)


@defop("_scaled_dot_product_attention_backward", dtypes=KEEP, nout=4)
def _sdpa_backward(xp, g, q, k, v, p, drop, scale, k_heads=None, v_heads=None, need=(),
                   dropped=False):
    dtypes = (q.dtype, k.dtype, v.dtype, p.dtype)
    wd = p.dtype
    g, q, k, v = (x.astype(wd, copy=False) for x in (g, q, k, v))
    grads = _input_grads(_ArrayOps, g, q, k, v, p, drop, scale, k_heads, v_heads, need, dropped)
    empty = xp.zeros((), dtype=wd)
    return tuple(empty if r is None else r.astype(d, copy=False) for r, d in zip(grads, dtypes))


def _recompute_probabilities(q, k, mask, params):
    """The softmax probabilities as a differentiable function of q, k (and a float mask)."""
    from .creation import ones
    from .special import softmax
    s = _grouped_matmul(_TensorOps, q * params["scale"], k.transpose(-1, -2), params.get("k_heads"))
    if mask is not None:
        s = s.masked_fill(mask.logical_not(), -math.inf) if mask._dtype is D.bool_ else s + mask
    if params.get("is_causal"):
        L, S = s.shape[-2], s.shape[-1]
        s = s.masked_fill(ones(L, S, dtype=D.bool_, device=s.device).triu(1), -math.inf)
    dead = (s == -math.inf).all(-1, keepdim=True)   # fully masked rows give zeros
    return softmax(s.masked_fill(dead, 0.0), -1).masked_fill(dead, 0.0)


@_sdpa.defgrad
def _(ctx, g, *unused):
    q, k, v, mask = ctx.inputs
    prm = ctx.params
    need = ctx.needs_input_grad
    drop = ctx.saved_output(2)
    dropped = prm.get("dropout_p", 0.0) > 0
    if not grad_mode._state[0]:
        p = ctx.saved_output(1)
        grads = dispatch(_sdpa_backward, (g, q, k, v, p, drop),
                         {"scale": prm["scale"], "k_heads": prm.get("k_heads"),
                          "v_heads": prm.get("v_heads"), "need": need, "dropped": dropped})
        return tuple(r if n else None for r, n in zip(grads, need))
    wd = _work_dtype(q._dtype.np)
    cast = (lambda t: t) if q._dtype.np == wd else (lambda t: t.float())
    g, qw, kw, vw = (cast(x) for x in (g, q, k, v))
    m = mask if mask is None or mask._dtype is D.bool_ else cast(mask)
    p = _recompute_probabilities(qw, kw, m, prm)
    return _input_grads(_TensorOps, g, qw, kw, vw, p, drop, prm["scale"], prm.get("k_heads"),
                        prm.get("v_heads"), need, dropped)


def sdpa_forward(query, key, value, attn_mask, dropout_p, is_causal, scale, k_heads, v_heads,
                 generator=None):
    """Dispatch the fused op (arguments already validated); returns the output only."""
    params = {"scale": scale}
    if is_causal:
        params["is_causal"] = True
    if dropout_p > 0:
        params["dropout_p"] = float(dropout_p)
        params["generator"] = generator
    if k_heads is not None:
        params["k_heads"] = k_heads
    if v_heads is not None:
        params["v_heads"] = v_heads
    return dispatch(_sdpa, (query, key, value, attn_mask), params)[0]
