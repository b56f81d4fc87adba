"""Module full backward hooks: identity autograd Functions wrapped around a
module's tensor inputs and outputs catch grad_output (on the way in) and
grad_input (on the way out) and hand both to the hooks."""
from __future__ import annotations

import itertools

from .._tensor import Tensor
from ..autograd.function import Function


class _OutputGrads(Function):
    @staticmethod
    def forward(ctx, state, *outputs):
        ctx.state = state
        return tuple(o.detach() for o in outputs)

    @staticmethod
    def backward(ctx, *grads):
        state = ctx.state
        grads = state.run_pre_hooks(grads)
        state.grad_outputs = grads
        if not state.inputs_wrapped:
            state.run_hooks((None,) * state.n_inputs)
        return (None, *grads)


class _InputGrads(Function):
    @staticmethod
    def forward(ctx, state, *inputs):
        ctx.state = state
        return tuple(i.detach() for i in inputs)

    @staticmethod
    def backward(ctx, *grads):
        new = ctx.state.run_hooks(grads)
        return (None, *new)


class ModuleBackwardHooks:
    """Per-call state linking the input and output wrappers of one module call."""

    def __init__(self, module):
        self.module = module
        self.grad_outputs = None
        self.inputs_wrapped = False
        self.n_inputs = 0

    def _hooks(self, table_name):
        from .modules import module as M
        glob = M._global_backward_hooks if table_name == "_backward_hooks" \
            else M._global_backward_pre_hooks
        return list(itertools.chain(glob.values(), getattr(self.module, table_name).values()))

    def run_pre_hooks(self, grads):
        for hook in self._hooks("_backward_pre_hooks"):
            new = hook(self.module, tuple(grads))
            if new is not None:
                grads = tuple(new)
        return grads

    def run_hooks(self, grad_inputs):
        for hook in self._hooks("_backward_hooks"):
            new = hook(self.module, tuple(grad_inputs), tuple(self.grad_outputs or ()))
            if new is not None:
                if len(new) != len(grad_inputs):
                    raise RuntimeError(
                        f"Backward hook returned an invalid number of grad_input, got "
                        f"{len(new)}, but expected {len(grad_inputs)}")
                grad_inputs = tuple(new)
        return grad_inputs

    def wrap_inputs(self, args):
        positions = [k for k, a in enumerate(args) if isinstance(a, Tensor)]
        self.n_inputs = len(positions)
        if not any(args[k].requires_grad for k in positions):
            return args
        self.inputs_wrapped = True
        wrapped = _InputGrads.apply(self, *(args[k] for k in positions))
        if isinstance(wrapped, Tensor):
            wrapped = (wrapped,)
        args = list(args)
        for k, t in zip(positions, wrapped):
            args[k] = t
        return tuple(args)

    def wrap_outputs(self, result):
        single = isinstance(result, Tensor)
        outs = (result,) if single else result
        if not isinstance(outs, tuple):
            return result
        positions = [k for k, o in enumerate(outs) if isinstance(o, Tensor) and o.requires_grad]
        if not positions:
            return result
        wrapped = _OutputGrads.apply(self, *(outs[k] for k in positions))
        if isinstance(wrapped, Tensor):
            wrapped = (wrapped,)
        outs = list(outs)
        for k, t in zip(positions, wrapped):
            outs[k] = t
        return outs[0] if single else tuple(outs)
