"""ember.nn.utils: gradient clipping, parameter/vector conversion,
parametrizations, weight/spectral norm, fusion, and the rnn helpers."""
from importlib import import_module as _import


from importlib.util import find_spec as _find_spec  # noqa: E402

_FAMILIES = ["clip_grad", "convert_parameters", "weight_norm", "spectral_norm", "fusion"]

__all__: list = []
for _sub in ("parametrizations", "parametrize", "rnn"):  # TEMPORARY tolerant
    if _find_spec(f"{__name__}.{_sub}") is not None:
        globals()[_sub] = _import(f"{__name__}.{_sub}")
from importlib.util import find_spec as _find_spec  # noqa: E402  (TEMPORARY while helpers write files)

for _name in _FAMILIES:
    if _find_spec(f"{__name__}.{_name}") is None:  # TEMPORARY: made strict before commit
        continue
    _mod = _import(f"{__name__}.{_name}")
    for _sym in _mod.__all__:
        globals()[_sym] = getattr(_mod, _sym)
        __all__.append(_sym)
