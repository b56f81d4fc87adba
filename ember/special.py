"""``ember.special``: torch.special's names.

Most are aliases of ``ember.*`` functions (``gammaln`` is ``lgamma``, ``psi``
is ``digamma``, ``expit`` is ``sigmoid``...); the ones torch keeps only in
this namespace (``i0e``, ``i1``, ``i1e``, ``ndtr``, ``ndtri``, ``log_ndtr``,
``erfcx``, ``entr``, ``xlog1py``) come from ``ember/ops/special.py``. Aliases
are looked up when first used, so a function that another op family adds
later (``logsumexp``) appears here without an edit.
"""
from __future__ import annotations

from .ops._api import FUNCTIONS as _FUNCTIONS
from .ops.special import (  # noqa: F401  (re-exported)
    special_entr as entr, special_erfcx as erfcx,
                          special_i0e as i0e, special_i1 as i1, special_i1e as i1e,
                          special_log_ndtr as log_ndtr, special_ndtr as ndtr,
                          special_ndtri as ndtri, special_xlog1py as xlog1py)

# torch.special name -> ember.* name
_ALIASES = {
    "erf": "erf", "erfc": "erfc", "erfinv": "erfinv", "expit": "sigmoid", "logit": "logit",
    "log_softmax": "log_softmax", "softmax": "softmax", "logsumexp": "logsumexp",
    "gammaln": "lgamma", "digamma": "digamma", "psi": "digamma", "polygamma": "polygamma",
    "multigammaln": "mvlgamma", "i0": "i0", "sinc": "sinc", "xlogy": "xlogy", "round": "round",
    "exp2": "exp2", "expm1": "expm1", "log1p": "log1p",
}

__all__ = sorted(set(_ALIASES) | {"entr", "erfcx", "i0e", "i1", "i1e", "log_ndtr", "ndtr",
                                  "ndtri", "xlog1py"})


def __getattr__(name: str):
    target = _ALIASES.get(name)
    if target is not None and target in _FUNCTIONS:
        fn = _FUNCTIONS[target]
        globals()[name] = fn
        return fn
    raise AttributeError(f"module 'ember.special' has no attribute '{name}'")


def __dir__():
    return __all__
