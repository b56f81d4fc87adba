"""Reductions: sum, mean, prod, std/var, min/max, norms, logsumexp, all/any
and trace (cumulative ops, diff and trapezoid are in cumulative.py).

Selection ops (sort, topk, median, quantile, unique, ...) live in sorting.py;
the private gather/scatter pair they and min/max share is defined here:
``_gather_dim`` picks values along a dim and ``_scatter_add_dim`` builds the
dense gradient of such a pick; each is the other's derivative, so double
backward works.
"""
from __future__ import annotations

import builtins
import math
import warnings
from collections import namedtuple

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ._api import export
from .registry import cacheable, BOTH, INPUTS, _torch_type_name, defop, dispatch, write_out


# --------------------------------------------------------------- helpers
def normalize_dims(dim, ndim: int):
    """dim (None, int or sequence) as a sorted tuple of non-negative axes, or None."""
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if not dims:
        return None
    lim = builtins.max(ndim, 1)
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


def wrap_dim(dim: int, ndim: int) -> int:
    """One dim wrapped into [0, ndim) (a 0-dim tensor accepts 0 and -1)."""
    lim = builtins.max(ndim, 1)
    if not -lim <= dim < lim:
        raise IndexError(f"Dimension out of range (expected to be in range of "
                         f"[{-lim}, {lim - 1}], but got {dim})")
    return dim % lim


def keep_shape(shape, dims) -> tuple:
    """``shape`` with the reduced ``dims`` (None: all) set to 1."""
    if dims is None:
        return (1,) * len(shape)
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def restore(g, shape, dims, keepdim: bool):
    """Broadcast a reduction's output (or gradient) back to the input's shape."""
    if not keepdim:
        g = g.reshape(keep_shape(shape, dims))
    return g.expand(shape)


def _numel(shape, dims) -> int:
    n = 1
    for i, s in enumerate(shape):
        if dims is None or i in dims:
            n *= s
    return n


def _conj(t):
    return t.conj() if t._dtype.category == D.COMPLEX else t


def _wide(x):
    """Half-precision arrays are accumulated in float32, as torch does."""
    if x.dtype.itemsize == 2 and x.dtype.kind not in "iub":
        return x.astype(np.float32)
    return x


RETURN_TYPES: dict = {}  # published as the module ember.return_types


def return_type(name: str, fields=("values", "indices")):
    """A named tuple like torch.return_types.<name>."""
    cls = namedtuple(name, fields)
    RETURN_TYPES[name] = cls
    cls.__module__ = "ember.return_types"

    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self))
        return f"ember.return_types.{name}(\n{body})"
    cls.__repr__ = __repr__
    return cls


def write_outs(out, results, rtype):
    """Write a tuple of results into the user's ``out=`` tuple."""
    if not isinstance(out, (tuple, list)) or len(out) != len(results):
        raise TypeError(f"out must be a tuple of {len(results)} Tensors")
    for o, r in zip(out, results):
        write_out(o, r)
    return rtype(*out)


def _check_nonempty(name, x, dims):
    shape = x._data.shape
    if x._data.size:
        return
    if dims is None:
        if not shape:
            return
        dims = range(len(shape))
    for d in dims:
        if shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")


@cacheable(params=("dtype",))
def _sum_like_dtype(args, params):
    """sum/prod/cumsum: dtype= wins; bool and integers accumulate in int64."""
    dt = params.get("dtype") if params else None
    if dt is not None:
        return dt, dt
    d = args[0]._dtype
    if d.category <= D.INT:
        return D.int64, D.int64
    return d, d


@cacheable
def _var_dtype(args, params):
    """std/var: floating or complex input only; complex gives its real dtype."""
    d = args[0]._dtype
    if d.category < D.FLOAT:
        raise RuntimeError("std and var only support floating point and complex dtypes")
    return d, d.to_real()


# ------------------------------------------------- gather / scatter pair
@defop("_gather_dim", saves=INPUTS)
def _gather_dim(xp, x, index, dim):
    return xp.take_along_axis(x, index, axis=dim)


