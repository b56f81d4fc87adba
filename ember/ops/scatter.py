"""Index-driven gathers and scatters: gather/scatter/scatter_add/scatter_reduce
along a dim, index_select/index_add/index_copy/index_fill, take/put and
take_along_dim. Each backward pairs with another op here (gather with
scatter_add, index_select with index_add, take with put)."""
from __future__ import annotations

import numpy as np

from .. import _dtype as D
from ._api import check_tensor, export, export_method
from .registry import INPUTS, KEEP, OUTPUT, _torch_type_name, defop, dispatch, \
    dispatch_inplace, write_out
from . import registry as _R


def _const(array, dtype, device):
    return _R._make(array, dtype, device)


def _zeros(shape, like):
    xp = like._device.backend.xp
    return _const(xp.zeros(shape, dtype=like._data.dtype), like._dtype, like._device)


def _wrap_dim(dim, ndim):
    from .._tensor import _wrap_dim
    return _wrap_dim(dim, ndim)


def _pad_to(g, shape):
    """g placed at the start of a zero tensor of ``shape`` (differentiable)."""
    if tuple(g._data.shape) == tuple(shape):
        return g
    from .indexing import _basic_index_backward
    index = tuple(slice(0, s) for s in g._data.shape)
    return dispatch(_basic_index_backward, (g,), {"shape": tuple(shape), "index": index})


# ====================================================== gather / scatter
def _grid(xp, index, dim):
    """Full NumPy index tuple addressing out[i][j]...[index[i][j]...] along dim."""
    nd = index.ndim
    idx = []
    for d in range(nd):
        if d == dim:
            idx.append(index)
        else:
            shape = [1] * nd
            shape[d] = index.shape[d]
            idx.append(xp.arange(index.shape[d]).reshape(shape))
    return tuple(idx)


def _src_part(src, index):
    """The leading part of src matching index's shape (src may be larger)."""
    if src.shape == index.shape:
        return src
    return src[tuple(slice(0, s) for s in index.shape)]


def _scatter_core(xp, x, dim, index, src, mode):
    """A copy of x with src scattered along dim: mode is None (assign), 'add'
    or 'multiply'. 0-dim tensors act as 1-element vectors."""
    shape = x.shape
    out = x.reshape(1).copy() if x.ndim == 0 else x.copy()
    if index.ndim == 0:
        index = index.reshape(1)
    if getattr(src, "ndim", 0) or not isinstance(src, (int, float, complex, bool)):
        src = xp.asarray(src)
        src = _src_part(src.reshape(1) if src.ndim == 0 else src, index)
    idx = _grid(xp, index, dim)
    if mode is None:
        out[idx] = src
    elif mode == "add":
        xp.add.at(out, idx, xp.broadcast_to(xp.asarray(src, dtype=out.dtype), index.shape))
    else:
        xp.multiply.at(out, idx, xp.broadcast_to(xp.asarray(src, dtype=out.dtype), index.shape))
    return out.reshape(shape)


@defop("gather", dtypes=KEEP, saves=INPUTS)
def _gather(xp, x, dim, index):
    xs = x.reshape(1) if x.ndim == 0 else x
    r = xs[_grid(xp, index.reshape(1) if index.ndim == 0 else index, dim)]
    return r.reshape(index.shape)


@_gather.defgrad
def _(ctx, g):
    _, dim, index = ctx.inputs
    zeros = _zeros(ctx.input_shape(0), g)
    return dispatch(_scatter_add, (zeros, dim, index, g)), None, None


@defop("scatter", dtypes=KEEP, saves=INPUTS)
def _scatter(xp, x, dim, index, src, reduce=None):
    return _scatter_core(xp, x, dim, index, src, reduce)


@_scatter.defgrad
def _(ctx, g):
    _, dim, index, src = ctx.inputs
    if ctx.params.get("reduce") is not None:
        raise RuntimeError("derivative for aten::scatter is not implemented")
    need = ctx.needs_input_grad
    gx = dispatch(_scatter, (g, dim, index, 0)) if need[0] else None
    gs = None
    if need[3]:
        gs = _pad_to(dispatch(_gather, (g, dim, index)), ctx.input_shape(3))
    return gx, None, None, gs


