"""Tensor creation: tensor, as_tensor, from_numpy, zeros/ones/full/empty and
their _like and new_* forms, empty_strided, arange, range, linspace,
logspace, eye, complex, polar and the legacy typed constructors
(FloatTensor, LongTensor, ...). Window functions are in ``windows.py``."""
from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, _make
from .. import _printing  # noqa: F401 - registers set_printoptions
from .._device import as_device
from ._api import export, export_method
from .registry import cacheable, defop, dispatch, write_out




_RG_MSG = "Only Tensors of floating point and complex dtype can require gradients"


def _finish(array, dtype, device, requires_grad):
    """Wrap a host or device array as a new tensor on ``device``."""
    device = as_device(device)
    if device.type != "cpu" and isinstance(array, np.ndarray):
        array = device.backend.asarray(array)
    t = _make(array, dtype, device)
    if requires_grad:
        if dtype.category < D.FLOAT:
            raise RuntimeError(_RG_MSG)
        t._rg = True
    return t


# ------------------------------------------------------------------ sizes
def _dim_value(s, fname: str):
    if isinstance(s, bool) or not isinstance(s, (numbers.Integral, Tensor)):
        raise TypeError(f"{fname}(): argument 'size' (position 1) must be tuple of ints, "
                        f"not {type(s).__name__}")
    if isinstance(s, Tensor):
        if s._dtype.category != D.INT or s._data.size != 1:
            raise TypeError(f"{fname}(): argument 'size' (position 1) must be tuple of ints, "
                            f"not Tensor")
        return int(s.item())
    return int(s)


def parse_size(size: tuple, fname: str = "size") -> tuple:
    """A shape given as ints (``f(2, 3)``) or one sequence (``f((2, 3))``)."""
    if len(size) == 1 and isinstance(size[0], (list, tuple)):
        size = tuple(size[0])
    elif not size:
        raise TypeError(f"{fname}() missing 1 required positional arguments: \"size\"")
    for s in size:
        if s.__class__ is not int or s < 0:
            break
    else:
        return size if size.__class__ is tuple else tuple(size)
    shape = tuple(_dim_value(s, fname) for s in size)
    for s in shape:
        if s < 0:
            raise RuntimeError(
                f"Trying to create tensor with negative dimension {s}: {list(shape)}")
    return shape


# ------------------------------------------------------- inferring dtypes
def _is_sequence(x) -> bool:
    if isinstance(x, (list, tuple, range)):
        return True
    return isinstance(x, np.ndarray) and x.ndim > 0


