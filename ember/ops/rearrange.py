"""Shape operators that copy: flip, fliplr, flipud, roll, rot90, repeat,
tile, repeat_interleave, tril/triu (and their indices), diag, diag_embed,
diagflat; and meshgrid (expanded views)."""
from __future__ import annotations

import operator
import warnings

from .. import _dtype as D
from .._tensor import Tensor
from ._api import export, export_method
from .registry import KEEP, dispatch, dispatch_inplace, defop
from .shape import expand, reshape, size_arg, wrap_dim
from .strided import _diagonal_geometry, _embed
from .strided import diagonal as _diagonal_view


def _dims_arg(dims, ndim, unique=True) -> tuple:
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    out = []
    for d in dims:
        w = wrap_dim(d, ndim)
        if unique and w in out:
            raise RuntimeError(f"dim {w} appears multiple times in the list of dims")
        out.append(w)
    return tuple(out)


# ---------------------------------------------------------------- flip
@defop("flip", dtypes=KEEP)
def _flip(xp, x, dims):
    return xp.flip(x, axis=dims).copy() if dims and x.ndim else x.copy()


@_flip.defgrad
def _(ctx, g):
    return (g.flip(ctx.params["dims"]),)


@export("flip")
def flip(input, *dims):
    """A copy with the order of elements reversed along ``dims``."""
    dims = _dims_arg(size_arg(dims, "dims"), input._data.ndim)
    return dispatch(_flip, (input,), {"dims": dims})


@export("fliplr")
def fliplr(input):
    """Flip along dim 1 (needs at least 2 dims)."""
    if input._data.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return dispatch(_flip, (input,), {"dims": (1,)})


@export("flipud")
def flipud(input):
    """Flip along dim 0 (needs at least 1 dim)."""
    if input._data.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return dispatch(_flip, (input,), {"dims": (0,)})


# ---------------------------------------------------------------- roll
@defop("roll", dtypes=KEEP)
def _roll(xp, x, shifts, dims):
    if not x.ndim:
        return x.copy()
    return xp.roll(x, shifts, axis=dims)


@_roll.defgrad
def _(ctx, g):
    p = ctx.params
    shifts = tuple(-s for s in p["shifts"]) if isinstance(p["shifts"], tuple) else -p["shifts"]
    return (dispatch(_roll, (g,), {"shifts": shifts, "dims": p["dims"]}),)


@export("roll")
def roll(input, shifts, dims=None):
    """Rotate elements along ``dims`` by ``shifts`` (the flattened tensor when dims is None)."""
    shifts_t = (shifts,) if isinstance(shifts, int) else tuple(operator.index(s) for s in shifts)
    if dims is None:
        if len(shifts_t) != 1:
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts_t)}, "
                               f"dims:0")
        return dispatch(_roll, (input,), {"shifts": shifts_t[0], "dims": None})
    dims_t = _dims_arg(dims, input._data.ndim, unique=False)
    if len(shifts_t) != len(dims_t):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts_t)}, "
                           f"dims:{len(dims_t)}")
    return dispatch(_roll, (input,), {"shifts": shifts_t, "dims": dims_t})


# --------------------------------------------------------------- rot90
@export("rot90")
def rot90(input, k: int = 1, dims=(0, 1)):
    """Rotate by 90 degrees k times in the plane of ``dims`` (from the first towards the second)."""
    dims = tuple(dims)
    nd = input._data.ndim
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if nd < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {nd}")
    a, b = wrap_dim(dims[0], nd), wrap_dim(dims[1], nd)
    if a == b:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {a} and "
                           f"dim1 = {b}")
    k = operator.index(k) % 4
    # torch's layout: a flip followed by a transposed view
    if k == 1:
        return flip(input, b).transpose(a, b)
    if k == 2:
        return flip(input, (a, b))
    if k == 3:
        return flip(input, a).transpose(a, b)
    return input.clone()


# --------------------------------------------------------- repeat, tile
@defop("repeat", dtypes=KEEP)
def _repeat(xp, x, repeats):
    lead = len(repeats) - x.ndim
    return xp.tile(x.reshape((1,) * lead + x.shape), repeats)


@_repeat.defgrad
def _(ctx, g):
    reps = ctx.params["repeats"]
    in_shape = ctx.input_shape(0)
    padded = (1,) * (len(reps) - len(in_shape)) + tuple(in_shape)
    split = []
    for r, s in zip(reps, padded):
        split += [r, s]
    summed = g.reshape(split).sum(tuple(range(0, 2 * len(reps), 2)))
    return (summed.reshape(in_shape),)


