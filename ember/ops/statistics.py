"""Statistics: cov, corrcoef, histogram and isin.

cov and corrcoef are composed from differentiable ember ops, so autograd comes
for free; histogram and isin are not differentiable."""
from __future__ import annotations

import numbers
import warnings

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ._api import check_tensor, export
from .creation import complex_ as make_complex
from .creation import _spaced, tensor, zeros_like
from .reduction import return_type
from .registry import BOOL_RESULT, _torch_type_name, defop, dispatch, write_out

HistogramResult = return_type("histogram", ("hist", "bin_edges"))


# -------------------------------------------------------------------- cov
def _check_weights(w, name: str, n_obs: int, integral: bool) -> None:
    if w._data.ndim > 1:
        raise RuntimeError(f"cov(): expected {name} to have one or fewer dimensions but got {name} "
                           f"with {w._data.ndim} dimensions")
    cat = w._dtype.category
    if integral and cat != D.INT:
        raise RuntimeError(f"cov(): expected {name} to have integral dtype but got {name} with "
                           f"{_torch_type_name(w._dtype)} dtype")
    if not integral and cat != D.FLOAT:
        raise RuntimeError(f"cov(): expected {name} to have floating point dtype but got {name} "
                           f"with {_torch_type_name(w._dtype)} dtype")
    if w._data.size != n_obs:
        raise RuntimeError(f"cov(): expected {name} to have the same numel as there are "
                           f"observations in the input but got {w._data.size} != {n_obs}")
    if w._data.size and bool((w._data < 0).any()):
        raise RuntimeError(f"cov(): {name} cannot be negative")


@export("cov")
def cov(input, *, correction: int = 1, fweights=None, aweights=None):
    """Covariance matrix of the variables in the rows of ``input`` (observations
    in the columns), optionally with frequency and importance weights (torch.cov)."""
    check_tensor(input, "cov")
    if isinstance(correction, bool) or not isinstance(correction, numbers.Integral):
        raise TypeError(f"cov(): argument 'correction' must be int, not "
                        f"{type(correction).__name__}")
    nd = input._data.ndim
    if nd > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an "
                           f"input with {nd} dimensions")
    if input._dtype is D.bool_:
        raise RuntimeError("cov(): bool dtype is not supported for input")
    x = input if nd == 2 else input.reshape(1, -1)
    if x._dtype.category < D.FLOAT:
        x = x.to(D.get_default_dtype())
    n_obs = x._data.shape[1]
    if fweights is not None:
        _check_weights(fweights, "fweights", n_obs, integral=True)
    if aweights is not None:
        _check_weights(aweights, "aweights", n_obs, integral=False)
    w = fweights
    if aweights is not None:
        w = aweights if w is None else w * aweights
    if w is None:
        avg = x.mean(1)
        norm = float(n_obs - correction)
    else:
        w = w.reshape(-1)
        w_sum = w.sum()
        if not bool(w_sum._data != 0):
            raise RuntimeError("cov(): weights sum to zero, can't be normalized")
        avg = (x * w).sum(1) / w_sum
        if aweights is not None and correction != 0:
            norm = w_sum - correction * (w * aweights.reshape(-1)).sum() / w_sum
        else:
            norm = w_sum - correction
    if float(norm if not isinstance(norm, Tensor) else norm.detach().real.item()) <= 0:
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less than "
                      "the number of observations.", UserWarning, stacklevel=2)
        norm = zeros_like(norm) if isinstance(norm, Tensor) else 0.0  # +0: keep the signs
    xm = x - avg.unsqueeze(1)
    right = xm if w is None else xm * w
    c = xm.matmul(right.transpose(0, 1).conj())
    return (c / norm).squeeze()


