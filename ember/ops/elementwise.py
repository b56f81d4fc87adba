"""Pointwise operators: unary math, arithmetic, comparisons, logical and
bitwise ops. Each op is one ``defop`` with its derivative next to it."""
from __future__ import annotations

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ._api import alias, binary_api, check_tensor, export, unary_api
from .registry import (BOOL_RESULT, cacheable, FLOAT_REAL_RESULT, FLOAT_RESULT, INPUTS, OUTPUT,
                       PROMOTE, REAL_RESULT, check_inplace_shape, defop, dispatch, dispatch_inplace,
                       write_out)


def _type_name(d):
    from .registry import _torch_type_name
    return _torch_type_name(d)


def _conj(t):
    """Complex conjugate for complex tensors and numbers; real values pass through."""
    d = getattr(t, "_dtype", None)
    if d is None:
        return t.conjugate() if isinstance(t, complex) else t
    return t.conj() if d.category == D.COMPLEX else t


# torch has no kernel for some (op, dtype) pairs. Spec per op: the compute
# dtype categories refused ('b' bool, 'u' uint8, 'i' other ints, 'c' complex)
# and, for a refusal with its own wording, (exception, message).
_KERNEL = ('"{name}_cpu" not implemented for \'{type}\'')
_UNSUPPORTED = {
    "hypot": "biuc", "logaddexp": "biu", "logaddexp2": "biuc", "nextafter": "biuc",
    "atan2": "c", "copysign": "c", "xlogy": "c", "remainder": "bc", "fmod": "bc",
    "floor_divide": "bc", "div_floor": "bc", "lt": "c", "le": "c", "gt": "c", "ge": "c",
    "abs": "b", "ceil": "bc", "floor": "bc", "trunc": "bc", "round": "bc", "frac": "biuc",
    "logit": "c", "gcd": "bfc", "lcm": "bfc", "sign": ("c", NotImplementedError,
                           "Unlike NumPy, torch.sign is not intended to support complex "
                           "numbers. Please use torch.sgn instead."),
    "relu": ("c", NotImplementedError, "clamp is not supported for complex types"),
    "maximum": ("c", RuntimeError, "maximum not implemented for complex tensors."),
    "minimum": ("c", RuntimeError, "minimum not implemented for complex tensors."),
    "fmax": ("c", RuntimeError, "fmax not implemented for complex tensors."),
    "fmin": ("c", RuntimeError, "fmin not implemented for complex tensors."),
    "heaviside": ("c", RuntimeError, "heaviside is not yet implemented for complex tensors."),
    "deg2rad": ("c", RuntimeError, "deg2rad is not supported for complex tensors."),
    "rad2deg": ("c", RuntimeError, "rad2deg is not supported for complex tensors."),
    "positive": ("b", RuntimeError, "The `+` operator, on a bool tensor is not supported."),
}


def _kind(d) -> str:
    if d is D.bool_:
        return "b"
    if d is D.uint8:
        return "u"
    return "icc"[d.category - 1] if d.category != D.FLOAT else "f"


def _restricted(name, rule):
    """Wrap a dtype rule so unsupported compute dtypes raise torch's error."""
    spec = _UNSUPPORTED.get(name)
    if spec is None:
        return rule
    kinds, exc, msg = (spec, NotImplementedError, _KERNEL) if isinstance(spec, str) else spec

    def checked(args, params):
        compute, out = rule(args, params)
        if compute is not None and _kind(compute) in kinds:
            raise exc(msg.format(name=name, type=_type_name(compute)))
        return compute, out
    checked.cacheable = getattr(rule, "cacheable", False)
    return checked


# ------------------------------------------------------------ arithmetic
_SUB_BOOL = ("Subtraction, the `-` operator, with two bool tensors is not supported. "
             "Use the `^` or `logical_xor()` operator instead.")
_SUB_ONE_BOOL = ("Subtraction, the `-` operator, with a bool tensor is not supported. If you "
                 "are trying to invert a mask, use the `~` or `logical_not()` operator instead.")
_NEG_BOOL = ("Negation, the `-` operator, on a bool tensor is not supported. If you are "
             "trying to invert a mask, use the `~` or `logical_not()` operator instead.")


@defop("add", dtypes=PROMOTE)
def _add(xp, a, b, alpha=1):
    return xp.add(a, b) if alpha == 1 else xp.add(a, xp.multiply(b, alpha))


@_add.defgrad
def _(ctx, g):
    alpha = ctx.params.get("alpha", 1)
    return g, (g if alpha == 1 else g * alpha)


@cacheable
def _sub_rule(args, params):
    bools = [isinstance(a, bool) or getattr(a, "_dtype", None) is D.bool_ for a in args]
    if all(bools):
        raise RuntimeError(_SUB_BOOL)
    if any(bools):
        raise RuntimeError(_SUB_ONE_BOOL)
    return PROMOTE(args, params)


@defop("sub", dtypes=_sub_rule)
def _sub(xp, a, b, alpha=1):
    return xp.subtract(a, b) if alpha == 1 else xp.subtract(a, xp.multiply(b, alpha))


@_sub.defgrad
def _(ctx, g):
    alpha = ctx.params.get("alpha", 1)
    return g, (-g if alpha == 1 else g * -alpha)


def _inplace_arithmetic(ufunc_name: str, scaled: bool):
    """The in-place form of add/sub/mul/div: the ufunc writes straight into the
    target (``a``), with no full-size temporary."""
    def forward(xp, a, b, alpha=1):
        shape = getattr(b, "shape", ())
        if shape != a.shape:
            check_inplace_shape(a.shape, shape)
        if scaled and alpha != 1:
            b = xp.multiply(b, alpha)
        getattr(xp, ufunc_name)(a, b, out=a)
    forward.__name__ = f"{ufunc_name}_inplace"
    return forward


_add.inplace_forward = _inplace_arithmetic("add", True)
_sub.inplace_forward = _inplace_arithmetic("subtract", True)


@defop("mul", dtypes=PROMOTE, saves=INPUTS)
def _mul(xp, a, b):
    return xp.multiply(a, b)


@_mul.defgrad
def _(ctx, g):
    a, b = ctx.inputs
    need = ctx.needs_input_grad
    return (g * _conj(b) if need[0] else None,
            g * _conj(a) if need[1] else None)


