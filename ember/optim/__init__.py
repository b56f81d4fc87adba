"""ember.optim: optimizers and learning-rate schedulers (torch.optim)."""
from importlib import import_module as _import

from . import lr_scheduler, swa_utils  # noqa: F401
from .optimizer import Optimizer  # noqa: F401

# one file per algorithm; each file's __all__ is re-exported
_ALGORITHMS = ["sgd", "adam", "adamw", "adamax", "nadam", "radam", "rmsprop", "adagrad",
               "adadelta", "asgd", "rprop", "lbfgs"]

__all__ = ["Optimizer", "lr_scheduler", "swa_utils"]
for _name in _ALGORITHMS:
    _mod = _import(f"{__name__}.{_name}")
    for _sym in _mod.__all__:
        globals()[_sym] = getattr(_mod, _sym)
        __all__.append(_sym)
