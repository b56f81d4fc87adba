"""Gradient clipping (torch.nn.utils.clip_grad_norm_, clip_grad_value_, get_total_norm,
clip_grads_with_norm_)."""
from __future__ import annotations

import functools
import types
import warnings

import ember

__all__ = [
    "clip_grad_norm",
    "clip_grad_norm_",
    "clip_grad_value_",
    "clip_grads_with_norm_",
    "get_total_norm",
]


def _no_grad(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with ember.no_grad():
            return fn(*args, **kwargs)
    return wrapper


def _as_list(tensors) -> list:
    if isinstance(tensors, ember.Tensor):
        return [tensors]
    return list(tensors)


def _check_foreach(foreach, device) -> None:
    # ember's foreach path is the plain loop; every ember device supports it.
    if foreach and device.type not in ("cpu", "cuda"):
        raise RuntimeError(f"foreach=True was passed, but can't use the foreach API on "
                           f"{device.type} tensors")


@_no_grad
def get_total_norm(tensors, norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach: bool | None = None):
    """The norm_type-norm of all tensors viewed as one vector (the norm of their norms)."""
    tensors = _as_list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return ember.tensor(0.0)
    first_device = tensors[0].device
    norms = []
    for t in tensors:
        _check_foreach(foreach, t.device)
        norms.append(ember.linalg.vector_norm(t, norm_type))
    if all(n.device.type == "cpu" for n in norms):
        # one small host-side tensor instead of a stack of many 0-dim tensors
        dtype = functools.reduce(ember.promote_types, (n.dtype for n in norms))
        stacked = ember.tensor([n.item() for n in norms], dtype=dtype)
    else:
        stacked = ember.stack([n.to(first_device) for n in norms])
    total = ember.linalg.vector_norm(stacked, norm_type)
    if error_if_nonfinite and bool(ember.logical_or(total.isnan(), total.isinf())):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, "
            "so it cannot be clipped. To disable this error and scale the gradients by the "
            "non-finite norm anyway, set `error_if_nonfinite=False`")
    return total


@_no_grad
def clip_grads_with_norm_(parameters, max_norm: float, total_norm, foreach: bool | None = None):
    """Scale every gradient by min(max_norm / (total_norm + 1e-6), 1), in place."""
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    max_norm = float(max_norm)
    if not grads:
        return None
    coef = ember.clamp(max_norm / (total_norm + 1e-6), max=1.0)
    by_device = {}
    for g in grads:
        _check_foreach(foreach, g.device)
        key = g.device
        if key not in by_device:
            by_device[key] = coef.to(key)
        g.mul_(by_device[key])
    return None


@_no_grad
def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach: bool | None = None):
    """Clip the gradients of parameters so that their total norm is at most max_norm
    (in place); returns the total norm before clipping. Parameters without a grad are
    skipped."""
    if isinstance(parameters, ember.Tensor):
        parameters = [parameters]
    else:
        was_generator = isinstance(parameters, types.GeneratorType)
        parameters = list(parameters)
        if was_generator and not parameters:
            warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.",
                          stacklevel=3)
    grads = [p.grad for p in parameters if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total, foreach)
    return total


def clip_grad_norm(parameters, max_norm: float, norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach: bool | None = None):
    """Deprecated alias of clip_grad_norm_."""
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`torch.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


@_no_grad
def clip_grad_value_(parameters, clip_value: float, foreach: bool | None = None) -> None:
    """Clamp every gradient to [-clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    for p in _as_list(parameters):
        if p.grad is not None:
            _check_foreach(foreach, p.grad.device)
            p.grad.clamp_(min=-clip_value, max=clip_value)
