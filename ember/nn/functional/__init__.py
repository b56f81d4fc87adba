"""ember.nn.functional: the functional form of the layers (torch.nn.functional)."""
from importlib import import_module as _import

_FAMILIES = ["linear", "conv", "pooling", "vision", "normalization", "dropout", "sparse",
             "distance", "activation", "loss", "attention"]

__all__: list = []
for _name in _FAMILIES:
    _mod = _import(f"{__name__}.{_name}")
    for _sym in _mod.__all__:
        globals()[_sym] = getattr(_mod, _sym)
        __all__.append(_sym)
