"""Activation-function kernels (torch.nn.functional's activations).

The hot ones (gelu in both modes, silu, softplus, leaky_relu, hardswish) are
primitives whose backward is itself a primitive (``*_backward``, as in torch),
and that backward has a derivative written with ember ops, so gradients of
any order work. The rarer ones with in-place variants (elu/selu/celu,
hardtanh/relu6, hardsigmoid, mish, threshold, log_sigmoid) are primitives with
a composite backward. Forwards compute float16 and bfloat16 in float32 (torch's
opmath) and return to the input dtype.

The torch-namespace functions (torch.selu, torch.celu, torch.rrelu,
torch.prelu, torch.hardshrink, torch.threshold and in-place forms) are exported
here; nn.functional wraps the rest.
"""
from __future__ import annotations

import math

import numpy as np

from .. import _dtype as D
from . import _specfun as S
from ._api import check_tensor, export
from .indexing import where
from .registry import (INPUTS, OUTPUT, PROMOTE, _promote, _torch_type_name, cacheable, defop,
                       dispatch, dispatch_inplace)

_SQRT1_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_K = math.sqrt(2.0 / math.pi)      # tanh-GELU: 0.5 x (1 + tanh(K (x + C x^3)))
_C = 0.044715
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


# ------------------------------------------------------------- helpers
def float_rule(kernel: str):
    """Dtype rule for a float-only kernel: other dtypes raise torch's error."""
    @cacheable
    def rule(args, params):
        d = args[0]._dtype
        if d.category != D.FLOAT:
            raise NotImplementedError(f'"{kernel}" not implemented for \'{_torch_type_name(d)}\'')
        return d, d
    rule.__name__ = f"float_rule_{kernel}"
    return rule


def _work(a):
    """A float32/float64 array to compute on (1-element for 0-dim input)."""
    if a.dtype != np.float32 and a.dtype != np.float64:
        a = a.astype(np.float32)
    return a.reshape(1) if a.ndim == 0 else a


def _kernel(fn):
    """Forward ``fn(xp, *arrays, **params)`` run on working copies; the result
    takes the shape of the last input (dispatch casts it back to the dtype)."""
    def forward(xp, *arrays, **params):
        shape = arrays[-1].shape
        r = fn(xp, *[_work(a) for a in arrays], **params)
        return r.reshape(shape)
    forward.__name__ = fn.__name__
    return forward


def _x(ctx):
    return ctx.inputs[0]


# ---------------------------------------------------------------- gelu
def _normal_cdf(xp, x):
    z = x * _SQRT1_2
    flat = z.reshape(-1)
    e = S.erf_f32(xp, flat) if x.dtype == np.float32 else S.erf(xp, flat)
    e = e.reshape(x.shape)
    e += 1.0
    e *= 0.5
    return e


def _tanh_inner(xp, x):
    """tanh(K (x + C x^3))."""
    t = x * x
    t *= _C
    t += 1.0
    t *= x
    t *= _K
    xp.tanh(t, out=t)
    return t


# gelu returns, besides x * Phi(x), the factor its derivative reuses: Phi(x)
# (or tanh of the inner term for approximate='tanh'), kept in the working
# precision. Saving it spares the backward a second erf over the activations.
def _gelu_fw(xp, x, approximate="none"):
    shape = x.shape
    x = _work(x)
    if approximate == "tanh":
        aux = _tanh_inner(xp, x)
        r = aux + 1.0
        r *= x
        r *= 0.5
    else:
        aux = _normal_cdf(xp, x)
        r = aux * x
    return r.reshape(shape), aux.reshape(shape)


@_kernel
def _gelu_bw(xp, g, x, aux, approximate="none"):
    if approximate == "tanh":
        du = x * x
        du *= 3.0 * _C
        du += 1.0
        du *= _K                         # d(inner)/dx
        sech2 = aux * aux
        xp.subtract(1.0, sech2, out=sech2)
        sech2 *= du
        sech2 *= x
        d = aux + 1.0
        d += sech2
        d *= 0.5
        d *= g
        return d
    pdf = x * x
    pdf *= -0.5
    xp.exp(pdf, out=pdf)
    pdf *= _INV_SQRT_2PI
    pdf *= x
    pdf += aux
    pdf *= g
    return pdf


