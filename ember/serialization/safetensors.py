"""Reading and writing ``.safetensors`` files (the ``safetensors.torch`` API).

Layout: an 8-byte little-endian header length N, then N bytes of JSON
(``{"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]},
"__metadata__": {str: str}}``, padded with spaces to a multiple of 8), then the
raw little-endian tensor data. Files are byte-identical to those written by the
``safetensors`` package: tensors are laid out by decreasing dtype alignment,
then by name. Loading never runs code; a malformed file raises
``SafetensorError`` (a ``ValueError``) saying what is wrong with it.
"""
from __future__ import annotations

import json
import mmap
import os
import struct
import sys

import numpy as np

from .. import _dtype as D
from .._device import CPU, as_device
from .._tensor import Tensor, _make

__all__ = ["SafetensorError", "save", "save_file", "load", "load_file", "safe_open"]

MAX_HEADER_SIZE = 100_000_000  # the reference reader's limit

# format dtype name -> ember dtype; listed in the format's alignment rank order
# (ascending), which decides the order of tensors in the data section.
_RANK = ("BOOL", "F4", "F6_E2M3", "F6_E3M2", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0",
         "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "C64", "F64", "I64", "U64")
_TO_EMBER = {"BOOL": D.bool_, "U8": D.uint8, "I8": D.int8, "I16": D.int16, "I32": D.int32,
             "I64": D.int64, "F16": D.float16, "BF16": D.bfloat16, "F32": D.float32,
             "F64": D.float64, "C64": D.complex64}
_FROM_EMBER = {v: k for k, v in _TO_EMBER.items()}
_BITS = {"BOOL": 8, "F4": 4, "F6_E2M3": 6, "F6_E3M2": 6, "U8": 8, "I8": 8, "F8_E5M2": 8,
         "F8_E4M3": 8, "F8_E8M0": 8, "I16": 16, "U16": 16, "F16": 16, "BF16": 16, "I32": 32,
         "U32": 32, "F32": 32, "C64": 64, "F64": 64, "I64": 64, "U64": 64}
_USIZE_MAX = 2 ** 64 - 1


class SafetensorError(ValueError):
    """A malformed safetensors file or buffer."""


def _bad(msg: str) -> SafetensorError:
    return SafetensorError(f"Error while deserializing: {msg}")


# ----------------------------------------------------------------- writing
def _byte_span(t: Tensor):
    a = t._data
    start = a.__array_interface__["data"][0]
    if a.size == 0:
        return start, start
    lo = hi = start
    for n, s in zip(a.shape, a.strides):
        if s >= 0:
            hi += (n - 1) * s
        else:
            lo += (n - 1) * s
    return lo, hi + a.itemsize


def _check_shared(tensors: dict) -> None:
    """Refuse tensors whose memory overlaps (as safetensors.torch does)."""
    groups: dict = {}
    for name, t in tensors.items():
        root = t._root_array()
        if root.nbytes == 0:
            continue
        groups.setdefault((str(t.device), id(root)), []).append(name)
    failing = []
    for names in groups.values():
        if len(names) < 2:
            continue
        spans = sorted((*_byte_span(tensors[n]), n) for n in names)
        clusters = [[spans[0][2]]]
        last_stop = spans[0][1]
        for start, stop, name in spans[1:]:
            if start >= last_stop:
                clusters.append([name])
            else:
                clusters[-1].append(name)
            last_stop = max(last_stop, stop)
        failing.extend(sorted(c) for c in clusters if len(c) > 1)
    if failing:
        shown = ", ".join("{" + ", ".join(repr(n) for n in c) + "}" for c in failing)
        raise RuntimeError(
            "Some tensors share memory, this will lead to duplicate memory on disk and potential "
            f"differences when loading them again: [{shown}]. Save clones of the tensors (or only "
            "the full tensors, and reslice at load time).")


def _to_le_bytes(t: Tensor, name: str):
    """The tensor's data as a flat little-endian uint8 array (no copy for contiguous CPU tensors)."""
    if not t.is_contiguous():
        raise ValueError(
            f"You are trying to save a non contiguous tensor: `{name}` which is not allowed. It either "
            "means you are trying to save tensors which are reference of each other in which case it's "
            "recommended to save only the full tensors, and reslice at load time, or simply call "
            "`.contiguous()` on your tensor to pack it before saving.")
    a = np.ascontiguousarray(t._device.backend.to_numpy(t._data))
    if sys.byteorder == "big" and a.itemsize > 1:  # pragma: no cover - little-endian hosts
        a = a.byteswap()
    return a.reshape(-1).view(np.uint8)


def _serialize(tensors: dict, metadata) -> list:
    if not isinstance(tensors, dict):
        raise TypeError(f"tensors must be a dict of name -> Tensor, not {type(tensors).__name__}")
    for k, v in tensors.items():
        if not isinstance(k, str):
            raise TypeError(f"tensor names must be str, got {k!r}")
        if not isinstance(v, Tensor):
            raise ValueError(f"Key `{k}` is invalid, expected torch.Tensor but received {type(v)}")
    if metadata is not None:
        if not isinstance(metadata, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise TypeError(f"metadata must be a dict of str -> str, got {metadata!r}")
    if "__metadata__" in tensors:
        raise ValueError("`__metadata__` is reserved and cannot be used as a tensor name")
    _check_shared(tensors)
    for k, v in tensors.items():
        if v._dtype not in _FROM_EMBER:
            raise KeyError(f"safetensors has no dtype for {v._dtype} (tensor `{k}`)")
    order = sorted(tensors, key=lambda n: (-_RANK.index(_FROM_EMBER[tensors[n]._dtype]), n))
    header: dict = {}
    if metadata is not None:
        header["__metadata__"] = dict(metadata)
    chunks, offset = [], 0
    for name in order:
        t = tensors[name]
        data = _to_le_bytes(t, name)
        header[name] = {"dtype": _FROM_EMBER[t._dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + data.nbytes]}
        offset += data.nbytes
        chunks.append(data)
    hb = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    hb += b" " * (-len(hb) % 8)
    return [struct.pack("<Q", len(hb)), hb, *chunks]


def save(tensors: dict, metadata: dict | None = None) -> bytes:
    """Serialize a dict of tensors (and optional str->str metadata) to safetensors bytes."""
    return b"".join(_serialize(tensors, metadata))


def save_file(tensors: dict, filename, metadata: dict | None = None) -> None:
    """Write a dict of tensors to a ``.safetensors`` file (atomically: temp file + rename)."""
    parts = _serialize(tensors, metadata)
    filename = os.fspath(filename)
    tmp = os.path.join(os.path.dirname(os.path.abspath(filename)),
                       f".{os.path.basename(filename)}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            for p in parts:
                f.write(p)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, filename)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    try:  # make the rename itself durable
        fd = os.open(os.path.dirname(tmp), os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        pass


# ----------------------------------------------------------------- reading
def _usize(x, what: str) -> int:
    if type(x) is not int or not 0 <= x <= _USIZE_MAX:
        raise _bad(f"invalid JSON in header: invalid value {x!r} for {what}, expected usize")
    return x


def _parse_header(buf, size: int):
    """Validate the header of a buffer of ``size`` bytes -> (metadata, {name: info}, data_start)."""
    if size < 8:
        raise _bad(f"header too small (the file has {size} bytes, the length field alone needs 8)")
    (n,) = struct.unpack("<Q", bytes(buf[:8]))
    if n > MAX_HEADER_SIZE:
        raise _bad(f"header too large ({n} bytes, the limit is {MAX_HEADER_SIZE})")
    if 8 + n > size:
        raise _bad(f"invalid header length {n}: the file has only {size - 8} bytes after the length")
    try:
        text = bytes(buf[8:8 + n]).decode("utf-8")
    except UnicodeDecodeError as e:
        raise _bad(f"invalid UTF-8 in header: {e}") from None
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError) as e:
        raise _bad(f"invalid JSON in header: {e}") from None
    if not isinstance(raw, dict):
        raise _bad(f"invalid JSON in header: expected an object, got {type(raw).__name__}")
    metadata = raw.pop("__metadata__", None)
    if metadata is not None and (not isinstance(metadata, dict) or not all(
            isinstance(v, str) for v in metadata.values())):
        raise _bad(f"invalid JSON in header: __metadata__ must map str to str, got {metadata!r}")
    infos = {}
    for name, info in raw.items():
        if not isinstance(info, dict):
            raise _bad(f"invalid JSON in header: tensor `{name}` is {info!r}, expected an object")
        for field in ("dtype", "shape", "data_offsets"):
            if field not in info:
                raise _bad(f"invalid JSON in header: missing field `{field}` for tensor `{name}`")
        dt, shape, offs = info["dtype"], info["shape"], info["data_offsets"]
        if not isinstance(dt, str) or dt not in _BITS:
            raise _bad(f"invalid JSON in header: unknown dtype {dt!r} for tensor `{name}`")
        if not isinstance(shape, list) or not isinstance(offs, list) or len(offs) != 2:
            raise _bad(f"invalid JSON in header: bad shape {shape!r} or data_offsets {offs!r} "
                       f"for tensor `{name}`")
        shape = [_usize(s, f"shape of `{name}`") for s in shape]
        offs = [_usize(o, f"data_offsets of `{name}`") for o in offs]
        infos[name] = (dt, shape, offs)
    end = 0
    for name, (dt, shape, (b, e)) in sorted(infos.items(), key=lambda kv: (kv[1][2], kv[0])):
        if b != end or e < b:
            raise _bad(f"invalid offset for tensor `{name}` (data_offsets [{b}, {e}], expected to "
                       f"start at {end})")
        count = 1
        for s in shape:
            count *= s
        nbits = count * _BITS[dt]
        if nbits > _USIZE_MAX:
            raise _bad(f"overflow computing buffer size from shape {shape} and dtype {dt} of `{name}`")
        if nbits % 8 or nbits // 8 != e - b:
            raise _bad(f"invalid shape, data type, or offset for tensor `{name}` (shape {shape}, "
                       f"{dt}, {e - b} bytes)")
        end = e
    if 8 + n + end != size:
        raise _bad(f"incomplete metadata, file not fully covered (tensor data is {end} bytes, "
                   f"the file holds {size - 8 - n} after the header)")
    return metadata, infos, 8 + n


def _view(buf, info, start: int, copy: bool):
    dt, shape, (b, e) = info
    edt = _TO_EMBER.get(dt)
    if edt is None:
        raise TypeError(f"ember has no dtype matching safetensors dtype {dt}")
    npd = edt.np.newbyteorder("<") if edt.np.itemsize > 1 and edt is not D.bfloat16 else edt.np
    arr = np.frombuffer(buf, dtype=npd, count=(e - b) // npd.itemsize, offset=start + b)
    if copy or not arr.flags.aligned:
        arr = arr.copy()
    return arr.reshape(shape).astype(edt.np, copy=False)


def _finish(arr, dtype, device):
    t = _make(arr, dtype)
    if device is not None and as_device(device) is not CPU:
        t = t.to(device)
    return t


def _by_offset(infos: dict) -> list:
    return sorted(infos.items(), key=lambda kv: kv[1][2])


def load(data: bytes) -> dict:
    """Deserialize safetensors bytes into a dict of tensors."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"load() expects bytes, got {type(data).__name__}")
    buf = bytearray(data)  # one copy; the tensors are writable views of it
    _, infos, start = _parse_header(buf, len(buf))
    return {k: _finish(_view(buf, info, start, False), _TO_EMBER.get(info[0]), None)
            for k, info in _by_offset(infos)}


def load_file(filename, device="cpu") -> dict:
    """Read a ``.safetensors`` file into a dict of tensors on ``device`` (memory-mapped, lazily read)."""
    with open(filename, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        # a private copy-on-write map: pages are read on first touch, writes stay in memory
        buf = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY) if size else b""
    _, infos, start = _parse_header(buf, size)
    return {k: _finish(_view(buf, info, start, False), _TO_EMBER.get(info[0]), device)
            for k, info in _by_offset(infos)}


class _Slice:
    """A lazily read tensor of a ``safe_open`` file: shape, dtype and indexing."""

    def __init__(self, owner, name):
        self._owner, self._name = owner, name

    def get_shape(self):
        return list(self._owner._infos[self._name][1])

    def get_dtype(self) -> str:
        return self._owner._infos[self._name][0]

    def __getitem__(self, index):
        o = self._owner
        arr = _view(o._mm, o._infos[self._name], o._start, False)
        edt = _TO_EMBER[o._infos[self._name][0]]
        return _finish(np.array(arr[index], dtype=edt.np), edt, o._device)


class safe_open:
    """Open a ``.safetensors`` file lazily (memory-mapped); tensors are read on demand.

    ``with safe_open(path, framework="pt") as f: t = f.get_tensor(f.keys()[0])``
    """

    def __init__(self, filename, framework: str = "pt", device="cpu"):
        if framework not in ("pt", "torch", "ember", "np", "numpy"):
            raise ValueError(f"framework {framework!r} is not supported by ember's safe_open")
        self._file = open(filename, "rb")
        try:
            size = os.fstat(self._file.fileno()).st_size
            self._mm = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
            self._metadata, self._infos, self._start = _parse_header(self._mm, size)
        except BaseException:
            self._file.close()
            raise
        self._device = device

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        if isinstance(self._mm, mmap.mmap):
            self._mm.close()
        self._file.close()

    def keys(self) -> list:
        return sorted(self._infos)

    def offset_keys(self) -> list:
        return sorted(self._infos, key=lambda k: self._infos[k][2])

    def metadata(self):
        return self._metadata

    def get_tensor(self, name: str) -> Tensor:
        if name not in self._infos:
            raise KeyError(f"File does not contain tensor {name}")
        info = self._infos[name]
        edt = _TO_EMBER.get(info[0])
        return _finish(_view(self._mm, info, self._start, True), edt, self._device)

    def get_slice(self, name: str) -> _Slice:
        if name not in self._infos:
            raise KeyError(f"File does not contain tensor {name}")
        return _Slice(self, name)