@defop("div", dtypes=FLOAT_RESULT, saves=INPUTS)
def _div(xp, a, b):
    return xp.true_divide(a, b)


_mul.inplace_forward = _inplace_arithmetic("multiply", False)
_div.inplace_forward = _inplace_arithmetic("true_divide", False)


@_div.defgrad
def _(ctx, g):
    a, b = ctx.inputs
    need = ctx.needs_input_grad
    ga = g / _conj(b) if need[0] else None
    gb = -g * _conj(a) / _conj(b * b) if need[1] else None
    return ga, gb


def _check_int_zero(xp, b):
    if xp.any(xp.asarray(b) == 0):
        raise RuntimeError("ZeroDivisionError")


@defop("floor_divide", dtypes=PROMOTE)
def _floor_divide(xp, a, b):
    a_int = getattr(a, "dtype", np.dtype(float)).kind in "iub"
    b_int = getattr(b, "dtype", np.dtype(type(b))).kind in "iub"
    if a_int and b_int:
        _check_int_zero(xp, b)
    return xp.floor_divide(a, b)


def _zero_grads(ctx, g):
    """Piecewise-constant ops: torch records them with zero gradients."""
    return tuple(g * 0 if e is not None else None for e in ctx.next)


@_floor_divide.defgrad
def _(ctx, g):
    raise RuntimeError("derivative for aten::floor_divide is not implemented")


# div(rounding_mode='floor') is floor_divide with zero gradients in torch
_div_floor = defop("div_floor", dtypes=PROMOTE)(_floor_divide.forward)
_div_floor.defgrad(_zero_grads)


@defop("trunc_divide", dtypes=PROMOTE)
def _trunc_divide(xp, a, b):
    a_int = getattr(a, "dtype", np.dtype(float)).kind in "iub"
    if a_int and getattr(b, "dtype", np.dtype(type(b))).kind in "iub":
        _check_int_zero(xp, b)
        q = xp.floor_divide(a, b)
        fix = (xp.remainder(a, b) != 0) & ((xp.asarray(a) < 0) != (xp.asarray(b) < 0))
        return q + fix.astype(q.dtype)
    return xp.trunc(xp.true_divide(a, b))


_trunc_divide.defgrad(_zero_grads)


@defop("remainder", dtypes=PROMOTE, saves=INPUTS)
def _remainder(xp, a, b):
    if getattr(a, "dtype", np.dtype(float)).kind in "iub" and \
            getattr(b, "dtype", np.dtype(type(b))).kind in "iub":
        _check_int_zero(xp, b)
    return xp.remainder(a, b)


@_remainder.defgrad
def _(ctx, g):
    a, b = ctx.inputs
    if not isinstance(a, Tensor):  # torch has no derivative for remainder(Scalar, Tensor)
        raise RuntimeError("derivative for aten::remainder is not implemented")
    gb = -g * (a / b).floor() if ctx.needs_input_grad[1] else None
    return g, gb


@defop("fmod", dtypes=PROMOTE, saves=INPUTS)
def _fmod(xp, a, b):
    if getattr(a, "dtype", np.dtype(float)).kind in "iub" and \
            getattr(b, "dtype", np.dtype(type(b))).kind in "iub":
        _check_int_zero(xp, b)
    return xp.fmod(a, b)


@_fmod.defgrad
def _(ctx, g):
    a, b = ctx.inputs
    gb = -g * (a / b).trunc() if ctx.needs_input_grad[1] else None
    return g, gb


@cacheable
def _pow_rule(args, params):
    d = PROMOTE(args, params)[0]
    if d is D.bool_ and hasattr(args[1], "_dtype"):  # a scalar exponent is fine
        raise NotImplementedError("\"pow\" not implemented for 'Bool'")
    return d, d


@defop("pow", dtypes=_pow_rule, saves=INPUTS)
def _pow(xp, a, b):
    if getattr(a, "dtype", None) is not None and a.dtype.kind in "iu":
        bb = xp.asarray(b)
        if bb.dtype.kind in "iu" and xp.any(bb < 0):
            raise RuntimeError("Integers to negative integer powers are not allowed.")
    return xp.power(a, b)


@_pow.defgrad
def _(ctx, g):
    a, b = ctx.inputs
    need = ctx.needs_input_grad
    ga = gb = None
    if need[0]:
        if isinstance(b, (int, float)):
            ga = g * b * a ** (b - 1) if b != 0 else g * 0
        else:
            ga = (g * b * a ** (b - 1)).masked_fill(b == 0, 0)
    if need[1]:
        out = a ** b
        log_a = a.log() if not isinstance(a, (int, float)) else _log_scalar(a, b)
        gb = g * out * log_a
        if not isinstance(a, (int, float)):
            gb = gb.masked_fill((a == 0) & (b >= 0), 0)
        elif a == 0:
            gb = gb.masked_fill(b >= 0, 0)
    return ga, gb


def _log_scalar(a, like):
    import math
    return math.log(a) if a > 0 else (float("-inf") if a == 0 else float("nan"))


@cacheable
def _float_power_rule(args, params):
    """float64, or complex128 when an argument is complex."""
    d = _promote_any(args)
    return (D.complex128, D.complex128) if d.is_complex else (D.float64, D.float64)


def _promote_any(args):
    return PROMOTE(args, None)[0]


@defop("float_power", dtypes=_float_power_rule, saves=INPUTS)
def _float_power(xp, a, b):
    return xp.power(a, b)


_float_power.defgrad(_pow.backward)


@defop("atan2", dtypes=FLOAT_RESULT, saves=INPUTS)
def _atan2(xp, a, b):
    return xp.arctan2(a, b)


@_atan2.defgrad
def _(ctx, g):
    a, b = ctx.inputs
    denom = a * a + b * b
    return g * b / denom, -g * a / denom


def _minmax_grad(ctx, g):
    a, b = ctx.inputs
    out = ctx.out
    # ties split the gradient evenly, as torch does
    wa = (a == out).to(g.dtype)
    wb = (b == out).to(g.dtype)
    total = wa + wb
    return g * wa / total, g * wb / total


@defop("maximum", dtypes=PROMOTE, saves=INPUTS | OUTPUT)
def _maximum(xp, a, b):
    return xp.maximum(a, b)


