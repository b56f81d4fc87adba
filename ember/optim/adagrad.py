"""Adagrad (torch.optim.Adagrad): per-coordinate steps scaled by the root of
the sum of all past squared gradients."""
from __future__ import annotations

from ..autograd import grad_mode
from .optimizer import Optimizer, no_grad_step
from .rmsprop import (_advance, _check_lr, _effective_grad, _full_like, _real, _scalar,
                      _scalar_tensor, _scratch, _touch)

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad, with learning-rate decay and an initial accumulator value.
    State ('step', 'sum') is created at construction, as torch does."""

    _group_defaults = (("foreach", None), ("maximize", False),
                       ("differentiable", False), ("fused", None))

    def __init__(self, params, lr=1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10,
                 foreach: bool | None = None, *, maximize: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        _check_lr(lr)
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(f"Invalid initial_accumulator_value value: {initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)
        if fused:
            if differentiable:
                raise RuntimeError("`fused` does not support `differentiable`")
            if foreach:
                raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
        for group in self.param_groups:
            for p in group["params"]:
                self._new_state(p)

    def _new_state(self, p) -> dict:
        # torch fills from the optimizer's defaults, not the group's value
        init = self.defaults["initial_accumulator_value"]
        if p.is_complex():
            init = complex(init, init)
        state = self.state[p]
        state["step"] = _scalar_tensor(0.0)
        state["sum"] = _full_like(p, init)
        return state

    def share_memory(self) -> None:
        """Move the 'sum' state into shared memory (for Hogwild-style training)."""
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p]["sum"].share_memory_()

    @no_grad_step
    def step(self, closure=None):
        """One Adagrad update of every parameter that has a gradient."""
        loss = None
        if closure is not None:
            with grad_mode.enable_grad():
                loss = closure()
        sc = _scratch(self)
        for group in self.param_groups:
            lr = _scalar(group["lr"])
            lr_decay, eps, wd = group["lr_decay"], group["eps"], group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    state = self._new_state(p)
                step = _advance(state["step"])
                xp = p._device.xp
                P, G = _real(p._data), _real(p.grad._data)
                dt = P.dtype.type
                g = _effective_grad(sc, xp, P, G, wd, group["maximize"])
                clr = lr / (1 + (step - 1) * lr_decay)
                total = _real(state["sum"]._data)
                tmp, std = sc.get(xp, P, 1), sc.get(xp, P, 2)
                xp.multiply(g, g, out=tmp)
                total += tmp
                xp.sqrt(total, out=std)
                std += dt(eps)
                xp.multiply(g, dt(-clr), out=tmp)
                tmp /= std
                P += tmp
                _touch(p, state["sum"])
        return loss
