"""Reader: a restricted unpickler that rebuilds tensors without running code.

``find_class`` resolves only an explicit allowlist of globals (those torch's
``weights_only`` unpickler allows for plain checkpoints) and maps them to
ember's own functions and types; every other global raises
``pickle.UnpicklingError`` naming it. ``BUILD`` may only set plain attributes
on OrderedDicts and tensors. Nothing is ever imported from the file.
"""
from __future__ import annotations

import _compat_pickle
import codecs
import pickle
from collections import Counter, OrderedDict

import numpy as np

from .. import _dtype as D
from .._device import device as _Device
from .._tensor import Size, Tensor, _make
from ._pickler import STORAGE_NAMES

_STORAGE_DTYPES = {name: D._BY_NAME[dt] for dt, name in STORAGE_NAMES.items()}


class StorageType:
    """A legacy typed-storage class name (torch.FloatStorage ...) resolved to its dtype."""

    __slots__ = ("name", "dtype")

    def __init__(self, name: str, dtype):
        self.name, self.dtype = name, dtype

    def __repr__(self) -> str:
        return f"StorageType({self.name})"


class Storage:
    """A loaded storage record: a flat array of one dtype on one device."""

    __slots__ = ("array", "dtype", "device", "vc")

    def __init__(self, array, dtype, device):
        self.array, self.dtype, self.device = array, dtype, device
        self.vc = [0]

    def numel(self) -> int:
        return self.array.size


def _check_ints(what, values):
    if not isinstance(values, tuple) or not all(type(v) is int for v in values):
        raise pickle.UnpicklingError(f"corrupt checkpoint: tensor {what} must be a tuple of ints, "
                                     f"got {values!r:.80}")
    return values


def rebuild_tensor(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None,
                   metadata=None):
    """torch._utils._rebuild_tensor_v2: a strided view of a storage, bounds-checked."""
    if not isinstance(storage, Storage):
        raise pickle.UnpicklingError(f"corrupt checkpoint: tensor storage is {type(storage).__name__}, "
                                     "not a storage record")
    size = _check_ints("size", tuple(size) if isinstance(size, (tuple, list, Size)) else size)
    stride = _check_ints("stride", tuple(stride) if isinstance(stride, (tuple, list)) else stride)
    if type(storage_offset) is not int or storage_offset < 0 or len(size) != len(stride) or \
            any(s < 0 for s in size) or any(s < 0 for s in stride):
        raise pickle.UnpicklingError(
            f"corrupt checkpoint: invalid tensor geometry offset={storage_offset!r:.40} "
            f"size={size!r:.80} stride={stride!r:.80}")
    arr = storage.array
    numel = 1
    for n in size:
        numel *= n
    if numel:
        last = storage_offset + sum((n - 1) * s for n, s in zip(size, stride))
        if last >= arr.size:
            raise pickle.UnpicklingError(
                f"corrupt checkpoint: tensor of size {list(size)} stride {list(stride)} at offset "
                f"{storage_offset} reads past the end of its storage of {arr.size} elements")
        item = arr.itemsize
        view = np.lib.stride_tricks.as_strided(arr[storage_offset:], size, [s * item for s in stride])
    elif storage_offset <= arr.size:  # no element is read: keep the storage offset
        view = np.lib.stride_tricks.as_strided(arr[storage_offset:], size, [0] * len(size))
    else:
        view = np.empty(size, dtype=arr.dtype)
    t = _make(view, storage.dtype, storage.device)
    t._vc = storage.vc
    if requires_grad:
        if storage.dtype.category < D.FLOAT:
            raise pickle.UnpicklingError("corrupt checkpoint: an integer tensor cannot require grad")
        t._rg = True
    return t


def rebuild_tensor_v1(storage, storage_offset, size, stride):
    """torch._utils._rebuild_tensor (older files)."""
    return rebuild_tensor(storage, storage_offset, size, stride)


def _plain_tensor(data, what):
    if not isinstance(data, Tensor):
        raise pickle.UnpicklingError(f"corrupt checkpoint: {what} expects a tensor, "
                                     f"got {type(data).__name__}")


def rebuild_parameter(data, requires_grad, backward_hooks=None):
    """torch._utils._rebuild_parameter."""
    from ..nn.parameter import Parameter
    _plain_tensor(data, "_rebuild_parameter")
    return Parameter(data, bool(requires_grad) and data._dtype.category >= D.FLOAT)


def rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    """torch._utils._rebuild_parameter_with_state: a Parameter with plain attributes."""
    p = rebuild_parameter(data, requires_grad)
    _set_state(p, state)
    return p


def rebuild_from_type_v2(func, new_type, args, state):
    """torch._tensor._rebuild_from_type_v2 for Tensor/Parameter only."""
    if func not in _REBUILD_FUNCS or not isinstance(args, tuple):
        raise pickle.UnpicklingError("corrupt checkpoint: _rebuild_from_type_v2 with a "
                                     "non-rebuild function")
    t = func(*args)
    from ..nn.parameter import Parameter
    if new_type is Parameter and not isinstance(t, Parameter):
        t = Parameter(t, t._rg)
    elif new_type not in (Tensor, Parameter):
        raise pickle.UnpicklingError(f"refusing tensor subclass {new_type!r}")
    _set_state(t, state)
    return t


