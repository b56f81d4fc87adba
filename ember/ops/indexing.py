"""Indexing: __getitem__/__setitem__, index_put, masked_*, where, nonzero and
the *_scatter views-as-copies. gather/scatter/index_*/take live in scatter.py.

Indexing follows torch's rules: ints, slices, None and Ellipsis are applied
first as one NumPy basic-indexing view (``_basic_index``, shares memory);
then the advanced indices (integer/bool tensors, lists, arrays) select a copy
(``_index``) on that view, with NumPy's rule for where the advanced
dimensions go (applied to the view, so ``x[0, :, [0, 1]]`` has shape
``(x.size(1), 2)`` as in torch, not NumPy's ``(2, x.size(1))``).
"""
from __future__ import annotations

import warnings

import numpy as np

from .. import _dtype as D
from ._api import check_tensor, export, export_method
from .registry import (cacheable, INPUTS, KEEP, _promote, _torch_type_name, defop, dispatch,
                       check_no_partial_overlap, dispatch_inplace, write_out)
from . import registry as _R


def _tensor_cls():
    return _R._Tensor


def _const(array, dtype, device):
    """Wrap a backend array as a constant tensor (no autograd)."""
    return _R._make(array, dtype, device)


# ================================================================ parsing
_TAG_NONE, _TAG_ELL, _TAG_SLICE, _TAG_INT, _TAG_BOOL, _TAG_ARR, _TAG_MASK = range(7)


def _seq_as_tuple(index) -> bool:
    """torch (like old NumPy) reads a short list holding slices, sequences,
    tensors, None or Ellipsis as a tuple of indices."""
    if len(index) >= 32:
        return False
    Tensor = _tensor_cls()
    for item in index:
        if item is None or item is Ellipsis or isinstance(
                item, (Tensor, slice, list, tuple, np.ndarray)):
            return True
    return False


def _slice_part(v):
    if v is None:
        return None
    try:
        return v.__index__()
    except (AttributeError, TypeError):
        raise TypeError("slice indices must be integers or None or have an __index__ method") \
            from None


