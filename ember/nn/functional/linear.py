"""Linear maps (torch.nn.functional.linear, bilinear).

``linear`` dispatches the fused primitive in ``ember/ops/nn_conv.py``
(x @ W.T + b in one op with its own backward); ``bilinear`` is torch.bilinear.
"""
from __future__ import annotations

import math

from ...ops._api import check_tensor
from ...ops.nn_conv import linear_op
from ...ops.nn_conv_api import _C_NAMES, bilinear
from ...ops.registry import _torch_type_name

__all__ = ["linear", "bilinear"]


def _c(d) -> str:
    return _C_NAMES.get(d.name, d.name)


def _check_bias(bias, out_shape):
    bs = tuple(bias.shape)
    ok = len(bs) <= len(out_shape) and all(
        b in (1, o) for b, o in zip(reversed(bs), reversed(out_shape)))
    if ok:
        return
    if len(bs) > len(out_shape):
        raise RuntimeError(
            f"expand(torch.{_torch_type_name(bias._dtype)}Tensor{{{list(bs)}}}, "
            f"size={list(out_shape)}): the number of sizes provided ({len(out_shape)}) must be "
            f"greater or equal to the number of dimensions in the tensor ({len(bs)})")
    for i in range(1, len(bs) + 1):
        if bs[-i] not in (1, out_shape[-i]):
            raise RuntimeError(
                f"The expanded size of the tensor ({out_shape[-i]}) must match the existing size "
                f"({bs[-i]}) at non-singleton dimension {len(out_shape) - i}.  Target sizes: "
                f"{list(out_shape)}.  Tensor sizes: {list(bs)}")


def linear(input, weight, bias=None):
    """y = input @ weight.T + bias over the last dimension, any leading dims
    (torch.nn.functional.linear); one fused op with its own backward."""
    check_tensor(input, "linear")
    check_tensor(weight, "linear", "weight", 2)
    if bias is not None:
        check_tensor(bias, "linear", "bias", 3)
    if input.ndim == 0 or weight.ndim == 0:
        raise RuntimeError(f"both arguments to linear need to be at least 1D, but they are "
                           f"{input.ndim}D and {weight.ndim}D")
    if weight.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {weight.ndim}D")
    if bias is not None and bias._dtype is not weight._dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got "
                           f"{_torch_type_name(bias._dtype)} and {_torch_type_name(weight._dtype)}")
    if input._dtype is not weight._dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_c(input._dtype)} != {_c(weight._dtype)}")
    in_f = weight.shape[-1]
    if input.shape[-1] != in_f:
        rows = math.prod(input.shape[:-1])
        out_f = weight.shape[0] if weight.ndim == 2 else 1
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{input.shape[-1]} "
                           f"and {in_f}x{out_f})")
    if bias is not None:
        if weight.ndim == 1 and input.ndim == 2:
            raise RuntimeError("mat2 must be a matrix, got 1-D tensor")
        out_shape = tuple(input.shape[:-1]) + (tuple(weight.shape[:1]) if weight.ndim == 2 else ())
        _check_bias(bias, out_shape)
    return linear_op(input, weight, bias)
