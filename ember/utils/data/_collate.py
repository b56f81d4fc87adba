"""default_collate and default_convert (torch.utils.data._utils.collate): turn a
list of samples into a batch, recursing through containers the way torch does."""
from __future__ import annotations

import collections.abc as abc
import copy
import re

import numpy as np

__all__ = ["collate", "default_collate", "default_convert"]

_NP_STR_OBJ = re.compile(r"[SaUO]")

_ERR = ("default_collate: batch must contain tensors, numpy arrays, numbers, "
        "dicts or lists; found {}")


def _is_namedtuple(x) -> bool:
    return isinstance(x, tuple) and hasattr(x, "_fields")


def default_convert(data):
    """Convert NumPy arrays and scalars in ``data`` to tensors, keeping the
    structure of mappings, namedtuples and sequences (used when batching is off)."""
    from ...ops.creation import as_tensor
    from ..._tensor import Tensor
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray) or isinstance(data, np.generic):
        if isinstance(data, (np.str_, np.bytes_)) or _NP_STR_OBJ.search(data.dtype.str):
            return data
        return as_tensor(data)
    if isinstance(data, abc.Mapping):
        converted = {k: default_convert(v) for k, v in data.items()}
        if isinstance(data, abc.MutableMapping):
            clone = copy.copy(data)
            clone.update(converted)
            return clone
        try:
            return type(data)(converted)
        except TypeError:
            return converted
    if _is_namedtuple(data):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, abc.Sequence) and not isinstance(data, (str, bytes)):
        if isinstance(data, abc.MutableSequence):
            clone = copy.copy(data)
            for i, d in enumerate(data):
                clone[i] = default_convert(d)
            return clone
        try:
            return type(data)([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data


def collate_tensor_fn(batch, *, collate_fn_map=None):
    """Stack tensors along a new first dimension; inside a worker the result is
    allocated in shared memory so it reaches the main process without a copy."""
    from ...ops.creation import from_numpy
    from ...ops.joining import stack
    from . import _shm
    elem = batch[0]
    nbytes = elem.numel() * elem.element_size() * len(batch)
    if (_shm.enabled() and nbytes >= _shm.THRESHOLD and elem.device.type == "cpu"
            and not any(t.requires_grad for t in batch)
            and all(t.dtype is elem.dtype and t.shape == elem.shape for t in batch)):
        np_dtype = elem._data.dtype
        out = from_numpy(_shm.empty((len(batch),) + tuple(elem.shape), np_dtype))
        if out.dtype is not elem.dtype:
            out = out.view(elem.dtype)
        return stack(batch, 0, out=out)
    return stack(batch, 0)


def collate_numpy_array_fn(batch, *, collate_fn_map=None):
    from ...ops.creation import as_tensor
    elem = batch[0]
    if _NP_STR_OBJ.search(elem.dtype.str) is not None:
        raise TypeError(_ERR.format(elem.dtype))
    return collate([as_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def collate_numpy_scalar_fn(batch, *, collate_fn_map=None):
    from ...ops.creation import as_tensor
    return as_tensor(np.array(batch))


def collate_float_fn(batch, *, collate_fn_map=None):
    from ... import float64
    from ...ops.creation import tensor
    return tensor(batch, dtype=float64)


def collate_int_fn(batch, *, collate_fn_map=None):
    from ...ops.creation import tensor
    return tensor(batch)


def collate_str_fn(batch, *, collate_fn_map=None):
    return batch


def _default_map() -> dict:
    from ..._tensor import Tensor
    return {Tensor: collate_tensor_fn, np.ndarray: collate_numpy_array_fn,
            np.bool_: collate_numpy_scalar_fn, np.number: collate_numpy_scalar_fn,
            float: collate_float_fn, int: collate_int_fn, str: collate_str_fn,
            bytes: collate_str_fn}


def collate(batch, *, collate_fn_map=None):
    """Collate ``batch`` using ``collate_fn_map`` (type -> function) for leaves and
    recursing through mappings, namedtuples and sequences."""
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        if elem_type in collate_fn_map:
            return collate_fn_map[elem_type](batch, collate_fn_map=collate_fn_map)
        for kind, fn in collate_fn_map.items():
            if isinstance(elem, kind):
                return fn(batch, collate_fn_map=collate_fn_map)
    if isinstance(elem, abc.Mapping):
        collated = {k: collate([d[k] for d in batch], collate_fn_map=collate_fn_map)
                    for k in elem}
        if isinstance(elem, abc.MutableMapping):
            clone = copy.copy(elem)
            clone.update(collated)
            return clone
        try:
            return elem_type(collated)
        except TypeError:
            return collated
    if _is_namedtuple(elem):
        return elem_type(*(collate(s, collate_fn_map=collate_fn_map) for s in zip(*batch)))
    if isinstance(elem, abc.Sequence):
        size = len(elem)
        if not all(len(e) == size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        columns = [collate(s, collate_fn_map=collate_fn_map) for s in zip(*batch)]
        if isinstance(elem, tuple):
            return columns  # torch returns a list for tuples
        if isinstance(elem, abc.MutableSequence):
            clone = copy.copy(elem)
            for i, c in enumerate(columns):
                clone[i] = c
            return clone
        try:
            return elem_type(columns)
        except TypeError:
            return columns
    raise TypeError(_ERR.format(elem_type))


_MAP = None


def default_collate(batch):
    """Batch a list of samples: tensors and arrays are stacked, Python floats
    become float64 tensors, ints int64, bools bool, strings stay lists, and
    dicts, namedtuples, lists and tuples are collated field by field."""
    global _MAP
    if _MAP is None:
        _MAP = _default_map()
    return collate(batch, collate_fn_map=_MAP)
