"""ember.save / ember.load: checkpoints in torch's zip format, safe by construction.

Files written by ``ember.save`` load with ``torch.load(f, weights_only=True)`` and
files written by ``torch.save`` (zip or legacy format) load with ``ember.load``;
neither side imports the other.
"""
from __future__ import annotations

import hashlib
import io
import os
import pickle
import tempfile

import numpy as np

from .._device import device as _Device
from ._pickler import dumps, storage_bytes
from ._unpickler import RestrictedUnpickler, Storage, storage_dtype
from ._zipformat import CheckpointError, ZipReader, ZipWriter, is_zipfile

__all__ = ["save", "load", "CheckpointError"]


# ------------------------------------------------------------------ save
def _write_archive(obj, stream, protocol: int) -> None:
    data, storages = dumps(obj, protocol)
    writer = ZipWriter(stream)
    writer.write("data.pkl", data)
    writer.write(".format_version", b"1")
    writer.write(".storage_alignment", b"64")
    writer.write("byteorder", b"little")
    # the serialization id is derived from the content (torch draws it at random):
    # distinct checkpoints still get distinct ids, and saving the same object twice
    # gives the same bytes, so checkpoints of seeded runs are reproducible
    digest = hashlib.sha256(data)
    for ref in storages:
        payload = storage_bytes(ref)
        digest.update(payload)
        writer.write(f"data/{ref.key}", payload)
    writer.write("version", b"3\n")
    serialization_id = str(int.from_bytes(digest.digest()[:16], "little")).zfill(40)
    writer.write(".data/serialization_id", serialization_id.encode())
    writer.close()


def _fsync_dir(folder: str) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # e.g. Windows cannot open folders
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def save(obj, f, pickle_protocol: int = 2) -> None:
    """Save obj (tensors, Parameters, nested dicts/lists/tuples, numbers, strings, ...) to f.

    ``f`` is a path (str or os.PathLike) or a writable binary file object. A save to a
    path is atomic: the archive goes to a temporary file in the same folder, which is
    flushed, fsynced and renamed over the target, so a crash leaves either the old or
    the new complete file. Tensors that share memory are stored once.
    """
    if type(pickle_protocol) is not int or not 2 <= pickle_protocol <= pickle.HIGHEST_PROTOCOL:
        raise ValueError(f"pickle protocol must be from 2 to {pickle.HIGHEST_PROTOCOL}, "
                         f"got {pickle_protocol!r}")
    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        folder = os.path.dirname(os.path.abspath(path))
        fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "wb") as out:
                _write_archive(obj, out, pickle_protocol)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        _fsync_dir(folder)
        return
    if not hasattr(f, "write"):
        raise AttributeError(f"'{type(f).__name__}' object has no attribute 'write'")
    _write_archive(obj, f, pickle_protocol)
    if hasattr(f, "flush"):
        f.flush()


# ------------------------------------------------------------------ load
def _map_device(location: str, map_location):
    """The device a storage saved at ``location`` goes to, or a callable's result."""
    if map_location is None:
        return location
    if isinstance(map_location, dict):
        return map_location.get(location, location)
    if isinstance(map_location, (str, _Device)):
        return str(map_location)
    raise TypeError(f"map_location must be None, a str, a device, a dict or a callable, "
                    f"got {type(map_location).__name__}")


class DeviceLocationError(RuntimeError):
    """A storage's location cannot be restored (unknown or unavailable device)."""


def _check_map_location(map_location) -> None:
    if map_location is None or callable(map_location) or isinstance(map_location, (str, _Device, dict)):
        return
    raise TypeError(f"map_location must be None, a str, a device, a dict or a callable, "
                    f"got {type(map_location).__name__}")


def _to_device(storage: Storage, dev: str) -> Storage:
    try:
        target = _Device(dev)
    except (RuntimeError, TypeError) as err:
        raise DeviceLocationError(f"don't know how to restore data location {dev!r}: {err}") from None
    if target.type == storage.device.type and target.index == storage.device.index:
        return storage
    if target.type == "cpu":
        storage.device = target
        return storage
    try:
        backend = target.backend
    except (ImportError, RuntimeError):
        raise DeviceLocationError(
            f"Attempting to deserialize object on a {target.type.upper()} device but "
            f"{target.type} is not available. If you are running on a CPU-only machine, please use "
            "ember.load with map_location='cpu' to map your storages to the CPU.") from None
    return Storage(backend.asarray(storage.array), storage.dtype, target)


