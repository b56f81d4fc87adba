"""Embedding lookups of torch.nn.functional: embedding (a fused primitive in
ember/ops/nn_norm.py), embedding_bag (lookups reduced per bag) and one_hot."""
from __future__ import annotations

import warnings

import numpy as np

from ... import _dtype as D
from ...autograd import grad_mode
from ...ops import nn_norm as _K

__all__ = ["embedding", "embedding_bag", "one_hot"]


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False):
    """Rows of ``weight`` at the indices ``input`` (F.embedding). Row padding_idx gets no
    gradient; with max_norm, the looked-up rows whose norm exceeds it are rescaled in place."""
    if padding_idx is not None:
        n = weight.size(0)
        if padding_idx > 0 and padding_idx >= n or padding_idx < 0 and padding_idx < -n:
            raise AssertionError("Padding_idx must be within num_embeddings")
        if padding_idx < 0:
            padding_idx = n + padding_idx
    else:
        padding_idx = -1
    if max_norm is not None:
        input = input.contiguous()
        _K.embedding_renorm_(weight.detach(), input, max_norm, norm_type)
    return _K.embedding(weight, input, padding_idx, scale_grad_by_freq, sparse)


def _bag_layout(input, offsets, include_last_offset, per_sample_weights):
    """Flat indices, bag starts and ends (NumPy), and flat per-sample weights."""
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a "
                             "mini-batch of fixed length sequences. However, found offsets of type "
                             f"{type(offsets)}")
        b, length = input.shape
        starts = np.arange(0, b * length, length) if length else np.zeros(b, dtype=np.int64)
        ends = starts + length
        flat = input.reshape(-1)
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
        return flat, starts, ends, per_sample_weights
    if input.dim() != 1:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.dim()}")
    if offsets is None:
        raise ValueError("offsets has to be a 1D Tensor but got None")
    if offsets.dim() != 1:
        raise ValueError("offsets has to be a 1D Tensor")
    _K.check_indices(offsets, "embedding_bag")
    off = np.asarray(offsets.detach().cpu().numpy(), dtype=np.int64)
    n = input.numel()
    if off.size and off[0] != 0:
        raise RuntimeError(f"offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to "
                           f"start from position 0. However, got {off[0]}")
    if off.size and off[-1] > n:
        raise RuntimeError(f"offsets[-1] can not be greater than input's length {n} but got "
                           f"offsets[-1] of {off[-1]}")
    if np.any(np.diff(off) < 0):
        raise RuntimeError(f"offsets must be non-decreasing, but got {off.tolist()}")
    if include_last_offset:
        starts, ends = off[:-1], off[1:]
    else:
        starts, ends = off, np.append(off[1:], n).astype(np.int64)
    return input, starts, ends, per_sample_weights


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type: float = 2,
                  scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights=None, include_last_offset: bool = False, padding_idx=None):
    """Sum, mean or max of the embedding rows in each bag (F.embedding_bag). A 2-D input holds
    one bag per row; a 1-D input is split into bags at ``offsets``. Indices equal to
    padding_idx are left out of their bag (and of its count for 'mean'); empty bags give 0."""
    if weight.dtype is D.int64 and input.is_floating_point():
        warnings.warn("Argument order of nn.functional.embedding_bag was changed. Usage "
                      "`embedding_bag(weight, input, ...)` is deprecated, and should now be "
                      "`embedding_bag(input, weight, ...)`.", stacklevel=2)
        input, weight = weight, input
    if per_sample_weights is not None and tuple(input.shape) != tuple(per_sample_weights.shape):
        raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) is not None, "
                         f"then it must have the same shape as the input ({input.shape})")
    if weight.dim() != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.dim()}")
    _K.check_indices(input, "embedding_bag")
    flat, starts, ends, psw = _bag_layout(input, offsets, include_last_offset, per_sample_weights)
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if mode == "max" and sparse:
        raise ValueError("max mode does not support sparse weights")
    if max_norm is not None:
        _K.embedding_renorm_(weight.detach(), flat, max_norm, norm_type)
    if psw is not None and mode != "sum":
        raise NotImplementedError(
            "embedding_bag: per_sample_weights was not None. per_sample_weights is only supported for "
            f"mode='sum' (got mode='{mode}'). Please open a feature request on GitHub.")
    if psw is not None and psw.dtype is not weight.dtype:
        raise RuntimeError(f"Expected tensor for argument #1 'weight' to have the same type as tensor for "
                           f"argument #1 'per_sample_weights'; but type {weight.type()} does not equal "
                           f"{psw.type()} (while checking arguments for embedding_bag)")
    if sparse:
        raise NotImplementedError("embedding_bag(sparse=True): sparse gradients are not supported by "
                                  "ember; use sparse=False (dense gradients)")
    num = weight.size(0)
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise RuntimeError(f"padding_idx must be within the number of embeddings, -{num} through "
                               f"{num - 1}, but got {padding_idx}")
        padding_idx %= num
    return _reduce_bags(flat, weight, starts, ends, psw, mode, padding_idx, scale_grad_by_freq)


