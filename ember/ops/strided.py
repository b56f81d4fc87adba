"""Views that pick part of a tensor's memory: narrow, select, unbind,
diagonal, unfold, as_strided, and the complex views real, imag,
view_as_real and view_as_complex (plus conj, resolve_conj, resolve_neg).

Their gradients go through one pair of linear ops: ``_strided_scatter``
writes a gradient into zeros laid out contiguously through a strided
geometry (size, stride, offset), and ``_strided_gather`` reads one back
out; each is the other's derivative, so every order of gradient works.
"""
from __future__ import annotations

import operator

from .. import _dtype as D
from ._api import export
from .registry import KEEP, dispatch, defop
from .shape import (_register_properties, as_view, contiguous_strides, elem_strides, prod,
                    size_arg, wrap_dim)


# ------------------------------------------------- scatter / gather pair
def _overlaps(size, stride) -> bool:
    """Whether two indices of the geometry can reach the same element."""
    dims = sorted((st, n) for n, st in zip(size, stride) if n > 1)
    reach = 0
    for st, n in dims:
        if st <= reach:
            return True
        reach += st * (n - 1)
    return False


def _index_array(xp, size, stride, offset):
    idx = xp.full((), offset, dtype="int64")
    for d, (n, st) in enumerate(zip(size, stride)):
        shape = [1] * len(size)
        shape[d] = n
        idx = idx + (xp.arange(n, dtype="int64") * st).reshape(shape)
    return xp.broadcast_to(idx, tuple(size))


@defop("_strided_scatter", dtypes=KEEP)
def _strided_scatter(xp, g, shape, size, stride, offset):
    out = xp.zeros(prod(shape), dtype=g.dtype)
    if prod(size):
        if _overlaps(size, stride):
            xp.add.at(out, _index_array(xp, size, stride, offset).ravel(), g.ravel())
        else:
            as_view(xp, out, size, stride, offset)[...] = g
    return out.reshape(shape)


@defop("_strided_gather", dtypes=KEEP)
def _strided_gather(xp, h, shape, size, stride, offset):
    flat = xp.ascontiguousarray(h).reshape(-1)
    return as_view(xp, flat, size, stride, offset).copy()


@_strided_scatter.defgrad
def _(ctx, g):
    return (dispatch(_strided_gather, (g,), ctx.params),)


@_strided_gather.defgrad
def _(ctx, g):
    return (dispatch(_strided_scatter, (g,), ctx.params),)


def _embed(g, shape, geometry):
    """The gradient of a view with ``geometry(shape, contiguous strides)``."""
    size, stride, offset = geometry(tuple(shape), contiguous_strides(shape))
    return dispatch(_strided_scatter, (g,), {"shape": tuple(shape), "size": tuple(size),
                                             "stride": tuple(stride), "offset": offset})


# -------------------------------------------------------------- narrow
def _narrow_geometry(dim, start, length):
    def geometry(shape, strides):
        size = shape[:dim] + (length,) + shape[dim + 1:]
        return size, strides, start * strides[dim] if length else 0
    return geometry


@defop("narrow", dtypes=KEEP, view=True)
def _narrow(xp, x, dim, start, length):
    return x[(slice(None),) * dim + (slice(start, start + length),)]


@_narrow.defgrad
def _(ctx, g):
    p = ctx.params
    return (_embed(g, ctx.input_shape(0), _narrow_geometry(p["dim"], p["start"], p["length"])),)


@export("narrow")
def narrow(input, dim: int, start, length: int):
    """The view input[..., start:start+length, ...] along ``dim``."""
    nd = input._data.ndim
    if nd == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    d = wrap_dim(dim, nd)
    n = input._data.shape[d]
    start = operator.index(start)
    if not -n <= start <= n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got "
                         f"{start})")
    if start < 0:
        start += n
    if start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return dispatch(_narrow, (input,), {"dim": d, "start": start, "length": length})


# -------------------------------------------------------------- select
def _select_geometry(dim, index):
    def geometry(shape, strides):
        return shape[:dim] + shape[dim + 1:], strides[:dim] + strides[dim + 1:], \
            index * strides[dim]
    return geometry


@defop("select", dtypes=KEEP, view=True)
def _select(xp, x, dim, index):
    return x[(slice(None),) * dim + (index, Ellipsis)]


@_select.defgrad
def _(ctx, g):
    p = ctx.params
    return (_embed(g, ctx.input_shape(0), _select_geometry(p["dim"], p["index"])),)


@export("select")
def select(input, dim: int, index: int):
    """The view input[..., index, ...] along ``dim`` (that dim removed)."""
    nd = input._data.ndim
    if nd == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, nd)
    n = input._data.shape[d]
    index = operator.index(index)
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(input._data.shape)} at dimension {dim}")
    return dispatch(_select, (input,), {"dim": d, "index": index % n})


@export("unbind")
def unbind(input, dim: int = 0):
    """All slices along ``dim``, as a tuple of views."""
    if input._data.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    d = wrap_dim(dim, input._data.ndim)
    return tuple(dispatch(_select, (input,), {"dim": d, "index": i})
                 for i in range(input._data.shape[d]))


