"""Fused kernels for normalization, dropout and embedding lookups.

One normalization primitive serves layer, batch, instance, group and RMS
norm: the input is (optionally) viewed as ``gshape``, standardised over
``axes`` (mean and biased variance; RMS norm skips the mean), then scaled and
shifted by a weight and bias viewed as ``pshape`` against the input. It
returns ``(y, mean, var)``; mean and var keep the reduced axes.

Its backward is written twice: a fused NumPy kernel (``_norm_backward``, one
dispatch for the input, weight and bias gradients) used when the backward
does not build a graph, and the same formula in ember ops, recomputing the
statistics from the input, when it does (``create_graph=True``), so that
higher-order gradients are exact. The embedding gradient follows the same
pattern: a fused scatter-add primitive whose own backward is a lookup.
"""
from __future__ import annotations

import numpy as np

from .. import _dtype as D
from ..autograd import grad_mode
from . import registry
from ._api import check_tensor, export
from .random import _generator
from .registry import cacheable, INPUTS, KEEP, OUTPUT, _torch_type_name, defop, dispatch

_grad_state = grad_mode._state
_FAST = (np.float32, np.float64)


def _float_rule(kernel: str):
    """Compute in the input's float dtype; weight and bias are cast to it."""
    @cacheable
    def rule(args, params):
        d = args[0]._dtype
        if d.category != D.FLOAT:
            raise NotImplementedError(f'"{kernel}" not implemented for \'{_torch_type_name(d)}\'')
        return d, d
    rule.__name__ = f"float_rule_{kernel}"
    return rule


# ------------------------------------------------------ normalization
def _prod(shape) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


def _rsum(xp, a, axes):
    """a.sum(axes, keepdims=True); trailing axes of a contiguous float array are summed
    by a matrix-vector product, which is several times faster than NumPy's reduction."""
    nd, k = a.ndim, len(axes)
    if k and a.size and axes == tuple(range(nd - k, nd)) and a.flags.c_contiguous and a.dtype in _FAST:
        n = _prod(a.shape[nd - k:])
        r = a.reshape(-1, n) @ xp.ones(n, dtype=a.dtype)
        return r.reshape(a.shape[:nd - k] + (1,) * k)
    return a.sum(axis=axes, keepdims=True)


def _lsum(xp, a, waxes):
    """a.sum(waxes) (no keepdims), leading axes through a vector-matrix product."""
    k = len(waxes)
    if not k:
        return a.copy()
    if a.size and waxes == tuple(range(k)) and a.flags.c_contiguous and a.dtype in _FAST:
        m = _prod(a.shape[:k])
        return (xp.ones(m, dtype=a.dtype) @ a.reshape(m, -1)).reshape(a.shape[k:])
    return a.sum(axis=waxes)


def _norm_forward(xp, x, weight, bias, axes, gshape, pshape, eps, center):
    shape = x.shape
    work = x if x.dtype in _FAST else x.astype(np.float32)
    v = work.reshape(gshape) if gshape is not None else work
    n = _prod(v.shape[a] for a in axes)
    stat_shape = tuple(1 if i in axes else s for i, s in enumerate(v.shape))
    if n == 0:
        nan = xp.full(stat_shape, np.nan, dtype=v.dtype)
        return work.copy().reshape(shape), nan, nan.copy()
    if center:
        mean = _rsum(xp, v, axes)
        mean /= n
        d = v - mean
    else:
        mean = xp.zeros(stat_shape, dtype=v.dtype)
        d = v.copy()
    var = _rsum(xp, d * d, axes)
    var /= n
    rstd = var + eps
    xp.sqrt(rstd, out=rstd)
    xp.divide(1, rstd, out=rstd)
    d *= rstd
    y = d.reshape(shape)
    if weight is not None:
        y *= weight.reshape(pshape)
    if bias is not None:
        y += bias.reshape(pshape)
    return y, mean, var


def _norm_op(name, kernel):
    op = defop(name, dtypes=_float_rule(kernel), saves=INPUTS | OUTPUT, nout=3,
               diff_outputs=(0,))(_norm_forward)
    op.defgrad(_norm_grad)
    return op