@defop("scatter_add", dtypes=KEEP, saves=INPUTS)
def _scatter_add(xp, x, dim, index, src):
    return _scatter_core(xp, x, dim, index, src, "add")


@_scatter_add.defgrad
def _(ctx, g):
    _, dim, index, _src = ctx.inputs
    gs = None
    if ctx.needs_input_grad[3]:
        gs = _pad_to(dispatch(_gather, (g, dim, index)), ctx.input_shape(3))
    return g, None, None, gs


def _dims(t):
    return max(t._data.ndim, 1)


def _shape1(t):
    return tuple(t._data.shape) or (1,)


def _check_index_long(index, fname):
    if index._dtype is not D.int64 and index._dtype is not D.int32:
        raise RuntimeError(f"{fname}(): Expected dtype int32/int64 for index")


def _check_bounds(xp, index, dim, size, exc=RuntimeError):
    if index.size:
        lo, hi = int(index.min()), int(index.max())
        if lo < 0 or hi >= size:
            bad = lo if lo < 0 else hi
            raise exc(f"index {bad} is out of bounds for dimension {dim} with size {size}")


def _check_gather(input, dim, index):
    Tensor = _R._Tensor
    if not isinstance(input, Tensor) or not isinstance(index, Tensor):
        check_tensor(input, "gather")
        check_tensor(index, "gather", "index", 3)
    _check_index_long(index, "gather")
    dim = _wrap_dim(dim, input._data.ndim)
    if index._data.size == 0:
        return dim
    if _dims(index) != _dims(input):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    xs, ishape = _shape1(input), _shape1(index)
    for d in range(len(xs)):
        if d != dim and ishape[d] > xs[d]:
            raise RuntimeError(
                f"Size does not match at dimension {d} expected index {list(ishape)} to be no "
                f"larger than self {list(xs)} apart from dimension {dim}")
    _check_bounds(input._device.backend.xp, index._data, dim, xs[dim])
    return dim


@export("gather")
def gather(input, dim: int, index, *, sparse_grad: bool = False, out=None):
    """out[i][j][k] = input[i][index[i][j][k]][k] for dim=1 (torch.gather)."""
    dim = _check_gather(input, dim, index)
    r = dispatch(_gather, (input, dim, index))
    return r if out is None else write_out(out, r)


def _check_scatter(fname, input, dim, index, src):
    _check_index_long(index, fname)
    dim = _wrap_dim(dim, input._data.ndim)
    Tensor = _R._Tensor
    is_src = isinstance(src, Tensor)
    if is_src and src._dtype is not input._dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    if index._data.size == 0:
        return dim
    if _dims(index) != _dims(input):
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    if is_src and _dims(index) != _dims(src):
        raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    xs, ishape = _shape1(input), _shape1(index)
    ss = _shape1(src) if is_src else None
    for d in range(len(xs)):
        if (d != dim and ishape[d] > xs[d]) or (is_src and ishape[d] > ss[d]):
            msg = (f"Expected index {list(ishape)} to be no larger than self {list(xs)} apart "
                   f"from dimension {dim}")
            if is_src:
                msg += f" and to be no larger size than src {list(ss)}"
            raise RuntimeError(msg)
    _check_bounds(input._device.backend.xp, index._data, dim, xs[dim])
    return dim


def _where_op():
    from .indexing import _where
    return _where


def _scatter_value(input, src, value):
    if src is None:
        if value is None:
            raise TypeError("scatter() missing 1 required positional arguments: \"src\"")
        src = value
    return src


