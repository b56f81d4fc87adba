"""Autograd for in-place ops applied to views (torch's CopySlices).

When an in-place op writes into a view whose base is part of the graph, the
base's memory changes, so the base gets a new history: a ``CopySlices`` node
whose inputs are the base's old history and the op's other inputs. Its
backward takes the gradient of the new base, runs the op's own backward rule
on the view's region of it, and writes the result for the old view values
back into that region. The view itself becomes a view of the new base.

A view's region is described by flat indices into its base (computed once
from the arrays' strides and offsets, so any view op works); two small ops,
``_take`` (gather a region) and ``_put`` (replace or add into a region), are
each other's derivative, so double backward works.
"""
from __future__ import annotations

from ..ops.registry import INPUTS, KEEP, OUTPUT, defop, dispatch
from . import graph as _graph
from .graph import Node, collect_edges

_OVERLAP_MSG = (
    "unsupported operation: more than one element of the written-to tensor refers to a single "
    "memory location. Please clone() the tensor before performing the operation.")


# ----------------------------------------------------------- region ops
@defop("_view_take", dtypes=KEEP)
def _take(xp, x, index):
    return xp.reshape(x, (-1,))[index]


@_take.defgrad
def _(ctx, g):
    from .. import zeros
    shape, dtype = ctx.input_shape(0), ctx.input_dtype(0)
    z = zeros(shape, dtype=dtype, device=g.device)
    return (dispatch(_put, (z, g), {"index": ctx.params["index"], "accumulate": True}),)


_take.node_name = "AsStridedBackward0"


@defop("_view_put", dtypes=KEEP)
def _put(xp, x, src, index, accumulate=False):
    out = xp.array(x, copy=True, order="C")
    flat = out.reshape(-1)
    src = xp.broadcast_to(xp.asarray(src, dtype=out.dtype), index.shape)
    if accumulate:
        xp.add.at(flat, index, src)
    else:
        flat[index] = src
    return out


@_put.defgrad
def _(ctx, g):
    index = ctx.params["index"]
    accumulate = ctx.params.get("accumulate", False)
    gx = gsrc = None
    if ctx.needs_input_grad[0]:
        gx = g if accumulate else dispatch(_put, (g, 0), {"index": index})
    if ctx.needs_input_grad[1]:
        gsrc = dispatch(_take, (g,), {"index": index})
    return gx, gsrc


def _pointer(a) -> int:
    iface = getattr(a, "__array_interface__", None)
    return iface["data"][0] if iface is not None else a.data.ptr