def _weight_axes(ndim, pshape):
    full = (1,) * (ndim - len(pshape)) + tuple(pshape)
    return tuple(i for i in range(ndim) if full[i] == 1 or len(pshape) == 0)


@defop("_ember_norm_backward", dtypes=_float_rule("norm_backward"), nout=3)
def _norm_backward(xp, g, x, weight, mean, var, axes, gshape, pshape, eps, center, needs):
    shape = x.shape
    if x.dtype not in _FAST:
        g, x, mean, var = (a.astype(np.float32) for a in (g, x, mean, var))
        weight = None if weight is None else weight.astype(np.float32)
    rstd = 1.0 / xp.sqrt(var + eps)
    v = x.reshape(gshape) if gshape is not None else x
    if not g.flags.c_contiguous:
        g = xp.ascontiguousarray(g)
    xhat = v - mean if center else v.copy()
    xhat *= rstd
    empty = xp.zeros(0, dtype=x.dtype)
    waxes = _weight_axes(len(shape), pshape)
    gw = gb = empty
    if needs[1]:
        gw = _lsum(xp, g * xhat.reshape(shape), waxes).reshape(pshape)
    if needs[2]:
        gb = _lsum(xp, g, waxes).reshape(pshape)
    gx = empty
    if needs[0]:
        gh = g * weight.reshape(pshape) if weight is not None else g
        ghv = gh.reshape(gshape) if gshape is not None else gh
        n = _prod(v.shape[a] for a in axes)
        inner = _rsum(xp, ghv * xhat, axes)
        inner /= n
        gx = xhat * inner
        if center:
            gx += _rsum(xp, ghv, axes) / n
        xp.subtract(ghv, gx, out=gx)
        gx *= rstd
        gx = gx.reshape(shape)
    return gx, gw, gb


def _norm_grad(ctx, g, *_):
    x, weight, bias = ctx.inputs[:3]
    p = ctx.params
    axes, gshape, pshape, eps, center = p["axes"], p["gshape"], p["pshape"], p["eps"], p["center"]
    need = ctx.needs_input_grad
    if g is None:
        return None, None, None
    if not _grad_state[0]:
        gx, gw, gb = dispatch(_norm_backward, (g, x, weight, ctx.saved_output(1), ctx.saved_output(2)),
                              dict(p, needs=need[:3]))
        return (gx if need[0] else None,
                gw.reshape(weight.shape) if need[1] else None,
                gb.reshape(bias.shape) if need[2] else None)
    # differentiable form: statistics recomputed from x so that they carry gradients
    v = x.reshape(gshape) if gshape is not None else x
    if center:
        mean = v.mean(axes, keepdim=True)
        d = v - mean
    else:
        d = v
    rstd = ((d * d).mean(axes, keepdim=True) + eps).rsqrt()
    xhat = d * rstd
    shape = tuple(x.shape)
    waxes = _weight_axes(len(shape), pshape)
    gx = gw = gb = None
    if need[0]:
        gh = g * weight.reshape(pshape) if weight is not None else g
        ghv = gh.reshape(gshape) if gshape is not None else gh
        gx = ghv - xhat * (ghv * xhat).mean(axes, keepdim=True)
        if center:
            gx = gx - ghv.mean(axes, keepdim=True)
        gx = (gx * rstd).reshape(shape)
    if need[1]:
        gw = g * xhat.reshape(shape)
        gw = (gw.sum(waxes) if waxes else gw).reshape(weight.shape)
    if need[2]:
        gb = (g.sum(waxes) if waxes else g).reshape(bias.shape)
    return gx, gw, gb


native_layer_norm = _norm_op("native_layer_norm", "LayerNormKernelImpl")
native_batch_norm = _norm_op("native_batch_norm", "batch_norm")
native_group_norm = _norm_op("native_group_norm", "GroupNormKernelImpl")
native_instance_norm = _norm_op("native_instance_norm", "batch_norm")
fused_rms_norm = _norm_op("_fused_rms_norm", "rms_norm")


def normalize_op(op, x, weight, bias, axes, pshape, eps, gshape=None, center=True):
    """Run one of the normalization primitives; returns (y, mean, var)."""
    return dispatch(op, (x, weight, bias), {
        "axes": tuple(axes), "gshape": gshape, "pshape": tuple(pshape),
        "eps": float(eps), "center": center})


