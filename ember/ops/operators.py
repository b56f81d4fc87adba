"""Python operators on Tensor (+, -, *, /, //, %, **, @, comparisons, bitwise,
unary and their reflected and in-place forms), bound to the registry's ops."""
from __future__ import annotations

import numbers

import numpy as np

from .registry import OPS, dispatch, dispatch_inplace


def _operand(other, tensor_cls):
    """Tensor and Python numbers pass; NumPy scalars become Python numbers;
    anything else makes the operator return NotImplemented."""
    cls = other.__class__
    if cls is int or cls is float or cls is bool or isinstance(other, tensor_cls):
        return other
    if isinstance(other, np.generic):
        return other.item()
    if isinstance(other, numbers.Number):
        return other
    if isinstance(other, np.ndarray):
        from .creation import tensor
        return tensor(other)
    return NotImplemented


def _forward(op, tensor_cls):
    def method(self, other):
        other = _operand(other, tensor_cls)
        if other is NotImplemented:
            return NotImplemented
        return dispatch(op, (self, other))
    return method


def _reflected(op, tensor_cls):
    def method(self, other):
        other = _operand(other, tensor_cls)
        if other is NotImplemented:
            return NotImplemented
        return dispatch(op, (other, self))
    return method


def _inplace(op, tensor_cls):
    def method(self, other):
        other = _operand(other, tensor_cls)
        if other is NotImplemented:
            return NotImplemented
        return dispatch_inplace(op, self, (self, other))
    return method


_BINARY = {
    "add": "add", "sub": "sub", "mul": "mul", "truediv": "div", "floordiv": "floor_divide",
    "mod": "remainder", "pow": "pow", "and": "bitwise_and", "or": "bitwise_or",
    "xor": "bitwise_xor", "lshift": "bitwise_left_shift", "rshift": "bitwise_right_shift",
}
_COMPARE = {"eq": "eq", "ne": "ne", "lt": "lt", "le": "le", "gt": "gt", "ge": "ge"}


def bind_operators(cls) -> None:
    for dunder, opname in _BINARY.items():
        op = OPS[opname]
        setattr(cls, f"__{dunder}__", _forward(op, cls))
        setattr(cls, f"__r{dunder}__", _reflected(op, cls))
        setattr(cls, f"__i{dunder}__", _inplace(op, cls))
    for dunder, opname in _COMPARE.items():
        setattr(cls, f"__{dunder}__", _forward(OPS[opname], cls))

    def __neg__(self):
        return dispatch(OPS["neg"], (self,))

    def __pos__(self):
        return self

    def __abs__(self):
        return dispatch(OPS["abs"], (self,))

    def __invert__(self):
        return dispatch(OPS["bitwise_not"], (self,))

    def __matmul__(self, other):
        if not isinstance(other, cls):
            return NotImplemented
        return cls.matmul(self, other)

    def __rmatmul__(self, other):
        if not isinstance(other, cls):
            return NotImplemented
        return cls.matmul(other, self)

    for f in (__neg__, __pos__, __abs__, __invert__, __matmul__, __rmatmul__):
        setattr(cls, f.__name__, f)
    cls.__hash__ = object.__hash__  # __eq__ is elementwise; hash stays identity