_maximum.defgrad(_minmax_grad)


@defop("minimum", dtypes=PROMOTE, saves=INPUTS | OUTPUT)
def _minimum(xp, a, b):
    return xp.minimum(a, b)


_minimum.defgrad(_minmax_grad)


def _fminmax_grad(ctx, g):
    a, b = ctx.inputs
    out = ctx.out
    wa = (a == out) | (b.isnan())
    wb = ~wa
    return g * wa, g * wb


@defop("fmax", dtypes=PROMOTE, saves=INPUTS | OUTPUT)
def _fmax(xp, a, b):
    return xp.fmax(a, b)


_fmax.defgrad(_fminmax_grad)


@defop("fmin", dtypes=PROMOTE, saves=INPUTS | OUTPUT)
def _fmin(xp, a, b):
    return xp.fmin(a, b)


_fmin.defgrad(_fminmax_grad)


@defop("hypot", dtypes=PROMOTE, saves=INPUTS | OUTPUT)
def _hypot(xp, a, b):
    return xp.hypot(a, b)


@_hypot.defgrad
def _(ctx, g):
    a, b = ctx.inputs
    out = ctx.out
    return g * a / out, g * b / out


@defop("logaddexp", dtypes=PROMOTE, saves=INPUTS | OUTPUT)
def _logaddexp(xp, a, b):
    return xp.logaddexp(a, b)


@_logaddexp.defgrad
def _(ctx, g):
    a, b = ctx.inputs
    out = ctx.out
    return g * (a - out).exp(), g * (b - out).exp()


@defop("logaddexp2", dtypes=PROMOTE, saves=INPUTS | OUTPUT)
def _logaddexp2(xp, a, b):
    return xp.logaddexp2(a, b)


@_logaddexp2.defgrad
def _(ctx, g):
    a, b = ctx.inputs
    out = ctx.out
    return g * (a - out).exp2(), g * (b - out).exp2()


@defop("copysign", dtypes=FLOAT_RESULT, saves=INPUTS | OUTPUT)
def _copysign(xp, a, b):
    return xp.copysign(a, b)


@_copysign.defgrad
def _(ctx, g):
    a, _ = ctx.inputs
    out = ctx.out
    ratio = (out / a).masked_fill(a == 0, 0)
    return g * ratio, None


@defop("xlogy", dtypes=FLOAT_RESULT, saves=INPUTS)
def _xlogy(xp, a, b):
    a = xp.asarray(a)
    r = xp.multiply(a, xp.log(b))
    return xp.where((a == 0) & ~xp.isnan(xp.asarray(b)), xp.zeros_like(r), r)


@_xlogy.defgrad
def _(ctx, g):
    a, b = ctx.inputs
    need = ctx.needs_input_grad
    ga = gb = None
    if need[0]:
        ga = (g * b.log() if not isinstance(b, (int, float)) else g * _log_scalar(b, a))
    if need[1]:
        gb = g * a / b
    return ga, gb


@defop("nextafter", dtypes=PROMOTE)
def _nextafter(xp, a, b):
    return xp.nextafter(a, b)


@defop("lerp", dtypes=PROMOTE, saves=INPUTS)
def _lerp(xp, start, end, weight):
    # torch's form: from start for |weight| < 0.5, from end otherwise (exact at both
    # ends). end - start and 1 - weight are rounded in the working dtype; for half
    # and single precision the multiply-add is then done in double and rounded once,
    # as torch's fused multiply-add does, so results agree bit for bit
    dtype = xp.result_type(start, end)
    weight = xp.asarray(weight, dtype if not hasattr(weight, "dtype") else None)
    diff = xp.subtract(end, start, dtype=dtype)
    rest = xp.subtract(1, weight, dtype=weight.dtype)
    if dtype.kind == "f" and dtype.itemsize < 8:
        start, end, diff, weight, rest = (xp.asarray(v, xp.float64)
                                          for v in (start, end, diff, weight, rest))
    out = xp.where(xp.abs(weight) < 0.5, start + weight * diff, end - diff * rest)
    return out.astype(dtype, copy=False)


@_lerp.defgrad
def _(ctx, g):
    start, end, weight = ctx.inputs
    need = ctx.needs_input_grad
    gw = g * (end - start) if need[2] else None
    return g * (1 - weight), g * weight, gw


@defop("addcmul", dtypes=PROMOTE, saves=INPUTS)
def _addcmul(xp, a, t1, t2, value=1):
    prod = xp.multiply(t1, t2)
    return xp.add(a, prod if value == 1 else xp.multiply(prod, value))


@_addcmul.defgrad
def _(ctx, g):
    _, t1, t2 = ctx.inputs
    v = ctx.params.get("value", 1)
    need = ctx.needs_input_grad
    return (g, g * _conj(t2) * v if need[1] else None,
            g * _conj(t1) * v if need[2] else None)


@cacheable
def _addcdiv_rule(args, params):
    d = PROMOTE(args, params)[0]
    if d.category < D.FLOAT and args[1]._dtype.category < D.FLOAT and \
            args[2]._dtype.category < D.FLOAT:
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future release "
            "addcdiv will perform a true division of tensor1 and tensor2. The historic addcdiv "
            "behavior can be implemented as (input + value * torch.trunc(tensor1 / tensor2))."
            "to(input.dtype) for integer inputs and as (input + value * tensor1 / tensor2) for "
            "float inputs. The future addcdiv behavior is just the latter implementation: "
            "(input + value * tensor1 / tensor2), for all dtypes.")
    return d, d


@defop("addcdiv", dtypes=_addcdiv_rule, saves=INPUTS)
def _addcdiv(xp, a, t1, t2, value=1):
    q = xp.true_divide(t1, t2)
    return xp.add(a, q if value == 1 else xp.multiply(q, value))


@_addcdiv.defgrad
def _(ctx, g):
    _, t1, t2 = ctx.inputs
    v = ctx.params.get("value", 1)
    need = ctx.needs_input_grad
    g1 = g * v / _conj(t2) if need[1] else None
    g2 = -g * v * _conj(t1) / _conj(t2 * t2) if need[2] else None
    return g, g1, g2


