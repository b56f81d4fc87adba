"""Fused loss primitives: cross_entropy with class-index targets, nll_loss,
binary_cross_entropy (with and without logits) and ctc_loss.

Each forward works on whole arrays (the class axis is axis 1 of an
(N, C, d1, ...) input; ctc loops over time only) and reduces in the same
kernel ('none' / 'mean' / 'sum' are passed as the ``reduction`` param).
Backwards are ember ops, so they can be differentiated again;
cross_entropy's backward is itself a fused op (``cross_entropy_loss_backward``)
with its own backward. ctc's gradient comes from the beta recursion and is,
like torch's, first order only in ``log_probs``.

The torch-namespace spellings (torch.binary_cross_entropy_with_logits,
torch.kl_div, torch.ctc_loss ...) take the reduction as torch's integer
enum and forward to ember.nn.functional. Their default reduction is 0 (none):
torch 2.13's Python bindings read the schema default ``at::Reduction::Mean``
as 0, so ``torch.kl_div(a, b)`` does not reduce; ember does the same.
"""
from __future__ import annotations

import numpy as np

from .. import _dtype as D
from ._api import export
from .registry import cacheable, INPUTS, OUTPUT, defop, dispatch

_REDUCTIONS = ("none", "mean", "sum")


@cacheable
def _keep_input_dtype(args, params):
    """No casts (targets stay integer); the result has the input's dtype."""
    d = args[0]._dtype
    return None, d


@cacheable
def _input_dtype(args, params):
    """Compute in, and return, the input's dtype (weights and targets are cast to it)."""
    d = args[0]._dtype
    if d.category < D.FLOAT:
        d = D.get_default_dtype()
    return d, d


def _const(array, like):
    """A constant ember Tensor (no history) with ``like``'s dtype and device."""
    from . import registry
    if array.dtype != like._dtype.np:
        array = array.astype(like._dtype.np)
    return registry._make(array, like._dtype, like._device)


def _flat_index(xp, target, C):
    """Flat positions of x[n, target[n, ...], ...] in a contiguous (N, C, *d) array."""
    N = target.shape[0]
    inner = int(np.prod(target.shape[1:], dtype=np.int64))
    base = xp.arange(N, dtype=np.int64).reshape((N,) + (1,) * (target.ndim - 1)) * (C * inner)
    if inner > 1:
        base = base + xp.arange(inner, dtype=np.int64).reshape(target.shape[1:])
    return base + target.astype(np.int64, copy=False) * inner


def _class_targets(xp, target, weight, C, ignore_index, dtype):
    """(safe targets, valid mask or None, per-target weights or None); the
    weights are None only without a weight and without ignored targets."""
    if target.size:   # fast path: every target a class and none ignored (two reductions)
        lo, hi = int(target.min()), int(target.max())
        if lo >= 0 and hi < C and not lo <= ignore_index <= hi:
            return target, None, (None if weight is None else weight[target])
    valid = target != ignore_index
    all_valid = bool(valid.all())
    if all_valid:
        bad = (target < 0) | (target >= C)
        safe = target
    else:
        bad = valid & ((target < 0) | (target >= C))
        safe = xp.where(valid, target, 0)
    if bool(bad.any()):
        raise IndexError(f"Target {int(target[bad].reshape(-1)[0])} is out of bounds.")
    wt = None if weight is None else weight[safe]
    if not all_valid:
        wt = valid.astype(dtype) if wt is None else xp.where(valid, wt, 0).astype(dtype)
    return safe, (None if all_valid else valid), wt


def _reduce(xp, loss, reduction, denom):
    if reduction == "none":
        return loss
    total = loss.sum(dtype=loss.dtype)
    if reduction == "sum":
        return xp.asarray(total)
    with np.errstate(invalid="ignore", divide="ignore"):
        return xp.asarray(total / denom).astype(loss.dtype)


def _denominator(wt, target, dtype):
    """Mean divides by the summed weights of the non-ignored targets."""
    if wt is None:
        return np.asarray(target.size, dtype=dtype)
    return wt.sum(dtype=dtype)


# ------------------------------------------------------- cross_entropy
@defop("cross_entropy_loss", dtypes=_keep_input_dtype, saves=INPUTS | OUTPUT, nout=3,
       diff_outputs=(0,))
