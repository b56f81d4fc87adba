"""Adam (torch.optim.Adam), with AMSGrad, maximize and decoupled weight
decay; each parameter is updated by in-place ufuncs into kept buffers."""
from __future__ import annotations

from .._tensor import Tensor
from . import _multi_tensor as M
from .optimizer import Optimizer

__all__ = ["Adam"]


class Adam(M.GroupwiseOptimizer):
    """Adam, as torch.optim.Adam (decoupled_weight_decay=True gives AdamW)."""

    _group_defaults = (("amsgrad", False), ("maximize", False), ("foreach", None),
                       ("capturable", False), ("differentiable", False),
                       ("decoupled_weight_decay", False), ("fused", None))

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None, decoupled_weight_decay: bool = False) -> None:
        if isinstance(lr, Tensor):
            if foreach and not capturable:
                raise ValueError("lr as a Tensor is not supported for capturable=False and "
                                 "foreach=True")
        M.check_betas_eps(lr, betas, eps, weight_decay)
        b0, b1 = betas
        if not ((isinstance(b0, float) and isinstance(b1, float))
                or (isinstance(b0, Tensor) and isinstance(b1, Tensor))):
            raise ValueError("betas must be either both floats or both Tensors")
        for i, b in enumerate(betas):
            if isinstance(b, Tensor):
                if not capturable and foreach:
                    raise ValueError(f"betas[{i}] as a Tensor is not supported for "
                                     "capturable=False and foreach=True")
                if b.numel() != 1:
                    raise ValueError(f"Tensor betas[{i}] must be 1-element")
        betas = tuple(M.as_float(b) for b in betas)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable,
                        differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)
        M.check_flags(type(self).__name__, foreach, fused, differentiable)

    def _update_group(self, group: dict) -> None:
        adam_group(self, group)


def adam_group(opt: Optimizer, group: dict) -> None:
    """One Adam step over the parameters of a group that have a gradient."""
    lr = M.as_float(group["lr"])
    beta1, beta2 = (M.as_float(b) for b in group["betas"])
    eps, wd = M.as_float(group["eps"]), M.as_float(group["weight_decay"])
    amsgrad, maximize = group["amsgrad"], group["maximize"]
    decoupled = group["decoupled_weight_decay"]
    on_device = bool(group["capturable"] or group["fused"])
    sc = opt._scratch
    for p in group["params"]:
        grad = p.grad
        if grad is None:
            continue
        M.check_step_flags(p, group)
        state = opt.state[p]
        if len(state) == 0:
            state["step"] = M.new_step(p, 0.0, on_device, bool(group["fused"]))
            state["exp_avg"] = M.zeros_state(p)
            state["exp_avg_sq"] = M.zeros_state(p)
            if amsgrad:
                state["max_exp_avg_sq"] = M.zeros_state(p)
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
        step_size = lr / bias_correction1
        bc2_sqrt = bias_correction2 ** 0.5
        src = v
        if amsgrad:
            mx_t = state["max_exp_avg_sq"]
            src = M.real(mx_t._data)
            xp.maximum(src, v, out=src)
            M.bump(mx_t)
        if P.dtype.itemsize < 4:
            # torch's own form, op by op: each op rounds into the half type, and
            # add_(eps) adds eps cast to it (0 in float16 for eps < 2**-25)
            den = sc.get(xp, 2, P)
            xp.sqrt(src, out=den)
            xp.divide(den, M.cpu_scalar(den, bc2_sqrt), out=den)
            xp.add(den, M.cpu_scalar(den, eps, opmath=False), out=den)
            M.addcdiv(xp, P, m, den, -step_size, P, op)
        else:
            # p += m / denom with denom = (sqrt(v) / bc2_sqrt + eps) / -step_size, folded into
            # two scalars (torch's capturable form): one pass fewer than scaling the quotient
            neg = -step_size
            xp.sqrt(src, out=op)
            if neg != 0:
                xp.multiply(op, M.cpu_scalar(op, 1.0 / (bc2_sqrt * neg)), out=op)
                xp.add(op, M.cpu_scalar(op, eps / neg), out=op)
                xp.divide(m, op, out=op)
            else:  # lr 0: the plain form (adds zeros, or NaN where torch's would)
                xp.divide(op, M.cpu_scalar(op, bc2_sqrt), out=op)
                xp.add(op, M.cpu_scalar(op, eps), out=op)
                xp.divide(m, op, out=op)
                xp.multiply(op, M.cpu_scalar(op, neg), out=op)
            xp.add(P, op, out=P)
        M.bump(p, m_t, v_t)