class _StorageLoader:
    """persistent_load for a zip archive: reads (or maps) each record once."""

    def __init__(self, reader: ZipReader, map_location, mmap_array):
        self.reader = reader
        self.map_location = map_location
        self.mmap_array = mmap_array
        self.loaded: dict = {}

    def __call__(self, pid):
        if not isinstance(pid, tuple) or len(pid) != 5 or pid[0] != "storage":
            raise pickle.UnpicklingError(f"corrupt checkpoint: unsupported persistent id {pid!r:.100}")
        _, stype, key, location, numel = pid
        dt = storage_dtype(stype)
        if not isinstance(key, str) or not isinstance(location, str) or type(numel) is not int \
                or numel < 0:
            raise pickle.UnpicklingError(f"corrupt checkpoint: bad storage record {pid!r:.100}")
        hit = self.loaded.get(key)
        if hit is not None:
            if hit.dtype is not dt:
                raise pickle.UnpicklingError(f"corrupt checkpoint: storage {key} used with two dtypes")
            return hit
        name = f"data/{key}"
        nbytes = numel * dt.itemsize
        size = self.reader.info(name).file_size
        if size != nbytes:
            raise CheckpointError(f"storage record {self.reader.prefix}/{name} holds {size} bytes "
                                  f"but the checkpoint declares {numel} {dt.name} elements "
                                  f"({nbytes} bytes): the file is corrupt")
        if self.mmap_array is not None and nbytes:
            start = self.reader.data_offset(name)
            raw = np.frombuffer(memoryview(self.mmap_array[start:start + nbytes]), np.uint8)
        else:
            raw = np.empty(nbytes, np.uint8)
            self.reader.read_into(name, raw)
        storage = Storage(raw.view(dt.np), dt, _Device("cpu"))
        if callable(self.map_location):
            result = self.map_location(storage, location)
            if result is not None:
                storage = result if isinstance(result, Storage) else _to_device(storage, str(result))
        else:
            storage = _to_device(storage, _map_device(location, self.map_location))
        self.loaded[key] = storage
        return storage


def _open_for_read(f):
    if isinstance(f, (str, os.PathLike)):
        return open(os.fspath(f), "rb"), True
    if not (hasattr(f, "read") and hasattr(f, "seek") and hasattr(f, "tell")):
        raise AttributeError(f"'{type(f).__name__}' object has no attribute 'read', 'seek' or 'tell'")
    return f, False


def load(f, map_location=None, pickle_module=None, *, weights_only: bool = True, mmap: bool = False,
         **pickle_load_args):
    """Load an object saved with ember.save or torch.save (zip or legacy format).

    With ``weights_only=True`` (the default) the file's pickle may only rebuild tensors,
    Parameters, dtypes, devices, Size and plain containers: anything else raises
    ``pickle.UnpicklingError`` naming the refused global, and no code from the file runs.
    ``weights_only=False`` lets the pickle import and call any global it names -- a
    malicious file can then run arbitrary code (delete files, open a shell), so use it
    only for files you created or fully trust. ``map_location`` is 'cpu', a device, a
    dict {saved location: new location} or a callable(storage, location). With
    ``mmap=True`` storages are copy-on-write views of a memory map of the file (which
    must be a path or a real file), so tensor data is read lazily.
    """
    if pickle_module is not None or pickle_load_args.keys() - {"encoding"}:
        raise TypeError(f"unsupported load arguments {sorted(pickle_load_args)}")
    _check_map_location(map_location)
    stream, owned = _open_for_read(f)
    try:
        return _load_stream(stream, map_location, weights_only, mmap, f)
    finally:
        if owned:
            stream.close()


def _load_stream(stream, map_location, weights_only, mmap, f):
    if not is_zipfile(stream):
        if mmap:
            raise RuntimeError("mmap can only be used with files saved with the zipfile format "
                               "(torch.save default)")
        from ._legacy import load_legacy
        return load_legacy(stream, map_location, weights_only, _map_device, _to_device)
    reader = ZipReader(stream)
    mapped = None
    if mmap:
        try:
            name = stream.name if not isinstance(f, (str, os.PathLike)) else os.fspath(f)
            mapped = np.memmap(name, dtype=np.uint8, mode="c")
        except (AttributeError, TypeError, OSError, ValueError) as err:
            raise RuntimeError(f"mmap=True needs a path or a real file: {err}") from None
    if reader.has("byteorder") and reader.read("byteorder") not in (b"little", b"little\n"):
        raise CheckpointError("checkpoint was saved on a big-endian machine; only little-endian "
                              "byte order is supported")
    data = reader.read("data.pkl")
    unpickler = RestrictedUnpickler(io.BytesIO(data), _StorageLoader(reader, map_location, mapped),
                                    weights_only)
    try:
        result = unpickler.load()
    except (pickle.UnpicklingError, CheckpointError, DeviceLocationError):
        raise
    except RecursionError:
        raise pickle.UnpicklingError("corrupt checkpoint: structure nested too deeply") from None
    except Exception as err:  # the pickle is malformed: never return a partial object
        raise pickle.UnpicklingError(f"corrupt checkpoint: data.pkl is malformed "
                                     f"({type(err).__name__}: {err})") from None
    if weights_only:
        _refuse_bare_storages(result)
    return result


def _refuse_bare_storages(obj, depth: int = 0) -> None:
    """A storage outside any tensor means the pickle lost its tensor rebuild calls
    (ember has no public storage type): refuse it rather than return internals."""
    if isinstance(obj, Storage):
        raise CheckpointError("corrupt checkpoint: a storage record is not wrapped in a tensor")
    if depth > 200:
        return
    if isinstance(obj, dict):
        for v in obj.values():
            _refuse_bare_storages(v, depth + 1)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            _refuse_bare_storages(v, depth + 1)