def _leaf_dtype(x):
    """(dtype, python value) of one element of nested data."""
    if isinstance(x, np.generic):
        return D.from_numpy_dtype(x.dtype), x.item()
    if isinstance(x, bool):
        return D.bool_, x
    if isinstance(x, int):
        return D.int64, x
    if isinstance(x, float):
        return D.get_default_dtype(), x
    if isinstance(x, complex):
        return D.default_complex(), x
    if isinstance(x, Tensor):
        if x._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return x._dtype, x.item()
    if isinstance(x, numbers.Number):
        return D.default_complex(), complex(x)
    if isinstance(x, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{type(x).__name__}'")
    raise RuntimeError(f"Could not infer dtype of {type(x).__name__}")


def _nested_sizes(data) -> list:
    sizes = []
    x = data
    while _is_sequence(x):
        sizes.append(len(x))
        if not len(x):
            break
        x = x[0]
    return sizes


def _gather(x, depth: int, sizes: list, flat: list, dtypes: set) -> None:
    """Check that nested data is rectangular and collect its elements."""
    if depth == len(sizes):
        if _is_sequence(x):
            raise TypeError(f"expected a number at dim {depth}, got a sequence of length "
                            f"{len(x)}")
        d, v = _leaf_dtype(x)
        dtypes.add(d)
        flat.append(v)
        return
    if isinstance(x, np.ndarray):
        if list(x.shape) != sizes[depth:]:
            raise ValueError(f"expected sequence of length {sizes[depth]} at dim {depth} "
                             f"(got {x.shape[0]})")
        dtypes.add(D.from_numpy_dtype(x.dtype))
        flat.extend(x.reshape(-1).tolist())
        return
    if not _is_sequence(x):
        raise TypeError(f"not a sequence: expected a sequence at dim {depth}, "
                        f"got {type(x).__name__}")
    if len(x) != sizes[depth]:
        raise ValueError(
            f"expected sequence of length {sizes[depth]} at dim {depth} (got {len(x)})")
    if depth == len(sizes) - 1:
        kinds = set(map(type, x))
        if kinds <= {bool, int, float, complex}:   # the common case, without a Python loop
            for k in kinds:
                dtypes.add(_leaf_dtype(k())[0])
            flat.extend(x)
            return
    for item in x:
        _gather(item, depth + 1, sizes, flat, dtypes)


def _promote_all(dtypes) -> D.dtype:
    best = None
    for d in dtypes:
        best = d if best is None else D.promote_types(best, d)
    return best if best is not None else D.get_default_dtype()


def _python_values_to_array(flat, sizes, src: D.dtype, dt: D.dtype) -> np.ndarray:
    """Python numbers -> an array of dtype dt, with torch's overflow checks."""
    if dt.category < D.COMPLEX and any(isinstance(v, complex) for v in flat):
        raise TypeError("must be real number, not complex")
    try:
        arr = np.array(flat, dtype=np.float64 if src.category == D.FLOAT else src.np)
    except OverflowError:
        raise ValueError("Overflow when unpacking long long") from None
    if dt.category == D.INT and arr.size:
        info = np.iinfo(dt.np)
        if arr.dtype.kind == "f":
            bad = not (np.isfinite(arr).all() and arr.min() >= info.min and arr.max() <= info.max)
        else:
            lo = info.min if info.min < 0 else -int(info.max)
            bad = bool(arr.min() < lo or arr.max() > info.max)
        if bad:
            raise RuntimeError(f"value cannot be converted to type {dt.name} without overflow")
        if arr.dtype.kind == "f":
            arr = arr.astype(np.int64)
    return _cast(arr.reshape(sizes), dt)


def _cast(arr: np.ndarray, dt: D.dtype) -> np.ndarray:
    if arr.dtype == dt.np:
        return arr
    if arr.dtype.kind == "c" and dt.category < D.COMPLEX:
        if dt.category != D.BOOL:
            arr = arr.real
    return arr.astype(dt.np)


# ------------------------------------------------------------------ tensor
@export("tensor", method=False)
def tensor(data, *, dtype=None, device=None, requires_grad: bool = False,
           pin_memory: bool = False):
    """A new tensor holding a copy of data: nested sequences of numbers, one-element
    tensors or arrays, a NumPy array, a number or a tensor (torch.tensor)."""
    if isinstance(data, Tensor):
        warnings.warn(
            "To copy construct from a tensor, it is recommended to use sourceTensor.detach()."
            "clone() or sourceTensor.detach().clone().requires_grad_(True), rather than "
            "torch.tensor(sourceTensor).", UserWarning, stacklevel=2)
        dt = dtype or data._dtype
        arr = _cast(data._device.backend.to_numpy(data._data), dt)
        arr = np.array(arr, copy=True)
        device = device if device is not None else data._device
    elif isinstance(data, np.ndarray):
        src = D.from_numpy_dtype(data.dtype)
        dt = dtype or src
        arr = _cast(data, dt).copy(order="K")
    elif isinstance(data, np.generic):
        src = D.from_numpy_dtype(data.dtype)
        dt = dtype or src
        arr = _cast(np.array(data), dt)
    else:
        sizes = _nested_sizes(data)
        flat, dtypes = [], set()
        _gather(data, 0, sizes, flat, dtypes)
        src = _promote_all(dtypes)
        dt = dtype or src
        arr = _python_values_to_array(flat, sizes, src, dt)
    return _finish(arr, dt, device, requires_grad)


@export("scalar_tensor", method=False)
def scalar_tensor(s, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
                  pin_memory: bool = False):
    """A 0-dim tensor holding the number s, of the default float dtype unless dtype is given."""
    dt = dtype or D.get_default_dtype()
    return tensor(s, dtype=dt, device=device, requires_grad=requires_grad)


@export("as_tensor", method=False)
def as_tensor(data, dtype=None, device=None):
    """Like tensor, but shares memory with a Tensor or ndarray when it can."""
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
        if isinstance(obj, Tensor):
            obj = obj.detach()
            return obj.to(dtype=dtype or obj._dtype, device=device or obj._device,
                          copy=True).requires_grad_(requires_grad)
        return tensor(obj, dtype=dtype, device=device, requires_grad=requires_grad)
    t = as_tensor(obj, dtype=dtype, device=device)
    if requires_grad:
        t.requires_grad_(True)
    return t


@export("from_numpy", method=False)
def from_numpy(ndarray):
    """A tensor sharing memory with a NumPy array (torch.from_numpy). ember has no
    uint16/uint32/uint64 dtypes: such arrays raise TypeError naming the dtype."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    if not ndarray.dtype.isnative:
        raise ValueError("given numpy array has byte order different from the native byte "
                         "order. Conversion between byte orders is currently not supported.")
    return _make(ndarray, D.from_numpy_dtype(ndarray.dtype), as_device("cpu"))


# ---------------------------------------------------------- filled tensors
def _alloc(xp, fill, shape, np_dtype, like=None, memory_format=None):
    order = "C"
    if like is not None:
        order = "K"
    if memory_format is not None:
        from .. import channels_last, channels_last_3d, contiguous_format
        if memory_format is contiguous_format:
            order = "C"
        elif memory_format in (channels_last, channels_last_3d):
            nd = 4 if memory_format is channels_last else 5
            if len(shape) != nd:
                raise RuntimeError(f"required rank {nd} tensor to use {memory_format} format")
            perm = (0,) + tuple(range(2, nd)) + (1,)
            arr = _alloc(xp, fill, tuple(shape[p] for p in perm), np_dtype)
            return arr.transpose((0, nd - 1) + tuple(range(1, nd - 1)))
    if like is not None and order == "K" and like.ndim > 1 and not like.flags.c_contiguous:
        if fill is None:
            return xp.empty_like(like, dtype=np_dtype, order="K")
        return xp.full_like(like, fill, dtype=np_dtype, order="K")
    if fill is None:
        return xp.empty(shape, dtype=np_dtype)
    if fill == 0:
        return xp.zeros(shape, dtype=np_dtype)
    if fill == 1:
        return xp.ones(shape, dtype=np_dtype)
    return xp.full(shape, fill, dtype=np_dtype)


def _filled(fill, shape, dtype, device, requires_grad, out=None, like=None,
            memory_format=None):
    dt = dtype or D.get_default_dtype()
    if out is not None:
        if dtype is not None and dtype is not out._dtype:
            raise RuntimeError(f"dtype {_type_word(dtype)} does not match dtype of out "
                               f"parameter ({_type_word(out._dtype)})")
        dt = out._dtype
        device = device if device is not None else out._device
    dev = as_device(device)
    if dt.category < D.COMPLEX and isinstance(fill, complex):
        raise RuntimeError(f"value cannot be converted to type {dt.name} without overflow")
    arr = _alloc(dev.backend.xp, fill, shape, dt.np, like, memory_format)
    t = _finish(arr, dt, dev, requires_grad)
    if out is not None:
        return write_out(out, t)
    return t


def _type_word(d) -> str:
    from .registry import _torch_type_name
    return _torch_type_name(d)


@export("zeros", method=False)
def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False):
    """A tensor of zeros of the given size (torch.zeros)."""
    return _filled(0, parse_size(size, "zeros"), dtype, device, requires_grad, out)


@export("ones", method=False)
def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False):
    """A tensor of ones of the given size (torch.ones)."""
    return _filled(1, parse_size(size, "ones"), dtype, device, requires_grad, out)


@export("empty", method=False)
def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False,
          pin_memory: bool = False, memory_format=None):
    """An uninitialised tensor of the given size (torch.empty)."""
    return _filled(None, parse_size(size, "empty"), dtype, device, requires_grad, out,
                   memory_format=memory_format)


def _fill_dtype(fill_value):
    if isinstance(fill_value, Tensor):
        return fill_value._dtype
    return D.scalar_dtype(fill_value.item() if isinstance(fill_value, np.generic)
                          else fill_value)


def _fill_number(fill_value):
    if isinstance(fill_value, (Tensor, np.generic)):
        return fill_value.item()
    return fill_value


@export("full", method=False)
def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None,
         requires_grad: bool = False):
    """A tensor of the given size filled with fill_value; the dtype follows the fill value
    (bool, int64, default float or complex) unless given (torch.full)."""
    if not isinstance(size, (list, tuple)):
        raise TypeError(f"full(): argument 'size' (position 1) must be tuple of ints, "
                        f"not {type(size).__name__}")
    if dtype is None and out is None:
        dtype = _fill_dtype(fill_value)
    return _filled(_fill_number(fill_value), parse_size((size,), "full"), dtype, device,
                   requires_grad, out)


def _like(fname, fill, input, dtype, device, requires_grad, memory_format):
    if not isinstance(input, Tensor):
        raise TypeError(f"{fname}(): argument 'input' (position 1) must be Tensor, "
                        f"not {type(input).__name__}")
    from .. import preserve_format
    fmt = None if memory_format is preserve_format else memory_format
    return _filled(fill, input._data.shape, dtype or input._dtype,
                   device if device is not None else input._device, requires_grad,
                   like=input._data, memory_format=fmt)


@export("zeros_like", method=False)
def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
               memory_format=None):
    """Zeros with the shape (and, by default, dtype and device) of input."""
    return _like("zeros_like", 0, input, dtype, device, requires_grad, memory_format)


@export("ones_like", method=False)
def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
              memory_format=None):
    """Ones with the shape (and, by default, dtype and device) of input."""
    return _like("ones_like", 1, input, dtype, device, requires_grad, memory_format)


@export("empty_like", method=False)
def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
               memory_format=None):
    """An uninitialised tensor shaped like input."""
    return _like("empty_like", None, input, dtype, device, requires_grad, memory_format)


@export("full_like", method=False)
def full_like(input, fill_value, *, dtype=None, layout=None, device=None,
              requires_grad: bool = False, memory_format=None):
    """fill_value in the shape (and, by default, dtype and device) of input."""
    return _like("full_like", _fill_number(fill_value), input, dtype, device, requires_grad,
                 memory_format)


@export("empty_strided", method=False)
def empty_strided(size, stride, *, dtype=None, layout=None, device=None,
                  requires_grad: bool = False, pin_memory: bool = False):
    """An uninitialised tensor with the given size and strides (in elements)."""
    size, stride = tuple(size), tuple(stride)
    if len(size) != len(stride):
        raise RuntimeError(f"dimensionality of sizes ({len(size)}) must match dimensionality "
                           f"of strides ({len(stride)})")
    shape = parse_size((size,), "empty_strided")
    dt = dtype or D.get_default_dtype()
    xp = as_device(device).backend.xp
    n = 0 if 0 in shape else 1 + sum((s - 1) * st for s, st in zip(shape, stride))
    buf = xp.empty(n, dtype=dt.np)
    item = buf.itemsize
    arr = xp.lib.stride_tricks.as_strided(buf, shape, tuple(st * item for st in stride))
    return _finish(arr, dt, device, requires_grad)


# ----------------------------------------------------------- new_* methods
def _new_kw(self, dtype, device):
    return dtype or self._dtype, device if device is not None else self._device


@export_method("new_tensor")
def new_tensor(self, data, dtype=None, device=None, requires_grad: bool = False,
               layout=None, pin_memory: bool = False):
    """tensor(data) with this tensor's dtype and device unless given."""
    dt, dev = _new_kw(self, dtype, device)
    if isinstance(data, Tensor):
        warnings.warn(
            "To copy construct from a tensor, it is recommended to use sourceTensor.detach()."
            "clone() or sourceTensor.detach().clone().requires_grad_(True), rather than "
            "tensor.new_tensor(sourceTensor).", UserWarning, stacklevel=2)
        arr = np.array(_cast(data._device.backend.to_numpy(data._data), dt), copy=True)
        return _finish(arr, dt, dev, requires_grad)
    return tensor(data, dtype=dt, device=dev, requires_grad=requires_grad)


@export_method("new_zeros")
def new_zeros(self, *size, dtype=None, device=None, requires_grad: bool = False,
              layout=None, pin_memory: bool = False):
    """zeros(size) with this tensor's dtype and device unless given."""
    dt, dev = _new_kw(self, dtype, device)
    return _filled(0, parse_size(size, "new_zeros"), dt, dev, requires_grad)


@export_method("new_ones")
def new_ones(self, *size, dtype=None, device=None, requires_grad: bool = False,
             layout=None, pin_memory: bool = False):
    """ones(size) with this tensor's dtype and device unless given."""
    dt, dev = _new_kw(self, dtype, device)
    return _filled(1, parse_size(size, "new_ones"), dt, dev, requires_grad)


@export_method("new_empty")
def new_empty(self, *size, dtype=None, device=None, requires_grad: bool = False,
              layout=None, pin_memory: bool = False):
    """empty(size) with this tensor's dtype and device unless given."""
    dt, dev = _new_kw(self, dtype, device)
    return _filled(None, parse_size(size, "new_empty"), dt, dev, requires_grad)


@export_method("new_full")
def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad: bool = False,
             layout=None, pin_memory: bool = False):
    """full(size, fill_value) with this tensor's dtype and device unless given."""
    dt, dev = _new_kw(self, dtype, device)
    return _filled(_fill_number(fill_value), parse_size((size,), "new_full"), dt, dev,
                   requires_grad)


