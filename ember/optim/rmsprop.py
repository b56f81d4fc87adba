"""RMSprop (torch.optim.RMSprop).

The update runs as whole-array in-place ufuncs on each parameter's backend
array (``p._device.xp``), into scratch buffers the optimizer keeps between
steps; hyper-parameters enter as scalars of the parameter's dtype so float32
parameters never see float64 temporaries. The arithmetic follows torch's
single-tensor code path operation by operation (the torch ops of
``_multi_tensor``), so trajectories agree with torch to rounding, and
float16/bfloat16 ones bit for bit.
"""
from __future__ import annotations

from .._tensor import Tensor
from . import _multi_tensor as M

__all__ = ["RMSprop"]


class RMSprop(M.GroupwiseOptimizer):
    """RMSprop: divide the gradient by a running RMS of recent gradients
    (optionally centered, with momentum)."""

    _group_defaults = (("momentum", 0), ("centered", False), ("foreach", None),
                       ("maximize", False), ("differentiable", False),
                       ("capturable", False))

    def __init__(self, params, lr=1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False,
                 capturable: bool = False, foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        M.check_lr(lr, nonnegative=True)
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
            state["step"] = M.new_step(p, 0.0, bool(group["capturable"]))
            state["square_avg"] = M.zeros_state(p)
            if group["momentum"] > 0:
                state["momentum_buffer"] = M.zeros_state(p)
            if group["centered"]:
                state["grad_avg"] = M.zeros_state(p)
        return state

    def _update_group(self, group: dict) -> None:
        """One RMSprop update of the group's parameters that have a gradient."""
        lr = M.as_float(group["lr"])
        alpha, eps, momentum = group["alpha"], group["eps"], group["momentum"]
        centered, maximize, wd = group["centered"], group["maximize"], group["weight_decay"]
        sc = self._scratch
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self._init_state(p, group)
            M.check_step_flags(p, group, devices=M.CAPTURABLE_DEVICES, step=state["step"])
            M.step_count(state)
            xp = p._device.xp
            P, G = M.real(p._data), M.real(p.grad._data)
            op, avg = sc.opmath(xp, 1, P), sc.get(xp, 2, P)  # op: float32 for half types
            g = M.effective_grad(xp, P, G, wd, maximize, sc.get(xp, 0, P), op)
            sq = M.real(state["square_avg"]._data)
            xp.multiply(sq, M.cpu_scalar(sq, alpha), out=sq)
            M.addcmul(xp, sq, g, g, 1 - alpha, sq, op, sc)
            touched = [p, state["square_avg"]]
            if centered:
                ga = M.real(state["grad_avg"]._data)
                M.lerp_(xp, ga, g, 1 - alpha, op, sc)
                M.addcmul(xp, sq, ga, ga, -1, avg, op, sc)
                xp.sqrt(avg, out=avg)
                touched.append(state["grad_avg"])
            else:
                xp.sqrt(sq, out=avg)
            # torch's avg.add_(eps) casts eps to the tensor's dtype (0 in float16 for eps <= 2**-25)
            xp.add(avg, M.cpu_scalar(avg, eps, opmath=False), out=avg)
            if momentum > 0:
                buf = M.real(state["momentum_buffer"]._data)
                xp.multiply(buf, M.cpu_scalar(buf, momentum), out=buf)
                M.addcdiv(xp, buf, g, avg, 1, buf, op)
                M.add(xp, P, buf, -lr, P, op)
                touched.append(state["momentum_buffer"])
            else:
                M.addcdiv(xp, P, g, avg, -lr, P, op)
            M.bump(*touched)