def _cross_entropy(xp, x, target, weight, reduction, ignore_index, label_smoothing):
    C = x.shape[1]
    top = x.max(axis=1, keepdims=True)
    shifted = x - top
    if not x.flags.c_contiguous:
        shifted = xp.ascontiguousarray(shifted)
    with np.errstate(divide="ignore"):
        lse = xp.log(xp.exp(shifted).sum(axis=1, keepdims=True))
    safe, valid, wt = _class_targets(xp, target, weight, C, ignore_index, x.dtype)
    picked = shifted.reshape(-1)[_flat_index(xp, safe, C)] - lse[:, 0]
    loss = -picked if wt is None else picked * -wt
    if label_smoothing > 0:
        logp = shifted - lse
        if weight is not None:
            logp *= weight.reshape((1, C) + (1,) * (x.ndim - 2))
        smooth = -logp.sum(axis=1)
        if valid is not None:
            smooth = xp.where(valid, smooth, 0)
        loss = (1 - label_smoothing) * loss + (label_smoothing / C) * smooth
    loss = loss.astype(x.dtype, copy=False)
    denom = _denominator(wt, target, x.dtype) if reduction == "mean" else None
    # the row max and the log-sum-exp of the shifted row, kept apart so that
    # backward's exp((x - max) - lse) is exact for logits of any magnitude
    return _reduce(xp, loss, reduction, denom), top, lse


@_cross_entropy.defgrad
def _(ctx, g, _g_top, _g_lse):
    x, target, weight = ctx.inputs
    top, lse = ctx.saved_output(1), ctx.saved_output(2)
    return dispatch(_cross_entropy_backward, (g, x, top, lse, target, weight), ctx.params), None, None


def _ce_terms(xp, target, weight, C, ignore_index, eps, dtype):
    """The target distribution's coefficient at the target class and its total S
    (numbers or per-target arrays)."""
    safe, valid, wt = _class_targets(xp, target, weight, C, ignore_index, dtype)
    base = 1.0 if wt is None else wt
    coef = (1 - eps) * base
    scale = base
    if eps > 0:
        wsum = float(weight.sum()) if weight is not None else float(C)
        vm = 1.0 if valid is None else valid.astype(dtype)
        scale = coef + (eps / C * wsum) * vm
    return safe, valid, wt, coef, scale


@defop("cross_entropy_loss_backward", dtypes=_keep_input_dtype, saves=INPUTS)
def _cross_entropy_backward(xp, g, x, top, lse, target, weight, reduction, ignore_index,
                            label_smoothing):
    C, eps = x.shape[1], label_smoothing
    grad = x - top
    if not grad.flags.c_contiguous:
        grad = xp.ascontiguousarray(grad)
    grad -= lse
    xp.exp(grad, out=grad)
    safe, valid, wt, coef, scale = _ce_terms(xp, target, weight, C, ignore_index, eps, x.dtype)
    with np.errstate(divide="ignore", invalid="ignore"):
        G = g / _denominator(wt, target, x.dtype) if reduction == "mean" else g
    if valid is not None:   # ignored targets get zero gradient, even when G is not finite
        G = xp.where(valid, G, 0)
    scale_g = scale * G
    grad *= scale_g[:, None] if np.ndim(scale_g) else scale_g
    grad.reshape(-1)[_flat_index(xp, safe, C)] -= coef * G
    if eps > 0:
        w = weight.reshape((1, C) + (1,) * (x.ndim - 2)) if weight is not None else 1.0
        vg = G if valid is None else xp.where(valid, G, 0)
        vg = xp.broadcast_to(xp.asarray(vg, dtype=x.dtype), target.shape)
        grad -= (eps / C) * w * vg[:, None]
    return grad.astype(x.dtype, copy=False)


