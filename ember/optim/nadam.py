"""NAdam (torch.optim.NAdam): Adam with Nesterov momentum and a momentum
schedule, updated with in-place ufuncs."""
from __future__ import annotations

from . import _multi_tensor as M

__all__ = ["NAdam"]


class NAdam(M.GroupwiseOptimizer):
    """NAdam, as torch.optim.NAdam (decoupled_weight_decay gives NAdamW)."""

    _group_defaults = (("maximize", False), ("foreach", None), ("capturable", False),
                       ("differentiable", False), ("decoupled_weight_decay", False))

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        M.check_betas_eps(lr, betas, eps, weight_decay)
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def _update_group(self, group: dict) -> None:
        lr = M.as_float(group["lr"])
        beta1, beta2 = (M.as_float(b) for b in group["betas"])
        eps, wd = M.as_float(group["eps"]), M.as_float(group["weight_decay"])
        psi = M.as_float(group["momentum_decay"])
        decoupled, maximize = group["decoupled_weight_decay"], group["maximize"]
        sc = self._scratch
        for p in group["params"]:
            grad = p.grad
            if grad is None:
                continue
            M.check_step_flags(p, group, "params, mu_products and state_steps")
            state = self.state[p]
            if len(state) == 0:
                on_device = bool(group["capturable"])
                state["step"] = M.new_step(p, 0.0, on_device)
                state["mu_product"] = M.new_step(p, 1.0, on_device)
                state["exp_avg"] = M.zeros_state(p)
                state["exp_avg_sq"] = M.zeros_state(p)
            xp = p._device.xp
            step = M.step_count(state)
            bias_correction2 = 1 - beta2 ** step
            P = M.real(p._data)
            op = sc.opmath(xp, 1, P)  # float32 for half types
            g = M.adam_grad(xp, sc, P, M.real(grad._data), lr, wd, decoupled, maximize, op)
            mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * psi)))
            mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * psi)))
            # mu_product is kept in its own (float32) precision, as torch's tensor
            mp_t = state["mu_product"]
            mp = mp_t._data
            xp.multiply(mp, mp.dtype.type(mu), out=mp)
            M.bump(mp_t)
            mu_product = float(mp)
            m_t, v_t = state["exp_avg"], state["exp_avg_sq"]
            m, v = M.real(m_t._data), M.real(v_t._data)
            M.update_moments(xp, sc, m, v, g, beta1, beta2, op)
            denom = sc.get(xp, 2, P)
            xp.divide(v, M.cpu_scalar(v, bias_correction2), out=denom)
            xp.sqrt(denom, out=denom)
            xp.add(denom, M.cpu_scalar(denom, eps, opmath=False), out=denom)
            c_grad = -lr * (1.0 - mu) / (1.0 - mu_product)
            c_avg = (-lr * mu_next) / (1.0 - mu_product * mu_next)
            if op.dtype != P.dtype:
                M.addcdiv(xp, P, g, denom, c_grad, P, op)
                M.addcdiv(xp, P, m, denom, c_avg, P, op)
            else:  # float types: the earlier order, kept bit for bit
                for t, c in ((g, c_grad), (m, c_avg)):
                    xp.divide(t, denom, out=op)
                    xp.multiply(op, M.cpu_scalar(op, c), out=op)
                    xp.add(P, op, out=P)
            M.bump(p, m_t, v_t)
