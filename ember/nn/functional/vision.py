"""Vision functionals (torch.nn.functional): pad, interpolate / upsample,
grid_sample, affine_grid, pixel_shuffle / pixel_unshuffle, channel_shuffle.

Constant padding is the ``constant_pad_nd`` op; the other padding modes and
the separable resampling modes are index_select gathers along one dim at a
time with per-output weights (computed with torch's coordinate formulas in the
input's precision), so their gradients and second-order gradients come from
index_select / index_add. grid_sample gathers the taps with ``gather`` and
keeps the weights as ember expressions of the grid, so the grid gets its
gradient too.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

import ember
from ...ops._api import check_tensor
from ...ops.nn_vision import constant_pad_nd
from .pooling import adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d

__all__ = ["pad", "interpolate", "upsample", "upsample_nearest", "upsample_bilinear",
           "grid_sample", "affine_grid", "pixel_shuffle", "pixel_unshuffle", "channel_shuffle",
           "native_channel_shuffle"]


# ------------------------------------------------------------------ pad
_PAD_HELP = ("Supported combinations for non-constant padding:\n"
             "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
             "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
             "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")


def _pad_index(L, before, after, mode):
    """Source positions: negative pads crop first, the rest pads the cropped range."""
    lo = max(-before, 0)
    L = L - lo - max(-after, 0)
    before, after = max(before, 0), max(after, 0)
    i = np.arange(-before, L + after)
    if mode == "reflect":
        i = np.abs(i)
        i = np.where(i >= L, 2 * (L - 1) - i, i)
    elif mode == "replicate":
        i = np.clip(i, 0, L - 1)
    else:
        i = i % L
    return i + lo


def pad(input, pad, mode="constant", value=None):
    """Pad the last len(pad)//2 dims: (left, right, top, bottom, ...) with a
    constant, or by reflection, replication or wrapping (circular)."""
    check_tensor(input, "pad")
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.dim():
        raise RuntimeError(f"Padding length should be less than or equal to two times the input "
                           f"dimension but got padding length {len(pad)} and input of dimension "
                           f"{input.dim()}")
    if mode == "constant":
        return constant_pad_nd(input, pad, 0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    n = len(pad) // 2
    if input.dim() not in (n + 1, n + 2) or n > 3:
        raise NotImplementedError(f"Padding size {len(pad)} is not supported for {input.dim()}D "
                                  f"input tensor.\n{_PAD_HELP}")
    shape = list(input.shape)
    for d in range(1 if input.dim() == n + 2 else 0, input.dim()):
        if shape[d] == 0:
            raise RuntimeError(f"Expected {n + 1}D or {n + 2}D (batch mode) tensor with possibly "
                               f"0 batch size and other non-zero dimensions for input, but got: "
                               f"{shape}")
    out = input
    for i in range(n):
        dim = input.dim() - 1 - i
        before, after = pad[2 * i], pad[2 * i + 1]
        L = shape[dim]
        if mode == "reflect" and (before >= L or after >= L):
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding "
                               f"input dimension, but got: padding ({before}, {after}) at "
                               f"dimension {dim} of input {shape}")
        if mode == "circular" and (before > L or after > L):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if L + before + after < 0:
            raise RuntimeError(f"input tensor has a negative output size in dimension {dim}")
        if before == 0 and after == 0:
            continue
        idx = ember.tensor(_pad_index(L, before, after, mode), device=input.device)
        out = out.index_select(dim, idx)
    return out if out is not input else input.clone()


# ---------------------------------------------------------- interpolate
_MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact")
_NEEDS = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}


def _source_scale(L, o, align_corners, scale, dt):
    if align_corners:
        return dt((L - 1) / (o - 1)) if o > 1 else dt(0)
    if scale is not None and scale > 0:
        return dt(1.0 / scale)
    return dt(L) / dt(o)


def _source_index(scale, o, align_corners, cubic, dt):
    i = np.arange(o).astype(dt)
    if align_corners:
        return scale * i
    src = scale * (i + dt(0.5)) - dt(0.5)
    return src if cubic else np.maximum(src, dt(0))


def _nearest_table(L, o, scale, exact):
    if not exact and o == L:
        return np.arange(o)[:, None], None
    if not exact and o == 2 * L:
        return (np.arange(o) >> 1)[:, None], None
    s = np.float32(1.0 / scale) if scale is not None and scale > 0 else np.float32(L) / np.float32(o)
    i = np.arange(o).astype(np.float32)
    src = np.floor((i + np.float32(0.5)) * s if exact else i * s).astype(np.int64)
    return np.minimum(src, L - 1)[:, None], None


def _linear_table(L, o, scale, align_corners, dt):
    s = _source_scale(L, o, align_corners, scale, dt)
    src = _source_index(s, o, align_corners, False, dt)
    i0 = np.minimum(np.floor(src).astype(np.int64), L - 1)
    lam = np.clip(src - i0.astype(dt), 0, 1).astype(dt)
    i1 = i0 + (i0 < L - 1)
    return np.stack([i0, i1], 1), np.stack([dt(1) - lam, lam], 1)


def _cubic_coeffs(t, dt):
    A = dt(-0.75)

    def cc1(x):
        return ((A + 2) * x - (A + 3)) * x * x + 1

    def cc2(x):
        return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A
    return np.stack([cc2(t + 1), cc1(t), cc1(1 - t), cc2(2 - t)], 1).astype(dt)


def _cubic_table(L, o, scale, align_corners, dt):
    s = _source_scale(L, o, align_corners, scale, dt)
    src = _source_index(s, o, align_corners, True, dt)
    i0 = np.minimum(np.floor(src).astype(np.int64), L - 1)
    t = np.clip(src - i0.astype(dt), 0, 1).astype(dt)
    idx = np.clip(i0[:, None] - 1 + np.arange(4)[None, :], 0, L - 1)
    return idx, _cubic_coeffs(t, dt)


def _aa_table(L, o, scale, align_corners, dt, cubic):
    """torch's antialiased (area-weighted filter) weights for one dim."""
    s = float(_source_scale(L, o, align_corners, scale, np.float64))
    support = (2.0 if cubic else 1.0) * (s if s >= 1.0 else 1.0)
    inv = 1.0 / s if s >= 1.0 else 1.0
    center = s * (np.arange(o) + 0.5)
    xmin = np.maximum((center - support + 0.5).astype(np.int64), 0)
    xmax = np.minimum((center + support + 0.5).astype(np.int64), L) - xmin
    K = int(xmax.max())
    j = np.arange(K)[None, :]

    def filt(x):
        x = np.abs(x)
        if not cubic:
            return np.where(x < 1.0, 1.0 - x, 0.0)
        a = -0.5
        return np.where(x < 1.0, ((a + 2) * x - (a + 3)) * x * x + 1,
                        np.where(x < 2.0, (((x - 5) * x + 8) * x - 4) * a, 0.0))
    w = filt((j + xmin[:, None] - center[:, None] + 0.5) * inv)
    w = np.where(j < xmax[:, None], w, 0.0)
    total = w.sum(1, keepdims=True)
    w = np.where(total != 0, w / np.where(total == 0, 1, total), 0.0)
    idx = np.minimum(xmin[:, None] + j, L - 1)
    return idx, w.astype(dt)


