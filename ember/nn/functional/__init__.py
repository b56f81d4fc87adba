"""ember.nn.functional: the functional form of the layers (torch.nn.functional)."""
from importlib import import_module as _import

_FAMILIES = ["linear", "conv", "pooling", "vision", "normalization", "dropout", "sparse",
             "distance", "activation", "loss", "attention"]

__all__: list = []
from importlib.util import find_spec as _find_spec  # noqa: E402  (TEMPORARY while helpers write files)

for _name in _FAMILIES:
    if _find_spec(f"{__name__}.{_name}") is None:  # TEMPORARY: made strict before commit
        continue
    _mod = _import(f"{__name__}.{_name}")
    for _sym in _mod.__all__:
        globals()[_sym] = getattr(_mod, _sym)
        __all__.append(_sym)
