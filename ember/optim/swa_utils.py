"""Stochastic Weight Averaging and EMA (torch.optim.swa_utils).

AveragedModel keeps a running average (SWA by default, or EMA / any custom
rule) of a model's parameters; SWALR anneals the lr to a constant SWA lr;
update_bn recomputes BatchNorm statistics for the averaged weights.
"""
from __future__ import annotations

import itertools
import math
import warnings
from copy import deepcopy

from .. import _tensor
from ..autograd import grad_mode
from ..nn.modules.batchnorm import _BatchNorm
from ..nn.modules.module import Module
from .lr_scheduler import LRScheduler, _per_group

__all__ = ["AveragedModel", "update_bn", "SWALR", "get_ema_multi_avg_fn", "get_swa_multi_avg_fn",
           "get_ema_avg_fn", "get_swa_avg_fn"]

Tensor = _tensor.Tensor


def _is_float_like(t: Tensor) -> bool:
    return t.is_floating_point() or t.is_complex()


def _check_decay(decay: float) -> None:
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in [0,1] range.")


def get_ema_multi_avg_fn(decay: float = 0.999):
    """In-place EMA over lists of tensors: ema = lerp(ema, current, 1 - decay)."""
    _check_decay(decay)

    @grad_mode.no_grad()
    def ema_update(ema_params, current_params, _num_averaged) -> None:
        if _is_float_like(ema_params[0]):
            for p_ema, p in zip(ema_params, current_params):
                p_ema.lerp_(p, 1 - decay)
        else:
            for p_ema, p in zip(ema_params, current_params):
                p_ema.copy_(p_ema * decay + p * (1 - decay))
    return ema_update


def get_swa_multi_avg_fn():
    """In-place equal-weight average over lists of tensors:
    avg = lerp(avg, current, 1 / (n + 1))."""

    @grad_mode.no_grad()
    def swa_update(averaged_params, current_params, num_averaged) -> None:
        if _is_float_like(averaged_params[0]):
            weight = 1 / (num_averaged + 1)
            for p_avg, p in zip(averaged_params, current_params):
                p_avg.lerp_(p, weight)
        elif isinstance(num_averaged, Tensor):
            for p_avg, p in zip(averaged_params, current_params):
                p_avg.addcdiv_(p - p_avg, num_averaged + 1)
        else:
            for p_avg, p in zip(averaged_params, current_params):
                p_avg.add_(p - p_avg, alpha=1.0 / (num_averaged + 1))
    return swa_update


def get_ema_avg_fn(decay: float = 0.999):
    """EMA of one tensor: returns decay * ema + (1 - decay) * current."""
    _check_decay(decay)

    @grad_mode.no_grad()
    def ema_update(ema_param, current_param, num_averaged):
        return decay * ema_param + (1 - decay) * current_param
    return ema_update


def get_swa_avg_fn():
    """Equal-weight average of one tensor: avg + (current - avg) / (n + 1)."""

    @grad_mode.no_grad()
    def swa_update(averaged_param, current_param, num_averaged):
        return averaged_param + (current_param - averaged_param) / (num_averaged + 1)
    return swa_update


def _group_by_device_and_dtype(avg_list: list, model_list: list) -> dict:
    groups: dict = {}
    for a, m in zip(avg_list, model_list):
        lists = groups.setdefault((a.device, a.dtype), ([], []))
        lists[0].append(a)
        lists[1].append(m)
    return groups