@export_method("new_empty_strided")
def new_empty_strided(self, size, stride, *, dtype=None, device=None,
                      requires_grad: bool = False, layout=None, pin_memory: bool = False):
    """empty_strided(size, stride) with this tensor's dtype and device unless given."""
    dt, dev = _new_kw(self, dtype, device)
    return empty_strided(size, stride, dtype=dt, device=dev, requires_grad=requires_grad)


# ------------------------------------------------------------------ ranges
def _number(x, fname: str, arg: str):
    if isinstance(x, Tensor):
        if x._data.size != 1:
            raise RuntimeError(f"{fname}(): argument '{arg}' must be a number or a one-element "
                               f"tensor, got a tensor of shape {list(x.shape)}")
        return x.item(), x._dtype.category >= D.FLOAT
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, bool) or not isinstance(x, numbers.Number):
        raise TypeError(f"{fname}(): argument '{arg}' must be Number, not {type(x).__name__}")
    return x, not isinstance(x, numbers.Integral)


@export("arange", method=False)
def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad: bool = False, pin_memory: bool = False):
    """Values from start (inclusive) to end (exclusive) spaced by step. All-integer
    arguments give int64, any float argument the default float dtype (torch.arange)."""
    if end is None:
        start, end = 0, start
    (s, sf), (e, ef), (st, stf) = (_number(start, "arange", "start"),
                                   _number(end, "arange", "end"), _number(step, "arange", "step"))
    if dtype is None:
        dtype = out._dtype if out is not None else (
            D.get_default_dtype() if (sf or ef or stf) else D.int64)
    if dtype is D.bool_ or dtype.category == D.COMPLEX:
        raise NotImplementedError(f"\"arange_cpu\" not implemented for '{_type_word(dtype)}'")
    if st == 0:
        raise RuntimeError("step must be nonzero")
    if not (math.isfinite(s) and math.isfinite(e)):
        raise RuntimeError(f"unsupported range: {s} -> {e}")
    if dtype is D.int64:
        # int64 works in integers throughout, like torch's int64 kernel
        s, e, st = int(s), int(e), int(st)
        if st == 0:
            raise ValueError("step must be nonzero")
    if not ((st > 0 and e >= s) or (st < 0 and e <= s)):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if dtype is D.int64:
        n = abs(e - s + st - (1 if st > 0 else -1)) // abs(st)
    else:
        # the length comes from the values as given; other integer dtypes then
        # step through truncated integers (torch's quirk: arange(0, 1, 0.1, dtype=int32)
        # gives ten zeros)
        n = math.ceil((float(e) - float(s)) / float(st))
        if dtype.category == D.INT:
            s, st = int(s), int(st)
    xp = as_device(device if out is None or device is not None else out._device).backend.xp
    if dtype.category == D.INT:
        arr = (xp.arange(n, dtype=np.int64) * st + s).astype(dtype.np, copy=False)
    else:
        arr = (xp.arange(n, dtype=np.float64) * st + s).astype(dtype.np, copy=False)
    return _range_result(arr, dtype, device, requires_grad, out)


