"""Custom differentiable functions (torch.autograd.Function).

A subclass defines ``forward`` and ``backward`` as static methods; ``apply``
runs the forward under no_grad and attaches one graph node to the outputs.
That node is an instance of a class generated per subclass (``ExpBackward``
for ``Exp``) which is both the ``ctx`` seen by forward/backward and a
``graph.Node``, so the engine runs it like any other node.
"""
from __future__ import annotations

import functools
import inspect
from typing import Any

from . import grad_mode
from . import graph as _graph
from .graph import Node, collect_edges


class FunctionCtx:
    """The ``ctx`` of a custom Function: saves tensors and flags for backward."""

    def save_for_backward(self, *tensors) -> None:
        """Save tensors (or None) for backward; read them back with ``saved_tensors``."""
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, _graph._Tensor):
                raise TypeError(f"save_for_backward can only save variables, but argument {i} "
                                f"is of type {type(t).__name__}")
        self._to_save = tensors

    def save_for_forward(self, *tensors) -> None:
        """Save tensors for a forward-mode rule (kept, like save_for_backward)."""
        self.saved_for_forward = tensors

    def mark_dirty(self, *args) -> None:
        """Declare inputs that forward modified in place (they are returned as outputs)."""
        self._dirty = args

    def mark_non_differentiable(self, *args) -> None:
        """Declare outputs that carry no gradient (indices, masks...)."""
        self._non_diff = args

    def set_materialize_grads(self, value: bool) -> None:
        """Whether backward receives zeros (True, default) or None for missing output grads."""
        self._materialize = bool(value)