@_cross_entropy_backward.defgrad
def _(ctx, v):
    """The fused backward is G * (softmax(x) * S - A): differentiate in g and x."""
    from .special import softmax
    g, x, _top, _lse, target, weight = ctx.inputs
    p = ctx.params
    xp = x._device.xp
    C, eps = x.shape[1], p["label_smoothing"]
    t, w = target._data, (None if weight is None else weight._data)
    safe, valid, wt, coef, scale = _ce_terms(xp, t, w, C, p["ignore_index"], eps, x._dtype.np)
    dense = xp.zeros(x.shape, dtype=x._dtype.np)
    dense.reshape(-1)[_flat_index(xp, safe, C)] = coef
    if eps > 0:
        wb = w.reshape((1, C) + (1,) * (x.ndim - 2)) if w is not None else 1.0
        vm = 1.0 if valid is None else valid[:, None]
        dense += (eps / C) * wb * vm
    scale = xp.broadcast_to(xp.asarray(scale, dtype=x._dtype.np), t.shape)
    if p["reduction"] == "mean":   # fold 1 / denominator into the constants
        with np.errstate(divide="ignore", invalid="ignore"):
            denom = _denominator(wt, t, x._dtype.np)
            scale, dense = scale / denom, dense / denom
        if valid is not None:
            scale = xp.where(valid, scale, 0)
            dense = xp.where(valid[:, None], dense, 0)
    S, A = _const(xp.ascontiguousarray(scale)[:, None], x), _const(dense, x)
    G = g.unsqueeze(1) if p["reduction"] == "none" else g
    sm = softmax(x, 1)
    gg = gx = None
    if ctx.needs_input_grad[0]:
        per = (v * (sm * S - A)).sum(1)
        gg = per if p["reduction"] == "none" else per.sum()
    if ctx.needs_input_grad[1]:
        u = v * (S * G)
        gx = sm * (u - (sm * u).sum(1, keepdim=True))
    return gg, gx, None, None, None, None


def cross_entropy_indices(input, target, weight, reduction, ignore_index, label_smoothing):
    """Fused log_softmax + nll on an (N, C, *d) input with (N, *d) class indices."""
    return dispatch(_cross_entropy, (input, target, weight), {
        "reduction": reduction, "ignore_index": ignore_index,
        "label_smoothing": float(label_smoothing)})[0]


# ------------------------------------------------------------ nll_loss
@defop("nll_loss", dtypes=_keep_input_dtype, saves=INPUTS)
def _nll_loss(xp, x, target, weight, reduction, ignore_index):
    C = x.shape[1]
    safe, valid, wt = _class_targets(xp, target, weight, C, ignore_index, x.dtype)
    picked = xp.ascontiguousarray(x).reshape(-1)[_flat_index(xp, safe, C)]
    loss = -picked if wt is None else picked * -wt
    loss = loss.astype(x.dtype, copy=False)
    denom = _denominator(wt, target, x.dtype) if reduction == "mean" else None
    return _reduce(xp, loss, reduction, denom)


@_nll_loss.defgrad
def _(ctx, g):
    x, target, weight = ctx.inputs
    p = ctx.params
    xp = x._device.xp
    t, w = target._data, (None if weight is None else weight._data)
    safe, valid, wt = _class_targets(xp, t, w, x.shape[1], p["ignore_index"], x._dtype.np)
    coef = -1.0 if wt is None else -wt
    if p["reduction"] == "mean":
        with np.errstate(divide="ignore", invalid="ignore"):
            coef = coef / _denominator(wt, t, x._dtype.np)
        if valid is not None:   # ignored targets get zero gradient, even for a zero denominator
            coef = xp.where(valid, coef, 0)
    dense = xp.zeros(x.shape, dtype=x._dtype.np)
    dense.reshape(-1)[_flat_index(xp, safe, x.shape[1])] = coef
    A = _const(dense, x)
    return (g.unsqueeze(1) if p["reduction"] == "none" else g) * A, None, None


def nll_loss_nd(input, target, weight, reduction, ignore_index):
    """Negative log likelihood of class indices on an (N, C, *d) input."""
    return dispatch(_nll_loss, (input, target, weight),
                    {"reduction": reduction, "ignore_index": ignore_index})


# --------------------------------------------------- binary cross entropy
def _grad_scale(g, reduction, numel):
    if reduction == "mean":
        return g / numel if numel else g * float("nan")
    return g


@defop("binary_cross_entropy", dtypes=_input_dtype, saves=INPUTS)
def _bce(xp, x, y, weight, reduction):
    if bool(((x < 0) | (x > 1)).any()):
        raise RuntimeError("all elements of input should be between 0 and 1")
    with np.errstate(divide="ignore", invalid="ignore"):
        log_x = xp.maximum(xp.log(x), -100)
        log_1mx = xp.maximum(xp.log1p(-x), -100)
    loss = (y - 1) * log_1mx - y * log_x
    if weight is not None:
        loss = loss * weight
    loss = xp.broadcast_to(loss, x.shape).astype(x.dtype, copy=False)
    return _reduce(xp, loss, reduction, loss.size)


@_bce.defgrad
def _(ctx, g):
    x, y, weight = ctx.inputs
    reduction = ctx.params["reduction"]
    G = _grad_scale(g, reduction, x.numel())
    if weight is not None:
        G = G * weight
    gx = gy = None
    if ctx.needs_input_grad[0]:
        gx = G * (x - y) / ((1 - x) * x).clamp_min(1e-12)
    if ctx.needs_input_grad[1]:
        gy = -G * x.logit()
    return gx, gy, None


