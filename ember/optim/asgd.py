"""ASGD (torch.optim.ASGD): SGD with a decaying step size eta and a running
(Polyak) average 'ax' of the iterates that starts after t0 steps."""
from __future__ import annotations

from .. import _dtype as D
from ..autograd import grad_mode
from .optimizer import Optimizer, no_grad_step
from .rmsprop import (_advance, _check_capturable, _check_lr, _effective_grad, _full_like,
                      _real, _scalar, _scalar_tensor, _scratch, _touch)

__all__ = ["ASGD"]


def _store(t, value: float) -> None:
    """t.copy_(torch.as_tensor(value)): the value passes through the default dtype."""
    t._data[...] = D.get_default_dtype().np.type(value)
    t._vc[0] += 1


class ASGD(Optimizer):
    """Averaged SGD. State per parameter: 'step', 'eta' (current step size),
    'mu' (averaging weight) as 0-dim tensors, and 'ax' (the averaged iterate)."""

    _group_defaults = (("foreach", None), ("maximize", False),
                       ("differentiable", False), ("capturable", False))

    def __init__(self, params, lr=1e-2, lambd: float = 1e-4, alpha: float = 0.75,
                 t0: float = 1e6, weight_decay: float = 0, foreach: bool | None = None,
                 maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False) -> None:
        _check_lr(lr)
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0,
                    "weight_decay": weight_decay, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    @no_grad_step
    def step(self, closure=None):
        """One ASGD update of every parameter that has a gradient."""
        loss = None
        if closure is not None:
            with grad_mode.enable_grad():
                loss = closure()
        sc = _scratch(self)
        for group in self.param_groups:
            lr = _scalar(group["lr"])
            lambd, alpha, t0 = group["lambd"], group["alpha"], group["t0"]
            wd, maximize = group["weight_decay"], group["maximize"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = _scalar_tensor(0.0, p)
                    state["eta"] = _scalar_tensor(lr, p)
                    state["mu"] = _scalar_tensor(1.0, p)
                    state["ax"] = _full_like(p)
                if group["capturable"]:
                    _check_capturable([p], [state["step"]],
                                      what="params, mus, etas, and state_steps")
                xp = p._device.xp
                P, G, ax = _real(p._data), _real(p.grad._data), _real(state["ax"]._data)
                dt = P.dtype.type
                step = _advance(state["step"])
                g = _effective_grad(sc, xp, P, G, wd, maximize)
                eta = float(state["eta"]._data)
                mu = float(state["mu"]._data)
                tmp = sc.get(xp, P, 1)
                P *= dt(1 - lambd * eta)
                xp.multiply(g, dt(-eta), out=tmp)
                P += tmp
                if mu != 1:
                    xp.subtract(P, ax, out=tmp)
                    tmp *= dt(mu)
                    ax += tmp
                else:
                    ax[...] = P
                _store(state["eta"], lr / ((1 + lambd * lr * step) ** alpha))
                _store(state["mu"], 1 / max(1, step - t0))
                _touch(p, state["ax"])
        return loss
