"""Loss functions (torch.nn.functional's names, signatures and defaults).

The hot ones (cross_entropy with class indices, nll_loss, the binary cross
entropies, ctc_loss) run as fused primitives from ember/ops/nn_loss.py; the
rest are short compositions of ember ops. The margin and embedding losses
live in ``_loss_margin.py`` and are re-exported here.
"""
from __future__ import annotations

import math
import warnings

import ember
from ember.ops import nn_loss as _K
from ember.ops.nn_loss import apply_reduction, check_reduction, legacy_reduction, type_name

from ._loss_margin import (cosine_embedding_loss, hinge_embedding_loss, margin_ranking_loss,
                           multi_margin_loss, multilabel_margin_loss, multilabel_soft_margin_loss,
                           soft_margin_loss, triplet_margin_loss,
                           triplet_margin_with_distance_loss)

__all__ = [
    "l1_loss", "mse_loss", "cross_entropy", "nll_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "kl_div", "smooth_l1_loss", "huber_loss",
    "soft_margin_loss", "multilabel_soft_margin_loss", "multi_margin_loss",
    "multilabel_margin_loss", "margin_ranking_loss", "hinge_embedding_loss",
    "cosine_embedding_loss", "triplet_margin_loss", "triplet_margin_with_distance_loss",
    "poisson_nll_loss", "gaussian_nll_loss", "ctc_loss",
]


def _shape(t) -> tuple:
    return tuple(t.shape)


def _warn_size(input, target):
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(
            f"Using a target size ({target.size()}) that is different to the input size "
            f"({input.size()}). This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.", stacklevel=3)


def _weighted_pointwise(loss, weight, input, reduction):
    """torch's weighted l1/mse: 'mean' divides by the summed weights."""
    if tuple(weight.shape) != tuple(input.shape):
        raise ValueError("Weights and input must have the same size.")
    loss = loss * weight
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    if reduction == "mean":
        return loss.sum() / weight.sum()
    raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'.")


# ------------------------------------------------------- regression
def l1_loss(input, target, size_average=None, reduce=None, reduction: str = "mean", weight=None):
    """Mean absolute error |input - target|, optionally weighted per element."""
    _warn_size(input, target)
    reduction = legacy_reduction(size_average, reduce, reduction)
    input, target = ember.broadcast_tensors(input, target)
    loss = (input - target).abs()
    if weight is not None:
        return _weighted_pointwise(loss, weight, input, reduction)
    return apply_reduction(loss, check_reduction(reduction))


def mse_loss(input, target, size_average=None, reduce=None, reduction: str = "mean", weight=None):
    """Mean squared error (input - target)^2, optionally weighted per element."""
    _warn_size(input, target)
    reduction = legacy_reduction(size_average, reduce, reduction)
    input, target = ember.broadcast_tensors(input, target)
    diff = input - target
    loss = diff * diff
    if weight is not None:
        return _weighted_pointwise(loss, weight, input, reduction)
    return apply_reduction(loss, check_reduction(reduction))


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction: str = "mean",
                   beta: float = 1.0):
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (l1_loss for beta = 0)."""
    _warn_size(input, target)
    reduction = check_reduction(legacy_reduction(size_average, reduce, reduction))
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    input, target = ember.broadcast_tensors(input, target)
    diff = (input - target).abs()
    if beta == 0.0:
        return apply_reduction(diff, reduction)
    loss = ember.where(diff < beta, diff * diff * (0.5 / beta), diff - 0.5 * beta)
    return apply_reduction(loss, reduction)


def huber_loss(input, target, reduction: str = "mean", delta: float = 1.0, weight=None):
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta); optional weights."""
    _warn_size(input, target)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    input, target = ember.broadcast_tensors(input, target)
    diff = (input - target).abs()
    loss = ember.where(diff < delta, diff * diff * 0.5, (diff - 0.5 * delta) * delta)
    if weight is None:
        return apply_reduction(loss, check_reduction(reduction))
    if tuple(weight.shape) != tuple(input.shape):
        raise ValueError("Weights and input must have the same size.")
    loss = loss * weight
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', 'sum'.")
    return apply_reduction(loss, reduction)