@cacheable
def _gelu_backward_rule(args, params):
    """No casts (the saved factor stays in its working precision); the result
    takes the dtype of grad and input."""
    return None, _promote(args[:2])


_gelu = defop("gelu", dtypes=float_rule("GeluKernelImpl"), saves=INPUTS | OUTPUT, nout=2,
              diff_outputs=(0,))(_gelu_fw)
_gelu_backward = defop("gelu_backward", dtypes=_gelu_backward_rule, saves=INPUTS)(_gelu_bw)


@_gelu.defgrad
def _(ctx, g, _):
    return (dispatch(_gelu_backward, (g, _x(ctx), ctx.saved_output(1)), ctx.params),)


def _gelu_second(x, approximate):
    """d^2 gelu / dx^2 with ember ops."""
    if approximate == "tanh":
        x2 = x * x
        t = ((x2 * _C + 1) * x * _K).tanh()
        du = (x2 * (3 * _C) + 1) * _K
        return (1 - t * t) * (du - x * t * du * du + x2 * (3 * _K * _C))
    x2 = x * x
    return (x2 * -0.5).exp() * _INV_SQRT_2PI * (2 - x2)


@_gelu_backward.defgrad
def _(ctx, gg):
    g, x, aux = ctx.inputs
    need = ctx.needs_input_grad
    dg = dispatch(_gelu_backward, (gg, x, aux), ctx.params) if need[0] else None
    dx = gg * g * _gelu_second(x, ctx.params.get("approximate", "none")) if need[1] else None
    return dg, dx, None


# ---------------------------------------------------------------- silu
@_kernel
def _silu_fw(xp, x):
    e = xp.negative(x)
    xp.exp(e, out=e)
    e += 1.0
    xp.divide(x, e, out=e)
    return e


@_kernel
def _silu_bw(xp, g, x):
    s = xp.negative(x)
    xp.exp(s, out=s)
    s += 1.0
    xp.reciprocal(s, out=s)              # sigmoid(x)
    d = 1.0 - s
    d *= x
    d += 1.0
    d *= s
    d *= g
    return d


_silu = defop("silu", dtypes=float_rule("silu_cpu"), saves=INPUTS)(_silu_fw)
_silu_backward = defop("silu_backward", dtypes=PROMOTE, saves=INPUTS)(_silu_bw)
_silu.defgrad(lambda c, g: (dispatch(_silu_backward, (g, _x(c))),))


@_silu_backward.defgrad
def _(ctx, gg):
    g, x = ctx.inputs
    need = ctx.needs_input_grad
    dg = dispatch(_silu_backward, (gg, x)) if need[0] else None
    dx = None
    if need[1]:
        s = x.sigmoid()
        dx = gg * g * (s * (1 - s) * (2 + x * (1 - 2 * s)))
    return dg, dx


# ------------------------------------------------------------ softplus
@_kernel
def _softplus_fw(xp, x, beta=1.0, threshold=20.0):
    bx = x * beta
    r = xp.abs(bx)
    xp.negative(r, out=r)
    xp.exp(r, out=r)
    xp.log1p(r, out=r)
    r += xp.maximum(bx, 0.0)             # log(1 + exp(bx)) without overflow
    r /= beta
    return xp.where(bx > threshold, x, r)


@_kernel
def _softplus_bw(xp, g, x, beta=1.0, threshold=20.0):
    bx = x * beta
    s = xp.negative(bx)
    xp.exp(s, out=s)                     # inf for very negative bx: sigmoid is then 0
    s += 1.0
    xp.divide(g, s, out=s)               # g * sigmoid(bx)
    return xp.where(bx > threshold, g, s)


_softplus = defop("softplus", dtypes=float_rule("softplus_cpu"), saves=INPUTS)(_softplus_fw)
_softplus_backward = defop("softplus_backward", dtypes=PROMOTE, saves=INPUTS)(_softplus_bw)
_softplus.defgrad(lambda c, g: (dispatch(_softplus_backward, (g, _x(c)), c.params),))