# ------------------------------------------------------------ diagonal
def _diagonal_geometry(offset, d1, d2):
    def geometry(shape, strides):
        n1, n2 = shape[d1], shape[d2]
        if offset >= 0:
            length, start = max(min(n1, n2 - offset), 0), offset * strides[d2]
        else:
            length, start = max(min(n1 + offset, n2), 0), -offset * strides[d1]
        keep = [i for i in range(len(shape)) if i != d1 and i != d2]
        size = tuple(shape[i] for i in keep) + (length,)
        stride = tuple(strides[i] for i in keep) + (strides[d1] + strides[d2],)
        return size, stride, start if length else 0
    return geometry


@defop("diagonal", dtypes=KEEP, view=True)
def _diagonal(xp, x, offset, dim1, dim2):
    size, stride, start = _diagonal_geometry(offset, dim1, dim2)(x.shape, elem_strides(x))
    return as_view(xp, x, size, stride, start)


@_diagonal.defgrad
def _(ctx, g):
    p = ctx.params
    return (_embed(g, ctx.input_shape(0),
                   _diagonal_geometry(p["offset"], p["dim1"], p["dim2"])),)


@export("diagonal")
def diagonal(input, offset: int = 0, dim1: int = 0, dim2: int = 1):
    """The diagonal of dims (dim1, dim2) as a view, moved to the last dim."""
    nd = input._data.ndim
    d1, d2 = wrap_dim(dim1, nd), wrap_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return dispatch(_diagonal, (input,), {"offset": operator.index(offset), "dim1": d1,
                                          "dim2": d2})


# -------------------------------------------------------------- unfold
def _unfold_geometry(dim, size, step):
    def geometry(shape, strides):
        if not shape:
            return (size,), (1,), 0
        n = (shape[dim] - size) // step + 1
        return shape[:dim] + (n,) + shape[dim + 1:] + (size,), \
            strides[:dim] + (strides[dim] * step,) + strides[dim + 1:] + (strides[dim],), 0
    return geometry


@defop("unfold", dtypes=KEEP, view=True)
def _unfold(xp, x, dimension, size, step):
    shape, stride, _ = _unfold_geometry(dimension, size, step)(x.shape, elem_strides(x))
    return as_view(xp, x, shape, stride)


@_unfold.defgrad
def _(ctx, g):
    p = ctx.params
    return (_embed(g, ctx.input_shape(0),
                   _unfold_geometry(p["dimension"], p["size"], p["step"])),)


@export("unfold", function=False)
def unfold(self, dimension: int, size: int, step: int):
    """A view of all windows of ``size`` elements, ``step`` apart, along
    ``dimension`` (a new last dim holds each window)."""
    nd = self._data.ndim
    d = wrap_dim(dimension, nd)
    n = self._data.shape[d] if nd else 1
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    return dispatch(_unfold, (self,), {"dimension": d, "size": size, "step": step})


# ---------------------------------------------------------- as_strided
def _storage(xp, x):
    """A flat view of the whole storage under ``x`` (in x's dtype) and x's
    element offset in it."""
    root = x
    while True:
        b = root.base
        if isinstance(b, xp.ndarray):
            root = b
        elif b is not None and isinstance(getattr(b, "base", None), xp.ndarray):
            root = b.base  # as_strided's wrapper object
        else:
            break
    item = x.itemsize
    if root.flags.c_contiguous or root.flags.f_contiguous:
        flat = root.reshape(-1, order="A" if root.flags.f_contiguous else "C")
        flat = flat.view(xp.uint8)
        flat = flat[:flat.size // item * item].view(x.dtype)
        off = (_ptr(x) - _ptr(flat)) // item
        if 0 <= off < max(flat.size, 1) or flat.size == 0:
            return flat, off
    # a storage NumPy cannot describe: the extent of x itself
    extent = 1 + sum((n - 1) * s for n, s in zip(x.shape, elem_strides(x))) if x.size else 0
    return xp.lib.stride_tricks.as_strided(x, (extent,), (item,)), 0


def _ptr(a) -> int:
    iface = getattr(a, "__array_interface__", None)
    return iface["data"][0] if iface is not None else a.data.ptr


def _extent(size, stride, offset) -> int:
    if prod(size) == 0:
        return 0
    return offset + 1 + sum((n - 1) * s for n, s in zip(size, stride))


@defop("as_strided", dtypes=KEEP, view=True)
def _as_strided(xp, x, size, stride, storage_offset, x_geometry):
    flat, _ = _storage(xp, x)
    return as_view(xp, flat, size, stride, storage_offset)


@_as_strided.defgrad
def _(ctx, g):
    p = ctx.params
    x_size, x_stride, x_off = p["x_geometry"]
    n = max(_extent(p["size"], p["stride"], p["storage_offset"]),
            _extent(x_size, x_stride, x_off))
    flat = dispatch(_strided_scatter, (g,), {"shape": (n,), "size": p["size"],
                                             "stride": p["stride"],
                                             "offset": p["storage_offset"]})
    return (dispatch(_strided_gather, (flat,), {"shape": (n,), "size": x_size,
                                                "stride": x_stride, "offset": x_off}),)


@export("as_strided")
def as_strided(input, size, stride, storage_offset=None):
    """A view of input's storage with the given size, stride (in elements) and
    storage offset (default: input's own)."""
    size, stride = size_arg((size,)), size_arg((stride,), "stride")
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    for s in stride:
        if s < 0:
            raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, "
                               f"got strides: {list(stride)}")
    for s in size:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: "
                               f"{list(size)}")
    xp = input._device.backend.xp
    flat, x_off = _storage(xp, input._data)
    offset = x_off if storage_offset is None else operator.index(storage_offset)
    need = _extent(size, stride, offset)
    if need > flat.size:
        item = input._dtype.itemsize
        raise RuntimeError(
            f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {offset}, "
            f"and itemsize {item} requiring a storage size of {need * item} are out of bounds "
            f"for storage of size {flat.size * item}")
    geometry = (input._data.shape, elem_strides(input._data), x_off)
    return dispatch(_as_strided, (input,), {"size": size, "stride": stride,
                                            "storage_offset": offset, "x_geometry": geometry})