# ----------------------------------------------- class-index losses
def _check_float_input(input, kernel):
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{type_name(input.dtype)}'")


def _class_layout(input, target, weight, fname):
    """Validate an (N, C, *d) / (C,) input against class indices; return the
    input as (N, C, *d), the target as (N, *d) and the output shape of 'none'."""
    if input.dim() < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.dim()}) for the {fname} input")
    if target.dtype not in (ember.int64, ember.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got "
                           f"{type_name(target.dtype)} (target of shape {_shape(target)})")
    shapes = f"input of shape {_shape(input)}, target of shape {_shape(target)}"
    C = input.shape[0] if input.dim() == 1 else input.shape[1]
    if weight is not None:
        if weight.numel() != C:
            raise RuntimeError(f"weight tensor should be defined either for all {C} classes or no "
                               f"classes but got weight tensor of shape: {list(weight.shape)}")
        if weight.dtype != input.dtype:
            raise RuntimeError(f"expected scalar type {type_name(input.dtype)} but found "
                               f"{type_name(weight.dtype)} (weight vs input)")
        weight = weight.reshape(-1)
    if input.dim() == 1:
        if target.dim() > 1:
            raise RuntimeError(f"0D or 1D target tensor expected, multi-target not supported "
                               f"({shapes})")
        if target.numel() != 1:
            raise ValueError(f"For 1D input, 1D target must have size 1, but got target size: "
                             f"{target.numel()} ({shapes})")
        return input.unsqueeze(0), target.reshape(1), weight, ()
    if input.shape[0] != (target.shape[0] if target.dim() else 1) or target.dim() == 0:
        tb = target.shape[0] if target.dim() else 1
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
                         f"({tb}). ({shapes})")
    if input.dim() == 2:
        if target.dim() != 1:
            raise RuntimeError(f"0D or 1D target tensor expected, multi-target not supported "
                               f"({shapes})")
    else:
        want = [input.shape[0], *input.shape[2:]]
        if list(target.shape) != want:
            raise RuntimeError(f"Expected target size {want}, got {list(target.shape)} ({shapes})")
    return input, target, weight, None


def nll_loss(input, target, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
             reduction: str = "mean"):
    """Negative log likelihood of class indices: -weight[t] * input[n, t], over
    (C,), (N, C) or (N, C, d1, ...) inputs; ignored targets drop out of the mean."""
    reduction = check_reduction(legacy_reduction(size_average, reduce, reduction))
    x, t, w, unbatched = _class_layout(input, target, weight, "nll_loss")
    out = _K.nll_loss_nd(x, t, w, reduction, ignore_index)
    return out.reshape(()) if unbatched is not None and reduction == "none" else out


def cross_entropy(input, target, weight=None, size_average=None, ignore_index: int = -100,
                  reduce=None, reduction: str = "mean", label_smoothing: float = 0.0):
    """log_softmax over the class dim (dim 1, or 0 for an unbatched input)
    followed by nll_loss; or, when target has input's shape, the cross
    entropy with class probabilities. label_smoothing mixes in the uniform
    distribution."""
    reduction = check_reduction(legacy_reduction(size_average, reduce, reduction))
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if tuple(input.shape) == tuple(target.shape):
        return _cross_entropy_probs(input, target, weight, ignore_index, reduction,
                                    label_smoothing)
    last = input.dim() <= 2
    _check_float_input(input, "log_softmax_lastdim_kernel_impl" if last else "log_softmax_kernel_impl")
    x, t, w, unbatched = _class_layout(input, target, weight, "cross_entropy")
    out = _K.cross_entropy_indices(x, t, w, reduction, ignore_index, label_smoothing)
    return out.reshape(()) if unbatched is not None and reduction == "none" else out