class _FunctionNode(Node, FunctionCtx):
    """The graph node (and ctx) of one Function.apply call."""

    _function: Any = None   # the Function subclass, set on each generated class
    needs_input_grad: tuple = ()   # a plain attribute here (a property on Node)

    def __init__(self, edges, needs_input_grad):
        Node.__init__(self, None, None, edges)
        self._saved = None
        self._saved_versions = None
        self._to_save = None
        self._dirty = ()
        self._non_diff = ()
        self._materialize = True
        self._nout = 1
        self.out_meta = None
        self.needs_input_grad = needs_input_grad

    # the Node API the engine uses --------------------------------------
    def name(self) -> str:
        return type(self).__name__

    def num_outputs(self) -> int:
        return self._nout

    def apply(self, grads):
        fn = self._function
        result = fn.backward(self, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        return self._validate(result)

    def _validate(self, result):
        """torch's checks on what backward returned; one gradient per tensor input."""
        is_tensor = self._input_is_tensor
        n = len(is_tensor)
        if len(result) > n and all(r is None for r in result[n:]):
            result = result[:n]
        if len(result) != n:
            raise RuntimeError(f"function {self.name()} returned an incorrect number of gradients "
                               f"(expected {n}, got {len(result)})")
        out = []
        edges = iter(self.next)
        for i, g in enumerate(result):
            if g is not None and not isinstance(g, _graph._Tensor):
                raise TypeError(f"function {self.name()} returned a gradient of type "
                                f"{type(g).__name__} at position {i}, expected a Tensor or None")
            if not is_tensor[i]:
                if g is not None:
                    raise RuntimeError(
                        f"function {self.name()} returned a gradient different than None at "
                        f"position {i + 1}, but the corresponding forward input was not a Variable")
                continue
            edge = next(edges)
            if edge is None:
                out.append(None)
                continue
            if g is not None and not _expandable(edge[2], tuple(g.shape)):
                raise RuntimeError(
                    f"Function {self.name()} returned an invalid gradient at index {i} - got "
                    f"{list(g.shape)} but expected shape compatible with {list(edge[2])}")
            out.append(g)
        return tuple(out)

    # saved tensors ------------------------------------------------------
    @property
    def saved_tensors(self) -> tuple:
        """The tensors given to save_for_backward, checked for in-place changes."""
        if self._released:
            raise RuntimeError(_graph._FREED_MSG)
        if self._saved is None:
            return ()
        for t, v in zip(self._saved, self._saved_versions):
            if t is not None and t._vc[0] != v:
                where = None
                if t._grad_fn is self:
                    where = t._out_nr
                self._raise_modified(t, v, t._vc[0], output_nr=where)
        return self._saved

    saved_variables = saved_tensors

    def _commit_saved(self):
        if self._to_save is not None:
            self._saved = tuple(self._to_save)
            self._saved_versions = tuple(None if t is None else t._vc[0] for t in self._saved)
            self._to_save = None

    def release(self):
        if self._saved is not None:
            self._saved = None
            self._released = True


def _expandable(shape, grad_shape) -> bool:
    """Whether a gradient of grad_shape can be summed down to shape (torch's is_expandable_to)."""
    if len(shape) > len(grad_shape):
        return False
    for s, g in zip(reversed(shape), reversed(grad_shape)):
        if s != g and s != 1:
            return False
    return True


class FunctionMeta(type):
    """Generates the node class ``<Name>Backward`` for every Function subclass."""

    def __init__(cls, name, bases, attrs):
        backward_cls = type(name + "Backward", (_FunctionNode,), {"_function": cls})
        cls._backward_cls = backward_cls
        super().__init__(name, bases, attrs)


class Function(FunctionCtx, metaclass=FunctionMeta):
    """Base class for custom differentiable operations (torch.autograd.Function).

    Subclasses define ``forward(ctx, *args)`` (or ``forward(*args)`` together
    with ``setup_context(ctx, inputs, output)``) and ``backward(ctx, *grads)``,
    both static, and are called through ``apply``."""

    generate_vmap_rule = False

    @staticmethod
    def forward(*args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple, output: Any) -> Any:
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Any) -> Any:
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward "
                                  "mode AD.")

    vjp = backward

    @staticmethod
    def jvp(ctx: Any, *grad_inputs: Any) -> Any:
        raise NotImplementedError("You must implement the jvp function for custom "
                                  "autograd.Function to use it with forward mode AD.")

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run forward on ``args`` and record the node whose backward is ``cls.backward``."""
        return _apply(cls, args, kwargs)


def _uses_setup_context(cls) -> bool:
    return cls.setup_context is not Function.setup_context


def _apply(cls, args, kwargs):
    Tensor = _graph._Tensor
    if kwargs:
        args = _bind(cls, args, kwargs)
        kwargs = {}
    is_tensor = tuple(isinstance(a, Tensor) for a in args)
    needs = tuple(t and a._rg for t, a in zip(is_tensor, args))
    record = grad_mode._state[0] and any(needs)
    tensors = [a for a in args if isinstance(a, Tensor)]
    edges = collect_edges(tensors) if record else [None] * len(tensors)
    ctx = cls._backward_cls(edges, needs)
    ctx._input_is_tensor = is_tensor

    prev = grad_mode._state[0]
    grad_mode._state[0] = False
    try:
        if _uses_setup_context(cls):
            output = cls.forward(*args, **kwargs)
            cls.setup_context(ctx, args, output)
        else:
            output = cls.forward(ctx, *args, **kwargs)
    finally:
        grad_mode._state[0] = prev

    single = not isinstance(output, tuple)
    outs = (output,) if single else output
    dirty = {id(t) for t in ctx._dirty}
    if record:
        outs = _attach(ctx, args, outs, dirty)
    ctx._commit_saved()
    return outs[0] if single else outs


def _bind(cls, args, kwargs):
    """Keyword arguments of apply become positional (they are inputs like the others)."""
    sig = inspect.signature(cls.forward)
    if not _uses_setup_context(cls):
        bound = sig.bind(None, *args, **kwargs)
        return tuple(bound.args[1:])
    return tuple(sig.bind(*args, **kwargs).args)


def _attach(ctx, args, outs, dirty):
    """Make the outputs children of ctx (the node), like torch's custom function outputs."""
    Tensor = _graph._Tensor
    inputs = {id(a) for a in args if isinstance(a, Tensor)}
    non_diff = {id(t) for t in ctx._non_diff}
    result = []
    meta = []
    for i, o in enumerate(outs):
        if not isinstance(o, Tensor):
            result.append(o)
            meta.append(None)
            continue
        if id(o) in dirty:
            if o._rg and o._grad_fn is None and o._base is None:
                raise RuntimeError(
                    "a leaf Variable that requires grad has been used in an in-place operation.")
            o._vc[0] += 1
        elif id(o) in inputs:
            # an input returned unchanged: the output is a new alias, the input keeps its history
            alias = o.detach()
            o = alias
        meta.append((o._data.shape, o._dtype, o._device))
        if id(o) not in non_diff and o._dtype.category >= 2:
            o._grad_fn = ctx
            o._out_nr = i
            o._rg = True
        elif id(o) in non_diff:
            o._grad_fn = None
            o._rg = False
        result.append(o)
    ctx._nout = len(outs)
    ctx.out_meta = meta if ctx._materialize else None
    return tuple(result)


class _DelayedErrorNode(Node):
    """A node that raises when backward reaches it (once_differentiable's guard)."""

    def __init__(self, message, edges):
        Node.__init__(self, None, None, edges)
        self.message = message

    def name(self) -> str:
        return "DelayedError"

    def num_outputs(self) -> int:
        return 1

    def apply(self, grads):
        raise RuntimeError(self.message)


def once_differentiable(fn):
    """Decorator for a Function's backward that is not itself differentiable: it runs
    under no_grad, and differentiating its result again raises."""

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with grad_mode.no_grad():
            outputs = fn(ctx, *args)
        if not grad_mode._state[0]:
            return outputs
        Tensor = _graph._Tensor
        need = [a for a in args if isinstance(a, Tensor) and a._rg]
        if not need:
            return outputs
        single = not isinstance(outputs, tuple)
        outs = (outputs,) if single else outputs
        node = _DelayedErrorNode(
            "trying to differentiate twice a function that was marked with @once_differentiable",
            collect_edges(need))
        wrapped = []
        for o in outs:
            if isinstance(o, Tensor) and o._dtype.category >= 2:
                o = o.detach()
                o._grad_fn, o._out_nr, o._rg = node, 0, True
            wrapped.append(o)
        return wrapped[0] if single else tuple(wrapped)
    return wrapper


class InplaceFunction(Function):
    """A Function with an ``inplace`` flag (torch.autograd.function.InplaceFunction)."""

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace


BackwardCFunction = _FunctionNode
