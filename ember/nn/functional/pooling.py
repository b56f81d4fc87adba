"""Pooling (torch.nn.functional): max, average, adaptive, Lp pooling and
max_unpool, with torch's signatures, argument checks and messages.

The kernels are the ops in ``ember/ops/nn_pool.py``; adaptive average
pooling is a composite (means over even bins, a bin-averaging matrix over
uneven ones) and Lp pooling is torch's formula over avg_pool.
"""
from __future__ import annotations

import numpy as np

import ember
from ...ops import nn_pool as P
from ...ops._api import check_tensor
from ...ops.registry import _torch_type_name

__all__ = [
    "max_pool1d", "max_pool2d", "max_pool3d",
    "max_pool1d_with_indices", "max_pool2d_with_indices", "max_pool3d_with_indices",
    "max_unpool1d", "max_unpool2d", "max_unpool3d",
    "avg_pool1d", "avg_pool2d", "avg_pool3d",
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d",
    "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d",
    "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices",
    "adaptive_max_pool3d_with_indices",
    "lp_pool1d", "lp_pool2d", "lp_pool3d",
]

_WORDS = {1: "one int", 2: "two ints", 3: "three ints"}


def _tuple(value, nd, what, fname, allow_none=False):
    """An int or a sequence of 1 or nd ints as an nd-tuple, with torch's message."""
    if allow_none and (value is None or (isinstance(value, (tuple, list)) and len(value) == 0)):
        return None
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return (int(value),) * nd
    if isinstance(value, (tuple, list)) and len(value) in (1, nd) and \
            all(isinstance(v, (int, np.integer)) for v in value):
        return tuple(int(v) for v in value) * (nd if len(value) == 1 else 1)
    omitted = "be omitted, " if allow_none else ""
    raise RuntimeError(f"{fname}: {what} must either {omitted}a single int, or a tuple of "
                       f"{_WORDS[nd]}")


def _check_input(input, nd, fname, style):
    check_tensor(input, fname)
    shape = list(input.shape)
    if style == "range":
        if input.dim() not in (nd + 1, nd + 2):
            raise RuntimeError(f"Expected {nd + 1} to {nd + 2} dimensions, but got "
                               f"{input.dim()}-dimensional tensor for argument #1 'self' "
                               f"(while checking arguments for {fname})")
    elif input.dim() not in (nd + 1, nd + 2):
        if style == "nonempty":
            raise RuntimeError(f"non-empty {nd + 1}D or {nd + 2}D (batch mode) tensor expected "
                               f"for input")
        raise RuntimeError(f"{fname}: Expected {nd + 1}D or {nd + 2}D (batch mode) tensor with "
                           f"optional 0 dim batch size for input, but got:{shape}")
    if any(n == 0 for n in shape[-(nd + 1):]):
        raise RuntimeError(f"Expected {nd + 1}D or {nd + 2}D (batch mode) tensor with optional "
                           f"0 dim batch size for input, but got:{shape}")


def _check_geometry(input, nd, kernel, stride, padding, dilation, ceil_mode, fname):
    if any(k <= 0 for k in kernel):
        raise RuntimeError(f"kernel size should be greater than zero, but got {_kv('k', kernel)}")
    if any(s == 0 for s in stride):
        raise RuntimeError("stride should not be zero")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"stride should be greater than zero, but got {_kv('d', stride)}")
    if any(d <= 0 for d in dilation):
        raise RuntimeError(f"dilation should be greater than zero, but got "
                           f"{_kv('dilation', dilation)}")
    for k, p, d in zip(kernel, padding, dilation):
        if p < 0:
            raise RuntimeError("pad must be non-negative")
        if p > ((k - 1) * d + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                               f"pad={p}, kernel_size={k} and dilation={d}")
    spatial = tuple(input.shape[-nd:])
    out = tuple(P.pool_out_size(L, k, s, p, d, ceil_mode)
                for L, k, s, p, d in zip(spatial, kernel, stride, padding, dilation))
    if any(o <= 0 for o in out):
        c = input.shape[-nd - 1]
        raise RuntimeError(f"Given input size: ({'x'.join(map(str, (c,) + spatial))}). "
                           f"Calculated output size: ({'x'.join(map(str, (c,) + out))}). "
                           f"Output size is too small")
    return out