def _classify(item):
    """One index item as (tag, value)."""
    Tensor = _tensor_cls()
    if item is None:
        return _TAG_NONE, None
    if item is Ellipsis:
        return _TAG_ELL, None
    if isinstance(item, slice):
        start, stop, step = (_slice_part(item.start), _slice_part(item.stop),
                             _slice_part(item.step))
        if step is not None and step <= 0:
            if step == 0:
                raise ValueError("slice step cannot be zero")
            raise ValueError("step must be greater than zero")
        return _TAG_SLICE, slice(start, stop, step)
    if isinstance(item, (bool, np.bool_)):
        return _TAG_BOOL, bool(item)
    if isinstance(item, (int, np.integer)):
        return _TAG_INT, int(item)
    if isinstance(item, Tensor):
        cat = item._dtype.category
        if item._dtype is D.bool_ or item._dtype is D.uint8:
            if item._dtype is D.uint8:
                warnings.warn("indexing with dtype torch.uint8 is now deprecated, please use a "
                              "dtype torch.bool instead.", UserWarning, stacklevel=4)
            if item._data.ndim == 0:
                return _TAG_BOOL, bool(item._data)
            return _TAG_MASK, item._data.astype(bool, copy=False)
        if cat == D.INT and item._dtype in (D.int32, D.int64):
            if item._data.ndim == 0:
                return _TAG_INT, int(item._data)
            return _TAG_ARR, item._data.astype(np.int64, copy=False)
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    if isinstance(item, (list, tuple, np.ndarray)):
        arr = np.asarray(item)
        if arr.dtype == bool:
            return (_TAG_BOOL, bool(arr)) if arr.ndim == 0 else (_TAG_MASK, arr)
        if arr.size == 0 and arr.dtype.kind == "f":
            arr = arr.astype(np.int64)
        if arr.dtype.kind not in "iu":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        if arr.ndim == 0:
            return _TAG_INT, int(arr)
        return _TAG_ARR, arr.astype(np.int64, copy=False)
    if hasattr(item, "__index__"):
        return _TAG_INT, item.__index__()
    if isinstance(item, float):
        raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                         "Variables are valid indices (got float)")
    raise TypeError("only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                    f"Variables are valid indices (got {type(item).__name__})")


def _parse_index(shape: tuple, index):
    """Split a torch index into a NumPy basic index (a view) and the advanced
    entries ``[(view_dim, tag, array)]`` to apply to that view."""
    Tensor = _tensor_cls()
    if isinstance(index, tuple):
        items = index
    elif isinstance(index, list) and _seq_as_tuple(index):
        warnings.warn("Using a non-tuple sequence for multidimensional indexing is deprecated; "
                      "use x[tuple(seq)] instead of x[seq].", UserWarning, stacklevel=3)
        items = tuple(index)
    elif isinstance(index, Tensor) or not isinstance(index, tuple):
        items = (index,)
    parts = [_classify(it) for it in items]
    ndim = len(shape)
    consumed = 0
    for tag, val in parts:
        if tag in (_TAG_INT, _TAG_SLICE, _TAG_ARR):
            consumed += 1
        elif tag == _TAG_MASK:
            consumed += val.ndim
    if consumed > ndim:
        if ndim == 0:
            raise IndexError("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                             "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    basic = []
    adv = []
    in_dim = out_dim = 0
    seen_ellipsis = False
    for tag, val in parts:
        if tag == _TAG_INT:
            size = shape[in_dim]
            if not -size <= val < size:
                raise IndexError(
                    f"index {val} is out of bounds for dimension {in_dim} with size {size}")
            basic.append(val)
            in_dim += 1
        elif tag == _TAG_SLICE:
            basic.append(val)
            in_dim += 1
            out_dim += 1
        elif tag == _TAG_NONE:
            basic.append(None)
            out_dim += 1
        elif tag == _TAG_BOOL:
            basic.append(None)
            adv.append((out_dim, _TAG_MASK, np.array([val])))
            out_dim += 1
        elif tag == _TAG_ARR:
            basic.append(slice(None))
            adv.append((out_dim, _TAG_ARR, val))
            in_dim += 1
            out_dim += 1
        elif tag == _TAG_MASK:
            basic.extend([slice(None)] * val.ndim)
            adv.append((out_dim, _TAG_MASK, val))
            in_dim += val.ndim
            out_dim += val.ndim
        elif not seen_ellipsis:  # Ellipsis; later ones expand to nothing
            seen_ellipsis = True
            n = ndim - consumed
            basic.extend([slice(None)] * n)
            in_dim += n
            out_dim += n
    return tuple(basic), adv


def _is_trivial(basic) -> bool:
    for b in basic:
        if b.__class__ is not slice or b != slice(None):
            return False
    return True


def _advanced_tuple(xp, vshape, adv):
    """The NumPy index (full slices and int64 arrays) for the advanced step on
    a view of shape ``vshape``; checks masks, bounds and broadcasting."""
    out = [slice(None)] * len(vshape)
    arrays = []
    k = 0
    for dim, tag, val in adv:
        if tag == _TAG_MASK:
            for j, s in enumerate(val.shape):
                if s != vshape[dim + j]:
                    raise IndexError(
                        f"The shape of the mask {list(val.shape)} at index {j} does not match "
                        f"the shape of the indexed tensor {list(vshape)} at index {dim + j}")
            for j, nz in enumerate(xp.nonzero(xp.asarray(val))):
                out[dim + j] = nz.astype(np.int64, copy=False)
                arrays.append(nz)
            k += val.ndim
        else:
            size = vshape[dim]
            val = xp.asarray(val)
            if val.size:
                lo, hi = int(val.min()), int(val.max())
                if lo < -size or hi >= size:
                    bad = lo if lo < -size else hi
                    raise IndexError(
                        f"index {bad} is out of bounds for dimension {k} with size {size}")
            out[dim] = val
            arrays.append(val)
            k += 1
    try:
        if len(arrays) > 1:
            np.broadcast_shapes(*(a.shape for a in arrays))
    except ValueError:
        shapes = ", ".join(str(list(a.shape)) for a in arrays)
        raise IndexError("shape mismatch: indexing tensors could not be broadcast together "
                         f"with shapes {shapes}") from None
    while out and out[-1].__class__ is slice:
        out.pop()
    return tuple(out)


# ============================================================ the ops
@defop("basic_index", dtypes=KEEP, view=True)
def _basic_index(xp, x, index):
    return x[index + (Ellipsis,)]


@_basic_index.defgrad
def _(ctx, g):
    return (dispatch(_basic_index_backward, (g,),
                     {"shape": ctx.input_shape(0), "index": ctx.params["index"]}),)


@defop("basic_index_backward", dtypes=KEEP)
def _basic_index_backward(xp, g, shape, index):
    out = xp.zeros(shape, dtype=g.dtype)
    out[index + (Ellipsis,)] = g
    return out


@_basic_index_backward.defgrad
def _(ctx, g):
    return (dispatch(_basic_index, (g,), {"index": ctx.params["index"]}),)


@defop("index", dtypes=KEEP)
def _index(xp, x, indices):
    r = x[indices]
    # NumPy reads 0-d integer arrays as ints, which can give a view
    return r.copy() if xp.may_share_memory(r, x) else r


@_index.defgrad
def _(ctx, g):
    return (dispatch(_index_backward, (g,),
                     {"shape": ctx.input_shape(0), "indices": ctx.params["indices"]}),)


@defop("index_backward", dtypes=KEEP)
def _index_backward(xp, g, shape, indices):
    out = xp.zeros(shape, dtype=g.dtype)
    xp.add.at(out, indices, g)
    return out


@_index_backward.defgrad
def _(ctx, g):
    return (dispatch(_index, (g,), {"indices": ctx.params["indices"]}),)


def _expand_error(vshape, target):
    vshape, target = list(vshape), list(target)
    if len(vshape) > len(target):
        return RuntimeError(
            f"expand(torch.Tensor{{{vshape}}}, size={target}): the number of sizes provided "
            f"({len(target)}) must be greater or equal to the number of dimensions in the "
            f"tensor ({len(vshape)})")
    for i in range(1, len(vshape) + 1):
        if vshape[-i] != 1 and vshape[-i] != target[-i]:
            return RuntimeError(
                f"The expanded size of the tensor ({target[-i]}) must match the existing size "
                f"({vshape[-i]}) at non-singleton dimension {len(target) - i}.  Target sizes: "
                f"{target}.  Tensor sizes: {vshape}")
    return RuntimeError(f"shape mismatch: value tensor of shape {vshape} cannot be broadcast "
                        f"to indexing result of shape {target}")


def _adv_result_shape(vshape, adv):
    """Shape of view[adv] (adv: full slices and int arrays) by NumPy's placement rule."""
    pos = [i for i, a in enumerate(adv) if a.__class__ is not slice]
    bshape = np.shape(adv[pos[0]]) if len(pos) == 1 else \
        np.broadcast_shapes(*(np.shape(adv[i]) for i in pos))
    rest = [s for i, s in enumerate(vshape) if i not in pos]
    if pos == list(range(pos[0], pos[-1] + 1)):
        return tuple(rest[:pos[0]]) + bshape + tuple(rest[pos[0]:])
    return bshape + tuple(rest)


def _strip_ones(shape, ndim):
    shape = tuple(shape)
    while len(shape) > ndim and shape[0] == 1:
        shape = shape[1:]
    return shape


def _put_region(xp, out, basic, adv, v, accumulate):
    """Write (or add) v into out[basic][adv] in place."""
    view = out[basic + (Ellipsis,)] if basic else out
    target_shape = view.shape if adv is None else _adv_result_shape(view.shape, adv)
    vshape = getattr(v, "shape", ())
    if vshape != target_shape:
        stripped = _strip_ones(vshape, len(target_shape))
        try:
            if np.broadcast_shapes(stripped, target_shape) != tuple(target_shape):
                raise ValueError
        except ValueError:
            if adv is not None:
                raise RuntimeError(
                    f"shape mismatch: value tensor of shape {list(vshape)} cannot be broadcast "
                    f"to indexing result of shape {list(target_shape)}") from None
            raise _expand_error(vshape, target_shape) from None
        if stripped != vshape:
            v = v.reshape(stripped)
    if adv is None:
        view[...] = v
    elif accumulate:
        xp.add.at(view, adv, xp.broadcast_to(xp.asarray(v, dtype=view.dtype), target_shape))
    else:
        view[adv] = v


@defop("index_put", dtypes=KEEP)
def _index_put(xp, x, v, basic, adv, accumulate=False):
    out = x.copy()
    _put_region(xp, out, basic, adv, v, accumulate)
    return out


def _index_put_inplace(xp, target, v, basic, adv, accumulate=False):
    _put_region(xp, target, basic, adv, v, accumulate)


# writes straight into the target, so x[i] = v costs O(len(i)), not O(x.numel())
_index_put.inplace_forward = _index_put_inplace


def _select(g, basic, adv):
    """g[basic][adv] with ember ops (differentiable)."""
    r = dispatch(_basic_index, (g,), {"index": basic}) if basic else g
    if adv is not None:
        r = dispatch(_index, (r,), {"indices": adv})
    return r


@_index_put.defgrad
def _(ctx, g):
    p = ctx.params
    basic, adv, acc = p["basic"], p["adv"], p.get("accumulate", False)
    need = ctx.needs_input_grad
    gx = gv = None
    if need[0]:
        gx = g if acc else dispatch(_index_put, (g, 0), {"basic": basic, "adv": adv})
    if need[1]:
        gv = _select(g, basic, adv)
        vshape = tuple(ctx.input_shape(1))
        if tuple(gv.shape) != vshape:
            stripped = _strip_ones(vshape, gv.ndim)
            gv = gv.sum_to_size(stripped) if stripped != tuple(gv.shape) else gv
            if stripped != vshape:
                gv = gv.reshape(vshape)
    return gx, gv


# ======================================================= __getitem__
def _getitem(self, index):
    """Index like torch: basic indices give a view, advanced ones a copy."""
    if index.__class__ is int:  # x[i], the commonest index, skips the parser
        shape = self._data.shape
        if shape and -shape[0] <= index < shape[0]:
            return dispatch(_basic_index, (self,), {"index": (index,)})
    basic, adv = _parse_index(self._data.shape, index)
    if adv and _is_trivial(basic):
        r = self
    else:  # x[...] and x[:] are new views too, as in torch
        r = dispatch(_basic_index, (self,), {"index": basic})
    if adv:
        indices = _advanced_tuple(self._device.backend.xp, r._data.shape, adv)
        r = dispatch(_index, (r,), {"indices": indices})
    return r


def _value_arg(self, value):
    Tensor = _tensor_cls()
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (bool, int, float, complex, np.generic)):
        if isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, complex) and self._dtype.category != D.COMPLEX:
            raise RuntimeError(f"value cannot be converted to type {self._dtype.name} without "
                               "overflow")
        return value
    if isinstance(value, np.ndarray):
        from .creation import tensor
        return tensor(value)
    raise TypeError(f"can't assign a {type(value).__name__} to a {self.type()}")


