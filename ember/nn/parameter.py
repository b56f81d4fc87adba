"""Parameter, Buffer and the uninitialized placeholders of lazy modules."""
from __future__ import annotations

from .._tensor import Tensor, _make


class Parameter(Tensor):
    """A Tensor that a Module registers as a parameter when assigned as an
    attribute (torch.nn.Parameter(data=None, requires_grad=True)). It shares
    memory with ``data``; results of ops on it are plain Tensors."""

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True):
        if data is None:
            from ..ops.creation import empty
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter data must be a Tensor, got {type(data).__name__}")
        p = object.__new__(cls)
        p._data = data._data
        p._dtype = data._dtype
        p._device = data._device
        p._vc = data._vc
        if requires_grad:
            p.requires_grad_(True)
        return p

    def __init__(self, data=None, requires_grad: bool = True):
        pass

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        out = type(self)(_make(self._data.copy(), self._dtype, self._device), self._rg)
        memo[id(self)] = out
        if self._grad is not None:
            out._grad = self._grad.__deepcopy__(memo)
        return out

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (Tensor.__reduce_ex__(self, protocol), self._rg))


def _rebuild_parameter(tensor_reduce, requires_grad):
    fn, args = tensor_reduce
    return Parameter(fn(*args), requires_grad)


class _BufferMeta(type):
    # Buffer(t) returns t itself, marked; isinstance checks the mark (as torch)
    def __instancecheck__(cls, instance) -> bool:
        return isinstance(instance, Tensor) and getattr(instance, "_is_buffer", False)


class Buffer(metaclass=_BufferMeta):
    """Marks a Tensor as a buffer: assigning ``Buffer(t, persistent=True)`` to a
    Module attribute registers it like register_buffer (torch.nn.Buffer)."""

    def __new__(cls, data: Tensor | None = None, *, persistent: bool = True):
        if data is None:
            from ..ops.creation import empty
            data = empty(0)
        t = data.detach() if data.requires_grad else data
        t._is_buffer = True
        t._buffer_persistent = persistent
        return t


class UninitializedTensorMixin:
    """Shared behaviour of the placeholders that lazy modules materialize on
    their first call."""

    def materialize(self, shape, device=None, dtype=None) -> None:
        """Turn this placeholder into a real tensor of ``shape`` (uninitialized values)."""
        from .. import _dtype as D
        from .._device import as_device
        from ..ops.creation import empty
        if isinstance(shape, int):
            shape = (shape,)
        t = empty(tuple(shape), dtype=dtype or self._dtype or D.get_default_dtype(),
                  device=as_device(device) if device is not None else self._device)
        self._data, self._dtype, self._device = t._data, t._dtype, t._device
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError(
            "Can't access the shape of an uninitialized parameter or buffer. This error usually "
            "happens in `load_state_dict` when trying to load an uninitialized parameter into an "
            "initialized one. Call `forward` to initialize the parameters before accessing their "
            "attributes.")

    def numel(self):
        raise RuntimeError(
            "Can't access the number of elements of an uninitialized parameter or buffer. Call "
            "`forward` to initialize the parameters before accessing their attributes.")

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A parameter whose shape is not known yet (lazy modules)."""

    cls_to_become = Parameter

    def __new__(cls, requires_grad: bool = True, device=None, dtype=None):
        from .. import _dtype as D
        from .._device import as_device
        from ..ops.creation import empty
        data = empty(0, dtype=dtype or D.get_default_dtype(), device=as_device(device))
        return Parameter.__new__(cls, data, requires_grad)

    def __init__(self, *args, **kwargs):
        pass


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer whose shape is not known yet (lazy modules)."""

    cls_to_become = Tensor

    def __new__(cls, requires_grad: bool = False, device=None, dtype=None):
        from .. import _dtype as D
        from .._device import as_device
        from ..ops.creation import empty
        t = empty(0, dtype=dtype or D.get_default_dtype(), device=as_device(device))
        t.__class__ = cls
        return t

    def __init__(self, *args, **kwargs):
        pass


def is_lazy(param) -> bool:
    """Whether param is an uninitialized placeholder."""
    return isinstance(param, UninitializedTensorMixin)