def _dtype_gate(input, kernel, allow_int, allow_long=True):
    """torch's NotImplementedError for dtypes a kernel lacks."""
    d = input.dtype
    ok = d.is_floating_point or (allow_int and d is not ember.bool and not d.is_complex) or \
        (allow_long and d is ember.int64)
    if not ok:
        raise NotImplementedError(f'"{kernel}" not implemented for \'{_torch_type_name(d)}\'')


def _kv(prefix, values):
    names = {1: ["W"], 2: ["H", "W"], 3: ["T", "H", "W"]}[len(values)]
    return " ".join(f"{prefix}{n}: {v}" for n, v in zip(names, values))


# ------------------------------------------------------------ max pooling
def _max_pool(nd, input, kernel_size, stride, padding, dilation, ceil_mode, fname):
    _check_input(input, nd, fname, "nonempty" if nd > 1 else "optional")
    kernel = _tuple(kernel_size, nd, "kernel_size", fname)
    stride = _tuple(stride, nd, "stride", fname, allow_none=True) or kernel
    padding = _tuple(padding, nd, "padding", fname)
    dilation = _tuple(dilation, nd, "dilation", fname)
    _check_geometry(input, nd, kernel, stride, padding, dilation, ceil_mode, fname)
    _dtype_gate(input, fname.replace("1d", "2d"), allow_int=True)
    return P.max_pool_nd(input, kernel, stride, padding, dilation, ceil_mode)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    """1-D max pooling returning (values, indices)."""
    return _max_pool(1, input, kernel_size, stride, padding, dilation, ceil_mode, "max_pool1d")


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    """2-D max pooling returning (values, indices)."""
    return _max_pool(2, input, kernel_size, stride, padding, dilation, ceil_mode, "max_pool2d")


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    """3-D max pooling returning (values, indices)."""
    return _max_pool(3, input, kernel_size, stride, padding, dilation, ceil_mode, "max_pool3d")


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """1-D max pooling over the last dim; indices are positions along it."""
    if not return_indices and isinstance(input, ember.Tensor):
        _dtype_gate(input, "max_pool1d_impl", allow_int=False, allow_long=False)
    out = max_pool1d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    return out if return_indices else out[0]


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """2-D max pooling; indices are flattened H*W positions (torch's)."""
    out = max_pool2d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    return out if return_indices else out[0]


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """3-D max pooling; indices are flattened D*H*W positions (torch's)."""
    out = max_pool3d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    return out if return_indices else out[0]


# --------------------------------------------------------------- unpool
def _unpool_size(input, nd, kernel, stride, padding, output_size):
    default = [(input.shape[-nd + d] - 1) * stride[d] + kernel[d] - 2 * padding[d]
               for d in range(nd)]
    if output_size is None:
        return tuple(default)
    size = list(output_size)
    if len(size) == nd + 2:
        size = size[2:]
    if len(size) != nd:
        raise ValueError(f"output_size should be a sequence containing {nd} or {nd + 2} "
                         f"elements, but it has a length of '{len(size)}'")
    for d in range(nd):
        lo, hi = default[d] - stride[d], default[d] + stride[d]
        if not lo < size[d] < hi:
            raise ValueError(f'invalid output_size "{tuple(size)}" (dim {d} must be between '
                             f'{lo} and {hi})')
    return tuple(int(s) for s in size)


