"""Activation functions (torch.nn.functional's relu ... softmax family).

Kernels live in ember/ops/nn_activation.py; the softmax family reuses the
fused ops of ember/ops/special.py. Signatures, defaults and errors are
torch's.
"""
from __future__ import annotations

import warnings

import numpy as np

import ember

from ...ops import nn_activation as A
from ...ops._api import check_tensor
from ...ops.registry import _torch_type_name, dispatch

__all__ = [
    "relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "prelu", "rrelu", "rrelu_",
    "elu", "elu_", "selu", "selu_", "celu", "celu_", "gelu", "silu", "mish", "softplus",
    "softsign", "hardtanh", "hardtanh_", "hardsigmoid", "hardswish", "sigmoid", "tanh",
    "tanhshrink", "softshrink", "hardshrink", "threshold", "threshold_", "glu", "logsigmoid",
    "softmax", "log_softmax", "softmin", "gumbel_softmax",
]

prelu = A.prelu
hardshrink = A.hardshrink
selu_ = A.selu_
celu_ = A.celu_
rrelu_ = A.rrelu_
threshold_ = A.threshold_


# ------------------------------------------------------------ ReLU family
def relu(input, inplace: bool = False):
    """max(0, x) elementwise."""
    check_tensor(input, "relu")
    return ember.relu_(input) if inplace else ember.relu(input)


def relu_(input):
    """In-place relu."""
    check_tensor(input, "relu_")
    return ember.relu_(input)


def relu6(input, inplace: bool = False):
    """min(max(0, x), 6) elementwise (hardtanh with bounds 0 and 6)."""
    return A.apply(A._hardtanh, input, inplace, {"min_val": 0.0, "max_val": 6.0}, "relu6")


