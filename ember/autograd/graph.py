"""Autograd graph nodes.

A Node is one recorded op application. Its ``next`` holds one edge per input
position: ``(node, output_nr)`` for an input with history, ``(tensor, 0)``
for a leaf that requires grad (gradients accumulate into it), or None. It
keeps the input shapes and dtypes so the engine can reduce broadcast
gradients and cast them back without the op's rule doing so.

Saved values hold arrays and version numbers, not the output Tensors
themselves, so that no reference cycle forms (as torch's SavedVariable).
"""
from __future__ import annotations

import itertools

from . import anomaly as _anomaly

_seq = itertools.count()
_Tensor = None  # set by ember._tensor
_make = None

_FREED_MSG = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward.")


def _refresh_view(t):
    from .views import refresh_view
    refresh_view(t)


def collect_edges(args):
    """One edge per input position (see module docstring)."""
    edges = []
    for a in args:
        if isinstance(a, _Tensor) and a._base is not None and a._vc[0] != a._seen:
            _refresh_view(a)
        if isinstance(a, _Tensor) and a._rg:
            fn = a._grad_fn
            if fn is None:
                edges.append((a, 0, a._data.shape, a._dtype))
            else:
                edges.append((fn, a._out_nr, a._data.shape, a._dtype))
        else:
            edges.append(None)
    return edges


class Node:
    """One recorded op application (``tensor.grad_fn``)."""

    # rarely set fields are class defaults so that recording a node is cheap
    _inputs = None
    _in_versions = None
    _outs = None
    _released = False
    pre_hooks = None
    hooks = None
    tensor_pre_hooks = None   # {output_nr: [hook]}
    retain_grads = None       # {output_nr: weakref to tensor}
    anomaly_trace = None
    out_meta = None           # per output (shape, dtype, device) of multi-output ops
    _metadata = None
    _empty_params: dict = {}

    def __init__(self, op, params, edges):
        self.op = op
        self.params = params or self._empty_params
        self.next = edges
        self.seq = next(_seq)
        if _anomaly.enabled[0]:
            self.anomaly_trace = _anomaly.creation_trace()

    @property
    def metadata(self) -> dict:
        if self._metadata is None:
            self._metadata = {}
        return self._metadata

    # ---------------------------------------------------------- saving
    def save_inputs(self, args):
        self._inputs = args
        self._in_versions = tuple(a._vc[0] if isinstance(a, _Tensor) else None for a in args)

    def save_outputs(self, outs):
        self._outs = tuple((o._data, o._dtype, o._device, o._vc, o._vc[0]) for o in outs)

    @property
    def inputs(self) -> tuple:
        """The saved inputs (Tensors and numbers, in argument order)."""
        if self._released:
            raise RuntimeError(_FREED_MSG)
        args = self._inputs
        for a, v in zip(args, self._in_versions):
            if v is not None and a._vc[0] != v:
                self._raise_modified(a, v, a._vc[0])
        return args

    @property
    def out(self):
        """The saved first output, re-attached to this node for double backward."""
        return self.saved_output(0)

    def saved_output(self, i: int):
        if self._released:
            raise RuntimeError(_FREED_MSG)
        data, dtype, device, vc, version = self._outs[i]
        if vc[0] != version:
            t = _make(data, dtype, device)
            self._raise_modified(t, version, vc[0], output_nr=i)
        t = _make(data, dtype, device)
        t._vc = vc
        if dtype.category >= 2 and i in self.op.diff_outputs:
            t._grad_fn, t._out_nr, t._rg = self, i, True
        return t

    def _raise_modified(self, t, expected, actual, output_nr=None):
        where = f", which is output {output_nr} of {self.name()}," if output_nr is not None else ""
        raise RuntimeError(
            "one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: [{t.type()} {list(t.shape)}]{where} is at version {actual}; "
            f"expected version {expected} instead. Hint: the backtrace further above can show "
            "the operation that failed to compute its gradient, with torch.autograd."
            "set_detect_anomaly(True).")

    def release(self):
        if self._inputs is not None or self._outs is not None:
            self._inputs = None
            self._outs = None
            self._released = True

    # ------------------------------------------------------ evaluation
    @property
    def params_view(self):
        return self.params

    @property
    def needs_input_grad(self) -> tuple:
        return tuple(e is not None for e in self.next)

    def input_shape(self, i: int) -> tuple:
        """Shape of differentiable input ``i`` (recorded on its edge)."""
        return self.next[i][2]

    def input_dtype(self, i: int):
        return self.next[i][3]

    def apply(self, grads):
        """Input gradients for the given output gradients."""
        return self.op.backward(self, *grads)

    def num_outputs(self) -> int:
        return self.op.nout

    def __lt__(self, other) -> bool:  # heap ties never happen (seq is unique)
        return self.seq < other.seq

    # ----------------------------------------------------- torch's API
    def name(self) -> str:
        return self.op.node_name

    @property
    def next_functions(self) -> tuple:
        out = []
        for e in self.next:
            if e is None:
                out.append((None, 0))
            elif isinstance(e[0], _Tensor):
                out.append((AccumulateGrad(e[0]), 0))
            else:
                out.append((e[0], e[1]))
        return tuple(out)

    def register_hook(self, fn):
        """fn(grad_inputs, grad_outputs) runs after this node; may return new grad_inputs."""
        if self.hooks is None:
            self.hooks = []
        self.hooks.append(fn)
        return _RemovableHandle(self.hooks, fn)

    def register_prehook(self, fn):
        """fn(grad_outputs) runs before this node; may return new grad_outputs."""
        if self.pre_hooks is None:
            self.pre_hooks = []
        self.pre_hooks.append(fn)
        return _RemovableHandle(self.pre_hooks, fn)

    def __call__(self, *grads):
        return self.apply(grads)

    def __repr__(self) -> str:
        return f"<{self.name()} object at {hex(id(self))}>"


class AccumulateGrad:
    """The node a leaf's gradient flows into (seen through next_functions)."""

    def __init__(self, variable):
        self.variable = variable
        self.next_functions = ()

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {hex(id(self))}>"


class _RemovableHandle:
    _ids = itertools.count()

    def __init__(self, container, item):
        self._container = container
        self._item = item
        self.id = next(self._ids)

    @classmethod
    def add(cls, table: dict, hook, prepend: bool = False) -> "_RemovableHandle":
        """Put hook into the dict ``table`` under a fresh key (first when
        ``prepend``) and return the handle that removes it."""
        handle = cls(table, None)
        handle._item = key = handle.id
        if prepend:
            items = list(table.items())
            table.clear()
            table[key] = hook
            table.update(items)
        else:
            table[key] = hook
        return handle

    def remove(self):
        c = self._container
        if isinstance(c, dict):
            c.pop(self._item, None)
        elif self._item in c:
            c.remove(self._item)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


RemovableHandle = _RemovableHandle
