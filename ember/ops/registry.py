"""The operator registry and the one dispatch path.

An operator is declared once, with ``defop``:

    @defop("exp", dtypes=FLOAT_RESULT, saves=OUTPUT)
    def exp(xp, x):
        return xp.exp(x)

    @exp.defgrad
    def _(ctx, grad):
        return (grad * ctx.out,)

The forward runs on backend arrays (``xp`` is numpy or cupy); the backward is
written with ember ops on Tensors, so it is itself differentiable. ``ctx`` is
the autograd Node: ``ctx.inputs`` (saved input tensors), ``ctx.out`` (saved
output), ``ctx.params`` (the non-tensor arguments) and ``ctx.needs_input_grad``.
Backward returns one gradient (or None) per input; the engine sums gradients
of broadcast inputs back to their shapes and casts them to the input dtype,
so rules stay short.

``dispatch`` is the only place that checks devices, promotes dtypes, runs the
forward, wraps outputs, bumps versions and records autograd nodes.
"""
from __future__ import annotations

import numpy as np

from .. import _dtype as D
from ..autograd import grad_mode
from ..autograd.graph import Node, collect_edges

OPS: dict = {}
_ALL_OPS_CACHES: list = []


def clear_dtype_caches() -> None:
    """Forget cached dtype-rule results (the default dtype changed)."""
    for op in _ALL_OPS_CACHES:
        if op._cache is not None:
            op._cache.clear()


def cacheable(rule=None, *, params: tuple = ()):
    """Mark a dtype rule whose result depends only on the dtypes of tensor
    arguments, whether they are 0-dim, the Python types of number arguments
    and the values of the keyword ``params`` named (such as ``dtype=``).

    Use as ``@cacheable`` or ``@cacheable(params=("dtype",))``."""
    def mark(rule):
        rule.cacheable = True
        rule.cache_params = tuple(params)
        return rule
    return mark if rule is None else mark(rule)

# what a node saves for backward
NONE, INPUTS, OUTPUT, BOTH = 0, 1, 2, 3

_grad_state = grad_mode._state
_Tensor = None  # set by ember._tensor to break the import cycle
_make = None


# ------------------------------------------------------------ dtype rules
def _promote(args) -> D.dtype:
    """torch's result_type over a tuple of Tensors and Python numbers."""
    first = None
    for a in args:
        if a.__class__ is _Tensor or isinstance(a, _Tensor):
            if first is None:
                first = a._dtype
            elif a._dtype is not first:
                break
        else:
            break
    else:
        return first
    dims, zeros, scalars = [], [], []
    for a in args:
        if isinstance(a, _Tensor):
            (dims if a._data.ndim else zeros).append(a._dtype)
        elif a is not None:
            scalars.append(D.scalar_dtype(a))
    return D.result_type_of(dims, zeros, scalars)


@cacheable
def PROMOTE(args, params):
    """Compute and return torch's promoted dtype (add, mul, maximum...)."""
    d = _promote(args)
    return d, d


@cacheable
def FLOAT_RESULT(args, params):
    """Promote, then integers and bool become the default float (exp, div...)."""
    d = _promote(args)
    if d.category < D.FLOAT:
        d = D.get_default_dtype()
    return d, d


@cacheable
def BOOL_RESULT(args, params):
    """Compare in the promoted dtype, return bool (eq, lt, isnan...)."""
    return _promote(args), D.bool_


@cacheable
def REAL_RESULT(args, params):
    """Promote; a complex input gives its real dtype (abs, angle)."""
    d = _promote(args)
    return d, d.to_real()


@cacheable
def FLOAT_REAL_RESULT(args, params):
    """Integers become the default float; complex gives its real dtype (angle)."""
    d, _ = FLOAT_RESULT(args, params)
    return d, d.to_real()


@cacheable
def KEEP(args, params):
    """No promotion: the output dtype is read off the result array."""
    return None, None