@defop("binary_cross_entropy_with_logits", dtypes=_input_dtype, saves=INPUTS)
def _bce_logits(xp, x, y, weight, pos_weight, reduction):
    # log(1 + exp(-x)) computed without overflow
    softplus_neg = xp.maximum(-x, 0) + xp.log1p(xp.exp(-xp.abs(x)))
    if pos_weight is None:
        loss = (1 - y) * x + softplus_neg
    else:
        loss = (1 - y) * x + (1 + (pos_weight - 1) * y) * softplus_neg
    if weight is not None:
        loss = loss * weight
    loss = xp.broadcast_to(loss, x.shape).astype(x.dtype, copy=False)
    return _reduce(xp, loss, reduction, loss.size)


@_bce_logits.defgrad
def _(ctx, g):
    from .elementwise import _logaddexp
    x, y, weight, pos_weight = ctx.inputs
    G = _grad_scale(g, ctx.params["reduction"], x.numel())
    if weight is not None:
        G = G * weight
    gx = gy = None
    if ctx.needs_input_grad[0]:
        if pos_weight is None:
            gx = G * (x.sigmoid() - y)
        else:
            lw = (pos_weight - 1) * y + 1
            gx = G * (lw * x.sigmoid() - lw + 1 - y)
    if ctx.needs_input_grad[1]:
        if pos_weight is None:
            gy = -G * x
        else:
            softplus_neg = dispatch(_logaddexp, (-x, _const(x._device.xp.zeros((), x._dtype.np), x)))
            gy = G * ((pos_weight - 1) * softplus_neg - x)
    return gx, gy, None, None


def bce(input, target, weight, reduction):
    return dispatch(_bce, (input, target, weight), {"reduction": reduction})


def bce_with_logits(input, target, weight, pos_weight, reduction):
    return dispatch(_bce_logits, (input, target, weight, pos_weight), {"reduction": reduction})


# ------------------------------------------------------------- ctc_loss
def _lse3(xp, a, b, c):
    m = xp.maximum(xp.maximum(a, b), c)
    safe = xp.where(xp.isfinite(m), m, 0)
    with np.errstate(divide="ignore"):
        return xp.log(xp.exp(a - safe) + xp.exp(b - safe) + xp.exp(c - safe)) + safe


def _ctc_setup(xp, lp, targets, target_lengths, blank):
    """Extended labels l' (blank, l1, blank, l2, ..., blank) per batch entry,
    padded to 2 * max(S) + 1, and the mask of states allowed to skip two back."""
    N = lp.shape[1]
    S = int(target_lengths.max()) if N else 0
    L = 2 * S + 1
    if targets.ndim == 1:  # concatenated targets
        starts = xp.concatenate([xp.zeros(1, np.int64), xp.cumsum(target_lengths)[:-1]])
        pos = starts[:, None] + xp.arange(S)[None, :]
        inside = xp.arange(S)[None, :] < target_lengths[:, None]
        padded = xp.where(inside, targets[xp.minimum(pos, max(targets.size - 1, 0))]
                          if targets.size else 0, blank)
    else:
        padded = targets[:, :S]
        inside = xp.arange(S)[None, :] < target_lengths[:, None]
        padded = xp.where(inside, padded, blank)
    ext = xp.full((N, L), blank, dtype=np.int64)
    ext[:, 1::2] = padded
    ext = xp.clip(ext, 0, lp.shape[2] - 1)
    skip = xp.zeros((N, L), dtype=bool)
    if L > 2:
        skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
    return ext, skip