@export_method("repeat")
def repeat(self, *sizes):
    """Tile the tensor ``sizes[i]`` times along each dim (Tensor.repeat)."""
    reps = size_arg(sizes, "repeats")
    if len(reps) < self._data.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    if any(r < 0 for r in reps):
        shape = (1,) * (len(reps) - self._data.ndim) + self._data.shape
        bad = [r * s for r, s in zip(reps, shape)]
        raise RuntimeError(f"Trying to create tensor with negative dimension "
                           f"{min(bad)}: {bad}")
    return dispatch(_repeat, (self,), {"repeats": reps})


@export("tile")
def tile(input, dims):
    """Repeat the tensor along each dim; short ``dims`` are padded with leading 1s."""
    reps = size_arg((dims,), "dims")
    reps = (1,) * (input._data.ndim - len(reps)) + reps
    return repeat(input, reps)


# ---------------------------------------------------- repeat_interleave
@defop("repeat_interleave", dtypes=KEEP)
def _repeat_interleave(xp, x, repeats, dim):
    return xp.repeat(x, repeats, axis=dim)


@_repeat_interleave.defgrad
def _(ctx, g):
    p = ctx.params
    return (dispatch(_segment_sum, (g,), {"repeats": p["repeats"], "dim": p["dim"]}),)