# ------------------------------------------------------------ dropout
@defop("native_dropout", dtypes=_float_rule("dropout"), saves=OUTPUT, nout=2, diff_outputs=(0,))
def _dropout(xp, x, p, generator, noise_shape):
    """y = x * mask where mask is 0 with probability p and 1/(1-p) otherwise;
    ``noise_shape`` broadcasts the mask (channel dropout)."""
    dt = np.float32 if x.dtype != np.float64 else np.float64
    keep = generator._rng.random(noise_shape, dtype=dt) >= p
    mask = xp.asarray(keep).astype(x.dtype)
    mask *= x.dtype.type(1.0 / (1.0 - p))
    return x * mask, mask


@_dropout.defgrad
def _(ctx, g, _):
    return (g * ctx.saved_output(1),)


def dropout_op(x, p, generator, noise_shape):
    return dispatch(_dropout, (x,), {"p": float(p), "generator": generator,
                                     "noise_shape": tuple(noise_shape)})


# ---------------------------------------------------------- embedding
@defop("embedding", dtypes=KEEP, saves=INPUTS)
def _embedding(xp, weight, indices, padding_idx, scale_grad_by_freq):
    return xp.take(weight, indices, axis=0)


@_embedding.defgrad
def _(ctx, g):
    weight, indices = ctx.inputs
    p = ctx.params
    return dispatch(_embedding_backward, (g, indices), {
        "num_weights": weight.shape[0], "padding_idx": p["padding_idx"],
        "scale_grad_by_freq": p["scale_grad_by_freq"]}), None


def _row_scale(xp, flat, num_weights, padding_idx, scale_grad_by_freq, dtype):
    """Per-lookup gradient factor: 0 for padding, 1/count with frequency scaling."""
    scale = None
    if scale_grad_by_freq:
        counts = xp.bincount(flat, minlength=num_weights)
        scale = (1.0 / counts[flat]).astype(dtype)
    if padding_idx is not None and padding_idx >= 0:
        keep = (flat != padding_idx).astype(dtype)
        scale = keep if scale is None else scale * keep
    return scale


@defop("embedding_dense_backward", dtypes=KEEP, saves=INPUTS)
def _embedding_backward(xp, g, indices, num_weights, padding_idx, scale_grad_by_freq):
    dim = g.shape[-1] if g.ndim else 1
    flat = indices.reshape(-1)
    rows = g.reshape(-1, dim)
    scale = _row_scale(xp, flat, num_weights, padding_idx, scale_grad_by_freq, g.dtype)
    if scale is not None:
        rows = rows * scale[:, None]
    out = xp.zeros((num_weights, dim), dtype=g.dtype)
    xp.add.at(out, flat, rows)
    return out


@_embedding_backward.defgrad
def _(ctx, gg):
    g, indices = ctx.inputs
    p = ctx.params
    r = dispatch(_embedding, (gg, indices), {"padding_idx": None, "scale_grad_by_freq": False})
    flat = indices._data.reshape(-1)
    scale = _row_scale(np, flat, p["num_weights"], p["padding_idx"], p["scale_grad_by_freq"],
                       gg._dtype.np)
    if scale is not None:
        scale = registry._make(scale.reshape(tuple(indices.shape) + (1,)), gg._dtype, gg._device)
        r = r * scale
    return r, None


def embedding_op(weight, indices, padding_idx, scale_grad_by_freq):
    return dispatch(_embedding, (weight, indices), {
        "padding_idx": padding_idx, "scale_grad_by_freq": bool(scale_grad_by_freq)})


# ================================================= torch.* functions
def _size(shape) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _check_same_dtype(input, *others):
    """torch's CPU norms take float32 parameters for a reduced-precision input,
    otherwise every tensor must share the input's dtype."""
    for t in others:
        if t is None or t._dtype is input._dtype:
            continue
        if t._dtype is D.float32 and input._dtype in (D.float16, D.bfloat16):
            continue
        raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")