@defop("ctc_loss", dtypes=_keep_input_dtype, saves=INPUTS | OUTPUT, nout=3, diff_outputs=(0,))
def _ctc(xp, lp, targets, input_lengths, target_lengths, blank, reduction, zero_infinity):
    work = lp.astype(np.float64)
    T, N, _ = work.shape
    ext, skip = _ctc_setup(xp, work, targets, target_lengths, blank)
    L = ext.shape[1]
    emit = xp.take_along_axis(work, xp.broadcast_to(ext[None], (T, N, L)), axis=2)  # (T, N, L)
    alpha = xp.full((T, N, L), -np.inf)
    if T:
        alpha[0, :, 0] = emit[0, :, 0]
        if L > 1:
            alpha[0, :, 1] = emit[0, :, 1]
    ninf = xp.full((N, 1), -np.inf)
    ninf2 = xp.full((N, 2), -np.inf)
    for t in range(1, T):
        prev = alpha[t - 1]
        one = xp.concatenate([ninf, prev[:, :-1]], axis=1)
        two = xp.where(skip, xp.concatenate([ninf2, prev[:, :-2]], axis=1)[:, :L], -np.inf)
        alpha[t] = emit[t] + _lse3(xp, prev, one, two)
    rows = xp.arange(N)
    last_t = xp.clip(input_lengths - 1, 0, max(T - 1, 0))
    end = alpha[last_t, rows] if T else xp.full((N, L), -np.inf)
    a_end = end[rows, 2 * target_lengths]
    a_before = xp.where(target_lengths > 0, end[rows, xp.maximum(2 * target_lengths - 1, 0)], -np.inf)
    with np.errstate(divide="ignore", invalid="ignore"):
        nll = -xp.logaddexp(a_end, a_before)
    loss = xp.where(xp.isinf(nll), 0.0, nll) if zero_infinity else nll
    if reduction == "mean":
        out = xp.asarray((loss / xp.maximum(target_lengths, 1)).mean())
    elif reduction == "sum":
        out = xp.asarray(loss.sum())
    else:
        out = loss
    return out.astype(lp.dtype), nll.astype(lp.dtype), alpha


def _ctc_grad(xp, lp, targets, input_lengths, target_lengths, nll, alpha, blank, zero_infinity):
    """torch's gradient w.r.t. log_probs: exp(lp) - posterior(class) per (t, n)."""
    work = lp.astype(np.float64)
    T, N, C = work.shape
    ext, skip = _ctc_setup(xp, work, targets, target_lengths, blank)
    L = ext.shape[1]
    emit = xp.take_along_axis(work, xp.broadcast_to(ext[None], (T, N, L)), axis=2)
    end_state = xp.arange(L)[None, :]
    is_end = (end_state == 2 * target_lengths[:, None]) | \
        ((end_state == 2 * target_lengths[:, None] - 1) & (target_lengths[:, None] > 0))
    beta = xp.full((T, N, L), -np.inf)
    nxt = xp.full((N, L), -np.inf)
    ninf = xp.full((N, 1), -np.inf)
    ninf2 = xp.full((N, 2), -np.inf)
    skip_from = xp.concatenate([skip[:, 2:], xp.zeros((N, 2), bool)], axis=1)[:, :L]
    for t in range(T - 1, -1, -1):
        one = xp.concatenate([nxt[:, 1:], ninf], axis=1)
        two = xp.where(skip_from, xp.concatenate([nxt[:, 2:], ninf2], axis=1)[:, :L], -np.inf)
        rec = emit[t] + _lse3(xp, nxt, one, two)
        init = xp.where(is_end, emit[t], -np.inf)
        tt = input_lengths[:, None] - 1
        cur = xp.where(t == tt, init, xp.where(t < tt, rec, -np.inf))
        beta[t] = cur
        nxt = cur
    nll64 = nll.astype(np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        post = xp.exp(alpha + beta + nll64[None, :, None])   # (T, N, L)
    onehot = (ext[:, :, None] == xp.arange(C)[None, None, :]).astype(np.float64)   # (N, L, C)
    summed = xp.matmul(post.transpose(1, 0, 2), onehot).transpose(1, 0, 2)           # (T, N, C)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        grad = xp.exp(work) - xp.exp(xp.log(summed) - work)
    active = xp.arange(T)[:, None] < input_lengths[None, :]
    grad = xp.where(active[:, :, None], grad, 0.0)
    if zero_infinity:
        grad = xp.where(xp.isinf(nll64)[None, :, None], 0.0, grad)
    return grad.astype(lp.dtype)


@_ctc.defgrad
def _(ctx, g, _g_nll, _g_alpha):
    lp, targets, input_lengths, target_lengths = ctx.inputs
    p = ctx.params
    xp = lp._device.xp
    nll, alpha = ctx.saved_output(1), ctx.saved_output(2)
    raw = _ctc_grad(xp, lp._data, targets._data, input_lengths._data, target_lengths._data,
                    nll._data, alpha._data, p["blank"], p["zero_infinity"])
    raw = _const(raw, lp)
    if p["reduction"] == "none":
        scale = g.reshape(1, -1, 1)
    elif p["reduction"] == "sum":
        scale = g
    else:
        n = lp.shape[1]
        per = 1.0 / np.maximum(target_lengths._data.astype(np.float64), 1) / n
        scale = g * _const(xp.asarray(per).reshape(1, -1, 1), lp)
    return raw * scale, None, None, None


def ctc(log_probs, targets, input_lengths, target_lengths, blank, reduction, zero_infinity):
    """CTC loss on (T, N, C) log_probs with int64 length tensors."""
    return dispatch(_ctc, (log_probs, targets, input_lengths, target_lengths), {
        "blank": blank, "reduction": reduction, "zero_infinity": bool(zero_infinity)})[0]


# ---------------------------------------------- reduction helpers
def legacy_reduction(size_average, reduce, reduction):
    """Map the deprecated size_average / reduce flags to a reduction string,
    with torch's warning; without them, ``reduction`` is returned unchanged."""
    if size_average is None and reduce is None:
        return reduction
    import warnings
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    result = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use "
                  f"reduction='{result}' instead.", stacklevel=3)
    return result