def _max_unpool(nd, input, indices, kernel_size, stride, padding, output_size, fname):
    check_tensor(input, fname)
    kernel = _tuple(kernel_size, nd, "kernel_size", fname)
    stride = _tuple(stride, nd, "stride", fname, allow_none=True) or kernel
    padding = _tuple(padding, nd, "padding", fname)
    size = _unpool_size(input, nd, kernel, stride, padding, output_size)
    if indices.dtype is not ember.int64:
        raise RuntimeError(f"elements in indices should be type int64 but got: "
                           f"{_torch_type_name(indices.dtype)}")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor "
                           f"({list(input.shape)}) but got indices tensor with shape: "
                           f"{list(indices.shape)}")
    if input.dim() not in (nd + 1, nd + 2):
        raise RuntimeError(f"{fname}: Expected input to be {nd + 1}D or {nd + 2}D tensor, "
                           f"but got {list(input.shape)}")
    total = int(np.prod(size))
    if indices.numel():
        lo, hi = int(indices.min()), int(indices.max())
        if lo < 0 or hi >= total:
            bad = lo if lo < 0 else hi
            vol = "x".join(map(str, size + ((1,) if nd == 1 else ())))
            raise RuntimeError(f"Found an invalid max index: {bad} (output volumes are of "
                               f"size {vol})")
    return P.pool_scatter(input, indices, size, accumulate=False, unique=True)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of max_pool1d: values placed at their indices, zeros elsewhere."""
    return _max_unpool(1, input, indices, kernel_size, stride, padding, output_size,
                       "max_unpool1d")


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of max_pool2d."""
    return _max_unpool(2, input, indices, kernel_size, stride, padding, output_size,
                       "max_unpool2d")


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of max_pool3d."""
    return _max_unpool(3, input, indices, kernel_size, stride, padding, output_size,
                       "max_unpool3d")


# -------------------------------------------------------- average pooling
def _avg_pool(nd, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override, fname):
    _check_input(input, nd, fname, {1: "range", 2: "optional", 3: "nonempty"}[nd])
    kernel = _tuple(kernel_size, nd, "kernel_size", fname)
    stride = _tuple(stride, nd, "stride", fname, allow_none=True) or kernel
    padding = _tuple(padding, nd, "padding", fname)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    _check_geometry(input, nd, kernel, stride, padding, (1,) * nd, ceil_mode, fname)
    _dtype_gate(input, "avg_pool3d_out_frame" if nd == 3 else "avg_pool2d", allow_int=False)
    return P.avg_pool_nd(input, kernel, stride, padding, ceil_mode, count_include_pad,
                         divisor_override)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """1-D average pooling over the last dim."""
    return _avg_pool(1, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     None, "avg_pool1d")


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """2-D average pooling (padding counted per count_include_pad, or a fixed divisor)."""
    return _avg_pool(2, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override, "avg_pool2d")


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """3-D average pooling."""
    return _avg_pool(3, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override, "avg_pool3d")


# ------------------------------------------------------- adaptive pooling
def _adaptive_size(input, nd, output_size, fname, kind):
    check_tensor(input, fname)
    shape = list(input.shape)
    if input.dim() not in (nd + 1, nd + 2):
        if nd == 1:
            raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.dim()}-dimensional "
                               f"tensor for argument #1 'self' (while checking arguments for "
                               f"{fname})")
        sep = ": " if kind == "max" else " "
        raise RuntimeError(f"{fname}(): Expected {nd + 1}D or {nd + 2}D tensor, but got{sep}{shape}")
    for d in range(input.dim() - nd, input.dim()):
        if shape[d] == 0:
            raise RuntimeError(f"{fname}(): Expected input to have non-zero size for non-batch "
                               f"dimensions, but input has sizes {shape} with dimension {d} "
                               f"being empty")
    if isinstance(output_size, (int, np.integer)) or output_size is None:
        size = (output_size,) * nd
    else:
        size = tuple(output_size)
        if len(size) == 1 and nd > 1:
            size = size * nd
    if len(size) != nd:
        raise RuntimeError(f"{fname}: output_size must be {nd}")
    size = tuple(shape[input.dim() - nd + i] if s is None else int(s) for i, s in enumerate(size))
    if any(s < 0 for s in size):
        raise RuntimeError(f"{fname}: elements of output_size must be greater than or equal to 0 "
                           f"but received {{{', '.join(map(str, size))}}}")
    return size


def _bin_matrix(L, o, dtype):
    start, end = P.adaptive_bins(L, o)
    j = np.arange(L)
    a = ((j[None, :] >= start[:, None]) & (j[None, :] < end[:, None])) / (end - start)[:, None]
    return ember.tensor(a.T, dtype=dtype)


def _adaptive_avg(nd, input, output_size, fname):
    size = _adaptive_size(input, nd, output_size, fname, "avg")
    if not input.is_floating_point():
        raise NotImplementedError(f'"{fname}" not implemented for '
                                  f"'{_torch_type_name(input.dtype)}'")
    x = input
    first = x.dim() - nd
    if all(s == 1 for s in size):
        return x.mean(tuple(range(first, x.dim())), keepdim=True)
    for i, o in enumerate(size):
        dim = first + i
        L = x.shape[dim]
        if o == L:
            continue
        if o and L % o == 0:
            x = x.unflatten(dim, (o, L // o)).mean(dim + 1)
        else:
            x = (x.movedim(dim, -1) @ _bin_matrix(L, o, x.dtype)).movedim(-1, dim)
    return x if x is not input else input.clone()


def adaptive_avg_pool1d(input, output_size):
    """Average over torch's adaptive bins so the last dim becomes ``output_size``."""
    return _adaptive_avg(1, input, output_size, "adaptive_avg_pool1d")


