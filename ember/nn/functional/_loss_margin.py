"""Margin, ranking and embedding losses, composed of ember ops (re-exported
by ember.nn.functional.loss)."""
from __future__ import annotations

import ember
from ember.ops.nn_loss import apply_reduction, check_reduction, legacy_reduction, type_name

__all__ = [
    "soft_margin_loss", "multilabel_soft_margin_loss", "multi_margin_loss",
    "multilabel_margin_loss", "margin_ranking_loss", "hinge_embedding_loss",
    "cosine_embedding_loss", "triplet_margin_loss", "triplet_margin_with_distance_loss",
]

_COSINE_EPS = 1e-12


def _reduction(size_average, reduce, reduction):
    return check_reduction(legacy_reduction(size_average, reduce, reduction))


def _log_sigmoid(x):
    """log(sigmoid(x)) = -log(1 + exp(-x)), without overflow."""
    zero = ember.zeros((), dtype=x.dtype, device=x.device)
    return -ember.logaddexp(-x, zero)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction: str = "mean"):
    """log(1 + exp(-target * input)) for targets in {1, -1}."""
    reduction = _reduction(size_average, reduce, reduction)
    return apply_reduction((-input * target).exp().log1p(), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction: str = "mean"):
    """Per-class logistic loss averaged over the classes (the last dim)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    loss = -(target * _log_sigmoid(input) + (1 - target) * _log_sigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.dim() - 1
    loss = loss.sum(class_dim) / input.shape[class_dim]
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    return apply_reduction(loss, reduction)


def _frames(input, fname):
    """(nframe, dim) of a 0-d, (C,) or (N, C) input, with torch's shape check."""
    nd = input.dim()
    if not ((nd == 2 and input.shape[1] != 0) or (nd == 1 and input.shape[0] != 0) or nd == 0):
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch size, "
                           f"but got: {list(input.shape)} ({fname})")
    nframe = 1 if nd <= 1 else input.shape[0]
    dim = 1 if nd == 0 else input.shape[-1]
    return nframe, dim


def multi_margin_loss(input, target, p: int = 1, margin: float = 1.0, weight=None,
                      size_average=None, reduce=None, reduction: str = "mean"):
    """Multi-class hinge loss sum_{i != y} max(0, margin - x[y] + x[i])^p * w[y] / C."""
    reduction = _reduction(size_average, reduce, reduction)
    if p != 1 and p != 2:
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.dim() != 1:
        raise ValueError("weight must be one-dimensional")
    nframe, dim = _frames(input, "multi_margin_loss")
    if target.dim() > 1 or target.numel() != nframe:
        raise RuntimeError(f"inconsistent target size, expected {nframe} but got "
                           f"{list(target.shape)} (input of shape {tuple(input.shape)})")
    if weight is not None and weight.numel() != dim:
        raise RuntimeError(f"inconsistent weight size, expected {dim} but got {list(weight.shape)}")
    if target.numel() and bool(((target < 0) | (target >= dim)).any()):
        raise RuntimeError(f"target out of range: targets must lie in [0, {dim}) for input of "
                           f"shape {tuple(input.shape)}")
    x = input.reshape(nframe, dim)
    t = target.reshape(nframe, 1)
    z = (margin - x.gather(1, t) + x).relu()
    if p == 2:
        z = z * z
    if weight is not None:
        z = z * weight[t]
    others = ember.arange(dim, device=x.device).unsqueeze(0) != t
    loss = (z * others).sum(1) / dim
    if input.dim() < 2:
        loss = loss.reshape(tuple(target.shape))
    return apply_reduction(loss, reduction)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction: str = "mean"):
    """Multi-label hinge loss: for each listed target j (up to the first -1) and
    each class i not listed, max(0, 1 - (x[j] - x[i])), divided by C."""
    reduction = _reduction(size_average, reduce, reduction)
    nframe, dim = _frames(input, "multilabel_margin_loss")
    if tuple(target.shape) != tuple(input.shape) and not (input.dim() <= 1 and target.numel() == dim):
        raise RuntimeError(f"inconsistent target size: {list(target.shape)} for input of size: "
                           f"{list(input.shape)}")
    if target.dtype != ember.int64:
        raise RuntimeError(f"multilabel_margin_loss: expected target of dtype Long, got "
                           f"{type_name(target.dtype)}")
    x = input.reshape(nframe, dim)
    t = target.reshape(nframe, dim)
    listed = (t == -1).cumsum(1) == 0
    if bool((listed & ((t < 0) | (t >= dim))).any()):
        raise RuntimeError(f"multilabel_margin_loss: target out of range: labels must lie in "
                           f"[0, {dim}) before the first -1")
    counts = ember.zeros((nframe, dim), dtype=x.dtype, device=x.device).scatter_add(
        1, t.masked_fill(~listed, 0), listed.to(x.dtype))
    others = (counts == 0).to(x.dtype)
    pair = (1 - x.unsqueeze(2) + x.unsqueeze(1)).relu()     # [n, j, i]
    loss = (pair * counts.unsqueeze(2) * others.unsqueeze(1)).sum((1, 2)) / dim
    if input.dim() < 2:
        loss = loss.reshape(())
    return apply_reduction(loss, reduction)