def _range_result(arr, dtype, device, requires_grad, out):
    if out is not None:
        return write_out(out, _finish(arr, dtype, out._device, False))
    return _finish(arr, dtype, device, requires_grad)


@export("range", method=False)
def range_(start, end, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad: bool = False):
    """Deprecated: values from start to end inclusive, default float dtype (torch.range)."""
    warnings.warn(
        "torch.range is deprecated and will be removed in a future release because its "
        "behavior is inconsistent with Python's range builtin. Instead, use torch.arange, "
        "which produces values in [start, end).", UserWarning, stacklevel=2)
    s, e, st = (_number(start, "range", "start")[0], _number(end, "range", "end")[0],
                _number(step, "range", "step")[0])
    dtype = dtype or (out._dtype if out is not None else D.get_default_dtype())
    if st == 0:
        raise RuntimeError("step must be nonzero")
    if not (math.isfinite(s) and math.isfinite(e)):
        raise RuntimeError(f"unsupported range: {s} -> {e}")
    if not ((st > 0 and e >= s) or (st < 0 and e <= s)):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    n = int(math.floor((e - s) / st)) + 1
    xp = as_device(device).backend.xp
    arr = (xp.arange(n, dtype=np.float64) * st + s).astype(dtype.np)
    return _range_result(arr, dtype, device, requires_grad, out)


