"""Padding layers (torch.nn.modules.padding): zero, constant, reflection,
replication and circular padding over 1, 2 or 3 trailing dims."""
from __future__ import annotations

from .. import functional as F
from .module import Module

__all__ = ["ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d",
           "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d",
           "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d",
           "CircularPad2d", "CircularPad3d"]


def _pad_tuple(padding, nd):
    if isinstance(padding, (tuple, list)):
        return tuple(padding)
    return (padding,) * (2 * nd)


class _ConstantPadNd(Module):
    __constants__ = ["padding", "value"]
    _nd = 0

    def __init__(self, padding, value: float) -> None:
        super().__init__()
        self.padding = _pad_tuple(padding, self._nd)
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim with a constant (nn.ConstantPad1d)."""
    _nd = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dims with a constant (nn.ConstantPad2d)."""
    _nd = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last three dims with a constant (nn.ConstantPad3d)."""
    _nd = 3


class ZeroPad1d(ConstantPad1d):
    """Pad the last dim with zeros (nn.ZeroPad1d)."""

    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pad the last two dims with zeros (nn.ZeroPad2d)."""

    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    """Pad the last three dims with zeros (nn.ZeroPad3d)."""

    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ModePadNd(Module):
    __constants__ = ["padding"]
    _nd = 0
    _mode = ""

    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _pad_tuple(padding, self._nd)

    def forward(self, input):
        nd = self._nd
        if hasattr(input, "dim") and input.dim() not in (nd + 1, nd + 2):
            # torch's types: too few dims for the padding, or an unsupported rank
            exc = RuntimeError if input.dim() < nd else NotImplementedError
            raise self._input_error(
                exc, f"got input of shape {tuple(input.shape)}: expected {nd + 1}D or "
                            f"{nd + 2}D input")
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


def _mode_pad(name, nd, mode, doc):
    return type(name, (_ModePadNd,), {"_nd": nd, "_mode": mode, "__doc__": doc,
                                      "__module__": __name__})


ReflectionPad1d = _mode_pad("ReflectionPad1d", 1, "reflect", "Reflect the last dim (nn.ReflectionPad1d).")
ReflectionPad2d = _mode_pad("ReflectionPad2d", 2, "reflect", "Reflect the last two dims.")
ReflectionPad3d = _mode_pad("ReflectionPad3d", 3, "reflect", "Reflect the last three dims.")
ReplicationPad1d = _mode_pad("ReplicationPad1d", 1, "replicate", "Repeat the edge values of the last dim.")
ReplicationPad2d = _mode_pad("ReplicationPad2d", 2, "replicate", "Repeat edges of the last two dims.")
ReplicationPad3d = _mode_pad("ReplicationPad3d", 3, "replicate", "Repeat edges of the last three dims.")
CircularPad1d = _mode_pad("CircularPad1d", 1, "circular", "Wrap the last dim around (nn.CircularPad1d).")
CircularPad2d = _mode_pad("CircularPad2d", 2, "circular", "Wrap the last two dims around.")
CircularPad3d = _mode_pad("CircularPad3d", 3, "circular", "Wrap the last three dims around.")
