"""Adadelta (torch.optim.Adadelta): steps scaled by the ratio of running RMS
of past updates to running RMS of gradients."""
from __future__ import annotations

from ..autograd import grad_mode
from .optimizer import Optimizer, no_grad_step
from .rmsprop import (_advance, _check_capturable, _check_lr, _effective_grad, _full_like,
                      _real, _scalar, _scalar_tensor, _scratch, _touch)

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta (lr scales the computed update; torch's default lr is 1.0)."""

    _group_defaults = (("foreach", None), ("maximize", False),
                       ("differentiable", False), ("capturable", False))

    def __init__(self, params, lr=1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach: bool | None = None, *,
                 capturable: bool = False, maximize: bool = False,
                 differentiable: bool = False) -> None:
        _check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize, "capturable": capturable, "foreach": foreach,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    @no_grad_step
    def step(self, closure=None):
        """One Adadelta update of every parameter that has a gradient."""
        loss = None
        if closure is not None:
            with grad_mode.enable_grad():
                loss = closure()
        sc = _scratch(self)
        for group in self.param_groups:
            lr = _scalar(group["lr"])
            rho, eps, wd = group["rho"], group["eps"], group["weight_decay"]
            todo = []
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _scalar_tensor(0.0, p if group["capturable"] else None)
                    state["square_avg"] = _full_like(p)
                    state["acc_delta"] = _full_like(p)
                todo.append((p, state))
            if group["capturable"]:
                # torch checks the whole group before updating anything
                _check_capturable([p for p, _ in todo], [s["step"] for _, s in todo],
                                  devices=("cuda", "xpu", "hpu", "privateuseone"))
            for p, state in todo:
                _advance(state["step"])
                xp = p._device.xp
                P, G = _real(p._data), _real(p.grad._data)
                dt = P.dtype.type
                g = _effective_grad(sc, xp, P, G, wd, group["maximize"])
                sq = _real(state["square_avg"]._data)
                acc = _real(state["acc_delta"]._data)
                delta, std = sc.get(xp, P, 1), sc.get(xp, P, 2)
                sq *= dt(rho)
                xp.multiply(g, dt(1 - rho), out=delta)
                delta *= g
                sq += delta
                xp.add(sq, dt(eps), out=std)
                xp.sqrt(std, out=std)
                xp.add(acc, dt(eps), out=delta)
                xp.sqrt(delta, out=delta)
                delta /= std
                delta *= g
                acc *= dt(rho)
                xp.multiply(delta, dt(1 - rho), out=std)
                std *= delta
                acc += std
                delta *= dt(-lr)
                P += delta
                _touch(p, state["square_avg"], state["acc_delta"])
        return loss