@_softplus_backward.defgrad
def _(ctx, gg):
    g, x = ctx.inputs
    need = ctx.needs_input_grad
    beta = ctx.params.get("beta", 1.0)
    threshold = ctx.params.get("threshold", 20.0)
    dg = dispatch(_softplus_backward, (gg, x), ctx.params) if need[0] else None
    dx = None
    if need[1]:
        bx = x * beta
        s = bx.sigmoid()
        # (torch's double backward has no curvature at bx == threshold either)
        dx = (gg * g * (s * (1 - s) * beta)).masked_fill(bx >= threshold, 0)
    return dg, dx


# ---------------------------------------------------------- leaky_relu
# Selections on the sign of x are written as exact arithmetic (one term is 0):
# NumPy's where() is several times slower on data-dependent masks.
@_kernel
def _leaky_fw(xp, x, negative_slope=0.01):
    r = xp.minimum(x, 0.0)
    r *= negative_slope
    r += xp.maximum(x, 0.0)              # x for x > 0, slope * x otherwise
    return r


@_kernel
def _leaky_bw(xp, g, x, negative_slope=0.01):
    pos = (x > 0).astype(x.dtype)
    f = 1.0 - pos
    f *= negative_slope
    f += pos                             # exactly 1 or negative_slope
    f *= g
    return f


_leaky_relu = defop("leaky_relu", dtypes=float_rule("leaky_relu_cpu"), saves=INPUTS)(_leaky_fw)
_leaky_relu_backward = defop("leaky_relu_backward", dtypes=PROMOTE, saves=INPUTS)(_leaky_bw)
_leaky_relu.defgrad(lambda c, g: (dispatch(_leaky_relu_backward, (g, _x(c)), c.params),))


@_leaky_relu_backward.defgrad
def _(ctx, gg):
    g, x = ctx.inputs
    dg = dispatch(_leaky_relu_backward, (gg, x), ctx.params) if ctx.needs_input_grad[0] else None
    return dg, None                      # piecewise linear: no curvature


# ----------------------------------------------------------- hardswish
@_kernel
def _hardswish_fw(xp, x):
    r = x + 3.0
    xp.clip(r, 0.0, 6.0, out=r)
    r *= x
    r /= 6.0
    return r


@_kernel
def _hardswish_bw(xp, g, x):
    d = x / 3.0
    d += 0.5
    d = xp.where(x < 3.0, d, 1.0)
    d[x <= -3.0] = 0.0
    d *= g
    return d


_hardswish = defop("hardswish", dtypes=float_rule("hardswish_cpu"), saves=INPUTS)(_hardswish_fw)
_hardswish_backward = defop("hardswish_backward", dtypes=PROMOTE, saves=INPUTS)(_hardswish_bw)
_hardswish.defgrad(lambda c, g: (dispatch(_hardswish_backward, (g, _x(c))),))


@_hardswish_backward.defgrad
def _(ctx, gg):
    g, x = ctx.inputs
    need = ctx.needs_input_grad
    dg = dispatch(_hardswish_backward, (gg, x)) if need[0] else None
    dx = (gg * g / 3.0).masked_fill((x <= -3.0) | (x >= 3.0), 0) if need[1] else None
    return dg, dx


# ------------------------------------------------------- hardsigmoid
@_kernel
def _hardsigmoid_fw(xp, x):
    r = x + 3.0
    xp.clip(r, 0.0, 6.0, out=r)
    r /= 6.0
    return r


_hardsigmoid = defop("hardsigmoid", dtypes=float_rule("hardsigmoid_cpu"),
                     saves=INPUTS)(_hardsigmoid_fw)
# torch's backward multiplies by 1/6 rounded to float32, also for float64
_ONE_SIXTH_F32 = float(np.float32(1.0) / np.float32(6.0))
_hardsigmoid.defgrad(
    lambda c, g: ((g * _ONE_SIXTH_F32).masked_fill(~((_x(c) > -3.0) & (_x(c) < 3.0)), 0),))


# ------------------------------------------------------ elu/selu/celu
@_kernel
def _elu_fw(xp, x, alpha=1.0, scale=1.0, input_scale=1.0, grad_input_scale=None):
    neg = xp.minimum(x, 0.0)
    neg *= input_scale
    xp.expm1(neg, out=neg)
    neg *= alpha * scale                 # 0 for x > 0
    pos = xp.maximum(x, 0.0)
    pos *= scale
    neg += pos
    return neg