@export("corrcoef")
def corrcoef(input):
    """Pearson correlation coefficients of the variables in the rows of ``input``,
    clipped to [-1, 1] (torch.corrcoef)."""
    check_tensor(input, "corrcoef")
    if input._data.ndim > 2:
        raise RuntimeError(f"corrcoef(): expected input to have two or fewer dimensions but got "
                           f"an input with {input._data.ndim} dimensions")
    c = cov(input)
    if c._data.ndim == 0:
        return c / c
    d = c.diagonal()
    if d.is_complex():
        d = d.real
    std = d.sqrt()
    c = c / std.unsqueeze(1)
    c = c / std.unsqueeze(0)
    if c.is_complex():
        return make_complex(c.real.clamp(-1, 1), c.imag.clamp(-1, 1))
    return c.clamp(-1, 1)


# -------------------------------------------------------------- histogram
@defop("_histogram", nout=2)
def _histogram(xp, x, edges, weight, density):
    flat = x.reshape(-1)
    w = None if weight is None else weight.reshape(-1)
    bins = edges.shape[0] - 1
    keep = (flat >= edges[0]) & (flat <= edges[-1])
    flat = flat[keep]
    pos = xp.searchsorted(edges, flat, side="right") - 1
    pos = xp.minimum(pos, bins - 1)   # the last edge closes the last bin
    if w is None:
        hist = xp.bincount(pos, minlength=bins).astype(x.dtype)
    else:   # add in the input's dtype, in element order, as torch does
        hist = xp.zeros(bins, dtype=x.dtype)
        xp.add.at(hist, pos, w[keep])
    if density:
        widths = edges[1:] - edges[:-1]
        hist = hist / (hist.sum() * widths)
    return hist.astype(x.dtype), edges.copy()


def _number_text(v: float) -> str:
    return str(int(v)) if np.isfinite(v) and v == int(v) and abs(v) < 1e16 else f"{v:g}"


@export("histogram")
def histogram(input, bins=100, *, range=None, weight=None, density: bool = False,  # noqa: A002
              out=None):
    """Histogram of ``input``'s values over ``bins`` equal-width bins (of
    ``range``, or of the data's range) or over the given bin edges; returns
    (hist, bin_edges) (torch.histogram)."""
    check_tensor(input, "histogram")
    by_edges = isinstance(bins, Tensor)
    if not by_edges and (isinstance(bins, bool) or not isinstance(bins, numbers.Integral)):
        raise TypeError(f"histogram() received an invalid combination of arguments - got "
                        f"(Tensor, {type(bins).__name__}): 'bins' must be int or Tensor")
    if by_edges and range is not None:
        raise TypeError("histogram() received an invalid combination of arguments - got "
                        "(Tensor, Tensor, range=tuple): 'range' is only accepted with int bins")
    if input._dtype.category != D.FLOAT or input._dtype in (D.float16, D.bfloat16):
        raise NotImplementedError(
            f"\"histogramdd\" not implemented for '{_torch_type_name(input._dtype)}'")
    name = _torch_type_name(input._dtype).lower()
    if by_edges:
        if bins._dtype is not input._dtype:
            raise RuntimeError(
                f"torch.histogramdd: input tensor and bins tensors should have the same dtype, but "
                f"got input with dtype {name} and bins for dimension 0 with dtype "
                f"{_c_type(bins._dtype)}")
        if bins._data.ndim != 1:
            raise RuntimeError(f"torch.histogramdd: bins tensor should have one dimension, but got "
                               f"{bins._data.ndim} dimensions in the bins tensor for dimension 0")
        if bins._data.size == 0:
            raise RuntimeError("torch.histogramdd: bins tensor should have at least 1 element, but "
                               "got 0 elements in the bins tensor for dimension 0")
        if bins._data.size == 1:
            raise RuntimeError("torch.histogram(): bins must be > 0, but got 0 for dimension 0")
        edges = bins
    else:
        if bins <= 0:
            raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for "
                               f"dimension 0")
        edges = tensor(_spaced(np, *_outer_edges(input, range), bins + 1, input._dtype.np.type),
                       dtype=input._dtype, device=input.device)
    if weight is not None:
        if weight._dtype is not input._dtype:
            raise RuntimeError(
                f"torch.histogramdd: if weight tensor is provided, input tensor and weight tensor "
                f"should have the same dtype, but got input({name}), and "
                f"weight({_c_type(weight._dtype)})")
        if weight._data.size != input._data.size:
            raise RuntimeError(
                f"torch.histogramdd: if weight tensor is provided it should have the same shape "
                f"as the input tensor excluding its innermost dimension, but got input with shape "
                f"[{input._data.size}, 1] and weight with shape {list(weight._data.shape)}")
    hist, edges = dispatch(_histogram, (input.detach(), edges.detach(),
                                        None if weight is None else weight.detach()),
                           {"density": bool(density)})
    r = HistogramResult(hist, edges)
    if out is not None:
        write_out(out[0], hist)
        write_out(out[1], edges)
        return HistogramResult(out[0], out[1])
    return r


