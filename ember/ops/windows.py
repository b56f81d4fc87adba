"""Window functions for signal processing: hann_window, hamming_window,
blackman_window, bartlett_window and kaiser_window (torch's definitions:
a periodic window is the symmetric window one longer, with its last value
dropped)."""
from __future__ import annotations

import math
import numbers

import numpy as np

from .. import _dtype as D
from .._device import as_device
from ._api import export
from .creation import _finish


def _window(name, window_length, periodic, dtype, device, requires_grad, formula):
    if isinstance(window_length, bool) or not isinstance(window_length, numbers.Integral):
        raise TypeError(f"{name}(): argument 'window_length' (position 1) must be int, "
                        f"not {type(window_length).__name__}")
    if window_length < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, "
                           f"got window_length={window_length}")
    dt = dtype or D.get_default_dtype()
    if dt.category != D.FLOAT:
        raise RuntimeError(f"{name} expects floating point dtypes, got: {dt}")
    xp = as_device(device).backend.xp
    if window_length <= 1:
        arr = xp.ones(window_length, dtype=dt.np)
    else:
        m = window_length + 1 if periodic else window_length
        n = xp.arange(m, dtype=np.float64)
        arr = formula(xp, n, m)[:window_length].astype(dt.np)
    return _finish(arr, dt, device, requires_grad)


def _cosine_sum(*coefs):
    def formula(xp, n, m):
        x = 2.0 * math.pi * n / (m - 1)
        return sum(c * (-1) ** k * xp.cos(k * x) for k, c in enumerate(coefs))
    return formula


@export("hann_window", method=False)
def hann_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None,
                device=None, requires_grad: bool = False, pin_memory: bool = False):
    """The Hann window 0.5 - 0.5 cos(2 pi n / N) (periodic: one longer, last dropped)."""
    return _window("hann_window", window_length, periodic, dtype, device, requires_grad,
                   _cosine_sum(0.5, 0.5))


@export("hamming_window", method=False)
def hamming_window(window_length: int, periodic: bool = True, alpha: float = 0.54,
                   beta: float = 0.46, *, dtype=None, layout=None, device=None,
                   requires_grad: bool = False, pin_memory: bool = False):
    """The Hamming window alpha - beta cos(2 pi n / N)."""
    return _window("hamming_window", window_length, periodic, dtype, device, requires_grad,
                   _cosine_sum(alpha, beta))


@export("blackman_window", method=False)
def blackman_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None,
                    device=None, requires_grad: bool = False, pin_memory: bool = False):
    """The Blackman window 0.42 - 0.5 cos(2 pi n / N) + 0.08 cos(4 pi n / N)."""
    return _window("blackman_window", window_length, periodic, dtype, device, requires_grad,
                   _cosine_sum(0.42, 0.5, 0.08))


@export("bartlett_window", method=False)
def bartlett_window(window_length: int, periodic: bool = True, *, dtype=None, layout=None,
                    device=None, requires_grad: bool = False, pin_memory: bool = False):
    """The triangular Bartlett window 1 - |2n / N - 1|."""
    return _window("bartlett_window", window_length, periodic, dtype, device, requires_grad,
                   lambda xp, n, m: 1.0 - xp.abs(2.0 * n / (m - 1) - 1.0))


@export("kaiser_window", method=False)
def kaiser_window(window_length: int, periodic: bool = True, beta: float = 12.0, *,
                  dtype=None, layout=None, device=None, requires_grad: bool = False,
                  pin_memory: bool = False):
    """The Kaiser window I0(beta sqrt(1 - ((n - N/2) / (N/2))^2)) / I0(beta)."""
    def formula(xp, n, m):
        half = (m - 1) / 2.0
        ratio = xp.clip(1.0 - ((n - half) / half) ** 2, 0.0, None)
        return xp.i0(beta * xp.sqrt(ratio)) / xp.i0(xp.float64(beta))
    return _window("kaiser_window", window_length, periodic, dtype, device, requires_grad,
                   formula)