# --------------------------------------------------------- comparisons
def _cmp(name, ufunc):
    @defop(name, dtypes=BOOL_RESULT)
    def op(xp, a, b):
        return getattr(xp, ufunc)(a, b)
    return op


_eq = _cmp("eq", "equal")
_ne = _cmp("ne", "not_equal")
_lt = _cmp("lt", "less")
_le = _cmp("le", "less_equal")
_gt = _cmp("gt", "greater")
_ge = _cmp("ge", "greater_equal")
_logical_and = _cmp("logical_and", "logical_and")
_logical_or = _cmp("logical_or", "logical_or")
_logical_xor = _cmp("logical_xor", "logical_xor")
# torch records comparisons written in place into a float tensor with zero gradients
# (logical_and_/or_/xor_ record nothing: the gradient passes through, as in torch)
for _op in (_eq, _ne, _lt, _le, _gt, _ge):
    _op.defgrad(_zero_grads)


def _int_or_bool_rule(name):
    @cacheable
    def rule(args, params):
        d = PROMOTE(args, params)[0]
        if d.category > D.INT:
            raise NotImplementedError(f'"{name}_cpu" not implemented for \'{_type_name(d)}\'')
        return d, d
    return rule


def _bitwise(name, ufunc, kernel=None):
    @defop(name, dtypes=_int_or_bool_rule(kernel or name))
    def op(xp, a, b):
        return getattr(xp, ufunc)(a, b)
    return op


_bitwise_and = _bitwise("bitwise_and", "bitwise_and")
_bitwise_or = _bitwise("bitwise_or", "bitwise_or")
_bitwise_xor = _bitwise("bitwise_xor", "bitwise_xor")
_lshift = _bitwise("bitwise_left_shift", "left_shift", "lshift")
_rshift = _bitwise("bitwise_right_shift", "right_shift", "rshift")

for _op, _name, _aliases in [
        (_add, "add", ()), (_sub, "sub", ("subtract",)), (_mul, "mul", ("multiply",)),
        (_eq, "eq", ()), (_ne, "ne", ("not_equal",)), (_lt, "lt", ("less",)),
        (_le, "le", ("less_equal",)), (_gt, "gt", ("greater",)), (_ge, "ge", ("greater_equal",)),
        (_bitwise_and, "bitwise_and", ()),
        (_bitwise_or, "bitwise_or", ()), (_bitwise_xor, "bitwise_xor", ()),
        (_lshift, "bitwise_left_shift", ()), (_rshift, "bitwise_right_shift", ()),
        (_copysign, "copysign", ()), (_xlogy, "xlogy", ()),
        (_remainder, "remainder", ()), (_fmod, "fmod", ()),
        (_floor_divide, "floor_divide", ()), (_float_power, "float_power", ())]:
    binary_api(_op, _name, _aliases)

# these take only tensors in torch; only some have in-place forms
for _op, _name, _aliases, _inplace in [
        (_maximum, "maximum", (), False), (_minimum, "minimum", (), False),
        (_fmax, "fmax", (), False), (_fmin, "fmin", (), False),
        (_atan2, "atan2", ("arctan2",), True), (_hypot, "hypot", (), True),
        (_logaddexp, "logaddexp", (), False), (_logaddexp2, "logaddexp2", (), False),
        (_nextafter, "nextafter", (), True)]:
    binary_api(_op, _name, _aliases, inplace=_inplace, scalar_other=False)

# add/sub take alpha; they are re-exported below with it
from ._api import FUNCTIONS, METHODS  # noqa: E402

for _n in ("add", "sub", "subtract", "add_", "sub_", "subtract_"):
    FUNCTIONS.pop(_n, None)
    METHODS.pop(_n, None)


def _alpha_params(alpha):
    return None if alpha == 1 else {"alpha": alpha}


@export("add")
def add(input, other, *, alpha=1, out=None):
    """input + alpha * other, with broadcasting and type promotion (torch.add)."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        check_tensor(input, "add")
    r = dispatch(_add, (input, other), _alpha_params(alpha))
    return r if out is None else write_out(out, r)


@export("sub", "subtract")
def sub(input, other, *, alpha=1, out=None):
    """input - alpha * other (torch.sub)."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        check_tensor(input, "sub")
    r = dispatch(_sub, (input, other), _alpha_params(alpha))
    return r if out is None else write_out(out, r)


@export("add_", function=False)
def add_(self, other, *, alpha=1):
    return dispatch_inplace(_add, self, (self, other), _alpha_params(alpha))


@export("sub_", "subtract_", function=False)
def sub_(self, other, *, alpha=1):
    return dispatch_inplace(_sub, self, (self, other), _alpha_params(alpha))


@export("rsub")
def rsub(input, other, *, alpha=1):
    """other - alpha * input (torch.rsub)."""
    return dispatch(_sub, (other, input), _alpha_params(alpha))


_ROUNDING = (None, "trunc", "floor")