def _setitem(self, index, value):
    """``self[index] = value`` in place (value broadcast and cast to self's dtype)."""
    value = _value_arg(self, value)
    basic, adv = _parse_index(self._data.shape, index)
    adv_t = None
    if adv:
        vshape = self._data[basic + (Ellipsis,)].shape if basic else self._data.shape
        adv_t = _advanced_tuple(self._device.backend.xp, vshape, adv)
    if adv and isinstance(value, _tensor_cls()) and value._dtype is not self._dtype and not (
            value._data.ndim == 0 and len(adv) == 1 and adv[0][1] == _TAG_MASK):
        raise RuntimeError(
            "Index put requires the source and destination dtypes match, got "
            f"{_torch_type_name(self._dtype)} for the destination and "
            f"{_torch_type_name(value._dtype)} for the source.")
    basic = None if _is_trivial(basic) else basic
    if not adv and isinstance(value, _tensor_cls()):  # x[1:] = x[:-1] is refused, as in torch
        region = self._data[basic + (Ellipsis,)] if basic else self._data
        check_no_partial_overlap(region, (value._data,))
    dispatch_inplace(_index_put, self, (self, value),
                     {"basic": basic or (), "adv": adv_t})


export_method("__getitem__")(_getitem)
export_method("__setitem__")(_setitem)


