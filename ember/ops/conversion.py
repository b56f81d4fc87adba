"""dtype and device conversion, copies: to, type, float/double/..., clone,
contiguous, copy_, zero_, fill_."""
from __future__ import annotations

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from .._device import as_device
from ._api import export, export_method
from .registry import KEEP, dispatch, dispatch_inplace, defop


# ----------------------------------------------------------------- _to_copy
def _convert(xp, x, np_dtype):
    if np_dtype is not None and x.dtype != np_dtype:
        if x.dtype.kind == "c" and np_dtype.kind not in "cb":
            x = x.real  # torch discards the imaginary part (with a warning)
        return x.astype(np_dtype)
    return x.copy()


@defop("_to_copy", dtypes=KEEP)
def _to_copy(xp, x, dtype=None, device=None, src_dtype=None, src_device=None):
    if device is not None:
        src = xp
        backend = device.backend
        out = backend.asarray(src.asarray(x) if src is not np else x)
        return _convert(backend.xp, out, dtype.np if dtype is not None else None)
    return _convert(xp, x, dtype.np if dtype is not None else None)


@_to_copy.defgrad
def _(ctx, g):
    p = ctx.params
    return (g.to(dtype=p["src_dtype"], device=p["src_device"]),)


def _copy_to(t, dtype, device):
    params = {"dtype": dtype, "src_dtype": t._dtype, "src_device": t._device}
    if device is not None and device != t._device:
        params["device"] = device
    out = dispatch(_to_copy, (t,), params)
    if device is not None:
        out._device = device
    return out


def _parse_to(args, kwargs):
    device = kwargs.pop("device", None)
    dtype = kwargs.pop("dtype", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to() received an invalid combination of arguments: {sorted(kwargs)}")
    for a in args:
        if isinstance(a, D.dtype):
            dtype = a
        elif isinstance(a, Tensor):
            dtype, device = a._dtype, a._device
        elif isinstance(a, bool):
            pass  # non_blocking / copy given positionally
        elif a is not None:
            device = as_device(a)
    if device is not None:
        device = as_device(device)
    return dtype, device, copy


@export_method("to")
def to(self, *args, **kwargs):
    """Convert to a dtype and/or device: to(dtype), to(device, dtype), to(tensor).
    Returns self when nothing changes and copy=False."""
    dtype, device, copy = _parse_to(args, dict(kwargs))
    same_dtype = dtype is None or dtype is self._dtype
    same_device = device is None or device == self._device
    if same_dtype and same_device and not copy:
        return self
    return _copy_to(self, None if same_dtype else dtype, None if same_device else device)


def _dtype_method(name, dtype):
    def method(self, memory_format=None):
        return self if self._dtype is dtype else _copy_to(self, dtype, None)
    method.__name__ = name
    method.__doc__ = f"self.to({dtype})"
    export_method(name)(method)


for _name, _dt in [("float", D.float32), ("double", D.float64), ("half", D.float16),
                   ("bfloat16", D.bfloat16), ("int", D.int32), ("long", D.int64),
                   ("short", D.int16), ("char", D.int8), ("byte", D.uint8), ("bool", D.bool_),
                   ("cfloat", D.complex64), ("cdouble", D.complex128)]:
    _dtype_method(_name, _dt)

_LEGACY_TYPES = {
    "torch.FloatTensor": D.float32, "torch.DoubleTensor": D.float64,
    "torch.HalfTensor": D.float16, "torch.BFloat16Tensor": D.bfloat16,
    "torch.ByteTensor": D.uint8, "torch.CharTensor": D.int8, "torch.ShortTensor": D.int16,
    "torch.IntTensor": D.int32, "torch.LongTensor": D.int64, "torch.BoolTensor": D.bool_,
}
_TYPE_NAMES = {v: k for k, v in _LEGACY_TYPES.items()}


def legacy_type_name(dtype) -> str:
    return _TYPE_NAMES.get(dtype, f"torch.{dtype.name}Tensor")


@export_method("type")
def type(self, dtype=None, non_blocking: bool = False, **kwargs):  # noqa: A001
    """With no argument, the type string ('torch.FloatTensor'); else convert."""
    if dtype is None:
        return legacy_type_name(self._dtype)
    if isinstance(dtype, str):
        name = dtype.replace("ember.", "torch.")
        if name not in _LEGACY_TYPES:
            raise ValueError(f"invalid type: '{dtype}'")
        dtype = _LEGACY_TYPES[name]
    elif not isinstance(dtype, D.dtype):
        dtype = getattr(dtype, "dtype", None) or _LEGACY_TYPES.get(
            f"torch.{getattr(dtype, '__name__', '')}")
    return self.to(dtype)


@export_method("type_as")
def type_as(self, other):
    """self.to(other.dtype)."""
    return self.to(other._dtype)


# ----------------------------------------------------------------- copies
@defop("clone", dtypes=KEEP)
def _clone(xp, x):
    return x.copy()


_clone.defgrad(lambda ctx, g: (g,))


@export("clone")
def clone(input, *, memory_format=None):
    """A copy that is part of the graph (torch.clone)."""
    return dispatch(_clone, (input,))


@export_method("contiguous")
def contiguous(self, memory_format=None):
    """self when already C-contiguous, else a contiguous copy."""
    if self._data.flags.c_contiguous:
        return self
    return dispatch(_clone, (self,))


@defop("copy_", dtypes=KEEP)
def _copy(xp, target, src):
    # target's dtype and shape decide; src broadcasts and casts into it
    return xp.broadcast_to(xp.asarray(src).astype(target.dtype, copy=False), target.shape)


@_copy.defgrad
def _(ctx, g):
    return g * 0, g


@export_method("copy_")
def copy_(self, src, non_blocking: bool = False):
    """Copy src into self (broadcasting, casting); returns self."""
    if isinstance(src, Tensor) and src._device != self._device:
        src = src.to(self._device)
    try:
        np.broadcast_shapes(np.shape(src._data if isinstance(src, Tensor) else src),
                            self._data.shape)
    except ValueError:
        raise RuntimeError(
            f"The size of tensor a ({self._data.shape[-1] if self._data.ndim else 1}) must match "
            f"the size of tensor b ({src.shape[-1] if src.ndim else 1}) at non-singleton "
            f"dimension {self._data.ndim - 1}") from None
    return dispatch_inplace(_copy, self, (self, src))


@defop("fill_", dtypes=KEEP)
def _fill(xp, target, value):
    return xp.broadcast_to(xp.asarray(value).astype(target.dtype, copy=False), target.shape)


@_fill.defgrad
def _(ctx, g):
    return g * 0, (g.sum() if ctx.needs_input_grad[1] else None)


@export("fill_")
def fill_(input, value):
    """Fill with a number or a 0-dim tensor, in place."""
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                           f"{value.ndim} dimensions.")
    return dispatch_inplace(_fill, input, (input, value))


@export("zero_")
def zero_(input):
    """Fill with zeros, in place."""
    return dispatch_inplace(_fill, input, (input, 0))


@export("fill")
def fill(input, value):
    """A new tensor like input filled with value."""
    return dispatch(_fill, (input, value))