@defop("_segment_sum", dtypes=KEEP)
def _segment_sum(xp, g, repeats, dim):
    if isinstance(repeats, int):
        shape = g.shape[:dim] + (g.shape[dim] // repeats if repeats else 0, repeats) + \
            g.shape[dim + 1:]
        if repeats == 0:
            return xp.zeros(shape[:dim + 1] + shape[dim + 2:], dtype=g.dtype)
        return g.reshape(shape).sum(axis=dim + 1)
    n = len(repeats)
    moved = xp.moveaxis(g, dim, 0)
    out = xp.zeros((n,) + moved.shape[1:], dtype=g.dtype)
    idx = xp.repeat(xp.arange(n), repeats)
    xp.add.at(out, idx, moved)
    return xp.moveaxis(out, 0, dim).copy()


@_segment_sum.defgrad
def _(ctx, g):
    p = ctx.params
    return (dispatch(_repeat_interleave, (g,), {"repeats": p["repeats"], "dim": p["dim"]}),)


@export("repeat_interleave")
def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Repeat each element ``repeats`` times along ``dim`` (flattened when dim is
    None); with only a tensor of counts, repeat its indices."""
    if repeats is None:
        counts = _counts(input, None)
        from .creation import tensor
        idx = tensor(list(range(len(counts))), dtype=D.int64, device=input._device)
        return dispatch(_repeat_interleave, (idx,), {"repeats": counts, "dim": 0})
    x = input
    if dim is None:
        x = reshape(input, (-1,))
        d = 0
    else:
        d = wrap_dim(dim, input._data.ndim)
    if x._data.ndim == 0:
        x = reshape(x, (1,))
    n = x._data.shape[d]
    if isinstance(repeats, Tensor):
        counts = _counts(repeats, n)
        reps = counts if len(counts) != 1 else counts[0]
    else:
        reps = operator.index(repeats)
        if reps < 0:
            raise RuntimeError("repeats can not be negative")
    if isinstance(reps, tuple) and len(reps) != n:
        raise RuntimeError(f"repeats must have the same size as input along dim, but got "
                           f"repeats.size(0) = {len(reps)} and input.size({d}) = {n}")
    total = reps * n if isinstance(reps, int) else sum(reps)
    if output_size is not None and output_size != total:
        raise RuntimeError("allocated size does not match required size")
    return dispatch(_repeat_interleave, (x,), {"repeats": reps, "dim": d})


def _counts(t, n):
    if t._data.ndim > 1:
        raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
    if t._dtype.category > D.INT:
        raise RuntimeError("repeats has to be Long or Int tensor")
    counts = tuple(int(v) for v in t.reshape(-1).tolist())
    if any(c < 0 for c in counts):
        raise RuntimeError("repeats can not be negative")
    return counts


# ----------------------------------------------------------- tril, triu
def _tri(name, fw):
    @defop(name, dtypes=KEEP)
    def op(xp, x, diagonal):
        return getattr(xp, name)(x, diagonal)

    @op.defgrad
    def _(ctx, g):
        return (getattr(g, name)(ctx.params["diagonal"]),)

    def check(x):
        if x._data.ndim < 2:
            raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")

    def fn(input, diagonal: int = 0, *, out=None):
        check(input)
        r = dispatch(op, (input,), {"diagonal": operator.index(diagonal)})
        if out is not None:
            from .registry import write_out
            return write_out(out, r)
        return r

    def fn_(self, diagonal: int = 0):
        check(self)
        return dispatch_inplace(op, self, (self,), {"diagonal": operator.index(diagonal)})

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = fw
    fn_.__name__ = fn_.__qualname__ = name + "_"
    fn_.__doc__ = f"In-place {name}."
    export(name)(fn)
    export_method(name + "_")(fn_)
    return fn


tril = _tri("tril", "The lower triangle of the last two dims (elements with j - i <= diagonal).")
triu = _tri("triu", "The upper triangle of the last two dims (elements with j - i >= diagonal).")


def _tri_indices(name, row, col, offset, dtype, device):
    from .._device import as_device
    from .._tensor import _make
    if row < 0 or col < 0:
        raise RuntimeError(f"row must be non-negative, got{row}" if row < 0 else
                           f"col must be non-negative, got{col}")
    dev = as_device(device) if device is not None else _default_device()
    dtype = D.int64 if dtype is None else dtype
    xp = dev.backend.xp
    rows, cols = getattr(xp, name)(row, offset, col)
    return _make(xp.stack([rows, cols]).astype(dtype.np), dtype, dev)


def _default_device():
    from .._device import get_default_device
    return get_default_device()


@export("tril_indices", method=False)
def tril_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None, layout=None):
    """Indices (2 x N) of the lower triangle of a row x col matrix, row-major."""
    return _tri_indices("tril_indices", row, col, offset, dtype, device)


@export("triu_indices", method=False)
def triu_indices(row: int, col: int, offset: int = 0, *, dtype=None, device=None, layout=None):
    """Indices (2 x N) of the upper triangle of a row x col matrix, row-major."""
    return _tri_indices("triu_indices", row, col, offset, dtype, device)


# --------------------------------------------------- diag and its kin
@export("diag_embed")
def diag_embed(input, offset: int = 0, dim1: int = -2, dim2: int = -1):
    """A tensor whose diagonals (offset, dim1, dim2) hold input's last dim; zeros elsewhere."""
    nd = input._data.ndim + 1
    d1, d2 = wrap_dim(dim1, nd), wrap_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    shape = input._data.shape
    if not shape:
        shape = (1,)
        input = reshape(input, shape)
    m = shape[-1] + abs(offset)
    rest = iter(shape[:-1])
    out_shape = tuple(m if i in (d1, d2) else next(rest) for i in range(nd))
    return _embed(input, out_shape, _diagonal_geometry(offset, d1, d2))


@export("diag")
def diag(input, diagonal: int = 0, *, out=None):
    """1-D input: a square matrix with it on a diagonal; 2-D: a copy of a diagonal."""
    nd = input._data.ndim
    if nd == 1:
        r = diag_embed(input, diagonal, 0, 1)
    elif nd == 2:
        r = _diagonal_view(input, diagonal).clone()
    else:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {nd}D")
    if out is not None:
        from .registry import write_out
        return write_out(out, r)
    return r


@export("diagflat")
def diagflat(input, offset: int = 0):
    """A 2-D tensor with the flattened input on diagonal ``offset``."""
    return diag_embed(reshape(input, (-1,)), offset, 0, 1)


# -------------------------------------------------------------- meshgrid
@export("meshgrid", method=False)
def meshgrid(*tensors, indexing: str | None = None):
    """Coordinate grids (expanded views) from 0-D/1-D tensors; indexing 'ij' or 'xy'."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but "
                           f"received: {indexing}")
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for t in tensors:
        if t._data.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but "
                               f"got: {t}")
    first = tensors[0]
    for t in tensors[1:]:
        if t._dtype is not first._dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    swap = indexing == "xy" and len(tensors) >= 2
    order = list(tensors)
    if swap:
        order[0], order[1] = order[1], order[0]
    shape = tuple(t._data.size for t in order)
    grids = []
    for i, t in enumerate(order):
        view_shape = [1] * len(order)
        view_shape[i] = -1
        grids.append(expand(reshape(t, tuple(view_shape)), shape))
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)