def _scatter_reduce_name(reduce):
    if reduce is not None and reduce not in ("add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    return reduce


@export("scatter")
def scatter(input, dim: int, index, src=None, value=None, *, reduce=None, out=None):
    """A copy of input with src (a tensor or a number) written at index along
    dim; reduce='add'/'multiply' combines instead (torch.scatter)."""
    src = _scatter_value(input, src, value)
    dim = _check_scatter("scatter", input, dim, index, src)
    r = dispatch(_scatter, (input, dim, index, src), {"reduce": _scatter_reduce_name(reduce)})
    return r if out is None else write_out(out, r)


@export_method("scatter_")
def scatter_(self, dim: int, index, src=None, value=None, *, reduce=None):
    """In-place scatter."""
    src = _scatter_value(self, src, value)
    dim = _check_scatter("scatter", self, dim, index, src)
    return dispatch_inplace(_scatter, self, (self, dim, index, src),
                            {"reduce": _scatter_reduce_name(reduce)})


@export("scatter_add")
def scatter_add(input, dim: int, index, src, *, out=None):
    """A copy of input with src added at index along dim (torch.scatter_add)."""
    check_tensor(src, "scatter_add", "src", 4)
    dim = _check_scatter("scatter", input, dim, index, src)
    r = dispatch(_scatter_add, (input, dim, index, src))
    return r if out is None else write_out(out, r)


@export_method("scatter_add_")
def scatter_add_(self, dim: int, index, src):
    """In-place scatter_add."""
    check_tensor(src, "scatter_add_", "src", 4)
    dim = _check_scatter("scatter", self, dim, index, src)
    return dispatch_inplace(_scatter_add, self, (self, dim, index, src))


# ====================================================== scatter_reduce
_REDUCES = ("sum", "prod", "mean", "amax", "amin")


@defop("scatter_reduce", dtypes=KEEP, saves=INPUTS | OUTPUT)
def _scatter_reduce(xp, x, dim, index, src, reduce, include_self=True):
    shape = x.shape
    out = x.reshape(1).copy() if x.ndim == 0 else x.copy()
    index = index.reshape(1) if index.ndim == 0 else index
    src = _src_part(src.reshape(1) if src.ndim == 0 else src, index)
    idx = _grid(xp, index, dim)
    if not include_self:
        if reduce in ("sum", "mean"):
            init = 0
        elif reduce == "prod":
            init = 1
        elif out.dtype.kind == "f":
            init = -np.inf if reduce == "amax" else np.inf
        elif out.dtype.kind == "b":
            init = reduce == "amin"
        else:
            info = np.iinfo(out.dtype)
            init = info.min if reduce == "amax" else info.max
        out[idx] = init
    if reduce in ("sum", "mean"):
        xp.add.at(out, idx, src)
    elif reduce == "prod":
        xp.multiply.at(out, idx, src)
    elif reduce == "amax":
        xp.maximum.at(out, idx, src)
    else:
        xp.minimum.at(out, idx, src)
    if reduce == "mean":
        count = xp.ones(out.shape, dtype=out.dtype) if include_self else \
            xp.zeros(out.shape, dtype=out.dtype)
        if not include_self:
            count[idx] = 0
        xp.add.at(count, idx, 1)
        count[count == 0] = 1
        if out.dtype.kind in "iub":
            out = xp.floor_divide(out, count).astype(out.dtype)
        else:
            out = out / count
    return out.reshape(shape)


def _scatter_count(x_shape, dim, index, like, include_self):
    """How many values (self included when include_self) reduce into each position."""
    ones = _const(like._device.backend.xp.ones(index.shape, dtype=like._data.dtype),
                  like._dtype, like._device)
    base = _const(like._device.backend.xp.full(x_shape, 1 if include_self else 0,
                                                dtype=like._data.dtype),
                  like._dtype, like._device)
    count = dispatch(_scatter_add, (base, dim, index, ones))
    return count if include_self else count.masked_fill(count == 0, 1)


@_scatter_reduce.defgrad
def _(ctx, g):
    x, dim, index, src = ctx.inputs
    reduce = ctx.params["reduce"]
    include_self = ctx.params.get("include_self", True)
    result = ctx.out
    need = ctx.needs_input_grad
    src_shape = tuple(src.shape)
    srcp = src if tuple(src.shape) == tuple(index.shape) else \
        src[tuple(slice(0, s) for s in index.shape)]

    def gather(t):
        return dispatch(_gather, (t, dim, index))

    def scatter0(t):
        return dispatch(_scatter, (t, dim, index, 0))

    gx = gs = None
    if reduce == "sum":
        gx = g if include_self else scatter0(g)
        gs = gather(g)
    elif reduce == "mean":
        count = _scatter_count(tuple(x.shape), dim, index, g, include_self)
        gx = g / count
        if not include_self:
            gx = scatter0(gx)
        gs = gather(g / count)
    elif reduce == "prod":
        # products of the other factors, robust to zeros in x or src
        masked_x = x.masked_fill(x == 0, 1)
        masked_result = dispatch(_scatter_reduce, (masked_x, dim, index, src),
                                 {"reduce": "prod", "include_self": include_self})
        gx = g * masked_result / masked_x
        if not include_self:
            gx = scatter0(gx)
        src_zero = srcp == 0
        zeros_f = _zeros(tuple(x.shape), g)
        n_zero = gather(dispatch(_scatter_add, (zeros_f, dim, index, src_zero.to(g.dtype))))
        single = src_zero & (n_zero == 1)
        masked_src = srcp.masked_fill(single, 1)
        masked_src_result = dispatch(_scatter_reduce, (x, dim, index, masked_src),
                                     {"reduce": "prod", "include_self": include_self})
        gs = dispatch(_where_op(), (single, gather(g * masked_src_result),
                                    gather(g * result) / srcp.masked_fill(src_zero, 1)))
    else:  # amax / amin: split evenly among the values equal to the result
        x_is = (x == result).to(g.dtype)
        if not include_self:
            x_is = scatter0(x_is)
        src_is = (srcp == gather(result)).to(g.dtype)
        n = dispatch(_scatter_add, (x_is, dim, index, src_is))
        gx = g * x_is / n
        gs = gather(g / n) * src_is
    return (gx if need[0] else None, None, None,
            _pad_to(gs, src_shape) if need[3] else None)


def _check_scatter_reduce(fname, input, dim, index, src, reduce):
    check_tensor(src, fname, "src", 4)
    if reduce not in _REDUCES:
        raise RuntimeError("reduce argument must be either sum, prod, mean, amax or amin, got "
                           f"{reduce}")
    return _check_scatter(fname, input, dim, index, src)


@export("scatter_reduce")
def scatter_reduce(input, dim: int, index, src, reduce: str, *, include_self: bool = True,
                   out=None):
    """Reduce src into a copy of input at index along dim with sum, prod,
    mean, amax or amin (torch.scatter_reduce)."""
    dim = _check_scatter_reduce("scatter", input, dim, index, src, reduce)
    r = dispatch(_scatter_reduce, (input, dim, index, src),
                 {"reduce": reduce, "include_self": include_self})
    return r if out is None else write_out(out, r)


@export_method("scatter_reduce_")
def scatter_reduce_(self, dim: int, index, src, reduce: str, *, include_self: bool = True):
    """In-place scatter_reduce."""
    dim = _check_scatter_reduce("scatter", self, dim, index, src, reduce)
    return dispatch_inplace(_scatter_reduce, self, (self, dim, index, src),
                            {"reduce": reduce, "include_self": include_self})


# ============================================================ index_*
def _along(dim, index):
    return (slice(None),) * dim + (index,)


@defop("index_select", dtypes=KEEP, saves=INPUTS)
def _index_select(xp, x, dim, index):
    if x.ndim == 0:
        return x.reshape(1)[index.reshape(-1)].reshape(())
    return xp.take(x, index.reshape(-1), axis=dim)


@_index_select.defgrad
def _(ctx, g):
    _, dim, index = ctx.inputs
    zeros = _zeros(ctx.input_shape(0), g)
    return dispatch(_index_add, (zeros, dim, index, g)), None, None


@defop("index_add", dtypes=KEEP, saves=INPUTS)
def _index_add(xp, x, dim, index, source, alpha=1):
    shape = x.shape
    out = x.reshape(1).copy() if x.ndim == 0 else x.copy()
    source = source.reshape(-1) if source.ndim == 0 else source
    if alpha != 1:
        source = source * alpha
    xp.add.at(out, _along(dim, index.reshape(-1)), source)
    return out.reshape(shape)


@_index_add.defgrad
def _(ctx, g):
    _, dim, index, _s = ctx.inputs
    alpha = ctx.params.get("alpha", 1)
    gs = None
    if ctx.needs_input_grad[3]:
        gs = dispatch(_index_select, (g, dim, index)).reshape(ctx.input_shape(3))
        if alpha != 1:
            gs = gs * alpha
    return g, None, None, gs


@defop("index_copy", dtypes=KEEP, saves=INPUTS)
def _index_copy(xp, x, dim, index, source):
    shape = x.shape
    out = x.reshape(1).copy() if x.ndim == 0 else x.copy()
    source = source.reshape(-1) if source.ndim == 0 else source
    out[_along(dim, index.reshape(-1))] = source
    return out.reshape(shape)


@_index_copy.defgrad
def _(ctx, g):
    _, dim, index, _s = ctx.inputs
    need = ctx.needs_input_grad
    gx = dispatch(_index_fill, (g, dim, index, 0)) if need[0] else None
    gs = dispatch(_index_select, (g, dim, index)).reshape(ctx.input_shape(3)) \
        if need[3] else None
    return gx, None, None, gs


@defop("index_fill", dtypes=KEEP, saves=INPUTS)
def _index_fill(xp, x, dim, index, value):
    shape = x.shape
    out = x.reshape(1).copy() if x.ndim == 0 else x.copy()
    out[_along(dim, index.reshape(-1))] = value
    return out.reshape(shape)


@_index_fill.defgrad
def _(ctx, g):
    _, dim, index, value = ctx.inputs
    need = ctx.needs_input_grad
    gx = dispatch(_index_fill, (g, dim, index, 0)) if need[0] else None
    gv = dispatch(_index_select, (g, dim, index)).sum() if need[3] else None
    return gx, None, None, gv


def _check_vector_index(fname, index, allow_int32=True):
    if index._dtype is not D.int64 and not (allow_int32 and index._dtype is D.int32):
        if fname == "index_select":
            raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
        raise RuntimeError(f"{fname}(): Expected dtype int64 for index")
    if index._data.ndim > 1:
        raise IndexError(f"{fname}(): Index is supposed to be a vector")


@export("index_select")
def index_select(input, dim: int, index, *, out=None):
    """The entries of input at the positions ``index`` along dim (torch.index_select)."""
    check_tensor(input, "index_select")
    check_tensor(index, "index_select", "index", 3)
    _check_vector_index("index_select", index)
    dim = _wrap_dim(dim, input._data.ndim)
    size = _shape1(input)[dim]
    if input._data.ndim == 0 and index._data.size != 1:
        raise RuntimeError("index_select(): Index to scalar can have only 1 value, got "
                           f"{index._data.size} value(s)")
    if index._data.size:
        lo, hi = int(index._data.min()), int(index._data.max())
        if input._data.ndim == 0 and (lo < 0 or hi >= size):
            raise IndexError("index out of range in self")
        if lo < 0 or hi >= size:
            raise RuntimeError(f"INDICES element is out of DATA bounds, id={lo if lo < 0 else hi}"
                               f" axis_dim={size}")
    r = dispatch(_index_select, (input, dim, index))
    return r if out is None else write_out(out, r)


def _check_index_source(fname, input, dim, index, source, allow_neg, exc):
    check_tensor(index, fname, "index", 3)
    _check_vector_index(fname, index, allow_int32=fname.startswith("index_add"))
    dim = _wrap_dim(dim, input._data.ndim)
    if source is not None:
        check_tensor(source, fname, "source", 4)
        if source._dtype is not input._dtype:
            if fname.startswith("index_add"):
                raise RuntimeError(
                    f"index_add_(): self ({_torch_type_name(input._dtype)}) and source "
                    f"({_torch_type_name(source._dtype)}) must have the same scalar type")
            raise RuntimeError(
                f"index_copy_(): self and source expected to have the same dtype, but got "
                f"(self) {_torch_type_name(input._dtype)} and (source) "
                f"{_torch_type_name(source._dtype)}")
        n = index._data.size
        ss = _shape1(source)
        if ss[dim if source._data.ndim else 0] != n:
            raise RuntimeError(
                f"{fname.rstrip('_')}_(): Number of indices ({n}) should be equal to "
                f"source.size(dim): ({ss[dim]}), for dim: {dim}")
    size = _shape1(input)[dim]
    if index._data.size:
        lo, hi = int(index._data.min()), int(index._data.max())
        low = -size if allow_neg else 0
        if lo < low or hi >= size:
            prefix = "index_copy_(): " if fname.startswith("index_copy") else ""
            raise exc(f"{prefix}index {lo if lo < low else hi} is out of bounds for dimension "
                      f"{dim} with size {size}")
    return dim


def _fill_value(value, fname):
    Tensor = _R._Tensor
    if isinstance(value, Tensor) and value._data.ndim != 0:
        raise RuntimeError(f"{fname} only supports a 0-dimensional value tensor, but got tensor "
                           f"with {value._data.ndim} dimension(s).")
    return value


@export("index_add")
def index_add(input, dim: int, index, source, *, alpha=1, out=None):
    """A copy of input with alpha * source added at ``index`` along dim (torch.index_add)."""
    dim = _check_index_source("index_add", input, dim, index, source, False, RuntimeError)
    r = dispatch(_index_add, (input, dim, index, source), {"alpha": alpha})
    return r if out is None else write_out(out, r)


@export_method("index_add_")
def index_add_(self, dim: int, index, source, *, alpha=1):
    """In-place index_add."""
    dim = _check_index_source("index_add_", self, dim, index, source, False, RuntimeError)
    return dispatch_inplace(_index_add, self, (self, dim, index, source), {"alpha": alpha})


@export("index_copy")
def index_copy(input, dim: int, index, source, *, out=None):
    """A copy of input with source's slices written at ``index`` along dim."""
    dim = _check_index_source("index_copy", input, dim, index, source, False, IndexError)
    r = dispatch(_index_copy, (input, dim, index, source))
    return r if out is None else write_out(out, r)


@export_method("index_copy_")
def index_copy_(self, dim: int, index, source):
    """In-place index_copy."""
    dim = _check_index_source("index_copy_", self, dim, index, source, False, IndexError)
    return dispatch_inplace(_index_copy, self, (self, dim, index, source))


@export("index_fill")
def index_fill(input, dim: int, index, value):
    """A copy of input with the slices at ``index`` along dim set to value."""
    _check_index_long(index, "index_fill_") if index._dtype is not D.int64 else None
    dim = _check_index_source("index_fill_", input, dim, index, None, True, IndexError)
    return dispatch(_index_fill, (input, dim, index, _fill_value(value, "index_fill_")))


@export_method("index_fill_")
def index_fill_(self, dim: int, index, value):
    """In-place index_fill."""
    _check_index_long(index, "index_fill_") if index._dtype is not D.int64 else None
    dim = _check_index_source("index_fill_", self, dim, index, None, True, IndexError)
    return dispatch_inplace(_index_fill, self, (self, dim, index,
                                                _fill_value(value, "index_fill_")))


# ===================================================== take / put
@defop("take", dtypes=KEEP, saves=INPUTS)
def _take(xp, x, index):
    return x.reshape(-1)[index]


@_take.defgrad
def _(ctx, g):
    _, index = ctx.inputs
    zeros = _zeros(ctx.input_shape(0), g)
    return dispatch(_put, (zeros, index, g), {"accumulate": True}), None


@defop("put", dtypes=KEEP, saves=INPUTS)
def _put(xp, x, index, source, accumulate=False):
    out = x.copy()
    flat = out.reshape(-1)
    if accumulate:
        xp.add.at(flat, index.reshape(-1), source.reshape(-1))
    else:
        flat[index.reshape(-1)] = source.reshape(-1)
    return out


@_put.defgrad
def _(ctx, g):
    _, index, source = ctx.inputs
    need = ctx.needs_input_grad
    gx = gs = None
    if need[0]:
        gx = g if ctx.params.get("accumulate") else \
            dispatch(_put, (g, index, _zeros(tuple(source.shape), g)))
    if need[2]:
        gs = dispatch(_take, (g, index)).reshape(ctx.input_shape(2))
    return gx, None, gs


def _check_flat_bounds(input, index):
    n = input._data.size
    if index._data.size:
        lo, hi = int(index._data.min()), int(index._data.max())
        if lo < -n or hi >= n:
            raise IndexError(f"out of range: tried to access index {lo if lo < -n else hi} on "
                             f"a tensor of {n} elements.")


@export("take")
def take(input, index, *, out=None):
    """input viewed as 1-D, read at index; the result has index's shape (torch.take)."""
    check_tensor(input, "take")
    check_tensor(index, "take", "index", 2)
    if index._dtype is not D.int64:
        raise RuntimeError(f"take(): Expected a long tensor for index, but got "
                           f"{_torch_type_name(index._dtype)}")
    _check_flat_bounds(input, index)
    r = dispatch(_take, (input, index))
    return r if out is None else write_out(out, r)


def _check_put(self, index, source):
    check_tensor(index, "put_", "index", 1)
    check_tensor(source, "put_", "source", 2)
    if index._dtype is not D.int64:
        raise RuntimeError(f"put_(): Expected a long tensor for index, but got "
                           f"{_torch_type_name(index._dtype)}")
    if source._dtype is not self._dtype:
        raise RuntimeError(
            f"put_(): self and source expected to have the same dtype, but got self.dtype = "
            f"{_torch_type_name(self._dtype)} and source.dtype = "
            f"{_torch_type_name(source._dtype)}")
    if source._data.size != index._data.size:
        raise IndexError(
            f"put_(): Expected source and index to have the same number of elements, but got "
            f"source.numel() = {source._data.size}, index.numel() = {index._data.size}")
    _check_flat_bounds(self, index)


@export("put")
def put(input, index, source, accumulate: bool = False):
    """A copy of input (viewed as 1-D) with source written (or added) at index."""
    _check_put(input, index, source)
    return dispatch(_put, (input, index, source), {"accumulate": accumulate})


@export_method("put_")
def put_(self, index, source, accumulate: bool = False):
    """In-place put."""
    _check_put(self, index, source)
    return dispatch_inplace(_put, self, (self, index, source), {"accumulate": accumulate})


@export("take_along_dim")
def take_along_dim(input, indices, dim=None, *, out=None):
    """Values of input at indices along dim, broadcasting the other dims;
    dim=None reads the flattened input (torch.take_along_dim)."""
    check_tensor(input, "take_along_dim")
    check_tensor(indices, "take_along_dim", "indices", 2)
    if indices._dtype is not D.int64:
        raise RuntimeError("torch.take_along_dim(): dtype of indices should be Long but got "
                           f"{_torch_type_name(indices._dtype)}")
    wrap = dim is not None   # torch wraps negative indices only along a given dim
    if dim is None:
        x, idx, dim = input.reshape(-1), indices.reshape(-1), 0
    else:
        if input._data.ndim != indices._data.ndim:
            raise RuntimeError(
                "torch.take_along_dim(): input and indices should have the same number of "
                f"dimensions, but got {input._data.ndim} dimensions for input, and "
                f"{indices._data.ndim} dimensions for indices")
        dim = _wrap_dim(dim, input._data.ndim)
        xs = list(_shape1(input))
        xs[dim] = _shape1(indices)[dim]
        try:
            bshape = np.broadcast_shapes(tuple(xs), _shape1(indices))
        except ValueError:
            raise RuntimeError(
                f"The size of tensor a ({xs}) must match the size of tensor b "
                f"({list(_shape1(indices))}) at non-singleton dimension") from None
        idx = indices if input._data.ndim == 0 else indices.expand(bshape)
        xshape = list(bshape)
        xshape[dim] = _shape1(input)[dim]
        x = input if input._data.ndim == 0 else input.expand(xshape)
    size = _shape1(x)[dim]
    if wrap and idx._data.size and int(idx._data.min()) < 0:
        idx = idx + (idx < 0).long() * size
    _check_bounds(None, idx._data, dim, size)
    r = dispatch(_gather, (x, dim, idx))
    return r if out is None else write_out(out, r)