def _div_op(rounding_mode):
    if rounding_mode is None:
        return _div
    if rounding_mode == "floor":
        return _div_floor
    if rounding_mode == "trunc":
        return _trunc_divide
    raise RuntimeError(
        f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'")


@export("div", "divide", "true_divide")
def div(input, other, *, rounding_mode=None, out=None):
    """input / other; rounding_mode None (true division), 'trunc' or 'floor' (torch.div)."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        check_tensor(input, "div")
    r = dispatch(_div_op(rounding_mode), (input, other))
    return r if out is None else write_out(out, r)


@export("div_", "divide_", "true_divide_", function=False)
def div_(self, other, *, rounding_mode=None):
    return dispatch_inplace(_div_op(rounding_mode), self, (self, other))


@export("pow")
def pow(input, exponent, *, out=None):  # noqa: A001 - torch's name
    """input ** exponent elementwise (torch.pow); input may be a number."""
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        check_tensor(input, "pow")
    r = dispatch(_pow, (input, exponent))
    return r if out is None else write_out(out, r)


@export("pow_", function=False)
def pow_(self, exponent):
    return dispatch_inplace(_pow, self, (self, exponent))


@export("lerp")
def lerp(input, end, weight, *, out=None):
    """input + weight * (end - input) (torch.lerp)."""
    r = dispatch(_lerp, (input, end, weight))
    return r if out is None else write_out(out, r)


@export("lerp_", function=False)
def lerp_(self, end, weight):
    return dispatch_inplace(_lerp, self, (self, end, weight))


def _value_params(value):
    return None if value == 1 else {"value": value}


@export("addcmul")
def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 * tensor2 (torch.addcmul)."""
    r = dispatch(_addcmul, (input, tensor1, tensor2), _value_params(value))
    return r if out is None else write_out(out, r)


@export("addcmul_", function=False)
def addcmul_(self, tensor1, tensor2, *, value=1):
    return dispatch_inplace(_addcmul, self, (self, tensor1, tensor2), _value_params(value))


@export("addcdiv")
def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    """input + value * tensor1 / tensor2 (torch.addcdiv)."""
    r = dispatch(_addcdiv, (input, tensor1, tensor2), _value_params(value))
    return r if out is None else write_out(out, r)


@export("addcdiv_", function=False)
def addcdiv_(self, tensor1, tensor2, *, value=1):
    return dispatch_inplace(_addcdiv, self, (self, tensor1, tensor2), _value_params(value))


# ------------------------------------------------------------ unary math
def _unary(name, forward, dtypes=FLOAT_RESULT, saves=INPUTS, grad=None, aliases=(),
           inplace=True):
    op = defop(name, dtypes=dtypes, saves=saves)(forward)
    if grad is not None:
        op.defgrad(grad)
    unary_api(op, name, aliases, inplace=inplace)
    return op


def _x(ctx):
    return ctx.inputs[0]


_unary("exp", lambda xp, x: xp.exp(x), saves=OUTPUT, grad=lambda c, g: (g * _conj(c.out),))
_unary("exp2", lambda xp, x: xp.exp2(x), saves=OUTPUT,
       grad=lambda c, g: (g * _conj(c.out) * 0.6931471805599453,))
_unary("expm1", lambda xp, x: xp.expm1(x), saves=OUTPUT, grad=lambda c, g: (g * _conj(c.out + 1),))
_unary("log", lambda xp, x: xp.log(x), grad=lambda c, g: (g / _conj(_x(c)),))
_unary("log2", lambda xp, x: xp.log2(x),
       grad=lambda c, g: (g / (_conj(_x(c)) * 0.6931471805599453),))
_unary("log10", lambda xp, x: xp.log10(x),
       grad=lambda c, g: (g / (_conj(_x(c)) * 2.302585092994046),))
_unary("log1p", lambda xp, x: xp.log1p(x), grad=lambda c, g: (g / _conj(_x(c) + 1),))
_unary("sqrt", lambda xp, x: xp.sqrt(x), saves=OUTPUT,
       grad=lambda c, g: (g / _conj(2 * c.out),))
_unary("rsqrt", lambda xp, x: 1 / xp.sqrt(x), saves=OUTPUT,
       grad=lambda c, g: (-0.5 * g * _conj(c.out ** 3),))
_unary("sin", lambda xp, x: xp.sin(x), grad=lambda c, g: (g * _conj(_x(c).cos()),))
_unary("cos", lambda xp, x: xp.cos(x), grad=lambda c, g: (-g * _conj(_x(c).sin()),))
_unary("tan", lambda xp, x: xp.tan(x), saves=OUTPUT,
       grad=lambda c, g: (g * _conj(1 + c.out * c.out),))
_unary("asin", lambda xp, x: xp.arcsin(x), aliases=("arcsin",),
       grad=lambda c, g: (g * _conj((1 - _x(c) * _x(c)).rsqrt()),))
_unary("acos", lambda xp, x: xp.arccos(x), aliases=("arccos",),
       grad=lambda c, g: (-g * _conj((1 - _x(c) * _x(c)).rsqrt()),))
_unary("atan", lambda xp, x: xp.arctan(x), aliases=("arctan",),
       grad=lambda c, g: (g / _conj(1 + _x(c) * _x(c)),))
_unary("sinh", lambda xp, x: xp.sinh(x), grad=lambda c, g: (g * _conj(_x(c).cosh()),))
_unary("cosh", lambda xp, x: xp.cosh(x), grad=lambda c, g: (g * _conj(_x(c).sinh()),))
_unary("tanh", lambda xp, x: xp.tanh(x), saves=OUTPUT,
       grad=lambda c, g: (g * _conj(1 - c.out * c.out),))
_unary("asinh", lambda xp, x: xp.arcsinh(x), aliases=("arcsinh",),
       grad=lambda c, g: (g * _conj((_x(c) * _x(c) + 1).rsqrt()),))
_unary("acosh", lambda xp, x: xp.arccosh(x), aliases=("arccosh",),
       grad=lambda c, g: (g * _conj((_x(c) * _x(c) - 1).rsqrt()),))
_unary("atanh", lambda xp, x: xp.arctanh(x), aliases=("arctanh",),
       grad=lambda c, g: (g / _conj(1 - _x(c) * _x(c)),))


def _sigmoid_fw(xp, x):
    # stable for large |x|: exp of a non-positive number only
    with np.errstate(over="ignore"):
        if x.dtype.kind == "c":
            return 1 / (1 + xp.exp(-x))
        e = xp.exp(-xp.abs(x))
        return xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


_unary("sigmoid", _sigmoid_fw, saves=OUTPUT,
       grad=lambda c, g: (g * _conj(c.out * (1 - c.out)),))
_unary("reciprocal", lambda xp, x: xp.reciprocal(x), saves=OUTPUT,
       grad=lambda c, g: (-g * _conj(c.out * c.out),))
@cacheable
def _square_rule(args, params):
    d = args[0]._dtype
    d = D.int64 if d is D.bool_ else d
    return d, d


_unary("square", lambda xp, x: xp.square(x), dtypes=_square_rule,
       grad=lambda c, g: (g * 2 * _conj(_x(c)),))


def _sinc_fw(xp, x):
    with np.errstate(all="ignore"):
        return xp.sinc(x)


def _sinc_grad(c, g):
    x = _x(c)
    px = x * 3.141592653589793
    d = ((px.cos() * px - px.sin()) / (px * x)).masked_fill(x == 0, 0)
    return (g * _conj(d),)


_unary("sinc", _sinc_fw, grad=_sinc_grad)


def _no_bool_unary(name):
    @cacheable
    def rule(args, params):
        d = args[0]._dtype
        if d is D.bool_:
            raise RuntimeError(_NEG_BOOL)
        return d, d
    return rule


_unary("neg", lambda xp, x: xp.negative(x), dtypes=_no_bool_unary("neg"), saves=0,
       aliases=("negative",), grad=lambda c, g: (-g,))
_unary("positive", lambda xp, x: x.copy(), dtypes=PROMOTE, saves=0, inplace=False,
       grad=lambda c, g: (g,))


def _abs_fw(xp, x):
    return xp.abs(x) if x.dtype != np.bool_ else x.copy()


def _abs_grad(c, g):
    x = _x(c)
    if x._dtype.is_complex:
        return (g * x.sgn(),)
    return (g * x.sign(),)


_unary("abs", _abs_fw, dtypes=REAL_RESULT, grad=_abs_grad, aliases=("absolute",))


def _sign_fw(xp, x):
    return xp.sign(x) if x.dtype != np.bool_ else x.copy()


_unary("sign", _sign_fw, dtypes=PROMOTE, saves=0, grad=lambda c, g: (g * 0,))


def _sgn_fw(xp, x):
    if x.dtype.kind != "c":
        return _sign_fw(xp, x)
    a = xp.abs(x)
    with np.errstate(all="ignore"):
        return xp.where(a == 0, 0, x / xp.where(a == 0, 1, a)).astype(x.dtype)


def _sgn_grad(c, g):
    x = _x(c)
    if not x._dtype.is_complex:
        return (g * 0,)
    a = x.abs()
    sg = x.sgn()
    r = (g - (g * sg.conj()).real * sg) / a
    return (r.masked_fill(a == 0, 0),)


_unary("sgn", _sgn_fw, dtypes=PROMOTE, grad=_sgn_grad)


def _rounding(name, fn):
    @cacheable
    def rule(args, params):
        d = args[0]._dtype
        if d.is_complex:
            raise RuntimeError(f'"{name}_cpu" not implemented for \'{_type_name(d)}\'')
        return d, d

    def forward(xp, x):
        return fn(xp, x) if x.dtype.kind == "f" else x.copy()
    return _unary(name, forward, dtypes=rule, saves=0, grad=lambda c, g: (g * 0,))


_rounding("floor", lambda xp, x: xp.floor(x))
_rounding("ceil", lambda xp, x: xp.ceil(x))
_trunc = _rounding("trunc", lambda xp, x: xp.trunc(x))
alias("fix", "trunc")
alias("fix_", "trunc_")


def _frac_fw(xp, x):
    return x - xp.trunc(x)


_unary("frac", _frac_fw, dtypes=PROMOTE, saves=0, grad=lambda c, g: (g,))


@defop("round", dtypes=PROMOTE)
def _round(xp, x, decimals=0):
    if x.dtype.kind not in "fc":
        return x.copy()
    if decimals == 0:
        return xp.round(x)
    # torch scales by 10**decimals, rounds half to even, and scales back
    scale = 10.0 ** decimals
    return (xp.round(x * scale) / scale).astype(x.dtype, copy=False)


_round.defgrad(lambda c, g: (g * 0,))


@export("round")
def round(input, *, decimals: int = 0, out=None):  # noqa: A001 - torch's name
    """Round half to even, optionally to ``decimals`` places (torch.round)."""
    check_tensor(input, "round")
    r = dispatch(_round, (input,), {"decimals": decimals} if decimals else None)
    return r if out is None else write_out(out, r)


@export("round_", function=False)
def round_(self, *, decimals: int = 0):
    return dispatch_inplace(_round, self, (self,), {"decimals": decimals} if decimals else None)


# float predicates ----------------------------------------------------
@cacheable
def _BOOL_KEEP(args, params):
    """No cast; the result is bool."""
    return None, D.bool_


def _pred(name, fn):
    op = defop(name, dtypes=_BOOL_KEEP)(fn)
    unary_api(op, name, inplace=False)
    return op


_pred("isnan", lambda xp, x: xp.isnan(x) if x.dtype.kind in "fc" else xp.zeros(x.shape, bool))
_pred("isinf", lambda xp, x: xp.isinf(x) if x.dtype.kind in "fc" else xp.zeros(x.shape, bool))
_pred("isfinite", lambda xp, x: xp.isfinite(x) if x.dtype.kind in "fc" else xp.ones(x.shape, bool))
_pred("isposinf", lambda xp, x: xp.isposinf(x) if x.dtype.kind == "f" else xp.zeros(x.shape, bool))
_pred("isneginf", lambda xp, x: xp.isneginf(x) if x.dtype.kind == "f" else xp.zeros(x.shape, bool))
_pred("isreal", lambda xp, x: xp.imag(x) == 0 if x.dtype.kind == "c" else xp.ones(x.shape, bool))
_pred("signbit", lambda xp, x: xp.signbit(x) if x.dtype.kind != "b" else xp.zeros(x.shape, bool))


@defop("logical_not", dtypes=_BOOL_KEEP)
def _logical_not(xp, x):
    return xp.logical_not(x)


unary_api(_logical_not, "logical_not")


@cacheable
def _bitwise_not_rule(args, params):
    d = args[0]._dtype
    if d.category > D.INT:
        raise NotImplementedError(f'"bitwise_not_cpu" not implemented for \'{_type_name(d)}\'')
    return d, d


@defop("bitwise_not", dtypes=_bitwise_not_rule)
def _bitwise_not(xp, x):
    return xp.logical_not(x) if x.dtype == np.bool_ else xp.invert(x)


unary_api(_bitwise_not, "bitwise_not")


def _deg(name, factor):
    return _unary(name, lambda xp, x: xp.multiply(x, factor), saves=0,
                  grad=lambda c, g: (g * factor,))


_deg("deg2rad", 0.017453292519943295)
_deg("rad2deg", 57.29577951308232)


@defop("nan_to_num", dtypes=PROMOTE)
def _nan_to_num(xp, x, nan=0.0, posinf=None, neginf=None):
    if x.dtype.kind not in "fc":
        return x.copy()
    return xp.nan_to_num(x, copy=True, nan=nan, posinf=posinf, neginf=neginf)


@_nan_to_num.defgrad
def _(ctx, g):
    return (g.masked_fill(~ctx.inputs[0].isfinite(), 0),)


_nan_to_num.saves = INPUTS


@export("nan_to_num")
def nan_to_num(input, nan: float = 0.0, posinf=None, neginf=None, *, out=None):
    """Replace NaN, +inf and -inf with finite numbers (torch.nan_to_num)."""
    r = dispatch(_nan_to_num, (input,), {"nan": nan, "posinf": posinf, "neginf": neginf})
    return r if out is None else write_out(out, r)


@export("nan_to_num_", function=False)
def nan_to_num_(self, nan: float = 0.0, posinf=None, neginf=None):
    return dispatch_inplace(_nan_to_num, self, (self,),
                            {"nan": nan, "posinf": posinf, "neginf": neginf})


@defop("logit", dtypes=FLOAT_RESULT, saves=INPUTS)
def _logit(xp, x, eps=None):
    if eps is not None:
        x = xp.clip(x, eps, 1 - eps)
    with np.errstate(all="ignore"):
        return xp.log(x / (1 - x))


@_logit.defgrad
def _(ctx, g):
    x = ctx.inputs[0]
    eps = ctx.params.get("eps")
    d = g / (x * (1 - x))
    if eps is not None:
        d = d.masked_fill((x < eps) | (x > 1 - eps), 0)
    return (d,)


@export("logit")
def logit(input, eps=None, *, out=None):
    """log(p / (1 - p)), with p clamped to [eps, 1 - eps] when eps is given (torch.logit)."""
    r = dispatch(_logit, (input,), {"eps": eps} if eps is not None else None)
    return r if out is None else write_out(out, r)


@export("logit_", function=False)
def logit_(self, eps=None):
    return dispatch_inplace(_logit, self, (self,), {"eps": eps} if eps is not None else None)


# ------------------------------------------------- complex parts, angle
def _angle_fw(xp, x):
    if x.dtype.kind == "c":
        return xp.angle(x)
    with np.errstate(invalid="ignore"):
        return xp.where(x < 0, np.pi, xp.where(xp.isnan(x), x, 0)).astype(x.dtype)


_unary("angle", _angle_fw, dtypes=FLOAT_REAL_RESULT, inplace=False,
       grad=lambda c, g: (_angle_grad(c, g),))


def _angle_grad(c, g):
    x = _x(c)
    if not x._dtype.is_complex:
        return g * 0
    return (g * x / (x * x.conj()).real * 1j).masked_fill(x == 0, 0)


@defop("conj_physical", dtypes=PROMOTE)
def _conj_physical(xp, x):
    return xp.conj(x) if x.dtype.kind == "c" else x.copy()


_conj_physical.defgrad(lambda c, g: (g.conj(),))
unary_api(_conj_physical, "conj_physical")


@cacheable
def _heaviside_rule(args, params):
    if args[0]._dtype is not args[1]._dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
    return PROMOTE(args, params)


@defop("heaviside", dtypes=_heaviside_rule)
def _heaviside(xp, x, values):
    return xp.heaviside(x, values).astype(x.dtype, copy=False)


binary_api(_heaviside, "heaviside", scalar_other=False)


@_heaviside.defgrad
def _(ctx, g):
    raise RuntimeError("derivative for aten::heaviside is not implemented")


for _op, _name in [(_logical_and, "logical_and"), (_logical_or, "logical_or"),
                   (_logical_xor, "logical_xor")]:
    binary_api(_op, _name, scalar_other=False)


# ----------------------------------------------------------- clamp / clip
@cacheable
def _clamp_rule(args, params):
    d = PROMOTE(tuple(a for a in args if a is not None), params)[0]
    return d, d


@defop("clamp", dtypes=_clamp_rule, saves=INPUTS)
def _clamp(xp, x, lo, hi):
    if lo is not None and hi is not None:
        r = xp.minimum(xp.maximum(x, lo), hi)
    elif lo is not None:
        r = xp.maximum(x, lo)
    else:
        r = xp.minimum(x, hi)
    if x.dtype.kind == "f":  # NaN in x propagates, as in torch
        r = xp.where(xp.isnan(x), x, r)
    return r


@_clamp.defgrad
def _(ctx, g):
    x, lo, hi = ctx.inputs
    need = ctx.needs_input_grad
    below = (x < lo) if lo is not None else None
    above = (x > hi) if hi is not None else None
    inside = None
    for m in (below, above):
        if m is not None:
            inside = ~m if inside is None else inside & ~m
    gx = g.masked_fill(~inside, 0) if inside is not None else g
    glo = ghi = None
    if need[1]:
        glo = g.masked_fill(~below, 0) if above is None else g.masked_fill(~below | above, 0)
    if need[2]:
        ghi = g.masked_fill(~above, 0)
    return gx, glo, ghi


def _clamp_args(input, min, max, fname):
    if min is None and max is None:
        raise RuntimeError(f"{fname}: At least one of 'min' or 'max' must not be None")
    return (input, min, max)


@export("clamp", "clip")
def clamp(input, min=None, max=None, *, out=None):  # noqa: A002 - torch's names
    """Limit values to [min, max]; either bound may be a number or a tensor (torch.clamp)."""
    check_tensor(input, "clamp")
    r = dispatch(_clamp, _clamp_args(input, min, max, "torch.clamp"))
    return r if out is None else write_out(out, r)


@export("clamp_", "clip_")
def clamp_(input, min=None, max=None):  # noqa: A002
    return dispatch_inplace(_clamp, input, _clamp_args(input, min, max, "torch.clamp"))


@export("clamp_min")
def clamp_min(input, min):  # noqa: A002
    return dispatch(_clamp, (input, min, None))


@export("clamp_min_")
def clamp_min_(input, min):  # noqa: A002
    return dispatch_inplace(_clamp, input, (input, min, None))


@export("clamp_max")
def clamp_max(input, max):  # noqa: A002
    return dispatch(_clamp, (input, None, max))


@export("clamp_max_")
def clamp_max_(input, max):  # noqa: A002
    return dispatch_inplace(_clamp, input, (input, None, max))


# ----------------------------------------------------------- relu family
@defop("relu", dtypes=PROMOTE, saves=OUTPUT)
def _relu(xp, x):
    if x.dtype == np.bool_:
        raise RuntimeError("\"clamp_min_scalar_cpu\" not implemented for 'Bool'")
    return xp.maximum(x, 0).astype(x.dtype, copy=False)


@_relu.defgrad
def _(ctx, g):
    return (g * (ctx.out > 0),)


unary_api(_relu, "relu")


# ------------------------------------------------------------ isclose
@export("isclose")
def isclose(input, other, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False):
    """Elementwise |input - other| <= atol + rtol * |other| (torch.isclose)."""
    if input._dtype is not other._dtype:
        raise RuntimeError(f"{input._dtype} did not match {other._dtype}")
    return dispatch(_isclose, (input, other),
                    {"rtol": rtol, "atol": atol, "equal_nan": equal_nan})


@defop("isclose", dtypes=_BOOL_KEEP)
def _isclose(xp, a, b, rtol, atol, equal_nan):
    if a.dtype == np.bool_:
        return a == b
    return xp.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)