def _normalized_shape(normalized_shape, fname):
    if isinstance(normalized_shape, int) or not isinstance(normalized_shape, (list, tuple)):
        raise TypeError(f"{fname}(): argument 'normalized_shape' (position 2) must be tuple of ints, "
                        f"not {type(normalized_shape).__name__}")
    ns = tuple(int(s) for s in normalized_shape)
    if not ns:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., containing at "
                           "least one element, but got normalized_shape = []")
    return ns


def _check_param_shape(t, ns, what):
    if t is not None and tuple(t.shape) != ns:
        raise RuntimeError(f"Expected {what} to be of same shape as normalized_shape, but got {what} of "
                           f"shape {_size(t.shape)} and normalized_shape = {_size(ns)}")


@export("layer_norm", method=False)
def layer_norm(input, normalized_shape, weight=None, bias=None, eps: float = 1e-05,
               cudnn_enable: bool = True):
    """Normalize over the trailing ``normalized_shape`` dims, then scale and shift (torch.layer_norm)."""
    check_tensor(input, "layer_norm")
    ns = _normalized_shape(normalized_shape, "layer_norm")
    _check_param_shape(weight, ns, "weight")
    _check_param_shape(bias, ns, "bias")
    shape, k = tuple(input.shape), len(ns)
    if len(shape) < k or shape[len(shape) - k:] != ns:
        raise RuntimeError(f"Given normalized_shape={_size(ns)}, expected input with shape "
                           f"[*, {_size(ns)[1:-1]}], but got input of size{_size(shape)}")
    _check_same_dtype(input, weight, bias)
    axes = range(len(shape) - k, len(shape))
    return normalize_op(native_layer_norm, input, weight, bias, axes, ns, eps)[0]


@export("rms_norm", method=False)
def rms_norm(input, normalized_shape, weight=None, eps=None):
    """x / sqrt(mean(x^2) + eps) over the trailing dims, times weight (torch.rms_norm);
    eps None means the input dtype's machine epsilon."""
    check_tensor(input, "rms_norm")
    ns = _normalized_shape(normalized_shape, "rms_norm")
    _check_param_shape(weight, ns, "weight")
    shape, k = tuple(input.shape), len(ns)
    if len(shape) < k or shape[len(shape) - k:] != ns:
        raise RuntimeError(f"Given normalized_shape={_size(ns)}, expected input with shape "
                           f"[*{_size(ns)[1:-1]}], but got input of size{_size(shape)}")
    if eps is None:
        eps = float(np.finfo(input._dtype.np).eps) if input._dtype.category == D.FLOAT else 0.0
    axes = range(len(shape) - k, len(shape))
    return normalize_op(fused_rms_norm, input, weight, None, axes, ns, eps, center=False)[0]


def _channels(input):
    if input.ndim < 2:
        raise IndexError(f"Dimension out of range (expected to be in range of [-{max(input.ndim, 1)}, "
                         f"{max(input.ndim, 1) - 1}], but got 1)")
    return input.shape[1]


def _check_numel(t, name, c):
    if t is not None and t.numel() != c:
        raise RuntimeError(f"{name} should contain {c} elements not {t.numel()}")


def _update_running(running, batch_stat, momentum):
    """running = momentum * batch_stat + (1 - momentum) * running, in place, untracked."""
    with grad_mode.no_grad():
        new = batch_stat.reshape(running.shape).to(running.dtype) * momentum + running * (1.0 - momentum)
        running.copy_(new)


def _affine_eval(input, weight, bias, mean, var, eps):
    """Normalize with fixed statistics: x * (w / sqrt(var + eps)) + (b - mean * scale)."""
    c = input.shape[1]
    pshape = (c,) + (1,) * (input.ndim - 2)
    scale = (var.detach() + eps).rsqrt()
    if weight is not None:
        scale = scale * weight
    shift = -mean.detach() * scale
    if bias is not None:
        shift = shift + bias
    return input * scale.reshape(pshape).to(input.dtype) + shift.reshape(pshape).to(input.dtype)


