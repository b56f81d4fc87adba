"""Shared helpers for the fused optimizer updates (SGD, the Adam family,
RMSprop, Adagrad, Adadelta, ASGD, Rprop; LBFGS uses a few).

Every optimizer step runs as a handful of in-place ufuncs per parameter on
the backend arrays (``p._data``), writing into state arrays and scratch
buffers kept between steps, so a step allocates nothing and never goes
through op dispatch. Scalars are cast to the array's own floating type
(``np.float32`` scalars for float32 arrays) so no float64 temporaries
appear, and half-precision arrays compute with float32 scalars as torch's
opmath does. Written against ``p._device.xp`` so it runs on any backend.

``add``, ``addcmul``, ``addcdiv`` and ``lerp_`` (and ``effective_grad``) are torch's
tensor ops of those names: for float32/float64 arrays they are the plain
ufunc sequences (torch's float32 kernels fuse multiply-adds, these do not),
and for float16/bfloat16 arrays they reproduce torch's CPU kernels bit for
bit: the work happens in float32 (an FMA where torch fuses) and the result
is rounded once into the half array.
"""
from __future__ import annotations

from .. import _dtype as D
from .._device import CPU
from .._tensor import Tensor, _make
from .optimizer import Optimizer, no_grad_step

__all__ = ["GroupwiseOptimizer", "as_float", "check_flags", "check_lr", "check_betas_eps",
           "cpu_scalar", "real", "Scratch", "effective_grad", "adam_grad", "update_moments", "lerp_",
           "add", "addcmul", "addcdiv",
           "zeros_state", "new_step", "step_count", "bump", "check_step_flags", "run_closure",
           "CAPTURABLE_DEVICES"]

# where torch's capturable single-tensor paths accept their tensors (RMSprop, ASGD, Rprop)
CAPTURABLE_DEVICES = ("cuda", "xpu", "hpu", "privateuseone", "xla")


def as_float(x) -> float:
    """A hyper-parameter (number or 1-element Tensor) as a Python float."""
    return float(x.item()) if isinstance(x, Tensor) else float(x)


def check_flags(name: str, foreach, fused, differentiable) -> None:
    """torch's constructor checks of the implementation flags."""
    if fused:
        if differentiable:
            raise RuntimeError("`fused` does not support `differentiable`")
        if foreach:
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")


def check_lr(lr, nonnegative: bool = False) -> None:
    """torch's learning-rate checks: a Tensor lr has one element and, with
    ``nonnegative``, ``0 <= lr`` (so NaN is refused too)."""
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if nonnegative and not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")


def check_betas_eps(lr, betas, eps, weight_decay) -> None:
    """The range checks shared by the Adam family, with torch's messages."""
    check_lr(lr, nonnegative=True)
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


def real(arr):
    """A complex array as an array of its real dtype (torch's view_as_real):
    the update then treats real and imaginary parts as separate elements."""
    if arr.dtype.kind != "c":
        return arr
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.strides[-1] != arr.itemsize:
        raise RuntimeError("optimizer: complex parameters and state must be contiguous in their "
                           "last dimension")
    return arr.view(arr.real.dtype)


def cpu_scalar(arr, value, opmath: bool = True):
    """``value`` as a scalar of arr's floating type; for half types float32
    (torch's opmath: mul_(s), addcmul's value), or with ``opmath=False`` the
    half type itself (torch casts a Scalar operand of add_/sub_ to the tensor's
    dtype, so ``avg.add_(eps)`` on float16 adds float16(eps))."""
    dt = arr.dtype
    if opmath and dt.itemsize < 4:
        return _F32(value)
    return dt.type(value)


def _alpha(arr, value):
    """torch's ``add(other, alpha=value)`` scalar: cast to arr's dtype (so a
    half type rounds it), then used in opmath (float32 for half types)."""
    dt = arr.dtype
    if dt.itemsize < 4:
        return _F32(dt.type(value))
    return dt.type(value)


class _F32Lazy:
    def __call__(self, value):
        import numpy  # only for the float32 scalar type of half-precision arrays
        return numpy.float32(value)


_F32 = _F32Lazy()


class Scratch:
    """Flat buffers kept between steps, one per (slot, dtype, backend); a
    request returns a view of the right shape, growing the buffer if needed.
    The views are cached by shape, so a steady-state request is one lookup."""

    def __init__(self) -> None:
        self._bufs: dict = {}
        self._views: dict = {}

    def get(self, xp, slot: int, like, dtype=None):
        """A buffer shaped like ``like``, of its dtype or of ``dtype``."""
        dt = like.dtype if dtype is None else dtype
        view = self._views.get((slot, dt, id(xp), like.shape))
        if view is not None:
            return view
        key = (slot, dt, id(xp))
        n = like.size
        buf = self._bufs.get(key)
        if buf is None or buf.size < n:
            buf = xp.empty(max(n, 1), dtype=dt)
            self._bufs[key] = buf
            self._views.clear()  # cached views may point into the buffer just replaced
        view = self._views[key + (like.shape,)] = buf[:n].reshape(like.shape)
        return view

    def opmath(self, xp, slot: int, like):
        """A buffer shaped like ``like`` in its compute type: float32 for half
        types (torch's opmath), else like's own dtype."""
        dt = like.dtype
        if dt.itemsize < 4:
            dt = xp.dtype("float32")
        view = self._views.get((slot, dt, id(xp), like.shape))  # get's cache, one call fewer
        return self.get(xp, slot, like, dt) if view is None else view


