"""Sorting and selection: sort, argsort, topk, kthvalue, median, mode,
quantile, unique, bincount, histc, searchsorted and bucketize.

Selection ops compute their indices with a non-differentiable op and gather
the values with ``reduction.select_along``, whose derivative scatters the
gradient back into the selected positions (and is itself differentiable).
"""
from __future__ import annotations

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ._api import export
from .reduction import (_distribute, return_type, select_along, values_indices, wrap_dim,
                        write_outs)
from .registry import BOTH, _torch_type_name, defop, dispatch, write_out


def _stable_argsort(xp, x, dim, descending):
    """Stable argsort along dim; NaN sorts as the largest value, as in torch."""
    if not descending:
        return xp.argsort(x, axis=dim, kind="stable")
    n = x.shape[dim]
    rev = xp.argsort(xp.flip(x, dim), axis=dim, kind="stable")
    return xp.flip(n - 1 - rev, dim)


# ------------------------------------------------------------ sort family
@defop("argsort")
def _argsort(xp, x, dim, descending=False):
    if x.ndim == 0:
        return xp.zeros((), dtype=np.int64)
    return _stable_argsort(xp, x, dim, descending).astype(np.int64)


SortResult = return_type("sort")
TopkResult = return_type("topk")
KthvalueResult = return_type("kthvalue")
MedianResult = return_type("median")
NanmedianResult = return_type("nanmedian")
ModeResult = return_type("mode")


_SORT_COMPLEX = (RuntimeError, " Sort does not support complex dtypes on CPU")
# torch's refusals: (op, dtype category) -> (exception, message)
_REFUSE = {
    ("sort", D.COMPLEX): _SORT_COMPLEX, ("argsort", D.COMPLEX): _SORT_COMPLEX,
    ("topk", D.COMPLEX): (RuntimeError, " topk does not support complex dtypes on CPU"),
    ("topk", D.BOOL): (RuntimeError, "topk does not support bool dtypes on CPU"),
    ("kthvalue", None): (NotImplementedError, '"kthvalue_cpu" not implemented for \'{}\''),
    ("median", None): (NotImplementedError, '"median_cpu" not implemented for \'{}\''),
    ("median_dim", None): (NotImplementedError, '"median_out" not implemented for \'{}\''),
    ("mode", D.COMPLEX): (NotImplementedError, '"mode_cpu" not implemented for \'{}\''),
    ("unique", D.COMPLEX): (NotImplementedError, '"unique" not implemented for \'{}\''),
}


def _check_sortable(name, x):
    """Raise torch's error for complex (and, for some ops, bool) input."""
    cat = x._dtype.category
    if cat == D.COMPLEX or x._dtype is D.bool_:
        hit = _REFUSE.get((name, cat)) or _REFUSE.get((name, None))
        if hit is not None:
            exc, msg = hit
            raise exc(msg.format(_torch_type_name(x._dtype)))


@export("sort")
def sort(input, dim: int = -1, descending: bool = False, stable: bool = False, *, out=None):
    """Sorted values and their indices along ``dim``; ties keep their order (torch.sort)."""
    _check_sortable("sort", input)
    d = wrap_dim(dim, input._data.ndim)
    idx = dispatch(_argsort, (input,), {"dim": d, "descending": descending})
    values = select_along(input, idx, d) if input._data.ndim else input.clone()
    r = (values, idx)
    return SortResult(*r) if out is None else write_outs(out, r, SortResult)


@export("argsort")
def argsort(input, dim: int = -1, descending: bool = False, stable: bool = False):
    """Indices that sort ``input`` along ``dim`` (torch.argsort)."""
    _check_sortable("argsort", input)
    d = wrap_dim(dim, input._data.ndim)
    return dispatch(_argsort, (input,), {"dim": d, "descending": descending})


@export("msort")
def msort(input, *, out=None):
    """``input`` sorted along its first dimension (torch.msort)."""
    r = sort(input, 0).values
    return r if out is None else write_out(out, r)


@defop("_topk_index")
def _topk_index(xp, x, k, dim, largest):
    idx = _stable_argsort(xp, x, dim, largest)
    sl = [slice(None)] * x.ndim
    sl[dim] = slice(0, k)
    return idx[tuple(sl)].astype(np.int64)


