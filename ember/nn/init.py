"""Parameter initialisation (torch.nn.init).

Every function fills its tensor in place under ``no_grad`` and returns it, so it
can be applied to a leaf Parameter that requires grad. The distributions and
their parameters (fan computation, gains) are torch's; the random streams are
ember's own.
"""
from __future__ import annotations

import math
import warnings

import ember

__all__ = [
    "calculate_gain",
    "uniform_",
    "normal_",
    "trunc_normal_",
    "constant_",
    "ones_",
    "zeros_",
    "eye_",
    "dirac_",
    "xavier_uniform_",
    "xavier_normal_",
    "kaiming_uniform_",
    "kaiming_normal_",
    "orthogonal_",
    "sparse_",
    "uniform",
    "normal",
    "constant",
    "eye",
    "dirac",
    "xavier_uniform",
    "xavier_normal",
    "kaiming_uniform",
    "kaiming_normal",
    "orthogonal",
    "sparse",
]

_LINEAR_LIKE = frozenset({
    "linear", "conv1d", "conv2d", "conv3d",
    "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "sigmoid",
})


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for a nonlinearity (1 for linear/conv/sigmoid, 5/3 for tanh,
    sqrt(2) for relu, sqrt(2 / (1 + slope**2)) for leaky_relu, 3/4 for selu)."""
    if nonlinearity in _LINEAR_LIKE:
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


# ------------------------------------------------------------------ plain fills
def uniform_(tensor, a: float = 0.0, b: float = 1.0, generator=None):
    """Fill tensor with samples of U(a, b)."""
    with ember.no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(tensor, mean: float = 0.0, std: float = 1.0, generator=None):
    """Fill tensor with samples of N(mean, std**2)."""
    with ember.no_grad():
        return tensor.normal_(mean, std, generator=generator)


def constant_(tensor, val: float):
    """Fill tensor with the value val."""
    with ember.no_grad():
        return tensor.fill_(val)


def ones_(tensor):
    """Fill tensor with ones."""
    return constant_(tensor, 1.0)


def zeros_(tensor):
    """Fill tensor with zeros."""
    with ember.no_grad():
        return tensor.zero_()


def trunc_normal_(tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0,
                  generator=None):
    """Fill tensor with samples of N(mean, std**2) restricted to [a, b].

    When the interval holds much of the mass, out-of-range normal samples are
    redrawn until none is left; otherwise (narrow intervals, tails) the normal CDF
    is inverted in float64 on the side of the mean where its values are small, which
    stays accurate far in a tail."""
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
                      "The distribution of values may be incorrect.", stacklevel=2)
    alpha = (a - mean) / std          # ZeroDivisionError for std == 0, as torch
    beta = (b - mean) / std
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                           f"from={_fmt(a)} > to={_fmt(b)}")
    lo, hi = sorted((alpha, beta))
    mass = 0.5 * (math.erf(hi / math.sqrt(2.0)) - math.erf(lo / math.sqrt(2.0)))
    with ember.no_grad():
        if tensor.numel() == 0:
            return tensor
        if mass > 0.3:
            _trunc_normal_by_rejection(tensor, mean, abs(std), a, b, generator)
        else:
            _trunc_normal_by_inversion(tensor, mean, abs(std), lo, hi, generator)
        return tensor.clamp_(a, b)


def _trunc_normal_by_rejection(tensor, mean, std, a, b, generator):
    tensor.normal_(mean, std, generator=generator)
    outside = (tensor < a) | (tensor > b)
    while True:
        count = int(outside.sum())
        if count == 0:
            return
        fresh = ember.empty(count, dtype=tensor.dtype, device=tensor.device)
        fresh.normal_(mean, std, generator=generator)
        tensor[outside] = fresh
        outside = (tensor < a) | (tensor > b)


def _trunc_normal_by_inversion(tensor, mean, std, lo, hi, generator):
    flip = lo > 0                     # sample the mirror image in the lower tail
    if flip:
        lo, hi = -hi, -lo
    ends = ember.special.ndtr(ember.tensor([lo, hi], dtype=ember.float64))
    cdf_lo, cdf_hi = float(ends[0]), float(ends[1])
    u = ember.empty(tensor.shape, dtype=ember.float64, device=tensor.device)
    u.uniform_(generator=generator)
    u.mul_(cdf_hi - cdf_lo).add_(cdf_lo).clamp_(min=2.2250738585072014e-308)
    z = ember.special.ndtri(u).clamp_(lo, hi)
    if flip:
        z.neg_()
    tensor.copy_(z.mul_(std).add_(mean))


def _fmt(x) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


# ------------------------------------------------------------------ structure
def eye_(tensor):
    """Fill a 2-D tensor with the identity matrix (ones on the main diagonal)."""
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    with ember.no_grad():
        tensor.copy_(ember.eye(*tensor.shape, dtype=tensor.dtype, device=tensor.device))
    return tensor


def dirac_(tensor, groups: int = 1):
    """Fill a 3-, 4- or 5-D conv weight with the Dirac delta: each group maps its first
    min(out_per_group, in_channels) input channels identically to its outputs."""
    ndim = tensor.dim()
    if ndim not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    sizes = tensor.shape
    if sizes[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    per_group = sizes[0] // groups
    n = min(per_group, sizes[1])
    with ember.no_grad():
        tensor.zero_()
        if n > 0 and groups > 0:
            d = ember.arange(n, device=tensor.device)
            out_idx = (ember.arange(groups, device=tensor.device) * per_group)[:, None] + d[None, :]
            in_idx = d.repeat(groups)
            centre = tuple(s // 2 for s in sizes[2:])
            tensor[(out_idx.reshape(-1), in_idx) + centre] = 1
    return tensor


def _calculate_fan_in_and_fan_out(tensor):
    if tensor.dim() < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    receptive = 1
    for s in tensor.shape[2:]:
        receptive *= s
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _calculate_correct_fan(tensor, mode):
    mode = mode.lower()
    valid = ["fan_in", "fan_out"]
    if mode not in valid:
        raise ValueError(f"Mode {mode} not supported, please use one of {valid}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def xavier_uniform_(tensor, gain: float = 1.0, generator=None):
    """Glorot uniform: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = math.sqrt(3.0) * gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor, gain: float = 1.0, generator=None):
    """Glorot normal: N(0, std**2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def _kaiming_std(tensor, a, mode, nonlinearity):
    fan = _calculate_correct_fan(tensor, mode)
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                     generator=None):
    """He uniform: U(-bound, bound) with bound = gain * sqrt(3 / fan_mode)."""
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    generator=None):
    """He normal: N(0, std**2) with std = gain / sqrt(fan_mode)."""
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity), generator)


def orthogonal_(tensor, gain: float = 1, generator=None):
    """Fill with a (semi-)orthogonal matrix (trailing dimensions flattened), scaled by gain:
    the Q of a Gaussian matrix's QR factorisation with R's diagonal signs folded in, so
    that Q is Haar-distributed."""
    if tensor.dim() < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    with ember.no_grad():
        gauss = tensor.new_empty((rows, cols)).normal_(0, 1, generator=generator)
        wide = rows < cols
        if wide:
            gauss = gauss.t()
        q, r = ember.linalg.qr(gauss)
        q = q * ember.diagonal(r).sign()
        if wide:
            q = q.t()
        tensor.view_as(q).copy_(q)
        tensor.mul_(gain)
    return tensor


def sparse_(tensor, sparsity: float, std: float = 0.01, generator=None):
    """Fill a 2-D tensor with N(0, std**2) samples, then zero ceil(sparsity * rows)
    randomly chosen entries in every column."""
    if tensor.dim() != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = tensor.shape
    num_zeros = math.ceil(sparsity * rows)
    with ember.no_grad():
        tensor.normal_(0, std, generator=generator)
        if num_zeros > 0 and cols > 0:
            # An independent random permutation of the rows for every column.
            keys = ember.rand((rows, cols), generator=generator, device=tensor.device)
            zero_rows = keys.argsort(dim=0)[:num_zeros]
            tensor.scatter_(0, zero_rows, 0.0)
    return tensor


# -------------------------------------------------------- deprecated aliases
def _deprecated(fn):
    new = fn.__name__
    old = new[:-1]

    def alias(*args, **kwargs):
        warnings.warn(f"`nn.init.{old}` is now deprecated in favor of `nn.init.{new}`.",
                      FutureWarning, stacklevel=2)
        return fn(*args, **kwargs)

    alias.__name__ = alias.__qualname__ = old
    alias.__doc__ = f"Deprecated alias of {new}."
    return alias


uniform = _deprecated(uniform_)
normal = _deprecated(normal_)
constant = _deprecated(constant_)
eye = _deprecated(eye_)
dirac = _deprecated(dirac_)
xavier_uniform = _deprecated(xavier_uniform_)
xavier_normal = _deprecated(xavier_normal_)
kaiming_uniform = _deprecated(kaiming_uniform_)
kaiming_normal = _deprecated(kaiming_normal_)
orthogonal = _deprecated(orthogonal_)
sparse = _deprecated(sparse_)
