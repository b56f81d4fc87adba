"""Convolutions (torch.nn.functional.conv*, conv_transpose*, unfold, fold).

conv1d ... conv_transpose3d are the torch-namespace functions of
``ember/ops/nn_conv_api.py``; unfold / fold (im2col / col2im, 4-D or
unbatched 3-D input as in torch) dispatch the primitives of ``nn_conv``.
"""
from __future__ import annotations

import math

from ...ops._api import check_tensor
from ...ops.nn_conv import col2im_op, im2col_op, out_size
from ...ops.nn_conv_api import (conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d,
                                conv_transpose3d)

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "unfold", "fold"]


def _pair(value, name):
    if isinstance(value, int) and not isinstance(value, bool):
        return (value, value)
    value = tuple(value)
    if len(value) != 2:
        raise RuntimeError(f"It is expected {name} equals to 2, but got size {len(value)}")
    return value


def _hw(kind, vals):
    return f"{kind}_height: {vals[0]} {kind}_width: {vals[1]}"


def _geometry(kernel_size, dilation, padding, stride):
    k = _pair(kernel_size, "kernel_size")
    d = _pair(dilation, "dilation")
    p = _pair(padding, "padding")
    s = _pair(stride, "stride")
    if any(v <= 0 for v in k):
        raise RuntimeError(f"kernel size should be greater than zero, but got {_hw('kernel', k)}")
    if any(v <= 0 for v in s):
        raise RuntimeError(f"stride should be greater than zero, but got {_hw('stride', s)}")
    if any(v <= 0 for v in d):
        raise RuntimeError(f"dilation should be greater than zero, but got {_hw('dilation', d)}")
    if any(v < 0 for v in p):
        raise RuntimeError(f"padding should be non-negative, but got {_hw('pad', p)}")
    return k, d, tuple((v, v) for v in p), s


def _float_only(input, kernel):
    if input.dtype.is_floating_point or input.dtype.is_complex:
        return
    from ...ops.registry import _torch_type_name
    raise NotImplementedError(f'"{kernel}" not implemented for \'{_torch_type_name(input._dtype)}\'')


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Extract sliding local blocks: (N, C, H, W) -> (N, C*kh*kw, L) (im2col)."""
    check_tensor(input, "unfold")
    k, d, p, s = _geometry(kernel_size, dilation, padding, stride)
    if input.ndim not in (3, 4) or any(n == 0 for n in input.shape[1:]):
        raise RuntimeError(
            f"Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero "
            f"dimensions for input, but got: {list(input.shape)}")
    _float_only(input, "im2col_out_cpu")
    spatial = tuple(input.shape[-2:])
    blocks = out_size(spatial, k, s, p, d)
    if any(b < 1 for b in blocks):
        raise RuntimeError(
            f"Given input with spatial size {spatial}, kernel_size={k}, dilation={d}, "
            f"padding={tuple(lo for lo, _ in p)}, calculated shape of the array of sliding blocks "
            f"as {blocks}, but its components must be at least one.")
    x = input.unsqueeze(0) if input.ndim == 3 else input
    y = im2col_op(x, k, d, p, s)
    return y.squeeze(0) if input.ndim == 3 else y


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sum sliding local blocks back into an image: (N, C*kh*kw, L) -> (N, C, *output_size)
    (col2im, the adjoint of unfold)."""
    check_tensor(input, "fold")
    o = _pair(output_size, "output_size")
    k, d, p, s = _geometry(kernel_size, dilation, padding, stride)
    if input.ndim not in (2, 3) or any(n == 0 for n in input.shape[1:]):
        raise RuntimeError(
            f"Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and "
            f"non-zero dimensions for input, but got: {list(input.shape)}")
    _float_only(input, "col2im_out_cpu")
    if any(v <= 0 for v in o):
        raise RuntimeError(f"Expected output spatial size to be positive, but got: "
                           f"output_height = {o[0]}, output_width = {o[1]}.")
    cols = input.unsqueeze(0) if input.ndim == 2 else input
    kk = math.prod(k)
    if cols.shape[1] % kk:
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product of "
                           f"kernel_size, but got input.size(1)={cols.shape[1]} and "
                           f"kernel_size={k}.")
    blocks = out_size(o, k, s, p, d)
    if any(b < 1 for b in blocks):
        raise RuntimeError(
            f"Given output_size={o}, kernel_size={k}, dilation={d}, padding="
            f"{tuple(lo for lo, _ in p)}, stride={s}, calculated shape of the array of sliding "
            f"blocks as {blocks}, but its components must be at least one.")
    if cols.shape[2] != math.prod(blocks):
        raise RuntimeError(
            f"Given output_size={o}, kernel_size={k}, dilation={d}, padding="
            f"{tuple(lo for lo, _ in p)}, stride={s}, expected size of input's dimension 2 to match "
            f"the calculated number of sliding blocks {blocks[0]} * {blocks[1]} = "
            f"{math.prod(blocks)}, but got input.size(2)={cols.shape[2]}.")
    y = col2im_op(cols, o, k, d, p, s)
    return y.squeeze(0) if input.ndim == 2 else y