# ------------------------------------------------------------------- Op
class Op:
    """One operator: forward on arrays, derivative with ember ops, dtype rule."""

    __slots__ = ("name", "forward", "backward", "_dtypes", "saves", "view",
                 "nout", "diff_outputs", "node_name", "inplace_forward", "_cache",
                 "_cache_params", "__dict__")

    def __init__(self, name, forward, dtypes, saves, view, nout, diff_outputs):
        self.name = name
        self.forward = forward
        self.backward = None
        self._cache = None
        self.dtypes = dtypes
        self.saves = saves
        self.view = view
        self.nout = nout
        # which outputs carry gradients (indices, sort, argmax... do not)
        self.diff_outputs = diff_outputs if diff_outputs is not None else tuple(range(nout))
        self.node_name = "".join(p.capitalize() for p in name.strip("_").split("_")) + "Backward0"
        self.inplace_forward = None

    @property
    def dtypes(self):
        return self._dtypes

    @dtypes.setter
    def dtypes(self, rule):
        self._dtypes = rule
        # results of rules that depend only on the argument dtypes are cached
        self._cache = {} if getattr(rule, "cacheable", False) else None
        self._cache_params = getattr(rule, "cache_params", ())
        _ALL_OPS_CACHES.append(self)

    def defgrad(self, fn):
        """Register the backward rule: fn(ctx, *grads) -> tuple of input grads."""
        self.backward = fn
        return fn

    def __call__(self, *inputs, **params):
        return dispatch(self, inputs, params)

    def __repr__(self) -> str:
        return f"<ember op {self.name}>"


def defop(name: str, *, dtypes=KEEP, saves=NONE, view=False, nout=1, diff_outputs=None):
    """Declare an operator from its forward function (see module docstring)."""
    def register(forward):
        if name in OPS:
            raise ValueError(f"operator {name!r} is defined twice")
        op = Op(name, forward, dtypes, saves, view, nout, diff_outputs)
        OPS[name] = op
        return op
    return register


# -------------------------------------------------------------- dispatch
def _check_devices(tensors):
    dev = None
    for t in tensors:
        d = t._device
        if dev is None:
            dev = d
        elif d is not dev and t._data.ndim:
            if dev.type == "cpu" and t._data.ndim == 0:
                continue
            raise RuntimeError(
                f"Expected all tensors to be on the same device, but found at least two devices, "
                f"{dev} and {d}!")
    return dev


def _prepare(op, args, params):
    """Arrays for the forward (cast to the compute dtype), the tensors among
    the inputs, whether one requires grad, the device and the output dtype.

    This is the hot path: one pass gathers arrays and the dtype key; a
    cacheable rule's result (and which arguments need a cast) is looked up."""
    key = []
    arrays = []
    tensors = []
    device = None
    for a in args:
        if isinstance(a, _Tensor):
            arr = a._data
            key.append(a._dtype if arr.ndim else (a._dtype, 0))
            arrays.append(arr)
            tensors.append(a)
            if device is not a._device:
                device = a._device if device is None else _check_devices(tensors)
        else:
            key.append(a.__class__)
            arrays.append(a)
    cache = op._cache
    if cache is not None:
        if op._cache_params and params:
            for name in op._cache_params:
                key.append(params.get(name))
        key = tuple(key)
        entry = cache.get(key)
        if entry is None:
            entry = cache[key] = _rule_entry(op, args, params)
    else:
        entry = _rule_entry(op, args, params)
    compute, out_dtype, needs_cast = entry
    if needs_cast:
        np_dtype = compute.np
        for i, a in enumerate(arrays):
            if a is None:
                continue
            if a.__class__ is np.ndarray or hasattr(a, "dtype") and hasattr(a, "shape"):
                if a.dtype is not np_dtype:
                    arrays[i] = a.astype(np_dtype, copy=False)
            else:
                arrays[i] = _scalar_for(a, compute)
    return arrays, tensors, device, out_dtype


def _rule_entry(op, args, params):
    compute, out_dtype = op._dtypes(args, params)
    needs_cast = compute is not None and (
        compute.category == D.INT or
        any(isinstance(a, _Tensor) and a._dtype is not compute for a in args))
    return compute, out_dtype, needs_cast


def _scalar_for(value, compute):
    """A Python number as a forward argument. NumPy treats it as a weak scalar
    like torch; integers outside a small int dtype wrap around as in torch."""
    if compute is not None and compute.category == D.INT and value.__class__ is int:
        info = np.iinfo(compute.np)
        if not info.min <= value <= info.max:
            return np.array(value, dtype=np.int64).astype(compute.np)
    return value


def dispatch(op: Op, args: tuple, params: dict | None = None):
    """Run ``op`` on ``args`` (Tensors and Python numbers) and return Tensor(s)."""
    arrays, tensors, device, out_dtype = _prepare(op, args, params)
    if device is None:
        from .._device import get_default_device
        device = get_default_device()
    try:
        result = op.forward(device.xp, *arrays, **params) if params else \
            op.forward(device.xp, *arrays)
    except ValueError:
        _check_broadcast(tensors)
        raise

    record = False
    if _grad_state[0] and op.backward is not None:
        for t in tensors:
            # (a view whose memory was written in place may have gained a history)
            if t._rg or t._base is not None and t._vc[0] != t._seen and t._fresh()._rg:
                record = True
                break
    if op.nout == 1:
        out = _wrap(result, out_dtype, device, tensors[0] if op.view else None)
        if record:
            _record(op, args, tensors, params, (out,))
        return out
    outs = tuple(_wrap(r, out_dtype if i in op.diff_outputs else None, device,
                       tensors[0] if op.view else None) for i, r in enumerate(result))
    if record:
        _record(op, args, tensors, params, outs)
    return outs


