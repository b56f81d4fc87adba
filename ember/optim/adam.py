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
    scratch = opt._scratch
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
        p_arr = M.real(p._data)
        if wd != 0 and decoupled:
            xp.multiply(p_arr, M.cpu_scalar(p_arr, 1.0 - lr * wd), out=p_arr)
            g = M.effective_grad(xp, p_arr, M.real(grad._data), 0.0, maximize,
                                 scratch.get(xp, 0, p_arr))
        else:
            g = M.effective_grad(xp, p_arr, M.real(grad._data), wd, maximize,
                                 scratch.get(xp, 0, p_arr))
        m_t, v_t = state["exp_avg"], state["exp_avg_sq"]
        m, v = M.real(m_t._data), M.real(v_t._data)
        tmp = scratch.get(xp, 1, p_arr)
        M.lerp_(xp, m, g, 1.0 - beta1, tmp)
        xp.multiply(v, M.cpu_scalar(v, beta2), out=v)
        xp.multiply(g, M.cpu_scalar(v, 1.0 - beta2), out=tmp)
        xp.multiply(tmp, g, out=tmp)
        xp.add(v, tmp, out=v)
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
        # p += m / denom with denom = (sqrt(v) / bc2_sqrt + eps) / -step_size, folded into
        # two scalars (torch's capturable form): one pass fewer than scaling the quotient
        neg = -step_size
        xp.sqrt(src, out=tmp)
        if neg != 0:
            xp.multiply(tmp, M.cpu_scalar(tmp, 1.0 / (bc2_sqrt * neg)), out=tmp)
            xp.add(tmp, M.cpu_scalar(tmp, eps / neg), out=tmp)
            xp.divide(m, tmp, out=tmp)
        else:  # lr 0: the plain form (adds zeros, or NaN where torch's would)
            xp.divide(tmp, M.cpu_scalar(tmp, bc2_sqrt), out=tmp)
            xp.add(tmp, M.cpu_scalar(tmp, eps), out=tmp)
            xp.divide(m, tmp, out=tmp)
            xp.multiply(tmp, M.cpu_scalar(tmp, neg), out=tmp)
        xp.add(p_arr, tmp, out=p_arr)
        M.bump(p, m_t, v_t)
