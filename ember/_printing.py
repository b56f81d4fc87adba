"""repr(tensor) in torch's format, and ``set_printoptions``.

The layout follows torch: one formatter per tensor (two for complex: real and
imaginary parts) decides between integer-valued ('1.'), fixed ('1.2500') and
scientific ('1.2500e+03') notation from the values that will be shown, pads
every element to the same width, wraps rows at ``linewidth`` and, beyond
``threshold`` elements, shows only ``edgeitems`` entries at each end of every
dimension. Everything works on a NumPy copy of the data, so printing never
touches autograd or dispatch.
"""
from __future__ import annotations

import math

import numpy as np

from . import _dtype as D
from .ops._api import export


class _PrintOptions:
    """The current print options (torch's PRINT_OPTS)."""

    def __init__(self):
        self.precision = 4
        self.threshold = 1000
        self.edgeitems = 3
        self.linewidth = 80
        self.sci_mode = None


PRINT_OPTS = _PrintOptions()

_PROFILES = {
    "default": dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
    "short": dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
    "full": dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80),
}


@export("set_printoptions", method=False)
def set_printoptions(precision: int | None = None, threshold: float | None = None,
                     edgeitems: int | None = None, linewidth: int | None = None,
                     profile: str | None = None, sci_mode: bool | None = None) -> None:
    """Set how tensors print (torch.set_printoptions): precision (digits after the point),
    threshold (element count that triggers summarization), edgeitems, linewidth,
    profile ('default', 'short', 'full') and sci_mode (None: choose automatically)."""
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"Unknown profile {profile!r}; expected one of {sorted(_PROFILES)}")
        for key, value in _PROFILES[profile].items():
            setattr(PRINT_OPTS, key, value)
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions() -> dict:
    """The current print options as a dict."""
    return dict(vars(PRINT_OPTS))


# ------------------------------------------------------------ formatting
class _Formatter:
    """Chooses the notation and the common width for the values of one array."""

    def __init__(self, values: np.ndarray):
        self.floating = values.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        flat = values.reshape(-1)
        if not self.floating:
            for v in flat.tolist():
                self.max_width = max(self.max_width, len(str(v)))
            return
        shown = flat[np.isfinite(flat) & (flat != 0)]
        if shown.size == 0:
            return
        magnitudes = np.abs(shown).astype(np.float64)
        smallest, largest = float(magnitudes.min()), float(magnitudes.max())
        prec = PRINT_OPTS.precision
        numbers = shown.tolist()
        self.int_mode = bool((shown == np.ceil(shown)).all())
        wide = largest / smallest > 1000.0 or largest > 1.0e8
        if not self.int_mode:
            wide = wide or smallest < 1.0e-4
        self.sci_mode = wide if PRINT_OPTS.sci_mode is None else bool(PRINT_OPTS.sci_mode)
        if self.sci_mode:
            self.max_width = max(len(f"{v:.{prec}e}") for v in numbers)
        elif self.int_mode:
            self.max_width = max(len(f"{v:.0f}") + 1 for v in numbers)
        else:
            self.max_width = max(len(f"{v:.{prec}f}") for v in numbers)

    def width(self) -> int:
        return self.max_width

    def format(self, value) -> str:
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:.{PRINT_OPTS.precision}e}"
        elif self.int_mode:
            text = f"{value:.0f}"
            if math.isfinite(value):
                text += "."
        else:
            text = f"{value:.{PRINT_OPTS.precision}f}"
        return " " * (self.max_width - len(text)) + text


def _element(value, real_fmt: _Formatter, imag_fmt: _Formatter | None) -> str:
    if imag_fmt is None:
        return real_fmt.format(value)
    real = real_fmt.format(value.real)
    imag = (imag_fmt.format(value.imag) + "j").lstrip()
    if imag[0] in "+-":
        return real + imag
    return real + "+" + imag


def _summarized(arr: np.ndarray) -> np.ndarray:
    """The values that a summarized print shows (what the formatters measure)."""
    e = PRINT_OPTS.edgeitems
    if arr.ndim == 0:
        return arr
    if arr.ndim == 1:
        if arr.shape[0] > 2 * e:
            return np.concatenate((arr[:e], arr[-e:]))
        return arr
    if not e:
        return np.empty((0,) * arr.ndim, dtype=arr.dtype)
    n = arr.shape[0]
    rows = list(range(e)) + list(range(n - e, n)) if n > 2 * e else range(n)
    return np.stack([_summarized(arr[i]) for i in rows])