# -------------------------------------------------------- complex views
@defop("real", dtypes=KEEP, view=True)
def _real_op(xp, x):
    return x.real


@_real_op.defgrad
def _(ctx, g):
    return (g.to(ctx.input_dtype(0)),)


@defop("imag", dtypes=KEEP, view=True)
def _imag_op(xp, x):
    return x.imag


@_imag_op.defgrad
def _(ctx, g):
    return (g.to(ctx.input_dtype(0)) * 1j,)


@export("real", method=False)
def real(input):
    """The real part as a view (input itself for a real tensor)."""
    if input._dtype.is_complex:
        return dispatch(_real_op, (input,))
    return input


@export("imag", method=False)
def imag(input):
    """The imaginary part of a complex tensor, as a view."""
    if not input._dtype.is_complex:
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return dispatch(_imag_op, (input,))


@defop("view_as_real", dtypes=KEEP, view=True)
def _view_as_real(xp, x):
    re = x.real
    strides = tuple(2 * s for s in elem_strides(x))
    return as_view(xp, re, x.shape + (2,), strides + (1,))


@_view_as_real.defgrad
def _(ctx, g):
    return (view_as_complex(g.contiguous()),)


@defop("view_as_complex", dtypes=KEEP, view=True)
def _view_as_complex(xp, x):
    cdtype = D.from_numpy_dtype(x.dtype).to_complex().np
    head = xp.lib.stride_tricks.as_strided(x, (2,), (x.itemsize,)).view(cdtype)
    strides = tuple(s // 2 for s in elem_strides(x)[:-1])
    return as_view(xp, head, x.shape[:-1], strides)


@_view_as_complex.defgrad
def _(ctx, g):
    return (view_as_real(g),)


@export("view_as_real", method=False)
def view_as_real(input):
    """A complex tensor as a real view with a last dim of size 2 (re, im)."""
    if not input._dtype.is_complex:
        raise RuntimeError("view_as_real is only supported for complex tensors")
    return dispatch(_view_as_real, (input,))


@export("view_as_complex", method=False)
def view_as_complex(input):
    """A real tensor with a last dim of size 2 viewed as complex."""
    dt = input._dtype
    if dt not in (D.float32, D.float64, D.float16):
        raise RuntimeError(f"view_as_complex is only supported for float and double tensors, "
                           f"but got a tensor of scalar type: {_type_word(dt)}")
    data = input._data
    if data.ndim == 0 or data.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    st = elem_strides(data)
    if st[-1] != 1:
        raise RuntimeError("Tensor must have a last dimension with stride 1")
    if any(s % 2 for s in st[:-1]):
        raise RuntimeError("Tensor must have a stride divisible by 2 for all but last dimension")
    _, off = _storage(input._device.backend.xp, data)
    if off % 2:
        raise RuntimeError("Tensor must have a storage_offset divisible by 2")
    return dispatch(_view_as_complex, (input,))


def _type_word(d) -> str:
    from .registry import _torch_type_name
    return _torch_type_name(d)


@defop("conj", dtypes=KEEP)
def _conj(xp, x):
    return xp.conj(x)


@_conj.defgrad
def _(ctx, g):
    return (g.conj(),)


@export("conj")
def conj(input):
    """The complex conjugate (input itself for real tensors; a copy for complex)."""
    if input._dtype.is_complex:
        return dispatch(_conj, (input,))
    return input


@export("resolve_conj")
def resolve_conj(input):
    """input with its conjugation materialised; ember conjugates eagerly, so input."""
    return input


@export("resolve_neg")
def resolve_neg(input):
    """input with its negation materialised; ember negates eagerly, so input."""
    return input


_register_properties()