def _set_state(obj, state):
    if state is None:
        return
    if isinstance(state, tuple) and len(state) == 2:
        state = {**(state[0] or {}), **(state[1] or {})}
    if not isinstance(state, dict) or not all(isinstance(k, str) for k in state):
        raise pickle.UnpicklingError(f"corrupt checkpoint: bad object state {type(state).__name__}")
    for k, v in state.items():
        if k.startswith("_") and isinstance(obj, Tensor):
            raise pickle.UnpicklingError(f"refusing to set private attribute {k!r} on a tensor")
        setattr(obj, k, v)


def _encode(obj, encoding="utf-8"):
    """_codecs.encode, as protocol 2 writes bytes objects (latin-1 text only)."""
    if not isinstance(obj, str) or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError(f"refusing _codecs.encode with encoding {encoding!r}")
    return codecs.encode(obj, "latin1")


_REBUILD_FUNCS = (rebuild_tensor, rebuild_tensor_v1, rebuild_parameter, rebuild_parameter_with_state)


def _allowed() -> dict:
    from ..nn.parameter import Parameter
    rc = {
        ("collections", "OrderedDict"): OrderedDict,
        ("collections", "Counter"): Counter,
        ("torch", "Size"): Size,
        ("torch", "Tensor"): Tensor,
        ("torch", "device"): _Device,
        ("torch.nn.parameter", "Parameter"): Parameter,
        ("torch._utils", "_rebuild_tensor_v2"): rebuild_tensor,
        ("torch._utils", "_rebuild_tensor"): rebuild_tensor_v1,
        ("torch._utils", "_rebuild_parameter"): rebuild_parameter,
        ("torch._utils", "_rebuild_parameter_with_state"): rebuild_parameter_with_state,
        ("torch._tensor", "_rebuild_from_type_v2"): rebuild_from_type_v2,
        ("_codecs", "encode"): _encode,
        ("builtins", "bytearray"): bytearray,
        ("builtins", "set"): set,
        ("builtins", "frozenset"): frozenset,
        ("builtins", "complex"): complex,
    }
    for d in D.ALL_DTYPES:
        rc[("torch", d.name)] = d
    for name, dt in _STORAGE_DTYPES.items():
        rc[("torch", name)] = StorageType(name, dt)
    return rc


_ALLOWED: dict = {}


def allowed_globals() -> dict:
    """{(module, name): object} of every global a weights_only load accepts."""
    if not _ALLOWED:
        _ALLOWED.update(_allowed())
    return _ALLOWED


class RestrictedUnpickler(pickle._Unpickler):
    """Unpickles a checkpoint structure; storages come from ``load_storage(pid)``."""

    dispatch = pickle._Unpickler.dispatch.copy()

    def __init__(self, file, load_storage, weights_only: bool = True):
        super().__init__(file, encoding="utf-8")
        self._load_storage = load_storage
        self._weights_only = weights_only

    def find_class(self, module, name):
        if self.proto < 3:  # protocol 2 writes Python 2 names (__builtin__.set ...)
            if (module, name) in _compat_pickle.NAME_MAPPING:
                module, name = _compat_pickle.NAME_MAPPING[(module, name)]
            elif module in _compat_pickle.IMPORT_MAPPING:
                module = _compat_pickle.IMPORT_MAPPING[module]
        obj = allowed_globals().get((module, name))
        if obj is not None:
            return obj
        if self._weights_only:
            raise pickle.UnpicklingError(
                f"refusing to load global '{module}.{name}' from the checkpoint: weights_only=True "
                "allows only tensors and plain containers. Load with weights_only=False only if "
                "you trust the file's source (it can run arbitrary code).")
        if module == "torch" or module.startswith("torch."):
            module = "ember" + module[5:]  # never import torch: its objects live in ember
        return super().find_class(module, name)

    def persistent_load(self, pid):
        return self._load_storage(pid)

    def _load_build(self):
        if not self._weights_only:
            return pickle._Unpickler.load_build(self)
        stack = self.stack
        state = stack.pop()
        inst = stack[-1]
        if isinstance(inst, (OrderedDict, Counter)) or isinstance(inst, Tensor):
            _set_state(inst, state)
            return
        raise pickle.UnpicklingError(f"refusing to set the state of a {type(inst).__name__} "
                                     "(weights_only=True)")

    dispatch[pickle.BUILD[0]] = _load_build


def storage_dtype(storage_type):
    """The dtype a persistent id's storage type names."""
    if isinstance(storage_type, StorageType):
        return storage_type.dtype
    if isinstance(storage_type, D.dtype):
        return storage_type
    raise pickle.UnpicklingError(f"corrupt checkpoint: unknown storage type {storage_type!r:.80}")
