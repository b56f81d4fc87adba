"""The CPU backend: NumPy arrays."""
from __future__ import annotations

import numpy as np

name = "cpu"
xp = np


def asarray(array, dtype=None):
    """A NumPy array on this device (no copy when already one)."""
    return np.asarray(array, dtype=dtype)


def to_numpy(array):
    return array


def is_available() -> bool:
    return True
