"""Vision kernels: constant padding (torch.constant_pad_nd), whose adjoint is
itself with negated pads, and the torch-namespace shuffles.

The other padding modes, interpolation, grid_sample and affine_grid are
composites over ember ops in ``ember/nn/functional/vision.py``.
"""
from __future__ import annotations

from ._api import check_tensor, export
from .registry import KEEP, defop, dispatch


def _pad_pairs(ndim, pad):
    """Per-dim (before, after) for the last len(pad)//2 dims, outermost first."""
    pairs = [(0, 0)] * ndim
    n = len(pad) // 2
    for i in range(n):
        pairs[ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    return pairs


@defop("constant_pad_nd", dtypes=KEEP)
def _constant_pad_nd(xp, x, pad, value=0):
    pairs = _pad_pairs(x.ndim, pad)
    shape = tuple(n + a + b for n, (a, b) in zip(x.shape, pairs))
    out = xp.full(shape, value, dtype=x.dtype)
    src, dst = [], []
    for n, (a, b) in zip(x.shape, pairs):
        s0, s1 = max(-a, 0), n - max(-b, 0)
        if s1 <= s0:
            return out
        src.append(slice(s0, s1))
        dst.append(slice(max(a, 0), max(a, 0) + s1 - s0))
    out[tuple(dst)] = x[tuple(src)]
    return out


@_constant_pad_nd.defgrad
def _(ctx, g):
    neg = tuple(-p for p in ctx.params["pad"])
    return (dispatch(_constant_pad_nd, (g,), {"pad": neg}),)


def _check_pad(input, pad):
    if len(pad) % 2:
        raise RuntimeError(f"Length of pad must be even but instead it equals {len(pad)}")
    if len(pad) // 2 > input.dim():
        raise RuntimeError(
            f"Length of pad should be no more than twice the number of dimensions of the input. "
            f"Pad length is {len(pad)} while the input has {input.dim()} dimensions.")
    shape = tuple(input.shape)
    for dim, (a, b) in enumerate(_pad_pairs(len(shape), pad)):
        if shape[dim] + a + b < 0:
            raise RuntimeError(
                f"The input size {shape[dim]}, plus negative padding {a} and {b} resulted in a "
                f"negative output size, which is invalid. Check dimension {dim} of your input.")


@export("constant_pad_nd", method=False)
def constant_pad_nd(input, pad, value=0):
    """Pad the last len(pad)//2 dims with ``value``; negative pads crop (torch.constant_pad_nd)."""
    check_tensor(input, "constant_pad_nd")
    pad = tuple(int(p) for p in pad)
    _check_pad(input, pad)
    if not pad or not any(pad):
        return input.clone()
    return dispatch(_constant_pad_nd, (input,), {"pad": pad, "value": value})


# ------------------------------------------------ torch-namespace aliases
def _F():
    from ..nn.functional import vision
    return vision


@export("pixel_shuffle", method=False)
def pixel_shuffle(input, upscale_factor):
    """torch.pixel_shuffle: (*, C*r*r, H, W) -> (*, C, H*r, W*r)."""
    return _F().pixel_shuffle(input, upscale_factor)


@export("pixel_unshuffle", method=False)
def pixel_unshuffle(input, downscale_factor):
    """torch.pixel_unshuffle: (*, C, H*r, W*r) -> (*, C*r*r, H, W)."""
    return _F().pixel_unshuffle(input, downscale_factor)


@export("channel_shuffle", "native_channel_shuffle", method=False)
def channel_shuffle(input, groups):
    """torch.channel_shuffle: interleave the channels of ``groups`` groups."""
    return _F().channel_shuffle(input, groups)
