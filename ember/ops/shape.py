"""Shape operators: views (view, reshape, transpose, expand, ...) and copies
(cat, stack, flip, repeat, ...)."""
from __future__ import annotations

import numpy as np

from ._api import export
from .registry import KEEP, dispatch, defop


def _size_arg(size):
    if len(size) == 1 and not isinstance(size[0], int):
        return tuple(size[0])
    return tuple(size)


@defop("reshape", dtypes=KEEP, view=True)
def _reshape(xp, x, shape):
    return xp.reshape(x, shape)


@_reshape.defgrad
def _(ctx, g):
    return (g.reshape(ctx.input_shape(0)),)


def _infer_shape(shape, numel):
    shape = list(shape)
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for s in shape:
        if s != -1:
            if s < 0:
                raise RuntimeError(f"invalid shape dimension {s}")
            known *= s
    if neg:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape[neg[0]] = numel // known
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return tuple(shape)


@export("reshape")
def reshape(input, *shape):
    """Same data with a new shape; a view when possible, else a copy (torch.reshape)."""
    shape = _infer_shape(_size_arg(shape), input._data.size)
    out = dispatch(_reshape, (input,), {"shape": shape})
    if not np.shares_memory(out._data, input._data) if out._data.size else False:
        out._base = None
        out._vc = [0]
    return out




@defop("expand", dtypes=KEEP, view=True)
def _expand(xp, x, shape):
    return xp.broadcast_to(x, shape)


@_expand.defgrad
def _(ctx, g):
    return (g.sum_to_size(ctx.input_shape(0)),)


@export("expand", function=False)
def expand(self, *sizes):
    """A broadcast view; -1 keeps a dimension's size."""
    sizes = _size_arg(sizes)
    lead = len(sizes) - self._data.ndim
    shape = tuple(self._data.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
    return dispatch(_expand, (self,), {"shape": shape})


@defop("permute", dtypes=KEEP, view=True)
def _permute(xp, x, dims):
    return xp.transpose(x, dims)


@_permute.defgrad
def _(ctx, g):
    dims = ctx.params["dims"]
    inverse = [0] * len(dims)
    for i, d in enumerate(dims):
        inverse[d] = i
    return (g.permute(inverse),)


@export("permute")
def permute(input, *dims):
    """A view with dimensions reordered (torch.permute)."""
    dims = _size_arg(dims)
    ndim = input._data.ndim
    if len(dims) != ndim:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
            f"length of the desired ordering of dimensions i.e. input.dim() = {ndim} is not equal "
            f"to len(dims) = {len(dims)}")
    from .._tensor import _wrap_dim
    dims = tuple(_wrap_dim(d, ndim) for d in dims)
    if len(set(dims)) != ndim:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return dispatch(_permute, (input,), {"dims": dims})


@export("transpose", "swapaxes", "swapdims")
def transpose(input, dim0: int, dim1: int):
    """A view with dim0 and dim1 swapped (torch.transpose)."""
    from .._tensor import _wrap_dim
    ndim = input._data.ndim
    if ndim == 0:
        _wrap_dim(dim0, 0), _wrap_dim(dim1, 0)
        return dispatch(_permute, (input,), {"dims": ()})
    dims = list(range(ndim))
    a, b = _wrap_dim(dim0, ndim), _wrap_dim(dim1, ndim)
    dims[a], dims[b] = dims[b], dims[a]
    return dispatch(_permute, (input,), {"dims": tuple(dims)})
