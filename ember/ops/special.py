"""Special functions (the erf and gamma families, Bessel I0/I1, the normal
CDF) and the softmax family.

The numerics live in ``_specfun`` (NumPy has none of them); here each is one
``defop`` with its derivative. Inputs are computed in float64 and the result
is cast back, so float32 stays float32 and integers give the default float;
float32 ``erf`` (GELU's hot path) has its own single-precision kernel.
Functions that torch has only in ``torch.special`` are plain functions here,
published by ``ember/special.py``.
"""
from __future__ import annotations

import math

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from . import _specfun as S
from ._api import check_tensor, export, export_method
from .registry import (cacheable, FLOAT_RESULT, INPUTS, OUTPUT, _torch_type_name, defop, dispatch,
                       dispatch_inplace, write_out)

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _real_rule(kernel: str):
    """FLOAT_RESULT that refuses complex inputs with torch's message."""
    @cacheable
    def rule(args, params):
        d, _ = FLOAT_RESULT(args, params)
        if d.category == D.COMPLEX:
            raise NotImplementedError(
                f'"{kernel}" not implemented for \'{_torch_type_name(d)}\'')
        return d, d
    rule.__name__ = f"real_rule_{kernel}"
    return rule


def _f64(kernel):
    """Forward that runs ``kernel(xp, flat_float64, *rest)`` and casts back."""
    def forward(xp, x, *rest, **params):
        flat = x.astype(np.float64).reshape(-1)
        r = kernel(xp, flat, *rest, **params)
        with np.errstate(over="ignore"):   # a float64 result beyond float32's range is inf
            return r.reshape(x.shape).astype(x.dtype, copy=False)
    return forward


def _x(ctx):
    return ctx.inputs[0]


def _public(op, name, *, inplace_function: bool, doc: str):
    """``name(input, *, out=None)``, its method, and ``name_`` (a method, and
    an ember.* function too where torch has one)."""
    def fn(input, *, out=None):
        check_tensor(input, name)
        r = dispatch(op, (input,))
        return r if out is None else write_out(out, r)

    def fn_(self):
        return dispatch_inplace(op, self, (self,))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    fn_.__name__ = fn_.__qualname__ = name + "_"
    fn_.__doc__ = f"In-place {name}."
    export(name)(fn)
    export(name + "_", function=inplace_function)(fn_)
    return fn


# ------------------------------------------------------------ erf family
def _erf_forward(xp, x):
    if x.dtype == np.float32:
        return S.erf_f32(xp, x.reshape(-1)).reshape(x.shape)
    if x.dtype != np.float64:   # float16 / bfloat16: float32 kernel, then round
        return S.erf_f32(xp, x.astype(np.float32).reshape(-1)).reshape(x.shape).astype(x.dtype)
    return _f64(S.erf)(xp, x)


_erf = defop("erf", dtypes=_real_rule("erf_vml_cpu"), saves=INPUTS)(_erf_forward)
_erf.defgrad(lambda c, g: (g * _TWO_OVER_SQRT_PI * (-_x(c) * _x(c)).exp(),))
erf = _public(_erf, "erf", inplace_function=True,
              doc="Error function 2/sqrt(pi) * integral_0^x exp(-t^2) dt (torch.erf).")

_erfc = defop("erfc", dtypes=_real_rule("erfc_vml_cpu"), saves=INPUTS)(_f64(S.erfc))
_erfc.defgrad(lambda c, g: (g * -_TWO_OVER_SQRT_PI * (-_x(c) * _x(c)).exp(),))
erfc = _public(_erfc, "erfc", inplace_function=True,
               doc="Complementary error function 1 - erf(x), accurate in the tail (torch.erfc).")

_erfinv = defop("erfinv", dtypes=_real_rule("erfinv_vml_cpu"), saves=OUTPUT)(_f64(S.erfinv))
_erfinv.defgrad(lambda c, g: (g * (math.sqrt(math.pi) / 2) * (c.out * c.out).exp(),))
erfinv = _public(_erfinv, "erfinv", inplace_function=False,
                 doc="Inverse error function on [-1, 1] (torch.erfinv).")

_erfcx = defop("special_erfcx", dtypes=_real_rule("erfcx_cpu"), saves=INPUTS | OUTPUT)(
    _f64(S.erfcx))
_erfcx.defgrad(lambda c, g: (g * (2 * _x(c) * c.out - _TWO_OVER_SQRT_PI),))


