"""RAdam (torch.optim.RAdam): Adam with a rectified adaptive learning rate,
updated with in-place ufuncs."""
from __future__ import annotations

from . import _multi_tensor as M

__all__ = ["RAdam"]


class RAdam(M.GroupwiseOptimizer):
    """RAdam, as torch.optim.RAdam (decoupled_weight_decay gives RAdamW)."""

    _group_defaults = (("foreach", None), ("maximize", False), ("capturable", False),
                       ("differentiable", False), ("decoupled_weight_decay", False))

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, decoupled_weight_decay: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        M.check_betas_eps(lr, betas, eps, weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def _update_group(self, group: dict) -> None:
        lr = M.as_float(group["lr"])
        beta1, beta2 = (M.as_float(b) for b in group["betas"])
        eps, wd = M.as_float(group["eps"]), M.as_float(group["weight_decay"])
        decoupled, maximize = group["decoupled_weight_decay"], group["maximize"]
        rho_inf = 2 / (1 - beta2) - 1
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
                state["exp_avg_sq"] = M.zeros_state(p)
            xp = p._device.xp
            step = M.step_count(state)
            P = M.real(p._data)
            op = sc.opmath(xp, 1, P)  # float32 for half types
            g = M.adam_grad(xp, sc, P, M.real(grad._data), lr, wd, decoupled, maximize, op)
            m_t, v_t = state["exp_avg"], state["exp_avg_sq"]
            m, v = M.real(m_t._data), M.real(v_t._data)
            M.update_moments(xp, sc, m, v, g, beta1, beta2, op)
            bias_correction1 = 1 - beta1 ** step
            bias_correction2 = 1 - beta2 ** step
            rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
            # update = (exp_avg / bc1) * lr [* sqrt(bc2) / (sqrt(v) + eps) * rect], each
            # product rounded into p's dtype as torch's tensor expression does
            upd = op if op.dtype == P.dtype else sc.get(xp, 3, P)
            xp.divide(m, M.cpu_scalar(m, bias_correction1), out=upd)
            xp.multiply(upd, M.cpu_scalar(upd, lr), out=upd)
            if rho_t > 5.0:
                rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                        / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                denom = sc.get(xp, 2, P)
                xp.sqrt(v, out=denom)
                xp.add(denom, M.cpu_scalar(denom, eps, opmath=False), out=denom)
                if op.dtype != P.dtype:
                    # a float divided by a tensor is torch's reciprocal() * float
                    xp.divide(M.cpu_scalar(denom, 1.0), denom, out=denom)
                    xp.multiply(denom, M.cpu_scalar(denom, bias_correction2 ** 0.5), out=denom)
                else:  # float types: the earlier order, kept bit for bit
                    xp.divide(M.cpu_scalar(denom, bias_correction2 ** 0.5), denom, out=denom)
                xp.multiply(upd, denom, out=upd)
                xp.multiply(upd, M.cpu_scalar(upd, rect), out=upd)
            xp.subtract(P, upd, out=P)
            M.bump(p, m_t, v_t)
