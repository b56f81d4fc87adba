"""Pooling kernels: max pooling (with torch's flattened spatial indices), the
index scatter/gather pair behind its gradient and max_unpool, average
pooling and its adjoint, and adaptive max pooling.

Every kernel works on an array of shape ``lead + spatial`` where the last
``nd`` dims are pooled and any leading dims (batch, channels) are carried
along. Windows are whole-array strided views (or one fancy-index gather for
adaptive bins); the only Python loops run over kernel offsets, never over
batch or spatial positions.

Gradients: max pooling scatters the output gradient to the arg-max positions
with ``_pool_scatter``, whose derivative is ``_pool_gather`` and vice versa,
so double backward works. ``avg_pool`` and ``_avg_pool_backward`` are each
other's adjoints.
"""
from __future__ import annotations

import itertools

import numpy as np

from ._api import export
from .registry import INPUTS, KEEP, OUTPUT, defop, dispatch
from .shape import prod


# ------------------------------------------------------------ geometry
def pool_out_size(size, k, s, p, d, ceil_mode) -> int:
    """torch's pooling output length along one dim."""
    num = size + 2 * p - d * (k - 1) - 1
    out = (num + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def _lowest(xp, dtype):
    if np.dtype(dtype).kind == "f":
        return -np.inf
    if np.dtype(dtype).kind == "b":
        return False
    return np.iinfo(dtype).min


def _padded(xp, x, nd, kernel, stride, padding, dilation, out, fill):
    """x padded with ``fill`` so every window tap lies inside (left by ``padding``)."""
    lead, spatial = x.shape[:-nd], x.shape[-nd:]
    need = [(o - 1) * s + (k - 1) * d + 1 for o, s, k, d in zip(out, stride, kernel, dilation)]
    ext = tuple(max(n, p + L) for n, p, L in zip(need, padding, spatial))
    if not any(padding) and ext == tuple(spatial):
        return x
    xpad = xp.full(lead + ext, fill, dtype=x.dtype)
    xpad[(Ellipsis,) + tuple(slice(p, p + L) for p, L in zip(padding, spatial))] = x
    return xpad


def _tap_views(xpad, kernel, stride, dilation, out):
    """One strided view per kernel offset, in row-major kernel order: view k
    holds tap k of every window."""
    for offs in itertools.product(*(range(k) for k in kernel)):
        yield xpad[(Ellipsis,) + tuple(slice(o * d, o * d + (n - 1) * s + 1, s)
                                       for o, d, s, n in zip(offs, dilation, stride, out))]


def _max_taps(xp, taps):
    """Elementwise max over the tap views and the first tap reaching it
    (the last NaN where a window holds NaN, as torch's kernel does)."""
    K = len(taps)
    cur = taps[0].copy() if K == 1 else xp.maximum(taps[0], taps[1])
    for t in taps[2:]:
        xp.maximum(cur, t, out=cur)
    arg = xp.full(cur.shape, K - 1, dtype=np.int16 if K < 2 ** 15 else np.int64)
    for k in range(K - 2, -1, -1):
        xp.copyto(arg, k, where=taps[k] == cur)
    if cur.dtype.kind == "f" and bool(xp.isnan(cur).any()):
        for k in range(K):
            xp.copyto(arg, k, where=xp.isnan(taps[k]))
    return cur, arg


def _argmax_last(xp, win, nd, K):
    """Max and first arg-max over the trailing ``nd`` window dims; NaN wins like torch."""
    flat = win.reshape(win.shape[:-nd] + (K,))
    arg = xp.argmax(flat, axis=-1)
    val = xp.take_along_axis(flat, arg[..., None], axis=-1)[..., 0]
    return val, arg


def _combine(xp, arg, kernel, coords, spatial):
    nd = len(kernel)
    out_nd = arg.ndim
    idx = xp.zeros(arg.shape, dtype=np.int64)
    rem = arg
    mult = 1
    for i in range(nd - 1, -1, -1):
        k_i = rem % kernel[i]
        rem = rem // kernel[i]
        o_shape = [1] * out_nd
        o_shape[out_nd - nd + i] = coords[i].shape[0]
        o = xp.arange(coords[i].shape[0]).reshape(o_shape)
        idx += coords[i][o, k_i] * mult
        mult *= spatial[i]
    return idx


# ---------------------------------------------------------- max pooling
@defop("max_pool_with_indices", dtypes=KEEP, saves=OUTPUT, nout=2, diff_outputs=(0,))
def _max_pool(xp, x, kernel, stride, padding, dilation, ceil_mode):
    nd = len(kernel)
    spatial = x.shape[-nd:]
    out = tuple(pool_out_size(L, k, s, p, d, ceil_mode)
                for L, k, s, p, d in zip(spatial, kernel, stride, padding, dilation))
    if x.size == 0 or prod(out) == 0:
        shape = x.shape[:-nd] + out
        return xp.empty(shape, dtype=x.dtype), xp.empty(shape, dtype=np.int64)
    xpad = _padded(xp, x, nd, kernel, stride, padding, dilation, out, _lowest(xp, x.dtype))
    val, arg = _max_taps(xp, list(_tap_views(xpad, kernel, stride, dilation, out)))
    if not any(padding):
        # window start + tap offset (no tap lies left of the input)
        mults = [prod(spatial[i + 1:]) for i in range(nd)]
        base = xp.zeros((1,) * nd, dtype=np.int64)
        offs = xp.zeros((), dtype=np.int64)
        for i in range(nd):
            shape = [1] * nd
            shape[i] = out[i]
            base = base + (xp.arange(out[i], dtype=np.int64) * (stride[i] * mults[i])).reshape(shape)
            offs = offs[..., None] + xp.arange(kernel[i], dtype=np.int64) * (dilation[i] * mults[i])
        offs = offs.reshape(-1)
        return val, base + xp.take(offs, arg)
    # a window whose valid values are all -inf may pick a padding tap: clipping
    # its coordinates gives the window's first valid position, as torch does
    coords = [xp.clip(xp.arange(o)[:, None] * s - p + xp.arange(k)[None, :] * d, 0, L - 1)
              for o, k, s, p, d, L in zip(out, kernel, stride, padding, dilation, spatial)]
    return val, _combine(xp, arg, kernel, coords, spatial)


@_max_pool.defgrad
def _(ctx, g, _gi):
    p = ctx.params
    idx = ctx.saved_output(1)
    unique = all(s >= (k - 1) * d + 1 for k, s, d in zip(p["kernel"], p["stride"], p["dilation"]))
    nd = len(p["kernel"])
    return (pool_scatter(g, idx, ctx.input_shape(0)[-nd:], accumulate=True, unique=unique),)


def max_pool_nd(x, kernel, stride, padding, dilation, ceil_mode):
    """(values, indices) of max pooling over the last len(kernel) dims."""
    return dispatch(_max_pool, (x,), {"kernel": tuple(kernel), "stride": tuple(stride),
                                      "padding": tuple(padding), "dilation": tuple(dilation),
                                      "ceil_mode": bool(ceil_mode)})


# ----------------------------------------------- index scatter / gather
def _rows(a, nd_src):
    lead = a.shape[:a.ndim - nd_src]
    return a.reshape((prod(lead), -1)), lead


@defop("_pool_scatter", dtypes=KEEP, saves=INPUTS)
def _pool_scatter(xp, g, idx, spatial, accumulate, unique):
    lead = g.shape[:g.ndim - len(spatial)]   # g and idx: lead + out, len(out) == len(spatial)
    m = prod(lead)
    size = prod(spatial)
    n_out = prod(g.shape[len(lead):])
    G = g.reshape(m, n_out)
    ind = idx.reshape(m, n_out)
    if accumulate and not unique and G.dtype.kind in "fc":
        flat = (ind + (xp.arange(m, dtype=np.int64) * size)[:, None]).reshape(-1)
        if G.dtype.kind == "f":
            out = xp.bincount(flat, weights=G.reshape(-1), minlength=m * size).astype(G.dtype)
        else:
            out = xp.zeros(m * size, dtype=G.dtype)
            xp.add.at(out, flat, G.reshape(-1))
    elif accumulate and not unique:
        out = xp.zeros((m, size), dtype=G.dtype)
        xp.add.at(out, (xp.arange(m)[:, None], ind), G)
    else:
        out = xp.zeros((m, size), dtype=G.dtype)
        xp.put_along_axis(out, ind, G, axis=1)
    return out.reshape(lead + tuple(spatial))


@defop("_pool_gather", dtypes=KEEP, saves=INPUTS)
def _pool_gather(xp, h, idx, nd):
    m = prod(h.shape[:h.ndim - nd])
    H = h.reshape(m, prod(h.shape[h.ndim - nd:]))
    ind = idx.reshape(m, prod(idx.shape[idx.ndim - nd:]))
    return xp.take_along_axis(H, ind, axis=1).reshape(idx.shape)


@_pool_scatter.defgrad
def _(ctx, g):
    idx = ctx.inputs[1]
    return pool_gather(g, idx, len(ctx.params["spatial"])), None


@_pool_gather.defgrad
def _(ctx, g):
    idx = ctx.inputs[1]
    nd = ctx.params["nd"]
    spatial = ctx.input_shape(0)[-nd:]
    return pool_scatter(g, idx, spatial, accumulate=True, unique=False), None


def pool_scatter(g, idx, spatial, accumulate=True, unique=False):
    """Zeros of shape lead + spatial with g written (or added) at flat spatial ``idx``."""
    return dispatch(_pool_scatter, (g, idx), {"spatial": tuple(spatial),
                                              "accumulate": accumulate, "unique": unique})


def pool_gather(h, idx, nd):
    """h's values at flat spatial ``idx`` over its last ``nd`` dims."""
    return dispatch(_pool_gather, (h, idx), {"nd": nd})


# ------------------------------------------------------ average pooling
def _divisors(xp, spatial, out, kernel, stride, padding, ceil_mode, count_include_pad,
              divisor_override, dtype):
    if divisor_override:
        return divisor_override
    div = None
    for i, (L, o, k, s, p) in enumerate(zip(spatial, out, kernel, stride, padding)):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, L + p)
        n = end - start if count_include_pad else \
            np.minimum(end, L) - np.maximum(start, 0)
        shape = [1] * len(out)
        shape[i] = o
        n = n.reshape(shape)
        div = n if div is None else div * n
    return xp.asarray(div.astype(dtype))