_ndtr = defop("special_ndtr", dtypes=_real_rule("erf_vml_cpu"), saves=INPUTS)(_f64(S.ndtr))
_ndtr.defgrad(lambda c, g: (g * _INV_SQRT_2PI * (_x(c) * _x(c) * -0.5).exp(),))

_ndtri = defop("special_ndtri", dtypes=_real_rule("ndtri_cpu"), saves=OUTPUT)(_f64(S.ndtri))
_ndtri.defgrad(lambda c, g: (g * math.sqrt(2 * math.pi) * (c.out * c.out * 0.5).exp(),))

_log_ndtr = defop("special_log_ndtr", dtypes=_real_rule("log_ndtr_cpu"),
                  saves=INPUTS | OUTPUT)(_f64(S.log_ndtr))
_log_ndtr.defgrad(
    lambda c, g: (g * _INV_SQRT_2PI * (_x(c) * _x(c) * -0.5 - c.out).exp(),))


def _special_unary(op, name, doc):
    def fn(input, *, out=None):
        check_tensor(input, name)
        r = dispatch(op, (input,))
        return r if out is None else write_out(out, r)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


special_erfcx = _special_unary(_erfcx, "erfcx", "Scaled complementary error function "
                               "exp(x^2) * erfc(x) (torch.special.erfcx).")
special_ndtr = _special_unary(_ndtr, "ndtr", "Standard normal CDF (torch.special.ndtr).")
special_ndtri = _special_unary(_ndtri, "ndtri",
                               "Inverse of the standard normal CDF (torch.special.ndtri).")
special_log_ndtr = _special_unary(_log_ndtr, "log_ndtr",
                                  "log of the standard normal CDF (torch.special.log_ndtr).")


# ---------------------------------------------------------- gamma family
_lgamma = defop("lgamma", dtypes=_real_rule("lgamma_vml_cpu"), saves=INPUTS)(_f64(S.lgamma))
_lgamma.defgrad(lambda c, g: (g * digamma(_x(c)),))
lgamma = _public(_lgamma, "lgamma", inplace_function=False,
                 doc="log |Gamma(x)| (torch.lgamma).")

_digamma = defop("digamma", dtypes=_real_rule("digamma"), saves=INPUTS)(_f64(S.digamma))
_digamma.defgrad(lambda c, g: (g * polygamma(1, _x(c)),))
digamma = _public(_digamma, "digamma", inplace_function=False,
                  doc="Logarithmic derivative of Gamma, psi(x) (torch.digamma).")


def _polygamma_kernel(xp, x, n):
    return S.digamma(xp, x) if n == 0 else S.polygamma(xp, n, x)


_polygamma = defop("polygamma", dtypes=_real_rule("trigamma"), saves=INPUTS)(
    _f64(_polygamma_kernel))
_polygamma.defgrad(lambda c, g: (g * polygamma(c.params["n"] + 1, _x(c)),))


def _check_n(n):
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"polygamma(): argument 'n' (position 1) must be int, "
                        f"not {type(n).__name__}")
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")


@export("polygamma", method=False)
def polygamma(n: int, input, *, out=None):
    """The n-th derivative of digamma at ``input`` (torch.polygamma)."""
    _check_n(n)
    check_tensor(input, "polygamma", pos=2)
    r = dispatch(_polygamma, (input,), {"n": n})
    return r if out is None else write_out(out, r)


@export_method("polygamma")
def _polygamma_method(self, n: int):
    """The n-th derivative of digamma (Tensor.polygamma)."""
    _check_n(n)
    return dispatch(_polygamma, (self,), {"n": n})


@export_method("polygamma_")
def _polygamma_inplace(self, n: int):
    _check_n(n)
    return dispatch_inplace(_polygamma, self, (self,), {"n": n})


def _mvlgamma_kernel(xp, x, p):
    total = S.lgamma(xp, x)
    for i in range(1, p):
        total += S.lgamma(xp, x - 0.5 * i)
    total += p * (p - 1) / 4 * math.log(math.pi)
    return total


_mvlgamma = defop("mvlgamma", dtypes=_real_rule("arange_cpu"), saves=INPUTS)(
    _f64(_mvlgamma_kernel))


@_mvlgamma.defgrad
def _(ctx, g):
    x, p = _x(ctx), ctx.params["p"]
    d = digamma(x)
    for i in range(1, p):
        d = d + digamma(x - 0.5 * i)
    return (g * d,)