# Scratch slots of _fma_into's float64/float32 buffers (optimizers use low slots)
_S_WIDE, _S_MID = 100, 101


def effective_grad(xp, p_arr, g_arr, weight_decay: float, maximize: bool, buf, tmp):
    """The gradient used by the update: -g if maximize, plus weight_decay * p
    (torch's coupled weight decay, ``grad.add(param, alpha=weight_decay)``,
    exactly as ``add`` computes it, also for half types). Writes into ``buf``
    only when it must change the gradient; the caller's gradient array is never
    written. ``tmp`` is an opmath buffer (Scratch.opmath)."""
    if weight_decay != 0:
        if tmp.dtype == buf.dtype:
            tmp = buf  # buf aliases neither input: one buffer fewer in cache
        if maximize:
            # -g + wd * p as wd * p - g: the same rounding, without a pass to negate g
            xp.multiply(p_arr, _alpha(p_arr, weight_decay), out=tmp)
            xp.subtract(tmp, g_arr, out=buf)
        else:
            add(xp, g_arr, p_arr, weight_decay, buf, tmp)
        return buf
    if maximize:
        xp.negative(g_arr, out=buf)
        return buf
    return g_arr


def _fma_into(xp, sc, out, a, b, c) -> None:
    """out = a * b + c for a half-precision ``out`` as torch's float32 FMA
    computes it: a * b is exact in float64 (a and b carry at most 24 + 24
    significant bits), the sum is rounded to float32 and then into ``out``."""
    wide = sc.get(xp, _S_WIDE, out, xp.dtype("float64"))
    mid = sc.get(xp, _S_MID, out, xp.dtype("float32"))
    xp.multiply(a, b, out=wide, dtype=wide.dtype)
    xp.add(wide, c, out=wide, dtype=wide.dtype)
    mid[...] = wide
    out[...] = mid


# torch's in-place tensor ops on backend arrays. ``out`` may be ``self``;
# ``tmp`` is an opmath buffer (Scratch.opmath) aliasing no argument, ``sc`` the
# Scratch that half types need for the fused multiply-add.

def add(xp, self, other, alpha: float, out, tmp) -> None:
    """out = self + alpha * other (torch's ``add(other, alpha=)``). For half
    types torch casts alpha to the half type, so the product is exact in
    float32 and the sum rounds once. (torch's scalar loop, which takes the
    elements after the last whole vector block, rounds alpha * other into the
    half type first; this follows the vector loop.)"""
    if alpha == 1:  # exact in every type and either loop
        xp.add(self, other, out=out)
        return
    xp.multiply(other, _alpha(out, alpha), out=tmp)
    xp.add(self, tmp, out=out)


def addcmul(xp, self, t1, t2, value: float, out, tmp, sc) -> None:
    """out = self + value * t1 * t2 (torch's addcmul). For half types torch
    rounds value * t1 to float32 and fuses the rest."""
    if out.dtype.itemsize < 4:
        a = t1
        if value != 1:
            a = tmp
            xp.multiply(t1, cpu_scalar(t1, value), out=a)
        _fma_into(xp, sc, out, a, t2, self)
        return
    if value == 1:
        xp.multiply(t1, t2, out=tmp)
    else:
        xp.multiply(t1, cpu_scalar(t1, value), out=tmp)
        tmp *= t2
    xp.add(self, tmp, out=out)


def addcdiv(xp, self, t1, t2, value: float, out, tmp) -> None:
    """out = self + value * t1 / t2 (torch's addcdiv), computed in float32 for
    half types and rounded once."""
    if value == 1:
        xp.divide(t1, t2, out=tmp, dtype=tmp.dtype)
    else:
        xp.multiply(t1, cpu_scalar(t1, value), out=tmp)
        tmp /= t2
    xp.add(self, tmp, out=out)