# ========================================================== index_put
def _index_put_indices(self, indices, fname):
    Tensor = _tensor_cls()
    if not isinstance(indices, (tuple, list)):
        raise TypeError(f"{fname}(): argument 'indices' (position 2) must be tuple of Tensors, "
                        f"not {type(indices).__name__}")
    for i, t in enumerate(indices):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 1, but got "
                            f"{type(t).__name__}")
    adv = []
    dim = 0
    for t in indices:
        if t._dtype is D.bool_ or t._dtype is D.uint8:
            adv.append((dim, _TAG_MASK, t._data.astype(bool, copy=False)))
            dim += max(t._data.ndim, 1)
        elif t._dtype in (D.int64, D.int32):
            adv.append((dim, _TAG_ARR, t._data.astype(np.int64, copy=False)))
            dim += 1
        else:
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    if dim > self._data.ndim:
        raise IndexError(f"too many indices for tensor of dimension {self._data.ndim} (got "
                         f"{dim})")
    if not adv:
        return None
    return _advanced_tuple(self._device.backend.xp, self._data.shape, adv)


def _check_values(self, values, fname):
    check_tensor(values, fname, "values", 3)
    if values._dtype is not self._dtype:
        raise RuntimeError(
            "Index put requires the source and destination dtypes match, got "
            f"{_torch_type_name(self._dtype)} for the destination and "
            f"{_torch_type_name(values._dtype)} for the source.")