def _cross_entropy_probs(input, target, weight, ignore_index, reduction, label_smoothing):
    if not target.dtype.is_floating_point:
        raise RuntimeError(f"Expected floating point type for target with class probabilities, "
                           f"got {type_name(target.dtype)}")
    if ignore_index >= 0:
        raise RuntimeError("ignore_index is not supported for floating point target")
    class_dim = 0 if input.dim() == 1 else 1
    if input.dim() == 0:
        raise RuntimeError("cross_entropy: expected an input with a class dimension, got a 0-dim "
                           "tensor")
    C = input.shape[class_dim]
    if label_smoothing > 0:
        target = target * (1 - label_smoothing) + label_smoothing / C
    logp = ember.log_softmax(input, class_dim)
    prod = logp * target
    if weight is not None:
        if weight.numel() != C:
            raise RuntimeError(f"weight tensor should be defined either for all {C} classes or no "
                               f"classes but got weight tensor of shape: {list(weight.shape)}")
        shape = [1] * input.dim()
        shape[class_dim] = C
        prod = prod * weight.reshape(shape)
    if reduction == "none":
        return -prod.sum(class_dim)
    if reduction == "sum":
        return -prod.sum()
    return -prod.sum() / (input.numel() / C if C else float("nan"))


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction: str = "mean"):
    """-weight * (t log x + (1 - t) log(1 - x)) with each log clamped at -100."""
    reduction = check_reduction(legacy_reduction(size_average, reduce, reduction))
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Using a target size ({target.size()}) that is different to the input size "
                         f"({input.size()}) is deprecated. Please ensure they have the same size.")
    if weight is not None:
        weight = weight.expand(ember.broadcast_shapes(tuple(target.shape), tuple(weight.shape)))
    return _K.bce(input, target, weight, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction: str = "mean", pos_weight=None):
    """Sigmoid + binary cross entropy in one numerically stable step;
    pos_weight scales the positive term (broadcast over the class dim)."""
    reduction = check_reduction(legacy_reduction(size_average, reduce, reduction))
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({target.size()}) must be the same as input size "
                         f"({input.size()})")
    return _K.bce_with_logits(input, target, weight, pos_weight, reduction)


# ---------------------------------------------- distribution losses
def kl_div(input, target, size_average=None, reduce=None, reduction: str = "mean",
           log_target: bool = False):
    """Pointwise KL divergence target * (log target - input) with input in log
    space (and target too if log_target); 'batchmean' divides the sum by the
    batch size."""
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce, reduction)
    elif reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support "
            "size.'batchmean' divides only by the batch size, and aligns with the KL div math "
            "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
            "major release.", stacklevel=2)
    if reduction == "batchmean":
        out = _kl_div(input, target, "sum", log_target)
        return out / input.shape[0] if input.dim() != 0 else out
    return _kl_div(input, target, check_reduction(reduction), log_target)


def _kl_div(input, target, reduction, log_target):
    if log_target:
        loss = target.exp() * (target - input)
    else:
        loss = ember.xlogy(target, target) - target * input
    return apply_reduction(loss, reduction)


