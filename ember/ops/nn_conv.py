"""Linear and convolution kernels: ``linear``, the three convolution
primitives, and ``im2col`` / ``col2im`` (unfold / fold).

A convolution ``y = A_w x`` is linear in x and in w. Its two adjoints are
``convolution_transpose`` (``A_w^T g``: grad of the input, and the forward of
conv_transpose*d) and ``convolution_weight`` (grad of the weight). The
backward of each of the three is written with the other two, so gradients of
any order come free.

Kernels are whole-array: im2col is a strided view of the (padded) input
reshaped once into columns (N, groups, C/groups * prod(kernel), prod(out)),
and the contraction with the weight is one batched matmul. col2im adds one
strided view per kernel offset into a zero buffer (a loop over kernel
offsets, never over batch or spatial positions). Padding is given per side,
``((lo, hi), ...)``, so padding='same' with an even kernel needs no extra copy.
float16/bfloat16 compute in float32, as torch's CPU kernels accumulate.
"""
from __future__ import annotations

import itertools
import math

import numpy as np

from .registry import INPUTS, defop, dispatch

# ---------------------------------------------------------------- helpers


def _half_in(arrays):
    """float16/bfloat16 arrays upcast to float32, and the dtype to return."""
    a0 = arrays[0]
    if a0.dtype.itemsize == 2 and a0.dtype.kind not in "iub":
        return [None if a is None else a.astype(np.float32) for a in arrays], a0.dtype
    return arrays, None


def _back(y, dtype):
    return y if dtype is None else y.astype(dtype)


def out_size(in_size, ksize, stride, padding, dilation):
    """Number of sliding positions per spatial dimension."""
    return tuple((n + lo + hi - d * (k - 1) - 1) // s + 1
                 for n, k, s, (lo, hi), d in zip(in_size, ksize, stride, padding, dilation))


def _padded(xp, x, padding):
    """x with zeros added on both sides of each spatial dimension."""
    if not any(lo or hi for lo, hi in padding):
        return x
    shape = x.shape[:2] + tuple(n + lo + hi for n, (lo, hi) in zip(x.shape[2:], padding))
    buf = xp.zeros(shape, dtype=x.dtype)
    buf[(slice(None), slice(None)) + tuple(slice(lo, lo + n) for n, (lo, _) in
                                          zip(x.shape[2:], padding))] = x
    return buf


def im2col(xp, x, ksize, stride, padding, dilation, osize, groups=1):
    """Columns (N, groups, C/groups * prod(ksize), prod(osize)) of x (N, C, *S)."""
    xpad = _padded(xp, x, padding)
    n, c = x.shape[:2]
    cg = c // groups
    st = xpad.strides
    sp = st[2:]
    shape = (n, groups, cg) + tuple(ksize) + tuple(osize)
    strides = ((st[0], st[1] * cg, st[1]) + tuple(s * d for s, d in zip(sp, dilation))
               + tuple(s * k for s, k in zip(sp, stride)))
    view = xp.lib.stride_tricks.as_strided(xpad, shape, strides)
    return view.reshape(n, groups, cg * math.prod(ksize), math.prod(osize))


def im2col_batch_inner(xp, x, ksize, stride, padding, dilation, osize):
    """Columns (C * prod(ksize), N * prod(osize)) of x (N, C, *S): one GEMM for the batch."""
    xpad = _padded(xp, x, padding)
    n, c = x.shape[:2]
    st = xpad.strides
    sp = st[2:]
    shape = (c,) + tuple(ksize) + (n,) + tuple(osize)
    strides = ((st[1],) + tuple(s * d for s, d in zip(sp, dilation)) + (st[0],)
               + tuple(s * k for s, k in zip(sp, stride)))
    view = xp.lib.stride_tricks.as_strided(xpad, shape, strides)
    return view.reshape(c * math.prod(ksize), n * math.prod(osize))