def _avg_geometry(x_shape, p):
    nd = len(p["kernel"])
    spatial = tuple(x_shape[-nd:])
    out = tuple(pool_out_size(L, k, s, pd, 1, p["ceil_mode"])
                for L, k, s, pd in zip(spatial, p["kernel"], p["stride"], p["padding"]))
    return nd, spatial, out


def _offset_slices(nd, kernel, stride, out):
    for offs in itertools.product(*(range(k) for k in kernel)):
        yield (Ellipsis,) + tuple(slice(o, o + (n - 1) * s + 1, s)
                                  for o, s, n in zip(offs, stride, out))


def _padded_extent(spatial, out, kernel, stride, padding):
    return tuple(max((o - 1) * s + k, L + p) for L, o, k, s, p in
                 zip(spatial, out, kernel, stride, padding))


@defop("avg_pool", dtypes=KEEP)
def _avg_pool(xp, x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override):
    p = {"kernel": kernel, "stride": stride, "padding": padding, "ceil_mode": ceil_mode}
    nd, spatial, out = _avg_geometry(x.shape, p)
    lead = x.shape[:-nd]
    if x.size == 0 or prod(out) == 0:
        return xp.zeros(lead + out, dtype=x.dtype)
    acc_dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.int64)
    ext = _padded_extent(spatial, out, kernel, stride, padding)
    if ext != spatial or any(padding):
        xpad = xp.zeros(lead + ext, dtype=acc_dtype)
        xpad[(Ellipsis,) + tuple(slice(pd, pd + L) for pd, L in zip(padding, spatial))] = x
    else:
        xpad = x
    total = None
    for sl in _offset_slices(nd, kernel, stride, out):
        if total is None:
            total = xpad[sl].astype(acc_dtype, copy=True)
        else:
            total += xpad[sl]
    div = _divisors(xp, spatial, out, kernel, stride, padding, ceil_mode, count_include_pad,
                    divisor_override, acc_dtype if acc_dtype.kind == "f" else np.int64)
    if x.dtype.kind == "f":
        total /= div
        return total
    q = xp.trunc(total / div)   # integer average rounds toward zero like torch
    return q.astype(x.dtype)


