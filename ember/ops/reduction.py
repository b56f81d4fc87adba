"""Reductions: sum, mean, prod, std/var, min/max, norms, cumulative ops,
sorting and selection."""
from __future__ import annotations

from .. import _dtype as D
from ._api import export
from .registry import dispatch, defop, write_out


def normalize_dims(dim, ndim: int):
    """dim (None, int or sequence) as a sorted tuple of non-negative axes, or None."""
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if not dims:
        return None
    lim = max(ndim, 1)
    out = []
    for d in dims:
        if not -lim <= d < lim:
            raise IndexError(f"Dimension out of range (expected to be in range of "
                             f"[{-lim}, {lim - 1}], but got {d})")
        d = d % lim if ndim else 0
        if d in out:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        out.append(d)
    return tuple(sorted(out)) if ndim else None


def _sum_dtype(args, params):
    dt = params.get("dtype") if params else None
    if dt is not None:
        return dt, dt
    d = args[0]._dtype
    if d.category <= D.INT:
        return D.int64, D.int64
    return d, d


@defop("sum", dtypes=_sum_dtype)
def _sum(xp, x, dim=None, keepdim=False, dtype=None):
    return xp.sum(x, axis=dim, keepdims=keepdim)


@_sum.defgrad
def _(ctx, g):
    x_shape = ctx.input_shape(0)
    dim = ctx.params.get("dim")
    if dim is not None and not ctx.params.get("keepdim"):
        for d in dim:
            g = g.unsqueeze(d)
    return (g.expand(x_shape),)


@export("sum")
def sum(input, dim=None, keepdim: bool = False, *, dtype=None, out=None):  # noqa: A001
    """Sum over all elements or over ``dim`` (torch.sum)."""
    dims = normalize_dims(dim, input._data.ndim)
    r = dispatch(_sum, (input,), {"dim": dims, "keepdim": keepdim, "dtype": dtype})
    return r if out is None else write_out(out, r)




@export("sum_to_size", function=False)
def sum_to_size(self, *size):
    """Sum broadcast dimensions so the result has shape ``size``."""
    if len(size) == 1 and not isinstance(size[0], int):
        size = tuple(size[0])
    shape = self._data.shape
    lead = len(shape) - len(size)
    if lead < 0:
        raise RuntimeError(f"size {{{list(size)}}} is not expandable to size {{{list(shape)}}}.")
    dims = list(range(lead))
    for i, s in enumerate(size):
        if s == 1 and shape[lead + i] != 1:
            dims.append(lead + i)
        elif s != shape[lead + i]:
            raise RuntimeError(f"size {{{list(size)}}} is not expandable to size {{{list(shape)}}}.")
    r = self
    if dims:
        r = sum(r, dims, keepdim=True)
    if lead:
        r = r.reshape(size)
    return r