@export("index_put")
def index_put(input, indices, values, accumulate: bool = False):
    """A copy of input with values written (or added, accumulate=True) at the
    positions the index tensors select (torch.index_put)."""
    _check_values(input, values, "index_put")
    adv = _index_put_indices(input, indices, "index_put")
    return dispatch(_index_put, (input, values),
                    {"basic": (), "adv": adv, "accumulate": accumulate})


@export_method("index_put_")
def index_put_(self, indices, values, accumulate: bool = False):
    """In-place index_put."""
    _check_values(self, values, "index_put_")
    adv = _index_put_indices(self, indices, "index_put_")
    return dispatch_inplace(_index_put, self, (self, values),
                            {"basic": (), "adv": adv, "accumulate": accumulate})


# ======================================================= *_scatter
def _check_src_shape(src, shape):
    if tuple(src._data.shape) != tuple(shape):
        raise RuntimeError(
            "expected src to have a size equal to the slice of self. src size = "
            f"{list(src._data.shape)}, slice size = {list(shape)}")


@export("select_scatter")
def select_scatter(input, src, dim: int, index: int):
    """A copy of input with input.select(dim, index) replaced by src."""
    from .._tensor import _wrap_dim
    ndim = input._data.ndim
    if ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    dim = _wrap_dim(dim, ndim)
    size = input._data.shape[dim]
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(input._data.shape)} at dimension {dim}")
    basic = (slice(None),) * dim + (index,)
    _check_src_shape(src, input._data[basic + (Ellipsis,)].shape)
    return dispatch(_index_put, (input, src), {"basic": basic, "adv": None})


@export("slice_scatter")
def slice_scatter(input, src, dim: int = 0, start=None, end=None, step: int = 1):
    """A copy of input with input[..., start:end:step, ...] (on dim) replaced by src."""
    from .._tensor import _wrap_dim
    dim = _wrap_dim(dim, input._data.ndim)
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    basic = (slice(None),) * dim + (slice(start, end, step),)
    _check_src_shape(src, input._data[basic].shape)
    return dispatch(_index_put, (input, src), {"basic": basic, "adv": None})


def _diag_index(shape, offset, d1, d2):
    n1, n2 = shape[d1], shape[d2]
    if offset >= 0:
        n = max(min(n1, n2 - offset), 0)
        i1, i2 = np.arange(n), np.arange(n) + offset
    else:
        n = max(min(n1 + offset, n2), 0)
        i1, i2 = np.arange(n) - offset, np.arange(n)
    idx = [slice(None)] * len(shape)
    idx[d1], idx[d2] = i1, i2
    # NumPy puts the diagonal where the two dims were when they are adjacent, else first
    pos = min(d1, d2) if abs(d1 - d2) == 1 else 0
    return tuple(idx), n, pos