@_gather_dim.defgrad
def _(ctx, g):
    x_shape = ctx.input_shape(0)
    index = ctx.inputs[1]
    return _scatter_add_dim(g, index, dim=ctx.params["dim"], shape=x_shape), None


@defop("_scatter_add_dim", saves=INPUTS)
def _scatter_add_dim(xp, src, index, dim, shape):
    out = xp.zeros(shape, dtype=src.dtype)
    grid = list(xp.indices(index.shape, sparse=True))
    grid[dim] = index
    xp.add.at(out, tuple(grid), src)
    return out


@_scatter_add_dim.defgrad
def _(ctx, g):
    return _gather_dim(g, ctx.inputs[1], dim=ctx.params["dim"]), None


def select_along(x, index, dim: int):
    """Values of ``x`` at ``index`` along ``dim`` (differentiable in ``x``)."""
    return dispatch(_gather_dim, (x, index), {"dim": dim})


# -------------------------------------------------- shifting and slicing
def _axis_slice(ndim, dim, start, stop):
    sl = [slice(None)] * ndim
    sl[dim] = slice(start, stop)
    return tuple(sl)


@defop("_shift_dim")
def _shift_dim(xp, x, dim, k, fill):
    """x moved k places along dim (k > 0 towards the end), ``fill`` entering."""
    out = xp.full(x.shape, fill, dtype=x.dtype)
    n = x.shape[dim]
    if abs(k) < n:
        if k >= 0:
            out[_axis_slice(x.ndim, dim, k, None)] = x[_axis_slice(x.ndim, dim, 0, n - k)]
        else:
            out[_axis_slice(x.ndim, dim, 0, n + k)] = x[_axis_slice(x.ndim, dim, -k, None)]
    return out


@_shift_dim.defgrad
def _(ctx, g):
    p = ctx.params
    return (_shift_dim(g, dim=p["dim"], k=-p["k"], fill=0),)


@defop("_slice_dim")
def _slice_dim(xp, x, dim, start, stop):
    return x[_axis_slice(x.ndim, dim, start, stop)].copy()


@_slice_dim.defgrad
def _(ctx, g):
    p = ctx.params
    n = ctx.input_shape(0)[p["dim"]]
    return (_pad_dim(g, dim=p["dim"], before=p["start"], after=n - p["stop"]),)


@defop("_pad_dim")
def _pad_dim(xp, x, dim, before, after):
    widths = [(0, 0)] * x.ndim
    widths[dim] = (before, after)
    return xp.pad(x, widths)


@_pad_dim.defgrad
def _(ctx, g):
    p = ctx.params
    n = ctx.input_shape(0)[p["dim"]]
    return (_slice_dim(g, dim=p["dim"], start=p["before"], stop=p["before"] + n),)


@defop("_tri_ones")
def _tri_ones(xp, like, n, k, upper):
    ones = xp.ones((n, n), dtype=like.dtype)
    return xp.triu(ones, k) if upper else xp.tril(ones, k)


# ------------------------------------------------------------------- sum
@defop("sum", dtypes=_sum_like_dtype)
def _sum(xp, x, dim=None, keepdim=False, dtype=None):
    return _wide(x).sum(axis=dim, keepdims=keepdim)


@_sum.defgrad
def _(ctx, g):
    p = ctx.params
    return (restore(g, ctx.input_shape(0), p.get("dim"), p.get("keepdim", False)),)


@export("sum")
def sum(input, dim=None, keepdim: bool = False, *, dtype=None, out=None):  # noqa: A001
    """Sum over all elements or over ``dim`` (torch.sum)."""
    dims = normalize_dims(dim, input._data.ndim)
    r = dispatch(_sum, (input,), {"dim": dims, "keepdim": keepdim, "dtype": dtype})
    return r if out is None else write_out(out, r)


@defop("nansum", dtypes=_sum_like_dtype, saves=INPUTS)
def _nansum(xp, x, dim=None, keepdim=False, dtype=None):
    return xp.nansum(_wide(x), axis=dim, keepdims=keepdim)


@_nansum.defgrad
def _(ctx, g):
    p = ctx.params
    x = ctx.inputs[0]
    return (restore(g, x.shape, p["dim"], p["keepdim"]) * ~x.isnan(),)


