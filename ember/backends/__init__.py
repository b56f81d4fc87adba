"""Array backends: one module per device type, all behind the same small
protocol (``xp``, ``asarray``, ``to_numpy``, ``name``). Ops receive ``xp`` from
the device of their inputs and never import numpy or cupy themselves."""
from __future__ import annotations

from importlib import import_module

_BACKENDS: dict = {}
_MODULES = {"cpu": "ember.backends.numpy_backend", "cuda": "ember.backends.cupy_backend"}


def get_backend(device_type: str):
    """The backend module for a device type, imported on first use."""
    try:
        return _BACKENDS[device_type]
    except KeyError:
        pass
    if device_type not in _MODULES:
        raise RuntimeError(f"unsupported device type '{device_type}'")
    try:
        backend = import_module(_MODULES[device_type])
    except ModuleNotFoundError as err:
        if device_type == "cuda":
            raise ImportError(
                "ember's CUDA backend needs CuPy and an NVIDIA GPU: install the 'cuda' extra "
                "(pip install 'ember[cuda]')") from err
        raise
    _BACKENDS[device_type] = backend
    return backend