class AveragedModel(Module):
    """A copy of ``model`` whose parameters (and buffers with use_buffers=True)
    hold a running average, updated by update_parameters(model).

    avg_fn(averaged, current, n) returns the new average of one tensor;
    multi_avg_fn(averaged_list, current_list, n) updates lists in place. With
    neither, an equal-weight (SWA) average is kept. ``n_averaged`` counts the
    models averaged so far and is saved in the state dict.
    """

    def __init__(self, model: Module, device=None, avg_fn=None, multi_avg_fn=None,
                 use_buffers: bool = False) -> None:
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        from .. import long, tensor
        self.register_buffer("n_averaged", tensor(0, dtype=long, device=device))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args, **kwargs):
        """Run the averaged module."""
        return self.module(*args, **kwargs)

    def update_parameters(self, model: Module) -> None:
        """Fold ``model``'s current weights into the average (the first call copies them)."""
        if self.use_buffers:
            mine = itertools.chain(self.module.parameters(), self.module.buffers())
            theirs = itertools.chain(model.parameters(), model.buffers())
        else:
            mine, theirs = self.parameters(), model.parameters()
        avg_list, model_list = [], []
        first = bool(self.n_averaged == 0)
        with grad_mode.no_grad():
            for p_avg, p_model in zip(mine, theirs):
                current = p_model.detach().to(p_avg.device)
                avg_list.append(p_avg.detach())
                model_list.append(current)
                if first:
                    p_avg.detach().copy_(current)
            if self.n_averaged > 0:
                self._average(avg_list, model_list)
            if not self.use_buffers:
                own_buffers, model_buffers = list(self.module.buffers()), list(model.buffers())
                if len(own_buffers) != len(model_buffers):
                    raise ValueError(f"model has {len(model_buffers)} buffers, the averaged model "
                                     f"has {len(own_buffers)}")
                for b_avg, b_model in zip(own_buffers, model_buffers):
                    b_avg.detach().copy_(b_model.detach().to(b_avg.device))
            self.n_averaged += 1

    def _average(self, avg_list: list, model_list: list) -> None:
        if self.avg_fn is not None and self.multi_avg_fn is None:
            for p_avg, p_model in zip(avg_list, model_list):
                n = self.n_averaged.to(p_avg.device)
                p_avg.detach().copy_(self.avg_fn(p_avg.detach(), p_model, n))
            return
        for (device, _), (avgs, models) in _group_by_device_and_dtype(avg_list, model_list).items():
            n = self.n_averaged.to(device)
            if self.multi_avg_fn is not None:
                self.multi_avg_fn(avgs, models, n)
            elif device.type != "cpu":   # torch uses its foreach kernels off the CPU
                get_swa_multi_avg_fn()(avgs, models, n)
            else:
                avg_fn = get_swa_avg_fn()
                for p_avg, p_model in zip(avgs, models):
                    p_avg.copy_(avg_fn(p_avg, p_model, n))


def update_bn(loader, model: Module, device=None) -> None:
    """Recompute the running statistics of every BatchNorm in ``model`` with one
    pass over ``loader`` (batches are tensors or sequences whose first item is
    the input), as a cumulative average (momentum=None)."""
    with grad_mode.no_grad():
        momenta = {}
        for module in model.modules():
            if isinstance(module, _BatchNorm):
                module.reset_running_stats()
                momenta[module] = module.momentum
        if not momenta:
            return
        was_training = model.training
        model.train()
        for module in momenta:
            module.momentum = None
        for batch in loader:
            if isinstance(batch, (list, tuple)):
                batch = batch[0]
            if device is not None:
                batch = batch.to(device)
            model(batch)
        for module, momentum in momenta.items():
            module.momentum = momentum
        model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's lr to swa_lr over anneal_epochs ('cos' or 'linear'),
    then hold it there."""

    def __init__(self, optimizer, swa_lr, anneal_epochs: int = 10, anneal_strategy: str = "cos",
                 last_epoch: int = -1) -> None:
        for value, group in zip(_per_group("swa_lr", optimizer, swa_lr), optimizer.param_groups):
            group["swa_lr"] = value
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError("anneal_strategy must be one of 'cos' or 'linear', "
                             f"instead got {anneal_strategy}")
        self._set_anneal_func(anneal_strategy)
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t):
        return t

    @staticmethod
    def _cosine_anneal(t):
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr, swa_lr, alpha):
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def _set_anneal_func(self, anneal_strategy: str) -> None:
        self._anneal_strategy = anneal_strategy
        self.anneal_func = self._cosine_anneal if anneal_strategy == "cos" else self._linear_anneal

    def get_lr(self) -> list:
        if not self._get_lr_called_within_step:
            warnings.warn("To get the last learning rate computed by the scheduler, "
                          "please use `get_last_lr()`.", UserWarning, stacklevel=2)
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        span = max(1, self.anneal_epochs)
        groups = self.optimizer.param_groups
        prev_alpha = self.anneal_func(max(0, min(1, (step - 1) / span)))
        # undo the previous step's blend to recover the lr being annealed from
        starts = [self._get_initial_lr(g["lr"], g["swa_lr"], prev_alpha) for g in groups]
        alpha = self.anneal_func(max(0, min(1, step / span)))
        return [g["swa_lr"] * alpha + lr * (1 - alpha) for g, lr in zip(groups, starts)]

    def state_dict(self) -> dict:
        """Every attribute except the optimizer and the anneal function."""
        return {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "anneal_func")}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore the state; the anneal function is rebuilt from the strategy."""
        self.__dict__.update(state_dict)
        self._set_anneal_func(self._anneal_strategy)