def _check_p(p):
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")


@export("mvlgamma")
def mvlgamma(input, p: int, *, out=None):
    """Multivariate log-gamma of dimension ``p`` (torch.mvlgamma)."""
    check_tensor(input, "mvlgamma")
    _check_p(p)
    r = dispatch(_mvlgamma, (input,), {"p": p})
    return r if out is None else write_out(out, r)


@export_method("mvlgamma_")
def mvlgamma_(self, p: int):
    _check_p(p)
    return dispatch_inplace(_mvlgamma, self, (self,), {"p": p})


# ------------------------------------------------------- Bessel I0 / I1
def _bessel(order, scaled):
    return lambda xp, x: S.bessel_i(xp, x, order, scaled)


_i0 = defop("i0", dtypes=_real_rule("i0_vml_cpu"), saves=INPUTS)(_f64(_bessel(0, False)))
_i0e = defop("special_i0e", dtypes=_real_rule("i0e_cpu"), saves=INPUTS | OUTPUT)(
    _f64(_bessel(0, True)))
_i1 = defop("special_i1", dtypes=_real_rule("i1_cpu"), saves=INPUTS | OUTPUT)(
    _f64(_bessel(1, False)))
_i1e = defop("special_i1e", dtypes=_real_rule("i1e_cpu"), saves=INPUTS | OUTPUT)(
    _f64(_bessel(1, True)))

_i0.defgrad(lambda c, g: (g * dispatch(_i1, (_x(c),)),))
_i0e.defgrad(lambda c, g: (g * (dispatch(_i1e, (_x(c),)) - _x(c).sign() * c.out),))


@_i1.defgrad
def _(ctx, g):
    x = _x(ctx)
    # I1'(x) = I0(x) - I1(x) / x, which is 1/2 at x = 0
    d = dispatch(_i0, (x,)) - (ctx.out / x).masked_fill(x == 0, 0.5)
    return (g * d,)


@_i1e.defgrad
def _(ctx, g):
    x = _x(ctx)
    d = dispatch(_i0e, (x,)) - ctx.out * x.sign() - (ctx.out / x).masked_fill(x == 0, 0.5)
    return (g * d,)


i0 = _public(_i0, "i0", inplace_function=True,
             doc="Modified Bessel function of the first kind, order 0 (torch.i0).")
special_i0e = _special_unary(_i0e, "i0e", "exp(-|x|) * I0(x) (torch.special.i0e).")
special_i1 = _special_unary(_i1, "i1", "Modified Bessel function of the first kind, "
                            "order 1 (torch.special.i1).")
special_i1e = _special_unary(_i1e, "i1e", "exp(-|x|) * I1(x) (torch.special.i1e).")


# ------------------------------------------------------- entr, xlog1py
def _entr_kernel(xp, x):
    with np.errstate(divide="ignore", invalid="ignore"):
        r = -x * xp.log(xp.where(x > 0, x, 1.0))
    r[x < 0] = -np.inf
    r[xp.isnan(x)] = np.nan
    return r


_entr = defop("special_entr", dtypes=_real_rule("entr_cpu"), saves=INPUTS)(_f64(_entr_kernel))
_entr.defgrad(lambda c, g: (-g * (_x(c).log() + 1),))
special_entr = _special_unary(_entr, "entr", "Elementwise entropy -x * log(x), 0 at 0 and "
                              "-inf for negative x (torch.special.entr).")


@defop("special_xlog1py", dtypes=FLOAT_RESULT, saves=INPUTS)
def _xlog1py(xp, a, b):
    a = xp.asarray(a)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = xp.multiply(a, xp.log1p(b))
    return xp.where((a == 0) & ~xp.isnan(xp.asarray(b)), xp.zeros_like(r), r)


@_xlog1py.defgrad
def _(ctx, g):
    a, b = ctx.inputs
    need = ctx.needs_input_grad
    ga = gb = None
    if need[0]:
        if isinstance(b, (int, float)):
            ga = g * math.log1p(b) if b > -1 else g * float("nan")
        else:
            ga = g * b.log1p()       # torch does not mask the x == 0 entries here
    if need[1]:
        gb = g * a / (b + 1)
    return ga, gb