# torch forms each linspace point with a fused multiply-add (one rounding); a
# wider type computes start + step * i exactly enough to stand in for it
_FMA_STANDIN = {np.float32: np.float64, np.float64: np.longdouble}


def _spaced(xp, s, e, steps, work):
    """torch's symmetric linspace: the first half counts up from start, the second
    half down from end, so both end points are exact."""
    i = xp.arange(steps, dtype=work)
    if steps == 1:
        return xp.full((1,), s, dtype=work)
    step = (work(e) - work(s)) / work(steps - 1)
    half = steps // 2
    wide = _FMA_STANDIN.get(work) if xp is np else None
    if wide is None:
        return xp.where(i < half, work(s) + step * i,
                        work(e) - step * (work(steps - 1) - i))
    i = i.astype(wide)
    up = (wide(work(s)) + wide(step) * i).astype(work)
    down = (wide(work(e)) - wide(step) * (wide(steps - 1) - i)).astype(work)
    return xp.where(i < half, up, down)


def _linspace_args(fname, start, end, steps):
    s, sf = _number(start, fname, "start")
    e, ef = _number(end, fname, "end")
    if isinstance(steps, Tensor):
        steps = int(steps.item())
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral):
        raise TypeError(f"{fname}(): argument 'steps' (position 3) must be int, "
                        f"not {type(steps).__name__}")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return s, e, int(steps)


