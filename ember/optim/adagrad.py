"""Adagrad (torch.optim.Adagrad): per-coordinate steps scaled by the root of
the sum of all past squared gradients."""
from __future__ import annotations

from . import _multi_tensor as M

__all__ = ["Adagrad"]


class Adagrad(M.GroupwiseOptimizer):
    """Adagrad, with learning-rate decay and an initial accumulator value.
    State ('step', 'sum') is created at construction, as torch does."""

    _group_defaults = (("foreach", None), ("maximize", False),
                       ("differentiable", False), ("fused", None))

    def __init__(self, params, lr=1e-2, lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10,
                 foreach: bool | None = None, *, maximize: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        M.check_lr(lr, nonnegative=True)
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
        M.check_flags("Adagrad", foreach, fused, differentiable)
        for group in self.param_groups:
            for p in group["params"]:
                self._new_state(p)

    def _new_state(self, p) -> dict:
        # torch fills from the optimizer's defaults, not the group's value
        init = self.defaults["initial_accumulator_value"]
        if p.is_complex():
            init = complex(init, init)
        state = self.state[p]
        state["step"] = M.new_step(p)
        state["sum"] = M.zeros_state(p, init)
        return state

    def share_memory(self) -> None:
        """Move the 'sum' state into shared memory (for Hogwild-style training)."""
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p]["sum"].share_memory_()

    def _update_group(self, group: dict) -> None:
        """One Adagrad update of the group's parameters that have a gradient."""
        lr = M.as_float(group["lr"])
        lr_decay, eps, wd = group["lr_decay"], group["eps"], group["weight_decay"]
        sc = self._scratch
        for p in group["params"]:
            if p.grad is None:
                continue
            M.check_step_flags(p, group)
            state = self.state[p]
            if len(state) == 0:
                state = self._new_state(p)
            step = M.step_count(state)
            xp = p._device.xp
            P, G = M.real(p._data), M.real(p.grad._data)
            op = sc.opmath(xp, 1, P)  # float32 for half types
            g = M.effective_grad(xp, P, G, wd, group["maximize"], sc.get(xp, 0, P), op)
            clr = lr / (1 + (step - 1) * lr_decay)
            total = M.real(state["sum"]._data)
            std = sc.get(xp, 2, P)
            M.addcmul(xp, total, g, g, 1, total, op, sc)
            xp.sqrt(total, out=std)
            # torch's add_(eps) casts eps to p's dtype
            xp.add(std, M.cpu_scalar(std, eps, opmath=False), out=std)
            M.addcdiv(xp, P, g, std, -clr, P, op)
            M.bump(p, state["sum"])