def poisson_nll_loss(input, target, log_input: bool = True, full: bool = False, size_average=None,
                     eps: float = 1e-8, reduce=None, reduction: str = "mean"):
    """Poisson negative log likelihood exp(input) - target * input (or
    input - target * log(input + eps)); full adds the Stirling term."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not a valid value for reduction")
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        stirling = target * target.log() - target + 0.5 * (2 * math.pi * target).log()
        loss = loss + stirling.masked_fill(target <= 1, 0)
    return apply_reduction(loss, reduction)


def gaussian_nll_loss(input, target, var, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean"):
    """0.5 (log var + (input - target)^2 / var) (+ 0.5 log 2 pi if full); var
    is clamped at eps (without stopping its gradient) and may omit the last
    dimension or have one dimension of size 1."""
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = var * ember.ones_like(input)
    elif bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif input.dim() == var.dim() and \
                sum(y for x, y in zip(input.shape, var.shape) if x != y) == 1:
            pass
        else:
            raise ValueError(f"var is of incorrect size (var of shape {_shape(var)}, input of "
                             f"shape {_shape(input)})")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    var = var.clone()
    with ember.no_grad():
        var.clamp_(min=eps)
    diff = input - target
    loss = 0.5 * (var.log() + diff * diff / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return apply_reduction(loss, reduction)


# ------------------------------------------------------------- CTC
def _lengths(value, name, n):
    if isinstance(value, ember.Tensor):
        if value.dtype.is_floating_point or value.dtype.is_complex:
            raise RuntimeError(f"ctc_loss: {name} must be integral, got {type_name(value.dtype)}")
        value = value.to(ember.int64).reshape(-1)
    else:
        value = ember.tensor(list(value) if isinstance(value, (list, tuple)) else [int(value)],
                             dtype=ember.int64)
    if value.numel() != n:
        raise RuntimeError(f"{name} must be of size batch_size ({n}), got {value.numel()}")
    return value


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank: int = 0,
             reduction: str = "mean", zero_infinity: bool = False):
    """Connectionist Temporal Classification loss of (T, N, C) (or unbatched
    (T, C)) log_probs against padded (N, S) or concatenated targets. 'mean'
    divides each loss by its target length, then averages over the batch."""
    reduction = check_reduction(reduction)
    unbatched = log_probs.dim() == 2
    if unbatched:
        log_probs = log_probs.unsqueeze(1)   # 1-D targets read as concatenated, like torch
    if log_probs.dim() != 3:
        raise RuntimeError(f"ctc_loss: expected log_probs of shape (T, N, C) or (T, C), got "
                           f"{_shape(log_probs)}")
    T, N, C = log_probs.shape
    if not 0 <= blank < C:
        raise RuntimeError("blank must be in label range")
    if targets.dtype not in (ember.int64, ember.int32):
        raise RuntimeError(f"ctc_loss: targets must be int32 or int64, got {type_name(targets.dtype)}")
    il = _lengths(input_lengths, "input_lengths", N)
    tl = _lengths(target_lengths, "target_lengths", N)
    il_np, tl_np = il.numpy(), tl.numpy()
    if (il_np > T).any():
        bad = int(il_np.argmax())
        raise RuntimeError(f"Expected input_lengths to have value at most {T}, but got value "
                           f"{int(il_np[bad])} (while checking arguments for ctc_loss_cpu)")
    if (tl_np < 0).any() or (il_np < 0).any():
        raise RuntimeError("ctc_loss: input_lengths and target_lengths must be non-negative")
    if targets.dim() == 2 and targets.shape[0] != N:
        raise RuntimeError(f"ctc_loss: targets of shape {_shape(targets)} do not match batch size {N}")
    if targets.dim() == 2 and N and int(tl_np.max()) > targets.shape[1]:
        n = int(tl_np.argmax())
        raise RuntimeError(f"Expected tensor to have size at least {int(tl_np[n])} at dimension 1, "
                           f"but got size {targets.shape[1]} for argument #2 'targets' (while "
                           f"checking arguments for ctc_loss_cpu)")
    if targets.dim() == 1 and targets.numel() != int(tl_np.sum()):
        raise RuntimeError(f"Expected tensor to have size {int(tl_np.sum())} at dimension 0, but got "
                           f"size {targets.numel()} for argument #2 'targets' (while checking "
                           f"arguments for ctc_loss_cpu): concatenated targets must hold exactly "
                           f"sum(target_lengths) labels")
    out = _K.ctc(log_probs, targets.to(ember.int64), il, tl, blank, reduction, zero_infinity)
    if unbatched and reduction == "none":
        out = out.reshape(())
    return out
