"""Indexing: __getitem__/__setitem__, gather/scatter, index_*, masked_*, where."""
from __future__ import annotations

from ._api import export
from .registry import KEEP, INPUTS, dispatch, dispatch_inplace, defop


@defop("masked_fill", dtypes=KEEP, saves=INPUTS)
def _masked_fill(xp, x, mask, value):
    return xp.where(mask, xp.asarray(value).astype(x.dtype), x)


@_masked_fill.defgrad
def _(ctx, g):
    _, mask, value = ctx.inputs
    gv = g.masked_fill(~mask, 0).sum() if ctx.needs_input_grad[2] else None
    return g.masked_fill(mask, 0), None, gv


@export("masked_fill")
def masked_fill(input, mask, value):
    """Where mask is True, value; else input (torch.masked_fill)."""
    return dispatch(_masked_fill, (input, mask, value))


@export("masked_fill_", function=False)
def masked_fill_(self, mask, value):
    return dispatch_inplace(_masked_fill, self, (self, mask, value))