def _linspace_dtype(dtype, s, e, out):
    if dtype is not None:
        return dtype
    if out is not None:
        return out._dtype
    if isinstance(s, complex) or isinstance(e, complex):
        return D.default_complex()
    return D.get_default_dtype()


@export("linspace", method=False)
def linspace(start, end, steps: int, *, out=None, dtype=None, layout=None, device=None,
             requires_grad: bool = False):
    """steps values evenly spaced from start to end inclusive (torch.linspace)."""
    s, e, steps = _linspace_args("linspace", start, end, steps)
    dtype = _linspace_dtype(dtype, s, e, out)
    xp = as_device(device).backend.xp
    work = np.dtype(np.float64) if dtype.category < D.FLOAT else (
        np.dtype(np.float32) if dtype.category == D.FLOAT and dtype.itemsize <= 4
        else np.dtype(dtype.np))
    vals = _spaced(xp, s, e, steps, work.type)
    if dtype.category == D.INT:
        vals = xp.trunc(vals)
    return _range_result(vals.astype(dtype.np), dtype, device, requires_grad, out)


@export("logspace", method=False)
def logspace(start, end, steps: int, base: float = 10.0, *, out=None, dtype=None,
             layout=None, device=None, requires_grad: bool = False):
    """steps values base**x for x evenly spaced from start to end (torch.logspace)."""
    s, e, steps = _linspace_args("logspace", start, end, steps)
    dtype = _linspace_dtype(dtype, s, e, out)
    xp = as_device(device).backend.xp
    work = np.complex128 if dtype.category == D.COMPLEX else np.float64
    vals = xp.power(work(base), _spaced(xp, s, e, steps, work))
    if dtype.category == D.INT:
        vals = xp.trunc(vals)
    return _range_result(vals.astype(dtype.np), dtype, device, requires_grad, out)