def _resample(x, dims, tables):
    """Apply per-dim (index, weight) tables: out = sum_k w[:, k] * x[..., idx[:, k], ...]."""
    for dim, (idx, w) in reversed(list(zip(dims, tables))):
        shape = [1] * x.dim()
        shape[dim] = idx.shape[0]
        total = None
        for k in range(idx.shape[1]):
            term = x.index_select(dim, ember.tensor(idx[:, k], device=x.device))
            if w is not None:
                term = term * ember.tensor(w[:, k].reshape(shape), dtype=x.dtype, device=x.device)
            total = term if total is None else total + term
        x = total
    return x


def _sizes(input, size, scale_factor, recompute_scale_factor):
    nd = input.dim() - 2
    spatial = list(input.shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if recompute_scale_factor:
            raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
        if isinstance(size, (list, tuple)):
            if len(size) != nd:
                raise ValueError(
                    f"Input and output must have the same number of spatial dimensions, but got "
                    f"input with spatial dimensions of {spatial} and output size of {size}. "
                    f"Please provide input tensor in (N, C, d1, d2, ...,dK) format and output "
                    f"size in (o1, o2, ...,oK) format.")
            out = [int(s) for s in size]
        else:
            out = [int(size)] * nd
        return out, [None] * nd
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    if isinstance(scale_factor, (list, tuple)):
        if len(scale_factor) != nd:
            raise ValueError(
                f"Input and scale_factor must have the same number of spatial dimensions, but "
                f"got input with spatial dimensions of {spatial} and scale_factor of shape "
                f"{scale_factor}. Please provide input tensor in (N, C, d1, d2, ...,dK) format "
                f"and scale_factor in (s1, s2, ...,sK) format.")
        scales = [float(s) for s in scale_factor]
    else:
        scales = [float(scale_factor)] * nd
    out = [int(math.floor(float(L) * s)) for L, s in zip(spatial, scales)]
    return out, ([None] * nd if recompute_scale_factor else scales)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial dims (N, C, d1, ...) with torch's modes and coordinate rules."""
    check_tensor(input, "interpolate")
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    if antialias and not (mode in ("bilinear", "bicubic") and input.dim() == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes "
                         "and requires a 4-D tensor as input")
    if mode not in _MODES or input.dim() not in (3, 4, 5):
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.dim()}D) for "
            f"the modes: nearest | linear | bilinear | bicubic | trilinear | lanczos | area | "
            f"nearest-exact (got {mode})")
    if mode in _NEEDS and input.dim() != _NEEDS[mode]:
        raise NotImplementedError(f"Got {input.dim()}D input, but {mode} mode needs "
                                  f"{_NEEDS[mode]}D input")
    out, scales = _sizes(input, size, scale_factor, recompute_scale_factor)
    nd = input.dim() - 2
    spatial = list(input.shape[2:])
    if any(o <= 0 for o in out) or any(L <= 0 for L in spatial):
        names = ["D", "H", "W"][3 - nd:]
        raise RuntimeError(
            "Input and output sizes should be greater than 0, but got input ("
            + ", ".join(f"{n}: {v}" for n, v in zip(names, spatial)) + ") output ("
            + ", ".join(f"{n}: {v}" for n, v in zip(names, out)) + ")")
    if mode == "area":
        return (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[nd - 1](input, out)
    _check_interp_dtype(input, mode, nd)
    dt = np.float64 if input.dtype is ember.float64 else np.float32
    tables = []
    for L, o, s in zip(spatial, out, scales):
        if mode in ("nearest", "nearest-exact"):
            tables.append(_nearest_table(L, o, s, mode == "nearest-exact"))
        elif antialias:
            tables.append(_aa_table(L, o, s, align_corners, dt, mode == "bicubic"))
        elif mode == "bicubic":
            tables.append(_cubic_table(L, o, s, align_corners, dt))
        else:
            tables.append(_linear_table(L, o, s, align_corners, dt))
    return _resample(input, list(range(2, input.dim())), tables)


def _check_interp_dtype(input, mode, nd):
    d = input.dtype
    if d.is_floating_point or (mode in ("nearest", "nearest-exact") and d is ember.uint8):
        return
    from ...ops.registry import _torch_type_name
    word = {"nearest": "nearest", "nearest-exact": "nearest_exact"}.get(mode, mode)
    word = {"linear": "linear1d", "bilinear": "bilinear2d", "trilinear": "trilinear3d",
            "bicubic": "bicubic2d"}.get(word, f"{word}{nd}d")
    raise NotImplementedError(f'"upsample_{word}_channels_last" not implemented for '
                              f"'{_torch_type_name(d)}'")


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated alias of interpolate."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated: nearest interpolation."""
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated: bilinear interpolation with align_corners=True."""
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# ---------------------------------------------------- grid_sample / affine_grid
def _warn_align_corners(align_corners):
    if align_corners is None:
        warnings.warn("Default grid_sample and affine_grid behavior has changed to "
                      "align_corners=False since 1.3.0. Please specify align_corners=True if the "
                      "old behavior is desired. See the documentation of grid_sample for details.",
                      UserWarning, stacklevel=3)


def _unnormalize(coord, size, align_corners):
    if align_corners:
        return (coord + 1) / 2 * (size - 1)
    return ((coord + 1) * size - 1) / 2


def _reflect(x, twice_low, twice_high):
    if twice_low == twice_high:
        return x * 0
    lo = twice_low / 2
    span = (twice_high - twice_low) / 2
    x = (x - lo).abs()
    extra = x.fmod(span)
    flips = (x / span).floor().detach()
    even = (flips.remainder(2) == 0)
    return ember.where(even, extra + lo, span - extra + lo)


def _apply_padding(coord, size, padding_mode, align_corners):
    if padding_mode == "border":
        return coord.clamp(0, size - 1)
    if padding_mode == "reflection":
        if align_corners:
            coord = _reflect(coord, 0, 2 * (size - 1))
        else:
            coord = _reflect(coord, -1, 2 * size - 1)
        return coord.clamp(0, size - 1)
    return coord


def _gather_taps(flat, sizes, coords, padding_mode):
    """Values of input (N, C, prod(sizes)) at integer tap coordinates (tensors of
    shape (N, *out)), zero where a tap lies outside (zeros padding)."""
    n, c = flat.shape[0], flat.shape[1]
    valid = None
    lin = None
    for coord, size in zip(coords, sizes):
        ok = (coord >= 0) & (coord <= size - 1)
        valid = ok if valid is None else valid & ok
        ci = coord.clamp(0, size - 1).long()
        lin = ci if lin is None else lin * size + ci
    out_shape = tuple(lin.shape[1:])
    index = lin.reshape(n, 1, -1).expand(n, c, lin[0].numel())
    vals = flat.gather(2, index).reshape(n, c, *out_shape)
    if padding_mode == "zeros":
        vals = vals * valid.unsqueeze(1).to(vals.dtype)
    return vals


def grid_sample(input, grid, mode="bilinear", padding_mode="zeros", align_corners=None):
    """Sample ``input`` (N, C, [D,] H, W) at ``grid`` (N, [D,] H, W, 2|3) positions in [-1, 1]."""
    check_tensor(input, "grid_sample")
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' "
                         f"or 'bicubic', but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         f"'border', or 'reflection', but got: '{padding_mode}'")
    _warn_align_corners(align_corners)
    align_corners = bool(align_corners)
    nd = grid.dim() - 2
    if input.dim() != grid.dim() or input.shape[0] != grid.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, but "
                           f"got input with sizes {list(input.shape)} and grid with sizes "
                           f"{list(grid.shape)}")
    if input.dim() not in (4, 5):
        raise RuntimeError(f"grid_sampler(): expected 4D or 5D input and grid with same number of "
                           f"dimensions, but got input with sizes {list(input.shape)} and grid "
                           f"with sizes {list(grid.shape)}")
    if grid.shape[-1] != nd:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {nd} in last dimension, "
                           f"but got grid with sizes {list(grid.shape)}")
    if mode == "bicubic" and nd != 2:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    sizes = list(input.shape[2:])               # (D,) H, W
    n, c = input.shape[0], input.shape[1]
    flat = input.reshape(n, c, -1)
    # grid's last dim is (x, y[, z]): x indexes W, the last spatial dim
    raw = [_unnormalize(grid[..., nd - 1 - d], sizes[d], align_corners) for d in range(nd)]
    if mode == "bicubic":
        return _grid_bicubic(flat, sizes, raw, padding_mode, align_corners)
    coords = [_apply_padding(r, s, padding_mode, align_corners) for r, s in zip(raw, sizes)]
    if mode == "nearest":
        taps = [co.detach().round() for co in coords]   # half to even, like nearbyint
        return _gather_taps(flat, sizes, taps, padding_mode)
    lo = [co.detach().floor() for co in coords]
    out = None
    for corner in range(2 ** nd):
        bits = [(corner >> (nd - 1 - d)) & 1 for d in range(nd)]
        weight = None
        for d, b in enumerate(bits):
            w = (coords[d] - lo[d]) if b else (lo[d] + 1 - coords[d])
            weight = w if weight is None else weight * w
        taps = [lo[d] + bits[d] for d in range(nd)]
        term = _gather_taps(flat, sizes, taps, padding_mode) * weight.unsqueeze(1)
        out = term if out is None else out + term
    return out


def _cubic_weights(t):
    A = -0.75

    def cc1(x):
        return ((A + 2) * x - (A + 3)) * x * x + 1

    def cc2(x):
        return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A
    return [cc2(t + 1), cc1(t), cc1(1 - t), cc2(2 - t)]


def _grid_bicubic(flat, sizes, raw, padding_mode, align_corners):
    lo = [r.detach().floor() for r in raw]
    wy = _cubic_weights(raw[0] - lo[0])
    wx = _cubic_weights(raw[1] - lo[1])
    out = None
    for i in range(4):
        for j in range(4):
            ty = _tap_coord(lo[0] - 1 + i, sizes[0], padding_mode, align_corners)
            tx = _tap_coord(lo[1] - 1 + j, sizes[1], padding_mode, align_corners)
            term = _gather_taps(flat, sizes, [ty, tx], padding_mode) * (wy[i] * wx[j]).unsqueeze(1)
            out = term if out is None else out + term
    return out


def _tap_coord(coord, size, padding_mode, align_corners):
    return _apply_padding(coord, size, padding_mode, align_corners).detach().floor()


def _base_coords(steps, align_corners, dtype):
    if steps <= 1:
        return np.zeros(max(steps, 1))[:steps] if steps == 0 else np.zeros(1)
    r = np.linspace(-1.0, 1.0, steps)
    return r if align_corners else r * (steps - 1) / steps


def affine_grid(theta, size, align_corners=None):
    """Sampling grid (N, [D,] H, W, 2|3) of the affine maps ``theta`` (N, 2, 3) or (N, 3, 4)."""
    check_tensor(theta, "affine_grid", "theta")
    _warn_align_corners(align_corners)
    align_corners = bool(align_corners)
    size = tuple(int(s) for s in size)
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got "
                         f"{str(theta.dtype).replace('ember.', 'torch.')}")
    if len(size) == 4:
        if theta.dim() != 3 or tuple(theta.shape[-2:]) != (2, 3):
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size "
                             f"{size}. Got {_shape_str(theta)}.")
        spatial = size[-2:]
    elif len(size) == 5:
        if theta.dim() != 3 or tuple(theta.shape[-2:]) != (3, 4):
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size "
                             f"{size}. Got {_shape_str(theta)}.")
        spatial = size[-3:]
    else:
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D "
                                  f"affine transforms, respectively. Got size {size}.")
    if min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    nd = len(spatial)
    axes = [_base_coords(s, align_corners, None) for s in spatial]   # (D,) H, W
    mesh = np.meshgrid(*axes, indexing="ij")
    cols = [mesh[nd - 1 - k] for k in range(nd)] + [np.ones(spatial)]   # x, y, (z,) 1
    base = np.stack(cols, -1).reshape(1, -1, nd + 1)
    base_t = ember.tensor(base, dtype=theta.dtype, device=theta.device)
    grid = base_t @ theta.transpose(1, 2)
    return grid.reshape(size[0], *spatial, nd)


def _shape_str(t):
    return "torch.Size([" + ", ".join(map(str, t.shape)) + "])"


# -------------------------------------------------------------- shuffles
def pixel_shuffle(input, upscale_factor):
    """(*, C*r*r, H, W) -> (*, C, H*r, W*r)."""
    check_tensor(input, "pixel_shuffle")
    r = int(upscale_factor)
    if input.dim() < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got "
                           f"input with {input.dim()} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible "
                           f"by the square of upscale_factor, but input.size(-3)={c} is not "
                           f"divisible by {r * r}")
    n = len(lead)
    x = input.reshape(*lead, c // (r * r), r, r, h, w)
    x = x.permute(*range(n), n, n + 3, n + 1, n + 4, n + 2)
    return x.reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H*r, W*r) -> (*, C*r*r, H, W)."""
    check_tensor(input, "pixel_unshuffle")
    r = int(downscale_factor)
    if input.dim() < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but "
                           f"got input with {input.dim()} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    *lead, c, h, w = input.shape
    if h % r:
        raise RuntimeError(f"pixel_unshuffle expects height to be divisible by downscale_factor, "
                           f"but input.size(-2)={h} is not divisible by {r}")
    if w % r:
        raise RuntimeError(f"pixel_unshuffle expects width to be divisible by downscale_factor, "
                           f"but input.size(-1)={w} is not divisible by {r}")
    n = len(lead)
    x = input.reshape(*lead, c, h // r, r, w // r, r)
    x = x.permute(*range(n), n, n + 2, n + 4, n + 1, n + 3)
    return x.reshape(*lead, c * r * r, h // r, w // r)


def channel_shuffle(input, groups):
    """Interleave channels of ``groups`` groups: (N, g*k, *) viewed (N, g, k, *) -> (N, k, g, *)."""
    check_tensor(input, "channel_shuffle")
    g = int(groups)
    if input.dim() <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with "
                           f"sizes {list(input.shape)}")
    if g <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of "
                           f"groups:{g}")
    n, c, *rest = input.shape
    if c % g:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels and "
                           f"{g} groups.")
    x = input.reshape(n, g, c // g, *rest).transpose(1, 2)
    return x.reshape(n, c, *rest)


native_channel_shuffle = channel_shuffle
