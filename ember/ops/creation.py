"""Tensor creation: tensor, as_tensor, from_numpy, zeros/ones/full/empty and
their _like forms, arange, linspace, logspace, eye, and the legacy
constructors."""
from __future__ import annotations

import numbers

import numpy as np

from .. import _dtype as D
from .._device import as_device
from ._api import export


def _Tensor():
    from .._tensor import Tensor
    return Tensor


def _make(array, dtype, device):
    from .._tensor import _make as make
    return make(array, dtype, device)


def _finish(array, dtype, device, requires_grad):
    device = as_device(device)
    if device.type != "cpu":
        array = device.backend.asarray(array)
    t = _make(array, dtype, device)
    if requires_grad:
        t.requires_grad_(True)
    return t


# ------------------------------------------------------- inferring dtypes
def _infer_dtype(data):
    """torch's dtype for nested data: Python numbers take the default dtype of
    their category, arrays and tensors their own; the results are promoted."""
    Tensor = _Tensor()
    best = None
    stack = [data]
    while stack:
        x = stack.pop()
        if isinstance(x, Tensor):
            d = x._dtype
        elif isinstance(x, (np.ndarray, np.generic)):
            d = D.from_numpy_dtype(x.dtype)
        elif isinstance(x, (list, tuple)):
            stack.extend(x)
            continue
        elif isinstance(x, numbers.Number):
            d = D.scalar_dtype(x if isinstance(x, (bool, int, float, complex)) else complex(x))
        else:
            raise TypeError(f"Could not infer dtype of {type(x).__name__}")
        best = d if best is None else D.promote_types(best, d)
    return best if best is not None else D.get_default_dtype()


def _to_numpy_nested(data):
    Tensor = _Tensor()
    if isinstance(data, Tensor):
        return data._device.backend.to_numpy(data._data)
    if isinstance(data, (list, tuple)):
        return [_to_numpy_nested(x) for x in data]
    return data


def _check_ragged(data, depth=0):
    """torch's ValueError for sequences of unequal lengths."""
    if isinstance(data, (list, tuple)) and data and isinstance(data[0], (list, tuple)):
        n = len(data[0])
        for x in data:
            if not isinstance(x, (list, tuple)) or len(x) != n:
                got = len(x) if isinstance(x, (list, tuple)) else type(x).__name__
                raise ValueError(f"expected sequence of length {n} at dim {depth + 1} (got {got})")
            _check_ragged(x, depth + 1)


# ------------------------------------------------------------------ tensor
@export("tensor", method=False)
def tensor(data, *, dtype=None, device=None, requires_grad: bool = False,
           pin_memory: bool = False):
    """A new tensor holding a copy of data (nested lists, numbers, arrays, tensors)."""
    Tensor = _Tensor()
    if isinstance(data, Tensor):
        arr = data._device.backend.to_numpy(data._data).copy()
        dt = dtype or data._dtype
        device = device if device is not None else data._device
    else:
        if isinstance(data, (list, tuple)):
            _check_ragged(data)
        dt = dtype or _infer_dtype(data)
        if isinstance(data, np.ndarray):
            arr = data.copy()
        else:
            arr = np.array(_to_numpy_nested(data))
            if arr.dtype == object:
                raise TypeError(f"Could not infer dtype of {type(data).__name__}")
    if arr.dtype != dt.np:
        if np.iscomplexobj(arr) and dt.category < D.COMPLEX:
            arr = arr.real
        arr = arr.astype(dt.np)
    return _finish(np.require(arr, requirements="C"), dt, device, requires_grad)


@export("as_tensor", method=False)
def as_tensor(data, dtype=None, device=None):
    """Like tensor, but shares memory with a Tensor or ndarray when it can."""
    Tensor = _Tensor()
    if isinstance(data, Tensor):
        return data.to(dtype=dtype, device=device) if (dtype or device) else data
    if isinstance(data, np.ndarray) and (device is None or as_device(device).type == "cpu"):
        dt = dtype or D.from_numpy_dtype(data.dtype)
        if dt.np == data.dtype:
            return _make(data, dt, as_device("cpu"))
    return tensor(data, dtype=dtype, device=device)