@defop("_avg_pool_backward", dtypes=KEEP)
def _avg_pool_backward(xp, g, shape, kernel, stride, padding, ceil_mode, count_include_pad,
                       divisor_override):
    p = {"kernel": kernel, "stride": stride, "padding": padding, "ceil_mode": ceil_mode}
    nd, spatial, out = _avg_geometry(shape, p)
    lead = tuple(shape[:-nd])
    ext = _padded_extent(spatial, out, kernel, stride, padding)
    gx = xp.zeros(lead + ext, dtype=g.dtype)
    if g.size:
        div = _divisors(xp, spatial, out, kernel, stride, padding, ceil_mode, count_include_pad,
                        divisor_override, g.dtype)
        gd = g / div
        for sl in _offset_slices(nd, kernel, stride, out):
            gx[sl] += gd
    crop = (Ellipsis,) + tuple(slice(pd, pd + L) for pd, L in zip(padding, spatial))
    return xp.ascontiguousarray(gx[crop])


@_avg_pool.defgrad
def _(ctx, g):
    return (dispatch(_avg_pool_backward, (g,), {"shape": tuple(ctx.input_shape(0)),
                                                **ctx.params}),)


@_avg_pool_backward.defgrad
def _(ctx, g):
    p = dict(ctx.params)
    del p["shape"]
    return (dispatch(_avg_pool, (g,), p),)