@export("nansum")
def nansum(input, dim=None, keepdim: bool = False, *, dtype=None, out=None):
    """Sum treating NaN as zero (torch.nansum)."""
    if input._dtype.category == D.COMPLEX:
        raise RuntimeError("nansum on CPU does not support complex inputs")
    dims = normalize_dims(dim, input._data.ndim)
    r = dispatch(_nansum, (input,), {"dim": dims, "keepdim": keepdim, "dtype": dtype})
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
            raise RuntimeError(
                f"size {{{list(size)}}} is not expandable to size {{{list(shape)}}}.")
    r = self
    if dims:
        r = sum(r, dims, keepdim=True)
    if lead:
        r = r.reshape(size)
    return r


# ------------------------------------------------------------------ mean
@cacheable(params=("dtype",))
def _mean_dtype(args, params):
    dt = params.get("dtype")
    d = dt if dt is not None else args[0]._dtype
    if d.category < D.FLOAT:
        which = "Optional" if dt is not None else "Input"
        raise RuntimeError(
            f"mean(): could not infer output dtype. {which} dtype must be either a floating "
            f"point or complex dtype. Got: {_torch_type_name(d)}")
    return d, d


@defop("mean", dtypes=_mean_dtype)
def _mean(xp, x, dim=None, keepdim=False, dtype=None):
    return _wide(x).sum(axis=dim, keepdims=keepdim) / _numel(x.shape, dim)


@_mean.defgrad
def _(ctx, g):
    p = ctx.params
    shape = ctx.input_shape(0)
    return (restore(g, shape, p["dim"], p["keepdim"]) / _numel(shape, p["dim"]),)


@export("mean")
def mean(input, dim=None, keepdim: bool = False, *, dtype=None, out=None):
    """Arithmetic mean over all elements or over ``dim`` (torch.mean)."""
    dims = normalize_dims(dim, input._data.ndim)
    r = dispatch(_mean, (input,), {"dim": dims, "keepdim": keepdim, "dtype": dtype})
    return r if out is None else write_out(out, r)


@export("nanmean")
def nanmean(input, dim=None, keepdim: bool = False, *, dtype=None, out=None):
    """Mean of the non-NaN elements (torch.nanmean)."""
    if input._dtype.category < D.FLOAT:
        raise RuntimeError(
            "nanmean(): expected input to have floating point or complex dtype but got "
            f"{_torch_type_name(input._dtype)}")
    valid = (~input.isnan()).sum(dim, keepdim)
    r = nansum(input, dim, keepdim, dtype=dtype) / valid
    return r if out is None else write_out(out, r)


# ------------------------------------------------------------------ prod
@defop("prod", dtypes=_sum_like_dtype, saves=BOTH)
def _prod(xp, x, dim=None, keepdim=False, dtype=None):
    return xp.prod(_wide(x), axis=dim, keepdims=keepdim)


def _prod_of_others(x, dim):
    """For each element, the product of the other elements along ``dim``
    (exact with zeros, built from exclusive cumulative products)."""
    from .cumulative import _cumprod
    left = _shift_dim(dispatch(_cumprod, (x,), {"dim": dim}), dim=dim, k=1, fill=1)
    right = _shift_dim(dispatch(_cumprod, (x,), {"dim": dim, "reverse": True}),
                       dim=dim, k=-1, fill=1)
    return left * right


@_prod.defgrad
def _(ctx, g):
    x = ctx.inputs[0]
    p = ctx.params
    dim, keepdim = p["dim"], p["keepdim"]
    dims = None if dim is None else (dim,)
    shape = x.shape
    g = restore(g, shape, dims, keepdim)
    if x._data.ndim == 0:
        return (g,)
    if not bool((x == 0).any()):
        return (g * _conj(restore(ctx.out, shape, dims, keepdim) / x),)
    if dim is None:
        return (g * _conj(_prod_of_others(x.reshape(-1), 0).reshape(shape)),)
    return (g * _conj(_prod_of_others(x, dim)),)


