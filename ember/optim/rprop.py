"""Rprop (torch.optim.Rprop): resilient backpropagation, per-coordinate step
sizes grown or shrunk by the sign agreement of successive gradients."""
from __future__ import annotations

from ..autograd import grad_mode
from .optimizer import Optimizer, no_grad_step
from .rmsprop import (_advance, _check_capturable, _check_lr, _full_like, _real, _scalar,
                      _scalar_tensor, _scratch, _touch)

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """Rprop: step sizes multiply by etas[1] while the gradient keeps its sign and by
    etas[0] when it flips (that coordinate then skips its update), clamped to step_sizes."""

    _group_defaults = (("foreach", None), ("maximize", False),
                       ("differentiable", False), ("capturable", False))

    def __init__(self, params, lr=1e-2, etas: tuple = (0.5, 1.2), step_sizes: tuple = (1e-6, 50),
                 *, capturable: bool = False, foreach: bool | None = None,
                 maximize: bool = False, differentiable: bool = False) -> None:
        _check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = {"lr": lr, "etas": etas, "step_sizes": step_sizes, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable,
                    "capturable": capturable}
        super().__init__(params, defaults)

    @no_grad_step
    def step(self, closure=None):
        """One Rprop update of every parameter that has a gradient."""
        loss = None
        if closure is not None:
            with grad_mode.enable_grad():
                loss = closure()
        sc = _scratch(self)
        for group in self.param_groups:
            etaminus, etaplus = group["etas"]
            lo, hi = group["step_sizes"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    lr = _scalar(group["lr"])
                    state["step"] = _scalar_tensor(0.0, p if group["capturable"] else None)
                    state["prev"] = _full_like(p)
                    state["step_size"] = _full_like(p, complex(lr, lr) if p.is_complex() else lr)
                if group["capturable"]:
                    _check_capturable([p], [state["step"]])
                _advance(state["step"])
                xp = p._device.xp
                P, G = _real(p._data), _real(p.grad._data)
                prev = _real(state["prev"]._data)
                size = _real(state["step_size"]._data)
                dt = P.dtype.type
                g, factor = sc.get(xp, P, 0), sc.get(xp, P, 1)
                if group["maximize"]:
                    xp.negative(G, out=g)
                else:
                    g[...] = G
                # factor: etaplus where the sign held, etaminus where it flipped, else 1
                xp.multiply(g, prev, out=factor)
                xp.sign(factor, out=factor)
                xp.copyto(factor, dt(etaplus), where=factor > 0)
                xp.copyto(factor, dt(etaminus), where=factor < 0)
                xp.copyto(factor, dt(1), where=factor == 0)
                size *= factor
                xp.clip(size, dt(lo), dt(hi), out=size)
                xp.copyto(g, dt(0), where=factor == dt(etaminus))
                xp.sign(g, out=factor)
                factor *= size
                P -= factor
                prev[...] = g
                _touch(p, state["prev"], state["step_size"])
        return loss
