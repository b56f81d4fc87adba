"""Reading and writing MNIST-format IDX files (plain or gzip-compressed).

The IDX format (used by MNIST, Fashion-MNIST, EMNIST, ...) is a 4-byte magic
number -- two zero bytes, a type code and the number of dimensions -- followed
by one big-endian int32 per dimension and then the values, big-endian, in
row-major order.
"""
from __future__ import annotations

import gzip
import os

import numpy as np

__all__ = ["read_idx", "write_idx", "IDX_DTYPES"]

# type code -> numpy dtype (big-endian, as stored on disk)
IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_CODES = {dt.newbyteorder("="): code for code, dt in IDX_DTYPES.items()}


def _open(path, mode):
    path = os.fspath(path)
    with open(path, "rb") as probe:  # gzip is recognised by content, not by name
        is_gzip = probe.read(2) == b"\x1f\x8b"
    return gzip.open(path, mode) if is_gzip else open(path, mode)


def _parse(raw: bytes, name: str) -> np.ndarray:
    if len(raw) < 4:
        raise ValueError(f"{name}: not an IDX file: only {len(raw)} bytes, the header needs 4")
    if raw[0] != 0 or raw[1] != 0:
        raise ValueError(f"{name}: not an IDX file: magic number starts with bytes "
                         f"{raw[0]:#04x} {raw[1]:#04x}, expected 0x00 0x00")
    code, ndim = raw[2], raw[3]
    if code not in IDX_DTYPES:
        raise ValueError(f"{name}: unknown IDX type code {code:#04x}; expected one of "
                         + ", ".join(f"{c:#04x}" for c in IDX_DTYPES))
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{name}: truncated IDX header: {ndim} dimensions need {header} bytes, "
                         f"file has {len(raw)}")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">i4", count=ndim, offset=4))
    dtype = IDX_DTYPES[code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) - header != expected:
        raise ValueError(f"{name}: IDX data of shape {shape} and type {dtype.name} needs "
                         f"{expected} bytes after the header, file has {len(raw) - header}")
    data = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="))  # native byte order, writable copy


def read_idx(path) -> np.ndarray:
    """Read an IDX file (gzip-compressed or not) into a numpy array in native byte order."""
    with _open(path, "rb") as f:
        raw = f.read()
    return _parse(raw, os.fspath(path))


def write_idx(path, array, compress: bool | None = None) -> None:
    """Write ``array`` as an IDX file; gzip it when ``compress`` (default: name ends in .gz)."""
    array = np.ascontiguousarray(array)
    native = array.dtype.newbyteorder("=")
    if native not in _CODES:
        raise TypeError(f"write_idx: dtype {array.dtype} has no IDX type code; use one of "
                        "uint8, int8, int16, int32, float32, float64")
    if array.ndim > 255:
        raise ValueError(f"write_idx: {array.ndim} dimensions, the IDX format allows at most 255")
    code = _CODES[native]
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, dtype=">i4").tobytes()
    payload = header + array.astype(IDX_DTYPES[code], copy=False).tobytes()
    path = os.fspath(path)
    if compress is None:
        compress = path.endswith(".gz")
    if compress:
        # mtime=0 and no file name in the header: the same array gives the same bytes
        with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw,
                                                    mtime=0, compresslevel=9) as f:
            f.write(payload)
    else:
        with open(path, "wb") as f:
            f.write(payload)
