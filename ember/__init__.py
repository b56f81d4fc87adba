"""ember: a deep-learning framework whose public API is PyTorch's.

``import ember as torch`` and run PyTorch code. The namespace is bound from
the operator registry (``ember/ops``): every function here and every Tensor
method is an alias of one op definition.
"""
from __future__ import annotations

__version__ = "0.1.0"

import builtins as _builtins  # inside this module bool/int/float name ember dtypes
import warnings as _warnings

# NumPy reports overflow / invalid values (inf * 0, log(0), ...) as RuntimeWarnings;
# torch computes the same inf/nan silently. Wrapping each kernel in np.errstate
# would cost microseconds per op, so ember's own kernels are filtered here instead.
_warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"ember\.")

from . import _dtype
from ._dtype import (  # noqa: F401
    bfloat16, complex64, complex128, dtype, finfo, float16, float32, float64,
    get_default_dtype, iinfo, int8, int16, int32, int64, promote_types,
    set_default_dtype, uint8,
)
from ._dtype import bool_ as bool  # noqa: A001 - torch's name
from ._device import device, get_default_device, set_default_device  # noqa: F401
from ._tensor import Size, Tensor  # noqa: F401
from . import ops as _ops

_ops.load_all()
from .ops._api import FUNCTIONS as _FUNCTIONS, bind_methods as _bind_methods
from .ops.operators import bind_operators as _bind_operators
from .autograd.grad_mode import (  # noqa: F401
    enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled, no_grad,
    set_grad_enabled,
)
from . import autograd  # noqa: F401

globals().update({k: v for k, v in _dtype.ALIASES.items() if k != "bool"})
_bind_methods(Tensor)
_bind_operators(Tensor)
globals().update(_FUNCTIONS)


class _Constant:
    """A named singleton such as ember.strided or ember.contiguous_format."""

    def __init__(self, name: str):
        self._name = name

    def __repr__(self) -> str:
        return "ember." + self._name


strided = _Constant("strided")
sparse_coo = _Constant("sparse_coo")
jagged = _Constant("jagged")
contiguous_format = _Constant("contiguous_format")
preserve_format = _Constant("preserve_format")
channels_last = _Constant("channels_last")
channels_last_3d = _Constant("channels_last_3d")

import math as _math  # noqa: E402

inf = _math.inf
nan = _math.nan
pi = _math.pi
e = _math.e
newaxis = None


def is_tensor(obj) -> bool:
    """Whether obj is an ember Tensor (torch.is_tensor)."""
    return isinstance(obj, Tensor)


def numel(input: Tensor) -> int:
    """The number of elements of input (torch.numel)."""
    return input.numel()


def is_floating_point(input: Tensor) -> _builtins.bool:
    """Whether input's dtype is a floating type (torch.is_floating_point)."""
    return input.is_floating_point()


def is_complex(input: Tensor) -> _builtins.bool:
    """Whether input's dtype is complex (torch.is_complex)."""
    return input.is_complex()


def is_nonzero(input: Tensor) -> _builtins.bool:
    """bool(input) for a one-element tensor (torch.is_nonzero)."""
    if input.numel() != 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous"
                           if input.numel() else
                           "Boolean value of Tensor with no values is ambiguous")
    return _builtins.bool(input.item())


def result_type(tensor1, tensor2) -> dtype:
    """The dtype an arithmetic op on the two arguments would produce (torch.result_type)."""
    from .ops.registry import _promote
    return _promote((tensor1, tensor2))


def can_cast(from_: dtype, to: dtype) -> bool:
    """Whether a value of dtype from_ may be cast to to under torch's casting rules."""
    return _dtype.can_cast(from_, to)


# ------------------------------------------------------------- global settings

_settings = {"deterministic": False, "warn_only": False, "matmul_precision": "highest"}


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Record the deterministic-algorithms flag (ember's CPU kernels are deterministic)."""
    # note: inside this module bool/int/float name ember dtypes, as in torch
    _settings["deterministic"], _settings["warn_only"] = _builtins.bool(mode), warn_only


def are_deterministic_algorithms_enabled() -> bool:
    return _settings["deterministic"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    return _settings["warn_only"]


def set_float32_matmul_precision(precision: str) -> None:
    """'highest', 'high' or 'medium'; ember computes float32 matmul in full float32."""
    if precision not in ("highest", "high", "medium"):
        raise RuntimeError(f"Invalid precision: {precision}. Expected one of: highest, high, medium")
    _settings["matmul_precision"] = precision


def get_float32_matmul_precision() -> str:
    return _settings["matmul_precision"]


from . import _printing  # noqa: E402,F401  (registers set_printoptions)
from . import linalg, random, return_types, special  # noqa: E402,F401

# The larger subpackages load on first use (PEP 562), so that `import ember`
# costs little more than NumPy itself; `ember.nn` and `import ember.nn` both work.
_LAZY_SUBMODULES = ("nn", "optim", "utils", "serialization", "testing", "datasets", "examples",
                    "func")
_LAZY_ATTRIBUTES = {"save": "serialization", "load": "serialization"}


def __getattr__(name: str):
    from importlib import import_module
    if name in _LAZY_SUBMODULES:
        return import_module(f"{__name__}.{name}")
    if name in _LAZY_ATTRIBUTES:
        value = getattr(import_module(f"{__name__}.{_LAZY_ATTRIBUTES[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'ember' has no attribute '{name}'")


def __dir__() -> list:
    return sorted(set(globals()) | set(_LAZY_SUBMODULES) | set(_LAZY_ATTRIBUTES))