def hardtanh(input, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False):
    """Clamp to [min_val, max_val]; the gradient is 0 at and beyond the bounds."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return A.apply(A._hardtanh, input, inplace, {"min_val": min_val, "max_val": max_val},
                   "hardtanh")


def hardtanh_(input, min_val: float = -1.0, max_val: float = 1.0):
    """In-place hardtanh."""
    return hardtanh(input, min_val, max_val, inplace=True)


def leaky_relu(input, negative_slope: float = 0.01, inplace: bool = False):
    """x for x > 0, negative_slope * x otherwise."""
    return A.apply(A._leaky_relu, input, inplace, {"negative_slope": negative_slope},
                   "leaky_relu")


def leaky_relu_(input, negative_slope: float = 0.01):
    """In-place leaky_relu."""
    return leaky_relu(input, negative_slope, inplace=True)


def rrelu(input, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False):
    """Randomized leaky ReLU: slopes ~ U(lower, upper) when training, their mean otherwise."""
    return A.rrelu_(input, lower, upper, training) if inplace else \
        A.rrelu(input, lower, upper, training)


def threshold(input, threshold: float, value: float, inplace: bool = False):  # noqa: F811
    """``value`` where input <= threshold, else input."""
    return A.threshold_(input, threshold, value) if inplace else A.threshold(input, threshold, value)


# --------------------------------------------------------- exponential
def elu(input, alpha: float = 1.0, inplace: bool = False):
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""
    return A.apply(A._elu, input, inplace, {"alpha": alpha}, "elu")


def elu_(input, alpha: float = 1.0):
    """In-place elu."""
    return elu(input, alpha, inplace=True)


def selu(input, inplace: bool = False):
    """Scaled ELU with the self-normalising constants."""
    return A.selu_(input) if inplace else A.selu(input)


def celu(input, alpha: float = 1.0, inplace: bool = False):
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""
    return A.celu_(input, alpha) if inplace else A.celu(input, alpha)


# ------------------------------------------------------ smooth gates
def gelu(input, approximate: str = "none"):
    """x * Phi(x) (approximate='none', via erf) or its tanh approximation."""
    check_tensor(input, "gelu")
    if not isinstance(approximate, str):
        raise TypeError(f"gelu(): argument 'approximate' must be str, not "
                        f"{type(approximate).__name__}")
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    if approximate == "none":
        return dispatch(A._gelu, (input,))[0]
    return dispatch(A._gelu, (input,), {"approximate": "tanh"})[0]


def silu(input, inplace: bool = False):
    """x * sigmoid(x)."""
    return A.apply(A._silu, input, inplace, None, "silu")


def mish(input, inplace: bool = False):
    """x * tanh(softplus(x))."""
    return A.apply(A._mish, input, inplace, None, "mish")


def softplus(input, beta: float = 1.0, threshold: float = 20.0):  # noqa: F811
    """log(1 + exp(beta * x)) / beta, computed without overflow; x itself where
    beta * x > threshold."""
    params = None if beta == 1 and threshold == 20 else {"beta": beta, "threshold": threshold}
    return A.apply(A._softplus, input, False, params, "softplus")


def hardsigmoid(input, inplace: bool = False):
    """relu6(x + 3) / 6."""
    return A.apply(A._hardsigmoid, input, inplace, None, "hardsigmoid")


def hardswish(input, inplace: bool = False):
    """x * relu6(x + 3) / 6."""
    return A.apply(A._hardswish, input, inplace, None, "hardswish")


def sigmoid(input):
    """1 / (1 + exp(-x))."""
    return input.sigmoid()


def tanh(input):
    """Hyperbolic tangent."""
    return input.tanh()


def logsigmoid(input):
    """log(sigmoid(x)), stable for large |x|."""
    return A.apply(A._log_sigmoid, input, False, None, "log_sigmoid")


def softsign(input):
    """x / (1 + |x|)."""
    return input / (input.abs() + 1)


def tanhshrink(input):
    """x - tanh(x)."""
    return input - input.tanh()


# Largest finite value per dtype, and how torch prints it (C++ default formatting).
_DTYPE_MAX = {"float16": (65504.0, "65504"), "bfloat16": (3.3895313892515355e38, "3.38953e+38"),
              "float32": (float(np.finfo(np.float32).max), "3.40282e+38"),
              "float64": (float(np.finfo(np.float64).max), "1.79769e+308")}


def softshrink(input, lambd: float = 0.5):
    """x - lambd for x > lambd, x + lambd for x < -lambd, 0 in between."""
    check_tensor(input, "softshrink")
    A._check_float(input, "softshrink_check")
    d = input.dtype
    top, shown = _DTYPE_MAX[d.name]
    if not 0 <= lambd <= top:
        raise RuntimeError(f"lambda must be in range [0, {shown}] for input dtype "
                           f"{_torch_type_name(d)}, but found {lambd:g}")
    return input - input.clamp(-lambd, lambd)


def glu(input, dim: int = -1):
    """a * sigmoid(b) where a, b are the two halves of input along ``dim``."""
    check_tensor(input, "glu")
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = _wrap_dim(dim, input.dim())
    n = input.shape[d]
    if n % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {n}")
    A._check_float(input, "glu_cpu")
    a, b = input.chunk(2, d)
    return a * b.sigmoid()


def _wrap_dim(dim: int, ndim: int) -> int:
    if not -ndim <= dim < ndim:
        raise IndexError(f"Dimension out of range (expected to be in range of "
                         f"[{-ndim}, {ndim - 1}], but got {dim})")
    return dim % ndim


# ---------------------------------------------------------- softmax family
def _get_softmax_dim(name: str, ndim: int, stacklevel: int) -> int:
    """torch's legacy choice of dim when none is given (with its warning)."""
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. "
                  "Change the call to include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel: int = 3, dtype=None):
    """exp(x) / sum(exp(x)) along ``dim``, computed stably; ``dtype`` casts first."""
    check_tensor(input, "softmax")
    if dim is None:
        dim = _get_softmax_dim("softmax", input.dim(), _stacklevel)
    return ember.softmax(input, dim, dtype=dtype)


def softmin(input, dim=None, _stacklevel: int = 3, dtype=None):
    """softmax(-x) along ``dim``."""
    check_tensor(input, "softmin")
    if dim is None:
        dim = _get_softmax_dim("softmin", input.dim(), _stacklevel)
    return ember.softmax(-input, dim, dtype=dtype)


def log_softmax(input, dim=None, _stacklevel: int = 3, dtype=None):
    """log(softmax(x)) along ``dim``, computed stably."""
    check_tensor(input, "log_softmax")
    if dim is None:
        dim = _get_softmax_dim("log_softmax", input.dim(), _stacklevel)
    return ember.log_softmax(input, dim, dtype=dtype)


def gumbel_softmax(logits, tau: float = 1, hard: bool = False, eps: float = 1e-10, dim: int = -1):
    """Sample from the Gumbel-softmax distribution; ``hard`` returns one-hot samples
    whose gradient is the soft sample's (straight-through)."""
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    gumbels = -ember.empty_like(logits).exponential_().log()
    y_soft = ((logits + gumbels) / tau).softmax(dim)
    if not hard:
        return y_soft
    index = y_soft.max(dim, keepdim=True)[1]
    y_hard = ember.zeros_like(logits).scatter_(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft
