"""Adamax (torch.optim.Adamax): Adam with the infinity norm in place of the
second moment, updated with in-place ufuncs."""
from __future__ import annotations

from . import _multi_tensor as M

__all__ = ["Adamax"]


class Adamax(M.GroupwiseOptimizer):
    """Adamax, as torch.optim.Adamax."""

    _group_defaults = (("foreach", None), ("maximize", False), ("differentiable", False),
                       ("capturable", False))

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, foreach: bool | None = None, *, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        M.check_betas_eps(lr, betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _update_group(self, group: dict) -> None:
        lr = M.as_float(group["lr"])
        beta1, beta2 = (M.as_float(b) for b in group["betas"])
        eps, wd = M.as_float(group["eps"]), M.as_float(group["weight_decay"])
        sc = self._scratch
        for p in group["params"]:
            grad = p.grad
            if grad is None:
                continue
            M.check_step_flags(p, group)
            state = self.state[p]
            if len(state) == 0:
                state["step"] = M.new_step(p, 0.0, bool(group["capturable"]))
                state["exp_avg"] = M.zeros_state(p)
                state["exp_inf"] = M.zeros_state(p)
            xp = p._device.xp
            step = M.step_count(state)
            P = M.real(p._data)
            op = sc.opmath(xp, 1, P)  # float32 for half types
            half = op.dtype != P.dtype
            g = M.effective_grad(xp, P, M.real(grad._data), wd, group["maximize"],
                                 sc.get(xp, 0, P), op)
            m_t, u_t = state["exp_avg"], state["exp_inf"]
            m, u = M.real(m_t._data), M.real(u_t._data)
            M.lerp_(xp, m, g, 1.0 - beta1, op, sc)
            xp.multiply(u, M.cpu_scalar(u, beta2), out=u)
            tmp = sc.get(xp, 2, P) if half else op
            xp.absolute(g, out=tmp)
            xp.add(tmp, M.cpu_scalar(tmp, eps, opmath=False), out=tmp)
            xp.maximum(u, tmp, out=u)
            clr = lr / (1 - beta1 ** step)
            if half:
                M.addcdiv(xp, P, m, u, -clr, P, op)
            else:  # float types: the earlier order, kept bit for bit
                xp.divide(m, u, out=op)
                xp.multiply(op, M.cpu_scalar(op, -clr), out=op)
                xp.add(P, op, out=P)
            M.bump(p, m_t, u_t)