@export("topk")
def topk(input, k: int, dim: int = -1, largest: bool = True, sorted: bool = True, *, out=None):
    """The ``k`` largest (or smallest) values along ``dim`` and their indices (torch.topk)."""
    _check_sortable("topk", input)
    ndim = input._data.ndim
    d = wrap_dim(dim, ndim)
    size = input._data.shape[d] if ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError(f"selected index k out of range (k={k}, dim {d} has size {size})")
    x = input if ndim else input.reshape(1)
    idx = dispatch(_topk_index, (x,), {"k": k, "dim": d, "largest": largest})
    values = select_along(x, idx, d)
    if not ndim:
        values, idx = values.reshape(()), idx.reshape(())
    r = (values, idx)
    return TopkResult(*r) if out is None else write_outs(out, r, TopkResult)


# ------------------------------------------------ kthvalue / median / mode
@defop("_kth_index")
def _kth_index(xp, x, dim, k, nan_policy):
    """Index (kept dim) of the k-th smallest along dim. nan_policy: 'k' takes
    the k-th plainly; 'median' returns a NaN's index when the slice has one;
    'nanmedian' takes the lower median of the non-NaN values."""
    order = xp.argsort(x, axis=dim, kind="stable")
    n = x.shape[dim]
    if nan_policy == "k":
        pos = xp.full(x.shape[:dim] + (1,) + x.shape[dim + 1:], k, dtype=np.int64)
    else:
        valid = xp.sum(~xp.isnan(x), axis=dim, keepdims=True) if x.dtype.kind == "f" else \
            xp.full(x.shape[:dim] + (1,) + x.shape[dim + 1:], n)
        if nan_policy == "median":
            pos = xp.where(valid < n, valid, (n - 1) // 2)
        else:
            pos = xp.maximum((valid - 1) // 2, 0)
    return xp.take_along_axis(order, pos.astype(np.int64), axis=dim).astype(np.int64)


@export("kthvalue")
def kthvalue(input, k: int, dim: int = -1, keepdim: bool = False, *, out=None):
    """The ``k``-th smallest value along ``dim`` and its index (torch.kthvalue)."""
    _check_sortable("kthvalue", input)
    ndim = input._data.ndim
    d = wrap_dim(dim, ndim)
    size = input._data.shape[d] if ndim else 1
    if not 1 <= k <= size:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    r = values_indices(input, _kth_index, "kthvalue", d, keepdim,
                       {"k": k - 1, "nan_policy": "k"})
    return KthvalueResult(*r) if out is None else write_outs(out, r, KthvalueResult)


@defop("median", saves=BOTH)
def _median_all(xp, x, dim=None, keepdim=False, skip_nan=False):
    flat = x.reshape(-1)
    if skip_nan and flat.dtype.kind == "f":
        flat = flat[~xp.isnan(flat)]
    elif flat.dtype.kind == "f" and xp.isnan(flat).any():
        return xp.asarray(np.nan, dtype=x.dtype)
    if flat.size == 0:
        return xp.asarray(np.nan, dtype=x.dtype)
    k = (flat.size - 1) // 2
    return xp.partition(flat, k)[k].copy()


_median_all.defgrad(lambda ctx, g: _distribute(ctx, g, True))


def _median(name, input, dim, keepdim, out):
    _check_sortable("median" if dim is None or name == "nanmedian" else "median_dim", input)
    rtype = MedianResult if name == "median" else NanmedianResult
    if dim is None:
        r = dispatch(_median_all, (input,), {"dim": None, "keepdim": False,
                                             "skip_nan": name == "nanmedian"})
        return r if out is None else write_out(out, r)
    r = values_indices(input, _kth_index, name, dim, keepdim, {"k": 0, "nan_policy": name})
    return rtype(*r) if out is None else write_outs(out, r, rtype)


@export("median")
def median(input, dim=None, keepdim: bool = False, *, out=None):
    """Lower median of all elements, or (values, indices) along ``dim``; NaN
    propagates (torch.median)."""
    return _median("median", input, dim, keepdim, out)


@export("nanmedian")
def nanmedian(input, dim=None, keepdim: bool = False, *, out=None):
    """Lower median ignoring NaN, overall or along ``dim`` (torch.nanmedian)."""
    return _median("nanmedian", input, dim, keepdim, out)


@defop("_mode_index")
def _mode_index(xp, x, dim):
    """Index (kept dim) of the most frequent value (the smallest among equally
    frequent ones), at its last occurrence."""
    xt = xp.moveaxis(x, dim, -1)
    order = xp.argsort(xt, axis=-1, kind="stable")
    s = xp.take_along_axis(xt, order, axis=-1)
    n = s.shape[-1]
    pos = xp.arange(n)
    starts = xp.ones(s.shape, dtype=bool)
    starts[..., 1:] = s[..., 1:] != s[..., :-1]
    run_start = xp.maximum.accumulate(xp.where(starts, pos, 0), axis=-1)
    count = pos - run_start
    # the first maximal running count sits at the end of the winning run, which
    # is the last occurrence of that value since the sort is stable
    best = xp.argmax(count, axis=-1)[..., None]
    idx = xp.take_along_axis(order, best, axis=-1)
    return xp.moveaxis(idx, -1, dim).astype(np.int64)


@export("mode")
def mode(input, dim: int = -1, keepdim: bool = False, *, out=None):
    """Most frequent value along ``dim`` and an index of it (torch.mode)."""
    _check_sortable("mode", input)
    r = values_indices(input, _mode_index, "mode", dim, keepdim)
    return ModeResult(*r) if out is None else write_outs(out, r, ModeResult)


# ---------------------------------------------------------------- quantile
_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


@defop("_quantile_positions", nout=4)
def _quantile_positions(xp, s, q, ignore_nan, interpolation):
    """For values ``s`` sorted along the last dim (NaN last) and quantiles ``q``:
    the lower and upper positions to read, and ``scale``/``offset`` with
    rank = q * scale + offset (so the linear weight stays differentiable in q)."""
    n = s.shape[-1]
    valid = n - xp.sum(xp.isnan(s), axis=-1, keepdims=True)
    if ignore_nan:
        last = xp.maximum(valid - 1, 0)
        scale, offset = last, xp.zeros_like(last)
    else:
        last = xp.full(valid.shape, n - 1)
        has_nan = valid < n
        scale, offset = xp.where(has_nan, 0, n - 1), xp.where(has_nan, n - 1, 0)
    rank = q * scale + offset
    if interpolation == "nearest":
        rank = xp.round(rank)
    lo = xp.floor(rank)
    hi = xp.minimum(xp.ceil(rank), last)
    if interpolation == "lower":
        hi = lo
    elif interpolation == "higher":
        lo = hi
    return (lo.astype(np.int64), hi.astype(np.int64), scale.astype(s.dtype),
            offset.astype(s.dtype))


def _quantile(name, input, q, dim, keepdim, interpolation, out):
    from .creation import tensor as _tensor
    if input._dtype not in (D.float32, D.float64):
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, "
                           f"midpoint or nearest. Got {interpolation}")
    scalar_q = not isinstance(q, Tensor)
    if scalar_q:
        q_values = np.asarray([float(q)])
        qt = _tensor(q_values.astype(input._dtype.np), device=input.device)
    else:
        if q._data.ndim > 1:
            raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
        if q._dtype is not input._dtype:
            raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
        scalar_q = q._data.ndim == 0
        q_values = np.asarray(q.detach().cpu()._data, dtype=np.float64).reshape(-1)
        qt = q.reshape(-1)
    if input._data.size == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    if q_values.size and not ((q_values >= 0) & (q_values <= 1)).all():
        raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
    ndim = input._data.ndim
    if dim is None:
        x, d = input.reshape(-1), 0
        out_shape = (1,) * ndim if keepdim else ()
    else:
        d = wrap_dim(dim, ndim)
        x = input if ndim else input.reshape(1)
        shape = input._data.shape
        out_shape = tuple(1 if i == d else s for i, s in enumerate(shape)) if keepdim else \
            shape[:d] + shape[d + 1:]
    last = x._data.ndim - 1
    s = sort(x.movedim(d, -1) if d != last else x, -1).values      # (..., n), NaN last
    nq = q_values.size
    lo, hi, scale, offset = dispatch(
        _quantile_positions, (s, qt.detach()),
        {"ignore_nan": name == "nanquantile", "interpolation": interpolation})
    lead = tuple(s.shape[:-1])
    lo, hi = lo.expand(lead + (nq,)), hi.expand(lead + (nq,))
    v_lo, v_hi = select_along(s, lo, last), select_along(s, hi, last)
    if interpolation == "linear":
        w = qt * scale + offset - lo.to(s.dtype)                      # differentiable in q
        r = v_lo + (v_hi - v_lo) * w
    elif interpolation == "midpoint":
        r = v_lo + (v_hi - v_lo) * 0.5
    else:
        r = v_lo
    r = r.movedim(-1, 0).reshape((nq,) + out_shape)                 # q first, like torch
    if scalar_q:
        r = r.reshape(out_shape)
    return r if out is None else write_out(out, r)


@export("quantile")
def quantile(input, q, dim=None, keepdim: bool = False, *, interpolation: str = "linear",
             out=None):
    """The ``q``-th quantiles along ``dim`` (all elements if None); NaN propagates
    (torch.quantile)."""
    return _quantile("quantile", input, q, dim, keepdim, interpolation, out)


@export("nanquantile")
def nanquantile(input, q, dim=None, keepdim: bool = False, *, interpolation: str = "linear",
                out=None):
    """Quantiles ignoring NaN (torch.nanquantile)."""
    return _quantile("nanquantile", input, q, dim, keepdim, interpolation, out)


# ------------------------------------------------------------------ unique
@defop("_unique", nout=3)
def _unique(xp, x, dim):
    if dim is None:
        vals, inv, counts = xp.unique(x.reshape(-1), return_inverse=True, return_counts=True,
                                      equal_nan=False)
        return vals, inv.reshape(x.shape).astype(np.int64), counts.astype(np.int64)
    if x.shape[dim] == 0:
        return x.copy(), xp.zeros(0, dtype=np.int64), xp.zeros(0, dtype=np.int64)
    vals, inv, counts = xp.unique(x, return_inverse=True, return_counts=True, axis=dim,
                                  equal_nan=False)
    return vals, inv.reshape(-1).astype(np.int64), counts.astype(np.int64)


@export("unique")
def unique(input, sorted: bool = True, return_inverse: bool = False,  # noqa: A002
           return_counts: bool = False, dim=None):
    """Sorted unique elements (or slices along ``dim``), with optional inverse
    indices and counts (torch.unique)."""
    _check_sortable("unique", input)
    d = None if dim is None else wrap_dim(dim, input._data.ndim)
    if d is not None and input._data.ndim == 0:
        d = None
    vals, inv, counts = dispatch(_unique, (input,), {"dim": d})
    return _unique_result(vals, inv, counts, return_inverse, return_counts)


def _unique_result(vals, inv, counts, return_inverse, return_counts):
    if not return_inverse and not return_counts:
        return vals
    r = (vals,)
    if return_inverse:
        r += (inv,)
    if return_counts:
        r += (counts,)
    return r


@defop("_unique_consecutive", nout=3)
def _unique_consecutive(xp, x, dim):
    a = x.reshape(-1) if dim is None else xp.moveaxis(x, dim, 0)
    n = a.shape[0]
    if n == 0:
        inv_shape = x.shape if dim is None else (0,)
        return x.copy() if dim is not None else a.copy(), \
            xp.zeros(inv_shape, dtype=np.int64), xp.zeros(0, dtype=np.int64)
    change = xp.ones(n, dtype=bool)
    diff = a[1:] != a[:-1]
    change[1:] = diff.reshape(n - 1, -1).any(axis=1) if a.ndim > 1 else diff
    inv = xp.cumsum(change) - 1
    starts = xp.nonzero(change)[0]
    counts = xp.diff(xp.append(starts, n))
    vals = a[starts]
    if dim is not None:
        vals = xp.moveaxis(vals, 0, dim)
        return vals, inv.astype(np.int64), counts.astype(np.int64)
    return vals, inv.reshape(x.shape).astype(np.int64), counts.astype(np.int64)


@export("unique_consecutive")
def unique_consecutive(input, return_inverse: bool = False, return_counts: bool = False,
                       dim=None):
    """Collapse runs of equal consecutive elements (or slices along ``dim``)
    (torch.unique_consecutive)."""
    d = None if dim is None else wrap_dim(dim, input._data.ndim)
    if d is not None and input._data.ndim == 0:
        d = None
    vals, inv, counts = dispatch(_unique_consecutive, (input,), {"dim": d})
    return _unique_result(vals, inv, counts, return_inverse, return_counts)


# ---------------------------------------------------------------- counting
@defop("bincount")
def _bincount(xp, x, weights, minlength):
    if weights is None:
        return xp.bincount(x, minlength=minlength).astype(np.int64)
    out_dtype = weights.dtype if weights.dtype.kind == "f" else np.float64
    r = xp.bincount(x, weights=weights.astype(np.float64), minlength=minlength)
    return r.astype(out_dtype)


@export("bincount")
def bincount(input, weights=None, minlength: int = 0):
    """Count of each non-negative integer in a 1-D tensor, optionally weighted
    (torch.bincount)."""
    if minlength < 0:
        raise RuntimeError(f"minlength should be >= 0 (got {minlength})")
    if input._data.ndim != 1 or input._dtype.category != D.INT or \
            (input._data.size and int(input._data.min()) < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is not None and (weights._data.ndim != 1 or
                                weights._data.shape[0] != input._data.shape[0]):
        raise RuntimeError("weights should be 1-d and have the same length as input")
    return dispatch(_bincount, (input, weights), {"minlength": minlength})


@defop("histc")
def _histc(xp, x, bins, lo, hi):
    flat = x.reshape(-1)
    if lo == hi:                  # both bounds 0: the range of the finite data
        finite = flat[xp.isfinite(flat)]
        if finite.size:
            lo, hi = float(finite.min()), float(finite.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    flat = flat[(flat >= lo) & (flat <= hi)]
    pos = ((flat - x.dtype.type(lo)) * bins / x.dtype.type(hi - lo)).astype(np.int64)
    pos = xp.minimum(pos, bins - 1)
    return xp.bincount(pos, minlength=bins).astype(x.dtype)


@export("histc")
def histc(input, bins: int = 100, min=0, max=0, *, out=None):  # noqa: A002
    """Histogram of ``bins`` equal-width bins over [min, max] (data range if
    both are 0) (torch.histc)."""
    if input._dtype.category != D.FLOAT:
        raise NotImplementedError(
            f"\"histogram_cpu\" not implemented for '{_torch_type_name(input._dtype)}'")
    if bins <= 0:
        raise RuntimeError(f"torch.histc(): bins must be > 0, but got {bins} for bins")
    lo, hi = float(min), float(max)
    if lo > hi:
        raise RuntimeError(f"torch.histc(): max must be larger than min, but got min {lo} "
                           f"max {hi}")
    r = dispatch(_histc, (input,), {"bins": bins, "lo": lo, "hi": hi})
    return r if out is None else write_out(out, r)


# ------------------------------------------------------------ searchsorted
@defop("searchsorted")
def _searchsorted(xp, seq, values, sorter, right, int32):
    if sorter is not None:
        seq = xp.take_along_axis(seq, sorter, axis=-1)
    side = "right" if right else "left"
    if seq.ndim == 1:
        r = xp.searchsorted(seq, values, side=side)
    else:
        r = xp.empty(values.shape, dtype=np.int64)
        s2 = seq.reshape(-1, seq.shape[-1])
        v2 = values.reshape(-1, values.shape[-1])
        r2 = r.reshape(-1, values.shape[-1])
        for i in range(s2.shape[0]):
            r2[i] = xp.searchsorted(s2[i], v2[i], side=side)
    return xp.asarray(r, dtype=np.int32 if int32 else np.int64)


@export("searchsorted", method=False)
def searchsorted(sorted_sequence, input, *, out_int32: bool = False, right: bool = False,
                 side=None, sorter=None, out=None):
    """Indices where ``input`` would be inserted to keep the innermost dimension
    of ``sorted_sequence`` sorted (torch.searchsorted)."""
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but "
                               f"got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to "
                               "opposites, got side of left while right was True")
        right = side == "right"
    seq_shape = sorted_sequence._data.shape
    if isinstance(input, Tensor):
        vals_shape = input._data.shape
        if len(seq_shape) != 1 and (len(seq_shape) != len(vals_shape) or
                                    seq_shape[:-1] != vals_shape[:-1]):
            raise RuntimeError(
                "torch.searchsorted(): boundaries tensor should be 1 dimension or the first "
                "N-1 dimensions of boundaries tensor and input value tensor must match, but we "
                f"got boundaries tensor {list(seq_shape)} and input value tensor "
                f"{list(vals_shape)}")
    elif len(seq_shape) != 1:
        raise RuntimeError("torch.searchsorted(): input value can be a scalar only when "
                           "boundaries tensor dimension is 1, but we got boundaries tensor "
                           f"dim({len(seq_shape)}) and input value's dim(0) numel(1)")
    if sorter is not None and sorter._data.shape != seq_shape:
        raise RuntimeError("torch.searchsorted(): boundary and sorter must have the same size, "
                           f"but got boundary tensor {list(seq_shape)} and got sorter tensor "
                           f"{list(sorter._data.shape)}")
    r = dispatch(_searchsorted, (sorted_sequence, input, sorter),
                 {"right": right, "int32": out_int32})
    return r if out is None else write_out(out, r)


@export("bucketize", method=False)
def bucketize(input, boundaries, *, out_int32: bool = False, right: bool = False, out=None):
    """Index of the bucket of each element given sorted 1-D ``boundaries``
    (torch.bucketize)."""
    if boundaries._data.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim("
                           f"{boundaries._data.ndim})")
    r = searchsorted(boundaries, input, out_int32=out_int32, right=right)
    return r if out is None else write_out(out, r)