@export("batch_norm", method=False)
def batch_norm(input, weight, bias, running_mean, running_var, training: bool, momentum: float,
               eps: float, cudnn_enabled: bool = True):
    """Batch normalization over all dims but the channel dim 1 (torch.batch_norm); in training
    the running statistics are updated in place (unbiased variance)."""
    check_tensor(input, "batch_norm")
    c = _channels(input)
    for t, name in ((running_mean, "running_mean"), (running_var, "running_var"),
                    (weight, "weight"), (bias, "bias")):
        _check_numel(t, name, c)
    _check_same_dtype(input, weight, bias)
    if not training:
        for t, name in ((running_mean, "running_mean"), (running_var, "running_var")):
            if t is None:
                raise RuntimeError(f"{name} must be defined in evaluation mode")
        return _affine_eval(input, weight, bias, running_mean, running_var, eps)
    nd = input.ndim
    axes = (0,) + tuple(range(2, nd))
    y, mean, var = normalize_op(native_batch_norm, input, weight, bias, axes,
                                (c,) + (1,) * (nd - 2), eps)
    n = input.numel() // c if c else 0
    if running_mean is not None:
        _update_running(running_mean, mean, momentum)
    if running_var is not None:
        _update_running(running_var, var * (n / (n - 1) if n > 1 else float("nan")), momentum)
    return y


@export("instance_norm", method=False)
def instance_norm(input, weight, bias, running_mean, running_var, use_input_stats: bool,
                  momentum: float, eps: float, cudnn_enabled: bool = True):
    """Normalize each (sample, channel) over its spatial dims (torch.instance_norm); running
    statistics are updated with the batch average of the per-instance ones."""
    check_tensor(input, "instance_norm")
    if (running_mean is None) != (running_var is None):
        raise ValueError("running_mean and running_var must either both be None or neither be None")
    c = _channels(input)
    for t, name in ((running_mean, "running_mean"), (running_var, "running_var"),
                    (weight, "weight"), (bias, "bias")):
        _check_numel(t, name, c)
    _check_same_dtype(input, weight, bias)
    if not use_input_stats:
        if running_mean is None:
            raise RuntimeError("Expected running_mean and running_var to be defined when "
                               "use_input_stats is false")
        return _affine_eval(input, weight, bias, running_mean, running_var, eps)
    nd = input.ndim
    y, mean, var = normalize_op(native_instance_norm, input, weight, bias, range(2, nd),
                                (c,) + (1,) * (nd - 2), eps)
    if running_mean is not None:
        n = input.numel() // max(input.shape[0] * c, 1)
        _update_running(running_mean, mean.reshape(-1, c).mean(0), momentum)
        unbiased = var * (n / (n - 1) if n > 1 else float("nan"))
        _update_running(running_var, unbiased.reshape(-1, c).mean(0), momentum)
    return y


@export("group_norm", method=False)
def group_norm(input, num_groups: int, weight=None, bias=None, eps: float = 1e-05,
               cudnn_enabled: bool = True):
    """Normalize groups of channels of each sample, then scale and shift per channel
    (torch.group_norm)."""
    check_tensor(input, "group_norm")
    shape = tuple(input.shape)
    n, c = shape[0], _channels(input)
    if num_groups <= 0 or c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but "
                           f"got input of shape {_size(shape)} and num_groups={num_groups}")
    for t, what in ((weight, "weight"), (bias, "bias")):
        if t is not None and (t.ndim != 1 or t.numel() != c):
            raise RuntimeError(f"Expected {what} to be a vector of size equal to the number of channels "
                               f"in input, but got {what} of shape {_size(t.shape)} and input of shape "
                               f"{_size(shape)}")
    _check_same_dtype(input, weight, bias)
    group = input.numel() // max(n * num_groups, 1)
    return normalize_op(native_group_norm, input, weight, bias, (2,), (c,) + (1,) * (len(shape) - 2),
                        eps, gshape=(n, num_groups, group))[0]