@export("diagonal_scatter")
def diagonal_scatter(input, src, offset: int = 0, dim1: int = 0, dim2: int = 1):
    """A copy of input with its diagonal (offset, dim1, dim2) replaced by src."""
    from .._tensor import _wrap_dim
    ndim = input._data.ndim
    d1, d2 = _wrap_dim(dim1, ndim), _wrap_dim(dim2, ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    adv, n, pos = _diag_index(input._data.shape, offset, d1, d2)
    rest = [s for i, s in enumerate(input._data.shape) if i not in (d1, d2)]
    _check_src_shape(src, rest + [n])
    if pos != src._data.ndim - 1:
        perm = list(range(src._data.ndim - 1))
        perm.insert(pos, src._data.ndim - 1)
        src = src.permute(perm)
    return dispatch(_index_put, (input, src), {"basic": (), "adv": adv})


# ===================================================== fill_diagonal_
def _fill_diag_positions(shape, wrap):
    if len(shape) == 2:
        h, w = shape
        stop = h * w if wrap else min(h, w) * w
        return (np.arange(0, stop, w + 1) // w, np.arange(0, stop, w + 1) % w)
    n = shape[0]
    return (np.arange(n),) * len(shape)


@export_method("fill_diagonal_")
def fill_diagonal_(self, fill_value, wrap: bool = False):
    """Fill the main diagonal in place (all dims equal unless 2-D; wrap for tall matrices)."""
    shape = self._data.shape
    if len(shape) < 2:
        raise RuntimeError("dimensions must larger than 1")
    if len(shape) > 2 and any(s != shape[0] for s in shape):
        raise RuntimeError("all dimensions of input must be of equal length")
    adv = _fill_diag_positions(shape, wrap)
    return dispatch_inplace(_index_put, self, (self, fill_value), {"basic": (), "adv": adv})


# ============================================================ masked_*
def _check_mask(mask, fname, what="masks"):
    if mask._dtype is not D.bool_:
        if fname == "masked_select":
            raise RuntimeError("masked_select: expected BoolTensor for mask")
        raise RuntimeError(f"{fname} only supports boolean {what}, but got mask with dtype "
                           f"{_LONG_NAMES.get(mask._dtype.name, mask._dtype.name)}")


_LONG_NAMES = {"int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
               "uint8": "unsigned char", "float32": "float", "float64": "double",
               "float16": "c10::Half", "bfloat16": "c10::BFloat16"}


@defop("masked_fill", dtypes=KEEP, saves=INPUTS)
def _masked_fill(xp, x, mask, value):
    return xp.where(mask, xp.asarray(value).astype(x.dtype), x)


@_masked_fill.defgrad
def _(ctx, g):
    _, mask, value = ctx.inputs
    gv = g.masked_fill(~mask, 0).sum() if ctx.needs_input_grad[2] else None
    return g.masked_fill(mask, 0), None, gv


def _masked_fill_args(input, mask, value, fname):
    check_tensor(mask, fname, "mask", 2)
    _check_mask(mask, fname)
    Tensor = _tensor_cls()
    if isinstance(value, Tensor) and value._data.ndim != 0:
        raise RuntimeError(f"{fname} only supports a 0-dimensional value tensor, but got tensor "
                           f"with {value._data.ndim} dimension(s).")


@export("masked_fill")
def masked_fill(input, mask, value):
    """Where mask is True, value; else input (torch.masked_fill)."""
    _masked_fill_args(input, mask, value, "masked_fill_")
    return dispatch(_masked_fill, (input, mask, value))


@export("masked_fill_", function=False)
def masked_fill_(self, mask, value):
    """In-place masked_fill."""
    _masked_fill_args(self, mask, value, "masked_fill_")
    return dispatch_inplace(_masked_fill, self, (self, mask, value))


@defop("masked_select", dtypes=KEEP, saves=INPUTS)
def _masked_select(xp, x, mask):
    shape = np.broadcast_shapes(x.shape, mask.shape)
    return xp.broadcast_to(x, shape)[xp.broadcast_to(mask, shape)]


@_masked_select.defgrad
def _(ctx, g):
    _, mask = ctx.inputs
    shape = np.broadcast_shapes(tuple(ctx.input_shape(0)), tuple(mask.shape))
    zeros = _const(g._device.backend.xp.zeros(shape, dtype=g._data.dtype), g._dtype, g._device)
    return dispatch(_masked_scatter, (zeros, mask, g)), None


@export("masked_select")
def masked_select(input, mask, *, out=None):
    """The elements of input where mask (broadcast) is True, as a 1-D tensor."""
    check_tensor(input, "masked_select")
    check_tensor(mask, "masked_select", "mask", 2)
    _check_mask(mask, "masked_select")
    r = dispatch(_masked_select, (input, mask))
    return r if out is None else write_out(out, r)


@defop("masked_scatter", dtypes=KEEP, saves=INPUTS)
def _masked_scatter(xp, x, mask, source):
    shape = np.broadcast_shapes(x.shape, mask.shape)
    out = xp.broadcast_to(x, shape).copy()
    m = xp.broadcast_to(mask, shape)
    n = int(m.sum())
    if source.size < n:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    out[m] = source.reshape(-1)[:n]
    return out


@_masked_scatter.defgrad
def _(ctx, g):
    _, mask, source = ctx.inputs
    need = ctx.needs_input_grad
    gx = g.masked_fill(mask, 0) if need[0] else None
    gs = None
    if need[2]:
        sel = g.masked_select(mask)
        numel = source._data.size
        if sel._data.size != numel:
            sel = dispatch(_basic_index_backward, (sel,),
                           {"shape": (numel,), "index": (slice(0, sel._data.size),)})
        gs = sel.reshape(source.shape)
    return gx, None, gs


def _masked_scatter_args(input, mask, source, fname):
    check_tensor(mask, fname, "mask", 2)
    check_tensor(source, fname, "source", 3)
    _check_mask(mask, fname, "masks")
    if source._dtype is not input._dtype:
        raise RuntimeError(f"{fname}: expected self and source to have same dtypes but got "
                           f"{_torch_type_name(input._dtype)} and "
                           f"{_torch_type_name(source._dtype)}")


@export("masked_scatter")
def masked_scatter(input, mask, source):
    """A copy of input with source's elements (in order) written where mask is True."""
    _masked_scatter_args(input, mask, source, "masked_scatter_")
    return dispatch(_masked_scatter, (input, mask, source))


@export_method("masked_scatter_")
def masked_scatter_(self, mask, source):
    """In-place masked_scatter."""
    _masked_scatter_args(self, mask, source, "masked_scatter_")
    return dispatch_inplace(_masked_scatter, self, (self, mask, source))


# =============================================================== where
@cacheable
def _where_dtype(args, params):
    return None, _promote(args[1:])


@defop("where", dtypes=_where_dtype, saves=INPUTS)
def _where(xp, cond, a, b):
    return xp.where(cond, a, b)


@_where.defgrad
def _(ctx, g):
    cond = ctx.inputs[0]
    need = ctx.needs_input_grad
    return (None,
            dispatch(_where, (cond, g, 0)) if need[1] else None,
            dispatch(_where, (cond, 0, g)) if need[2] else None)


@export_method("where")
def _where_method(self, condition, other):
    """self where condition else other (Tensor.where)."""
    return where(condition, self, other)


@export("where", method=False)
def where(condition, input=None, other=None, *, out=None):
    """Elementwise choice input if condition else other, broadcasting and
    promoting like torch; where(condition) is nonzero(condition, as_tuple=True)."""
    check_tensor(condition, "where", "condition")
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    if input is None or other is None:
        raise TypeError("where() missing required argument 'input' or 'other'")
    if condition._dtype is not D.bool_:
        raise RuntimeError("where expected condition to be a boolean tensor, but got a tensor "
                           f"with dtype {_torch_type_name(condition._dtype)}")
    for a in (input, other):
        if not isinstance(a, (_tensor_cls(), bool, int, float, complex)):
            raise TypeError(f"where(): argument 'input' must be Tensor, not {type(a).__name__}")
    r = dispatch(_where, (condition, input, other))
    return r if out is None else write_out(out, r)


# ============================================================= nonzero
@defop("nonzero", dtypes=KEEP)
def _nonzero(xp, x):
    return xp.argwhere(x).astype(np.int64)


@export("nonzero")
def nonzero(input, *, out=None, as_tuple: bool = False):
    """Indices of the non-zero elements: an (n, ndim) int64 tensor, or with
    as_tuple=True one 1-D tensor per dimension (torch.nonzero)."""
    check_tensor(input, "nonzero")
    if as_tuple:
        x = input if input._data.ndim else input.reshape(1)
        idx = dispatch(_nonzero, (x,))
        return tuple(_const(idx._data[:, i].copy(), D.int64, idx._device)
                     for i in range(x._data.ndim))
    r = dispatch(_nonzero, (input,))
    return r if out is None else write_out(out, r)


@export("argwhere")
def argwhere(input):
    """Indices of the non-zero elements as an (n, ndim) tensor (torch.argwhere)."""
    check_tensor(input, "argwhere")
    return dispatch(_nonzero, (input,))
