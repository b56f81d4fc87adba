"""Rprop (torch.optim.Rprop): resilient backpropagation, per-coordinate step
sizes grown or shrunk by the sign agreement of successive gradients."""
from __future__ import annotations

from . import _multi_tensor as M

__all__ = ["Rprop"]


class Rprop(M.GroupwiseOptimizer):
    """Rprop: step sizes multiply by etas[1] while the gradient keeps its sign and by
    etas[0] when it flips (that coordinate then skips its update), clamped to step_sizes."""

    _group_defaults = (("foreach", None), ("maximize", False),
                       ("differentiable", False), ("capturable", False))

    def __init__(self, params, lr=1e-2, etas: tuple = (0.5, 1.2), step_sizes: tuple = (1e-6, 50),
                 *, capturable: bool = False, foreach: bool | None = None,
                 maximize: bool = False, differentiable: bool = False) -> None:
        M.check_lr(lr, nonnegative=True)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = {"lr": lr, "etas": etas, "step_sizes": step_sizes, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable,
                    "capturable": capturable}
        super().__init__(params, defaults)

    def _update_group(self, group: dict) -> None:
        """One Rprop update of the group's parameters that have a gradient."""
        etaminus, etaplus = group["etas"]
        lo, hi = group["step_sizes"]
        sc = self._scratch
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if len(state) == 0:
                lr = M.as_float(group["lr"])
                state["step"] = M.new_step(p, 0.0, bool(group["capturable"]))
                state["prev"] = M.zeros_state(p)
                state["step_size"] = M.zeros_state(p, complex(lr, lr) if p.is_complex() else lr)
            M.check_step_flags(p, group, devices=M.CAPTURABLE_DEVICES, step=state["step"])
            M.step_count(state)
            xp = p._device.xp
            P, G = M.real(p._data), M.real(p.grad._data)
            prev = M.real(state["prev"]._data)
            size = M.real(state["step_size"]._data)
            # scalars in p's own dtype, as torch's index_put/clamp/eq cast them; sign * size is exact,
            # so P -= factor rounds once like torch's addcmul_: half types match torch bit for bit
            dt = P.dtype.type
            g, factor = sc.get(xp, 0, P), sc.get(xp, 1, P)
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
            M.bump(p, state["prev"], state["step_size"])
