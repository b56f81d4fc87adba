"""RMSprop (torch.optim.RMSprop), and the private helpers that the optimizers
RMSprop, Adagrad, Adadelta, ASGD, Rprop and LBFGS share.

Updates run as whole-array in-place ufuncs on each parameter's backend array
(``p._device.xp``), into scratch buffers the optimizer keeps between steps;
hyper-parameters enter as scalars of the parameter's dtype so float32
parameters never see float64 temporaries. The arithmetic follows torch's
single-tensor code path operation by operation, so trajectories agree with
torch to rounding.
"""
from __future__ import annotations

from .. import _dtype as D
from .._device import CPU
from .._tensor import Tensor, _make
from ..autograd import grad_mode
from .optimizer import Optimizer, no_grad_step

__all__ = ["RMSprop"]

_CAPTURABLE_DEVICES = ("cuda", "xpu", "hpu", "privateuseone", "xla")


# ----------------------------------------------------------------- helpers
def _check_lr(lr) -> None:
    """torch's learning-rate validation (a Tensor lr must have one element)."""
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")


def _scalar(x):
    """A Python number from a number or a one-element Tensor (torch's _to_scalar)."""
    return x.item() if isinstance(x, Tensor) else x


def _scalar_dtype():
    """The dtype of 'step'-like state: float64 when that is the default, else float32."""
    return D.float64 if D.get_default_dtype() is D.float64 else D.float32


def _scalar_tensor(value, p: Tensor | None = None) -> Tensor:
    """A 0-dim state tensor of the scalar dtype (on p's device when p is given)."""
    dt = _scalar_dtype()
    dev = CPU if p is None else p._device
    return _make(dev.xp.full((), value, dtype=dt.np), dt, dev)


def _full_like(p: Tensor, value=0) -> Tensor:
    """A state tensor shaped, typed and laid out like p, filled with value."""
    return _make(p._device.xp.full_like(p._data, value), p._dtype, p._device)


def _real(a):
    """The array itself, or for a complex array its real view (torch.view_as_real)."""
    if a.dtype.kind != "c":
        return a
    return (a.reshape(1) if a.ndim == 0 else a).view(a.real.dtype)


def _touch(*tensors) -> None:
    """Bump version counters after writing into tensors' arrays in place."""
    for t in tensors:
        t._vc[0] += 1


def _advance(step: Tensor) -> float:
    """step += 1 in place; returns the new count as a Python float."""
    a = step._data
    a += 1
    step._vc[0] += 1
    return float(a)


def _check_capturable(params, steps, what: str = "params and state_steps",
                      devices=_CAPTURABLE_DEVICES) -> None:
    """capturable=True needs params and steps on a graph-capture device (as torch)."""
    for p, s in zip(params, steps):
        if not (p._device.type == s._device.type and p._device.type in devices):
            raise AssertionError(f"If capturable=True, {what} must be on supported devices: "
                                 f"{list(devices)}.")


class _Scratch:
    """Temporary arrays kept between steps, one per (shape, dtype, slot)."""

    def __init__(self) -> None:
        self._bufs: dict = {}

    def get(self, xp, like, slot: int):
        key = (like.shape, like.dtype, slot, id(xp))
        buf = self._bufs.get(key)
        if buf is None:
            buf = self._bufs[key] = xp.empty(like.shape, like.dtype)
        return buf


def _scratch(opt) -> _Scratch:
    sc = opt.__dict__.get("_scratch")
    if sc is None:
        sc = opt.__dict__["_scratch"] = _Scratch()
    return sc


def _effective_grad(sc: _Scratch, xp, p, g, weight_decay, maximize: bool):
    """-g when maximizing, then + weight_decay * p (torch's order); g itself is never
    written (the result is g or scratch slot 0)."""
    if weight_decay != 0:
        buf = sc.get(xp, p, 0)
        xp.multiply(p, p.dtype.type(weight_decay), out=buf)
        if maximize:
            xp.subtract(buf, g, out=buf)
        else:
            xp.add(g, buf, out=buf)
        return buf
    if maximize:
        return xp.negative(g, out=sc.get(xp, p, 0))
    return g


def _lerp_(xp, start, end, weight, tmp) -> None:
    """start.lerp_(end, weight) with torch's two-sided formula."""
    dt = start.dtype.type
    xp.subtract(end, start, out=tmp)
    if abs(weight) < 0.5:
        tmp *= dt(weight)
        start += tmp
    else:
        tmp *= dt(1) - dt(weight)
        xp.subtract(end, tmp, out=start)


# ----------------------------------------------------------------- RMSprop
class RMSprop(Optimizer):
    """RMSprop: divide the gradient by a running RMS of recent gradients
    (optionally centered, with momentum)."""

    _group_defaults = (("momentum", 0), ("centered", False), ("foreach", None),
                       ("maximize", False), ("differentiable", False),
                       ("capturable", False))

    def __init__(self, params, lr=1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False,
                 capturable: bool = False, foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps,
                    "centered": centered, "weight_decay": weight_decay,
                    "capturable": capturable, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _init_state(self, p: Tensor, group: dict) -> dict:
        state = self.state[p]
        if len(state) == 0:
            state["step"] = _scalar_tensor(0.0, p if group["capturable"] else None)
            state["square_avg"] = _full_like(p)
            if group["momentum"] > 0:
                state["momentum_buffer"] = _full_like(p)
            if group["centered"]:
                state["grad_avg"] = _full_like(p)
        return state

    @no_grad_step
    def step(self, closure=None):
        """One RMSprop update of every parameter that has a gradient."""
        loss = None
        if closure is not None:
            with grad_mode.enable_grad():
                loss = closure()
        sc = _scratch(self)
        for group in self.param_groups:
            lr = _scalar(group["lr"])
            alpha, eps, momentum = group["alpha"], group["eps"], group["momentum"]
            centered, maximize, wd = group["centered"], group["maximize"], group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self._init_state(p, group)
                if group["capturable"]:
                    _check_capturable([p], [state["step"]])
                _advance(state["step"])
                xp = p._device.xp
                P, G = _real(p._data), _real(p.grad._data)
                dt = P.dtype.type
                g = _effective_grad(sc, xp, P, G, wd, maximize)
                tmp, avg = sc.get(xp, P, 1), sc.get(xp, P, 2)
                sq = _real(state["square_avg"]._data)
                sq *= dt(alpha)
                xp.multiply(g, dt(1 - alpha), out=tmp)
                tmp *= g
                sq += tmp
                touched = [p, state["square_avg"]]
                if centered:
                    ga = _real(state["grad_avg"]._data)
                    _lerp_(xp, ga, g, 1 - alpha, tmp)
                    xp.multiply(ga, dt(-1), out=avg)
                    avg *= ga
                    avg += sq
                    xp.sqrt(avg, out=avg)
                    touched.append(state["grad_avg"])
                else:
                    xp.sqrt(sq, out=avg)
                avg += dt(eps)
                if momentum > 0:
                    buf = _real(state["momentum_buffer"]._data)
                    buf *= dt(momentum)
                    xp.divide(g, avg, out=tmp)
                    buf += tmp
                    xp.multiply(buf, dt(-lr), out=tmp)
                    P += tmp
                    touched.append(state["momentum_buffer"])
                else:
                    xp.multiply(g, dt(-lr), out=tmp)
                    tmp /= avg
                    P += tmp
                _touch(*touched)
        return loss
