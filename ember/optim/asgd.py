"""ASGD (torch.optim.ASGD): SGD with a decaying step size eta and a running
(Polyak) average 'ax' of the iterates that starts after t0 steps."""
from __future__ import annotations

from .. import _dtype as D
from . import _multi_tensor as M

__all__ = ["ASGD"]


def _store(t, value: float) -> None:
    """t.copy_(torch.as_tensor(value)): the value passes through the default dtype."""
    t._data[...] = D.get_default_dtype().np.type(value)
    t._vc[0] += 1


class ASGD(M.GroupwiseOptimizer):
    """Averaged SGD. State per parameter: 'step', 'eta' (current step size),
    'mu' (averaging weight) as 0-dim tensors, and 'ax' (the averaged iterate)."""

    _group_defaults = (("foreach", None), ("maximize", False),
                       ("differentiable", False), ("capturable", False))

    def __init__(self, params, lr=1e-2, lambd: float = 1e-4, alpha: float = 0.75,
                 t0: float = 1e6, weight_decay: float = 0, foreach: bool | None = None,
                 maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False) -> None:
        M.check_lr(lr, nonnegative=True)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0,
                    "weight_decay": weight_decay, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    def _update_group(self, group: dict) -> None:
        """One ASGD update of the group's parameters that have a gradient."""
        lr = M.as_float(group["lr"])
        lambd, alpha, t0 = group["lambd"], group["alpha"], group["t0"]
        wd, maximize = group["weight_decay"], group["maximize"]
        sc = self._scratch
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if len(state) == 0:
                # torch keeps these 0-dim states on the parameter's device
                state["step"] = M.new_step(p, 0.0, True)
                state["eta"] = M.new_step(p, lr, True)
                state["mu"] = M.new_step(p, 1.0, True)
                state["ax"] = M.zeros_state(p)
            M.check_step_flags(p, group, "params, mus, etas, and state_steps",
                               M.CAPTURABLE_DEVICES, state["step"])
            xp = p._device.xp
            P, G, ax = M.real(p._data), M.real(p.grad._data), M.real(state["ax"]._data)
            step = M.step_count(state)
            op = sc.opmath(xp, 2, P)  # float32 for half types
            g = M.effective_grad(xp, P, G, wd, maximize, sc.get(xp, 0, P), op)
            eta = float(state["eta"]._data)
            mu = float(state["mu"]._data)
            xp.multiply(P, M.cpu_scalar(P, 1 - lambd * eta), out=P)
            M.add(xp, P, g, -eta, P, op)
            if mu != 1:
                tmp = sc.get(xp, 1, P)  # torch's param.sub(ax).mul_(mu): rounded to p's dtype twice
                xp.subtract(P, ax, out=tmp)
                xp.multiply(tmp, M.cpu_scalar(tmp, mu), out=tmp)
                ax += tmp
            else:
                ax[...] = P
            _store(state["eta"], lr / ((1 + lambd * lr * step) ** alpha))
            _store(state["mu"], 1 / max(1, step - t0))
            M.bump(p, state["ax"])
