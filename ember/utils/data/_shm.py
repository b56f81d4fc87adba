"""Shared memory for batches crossing from worker processes to the main one.

A worker allocates large arrays as files in /dev/shm mapped with mmap (the
default collate stacks straight into them), and pickles a batch with a pickler
that sends such arrays as (file name, layout) instead of their bytes. The main
process maps the file and unlinks it at once, so the memory lives exactly as
long as the arrays that view it. Arrays not already in shared memory are copied
into a new file (the one copy). Small arrays are pickled normally.
"""
from __future__ import annotations

import glob
import io
import itertools
import mmap
import os
import pickle
import tempfile

import numpy as np

_DIR = "/dev/shm" if os.path.isdir("/dev/shm") else tempfile.gettempdir()
THRESHOLD = 16 * 1024  # bytes: below this, pickling beats a file round trip

_prefix = None            # set in a worker: files it creates start with this
_counter = itertools.count()
_owned: dict = {}         # base address of a mapping -> (file name, nbytes)


def set_prefix(prefix: str) -> None:
    global _prefix
    _prefix = prefix


def enabled() -> bool:
    return _prefix is not None


def empty(shape, dtype) -> np.ndarray:
    """A new C-contiguous array in a fresh shared-memory file."""
    dtype = np.dtype(dtype)
    nbytes = max(int(np.prod(shape, dtype=np.int64)) * dtype.itemsize, 1)
    name = f"{_prefix}{next(_counter)}"
    fd = os.open(os.path.join(_DIR, name), os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
    try:
        os.ftruncate(fd, nbytes)
        mm = mmap.mmap(fd, nbytes)
    finally:
        os.close(fd)
    arr = np.frombuffer(mm, dtype=np.uint8, count=nbytes)
    _owned[arr.__array_interface__["data"][0]] = (name, nbytes)
    return arr[:int(np.prod(shape, dtype=np.int64)) * dtype.itemsize].view(dtype).reshape(shape)


def _root(a: np.ndarray) -> np.ndarray:
    while isinstance(a.base, np.ndarray):
        a = a.base
    return a


def _attach(name, nbytes, offset, shape, strides, dtype_str):
    path = os.path.join(_DIR, name)
    fd = os.open(path, os.O_RDWR)
    try:
        mm = mmap.mmap(fd, nbytes)
    finally:
        os.close(fd)
        os.unlink(path)
    return np.ndarray(shape, dtype=np.dtype(dtype_str), buffer=mm, offset=offset,
                      strides=strides)


def _rebuild_tensor(array, dtype_name, requires_grad):
    from ... import _dtype as D
    from ...ops.creation import from_numpy
    t = from_numpy(array)
    if t.dtype.name != dtype_name:  # e.g. bfloat16 stored under another numpy dtype
        t = from_numpy(array).view(D._BY_NAME[dtype_name])
    return t.requires_grad_(requires_grad) if requires_grad else t


def _array_reduce(arr: np.ndarray):
    """A reduce tuple sending arr through shared memory."""
    root = _root(arr)
    base = root.__array_interface__["data"][0]
    entry = _owned.pop(base, None)
    if entry is None:  # not in shared memory yet: copy it there once
        dst = empty(arr.shape, arr.dtype)
        np.copyto(dst, arr)
        return _array_reduce(dst)
    name, nbytes = entry
    offset = arr.__array_interface__["data"][0] - base
    return (_attach, (name, nbytes, offset, arr.shape, arr.strides, arr.dtype.str))


class _Pickler(pickle.Pickler):
    def reducer_override(self, obj):
        from ..._tensor import Tensor
        if isinstance(obj, Tensor):
            data = obj._data
            if (obj.device.type == "cpu" and isinstance(data, np.ndarray)
                    and data.nbytes >= THRESHOLD and not data.dtype.hasobject):
                return (_rebuild_tensor, (data, obj.dtype.name, obj.requires_grad))
        elif isinstance(obj, np.ndarray) and obj.nbytes >= THRESHOLD and not obj.dtype.hasobject:
            return _array_reduce(obj)
        return NotImplemented


def dumps(obj) -> bytes:
    """Pickle obj, sending its large arrays through shared memory (in a worker)."""
    if _prefix is None:
        return pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    buf = io.BytesIO()
    _Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump(obj)
    return buf.getvalue()


def loads(payload: bytes):
    return pickle.loads(payload)


def release_unsent() -> None:
    """Unlink the files of arrays made since the last call but never sent (they
    stay mapped here while referenced; the name just disappears)."""
    for name, _ in _owned.values():
        try:
            os.unlink(os.path.join(_DIR, name))
        except FileNotFoundError:
            pass
    _owned.clear()


def cleanup(prefix_start: str) -> None:
    """Unlink every file whose name starts with prefix_start (files a loader's
    workers made that the main process never received)."""
    for path in glob.glob(os.path.join(_DIR, glob.escape(prefix_start) + "*")):
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