def _reduce_bags(flat, weight, starts, ends, psw, mode, padding_idx, scale_grad_by_freq):
    import ember
    idx = np.asarray(flat.detach().cpu().numpy(), dtype=np.int64)
    num, dim = weight.shape
    bad = np.flatnonzero((idx < 0) | (idx >= num))
    if bad.size:
        raise RuntimeError(f"Index {bad[0]} of input takes value {idx[bad[0]]} which is not in the valid "
                           f"range [0, {num})")
    nbags = len(starts)
    pos = np.arange(idx.size)
    bag = np.searchsorted(starts, pos, side="right") - 1
    if nbags:
        valid = (bag >= 0) & (pos < ends[np.clip(bag, 0, None)])
    else:
        valid = np.zeros(idx.size, dtype=bool)
    if padding_idx is not None:
        valid &= idx != padding_idx
    keep = np.flatnonzero(valid)
    bag = bag[keep]
    dev = weight.device
    keep_t = ember.tensor(keep, device=dev)
    bag_t = ember.tensor(bag, device=dev)
    rows = _K.embedding_op(weight, flat.reshape(-1).index_select(0, keep_t), None, scale_grad_by_freq)
    out = ember.zeros(nbags, dim, dtype=weight.dtype, device=dev)
    if mode == "max":
        return out.scatter_reduce(0, bag_t.unsqueeze(1).expand(len(keep), dim), rows, "amax",
                                  include_self=False)
    if psw is not None:
        rows = rows * psw.index_select(0, keep_t).unsqueeze(1)
    if mode == "mean":
        counts = np.bincount(bag, minlength=nbags)[bag].astype(weight.dtype.np)
        rows = rows / ember.tensor(counts, device=dev).unsqueeze(1)
    return out.index_add(0, bag_t, rows)


def one_hot(tensor, num_classes: int = -1):
    """int64 one-hot encoding with a new last dim of size num_classes (-1: max + 1) (F.one_hot)."""
    import ember
    if tensor.dtype is not D.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    with grad_mode.no_grad():
        if num_classes == -1:
            if tensor.numel() == 0:
                raise RuntimeError("Can not infer total number of classes from empty tensor.")
            num_classes = int(tensor.max()) + 1
        if tensor.numel():
            if int(tensor.min()) < 0:
                raise RuntimeError("Class values must be non-negative.")
            if int(tensor.max()) >= num_classes:
                raise RuntimeError("Class values must be smaller than num_classes.")
        elif num_classes < 0:
            raise RuntimeError("Class values must be smaller than num_classes.")
        classes = ember.arange(num_classes, device=tensor.device)
        return (tensor.unsqueeze(-1) == classes).to(D.int64)