@export("prod")
def prod(input, dim=None, keepdim: bool = False, *, dtype=None, out=None):
    """Product of all elements or along one ``dim`` (torch.prod)."""
    if dim is not None:
        if not isinstance(dim, int):
            raise TypeError(f"prod(): argument 'dim' must be int, not {type(dim).__name__}")
        dim = wrap_dim(dim, input._data.ndim) if input._data.ndim else None
    r = dispatch(_prod, (input,), {"dim": dim, "keepdim": keepdim, "dtype": dtype})
    return r if out is None else write_out(out, r)


# ---------------------------------------------------------------- var/std
def _ratio(a: float, b: float) -> float:
    """a / b with IEEE semantics for b == 0 (inf), as the C++ formulas give."""
    return a / b if b else math.copysign(math.inf, a)


def _var_core(xp, x, dim, correction, keepdim, name):
    xw = _wide(x)
    n = _numel(x.shape, dim)
    dof = n - correction
    if dof <= 0:
        warnings.warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly "
                      "less than the reduction factor (input numel divided by output numel).",
                      UserWarning, stacklevel=5)
    with np.errstate(invalid="ignore", divide="ignore"):
        m = xp.sum(xw, axis=dim, keepdims=True) / n
        d = xw - m
        sq = (d.real * d.real + d.imag * d.imag) if d.dtype.kind == "c" else d * d
        return xp.sum(sq, axis=dim, keepdims=keepdim) / builtins.max(dof, 0)


@defop("var", dtypes=_var_dtype, saves=INPUTS)
def _var(xp, x, dim=None, correction=1, keepdim=False):
    return _var_core(xp, x, dim, correction, keepdim, "var")


@_var.defgrad
def _(ctx, g):
    x = ctx.inputs[0]
    p = ctx.params
    dims = p["dim"]
    dof = _numel(x.shape, dims) - p["correction"]
    centered = x - mean(x, dims, True)
    return (restore(g, x.shape, dims, p["keepdim"]) * centered * _ratio(2.0, dof),)


@defop("std", dtypes=_var_dtype, saves=BOTH)
def _std(xp, x, dim=None, correction=1, keepdim=False):
    return xp.sqrt(_var_core(xp, x, dim, correction, keepdim, "std"))


@_std.defgrad
def _(ctx, g):
    x = ctx.inputs[0]
    p = ctx.params
    dims, keepdim = p["dim"], p["keepdim"]
    dof = _numel(x.shape, dims) - p["correction"]
    centered = x - mean(x, dims, True)
    return (restore(g / ctx.out, x.shape, dims, keepdim) * centered * _ratio(1.0, dof),)


def _var_args(name, input, dim, unbiased, keepdim, correction):
    if isinstance(dim, bool):           # legacy var(input, unbiased)
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{name}(): cannot pass both unbiased={unbiased} and "
                        f"correction={correction}")
    if correction is None:
        correction = 0 if unbiased is False else 1
    return {"dim": normalize_dims(dim, input._data.ndim), "correction": correction,
            "keepdim": keepdim}


@export("var")
def var(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None, out=None):
    """Variance with Bessel-style ``correction`` (or legacy ``unbiased``) (torch.var)."""
    r = dispatch(_var, (input,), _var_args("var", input, dim, unbiased, keepdim, correction))
    return r if out is None else write_out(out, r)


@export("std")
def std(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None, out=None):
    """Standard deviation with ``correction`` (or legacy ``unbiased``) (torch.std)."""
    r = dispatch(_std, (input,), _var_args("std", input, dim, unbiased, keepdim, correction))
    return r if out is None else write_out(out, r)