def _check_broadcast(tensors):
    """torch's RuntimeError when elementwise inputs do not broadcast."""
    _check_broadcast_shapes([t._data.shape for t in tensors])


def _check_broadcast_shapes(shapes):
    out = ()
    for shape in shapes:
        n = max(len(out), len(shape))
        a, b = (1,) * (n - len(out)) + tuple(out), (1,) * (n - len(shape)) + tuple(shape)
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y and x != 1 and y != 1:
                raise RuntimeError(
                    f"The size of tensor a ({x}) must match the size of tensor b ({y}) at "
                    f"non-singleton dimension {i}")
        out = tuple(max(x, y) for x, y in zip(a, b))


def _wrap(result, dtype, device, view_of):
    if result.__class__ is not np.ndarray:
        result = device.xp.asarray(result)
    if dtype is None:
        dtype = D.from_numpy_dtype(result.dtype)
    elif result.dtype is not dtype.np and result.dtype != dtype.np:
        result = result.astype(dtype.np)
    out = _make(result, dtype, device)
    if view_of is not None:
        out._vc = view_of._vc
        out._base = view_of._base if view_of._base is not None else view_of
        out._seen = view_of._vc[0]  # the version its history describes
    return out


def _record(op, args, tensors, params, outs):
    node = Node(op, params, collect_edges(args))
    saves = op.saves
    if saves & INPUTS:
        node.save_inputs(args)
    if saves & OUTPUT:
        node.save_outputs(outs)
    if len(outs) > 1:  # the engine gives unused differentiable outputs zero grads
        node.out_meta = [(o._data.shape, o._dtype, o._device) if i in op.diff_outputs else None
                         for i, o in enumerate(outs)]
    for i in op.diff_outputs:
        o = outs[i]
        if o._dtype.category >= D.FLOAT:
            o._grad_fn = node
            o._out_nr = i
            o._rg = True
    return node


# ------------------------------------------------------ in-place and out=
def dispatch_inplace(op: Op, target, args: tuple, params: dict | None = None):
    """Run ``op`` out of place on ``args`` and write the result into ``target``
    (which is one of ``args``), rebasing its autograd history."""
    record = False
    if _grad_state[0] and op.backward is not None:
        for a in args:
            if isinstance(a, _Tensor) and (a._rg or a._base is not None and a._vc[0] != a._seen
                                           and a._fresh()._rg):
                record = True
                break
    if record:
        _check_inplace_allowed(target)
    arrays, tensors, device, out_dtype = _prepare(op, args, params)
    if len(tensors) > 1 and op.name not in _REGION_WRITES:
        check_no_partial_overlap(target._data, [t._data for t in tensors if t is not target])
    if record and op.saves & INPUTS:
        # the rule needs the old value of target: keep it, with its history
        old = _make(target._data.copy(), target._dtype, target._device)
        old._grad_fn, old._out_nr, old._rg = target._grad_fn, target._out_nr, target._rg
        args = tuple(old if a is target else a for a in args)
    if op.inplace_forward is not None and arrays[0] is target._data:
        # the op writes into target's memory itself (no full-size temporary)
        _check_writable(target, out_dtype, op.name)
        op.inplace_forward(device.xp, *arrays, **(params or {}))
        target._vc[0] += 1
    else:
        try:
            result = op.forward(device.xp, *arrays, **params) if params else \
                op.forward(device.xp, *arrays)
        except ValueError:
            _check_broadcast(tensors)
            raise
        if op.nout != 1:
            result = result[0]
        _write_into(target, result, out_dtype, op.name)
    if record:
        if target._base is not None:
            from ..autograd.views import rebase_view
            rebase_view(op, target, args, params)
        else:
            _record_inplace(op, target, args, params)
    return target


def _check_inplace_allowed(target):
    if target._rg and target._grad_fn is None and target._base is None:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    base = target._base
    if base is not None and base._rg and base._grad_fn is None:
        raise RuntimeError(
            "a view of a leaf Variable that requires grad is being used in an in-place operation.")


