"""Writer: pickles a structure the way torch.save does, tensors as storage records.

Tensors become ``torch._utils._rebuild_tensor_v2(persistent_id, offset, size,
stride, requires_grad, OrderedDict())`` calls whose persistent id
``('storage', torch.<Type>Storage, key, location, numel)`` names a record
``data/<key>``. Tensors that share memory (views of one NumPy base array) point
at one record, so they are restored as views of one storage. ember's dtypes,
devices and Size are written under torch's global names, which is what
``torch.load(weights_only=True)`` accepts.
"""
from __future__ import annotations

import ctypes
import io
import pickle
from collections import OrderedDict

import numpy as np

from .. import _dtype as D
from .._device import device as _Device
from .._tensor import Size, Tensor, _make

try:
    from numpy.lib.array_utils import byte_bounds as _byte_bounds
except ImportError:  # pragma: no cover - numpy < 2
    _byte_bounds = np.byte_bounds

STORAGE_NAMES = {
    "float32": "FloatStorage", "float64": "DoubleStorage", "float16": "HalfStorage",
    "bfloat16": "BFloat16Storage", "int64": "LongStorage", "int32": "IntStorage",
    "int16": "ShortStorage", "int8": "CharStorage", "uint8": "ByteStorage", "bool": "BoolStorage",
    "complex64": "ComplexFloatStorage", "complex128": "ComplexDoubleStorage",
}
PROTOCOL = 2


class _Global:
    """A stand-in written as the GLOBAL opcode ``module name`` (nothing is imported)."""

    __slots__ = ("module", "name")
    _cache: dict = {}

    def __new__(cls, module: str, name: str):
        key = (module, name)
        g = cls._cache.get(key)
        if g is None:
            g = object.__new__(cls)
            g.module, g.name = module, name
            cls._cache[key] = g
        return g

    def __call__(self, *args):  # pickle's save_reduce requires a callable
        raise TypeError(f"{self.module}.{self.name} is a name written into a checkpoint, not a function")


_REBUILD_V2 = _Global("torch._utils", "_rebuild_tensor_v2")
_REBUILD_PARAM = _Global("torch._utils", "_rebuild_parameter")
_ODICT = _Global("collections", "OrderedDict")
_SIZE = _Global("torch", "Size")
_DEVICE = _Global("torch", "device")


class _StorageRef:
    """One storage record: the raw bytes of a base array, viewed as one dtype."""

    __slots__ = ("key", "dtype", "root", "lo", "nbytes", "location", "data")

    def persistent_id(self):
        numel = self.nbytes // self.dtype.itemsize
        return ("storage", _Global("torch", STORAGE_NAMES[self.dtype.name]), self.key,
                self.location, numel)


def _raw_bytes(root: np.ndarray, lo: int, nbytes: int) -> np.ndarray:
    """The nbytes of memory starting at address lo, which lies inside root's buffer."""
    if nbytes == 0:
        return np.empty(0, np.uint8)
    # the caller keeps root (which owns this memory) alive while the bytes are written
    return np.frombuffer((ctypes.c_char * nbytes).from_address(lo), np.uint8)


class CheckpointPickler(pickle._Pickler):
    """Pickles objects for a checkpoint, collecting the storages to write."""

    dispatch = pickle._Pickler.dispatch.copy()

    def __init__(self, file, protocol: int = PROTOCOL):
        super().__init__(file, protocol=protocol)
        self.storages: dict = {}   # id(root) -> _StorageRef
        self.order: list = []

    # ---------------------------------------------------------- globals
    def _save_global_standin(self, obj: _Global) -> None:
        self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode("utf-8"))
        self.memoize(obj)

    dispatch[_Global] = _save_global_standin

    def _save_dtype(self, obj) -> None:
        self.save(_Global("torch", obj.name))

    dispatch[D.dtype] = _save_dtype

    # ---------------------------------------------------------- storages
    def persistent_id(self, obj):
        if type(obj) is _StorageRef:
            return obj.persistent_id()
        return None

    def _storage_of(self, t: Tensor):
        """(storage ref, element offset) of a CPU tensor, sharing refs between views."""
        arr = t._data
        dt = t._dtype
        if t._device.type != "cpu":
            arr = np.ascontiguousarray(t._device.backend.to_numpy(arr))
            root = arr
        else:
            root = t._root_array()
        ref = self.storages.get(id(root))
        if ref is None:
            lo, hi = _byte_bounds(root) if root.size else (root.__array_interface__["data"][0],) * 2
            ref = _StorageRef()
            ref.key = str(len(self.order))
            ref.dtype = dt
            ref.root = root
            ref.lo = lo
            ref.nbytes = hi - lo
            ref.location = str(t._device)
            ref.data = None
            if ref.nbytes % dt.itemsize:
                raise RuntimeError(f"cannot save a {dt} tensor whose storage holds {ref.nbytes} bytes, "
                                   f"not a multiple of {dt.itemsize}")
            self.storages[id(root)] = ref
            self.order.append(ref)
        elif ref.dtype is not dt:
            raise RuntimeError("Cannot save multiple tensors or storages that view the same data as "
                               "different types")
        if arr.size == 0:
            return ref, 0
        # the tensor's first element (its lowest address: strides are non-negative here)
        first = arr.__array_interface__["data"][0] if t._device.type == "cpu" else ref.lo
        if any(s < 0 for s in arr.strides) or (first - ref.lo) % dt.itemsize:
            raise RuntimeError("cannot save a tensor with negative or misaligned strides; "
                               "call .contiguous() first")
        return ref, (first - ref.lo) // dt.itemsize

    def _tensor_reduce(self, t: Tensor):
        ref, offset = self._storage_of(t)
        if t._data.size == 0:
            stride = t.stride()
        else:
            stride = tuple(s // t._dtype.itemsize for s in t._data.strides) \
                if not t._data.flags.c_contiguous else t.stride()
        args = (ref, offset, tuple(t._data.shape), stride, bool(t._rg), OrderedDict())
        return (_REBUILD_V2, args)

    def reducer_override(self, obj):
        cls = type(obj)
        if cls is _Device:
            return (_DEVICE, (obj.type,) if obj.index is None else (obj.type, obj.index))
        if cls is Size:
            return (_SIZE, (tuple(obj),))
        if isinstance(obj, Tensor):
            from ..nn.parameter import Parameter
            if isinstance(obj, Parameter):
                plain = _make(obj._data, obj._dtype, obj._device)
                return (_REBUILD_PARAM, (plain, bool(obj._rg), OrderedDict()))
            return self._tensor_reduce(obj)
        if cls is OrderedDict:
            state = vars(obj) or None
            return (_ODICT, (), state, None, iter(obj.items()))
        return NotImplemented


def dumps(obj, protocol: int = PROTOCOL):
    """(pickle bytes, storage refs in key order) for obj."""
    buf = io.BytesIO()
    pickler = CheckpointPickler(buf, protocol)
    pickler.dump(obj)
    return buf.getvalue(), pickler.order


def storage_bytes(ref: _StorageRef) -> np.ndarray:
    """The record payload of a storage (little-endian raw bytes)."""
    return _raw_bytes(ref.root, ref.lo, ref.nbytes)