def _c_type(d) -> str:
    """The C type name torch's histogram messages use ('float', 'double', 'long int')."""
    return {"float32": "float", "float64": "double", "float16": "c10::Half",
            "bfloat16": "c10::BFloat16", "int64": "long int", "int32": "int", "int16": "short int",
            "int8": "signed char", "uint8": "unsigned char", "bool": "bool",
            "complex64": "c10::complex<float>", "complex128": "c10::complex<double>"}[d.name]


def _outer_edges(input, range):  # noqa: A002
    if range is not None:
        if len(range) != 2:
            raise RuntimeError(f"torch.histogramdd: for a 1-dimensional histogram range should "
                               f"have 2 elements, but got {len(range)}")
        lo, hi = float(range[0]), float(range[1])
    elif input._data.size:
        lo, hi = float(input._data.min()), float(input._data.max())
    else:
        lo, hi = 0.0, 1.0
    if lo > hi:
        raise RuntimeError(f"torch.histogramdd: min should not exceed max, but got min "
                           f"{_number_text(lo)} max {_number_text(hi)} for dimension 0")
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError(f"torch.histogramdd: dimension 0's range [{_number_text(lo)}, "
                           f"{_number_text(hi)}] is not finite")
    if input._dtype is D.float32 and max(abs(lo), abs(hi)) > float(np.finfo(np.float32).max):
        raise RuntimeError("value cannot be converted to type float without overflow")
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    return lo, hi


# ------------------------------------------------------------------- isin
@defop("isin", dtypes=BOOL_RESULT)
def _isin(xp, elements, test_elements, assume_unique, invert):
    return xp.isin(elements, test_elements, assume_unique=assume_unique, invert=invert)


@export("isin", method=False)
def isin(elements, test_elements, *, assume_unique: bool = False, invert: bool = False,
         out=None):
    """Whether each of ``elements`` is in ``test_elements`` (torch.isin); either
    may be a Python number."""
    e_t, t_t = isinstance(elements, Tensor), isinstance(test_elements, Tensor)
    if not e_t and not t_t or not (e_t or isinstance(elements, numbers.Number)) \
            or not (t_t or isinstance(test_elements, numbers.Number)):
        raise TypeError(f"isin() received an invalid combination of arguments - got "
                        f"({type(elements).__name__}, {type(test_elements).__name__}), but "
                        f"expected a Tensor and a Tensor or a Number")
    for a in (elements, test_elements):
        if not isinstance(a, Tensor):   # torch wraps Python numbers as 64-bit types
            d = D.bool_ if isinstance(a, bool) else D.int64 if isinstance(a, numbers.Integral) \
                else D.float64 if isinstance(a, numbers.Real) else D.complex128
        else:
            d = a._dtype
        if d.category not in (D.INT, D.FLOAT):
            raise RuntimeError(f"Unsupported input type encountered for isin(): "
                               f"{_torch_type_name(d)}")
    r = dispatch(_isin, (elements, test_elements),
                 {"assume_unique": bool(assume_unique), "invert": bool(invert)})
    return r if out is None else write_out(out, r)
