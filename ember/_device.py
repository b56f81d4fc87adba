"""ember.device: where a tensor's memory lives ('cpu' now; 'cuda' via CuPy later)."""
from __future__ import annotations

from .backends import get_backend

_TYPES = ("cpu", "cuda", "meta", "mps", "xpu")


class device:
    """A device such as ``device('cpu')`` or ``device('cuda', 0)``."""

    __slots__ = ("type", "index", "_backend", "__dict__")
    _cache: dict = {}

    def __new__(cls, type, index: int | None = None):  # noqa: A002 - torch's name
        if isinstance(type, device):
            return type
        if isinstance(type, int):
            type, index = "cuda", type
        if not isinstance(type, str):
            raise TypeError(f"device() received an invalid combination of arguments: {type!r}")
        key = (type, index)
        cached = cls._cache.get(key)
        if cached is not None:
            return cached
        kind, _, idx = type.partition(":")
        if idx:
            if index is not None:
                raise RuntimeError("type (string) must not include an index because index was "
                                   f"passed explicitly: {type}")
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}'")
            index = int(idx)
        if kind not in _TYPES:
            raise RuntimeError(
                f"Expected one of cpu, cuda, meta, mps, xpu device type at start of device string: {type}")
        self = object.__new__(cls)
        self.type = kind
        self.index = index
        self._backend = None
        cls._cache[key] = self
        return self

    @property
    def backend(self):
        if self._backend is None:
            self._backend = get_backend(self.type)
        return self._backend

    def __getattr__(self, name):
        # ``xp`` (the array module) is looked up on first use, then cached
        if name == "xp":
            xp = self.backend.xp
            self.__dict__["xp"] = xp
            return xp
        raise AttributeError(name)

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            other = device(other)
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and (self.index == other.index or
                                            (self.type == "cpu"))

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __reduce__(self):
        return (device, (self.type, self.index))


CPU = device("cpu")
_default_device = [CPU]


def as_device(d) -> device:
    """Normalize None / str / int / device to a device object."""
    if d is None:
        return _default_device[0]
    if d.__class__ is device:
        return d
    return device(d)


def get_default_device() -> device:
    return _default_device[0]


def set_default_device(d) -> None:
    """Set the device of new tensors (None resets to cpu)."""
    _default_device[0] = CPU if d is None else device(d)