@export("allclose")
def allclose(input, other, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """Whether every element is close (torch.allclose)."""
    return bool(isclose(input, other, rtol, atol, equal_nan).all())


@export("equal")
def equal(input, other) -> bool:
    """True when both tensors have the same shape and elements (torch.equal)."""
    if input.shape != other.shape:
        return False
    return bool((input == other).all())


# ------------------------------------------------- gcd, lcm, ldexp, frexp
@defop("gcd", dtypes=PROMOTE)
def _gcd(xp, a, b):
    return xp.gcd(a, b)


@defop("lcm", dtypes=PROMOTE)
def _lcm(xp, a, b):
    return xp.lcm(a, b)


for _op, _name in [(_gcd, "gcd"), (_lcm, "lcm")]:
    binary_api(_op, _name, scalar_other=False)


def _exact_float(xp, x):
    """x as an array NumPy's ldexp/frexp accept (bfloat16 goes through float32)."""
    return x if x.dtype.kind == "c" or x.dtype.name in ("float16", "float32", "float64") \
        else x.astype(np.float32)


@cacheable
def _ldexp_exp_rule(args, params):
    x, e = (a._dtype for a in args)
    if e is D.bool_:
        raise NotImplementedError("\"ldexp_cpu_exp\" not implemented for 'Bool'")
    return None, x


@defop("ldexp", dtypes=_ldexp_exp_rule, saves=INPUTS)
def _ldexp(xp, x, e):
    # exact scaling by 2**e; exponents beyond int32 saturate (the result is 0 or inf anyway)
    e = xp.clip(e, -2**31, 2**31 - 1).astype(np.int32)
    if x.dtype.kind == "c":
        return (x * xp.ldexp(1.0, e)).astype(x.dtype)
    return xp.ldexp(_exact_float(xp, x), e).astype(x.dtype, copy=False)


@_ldexp.defgrad
def _(ctx, g):
    return dispatch(_ldexp, (g, ctx.inputs[1])), None


def _ldexp_exact(input, other) -> bool:
    """torch scales a float input by an integer exponent exactly, in the input's dtype;
    everything else is input * 2.0 ** other."""
    return input._dtype.category >= D.FLOAT and other._dtype.category <= D.INT


@export("ldexp")
def ldexp(input, other, *, out=None):
    """input * 2 ** other (torch.ldexp)."""
    check_tensor(input, "ldexp")
    check_tensor(other, "ldexp", "other", 2)
    if _ldexp_exact(input, other):
        r = dispatch(_ldexp, (input, other))
    else:
        r = input * pow(2.0, other)
    return r if out is None else write_out(out, r)


@export("ldexp_")
def ldexp_(input, other):
    check_tensor(other, "ldexp_", "other", 1)
    if input._dtype.category < D.FLOAT:
        raise RuntimeError(f"ldexp can't be cast to the desired output type {_type_name(input._dtype)}")
    if _ldexp_exact(input, other):
        return dispatch_inplace(_ldexp, input, (input, other))
    return input.mul_(pow(2.0, other))


def _frexp_rule(args, params):
    if args[0]._dtype.category != D.FLOAT:
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    return None, None


@defop("frexp", dtypes=_frexp_rule, saves=INPUTS, nout=2, diff_outputs=(0,))
def _frexp(xp, x):
    m, e = xp.frexp(_exact_float(xp, x))
    return m.astype(x.dtype, copy=False), e.astype(np.int32, copy=False)


@_frexp.defgrad
def _(ctx, g, g_exponent):
    _, e = dispatch(_frexp, (ctx.inputs[0],))
    return (dispatch(_ldexp, (g, -e)),)


def _frexp_type():
    from .reduction import return_type
    return return_type("frexp", ("mantissa", "exponent"))


_FREXP = _frexp_type()


@export("frexp")
def frexp(input, *, out=None):
    """Split into mantissa in [0.5, 1) and integer exponent: input = mantissa * 2 ** exponent
    (torch.frexp)."""
    check_tensor(input, "frexp")
    m, e = dispatch(_frexp, (input,))
    if out is not None:
        write_out(out[0], m)
        write_out(out[1], e)
        return _FREXP(*out)
    return _FREXP(m, e)


METHODS.pop("float_power_")


@export("float_power_", function=False)
def float_power_(self, exponent):
    """In-place float_power: self must already have the double-precision result dtype."""
    want = _float_power_rule((self, exponent), None)[1]
    if self._dtype is not want:
        raise RuntimeError(f"the base given to float_power_ has dtype {_type_name(self._dtype)} but "
                           f"the operation's result requires dtype {_type_name(want)}")
    return dispatch_inplace(_float_power, self, (self, exponent))


# torch has these in-place forms as functions too; ember.* gets them from the methods
for _n in ("xlogy_", "round_", "nan_to_num_", "logit_", "gcd_", "lcm_"):
    export(_n, method=False)(METHODS[_n])
# and these only as methods: drop the functions unary_api made
for _n in ("absolute_", "sign_", "sgn_", "logical_not_", "bitwise_not_"):
    FUNCTIONS.pop(_n, None)


def _apply_support_table():
    from .registry import OPS
    for name in _UNSUPPORTED:
        op = OPS[name]
        op.dtypes = _restricted(name, op.dtypes)


_apply_support_table()