def check_inplace_shape(tshape: tuple, *shapes: tuple) -> None:
    """torch's error when operands broadcast to more than the in-place target."""
    try:
        full = np.broadcast_shapes(tshape, *shapes)
    except ValueError:
        _check_broadcast_shapes([tshape, *shapes])
        raise
    if full != tshape:
        raise RuntimeError(f"output with shape {list(tshape)} doesn't match the broadcast shape "
                           f"{list(full)}")


def _write_into(target, result, result_dtype, name):
    tshape = target._data.shape
    rshape = getattr(result, "shape", ())
    if rshape != tshape:
        check_inplace_shape(tshape, rshape)
    _check_writable(target, result_dtype, name)
    target._data[...] = result
    target._vc[0] += 1


def _check_writable(target, result_dtype, name):
    if result_dtype is not None and not D.can_cast(result_dtype, target._dtype):
        raise RuntimeError(
            f"result type {_torch_type_name(result_dtype)} can't be cast to the desired output "
            f"type {_torch_type_name(target._dtype)}")
    if name not in _OVERLAP_ALLOWED and not target._data.flags.c_contiguous:
        _check_no_internal_overlap(target._data)


# torch lets these write into an expanded (self-overlapping) tensor
_OVERLAP_ALLOWED = {"copy_", "fill_"}
# ops that write a region of the target, not all of it (x[i] = v): the caller checks
_REGION_WRITES = {"index_put"}


def check_no_partial_overlap(out, inputs) -> None:
    """torch's refusal when an input shares some, but not all, of the memory
    the in-place result is written to (x[1:].add_(x[:-1])): the answer would
    depend on the order elements are visited in. ``out`` is an array, ``inputs``
    arrays or other values."""
    for a in inputs:
        if a is out or a.__class__ is not out.__class__ or not np.may_share_memory(out, a):
            continue
        if out.size == 0 or a.size == 0 or not (_dense(out) and _dense(a)):
            continue  # torch does not look further ("too hard" to tell)
        same_range = _byte_bounds(out) == _byte_bounds(a)
        if not same_range or out.strides != a.strides:
            raise RuntimeError(
                "unsupported operation: some elements of the input tensor and the written-to "
                "tensor refer to a single memory location. Please clone() the tensor before "
                "performing the operation.")


def _dense(a) -> bool:
    """Whether the array's elements fill its memory range exactly once (some
    order of its dims is contiguous)."""
    if a.flags.c_contiguous or a.flags.f_contiguous:
        return True
    expected = a.itemsize
    for stride, size in sorted((abs(s), n) for s, n in zip(a.strides, a.shape) if n != 1):
        if stride != expected:
            return False
        expected *= size
    return True


def _byte_bounds(a) -> tuple:
    start = a.__array_interface__["data"][0]
    return start, start + a.size * a.itemsize


def _check_no_internal_overlap(array):
    for n, s in zip(array.shape, array.strides):
        if s == 0 and n > 1:
            raise RuntimeError(
                "unsupported operation: more than one element of the written-to tensor refers to "
                "a single memory location. Please clone() the tensor before performing the "
                "operation.")


def _record_inplace(op, target, args, params):
    """The in-place op's node takes the target's old history as its input
    (``args`` holds a snapshot of the old target when the rule saves inputs)."""
    node = Node(op, params, collect_edges(args))
    if op.saves & INPUTS:
        node.save_inputs(args)
    if op.saves & OUTPUT:
        node.save_outputs((target,))
    target._grad_fn = node
    target._out_nr = 0
    target._rg = True
    return node


def write_out(out, result):
    """Copy a computed result into a user's ``out=`` tensor (resizing it like torch)."""
    if not isinstance(out, _Tensor):
        raise TypeError(f"argument 'out' must be Tensor, not {type(out).__name__}")
    if _grad_state[0] and (out._rg or result._rg):
        raise RuntimeError(
            "functions with out=... arguments don't support automatic differentiation, "
            "but one of the arguments requires grad.")
    if not D.can_cast(result._dtype, out._dtype):
        raise RuntimeError(
            f"result type {_torch_type_name(result._dtype)} can't be cast to the desired output "
            f"type {_torch_type_name(out._dtype)}")
    if out._data.shape != result._data.shape:
        out._data = np.empty(result._data.shape, dtype=out._dtype.np)
    out._data[...] = result._data
    out._vc[0] += 1
    return out


_TORCH_TYPE_NAMES = {
    "bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int",
    "int64": "Long", "float16": "Half", "bfloat16": "BFloat16", "float32": "Float",
    "float64": "Double", "complex64": "ComplexFloat", "complex128": "ComplexDouble",
}


def _torch_type_name(d) -> str:
    return _TORCH_TYPE_NAMES[d.name]