def col2im(xp, cols, in_size, ksize, stride, padding, dilation):
    """The adjoint of im2col: cols (N, C, *ksize, *osize) summed into (N, C, *in_size)."""
    nd = len(ksize)
    n, c = cols.shape[:2]
    osize = cols.shape[2 + nd:]
    full = tuple(max(i + lo + hi, (o - 1) * s + d * (k - 1) + 1)
                 for i, (lo, hi), o, s, d, k in zip(in_size, padding, osize, stride, dilation, ksize))
    buf = xp.zeros((n, c) + full, dtype=cols.dtype)
    head = (slice(None), slice(None))
    for offs in itertools.product(*(range(k) for k in ksize)):
        dst = head + tuple(slice(j * d, j * d + (o - 1) * s + 1, s)
                           for j, d, o, s in zip(offs, dilation, osize, stride))
        buf[dst] += cols[head + offs]
    if full == tuple(in_size) and not any(lo for lo, _ in padding):
        return buf
    crop = head + tuple(slice(lo, lo + i) for (lo, _), i in zip(padding, in_size))
    return xp.ascontiguousarray(buf[crop])


def _narrow_to(t, spatial):
    """t's leading spatial positions, to match ``spatial`` (a no-op when equal)."""
    if tuple(t.shape[2:]) == tuple(spatial):
        return t
    return t[(slice(None), slice(None)) + tuple(slice(0, s) for s in spatial)]


def _bias_grad(g):
    return g.sum([0] + list(range(2, g.ndim)))


# ----------------------------------------------------------------- linear
@defop("linear", saves=INPUTS)
def _linear(xp, x, w, b=None):
    (x, w, b), half = _half_in([x, w, b])
    y = xp.matmul(x, w.T)
    if b is not None:
        if y.ndim and b.shape == y.shape[-1:]:
            y += b
        else:
            y = y + b
    return _back(y, half)


@_linear.defgrad
def _(ctx, g):
    x, w, b = ctx.inputs
    need = ctx.needs_input_grad
    w2 = w if w.ndim == 2 else w.reshape(1, w.shape[0])
    g2 = g if w.ndim == 2 else g.unsqueeze(-1)
    gx = gw = gb = None
    if need[0]:
        gx = g2.matmul(w2)
    out_f, in_f = w2.shape
    rows = math.prod(g2.shape[:-1])
    if need[1]:
        gw = g2.reshape(rows, out_f).t().matmul(x.reshape(rows, in_f))
        if w.ndim == 1:
            gw = gw.reshape(in_f)
    if need[2]:
        gb = g2.reshape(rows, out_f).sum(0) if b.ndim == 1 and w.ndim == 2 else g
    return gx, gw, gb


def linear_op(input, weight, bias=None):
    """Dispatch the fused linear primitive (arguments already validated)."""
    return dispatch(_linear, (input, weight, bias))


