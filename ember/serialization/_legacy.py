"""Reader for torch's legacy (non-zip) checkpoint format.

The file is a sequence of pickles: a magic number, the protocol version
(1001), a sys-info dict, the structure (storages as persistent ids
``('storage', type, key, location, numel, view_metadata)``), the list of
storage keys, then each storage as an int64 element count followed by its raw
little-endian bytes. The structure is unpickled twice with the restricted
unpickler: once to learn which storages it names, once more after their bytes
were read, so that map_location sees complete storages.
"""
from __future__ import annotations

import pickle
import struct

import numpy as np

from .._device import device as _Device
from ._unpickler import RestrictedUnpickler, Storage, rebuild_tensor, storage_dtype
from ._zipformat import CheckpointError

MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
PROTOCOL_VERSION = 1001
_HEADER_LIMIT = 1 << 16


class _Refused(pickle.UnpicklingError):
    pass


def _plain_pickle(stream, what: str):
    """One small header pickle, read with no globals allowed at all."""
    class _NoGlobals(pickle.Unpickler):
        def find_class(self, module, name):
            raise _Refused(f"refusing to load global '{module}.{name}' in the checkpoint's "
                           f"{what}: weights_only=True allows only tensors and plain containers")
    try:
        return _NoGlobals(stream).load()
    except _Refused:
        raise
    except Exception as err:
        raise CheckpointError(f"invalid load key or corrupt checkpoint header ({what}: "
                              f"{type(err).__name__}: {err})") from None


class _Collect:
    """persistent_load of the first pass: placeholder storages, keyed by root key."""

    def __init__(self, storages=None):
        self.pids: dict = {}
        self.storages = storages

    def __call__(self, pid):
        if not isinstance(pid, tuple) or len(pid) != 6 or pid[0] != "storage":
            raise pickle.UnpicklingError(f"corrupt checkpoint: unsupported persistent id {pid!r:.100}")
        _, stype, key, location, numel, view = pid
        dt = storage_dtype(stype)
        if not isinstance(key, str) or not isinstance(location, str) or type(numel) is not int \
                or numel < 0:
            raise pickle.UnpicklingError(f"corrupt checkpoint: bad storage record {pid!r:.100}")
        old = self.pids.setdefault(key, (dt, location, numel))
        if old != (dt, location, numel):
            raise pickle.UnpicklingError(f"corrupt checkpoint: storage {key} declared twice differently")
        if self.storages is None:
            # the first pass only checks geometry: a zero-strided stand-in allocates nothing
            fake = np.lib.stride_tricks.as_strided(np.zeros(1, dt.np), (numel,), (0,))
            storage = Storage(fake, dt, _Device("cpu"))
        else:
            storage = self.storages[key]
        if view is not None:
            if not (isinstance(view, tuple) and len(view) == 3 and type(view[1]) is int
                    and type(view[2]) is int):
                raise pickle.UnpicklingError(f"corrupt checkpoint: bad storage view {view!r:.80}")
            if self.storages is not None:
                t = rebuild_tensor(storage, view[1], (view[2],), (1,))
                sub = Storage(t._data, dt, storage.device)
                sub.vc = storage.vc
                return sub
        return storage


def load_legacy(stream, map_location, weights_only, map_device, to_device):
    """Load a legacy-format checkpoint from a seekable binary stream."""
    magic = _plain_pickle(stream, "magic number")
    if magic != MAGIC_NUMBER:
        raise CheckpointError("invalid magic number; the file is neither a zip checkpoint nor a "
                              "legacy torch checkpoint (corrupt file?)")
    version = _plain_pickle(stream, "protocol version")
    if version != PROTOCOL_VERSION:
        raise CheckpointError(f"invalid protocol version: {version!r:.40}")
    info = _plain_pickle(stream, "system info")
    if not isinstance(info, dict) or not info.get("little_endian", False):
        raise CheckpointError("legacy checkpoint is not little-endian or has no system info")
    start = stream.tell()

    def unpickle(collector):
        stream.seek(start)
        try:
            return RestrictedUnpickler(stream, collector, weights_only).load()
        except (pickle.UnpicklingError, CheckpointError, RuntimeError):
            raise
        except Exception as err:
            raise pickle.UnpicklingError(f"corrupt checkpoint: structure pickle is malformed "
                                         f"({type(err).__name__}: {err})") from None

    first = _Collect()
    unpickle(first)
    keys = _plain_pickle(stream, "storage key list")
    if not isinstance(keys, list) or set(keys) != set(first.pids) or len(set(keys)) != len(keys):
        raise CheckpointError("legacy checkpoint's storage key list does not match its structure")
    storages = {}
    for key in keys:
        dt, location, numel = first.pids[key]
        head = stream.read(8)
        if len(head) != 8:
            raise CheckpointError(f"legacy checkpoint is truncated before storage {key}")
        (count,) = struct.unpack("<q", head)
        if count != numel:
            raise CheckpointError(f"legacy storage {key} holds {count} elements but the checkpoint "
                                  f"declares {numel}: the file is corrupt")
        nbytes = numel * dt.itemsize
        raw = np.empty(nbytes, np.uint8)
        got = stream.readinto(memoryview(raw)) if nbytes else 0
        if got != nbytes:
            raise CheckpointError(f"legacy checkpoint is truncated inside storage {key}")
        storage = Storage(raw.view(dt.np), dt, _Device("cpu"))
        if callable(map_location):
            res = map_location(storage, location)
            if res is not None:
                storage = res if isinstance(res, Storage) else to_device(storage, str(res))
        else:
            storage = to_device(storage, map_device(location, map_location))
        storages[key] = storage
    return unpickle(_Collect(storages))