def check_reduction(reduction):
    """torch's ValueError for an unknown reduction ('elementwise_mean' is 'mean')."""
    if reduction in _REDUCTIONS:
        return reduction
    if reduction == "elementwise_mean":
        import warnings
        warnings.warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' "
                      "instead.", stacklevel=3)
        return "mean"
    raise ValueError(f"{reduction} is not a valid value for reduction")


def apply_reduction(loss, reduction):
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def type_name(d):
    """torch's scalar type name of an ember dtype (Float, Long ...)."""
    from .registry import _torch_type_name
    return _torch_type_name(d)


# ------------------------------------------------- torch.* spellings
def _reduction_name(reduction):
    if isinstance(reduction, str):
        return reduction
    if reduction not in (0, 1, 2):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return _REDUCTIONS[reduction]


def _F():
    from ..nn.functional import loss
    return loss


@export("binary_cross_entropy_with_logits", method=False)
def _t_bce_logits(input, target, weight=None, pos_weight=None, reduction: int = 0):
    """torch.binary_cross_entropy_with_logits (reduction as torch's enum)."""
    return _F().binary_cross_entropy_with_logits(input, target, weight, reduction=_reduction_name(
        reduction), pos_weight=pos_weight)


@export("kl_div", method=False)
def _t_kl_div(input, target, reduction: int = 0, *, log_target: bool = False):
    """torch.kl_div (reduction as torch's enum)."""
    return _F()._kl_div(input, target, _reduction_name(reduction), log_target)


@export("margin_ranking_loss", method=False)
def _t_margin_ranking(input1, input2, target, margin: float = 0.0, reduction: int = 0):
    """torch.margin_ranking_loss (reduction as torch's enum)."""
    return _F().margin_ranking_loss(input1, input2, target, margin,
                                    reduction=_reduction_name(reduction))


@export("hinge_embedding_loss", method=False)
def _t_hinge(input, target, margin: float = 1.0, reduction: int = 0):
    """torch.hinge_embedding_loss (reduction as torch's enum)."""
    return _F().hinge_embedding_loss(input, target, margin, reduction=_reduction_name(reduction))


@export("cosine_embedding_loss", method=False)
def _t_cosine(input1, input2, target, margin: float = 0.0, reduction: int = 0):
    """torch.cosine_embedding_loss (reduction as torch's enum)."""
    return _F().cosine_embedding_loss(input1, input2, target, margin,
                                      reduction=_reduction_name(reduction))


@export("triplet_margin_loss", method=False)
def _t_triplet(anchor, positive, negative, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6,
               swap: bool = False, reduction: int = 0):
    """torch.triplet_margin_loss (reduction as torch's enum)."""
    return _F().triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap,
                                    reduction=_reduction_name(reduction))


@export("poisson_nll_loss", method=False)
def _t_poisson(input, target, log_input: bool, full: bool, eps: float, reduction: int):
    """torch.poisson_nll_loss (reduction as torch's enum)."""
    return _F().poisson_nll_loss(input, target, log_input, full, eps=eps,
                                 reduction=_reduction_name(reduction))


@export("ctc_loss", method=False)
def _t_ctc(log_probs, targets, input_lengths, target_lengths, blank: int = 0, reduction: int = 0,
           zero_infinity: bool = False):
    """torch.ctc_loss (reduction as torch's enum)."""
    return _F().ctc_loss(log_probs, targets, input_lengths, target_lengths, blank,
                         _reduction_name(reduction), zero_infinity)