def lerp_(xp, start, end, weight: float, tmp, sc=None) -> None:
    """start += weight * (end - start) in place with torch's two-sided formula.
    As in torch, the weight is cast to the scalar type first (float32 for half
    types) and ``1 - weight`` is taken in that type.

    ``tmp`` is an opmath buffer. A half-precision ``start`` follows torch's
    kernel exactly: the difference stays in float32 and the multiply-add is
    fused, rounding once into ``start``; that needs the Scratch ``sc``."""
    w = cpu_scalar(start, weight)
    if start.dtype.itemsize < 4:
        if sc is None:
            sc = Scratch()
        xp.subtract(end, start, out=tmp, dtype=tmp.dtype)
        if abs(weight) < 0.5:
            _fma_into(xp, sc, start, tmp, w, start)
        else:
            xp.negative(tmp, out=tmp)
            _fma_into(xp, sc, start, tmp, type(w)(1) - w, end)
        return
    xp.subtract(end, start, out=tmp)
    if abs(weight) < 0.5:
        xp.multiply(tmp, w, out=tmp)
        xp.add(start, tmp, out=start)
    else:
        xp.multiply(tmp, type(w)(1) - w, out=tmp)
        xp.subtract(end, tmp, out=start)


def adam_grad(xp, sc, P, grad_arr, lr: float, weight_decay: float, decoupled: bool,
              maximize: bool, op):
    """The gradient an Adam-family step uses. Decoupled decay (AdamW) first
    shrinks P by lr * weight_decay; coupled decay is added to the gradient."""
    if weight_decay != 0 and decoupled:
        xp.multiply(P, cpu_scalar(P, 1.0 - lr * weight_decay), out=P)
    return effective_grad(xp, P, grad_arr, 0.0 if decoupled else weight_decay, maximize,
                          sc.get(xp, 0, P), op)


def update_moments(xp, sc, m, v, g, beta1: float, beta2: float, op) -> None:
    """exp_avg.lerp_(g, 1 - beta1); exp_avg_sq.mul_(beta2).addcmul_(g, g, 1 - beta2)."""
    lerp_(xp, m, g, 1.0 - beta1, op, sc)
    xp.multiply(v, cpu_scalar(v, beta2), out=v)
    addcmul(xp, v, g, g, 1.0 - beta2, v, op, sc)


def zeros_state(p: Tensor, fill=0) -> Tensor:
    """A state tensor shaped, typed and laid out like p, of zeros (or ``fill``)."""
    xp = p._device.xp
    arr = xp.zeros_like(p._data) if fill == 0 else xp.full_like(p._data, fill)
    return _make(arr, p._dtype, p._device)


def new_step(p: Tensor, value: float = 0.0, on_param_device: bool = False,
             fused: bool = False) -> Tensor:
    """torch's 0-dim scalar state ('step', 'mu_product'): float32 (float64 when
    that is the default dtype, unless fused) on the CPU, or on the parameter's
    device when capturable/fused."""
    dtype = D.float64 if D.get_default_dtype() is D.float64 and not fused else D.float32
    device = p._device if on_param_device else CPU
    return _make(device.xp.full((), value, dtype=dtype.np), dtype, device)


def step_count(state: dict, key: str = "step") -> float:
    """Increment the state's step tensor in place and return the new count."""
    t = state[key]
    if not isinstance(t, Tensor):  # an old checkpoint's plain number
        t = state[key] = _make(CPU.xp.full((), float(t), dtype=D.float32.np), D.float32, CPU)
    arr = t._data
    arr[()] = float(arr) + 1.0  # as arr += 1 (exact, then one rounding) without a 0-dim ufunc
    t._vc[0] += 1
    return float(arr)


def bump(*tensors: Tensor) -> None:
    """Advance the version counters of tensors written in place."""
    for t in tensors:
        t._vc[0] += 1


def check_step_flags(p: Tensor, group: dict, what: str = "params and state_steps",
                     devices: tuple = ("cuda",), step: Tensor | None = None) -> None:
    """What torch refuses at step time: capturable with the parameter (or its
    ``step`` state) off the graph-capture ``devices``, and differentiable
    updates of leaves that require grad (torch runs those steps with grad mode
    on, so the in-place write fails)."""
    if group.get("capturable"):
        kind = p._device.type
        if kind not in devices or (step is not None and step._device.type != kind):
            raise AssertionError(f"If capturable=True, {what} must be on supported devices: "
                                 f"{list(devices)}.")
    if group.get("differentiable") and p.requires_grad:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                           "operation.")


def run_closure(closure):
    """Evaluate the closure with gradient recording on (torch.enable_grad)."""
    if closure is None:
        return None
    from ..autograd import grad_mode
    with grad_mode.enable_grad():
        return closure()


class GroupwiseOptimizer(Optimizer):
    """An optimizer whose step updates each param group with one fused call,
    ``_update_group(group)``."""

    def __init__(self, params, defaults: dict) -> None:
        super().__init__(params, defaults)
        self._scratch = Scratch()

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        self._scratch = Scratch()

    @no_grad_step
    def step(self, closure=None):
        """Perform one optimization step; ``closure`` re-evaluates the loss."""
        loss = run_closure(closure)
        for group in self.param_groups:
            self._update_group(group)
        return loss

    def _update_group(self, group: dict) -> None:
        raise NotImplementedError(f"{type(self).__name__} does not implement _update_group")