def avg_pool_nd(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override):
    """Average pooling over the last len(kernel) dims."""
    return dispatch(_avg_pool, (x,), {
        "kernel": tuple(kernel), "stride": tuple(stride), "padding": tuple(padding),
        "ceil_mode": bool(ceil_mode), "count_include_pad": bool(count_include_pad),
        "divisor_override": divisor_override})


# -------------------------------------------------- adaptive max pooling
def adaptive_bins(L, o):
    """Start and end (exclusive) of torch's adaptive bins of length L into o."""
    i = np.arange(o)
    return (i * L) // o, -((-(i + 1) * L) // o)


@defop("adaptive_max_pool", dtypes=KEEP, saves=OUTPUT, nout=2, diff_outputs=(0,))
def _adaptive_max_pool(xp, x, output_size):
    nd = len(output_size)
    spatial = x.shape[-nd:]
    lead = x.shape[:-nd]
    if x.size == 0:
        shape = lead + tuple(output_size)
        return xp.empty(shape, dtype=x.dtype), xp.empty(shape, dtype=np.int64)
    coords, kernel, index = [], [], []
    for i, (L, o) in enumerate(zip(spatial, output_size)):
        start, end = adaptive_bins(L, o)
        k = int((end - start).max())
        c = np.minimum(start[:, None] + np.arange(k)[None, :], (end - 1)[:, None])
        coords.append(xp.asarray(c))
        kernel.append(k)
        shape = [1] * (2 * nd)
        shape[i], shape[nd + i] = o, k
        index.append(xp.asarray(c.reshape(shape)))
    win = x[(Ellipsis,) + tuple(index)]
    val, arg = _argmax_last(xp, win, nd, prod(kernel))
    return val, _combine(xp, arg, kernel, coords, spatial)


@_adaptive_max_pool.defgrad
def _(ctx, g, _gi):
    nd = len(ctx.params["output_size"])
    idx = ctx.saved_output(1)
    return (pool_scatter(g, idx, ctx.input_shape(0)[-nd:], accumulate=True, unique=False),)


def adaptive_max_pool_nd(x, output_size):
    """(values, indices) of adaptive max pooling over the last len(output_size) dims."""
    return dispatch(_adaptive_max_pool, (x,), {"output_size": tuple(output_size)})


# ------------------------------------------------ torch-namespace aliases
def _F():
    from ..nn.functional import pooling
    return pooling


@export("max_pool1d", method=False)
def max_pool1d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """torch.max_pool1d (values only)."""
    return _F().max_pool1d(input, kernel_size, stride or None, padding, dilation, ceil_mode)


@export("max_pool2d", method=False)
def max_pool2d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """torch.max_pool2d (values only)."""
    return _F().max_pool2d(input, kernel_size, stride or None, padding, dilation, ceil_mode)


@export("max_pool3d", method=False)
def max_pool3d(input, kernel_size, stride=(), padding=0, dilation=1, ceil_mode=False):
    """torch.max_pool3d (values only)."""
    return _F().max_pool3d(input, kernel_size, stride or None, padding, dilation, ceil_mode)


@export("max_pool1d_with_indices", method=False)
def max_pool1d_with_indices(input, kernel_size, stride=(), padding=0, dilation=1,
                            ceil_mode=False):
    """torch.max_pool1d_with_indices: (values, indices)."""
    return _F().max_pool1d_with_indices(input, kernel_size, stride or None, padding, dilation,
                                        ceil_mode)


@export("avg_pool1d", method=False)
def avg_pool1d(input, kernel_size, stride=(), padding=0, ceil_mode=False, count_include_pad=True):
    """torch.avg_pool1d."""
    return _F().avg_pool1d(input, kernel_size, stride or None, padding, ceil_mode,
                           count_include_pad)


@export("adaptive_avg_pool1d", method=False)
def adaptive_avg_pool1d(input, output_size):
    """torch.adaptive_avg_pool1d."""
    return _F().adaptive_avg_pool1d(input, output_size)


@export("adaptive_max_pool1d", method=False)
def adaptive_max_pool1d(input, output_size):
    """torch.adaptive_max_pool1d: (values, indices)."""
    return _F().adaptive_max_pool1d_with_indices(input, output_size)