@export("var_mean", method=False)
def var_mean(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """(var, mean) over the same dims (torch.var_mean)."""
    params = _var_args("var_mean", input, dim, unbiased, keepdim, correction)
    return dispatch(_var, (input,), params), mean(input, params["dim"], keepdim)


@export("std_mean", method=False)
def std_mean(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """(std, mean) over the same dims (torch.std_mean)."""
    params = _var_args("std_mean", input, dim, unbiased, keepdim, correction)
    return dispatch(_std, (input,), params), mean(input, params["dim"], keepdim)


# ------------------------------------------------------- min / max family
def _distribute(ctx, g, nan_aware):
    """Gradient of a max/min-like reduction, split evenly among the ties."""
    x = ctx.inputs[0]
    p = ctx.params
    dims, keepdim = p["dim"], p["keepdim"]
    out = restore(ctx.out, x.shape, dims, keepdim)
    mask = x == out
    if nan_aware:
        mask = mask | (x.isnan() & out.isnan())
    count = mask.sum(dims, keepdim=True)
    return (restore(g, x.shape, dims, keepdim) * mask / count,)


@defop("amax", saves=BOTH)
def _amax(xp, x, dim=None, keepdim=False):
    return xp.amax(x, axis=dim, keepdims=keepdim)


@defop("amin", saves=BOTH)
def _amin(xp, x, dim=None, keepdim=False):
    return xp.amin(x, axis=dim, keepdims=keepdim)


@defop("max", saves=BOTH)
def _max_all(xp, x, dim=None, keepdim=False):
    return xp.amax(x, axis=dim, keepdims=keepdim)


@defop("min", saves=BOTH)
def _min_all(xp, x, dim=None, keepdim=False):
    return xp.amin(x, axis=dim, keepdims=keepdim)


for _op in (_amax, _amin):
    _op.defgrad(lambda ctx, g: _distribute(ctx, g, False))
for _op in (_max_all, _min_all):
    _op.defgrad(lambda ctx, g: _distribute(ctx, g, True))


# torch's refusals of complex input: key -> (exception, message)
_COMPLEX_ERRORS = {
    "max": (NotImplementedError, '"max_all" not implemented for \'{}\''),
    "min": (NotImplementedError, '"min_all" not implemented for \'{}\''),
    "amax": (NotImplementedError, '"max_values_cpu" not implemented for \'{}\''),
    "amin": (NotImplementedError, '"min_values_cpu" not implemented for \'{}\''),
    "max_dim": (RuntimeError, "max(): does not support complex input"),
    "min_dim": (RuntimeError, "min(): does not support complex input"),
    "aminmax": (NotImplementedError, '"aminmax_cpu" not implemented for \'{}\''),
    "cummax": (NotImplementedError, '"cummax_cpu" not implemented for \'{}\''),
    "cummin": (NotImplementedError, '"cummin_cpu" not implemented for \'{}\''),
}


def _check_real(name, x):
    """Raise torch's error for a complex input to an ordering op."""
    if x._dtype.category == D.COMPLEX:
        exc, msg = _COMPLEX_ERRORS.get(name, (RuntimeError, name + "(): does not support "
                                                            "complex input"))
        raise exc(msg.format(_torch_type_name(x._dtype)))


@defop("argmax")
def _argmax(xp, x, dim=None, keepdim=False):
    r = xp.argmax(x, axis=dim, keepdims=keepdim)
    return r.reshape((1,) * x.ndim) if dim is None and keepdim else r


@defop("argmin")
def _argmin(xp, x, dim=None, keepdim=False):
    r = xp.argmin(x, axis=dim, keepdims=keepdim)
    return r.reshape((1,) * x.ndim) if dim is None and keepdim else r


def _arg_reduce(op, name, input, dim, keepdim):
    _check_real(name, input)
    if input._dtype is D.bool_:
        raise RuntimeError(f"{name}(): does not support bool input")
    if dim is None:
        if input._data.size == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for "
                             "input.numel() == 0.")
        return dispatch(op, (input,), {"dim": None, "keepdim": keepdim})
    d = wrap_dim(dim, input._data.ndim)
    if input._data.ndim == 0:
        return dispatch(op, (input,), {"dim": None, "keepdim": False})
    _check_nonempty(name, input, (d,))
    return dispatch(op, (input,), {"dim": d, "keepdim": keepdim})


@export("argmax")
def argmax(input, dim=None, keepdim: bool = False, *, out=None):
    """Index of the largest value, flat or along ``dim`` (torch.argmax)."""
    r = _arg_reduce(_argmax, "argmax", input, dim, keepdim)
    return r if out is None else write_out(out, r)


@export("argmin")
def argmin(input, dim=None, keepdim: bool = False, *, out=None):
    """Index of the smallest value, flat or along ``dim`` (torch.argmin)."""
    r = _arg_reduce(_argmin, "argmin", input, dim, keepdim)
    return r if out is None else write_out(out, r)


def values_indices(x, index_op, name, dim, keepdim, params=None):
    """(values, indices) along ``dim`` with indices from the non-differentiable
    ``index_op`` (which keeps the reduced dim) and values gathered from x."""
    ndim = x._data.ndim
    d = wrap_dim(dim, ndim)
    if ndim == 0:
        x1 = x.reshape(1)
        idx = dispatch(index_op, (x1,), dict(params or {}, dim=0))
        return select_along(x1, idx, 0).reshape(()), idx.reshape(())
    _check_nonempty(name, x, (d,))
    idx = dispatch(index_op, (x,), dict(params or {}, dim=d))
    values = select_along(x, idx, d)
    if not keepdim:
        shape = x._data.shape[:d] + x._data.shape[d + 1:]
        values, idx = values.reshape(shape), idx.reshape(shape)
    return values, idx


@defop("_argmax_keep")
def _argmax_keep(xp, x, dim):
    return xp.expand_dims(xp.argmax(x, axis=dim), dim)


@defop("_argmin_keep")
def _argmin_keep(xp, x, dim):
    return xp.expand_dims(xp.argmin(x, axis=dim), dim)


MaxResult = return_type("max")
MinResult = return_type("min")
AminmaxResult = return_type("aminmax", ("min", "max"))


def _minmax(name, input, dim, keepdim, out):
    from ._api import FUNCTIONS
    if isinstance(dim, Tensor):                 # max(input, other): elementwise
        return FUNCTIONS["maximum" if name == "max" else "minimum"](input, dim, out=out)
    if dim is None:
        _check_real(name, input)
        if input._data.size == 0:
            raise RuntimeError(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                "Specify the reduction dim with the 'dim' argument.")
        r = dispatch(_max_all if name == "max" else _min_all, (input,),
                     {"dim": None, "keepdim": False})
        return r if out is None else write_out(out, r)
    _check_real(name + "_dim", input)
    op = _argmax_keep if name == "max" else _argmin_keep
    rtype = MaxResult if name == "max" else MinResult
    r = values_indices(input, op, name, dim, keepdim)
    return rtype(*r) if out is None else write_outs(out, r, rtype)


@export("max")
def max(input, dim=None, keepdim: bool = False, *, out=None):  # noqa: A001
    """Largest value; with ``dim`` a (values, indices) tuple; with a tensor
    ``other`` the elementwise maximum (torch.max)."""
    return _minmax("max", input, dim, keepdim, out)


@export("min")
def min(input, dim=None, keepdim: bool = False, *, out=None):  # noqa: A001
    """Smallest value; with ``dim`` a (values, indices) tuple; with a tensor
    ``other`` the elementwise minimum (torch.min)."""
    return _minmax("min", input, dim, keepdim, out)


def _amax_amin(op, name, input, dim, keepdim, out):
    _check_real(name, input)
    dims = normalize_dims(dim, input._data.ndim)
    _check_nonempty(name, input, dims)
    r = dispatch(op, (input,), {"dim": dims, "keepdim": keepdim})
    return r if out is None else write_out(out, r)


@export("amax")
def amax(input, dim=(), keepdim: bool = False, *, out=None):
    """Largest values over ``dim`` (all by default); ties share the gradient (torch.amax)."""
    return _amax_amin(_amax, "amax", input, dim, keepdim, out)


@export("amin")
def amin(input, dim=(), keepdim: bool = False, *, out=None):
    """Smallest values over ``dim`` (all by default); ties share the gradient (torch.amin)."""
    return _amax_amin(_amin, "amin", input, dim, keepdim, out)


@export("aminmax")
def aminmax(input, *, dim=None, keepdim: bool = False, out=None):
    """(min, max) over all elements or along ``dim`` (torch.aminmax)."""
    _check_real("aminmax", input)
    if dim is None:
        if input._data.size == 0:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as "
                               "the operation has no identity.")
        dims = None
    else:
        d = wrap_dim(dim, input._data.ndim)
        dims = (d,) if input._data.ndim else None
        if input._data.ndim and input._data.shape[d] == 0:
            raise IndexError(f"aminmax(): Expected reduction dim {d} to have non-zero size.")
    params = {"dim": dims, "keepdim": keepdim}
    r = (dispatch(_amin, (input,), params), dispatch(_amax, (input,), params))
    return AminmaxResult(*r) if out is None else write_outs(out, r, AminmaxResult)


