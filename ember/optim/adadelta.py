"""Adadelta (torch.optim.Adadelta): steps scaled by the ratio of running RMS
of past updates to running RMS of gradients."""
from __future__ import annotations

from . import _multi_tensor as M

__all__ = ["Adadelta"]

# torch's Adadelta accepts capturable tensors on these (no 'xla', unlike RMSprop)
_DEVICES = ("cuda", "xpu", "hpu", "privateuseone")


class Adadelta(M.GroupwiseOptimizer):
    """Adadelta (lr scales the computed update; torch's default lr is 1.0)."""

    _group_defaults = (("foreach", None), ("maximize", False),
                       ("differentiable", False), ("capturable", False))

    def __init__(self, params, lr=1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach: bool | None = None, *,
                 capturable: bool = False, maximize: bool = False,
                 differentiable: bool = False) -> None:
        M.check_lr(lr, nonnegative=True)
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

    def _update_group(self, group: dict) -> None:
        """One Adadelta update of the group's parameters that have a gradient."""
        lr = M.as_float(group["lr"])
        rho, eps, wd = group["rho"], group["eps"], group["weight_decay"]
        sc = self._scratch
        todo = []
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if len(state) == 0:
                state["step"] = M.new_step(p, 0.0, bool(group["capturable"]))
                state["square_avg"] = M.zeros_state(p)
                state["acc_delta"] = M.zeros_state(p)
            todo.append((p, state))
        # torch checks the whole group before updating anything
        for p, state in todo:
            M.check_step_flags(p, group, devices=_DEVICES, step=state["step"])
        for p, state in todo:
            M.step_count(state)
            xp = p._device.xp
            P, G = M.real(p._data), M.real(p.grad._data)
            op = sc.opmath(xp, 3, P)  # float32 for half types
            g = M.effective_grad(xp, P, G, wd, group["maximize"], sc.get(xp, 0, P), op)
            sq = M.real(state["square_avg"]._data)
            acc = M.real(state["acc_delta"]._data)
            delta, std = sc.get(xp, 1, P), sc.get(xp, 2, P)
            xp.multiply(sq, M.cpu_scalar(sq, rho), out=sq)
            M.addcmul(xp, sq, g, g, 1 - rho, sq, op, sc)
            eps_p = M.cpu_scalar(P, eps, opmath=False)  # torch's add(eps): eps in p's dtype
            xp.add(sq, eps_p, out=std)
            xp.sqrt(std, out=std)
            xp.add(acc, eps_p, out=delta)
            xp.sqrt(delta, out=delta)
            delta /= std
            delta *= g
            xp.multiply(acc, M.cpu_scalar(acc, rho), out=acc)
            M.addcmul(xp, acc, delta, delta, 1 - rho, acc, op, sc)
            M.add(xp, P, delta, -lr, P, op)
            M.bump(p, state["square_avg"], state["acc_delta"])