_elu = defop("elu", dtypes=float_rule("elu_cpu"), saves=INPUTS)(_elu_fw)


@_elu.defgrad
def _(ctx, g):
    x, p = _x(ctx), ctx.params
    alpha, scale, ins = p.get("alpha", 1.0), p.get("scale", 1.0), p.get("input_scale", 1.0)
    ins = p.get("grad_input_scale", ins)
    # exp of the input with x >= 0 zeroed: finite where x is large, and (like
    # torch's double backward) no curvature at x = 0
    neg = (x.masked_fill(x >= 0, 0) * ins).exp() * (alpha * scale * ins)
    return (where(x > 0, g * scale, g * neg),)


# ---------------------------------------------------------------- mish
def _softplus_arr(xp, x):
    return xp.log1p(xp.exp(-xp.abs(x))) + xp.maximum(x, 0.0)


@_kernel
def _mish_fw(xp, x):
    r = _softplus_arr(xp, x)
    xp.tanh(r, out=r)
    r *= x
    return r


_mish = defop("mish", dtypes=float_rule("mish_cpu"), saves=INPUTS)(_mish_fw)


@_mish.defgrad
def _(ctx, g):
    x = _x(ctx)
    t = dispatch(_softplus, (x,)).tanh()
    return (g * (t + x * x.sigmoid() * (1 - t * t)),)


# ---------------------------------------------------------- log_sigmoid
@_kernel
def _log_sigmoid_fw(xp, x):
    r = xp.abs(x)
    xp.negative(r, out=r)
    xp.exp(r, out=r)
    xp.log1p(r, out=r)
    xp.subtract(xp.minimum(x, 0.0), r, out=r)
    return r


_log_sigmoid = defop("log_sigmoid", dtypes=float_rule("log_sigmoid_cpu"),
                     saves=INPUTS)(_log_sigmoid_fw)
_log_sigmoid.defgrad(lambda c, g: (g * (-_x(c)).sigmoid(),))


# ------------------------------------------------- hardtanh, threshold
@cacheable
def _hardtanh_rule(args, params):
    d = args[0]._dtype
    if d is D.bool_:
        raise RuntimeError("Bool inputs not supported for hardtanh")
    if d.category == D.COMPLEX:
        raise NotImplementedError(f'"hardtanh_cpu" not implemented for \'{_torch_type_name(d)}\'')
    return d, d


@defop("hardtanh", dtypes=_hardtanh_rule, saves=INPUTS)
def _hardtanh(xp, x, min_val=-1.0, max_val=1.0):
    if x.dtype.kind in "iu":             # integer bounds truncate, as in torch
        min_val, max_val = int(min_val), int(max_val)
    return xp.clip(x, min_val, max_val).astype(x.dtype, copy=False)


@_hardtanh.defgrad
def _(ctx, g):
    x, p = _x(ctx), ctx.params
    return (g.masked_fill((x <= p.get("min_val", -1.0)) | (x >= p.get("max_val", 1.0)), 0),)


@cacheable
def _threshold_rule(args, params):
    d = args[0]._dtype
    if d is D.bool_ or d.category == D.COMPLEX:
        raise NotImplementedError(f'"threshold_cpu" not implemented for \'{_torch_type_name(d)}\'')
    return d, d


@defop("threshold", dtypes=_threshold_rule, saves=INPUTS)
def _threshold(xp, x, threshold, value):
    if x.dtype.kind in "iu":
        value = int(value)
    return xp.where(x <= threshold, value, x).astype(x.dtype, copy=False)


_threshold.defgrad(lambda c, g: (g.masked_fill(_x(c) <= c.params["threshold"], 0),))


# -------------------------------------------- torch-namespace functions
def apply(op, input, inplace: bool, params=None, fname: str = ""):
    """Run ``op`` on ``input`` (in place when asked) after torch's type check."""
    check_tensor(input, fname or op.name)
    if inplace:
        return dispatch_inplace(op, input, (input,), params)
    return dispatch(op, (input,), params) if params else dispatch(op, (input,))


@export("selu", method=False)
def selu(input):
    """SELU: scale * elu(x, alpha) with the self-normalising constants (torch.selu)."""
    return apply(_elu, input, False, {"alpha": SELU_ALPHA, "scale": SELU_SCALE}, "selu")


