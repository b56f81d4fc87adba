"""ember.func (torch.func): calling modules functionally."""
from __future__ import annotations

from typing import Any

from .nn.utils.stateless import call_with, merge_dicts

__all__ = ["functional_call"]


def functional_call(module, parameter_and_buffer_dicts, args: Any = None,
                    kwargs: dict | None = None, *, tie_weights: bool = True,
                    strict: bool = False) -> Any:
    """Run ``module(*args, **kwargs)`` with the given tensors standing in for its
    parameters and buffers (torch.func.functional_call). ``parameter_and_buffer_dicts``
    is a dict of name -> tensor, or a list/tuple of such dicts with distinct keys;
    a non-tuple ``args`` is a single positional argument."""
    return call_with(module, merge_dicts(parameter_and_buffer_dicts), args, kwargs,
                     tie_weights=tie_weights, strict=strict)
