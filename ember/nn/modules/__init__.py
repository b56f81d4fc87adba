"""The layer classes (torch.nn.modules): every family file's __all__ is re-exported."""
from importlib import import_module as _import

from .module import Module  # noqa: F401
from .container import (  # noqa: F401
    ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential,
)

_FAMILIES = ["linear", "conv", "fold", "pooling", "padding", "pixelshuffle", "upsampling",
             "flatten", "channelshuffle", "batchnorm", "instancenorm", "normalization",
             "dropout", "sparse", "distance", "activation", "activation_mha", "loss", "rnn",
             "transformer"]

__all__ = ["Module", "Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict"]
for _name in _FAMILIES:
    _mod = _import(f"{__name__}.{_name}")
    for _sym in _mod.__all__:
        globals()[_sym] = getattr(_mod, _sym)
        __all__.append(_sym)
