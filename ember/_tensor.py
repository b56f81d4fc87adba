"""ember.Tensor: a backend array with dtype, device and autograd state.

The class holds state and the protocol methods (conversion, printing,
autograd entry points). Its math methods and operators are bound from the
op registry by ``ember.ops._bind`` so that every op is defined once.
"""
from __future__ import annotations

import numpy as np

from . import _dtype as D
from ._device import CPU, as_device
from .autograd import engine as _engine
from .autograd import graph as _graph
from .autograd import grad_mode
from .ops import registry as _registry

_new = object.__new__


class Size(tuple):
    """A tensor's shape (torch.Size): a tuple of ints."""

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n

    def __repr__(self) -> str:
        return f"ember.Size([{', '.join(str(s) for s in self)}])"

    def __getitem__(self, item):
        r = tuple.__getitem__(self, item)
        return Size(r) if isinstance(item, slice) else r

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))

    def __reduce__(self):
        return (Size, (tuple(self),))


class Tensor:
    """A multi-dimensional array with autograd (torch.Tensor)."""

    # class-level defaults keep construction cheap: only _data, _dtype,
    # _device and _vc are set per tensor.
    _rg = False
    _grad = None
    _grad_fn = None
    _out_nr = 0
    _base = None
    _hooks = None
    _post_acc_hooks = None
    _retains = False
    _is_param = False
    _seen = 0  # for views: the version at which their history was recorded
    __array_priority__ = 1000

    def __new__(cls, *args, **kwargs):
        # the legacy constructor: Tensor([1, 2]) or Tensor(2, 3) (float32)
        from .ops.creation import _legacy_new
        return _legacy_new(cls, args, kwargs)

    # ------------------------------------------------------ properties
    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None):
        """The shape, or the length of dimension ``dim``."""
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_wrap_dim(dim, self._data.ndim)]

    @property
    def dtype(self) -> D.dtype:
        return self._dtype

    @property
    def device(self):
        return self._device

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        return self._data.ndim

    ndimension = dim

    def numel(self) -> int:
        return self._data.size

    nelement = numel

    @property
    def is_cuda(self) -> bool:
        return self._device.type == "cuda"

    @property
    def is_cpu(self) -> bool:
        return self._device.type == "cpu"

    is_meta = False
    is_xpu = False
    is_mps = False
    is_sparse = False
    is_quantized = False
    is_nested = False

    @property
    def layout(self):
        from . import strided
        return strided

    def is_floating_point(self) -> bool:
        return self._dtype.category == D.FLOAT

    def is_complex(self) -> bool:
        return self._dtype.category == D.COMPLEX

    def is_signed(self) -> bool:
        return self._dtype.is_signed

    def element_size(self) -> int:
        return self._dtype.itemsize

    @property
    def itemsize(self) -> int:
        return self._dtype.itemsize

    @property
    def nbytes(self) -> int:
        return self._data.size * self._dtype.itemsize

    def get_device(self) -> int:
        return -1 if self._device.type == "cpu" else (self._device.index or 0)

    # strides and memory ----------------------------------------------
    def stride(self, dim: int | None = None):
        """Strides in elements (as torch), or the stride of dimension ``dim``."""
        a = self._data
        if a.flags.c_contiguous and not (a.size == 0 and any(a.strides)):
            # NumPy may give size-1 dimensions any stride and new empty arrays zero
            # strides; torch's are canonical there. (An empty *view* keeps its strides.)
            strides, step = [], 1
            for n in reversed(a.shape):
                strides.append(step)
                step *= max(n, 1)
            strides = tuple(reversed(strides))
        else:
            item = a.itemsize
            strides = tuple(s // item for s in a.strides)
        if dim is None:
            return strides
        return strides[_wrap_dim(dim, self._data.ndim)]

    def _root_array(self):
        """The array owning this tensor's memory (NumPy's as_strided puts a
        wrapper object between a view and its base; look through it)."""
        a = self._data
        while True:
            b = a.base
            if isinstance(b, np.ndarray):
                a = b
            elif b is not None and isinstance(getattr(b, "base", None), np.ndarray):
                a = b.base
            else:
                return a

    def storage_offset(self) -> int:
        root = self._root_array()
        off = self._data.__array_interface__["data"][0] - root.__array_interface__["data"][0]
        return off // self._data.itemsize

    def data_ptr(self) -> int:
        return self._data.__array_interface__["data"][0]

    def is_contiguous(self, memory_format=None) -> bool:
        if memory_format is not None and memory_format is not _contiguous_format():
            from .ops.shape import is_contiguous_format
            return is_contiguous_format(self, memory_format)
        return self._data.flags.c_contiguous

    def is_set_to(self, other) -> bool:
        return self.data_ptr() == other.data_ptr() and self.shape == other.shape and \
            self.stride() == other.stride()

    # ---------------------------------------------------- autograd state
    @property
    def requires_grad(self) -> bool:
        return self._rg

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        """Set requires_grad on a leaf, in place; returns self."""
        requires_grad = bool(requires_grad)
        if self._grad_fn is not None:
            if not requires_grad:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables. If you want to use "
                    "a computed variable in a subgraph that doesn't require differentiation use "
                    "var_no_grad = var.detach().")
            return self
        if requires_grad and self._dtype.category < D.FLOAT:
            raise RuntimeError("only Tensors of floating point and complex dtype can require gradients")
        self._rg = requires_grad
        return self

    @property
    def grad(self):
        if self._grad_fn is not None and not self._retains and self._grad is None:
            import warnings
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its "
                ".grad attribute won't be populated during autograd.backward(). If you indeed want "
                "the .grad field to be populated for a non-leaf Tensor, use .retain_grad() on the "
                "non-leaf Tensor.", UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of "
                                f"type {type(value).__name__}")
            if value._dtype is not self._dtype:
                raise RuntimeError("assigned grad has data of a different type")
            if value._data.shape != self._data.shape:
                raise RuntimeError("assigned grad has data of a different size")
            if value._device != self._device:
                raise RuntimeError("assigned grad has data located on a different device")
        self._grad = value

    @grad.deleter
    def grad(self) -> None:
        self._grad = None

    def _fresh(self) -> "Tensor":
        """self, with a view's history re-derived if its memory was written since."""
        if self._base is not None and self._vc[0] != self._seen:
            from .autograd.views import refresh_view
            refresh_view(self)
        return self

    @property
    def grad_fn(self):
        return self._fresh()._grad_fn

    @property
    def is_leaf(self) -> bool:
        return self._grad_fn is None

    @property
    def output_nr(self) -> int:
        return self._out_nr

    @property
    def _version(self) -> int:
        return self._vc[0]

    @property
    def retains_grad(self) -> bool:
        return self._retains

    def retain_grad(self) -> None:
        """Keep .grad for this non-leaf tensor after backward."""
        self._fresh()
        if self._grad_fn is None:
            if not self._rg:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        import weakref
        node = self._grad_fn
        if node.retain_grads is None:
            node.retain_grads = {}
        node.retain_grads[self._out_nr] = weakref.ref(self)
        self._retains = True

    def register_hook(self, hook):
        """Call hook(grad) when this tensor's gradient is computed; it may return a new grad."""
        self._fresh()
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._grad_fn is None:
            if self._hooks is None:
                self._hooks = {}
            return _graph.RemovableHandle.add(self._hooks, hook)
        node = self._grad_fn
        if node.tensor_pre_hooks is None:
            node.tensor_pre_hooks = {}
        hooks = node.tensor_pre_hooks.setdefault(self._out_nr, [])
        hooks.append(hook)
        return _graph.RemovableHandle(hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """Call hook(tensor) after the gradient is accumulated into this leaf's .grad."""
        if self._grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if self._post_acc_hooks is None:
            self._post_acc_hooks = {}
        return _graph.RemovableHandle.add(self._post_acc_hooks, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None) -> None:
        """Accumulate the gradient of this tensor into the leaves' .grad."""
        self._fresh()
        if inputs is not None:
            inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
            if not inputs:
                raise RuntimeError("'inputs' argument to backward() cannot be empty.")
        _engine.run_backward([self], [gradient], retain_graph, create_graph, inputs=inputs)

    def detach(self) -> "Tensor":
        """A tensor sharing memory with this one, outside the graph."""
        out = _make(self._data, self._dtype, self._device)
        out._vc = self._vc  # shares memory and version, but is not a view (torch: _base None)
        return out

    def detach_(self) -> "Tensor":
        if self._base is not None and self._base._rg:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self._grad_fn = None
        self._rg = False
        return self

    @property
    def data(self) -> "Tensor":
        out = _make(self._data, self._dtype, self._device)
        out._vc = [0]
        return out

    @data.setter
    def data(self, value: "Tensor") -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, got {type(value).__name__}")
        self._data = value._data
        self._dtype = value._dtype
        self._device = value._device

    # --------------------------------------------------- conversions
    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.reshape(()).item() if self._dtype is not D.bfloat16 else \
            float(self._data.reshape(()))

    def tolist(self):
        if self._dtype is D.bfloat16:
            return self._data.astype(np.float32).tolist()
        return self._device.backend.to_numpy(self._data).tolist()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The tensor as a NumPy array, sharing memory on CPU."""
        if self._rg and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. "
                               "Use tensor.detach().numpy() instead.")
        if self._device.type != "cpu":
            if not force:
                raise TypeError(
                    f"can't convert {self._device.type}:{self._device.index or 0} device type "
                    "tensor to numpy. Use Tensor.cpu() to copy the tensor to host memory first.")
            return self._device.backend.to_numpy(self._data)
        return self._data

    def __array__(self, dtype=None, copy=None):
        arr = self._device.backend.to_numpy(self._data)
        if dtype is not None:
            return arr.astype(dtype, copy=False)
        return arr

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def _one_value(self, what: str):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self.item()

    def __bool__(self) -> bool:
        if self._data.size != 1:
            what = "no values" if self._data.size == 0 else "more than one value"
            raise RuntimeError(f"Boolean value of Tensor with {what} is ambiguous")
        return bool(self.item())

    def __float__(self) -> float:
        return float(self._one_value("float"))

    def __int__(self) -> int:
        return int(self._one_value("int"))

    def __complex__(self) -> complex:
        return complex(self._one_value("complex"))

    def __index__(self) -> int:
        if self._dtype.category != D.INT or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    __hash__ = object.__hash__

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0:
            return format(self.item(), spec)
        return object.__format__(self, spec)

    def __repr__(self) -> str:
        from ._printing import tensor_repr
        return tensor_repr(self)

    def __deepcopy__(self, memo):
        if self._grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support "
                               "the deepcopy protocol at the moment.")
        if id(self) in memo:
            return memo[id(self)]
        out = _make(self._data.copy(), self._dtype, self._device)
        out._rg = self._rg
        if type(self) is not Tensor:
            out = type(self)._from_tensor(out, self) if hasattr(type(self), "_from_tensor") else out
        memo[id(self)] = out
        if self._grad is not None:
            out._grad = self._grad.__deepcopy__(memo)
        import copy
        for k, v in self.__dict__.items():
            if k not in ("_data", "_dtype", "_device", "_vc", "_rg", "_grad"):
                out.__dict__[k] = copy.deepcopy(v, memo)
        return out

    def __reduce_ex__(self, protocol):
        return (_rebuild, (self._device.backend.to_numpy(self._data), self._dtype.name,
                           str(self._device), self._rg))

    def __setstate__(self, state):
        self.__dict__.update(state)

    # devices --------------------------------------------------------
    def cpu(self, memory_format=None) -> "Tensor":
        return self.to("cpu")

    def cuda(self, device=None, non_blocking: bool = False, memory_format=None) -> "Tensor":
        return self.to(as_device("cuda" if device is None else device)
                       if not isinstance(device, int) else f"cuda:{device}")

    def pin_memory(self, device=None) -> "Tensor":
        return self

    def is_pinned(self, device=None) -> bool:
        return False

    def share_memory_(self) -> "Tensor":
        return self

    def is_shared(self) -> bool:
        return False


def _contiguous_format():
    from . import contiguous_format
    return contiguous_format


def _rebuild(array, dtype_name, device, requires_grad):
    t = _make(np.array(array), D._BY_NAME[dtype_name], as_device(device))
    t._rg = requires_grad
    return t


def _make(array, dtype, device=CPU):
    """Wrap a backend array (no copy): the internal constructor."""
    t = _new(Tensor)
    t._data = array
    t._dtype = dtype
    t._device = device
    t._vc = [0]
    return t


def _wrap_dim(dim: int, ndim: int) -> int:
    lim = max(ndim, 1)
    if not -lim <= dim < lim:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-lim}, {lim - 1}], but got {dim})")
    return dim % lim if ndim else 0


# wire the internal constructor into the modules that need it
_registry._Tensor = Tensor
_registry._make = _make
_graph._Tensor = Tensor
_graph._make = _make
_engine._Tensor = Tensor
_engine._make = _make
_ = grad_mode