# ---------------------------------------------------------- all / any
@cacheable
def _logical_dtype(args, params):
    return None, (D.uint8 if args[0]._dtype is D.uint8 else D.bool_)


@defop("all", dtypes=_logical_dtype)
def _all(xp, x, dim=None, keepdim=False):
    r = xp.all(x, axis=dim, keepdims=keepdim)
    return r.astype(x.dtype) if x.dtype == np.uint8 else r


@defop("any", dtypes=_logical_dtype)
def _any(xp, x, dim=None, keepdim=False):
    r = xp.any(x, axis=dim, keepdims=keepdim)
    return r.astype(x.dtype) if x.dtype == np.uint8 else r


@export("all")
def all(input, dim=None, keepdim: bool = False, *, out=None):  # noqa: A001
    """Whether all elements (over ``dim``) are non-zero (torch.all)."""
    r = dispatch(_all, (input,), {"dim": normalize_dims(dim, input._data.ndim),
                                  "keepdim": keepdim})
    return r if out is None else write_out(out, r)


@export("any")
def any(input, dim=None, keepdim: bool = False, *, out=None):  # noqa: A001
    """Whether any element (over ``dim``) is non-zero (torch.any)."""
    r = dispatch(_any, (input,), {"dim": normalize_dims(dim, input._data.ndim),
                                  "keepdim": keepdim})
    return r if out is None else write_out(out, r)