def adaptive_avg_pool2d(input, output_size):
    """Adaptive average pooling over the last two dims (None keeps a size)."""
    return _adaptive_avg(2, input, output_size, "adaptive_avg_pool2d")


def adaptive_avg_pool3d(input, output_size):
    """Adaptive average pooling over the last three dims."""
    return _adaptive_avg(3, input, output_size, "adaptive_avg_pool3d")


def _adaptive_max(nd, input, output_size, fname):
    size = _adaptive_size(input, nd, output_size, fname, "max")
    _dtype_gate(input, "adaptive_max_pool3d_cpu" if nd == 3 else "adaptive_max_pool2d",
                allow_int=False, allow_long=False)
    return P.adaptive_max_pool_nd(input, size)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=False):
    """Adaptive 1-D max pooling returning (values, indices)."""
    return _adaptive_max(1, input, output_size, "adaptive_max_pool1d")


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=False):
    """Adaptive 2-D max pooling returning (values, indices)."""
    return _adaptive_max(2, input, output_size, "adaptive_max_pool2d")


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=False):
    """Adaptive 3-D max pooling returning (values, indices)."""
    return _adaptive_max(3, input, output_size, "adaptive_max_pool3d")


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Max over torch's adaptive bins along the last dim."""
    out = adaptive_max_pool1d_with_indices(input, output_size)
    return out if return_indices else out[0]


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Adaptive max pooling over the last two dims."""
    out = adaptive_max_pool2d_with_indices(input, output_size)
    return out if return_indices else out[0]


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """Adaptive max pooling over the last three dims."""
    out = adaptive_max_pool3d_with_indices(input, output_size)
    return out if return_indices else out[0]


# ------------------------------------------------------------ Lp pooling
def _lp_finish(out, norm_type, kernel):
    # torch's formula: sign(out) * relu(|out|) is out, with zero slope at 0
    return (out.sign() * out.abs()).mul(int(np.prod(kernel))).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling: (sum over the window of x**p) ** (1/p)."""
    out = avg_pool1d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return _lp_finish(out, norm_type, _tuple(kernel_size, 1, "kernel_size", "lp_pool1d"))


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """2-D power-average pooling."""
    out = avg_pool2d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return _lp_finish(out, norm_type, _tuple(kernel_size, 2, "kernel_size", "lp_pool2d"))


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """3-D power-average pooling."""
    out = avg_pool3d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return _lp_finish(out, norm_type, _tuple(kernel_size, 3, "kernel_size", "lp_pool3d"))