def margin_ranking_loss(input1, input2, target, margin: float = 0, size_average=None, reduce=None,
                        reduction: str = "mean"):
    """max(0, -target * (input1 - input2) + margin)."""
    reduction = _reduction(size_average, reduce, reduction)
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError(
            f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
            f"input1: {input1.size()}, input2: {input2.size()}, target: {target.size()} ")
    return apply_reduction((-target * (input1 - input2) + margin).clamp_min(0), reduction)


def hinge_embedding_loss(input, target, margin: float = 1.0, size_average=None, reduce=None,
                         reduction: str = "mean"):
    """input where target is 1, max(0, margin - input) where target is -1."""
    reduction = _reduction(size_average, reduce, reduction)
    zeros = ember.zeros_like(input)
    margin_part = ember.where(target != 1, (margin - input).clamp_min(0), zeros)
    self_part = ember.where(target != -1, input, zeros)
    return apply_reduction(margin_part + self_part, reduction)


def cosine_embedding_loss(input1, input2, target, margin: float = 0, size_average=None,
                          reduce=None, reduction: str = "mean"):
    """1 - cos(x1, x2) where target is 1, max(0, cos(x1, x2) - margin) where it is -1."""
    reduction = _reduction(size_average, reduce, reduction)
    td = target.dim()
    if td not in (0, 1):
        raise RuntimeError(f"0D or 1D target tensor expected, multi-target not supported "
                           f"(target of shape {tuple(target.shape)})")
    if td == 1 and (input1.dim() != 2 or input2.dim() != 2):
        raise RuntimeError(f"1D target tensor expects 2D input tensors, but found inputs with sizes "
                           f"{list(input1.shape)} and {list(input2.shape)}.")
    if td == 0 and (input1.dim() != 1 or input2.dim() != 1):
        raise RuntimeError(f"0D target tensor expects 1D input tensors, but found inputs with sizes "
                           f"{list(input1.shape)} and {list(input2.shape)}.")
    prod = (input1 * input2).sum(td)
    mag1 = (input1 * input1).sum(td) + _COSINE_EPS
    mag2 = (input2 * input2).sum(td) + _COSINE_EPS
    cos = prod / (mag1 * mag2).sqrt()
    zeros = ember.zeros_like(cos)
    pos = ember.where(target == 1, 1 - cos, zeros)
    neg = ember.where(target == -1, (cos - margin).clamp_min(0), zeros)
    return apply_reduction(pos + neg, reduction)


def _pairwise_distance(x1, x2, p=2.0, eps=1e-6):
    """||x1 - x2 + eps||_p over the last dimension (torch.pairwise_distance)."""
    return (x1 - x2 + eps).norm(p, dim=-1)


def _check_triplet_dims(anchor, positive, negative):
    a, p, n = anchor.dim(), positive.dim(), negative.dim()
    if not a == p == n:
        raise RuntimeError(
            f"The anchor, positive, and negative tensors are expected to have the same number of "
            f"dimensions, but got: anchor {a}D, positive {p}D, and negative {n}D inputs")


def triplet_margin_loss(anchor, positive, negative, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, size_average=None, reduce=None,
                        reduction: str = "mean"):
    """max(0, margin + d(a, p) - d(a, n)) with the p-norm distance; swap uses
    min(d(a, n), d(p, n))."""
    reduction = _reduction(size_average, reduce, reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _check_triplet_dims(anchor, positive, negative)
    d_pos = _pairwise_distance(anchor, positive, p, eps)
    d_neg = _pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = ember.minimum(d_neg, _pairwise_distance(positive, negative, p, eps))
    return apply_reduction((margin + d_pos - d_neg).clamp_min(0), reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin: float = 1.0, swap: bool = False,
                                      reduction: str = "mean"):
    """triplet_margin_loss with any distance function (default: pairwise_distance)."""
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _check_triplet_dims(anchor, positive, negative)
    dist = distance_function if distance_function is not None else _pairwise_distance
    d_pos = dist(anchor, positive)
    d_neg = dist(anchor, negative)
    if swap:
        d_neg = ember.minimum(d_neg, dist(positive, negative))
    return apply_reduction((margin + d_pos - d_neg).clamp_min(0), reduction)