@defop("count_nonzero")
def _count_nonzero(xp, x, dim=None):
    return xp.asarray(xp.count_nonzero(x, axis=dim), dtype=np.int64)


@export("count_nonzero")
def count_nonzero(input, dim=None):
    """Number of non-zero elements, over all or over ``dim`` (torch.count_nonzero)."""
    return dispatch(_count_nonzero, (input,), {"dim": normalize_dims(dim, input._data.ndim)})


# ------------------------------------------------------------- logsumexp
@cacheable
def _float_result(args, params):
    d = args[0]._dtype
    if d.category < D.FLOAT:
        d = D.get_default_dtype()
    return d, d


@defop("logsumexp", dtypes=_float_result, saves=BOTH)
def _logsumexp(xp, x, dim=None, keepdim=False):
    xw = _wide(x)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if x.size == 0:
            return xp.log(xp.sum(xp.exp(xw), axis=dim, keepdims=keepdim))
        m = xp.amax(xw, axis=dim, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)
        s = xp.log(xp.sum(xp.exp(xw - m), axis=dim, keepdims=True)) + m
    return s if keepdim else xp.squeeze(s, axis=dim)


@_logsumexp.defgrad
def _(ctx, g):
    x = ctx.inputs[0]
    p = ctx.params
    dims, keepdim = p["dim"], p["keepdim"]
    out = restore(ctx.out, x.shape, dims, keepdim)
    return (restore(g, x.shape, dims, keepdim) * _conj((x - out).exp()),)


@export("logsumexp")
def logsumexp(input, dim, keepdim: bool = False, *, out=None):
    """log(sum(exp(input))) over ``dim``, computed stably (torch.logsumexp)."""
    r = dispatch(_logsumexp, (input,), {"dim": normalize_dims(dim, input._data.ndim),
                                        "keepdim": keepdim})
    return r if out is None else write_out(out, r)


# ------------------------------------------------------------------ norms
def vector_norm(input, ord=2, dim=None, keepdim: bool = False, *, dtype=None):
    """The vector ``ord``-norm over ``dim`` (all elements by default); the op
    itself lives in linalg.py (torch.linalg.vector_norm)."""
    from .linalg import vector_norm as _linalg_vector_norm
    return _linalg_vector_norm(input, ord, dim, keepdim, dtype=dtype)