def view_indices(base, view):
    """Flat (row-major) indices into ``base`` of each element of ``view``, an array
    of view's shape. Works for any strides, offsets and memory order of both."""
    xp = base._device.backend.xp
    b, v = base._data, view._data
    if v.size == 0 or b.size == 0:
        return xp.zeros(v.shape, dtype=xp.int64)
    item = b.itemsize
    if v.itemsize != item:
        raise RuntimeError(f"in-place operation on a view of dtype {view.dtype} of a base of "
                           f"dtype {base.dtype} is not supported by autograd")
    # the base's memory span, in elements, relative to its first element
    lo = sum(min(0, (n - 1) * s) for n, s in zip(b.shape, b.strides)) // item
    hi = sum(max(0, (n - 1) * s) for n, s in zip(b.shape, b.strides)) // item
    memory = xp.full(hi - lo + 1, -1, dtype=xp.int64)
    as_strided = xp.lib.stride_tricks.as_strided
    scale = memory.itemsize
    laid_out = as_strided(memory[-lo:], b.shape, tuple(s // item * scale for s in b.strides))
    laid_out[...] = xp.arange(b.size, dtype=xp.int64).reshape(b.shape)
    start = (_pointer(v) - _pointer(b)) // item - lo
    vlo = sum(min(0, (n - 1) * s) for n, s in zip(v.shape, v.strides)) // item
    vhi = sum(max(0, (n - 1) * s) for n, s in zip(v.shape, v.strides)) // item
    if start + vlo < 0 or start + vhi > hi - lo:
        raise RuntimeError("in-place operation on a view that lies outside its base")
    index = as_strided(memory[start:], v.shape,
                       tuple(s // item * scale for s in v.strides)).copy()
    if bool((index < 0).any()):
        raise RuntimeError("in-place operation on a view that lies outside its base")
    return index


def _has_internal_overlap(a) -> bool:
    return any(s == 0 and n > 1 for n, s in zip(a.shape, a.strides))


# ------------------------------------------------------------ the nodes
class _RegionOpNode(Node):
    """The in-place op's own node, used by CopySlices as its ctx (never run by the
    engine). Its saved output is the view after the write, whose history is the
    view of the new base, so double backward flows through CopySlices."""

    __slots__ = ("view_node",)

    def saved_output(self, i: int):
        t = Node.saved_output(self, i)
        if t._grad_fn is self:
            t._grad_fn, t._out_nr = self.view_node, 0
        return t


class CopySlices(Node):
    """The new history of a base after an in-place op on one of its views."""

    def __init__(self, base_edge, op_node, view_positions, index):
        others = [e for k, e in enumerate(op_node.next) if k not in view_positions]
        Node.__init__(self, None, None, [base_edge] + others)
        self.op_node = op_node
        self.view_positions = view_positions
        self.index = index

    def name(self) -> str:
        return "torch::autograd::CopySlices"

    def num_outputs(self) -> int:
        return 1

    def apply(self, grads):
        g = grads[0]
        node = self.op_node
        region = dispatch(_take, (g,), {"index": self.index})
        op_grads = node.apply((region,))
        if not isinstance(op_grads, (tuple, list)):
            op_grads = (op_grads,)
        grad_view = None
        rest = []
        for k, gk in enumerate(op_grads):
            if k in self.view_positions:
                if gk is not None:
                    grad_view = gk if grad_view is None else grad_view + gk
            else:
                rest.append(gk)
        if self.next[0] is None:
            grad_base = None
        else:
            if grad_view is not None and tuple(grad_view.shape) != tuple(region.shape):
                grad_view = grad_view.expand(tuple(region.shape))
            src = 0 if grad_view is None else grad_view
            grad_base = dispatch(_put, (g, src), {"index": self.index})
        return (grad_base, *rest)

    def release(self):
        self.op_node.release()


def _history_edge(t):
    if t._grad_fn is not None:
        return (t._grad_fn, t._out_nr, t._data.shape, t._dtype)
    if t._rg:
        return (t, 0, t._data.shape, t._dtype)
    return None


def _save(node, op, args, target):
    if op.saves & INPUTS:
        node.save_inputs(args)
    if op.saves & OUTPUT:
        node.save_outputs((target,))


def rebase_view(op, target, args, params, old=None):
    """Record the in-place ``op(*args, **params)`` just written into the view ``target``:
    its base gets a CopySlices history and ``target`` becomes a view of the new base.

    The written-to argument is ``target`` itself in ``args`` (its values before the
    write then given as the array ``old`` when the op saves inputs), or, at position 0,
    a snapshot tensor of the old values that dispatch_inplace made."""
    base = target._base
    make = _graph._make
    base_edge = _history_edge(base)
    if target._grad_fn is None and base_edge is not None:
        # an alias outside the graph (e.g. from detach()): plain in-place history
        _record_plain(op, target, args, params, old)
        return
    if _has_internal_overlap(target._data):
        raise RuntimeError(_OVERLAP_MSG)
    index = view_indices(base, target)
    first = next((k for k, a in enumerate(args) if a is target), None)
    if first is None:
        # dispatch_inplace already put a snapshot of the old view in place of target
        first = 0
        old = args[0]._data
    elif old is None:
        old = target._data.copy()
    old_view = make(old, target._dtype, target._device)
    if base_edge is not None:
        take = Node(_take, {"index": index}, [base_edge])
        old_view._grad_fn, old_view._out_nr, old_view._rg = take, 0, True
    # the written-to argument reads the old values; any other argument that is the
    # same tensor was saved before the write, as in torch (backward then reports it)
    positions = frozenset((first,))
    op_args = tuple(old_view if k == first else a for k, a in enumerate(args))
    op_node = _RegionOpNode(op, params, collect_edges(op_args))
    _save(op_node, op, op_args, target)
    if op_node._inputs is not None:
        op_node._in_versions = tuple(v - 1 if a is target else v
                                     for a, v in zip(op_args, op_node._in_versions))

    copy = CopySlices(base_edge, op_node, positions, index)
    base._grad_fn, base._out_nr, base._rg = copy, 0, True
    view_node = Node(_take, {"index": index}, [(copy, 0, base._data.shape, base._dtype)])
    op_node.view_node = view_node
    target._grad_fn, target._out_nr, target._rg = view_node, 0, True
    target._seen = target._vc[0]


def _record_plain(op, target, args, params, old):
    make = _graph._make
    prev = make(target._data.copy() if old is None else old, target._dtype, target._device)
    prev._grad_fn, prev._out_nr, prev._rg = target._grad_fn, target._out_nr, target._rg
    op_args = tuple(prev if a is target else a for a in args)
    node = Node(op, params, collect_edges(op_args))
    _save(node, op, op_args, target)
    target._grad_fn, target._out_nr, target._rg = node, 0, True
    target._seen = target._vc[0]


def refresh_view(view) -> None:
    """Re-derive the history of a view whose memory was written in place (through
    its base or another view) after the view's own history was recorded: it becomes
    a region of the base's current history, as torch regenerates such views."""
    view._seen = view._vc[0]
    base = view._base
    edge = _history_edge(base)
    if edge is None:
        return
    node = Node(_take, {"index": view_indices(base, view)}, [edge])
    view._grad_fn, view._out_nr, view._rg = node, 0, True
