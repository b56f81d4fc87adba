"""Normalization functions of torch.nn.functional: batch, instance, layer, group
and RMS norm (one fused primitive in ember/ops/nn_norm.py), local response
norm and normalize (composites)."""
from __future__ import annotations

from ...ops import nn_norm as _K

__all__ = ["batch_norm", "instance_norm", "layer_norm", "group_norm", "rms_norm",
           "local_response_norm", "normalize"]


def _verify_batch_size(size) -> None:
    prod = size[0]
    for s in size[2:]:
        prod *= s
    if prod == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {size}")


def _verify_spatial_size(size) -> None:
    prod = 1
    for s in size[2:]:
        prod *= s
    if prod == 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size {size}")


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5):
    """Batch normalization over every dim but the channel dim 1 (F.batch_norm). In training
    the batch statistics are used and running_mean / running_var (if given) are updated in
    place with ``momentum`` (running_var with the unbiased variance)."""
    if momentum is None:
        raise TypeError("batch_norm(): argument 'momentum' (position 7) must be float, not NoneType")
    if training:
        _verify_batch_size(input.size())
    if training and eps <= 0.0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    elif eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    return _K.batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats: bool = True, momentum: float = 0.1, eps: float = 1e-5):
    """Normalize each channel of each sample over its spatial dims (F.instance_norm)."""
    if use_input_stats:
        _verify_spatial_size(input.size())
    return _K.instance_norm(input, weight, bias, running_mean, running_var, use_input_stats,
                            momentum, eps)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps: float = 1e-5):
    """Normalize over the trailing ``normalized_shape`` dims, then scale and shift (F.layer_norm)."""
    return _K.layer_norm(input, normalized_shape, weight, bias, eps)


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """Root-mean-square normalization over the trailing dims (F.rms_norm); eps None is the
    dtype's machine epsilon."""
    return _K.rms_norm(input, normalized_shape, weight, eps)


def group_norm(input, num_groups: int, weight=None, bias=None, eps: float = 1e-5):
    """Normalize groups of channels of each sample, then scale and shift per channel (F.group_norm)."""
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.dim()}")
    _verify_batch_size([input.size(0) * input.size(1) // num_groups, num_groups] + list(input.size()[2:]))
    return _K.group_norm(input, num_groups, weight, bias, eps)


def local_response_norm(input, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0):
    """x / (k + alpha * mean of x^2 over a window of ``size`` neighbouring channels)^beta
    (F.local_response_norm); the window is zero-padded at the channel edges."""
    dim = input.dim()
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality                          input "
                         f"(got {dim} dimensions)")
    if input.numel() == 0:
        return input
    import ember
    sq = input * input
    shape = list(sq.shape)
    c = shape[1]
    before, after = size // 2, (size - 1) // 2
    parts = [ember.zeros([shape[0], before] + shape[2:], dtype=sq.dtype, device=sq.device), sq,
             ember.zeros([shape[0], after] + shape[2:], dtype=sq.dtype, device=sq.device)]
    padded = ember.cat(parts, 1)
    total = padded.narrow(1, 0, c)
    for i in range(1, size):   # a loop over the window, not over positions
        total = total + padded.narrow(1, i, c)
    div = (total / size * alpha + k).pow(beta)
    return input / div


def normalize(input, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out=None):
    """input / max(||input||_p along dim, eps) (F.normalize)."""
    denom = input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)
    if out is None:
        return input / denom
    import ember
    return ember.div(input, denom, out=out)