# ------------------------------------------------------------ convolution
_FEW_POSITIONS = 256   # below this many output positions per image, batch the GEMM
@defop("convolution", saves=INPUTS)
def _convolution(xp, x, w, b, stride, padding, dilation, groups):
    (x, w, b), half = _half_in([x, w, b])
    n, o = x.shape[0], w.shape[0]
    ksize = w.shape[2:]
    osize = out_size(x.shape[2:], ksize, stride, padding, dilation)
    npos = math.prod(osize)
    if groups == 1 and n > 1 and npos < _FEW_POSITIONS:
        # few output positions: one GEMM over the whole batch beats N small ones
        cols = im2col_batch_inner(xp, x, ksize, stride, padding, dilation, osize)
        y = xp.matmul(w.reshape(o, -1), cols).reshape(o, n, npos)
        y = xp.ascontiguousarray(y.transpose(1, 0, 2)).reshape((n, o) + osize)
    else:
        cols = im2col(xp, x, ksize, stride, padding, dilation, osize, groups)
        wm = w.reshape(groups, o // groups, -1)
        y = xp.matmul(wm, cols).reshape((n, o) + osize)
    if b is not None:
        y += b.reshape((o,) + (1,) * len(osize))
    return _back(y, half)


@_convolution.defgrad
def _(ctx, g):
    x, w, b = ctx.inputs
    p = ctx.params
    need = ctx.needs_input_grad
    gx = gw = gb = None
    if need[0]:
        gx = conv_transpose_op(g, w, None, tuple(x.shape[2:]), **p)
    if need[1]:
        gw = conv_weight_op(x, g, tuple(w.shape[2:]), **p)
    if need[2]:
        gb = _bias_grad(g)
    return gx, gw, gb


@defop("convolution_transpose", saves=INPUTS)
def _convolution_transpose(xp, g, w, b, input_size, stride, padding, dilation, groups):
    (g, w, b), half = _half_in([g, w, b])
    n, o = g.shape[:2]
    cg = w.shape[1]
    ksize = w.shape[2:]
    gsize = g.shape[2:]
    if all(s == 1 for s in stride):
        y = _conv_transpose_unit_stride(xp, g, w, input_size, padding, dilation, groups)
        if b is not None:
            y += b.reshape((-1,) + (1,) * len(ksize))
        return _back(y, half)
    gm = g.reshape(n, groups, o // groups, math.prod(gsize))
    wm = w.reshape(groups, o // groups, -1)
    cols = xp.matmul(wm.transpose(0, 2, 1), gm)       # (N, G, Cg*K, L)
    cols = cols.reshape((n, groups * cg) + tuple(ksize) + tuple(gsize))
    y = col2im(xp, cols, input_size, ksize, stride, padding, dilation)
    if b is not None:
        y += b.reshape((-1,) + (1,) * len(ksize))
    return _back(y, half)


def _conv_transpose_unit_stride(xp, g, w, input_size, padding, dilation, groups):
    """A^T g for stride 1 with contiguous scatter-adds: g is zero-padded to the
    padded input's spatial shape, so each kernel offset is one shift of the
    flattened (channel, space) block, added in one pass."""
    n, o = g.shape[:2]
    cg = w.shape[1]
    ksize = w.shape[2:]
    nd = len(ksize)
    full = tuple(max(i + lo + hi, gs + d * (k - 1)) for i, (lo, hi), gs, d, k in
                 zip(input_size, padding, g.shape[2:], dilation, ksize))
    gp = xp.zeros((n, o) + full, dtype=g.dtype)
    gp[(slice(None), slice(None)) + tuple(slice(0, gs) for gs in g.shape[2:])] = g
    npos = math.prod(full)
    og = o // groups
    kk = math.prod(ksize)
    # weight rows ordered (kernel offset, channel) so each offset's block is contiguous
    wm = w.reshape((groups, og, cg, kk)).transpose(0, 3, 2, 1).reshape(groups, kk * cg, og)
    cols = xp.matmul(wm, gp.reshape(n, groups, og, npos)).reshape(n, groups, kk, cg * npos)
    pstrides = [math.prod(full[i + 1:]) for i in range(nd)]
    offs = [sum(j * d * ps for j, d, ps in zip(js, dilation, pstrides))
            for js in itertools.product(*(range(k) for k in ksize))]
    buf = xp.zeros((n, groups, cg * npos + max(offs)), dtype=g.dtype)
    for idx, off in enumerate(offs):
        buf[:, :, off:off + cg * npos] += cols[:, :, idx]
    y = buf[:, :, :cg * npos].reshape((n, groups * cg) + full)
    crop = (slice(None), slice(None)) + tuple(slice(lo, lo + i) for (lo, _), i in
                                              zip(padding, input_size))
    return xp.ascontiguousarray(y[crop])


@_convolution_transpose.defgrad
def _(ctx, v):
    g, w, b = ctx.inputs
    p = dict(ctx.params)
    p.pop("input_size")
    need = ctx.needs_input_grad
    gg = gw = gb = None
    if need[0]:
        gg = _narrow_to(conv_op(v, w, None, **p), g.shape[2:])
    if need[1]:
        gw = conv_weight_op(v, g, tuple(w.shape[2:]), **p)
    if need[2]:
        gb = _bias_grad(v)
    return gg, gw, gb


@defop("convolution_weight", saves=INPUTS)
def _convolution_weight(xp, x, g, kernel_size, stride, padding, dilation, groups):
    (x, g), half = _half_in([x, g])
    n, o = g.shape[:2]
    gsize = g.shape[2:]
    cols = im2col(xp, x, kernel_size, stride, padding, dilation, gsize, groups)
    gm = g.reshape(n, groups, o // groups, math.prod(gsize))
    gw = xp.matmul(gm, cols.transpose(0, 1, 3, 2)).sum(0)   # (G, Og, Cg*K)
    return _back(gw.reshape((o, x.shape[1] // groups) + tuple(kernel_size)), half)


@_convolution_weight.defgrad
def _(ctx, v):
    x, g = ctx.inputs
    p = dict(ctx.params)
    p.pop("kernel_size")
    need = ctx.needs_input_grad
    gx = gg = None
    if need[0]:
        gx = conv_transpose_op(g, v, None, tuple(x.shape[2:]), **p)
    if need[1]:
        gg = _narrow_to(conv_op(x, v, None, **p), g.shape[2:])
    return gx, gg


def conv_op(x, w, b, stride, padding, dilation, groups):
    """Convolution primitive on batched input; padding is ((lo, hi), ...)."""
    return dispatch(_convolution, (x, w, b), {"stride": stride, "padding": padding,
                                              "dilation": dilation, "groups": groups})


def conv_transpose_op(g, w, b, input_size, stride, padding, dilation, groups):
    """The adjoint of conv_op in its input, producing spatial size ``input_size``."""
    return dispatch(_convolution_transpose, (g, w, b), {
        "input_size": tuple(input_size), "stride": stride, "padding": padding,
        "dilation": dilation, "groups": groups})


def conv_weight_op(x, g, kernel_size, stride, padding, dilation, groups):
    """The adjoint of conv_op in its weight: grad of the weight for output grad g."""
    return dispatch(_convolution_weight, (x, g), {
        "kernel_size": tuple(kernel_size), "stride": stride, "padding": padding,
        "dilation": dilation, "groups": groups})


# ----------------------------------------------------------- unfold / fold
@defop("im2col", saves=INPUTS)
def _im2col(xp, x, kernel_size, dilation, padding, stride):
    (x,), half = _half_in([x])
    osize = out_size(x.shape[2:], kernel_size, stride, padding, dilation)
    cols = im2col(xp, x, kernel_size, stride, padding, dilation, osize)
    cols = cols.reshape(x.shape[0], cols.shape[2], cols.shape[3])
    if xp.may_share_memory(cols, x):
        cols = cols.copy()
    return _back(cols, half)


@_im2col.defgrad
def _(ctx, g):
    (x,) = ctx.inputs
    return (col2im_op(g, tuple(x.shape[2:]), **ctx.params),)


@defop("col2im", saves=INPUTS)
def _col2im(xp, cols, output_size, kernel_size, dilation, padding, stride):
    (cols,), half = _half_in([cols])
    osize = out_size(output_size, kernel_size, stride, padding, dilation)
    n = cols.shape[0]
    c = cols.shape[1] // math.prod(kernel_size)
    cols = cols.reshape((n, c) + tuple(kernel_size) + osize)
    return _back(col2im(xp, cols, output_size, kernel_size, stride, padding, dilation), half)


@_col2im.defgrad
def _(ctx, g):
    p = dict(ctx.params)
    p.pop("output_size")
    return (im2col_op(g, **p),)


def im2col_op(x, kernel_size, dilation, padding, stride):
    """Unfold primitive on (N, C, H, W): (N, C*kh*kw, L); padding is ((lo, hi), ...)."""
    return dispatch(_im2col, (x,), {"kernel_size": tuple(kernel_size), "dilation": dilation,
                                    "padding": padding, "stride": stride})


def col2im_op(cols, output_size, kernel_size, dilation, padding, stride):
    """Fold primitive: (N, C*kh*kw, L) summed into (N, C, *output_size)."""
    return dispatch(_col2im, (cols,), {"output_size": tuple(output_size),
                                       "kernel_size": tuple(kernel_size), "dilation": dilation,
                                       "padding": padding, "stride": stride})