# ------------------------------------------------------------ dropout
def _dropout_impl(input, p, train, feature, alpha, inplace):
    if not 0 <= p <= 1:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p}")
    if p == 0 or not train or input.numel() == 0:
        return input
    if feature and input.ndim < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    if p == 1:
        return input.mul_(0) if inplace else input * registry._make(
            np.zeros((), input._dtype.np), input._dtype, input._device)
    shape = tuple(input.shape)
    noise_shape = shape[:2] + (1,) * (len(shape) - 2) if feature else shape
    gen = _generator(None, input._device)
    if not alpha and not inplace:
        return dropout_op(input, p, gen, noise_shape)[0]
    dt = input._dtype
    keep = gen._rng.random(noise_shape) >= p
    if not alpha:
        noise = keep.astype(dt.np) * dt.np.type(1.0 / (1.0 - p))
        mask = registry._make(input._device.xp.asarray(noise), dt, input._device)
        return input.mul_(mask) if inplace else input * mask
    a = 1.0 / np.sqrt((_ALPHA * _ALPHA * p + 1) * (1 - p))
    noise = registry._make(input._device.xp.asarray((keep * a).astype(dt.np)), dt, input._device)
    shift = registry._make(input._device.xp.asarray(((keep - 1.0) * (_ALPHA * a) + _ALPHA * a * p)
                                                    .astype(dt.np)), dt, input._device)
    return input.mul_(noise).add_(shift) if inplace else input * noise + shift


_ALPHA = 1.7580993408473766  # -SELU's alpha * scale: the value dropped units take


def _dropout_api(name, feature, alpha, inplace, doc):
    def fn(input, p: float, train: bool):
        check_tensor(input, name)
        return _dropout_impl(input, p, train, feature, alpha, inplace)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    export(name, method=False)(fn)
    return fn


dropout = _dropout_api("dropout", False, False, False,
                       "Zero elements with probability p and scale the rest by 1/(1-p) (torch.dropout).")
dropout_ = _dropout_api("dropout_", False, False, True, "In-place torch.dropout.")
feature_dropout = _dropout_api("feature_dropout", True, False, False,
                               "Zero whole channels (dim 1) with probability p (torch.feature_dropout).")
feature_dropout_ = _dropout_api("feature_dropout_", True, False, True, "In-place feature_dropout.")
alpha_dropout = _dropout_api("alpha_dropout", False, True, False,
                             "Dropout that keeps SELU's zero mean and unit variance (torch.alpha_dropout).")
alpha_dropout_ = _dropout_api("alpha_dropout_", False, True, True, "In-place alpha_dropout.")
feature_alpha_dropout = _dropout_api("feature_alpha_dropout", True, True, False,
                                     "Alpha dropout of whole channels (torch.feature_alpha_dropout).")
feature_alpha_dropout_ = _dropout_api("feature_alpha_dropout_", True, True, True,
                                      "In-place feature_alpha_dropout.")


# ---------------------------------------------------------- embedding
def check_indices(indices, fname="embedding"):
    if indices._dtype not in (D.int64, D.int32):
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the following scalar "
                           f"types: Long, Int; but got {indices.type()} instead (while checking arguments "
                           f"for {fname})")


def _check_range(indices, n):
    arr = indices._data
    if arr.size and (int(arr.min()) < 0 or int(arr.max()) >= n):
        raise IndexError("index out of range in self")


@export("embedding", method=False)
def embedding(weight, indices, padding_idx: int = -1, scale_grad_by_freq: bool = False,
              sparse: bool = False):
    """Rows of ``weight`` at ``indices`` (torch.embedding); no gradient reaches row padding_idx."""
    check_tensor(weight, "embedding", "weight")
    check_tensor(indices, "embedding", "indices", 2)
    if weight.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    check_indices(indices)
    if sparse:
        raise NotImplementedError("embedding(sparse=True): sparse gradients are not supported by ember; "
                                  "use sparse=False (dense gradients)")
    _check_range(indices, weight.shape[0])
    pad = padding_idx if padding_idx is not None and padding_idx >= 0 else None
    return embedding_op(weight, indices, pad, scale_grad_by_freq)


@export("embedding_renorm_", method=False)
def embedding_renorm_(input, indices, max_norm: float, norm_type: float):
    """Rescale, in place, the rows of ``input`` named by ``indices`` whose norm exceeds max_norm."""
    check_indices(indices, "embedding_renorm_")
    with grad_mode.no_grad():
        uniq = indices.reshape(-1).unique()
        rows = input.index_select(0, uniq)
        norms = rows.norm(norm_type, dim=1, keepdim=True)
        scale = (max_norm / (norms + 1e-7)).where(norms > max_norm, 1.0)
        input.index_copy_(0, uniq, rows * scale.to(rows.dtype))
    return input