@defop("_nuclear_norm", saves=INPUTS)
def _nuclear_norm_op(xp, x):
    return xp.sum(xp.linalg.svd(x, compute_uv=False), axis=-1)


@_nuclear_norm_op.defgrad
def _(ctx, g):
    # d sum(svd(x)) = U @ Vh; the factor is treated as a constant, so this
    # rule is exact to first order only
    x = ctx.inputs[0]
    return (g.reshape(tuple(g.shape) + (1, 1)) * dispatch(_polar_factor, (x,)),)


@defop("_polar_factor")
def _polar_factor(xp, x):
    u, _, vh = xp.linalg.svd(x, full_matrices=False)
    return u @ vh


@export("norm")
def norm(input, p="fro", dim=None, keepdim: bool = False, out=None, dtype=None):
    """Vector or Frobenius norm (torch.norm): ``p`` a number, 'fro' or 'nuc'."""
    if isinstance(p, str):
        if p == "fro":
            if dim is not None and not isinstance(dim, int) and len(dim) > 2:
                raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {list(dim)}")
            r = vector_norm(input, 2, dim, keepdim, dtype=dtype)
        elif p == "nuc":
            r = _nuclear_norm(input, dim, keepdim, dtype)
        else:
            raise RuntimeError(f"linalg.matrix_norm: Order {p} not supported.")
    else:
        r = vector_norm(input, p if p is not None else 2, dim, keepdim, dtype=dtype)
    return r if out is None else write_out(out, r)


def _nuclear_norm(input, dim, keepdim, dtype):
    """Sum of singular values over two dims (forward only without a linalg helper)."""
    ndim = input._data.ndim
    dims = (ndim - 2, ndim - 1) if dim is None else tuple(wrap_dim(d, ndim) for d in dim)
    if ndim < 2 or len(dims) != 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 "
                           "dimensions.")
    x = input if dtype is None else input.to(dtype)
    rest = [i for i in range(ndim) if i not in dims]
    x = x.permute(*rest, *dims)
    s = dispatch(_nuclear_norm_op, (x,))
    if keepdim:
        s = s.reshape(keep_shape(input._data.shape, dims))
    return s


@export("dist")
def dist(input, other, p=2):
    """The ``p``-norm of ``input - other`` (torch.dist)."""
    return vector_norm(input - other, p)


@export("renorm")
def renorm(input, p, dim: int, maxnorm):
    """Rescale each slice along ``dim`` whose ``p``-norm exceeds ``maxnorm`` (torch.renorm)."""
    ndim = input._data.ndim
    d = wrap_dim(dim, ndim)
    others = tuple(i for i in range(ndim) if i != d)
    norms = vector_norm(input, p, others or None, keepdim=True)
    over = (norms > maxnorm).to(norms.dtype)
    factor = (maxnorm / (norms + 1e-7) - 1) * over + 1
    return input * factor


@export("renorm_", function=False)
def renorm_(self, p, dim: int, maxnorm):
    """In-place renorm."""
    return self.copy_(renorm(self, p, dim, maxnorm))


# ----------------------------------------------------------------- trace
@defop("trace", dtypes=_sum_like_dtype)
def _trace(xp, x):
    return xp.trace(_wide(x))


@_trace.defgrad
def _(ctx, g):
    return (_trace_backward(g, shape=ctx.input_shape(0)),)


@defop("_trace_backward")
def _trace_backward(xp, g, shape):
    out = xp.zeros(shape, dtype=g.dtype)
    n = builtins.min(shape)
    r = xp.arange(n)
    out[r, r] = g
    return out


@_trace_backward.defgrad
def _(ctx, g):
    return (dispatch(_trace, (g,)),)


@export("trace")
def trace(input):
    """Sum of the main diagonal of a matrix (torch.trace)."""
    if input._data.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim "
                           f"{input._data.ndim}")
    if input._dtype is D.bool_:
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")
    return dispatch(_trace, (input,))
