"""SGD: stochastic gradient descent with momentum, dampening and Nesterov
(torch.optim.SGD), updating each parameter with in-place ufuncs."""
from __future__ import annotations

from . import _multi_tensor as M

__all__ = ["SGD"]


class SGD(M.GroupwiseOptimizer):
    """Stochastic gradient descent (optionally with momentum), as torch.optim.SGD."""

    _group_defaults = (("nesterov", False), ("maximize", False), ("foreach", None),
                       ("differentiable", False), ("fused", False))

    def __init__(self, params, lr=1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay=0, nesterov: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, differentiable: bool = False,
                 fused: bool | None = None) -> None:
        M.check_lr(lr)
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach,
                        differentiable=differentiable, fused=fused)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)
        M.check_flags("SGD", foreach, fused, differentiable)

    def _update_group(self, group: dict) -> None:
        lr = M.as_float(group["lr"])
        wd = M.as_float(group["weight_decay"])
        momentum = M.as_float(group["momentum"])
        dampening = M.as_float(group["dampening"])
        nesterov, maximize = group["nesterov"], group["maximize"]
        sc = self._scratch
        for p in group["params"]:
            grad = p.grad
            if grad is None:
                continue
            M.check_step_flags(p, group)
            xp = p._device.xp
            P = M.real(p._data)
            op = sc.opmath(xp, 1, P)  # float32 for half types
            g = M.effective_grad(xp, P, M.real(grad._data), wd, maximize, sc.get(xp, 0, P), op)
            if momentum != 0:
                state = self.state[p]
                buf_t = state.get("momentum_buffer")
                if buf_t is None:
                    buf_t = M.zeros_state(p)
                    buf = M.real(buf_t._data)
                    xp.copyto(buf, g)
                    state["momentum_buffer"] = buf_t
                else:
                    buf = M.real(buf_t._data)
                    xp.multiply(buf, M.cpu_scalar(buf, momentum), out=buf)
                    M.add(xp, buf, g, 1.0 - dampening, buf, op)
                    M.bump(buf_t)
                if nesterov:
                    nes = sc.get(xp, 2, P)
                    M.add(xp, g, buf, momentum, nes, op)
                    g = nes
                else:
                    g = buf
            M.add(xp, P, g, -lr, P, op)
            M.bump(p)