@export("asarray", method=False)
def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad: bool = False):
    """Convert obj to a tensor, sharing memory unless copy=True (torch.asarray)."""
    if copy:
        return tensor(obj, dtype=dtype, device=device, requires_grad=requires_grad)
    t = as_tensor(obj, dtype=dtype, device=device)
    if requires_grad:
        t.requires_grad_(True)
    return t


@export("from_numpy", method=False)
def from_numpy(ndarray):
    """A tensor sharing memory with a NumPy array (torch.from_numpy)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    return _make(ndarray, D.from_numpy_dtype(ndarray.dtype), as_device("cpu"))


# ---------------------------------------------------------- filled tensors
def _size(size):
    if len(size) == 1 and isinstance(size[0], (list, tuple)):
        size = tuple(size[0])
    size = tuple(int(s) if not isinstance(s, int) else s for s in size)
    for s in size:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
    return size


def _filled(fill, size, dtype, device, requires_grad, out=None):
    dt = dtype or D.get_default_dtype()
    xp = as_device(device).backend.xp
    if fill is None:
        arr = xp.empty(size, dtype=dt.np)
    elif fill == 0:
        arr = xp.zeros(size, dtype=dt.np)
    elif fill == 1:
        arr = xp.ones(size, dtype=dt.np)
    else:
        arr = xp.full(size, fill, dtype=dt.np)
    t = _finish(arr, dt, device, requires_grad)
    if out is not None:
        from .registry import write_out
        return write_out(out, t)
    return t


@export("zeros", method=False)
def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False):
    """A tensor of zeros (torch.zeros)."""
    return _filled(0, _size(size), dtype, device, requires_grad, out)


@export("ones", method=False)
def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False):
    """A tensor of ones (torch.ones)."""
    return _filled(1, _size(size), dtype, device, requires_grad, out)


@export("empty", method=False)
def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False,
          pin_memory: bool = False, memory_format=None):
    """An uninitialised tensor (torch.empty)."""
    return _filled(None, _size(size), dtype, device, requires_grad, out)


@export("full", method=False)
def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None,
         requires_grad: bool = False):
    """A tensor filled with fill_value; dtype inferred from it like torch."""
    if dtype is None:
        dtype = D.scalar_dtype(fill_value.item() if hasattr(fill_value, "item") else fill_value)
    return _filled(fill_value, _size((size,)), dtype, device, requires_grad, out)


def _like(fill, input, dtype, device, requires_grad):
    return _filled(fill, input._data.shape, dtype or input._dtype,
                   device if device is not None else input._device, requires_grad)


@export("zeros_like", method=False)
def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
               memory_format=None):
    return _like(0, input, dtype, device, requires_grad)


@export("ones_like", method=False)
def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
              memory_format=None):
    return _like(1, input, dtype, device, requires_grad)


@export("empty_like", method=False)
def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
               memory_format=None):
    return _like(None, input, dtype, device, requires_grad)


@export("full_like", method=False)
def full_like(input, fill_value, *, dtype=None, layout=None, device=None,
              requires_grad: bool = False, memory_format=None):
    return _like(fill_value, input, dtype, device, requires_grad)


# -------------------------------------------------------- legacy Tensor(...)
def _legacy_new(cls, args, kwargs):
    """torch.Tensor(data) copies data as float32; torch.Tensor(*sizes) is uninitialised."""
    device = kwargs.pop("device", None)
    if kwargs:
        raise TypeError(f"Tensor() got unexpected keyword arguments {sorted(kwargs)}")
    if len(args) == 1 and not isinstance(args[0], int):
        data = args[0]
        if isinstance(data, _Tensor()):
            return data
        t = tensor(data, dtype=D.get_default_dtype(), device=device)
    else:
        t = empty(*args, dtype=D.get_default_dtype(), device=device)
    if cls is not _Tensor():
        t.__class__ = cls
    return t