@export("selu_", method=False)
def selu_(input):
    """In-place selu (torch.selu_)."""
    return apply(_elu, input, True, {"alpha": SELU_ALPHA, "scale": SELU_SCALE}, "selu_")


def _celu_params(alpha):
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    # torch's celu backward takes 1 / alpha with alpha rounded to float32
    return {"alpha": alpha, "input_scale": 1.0 / alpha,
            "grad_input_scale": 1.0 / float(np.float32(alpha))}


@export("celu", method=False)
def celu(input, alpha: float = 1.0):
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1)) (torch.celu)."""
    return apply(_elu, input, False, _celu_params(alpha), "celu")


@export("celu_", method=False)
def celu_(input, alpha: float = 1.0):
    """In-place celu (torch.celu_)."""
    return apply(_elu, input, True, _celu_params(alpha), "celu_")


@export("threshold", method=False)
def threshold(input, threshold: float, value: float):  # noqa: F811 - torch's names
    """``value`` where input <= threshold, else input (torch.threshold)."""
    return apply(_threshold, input, False, {"threshold": threshold, "value": value}, "threshold")


@export("threshold_", method=False)
def threshold_(input, threshold: float, value: float):
    """In-place threshold (torch.threshold_)."""
    return apply(_threshold, input, True, {"threshold": threshold, "value": value}, "threshold_")


def _check_float(input, kernel):
    d = input._dtype
    if d.category != D.FLOAT:
        raise NotImplementedError(f'"{kernel}" not implemented for \'{_torch_type_name(d)}\'')


def _rrelu(input, lower, upper, training, generator, inplace, fname):
    check_tensor(input, fname)
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    if not training:
        return apply(_leaky_relu, input, inplace, {"negative_slope": (lower + upper) / 2}, fname)
    if input._dtype.category != D.FLOAT or input._dtype is D.float16:
        raise NotImplementedError(f'"rrelu_with_noise_out_cpu" not implemented for '
                                  f'\'{_torch_type_name(input._dtype)}\'')
    from ..autograd.grad_mode import no_grad
    from .creation import empty_like
    with no_grad():
        noise = empty_like(input).uniform_(lower, upper, generator=generator)
        noise = noise.masked_fill(input > 0, 1.0)
    return input.mul_(noise) if inplace else input * noise


@export("rrelu", method=False)
def rrelu(input, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          generator=None):
    """Randomized leaky ReLU: negative slopes drawn from U(lower, upper) in training,
    their mean (lower + upper) / 2 otherwise (torch.rrelu)."""
    return _rrelu(input, lower, upper, training, generator, False, "rrelu")


@export("rrelu_", method=False)
def rrelu_(input, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
           generator=None):
    """In-place rrelu (torch.rrelu_)."""
    return _rrelu(input, lower, upper, training, generator, True, "rrelu_")


@export("hardshrink")
def hardshrink(input, lambd: float = 0.5):
    """input where |input| > lambd, else 0 (torch.hardshrink)."""
    check_tensor(input, "hardshrink")
    _check_float(input, "hardshrink_cpu")
    return input.masked_fill((input >= -lambd) & (input <= lambd), 0)


@export("prelu")
def prelu(input, weight):
    """max(0, x) + weight * min(0, x), one weight per channel (dim 1) or one shared
    (torch.prelu)."""
    check_tensor(input, "prelu")
    check_tensor(weight, "prelu", "weight", 2)
    if weight.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: "
                           f"ndim = {weight.ndim}")
    n = weight.numel()
    if n != 1:
        if input.ndim == 0:
            raise RuntimeError("Not allow zero-dim input tensor.")
        channels = input.shape[1] if input.ndim >= 2 else 1
        if n != channels:
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found "
                               f"parameter numbers = {n} and channel size = {channels}.")
    if input._dtype is not weight._dtype:
        raise RuntimeError(f"prelu: Type promoting not supported. Got "
                           f"{_torch_type_name(input._dtype)} and {_torch_type_name(weight._dtype)}")
    if n == 1:
        w = weight.reshape(())
    else:
        w = weight.reshape((1, n) + (1,) * (input.ndim - 2))
    return where(input > 0, input, w * input)
