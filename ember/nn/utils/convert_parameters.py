"""Flatten parameters into one vector and back (torch.nn.utils.parameters_to_vector,
vector_to_parameters)."""
from __future__ import annotations

import ember

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def _check_param_device(param, old_device):
    # The first parameter fixes the device (-1 for CPU, the index for an accelerator).
    here = param.get_device() if param.device.type != "cpu" else -1
    if old_device is None:
        return here
    if here != old_device:
        raise TypeError("Found two parameters on different devices, this is currently not supported.")
    return old_device


def parameters_to_vector(parameters):
    """Concatenate the flattened parameters into one 1-D tensor (differentiable)."""
    device = None
    flat = []
    for p in parameters:
        device = _check_param_device(p, device)
        flat.append(p.view(-1))
    return ember.cat(flat)


def vector_to_parameters(vec, parameters) -> None:
    """Make each parameter's data the matching slice of vec (viewed to its shape)."""
    if not isinstance(vec, ember.Tensor):
        kind = type(vec)
        name = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
        raise TypeError(f"expected torch.Tensor, but got: {name}")
    device = None
    start = 0
    for p in parameters:
        device = _check_param_device(p, device)
        n = p.numel()
        p.data = vec[start:start + n].view_as(p).data
        start += n