def _vector(arr, indent, summarize, real_fmt, imag_fmt) -> str:
    item_width = real_fmt.width() + 2
    if imag_fmt is not None:
        item_width += imag_fmt.width() + 1
    per_line = max(1, int(math.floor((PRINT_OPTS.linewidth - indent) / item_width)))
    e = PRINT_OPTS.edgeitems
    if summarize and not e:
        items = ["..."]
    elif summarize and arr.shape[0] > 2 * e:
        items = ([_element(v, real_fmt, imag_fmt) for v in arr[:e].tolist()] + [" ..."] +
                 [_element(v, real_fmt, imag_fmt) for v in arr[-e:].tolist()])
    else:
        items = [_element(v, real_fmt, imag_fmt) for v in arr.tolist()]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(arr, indent, summarize, real_fmt, imag_fmt) -> str:
    if arr.ndim == 0:
        return _element(arr.item(), real_fmt, imag_fmt)
    if arr.ndim == 1:
        return _vector(arr, indent, summarize, real_fmt, imag_fmt)
    e = PRINT_OPTS.edgeitems
    n = arr.shape[0]
    if summarize and n > 2 * e:
        parts = ([_nested(arr[i], indent + 1, summarize, real_fmt, imag_fmt) for i in range(e)] +
                 ["..."] +
                 [_nested(arr[i], indent + 1, summarize, real_fmt, imag_fmt)
                  for i in range(n - e, n)])
    else:
        parts = [_nested(arr[i], indent + 1, summarize, real_fmt, imag_fmt) for i in range(n)]
    return "[" + ("," + "\n" * (arr.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def _host_array(t) -> np.ndarray:
    arr = np.asarray(t._device.backend.to_numpy(t._data))
    if t._dtype is D.float16 or t._dtype is D.bfloat16:
        arr = arr.astype(np.float32)
    return arr


def format_values(t, indent: int) -> str:
    """The bracketed values of a non-empty tensor, as torch lays them out."""
    arr = _host_array(t)
    summarize = arr.size > PRINT_OPTS.threshold
    if arr.dtype.kind == "c":
        real, imag = arr.real, arr.imag
        real_fmt = _Formatter(_summarized(real) if summarize else real)
        imag_fmt = _Formatter(_summarized(imag) if summarize else imag)
        return _nested(arr, indent, summarize, real_fmt, imag_fmt)
    fmt = _Formatter(_summarized(arr) if summarize else arr)
    return _nested(arr, indent, summarize, fmt, None)


# -------------------------------------------------------------- the repr
def _shown_dtypes():
    default = D.get_default_dtype()
    return (default, D.default_complex(), D.int64, D.bool_)


def _device_suffix(t):
    from ._device import get_default_device
    dev = t._device
    if dev.type == get_default_device().type and dev.type != "cuda":
        return None
    if dev.type == "cuda":
        return f"device='cuda:{dev.index or 0}'"
    return f"device='{dev}'"


def _join_suffixes(text: str, suffixes: list, indent: int) -> str:
    pieces = [text]
    last_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_len + len(suffix) + 2 > PRINT_OPTS.linewidth:
            pieces.append(",\n" + " " * indent + suffix)
            last_len = indent + len(suffix)
        else:
            pieces.append(", " + suffix)
            last_len += len(suffix) + 2
    pieces.append(")")
    return "".join(pieces)


def tensor_repr(t) -> str:
    """torch's repr of a tensor, with dtypes shown as ``ember.<name>``."""
    from ._tensor import Tensor
    cls = type(t)
    plain = cls is Tensor or cls.__name__ == "Parameter"
    prefix = "tensor(" if plain else cls.__name__ + "("
    indent = len(prefix)
    suffixes = []
    device = _device_suffix(t)
    if device is not None:
        suffixes.append(device)
    shape = tuple(t._data.shape)
    if t._data.size == 0:
        if len(shape) != 1:
            suffixes.append(f"size={shape}")
        if t._dtype is not D.get_default_dtype():
            suffixes.append(f"dtype={t._dtype!r}")
        body = "[]"
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append(f"size={shape}")
        if t._dtype not in _shown_dtypes():
            suffixes.append(f"dtype={t._dtype!r}")
        body = format_values(t, indent)
    if t._grad_fn is not None:
        suffixes.append(f"grad_fn=<{t._grad_fn.name()}>")
    elif t._rg:
        suffixes.append("requires_grad=True")
    return _join_suffixes(prefix + body, suffixes, indent)