def special_xlog1py(input, other, *, out=None):
    """input * log1p(other), 0 where input is 0 (torch.special.xlog1py)."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        check_tensor(input, "xlog1py")
    r = dispatch(_xlog1py, (input, other))
    return r if out is None else write_out(out, r)


special_xlog1py.__name__ = special_xlog1py.__qualname__ = "xlog1py"


# --------------------------------------------- regularized incomplete gamma
_IGAMMA_EPS = 1e-16
_IGAMMA_MAX_ITER = 20000
_TINY = 1e-300


def _igamma_series(xp, a, x):
    """P(a, x) / prefactor by the power series, for x < a + 1."""
    term = 1.0 / a
    total = term.copy()
    active = xp.arange(a.size)
    n = 0
    while active.size and n < _IGAMMA_MAX_ITER:
        n += 1
        term[active] *= x[active] / (a[active] + n)
        total[active] += term[active]
        active = active[xp.abs(term[active]) > xp.abs(total[active]) * _IGAMMA_EPS]
    return total


def _igamma_fraction(xp, a, x):
    """Q(a, x) / prefactor by the continued fraction (modified Lentz), for x >= a + 1."""
    b = x + 1.0 - a
    c = xp.full_like(a, 1.0 / _TINY)
    d = 1.0 / b
    h = d.copy()
    active = xp.arange(a.size)
    i = 0
    while active.size and i < _IGAMMA_MAX_ITER:
        i += 1
        an = -i * (i - a[active])
        b[active] += 2.0
        dd = an * d[active] + b[active]
        dd = xp.where(xp.abs(dd) < _TINY, _TINY, dd)
        cc = b[active] + an / c[active]
        cc = xp.where(xp.abs(cc) < _TINY, _TINY, cc)
        d[active] = 1.0 / dd
        c[active] = cc
        delta = cc / dd
        h[active] *= delta
        active = active[xp.abs(delta - 1.0) > _IGAMMA_EPS]
    return h


def _igamma_kernel(xp, a, x, upper):
    """Regularized lower (upper=False) or upper incomplete gamma of float64 arrays."""
    a, x = xp.broadcast_arrays(a, x)
    shape = a.shape
    a, x = a.reshape(-1), x.reshape(-1)
    out = xp.full(a.shape, xp.nan)
    lower_at = lambda p: 1.0 - p if upper else p  # noqa: E731
    # limits in torch's order of tests (a NaN argument can still meet an earlier one)
    ok = ~(a < 0) & ~(x < 0)
    out[ok & (a == 0) & (x > 0)] = lower_at(1.0)
    ok &= a != 0
    out[ok & (x == 0)] = lower_at(0.0)
    ok &= x != 0
    out[ok & xp.isinf(a) & ~xp.isinf(x)] = lower_at(0.0)
    out[ok & ~xp.isinf(a) & xp.isinf(x)] = lower_at(1.0)
    inner = (a > 0) & (x > 0) & xp.isfinite(a) & xp.isfinite(x)
    ai, xi = a[inner], x[inner]
    log_pre = ai * xp.log(xi) - xi - S.lgamma(xp, ai)
    res = xp.empty(ai.shape)
    use_series = xi < ai + 1.0
    s_a, s_x = ai[use_series], xi[use_series]
    p = _igamma_series(xp, s_a, s_x) * xp.exp(log_pre[use_series])
    res[use_series] = 1.0 - p if upper else p
    f_a, f_x = ai[~use_series], xi[~use_series]
    q = _igamma_fraction(xp, f_a, f_x) * xp.exp(log_pre[~use_series])
    res[~use_series] = q if upper else 1.0 - q
    out[inner] = res
    return out.reshape(shape)


def _igamma_rule(kernel: str):
    @cacheable
    def rule(args, params):
        d, _ = FLOAT_RESULT(args, params)
        if d.category != D.FLOAT or any(a._dtype.category == D.COMPLEX for a in args) or \
                all(a._dtype.category < D.FLOAT for a in args):
            from .registry import _promote
            raise NotImplementedError(
                f'"{kernel}" not implemented for \'{_torch_type_name(_promote(args))}\'')
        return d, d
    return rule


def _igamma_op(name, upper):
    def forward(xp, a, x):
        r = _igamma_kernel(xp, a.astype(np.float64), x.astype(np.float64), upper)
        return r.astype(xp.result_type(a, x), copy=False)
    op = defop(name, dtypes=_igamma_rule(name + "_cpu"), saves=INPUTS)(forward)

    @op.defgrad
    def _(ctx, g):
        a, x = ctx.inputs
        if ctx.needs_input_grad[0]:
            raise NotImplementedError(f"the derivative for '{name}: input' is not implemented.")
        d = g * ((a - 1) * x.log() - x - a.lgamma()).exp()
        return None, (-d if upper else d)
    return op


_igamma = _igamma_op("igamma", upper=False)
_igammac = _igamma_op("igammac", upper=True)


def _igamma_public(op, name, what):
    def fn(input, other, *, out=None):
        check_tensor(input, name)
        check_tensor(other, name, "other", 2)
        r = dispatch(op, (input, other))
        return r if out is None else write_out(out, r)

    def fn_(self, other):
        check_tensor(other, name + "_", "other", 1)
        return dispatch_inplace(op, self, (self, other))

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Regularized {what} incomplete gamma function of (input, other) (torch.{name})."
    fn_.__name__ = fn_.__qualname__ = name + "_"
    fn_.__doc__ = f"In-place {name}."
    export(name)(fn)
    export_method(name + "_")(fn_)
    return fn


igamma = _igamma_public(_igamma, "igamma", "lower")
igammac = _igamma_public(_igammac, "igammac", "upper")


# ----------------------------------------------------- softmax family
def _wrap_dim(dim, ndim: int) -> int:
    if not isinstance(dim, int) or isinstance(dim, bool):
        raise TypeError(f"softmax(): argument 'dim' must be int, not {type(dim).__name__}")
    lim = max(ndim, 1)
    if not -lim <= dim < lim:
        raise IndexError(f"Dimension out of range (expected to be in range of "
                         f"[{-lim}, {lim - 1}], but got {dim})")
    return dim % lim


def _softmax_rule(name):
    @cacheable(params=("dtype",))
    def rule(args, params):
        d = params.get("dtype") or args[0]._dtype
        if d.category != D.FLOAT:
            x = args[0]
            last = params["dim"] == max(x._data.ndim, 1) - 1
            kernel = f"{name}_lastdim_kernel_impl" if last else f"{name}_kernel_impl"
            raise NotImplementedError(f'"{kernel}" not implemented for \'{_torch_type_name(d)}\'')
        return d, d
    rule.__name__ = f"{name}_rule"
    return rule


def _shifted(xp, x, dim):
    """x - max(x, dim) in a fresh buffer (float32 at least), and the axis to use."""
    if x.ndim == 0:
        x = x.reshape(1)
    work = x if x.dtype.char in "fd" else x.astype(np.float32)
    return xp.subtract(work, work.max(axis=dim, keepdims=True)), x.ndim


@defop("softmax", dtypes=_softmax_rule("softmax"), saves=OUTPUT)
def _softmax(xp, x, dim, dtype=None):
    if x.size == 0:
        return x.copy()
    e, _ = _shifted(xp, x, dim)
    xp.exp(e, out=e)
    e /= e.sum(axis=dim, keepdims=True)
    return e.reshape(x.shape)


@_softmax.defgrad
def _(ctx, g):
    y, dim = ctx.out, ctx.params["dim"]
    gy = g * y
    return (gy - y * gy.sum(dim, keepdim=True),)


@defop("log_softmax", dtypes=_softmax_rule("log_softmax"), saves=OUTPUT)
def _log_softmax(xp, x, dim, dtype=None):
    if x.size == 0:
        return x.copy()
    s, _ = _shifted(xp, x, dim)
    lse = xp.log(xp.exp(s).sum(axis=dim, keepdims=True))
    s -= lse
    return s.reshape(x.shape)


@_log_softmax.defgrad
def _(ctx, g):
    y, dim = ctx.out, ctx.params["dim"]
    return (g - y.exp() * g.sum(dim, keepdim=True),)


def _softmax_params(input, dim, dtype, fname):
    check_tensor(input, fname)
    p = {"dim": _wrap_dim(dim, input._data.ndim)}
    if dtype is not None:
        p["dtype"] = dtype
    return p


@export("softmax")
def softmax(input, dim: int, dtype=None):
    """exp(x) / sum(exp(x)) along ``dim``, computed stably; ``dtype`` casts the
    input first (torch.softmax)."""
    return dispatch(_softmax, (input,), _softmax_params(input, dim, dtype, "softmax"))


@export("log_softmax")
def log_softmax(input, dim: int, dtype=None):
    """log(softmax(x)) along ``dim``, computed stably (torch.log_softmax)."""
    return dispatch(_log_softmax, (input,), _softmax_params(input, dim, dtype, "log_softmax"))
