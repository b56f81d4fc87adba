"""The zip container of torch's checkpoint format.

A checkpoint is an uncompressed zip archive whose entries all live under one
top folder (``archive/``): ``data.pkl`` (the pickled structure),
``data/<key>`` (one raw little-endian record per storage), ``version``,
``byteorder``, ``.format_version``, ``.storage_alignment`` and
``.data/serialization_id``. Entry payloads are aligned to 64 bytes (padding
goes into a local-header extra field tagged ``FB``), so records can be
memory-mapped in place.
"""
from __future__ import annotations

import os
import struct
import zipfile

ALIGN = 64
_LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")
_LOCAL_MAGIC = 0x04034B50


class CheckpointError(RuntimeError):
    """A checkpoint file that is truncated, corrupt or not in a known format."""


class ZipWriter:
    """Writes the records of one checkpoint archive to a binary stream."""

    def __init__(self, stream, prefix: str = "archive"):
        self._zip = zipfile.ZipFile(stream, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True)
        self._prefix = prefix

    def write(self, name: str, data) -> None:
        """Write one entry, its payload 64-byte aligned in the stream."""
        data = memoryview(data).cast("B")
        info = zipfile.ZipInfo(f"{self._prefix}/{name}", date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_STORED
        info.file_size = len(data)
        big = len(data) * 1.05 > zipfile.ZIP64_LIMIT
        fname = info.filename.encode("utf-8")
        start = self._zip.fp.tell()
        header = _LOCAL_HEADER.size + len(fname) + 4 + (20 if big else 0)
        pad = -(start + header) % ALIGN
        info.extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad
        with self._zip.open(info, mode="w", force_zip64=big) as out:
            out.write(data)

    def close(self) -> None:
        self._zip.close()


def _fail(what: str) -> CheckpointError:
    return CheckpointError(f"PytorchStreamReader failed reading zip archive: {what}")


class ZipReader:
    """Random access to the records of a checkpoint archive (a seekable binary stream)."""

    def __init__(self, stream):
        self._stream = stream
        try:
            self._zip = zipfile.ZipFile(stream, mode="r")
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError,
                struct.error, UnicodeDecodeError, OverflowError) as err:
            raise _fail(f"failed finding central directory ({err})") from None
        if not infos:
            raise _fail("the archive has no records")
        prefix = infos[0].filename.split("/", 1)[0]
        self._infos = {}
        for info in infos:
            head, sep, rest = info.filename.partition("/")
            if not sep or head != prefix:
                raise _fail(f"record {info.filename!r} is outside the archive folder {prefix!r}")
            self._infos[rest] = info
        self.prefix = prefix

    def has(self, name: str) -> bool:
        return name in self._infos

    def info(self, name: str) -> zipfile.ZipInfo:
        try:
            return self._infos[name]
        except KeyError:
            raise _fail(f"file not found: {self.prefix}/{name}") from None

    def read(self, name: str) -> bytes:
        info = self.info(name)
        try:
            return self._zip.read(info)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, struct.error, NotImplementedError,
                RuntimeError, zipfile.LargeZipFile) as err:
            raise _fail(f"record {self.prefix}/{name} is corrupt ({err})") from None

    def read_into(self, name: str, buf) -> None:
        """Fill ``buf`` (a writable bytes-like object of exactly the record's size)."""
        info = self.info(name)
        view = memoryview(buf).cast("B")
        if info.file_size != len(view):
            raise _fail(f"record {self.prefix}/{name} holds {info.file_size} bytes, "
                        f"expected {len(view)}")
        try:
            with self._zip.open(info) as src:
                got = 0
                while got < len(view):
                    n = src.readinto(view[got:])
                    if not n:
                        break
                    got += n
                if got != len(view) or src.read(1):
                    raise _fail(f"record {self.prefix}/{name} is truncated")
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, struct.error, NotImplementedError,
                zipfile.LargeZipFile) as err:
            raise _fail(f"record {self.prefix}/{name} is corrupt ({err})") from None

    def data_offset(self, name: str) -> int:
        """Absolute offset of a stored (uncompressed) record's payload, for memory mapping."""
        info = self.info(name)
        if info.compress_type != zipfile.ZIP_STORED:
            raise _fail(f"record {self.prefix}/{name} is compressed and cannot be memory-mapped")
        self._stream.seek(info.header_offset)
        head = self._stream.read(_LOCAL_HEADER.size)
        if len(head) != _LOCAL_HEADER.size:
            raise _fail(f"local header of {self.prefix}/{name} is truncated")
        fields = _LOCAL_HEADER.unpack(head)
        if fields[0] != _LOCAL_MAGIC:
            raise _fail(f"bad local header magic for {self.prefix}/{name}")
        start = info.header_offset + _LOCAL_HEADER.size + fields[9] + fields[10]
        self._stream.seek(0, os.SEEK_END)
        if start + info.file_size > self._stream.tell():
            raise _fail(f"record {self.prefix}/{name} extends past the end of the file")
        return start

    def close(self) -> None:
        self._zip.close()


def is_zipfile(stream) -> bool:
    """Whether the stream starts with a zip local-file header (position restored)."""
    pos = stream.tell()
    magic = stream.read(4)
    stream.seek(pos)
    return magic == b"PK\x03\x04"