@export("eye", method=False)
def eye(n: int, m: int | None = None, *, out=None, dtype=None, layout=None, device=None,
        requires_grad: bool = False):
    """A 2-D tensor with ones on the diagonal, n rows and m (default n) columns."""
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    if m is None:
        m = n
    if m < 0:
        raise RuntimeError(f"m must be greater or equal to 0, got {m}")
    dt = dtype or (out._dtype if out is not None else D.get_default_dtype())
    arr = as_device(device).backend.xp.eye(n, m, dtype=dt.np)
    return _range_result(arr, dt, device, requires_grad, out)


# --------------------------------------------------------- complex, polar
def broadcast_shapes(*shapes) -> tuple:
    """The broadcast of shapes, with torch's RuntimeError when they do not match."""
    ndim = max((len(s) for s in shapes), default=0)
    out = [1] * ndim
    for s in shapes:
        for i, n in enumerate(s, ndim - len(s)):
            if n != 1 and out[i] != 1 and out[i] != n:
                raise RuntimeError(f"The size of tensor a ({out[i]}) must match the size of "
                                   f"tensor b ({n}) at non-singleton dimension {i}")
            if n != 1:
                out[i] = n
    return tuple(out)


def _check_real_pair(fname, a, b):
    for name, x in (("real", a), ("imag", b)):
        if not isinstance(x, Tensor):
            raise TypeError(f"{fname}(): argument '{name}' must be Tensor, "
                            f"not {type(x).__name__}")
    ok = (D.float16, D.float32, D.float64)
    if a._dtype not in ok or b._dtype not in ok:
        raise RuntimeError(f"Expected both inputs to be Half, Float or Double tensors but got "
                           f"{_type_word(a._dtype)} and {_type_word(b._dtype)}")
    if a._dtype is not b._dtype:
        raise RuntimeError(f"Expected object of scalar type {_type_word(a._dtype)} but got "
                           f"scalar type {_type_word(b._dtype)} for second argument")
    if a._dtype is D.float16:
        raise TypeError("complex32 (ComplexHalf) tensors are not supported by ember")


@cacheable
def _complex_dtype(args, params):
    return None, args[0]._dtype.to_complex()


@defop("complex", dtypes=_complex_dtype)
def _complex(xp, real, imag):
    out = xp.empty(xp.broadcast_shapes(real.shape, imag.shape),
                   dtype=xp.result_type(real.dtype, xp.complex64))
    out.real = real
    out.imag = imag
    return out


@_complex.defgrad
def _(ctx, g):
    # the engine keeps the real part of a complex gradient for a real input;
    # Re(-i g) is Im(g)
    return g, g * (-1j)


@export("complex", method=False)
def complex_(real, imag, *, out=None):
    """A complex tensor real + i*imag from two float tensors of the same dtype."""
    _check_real_pair("complex", real, imag)
    broadcast_shapes(real.shape, imag.shape)
    r = dispatch(_complex, (real, imag))
    return r if out is None else write_out(out, r)


@export("polar", method=False)
def polar(abs, angle, *, out=None):  # noqa: A002 - torch's argument name
    """The complex tensor abs * (cos(angle) + i sin(angle))."""
    _check_real_pair("polar", abs, angle)
    r = complex_(abs * angle.cos(), abs * angle.sin())
    return r if out is None else write_out(out, r)


