"""Calling a module with substitute parameters and buffers (torch.nn.utils.stateless,
torch.func.functional_call).

The module's own tensors are swapped out for the given ones for the duration
of the call, then put back, even when the call raises. Nothing is copied, so
gradients flow to the substitutes.
"""
from __future__ import annotations

import warnings
from typing import Any

__all__ = ["functional_call"]

_ABSENT = object()


def functional_call(module, parameters_and_buffers: dict, args: Any = None,
                    kwargs: dict | None = None, *, tie_weights: bool = True,
                    strict: bool = False) -> Any:
    """Deprecated spelling of ember.func.functional_call (as in torch 2)."""
    warnings.warn("`torch.nn.utils.stateless.functional_call` is deprecated as of PyTorch 2.0 "
                  "and will be removed in a future version of PyTorch. Please use "
                  "`torch.func.functional_call` instead which is a drop-in replacement.",
                  FutureWarning, stacklevel=2)
    return call_with(module, parameters_and_buffers, args, kwargs, tie_weights=tie_weights,
                     strict=strict)


def call_with(module, parameters_and_buffers: dict, args: Any = None,
              kwargs: dict | None = None, *, tie_weights: bool = True, strict: bool = False) -> Any:
    """Run ``module(*args, **kwargs)`` with the tensors named in
    ``parameters_and_buffers`` (keys as in ``named_parameters``/``named_buffers``)
    in place of the module's own. With ``tie_weights`` a value given for one
    name of a tied tensor serves all its names; ``strict`` requires exactly the
    module's names."""
    values = dict(parameters_and_buffers)
    names = _tensor_names(module)
    if tie_weights:
        values = _expand_tied(values, names)
    if strict:
        _check_strict(module, values, names)
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    saved = []
    try:
        for name, value in values.items():
            saved.append(_swap(module, name, value))
        return module(*args, **(kwargs or {}))
    finally:
        for owner, table, attr, old in reversed(saved):
            _restore(owner, table, attr, old)


def merge_dicts(dicts) -> dict:
    """torch.func's ``parameter_and_buffer_dicts``: one dict, or a list/tuple of
    dicts whose keys must not repeat."""
    if isinstance(dicts, dict):
        return dicts
    if not isinstance(dicts, (list, tuple)) or not all(isinstance(d, dict) for d in dicts):
        raise ValueError("Expected parameter_and_buffer_dicts to be a dict, or a list/tuple of "
                         f"dicts, but got {type(dicts)}")
    merged: dict = {}
    repeated = []
    for d in dicts:
        repeated += [k for k in d if k in merged]
        merged.update(d)
    if repeated:
        raise ValueError(f"{sorted(set(repeated))} appeared in multiple dictionaries; behavior of "
                         "functional call is ambiguous")
    return merged


def _tensor_names(module) -> dict:
    """Every parameter and buffer name (tied ones included) -> its tensor."""
    named = dict(module.named_parameters(remove_duplicate=False))
    named.update(module.named_buffers(remove_duplicate=False))
    return named


def _expand_tied(values: dict, names: dict) -> dict:
    groups: dict = {}
    for name, tensor in names.items():
        groups.setdefault(id(tensor), []).append(name)
    out = dict(values)
    for group in groups.values():
        given = [n for n in group if n in values]
        if len(group) < 2 or not given:
            continue
        first = values[given[0]]
        if any(values[n] is not first for n in given[1:]):
            raise ValueError(f"functional_call got multiple values for keys {sorted(given)}, which "
                             "are tied. Consider using tie_weights=False")
        for n in group:
            out.setdefault(n, first)
    return out


def _check_strict(module, values: dict, names: dict) -> None:
    unexpected = sorted(k for k in values if k not in names)
    missing = sorted(k for k in names if k not in values)
    if not unexpected and not missing:
        return
    lines = [f"Error(s) in reparametrizing for {type(module).__name__}:"]
    if unexpected:
        lines.append("\tUnexpected key(s): " + ", ".join(f"'{k}'" for k in unexpected) + ".")
    if missing:
        lines.append("\tMissing key(s): " + ", ".join(f"'{k}'" for k in missing) + ".")
    raise RuntimeError("\n".join(lines))


def _swap(module, name: str, value):
    """Put value under ``name``; returns what _restore needs to undo it."""
    *path, attr = name.split(".")
    owner = module
    for part in path:
        owner = getattr(owner, part)
    for table in (owner._parameters, owner._buffers):
        if attr in table:
            old = table[attr]
            table[attr] = value  # a plain Tensor may stand in for a Parameter here
            return owner, table, attr, old
    old = owner.__dict__.get(attr, _ABSENT)
    object.__setattr__(owner, attr, value)
    return owner, None, attr, old


def _restore(owner, table, attr: str, old) -> None:
    if table is not None:
        table[attr] = old
    elif old is _ABSENT:
        object.__delattr__(owner, attr)
    else:
        object.__setattr__(owner, attr, old)