# -------------------------------------------------- legacy Tensor(...) forms
def _legacy_new(cls, args, kwargs, dtype=None):
    """torch.Tensor(data) copies data as the default dtype (float32); Tensor(*sizes) and
    Tensor(Size) are uninitialised; the typed forms (FloatTensor...) fix the dtype."""
    device = kwargs.pop("device", None)
    if kwargs:
        raise TypeError(f"Tensor() got unexpected keyword arguments {sorted(kwargs)}")
    dt = dtype or D.get_default_dtype()
    if not args:
        t = empty(0, dtype=dt, device=device)
    elif len(args) == 1 and isinstance(args[0], Tensor):
        data = args[0]
        if dtype is not None and data._dtype is not dtype:
            raise TypeError(f"expected {dtype} (got {data._dtype})")
        return data
    elif len(args) == 1 and not isinstance(args[0], (numbers.Integral, _size_type())):
        t = tensor(args[0], dtype=dt, device=device)
    else:
        t = empty(*args, dtype=dt, device=device)
    if cls is not None and cls is not Tensor:
        t.__class__ = cls
    return t


def _size_type():
    from .._tensor import Size
    return Size


class _LegacyTensorType(type):
    """Metaclass of FloatTensor & co: calling builds a tensor of that dtype and
    isinstance checks the dtype (and CPU device), as torch's legacy types do."""

    def __call__(cls, *args, **kwargs):
        return _legacy_new(None, args, dict(kwargs), dtype=cls.dtype)

    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, Tensor) and obj._dtype is cls.dtype and \
            obj._device.type == "cpu"

    def __repr__(cls) -> str:
        return f"<class 'ember.{cls.__name__}'>"


def _legacy_type(name: str, dtype: D.dtype):
    cls = _LegacyTensorType(name, (), {"dtype": dtype, "__doc__":
                                       f"Legacy constructor of {dtype!r} CPU tensors."})
    export(name, method=False)(cls)
    return cls


FloatTensor = _legacy_type("FloatTensor", D.float32)
DoubleTensor = _legacy_type("DoubleTensor", D.float64)
HalfTensor = _legacy_type("HalfTensor", D.float16)
BFloat16Tensor = _legacy_type("BFloat16Tensor", D.bfloat16)
ByteTensor = _legacy_type("ByteTensor", D.uint8)
CharTensor = _legacy_type("CharTensor", D.int8)
ShortTensor = _legacy_type("ShortTensor", D.int16)
IntTensor = _legacy_type("IntTensor", D.int32)
LongTensor = _legacy_type("LongTensor", D.int64)
BoolTensor = _legacy_type("BoolTensor", D.bool_)


@export_method("new")
def new(self, *args, device=None):
    """The legacy constructor with this tensor's dtype: new(*sizes) is
    uninitialised, new(data) copies data, new() is empty."""
    dev = device if device is not None else self._device
    if len(args) == 1 and not isinstance(args[0], int) and not (
            isinstance(args[0], tuple) and all(isinstance(s, int) for s in args[0])):
        return tensor(args[0], dtype=self._dtype, device=dev)
    size = parse_size(args, "new") if args else (0,)
    return _filled(None, size, self._dtype, dev, False)


@export_method("resize_")
def resize_(self, *sizes, memory_format=None):
    """Give self a new shape in place, keeping the first elements of its data
    (new elements are uninitialised)."""
    if self._rg:
        raise RuntimeError("cannot resize variables that require grad")
    shape = parse_size(sizes, "resize_")
    n = 1
    for s in shape:
        n *= s
    data = self._data
    if data.size == n and data.flags.c_contiguous:
        self._data = data.reshape(shape)
    else:
        xp = self._device.xp
        flat = xp.empty(n, dtype=data.dtype)
        k = min(n, data.size)
        flat[:k] = data.reshape(-1)[:k]
        self._data = flat.reshape(shape)
    self._vc[0] += 1
    return self


@export_method("resize")
def resize(self, *sizes):
    """A resized copy-or-view (the deprecated Tensor.resize)."""
    out = self.detach().clone() if self._data.size != _numel(parse_size(sizes, "resize")) \
        else self.detach()
    return resize_(out, *sizes)


def _numel(shape) -> int:
    n = 1
    for s in shape:
        n *= s
    return n
