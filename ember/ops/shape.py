"""Shape operators that return views: view, reshape, flatten, squeeze,
unsqueeze, permute, transpose, expand, movedim, T/mT/H/mH, and the strided
geometry they share.

Every view here has torch's strides, not NumPy's (they differ for size-1
dimensions and for empty tensors): the forward computes torch's geometry and
builds the NumPy view with ``as_strided`` when NumPy's own view differs.
Copies (cat, flip, repeat, ...) live in ``joining.py`` and ``rearrange.py``;
narrow/select/diagonal/unfold/as_strided and the complex views in
``strided.py``.
"""
from __future__ import annotations

import operator
import warnings

from .. import _dtype as D
from .._tensor import Tensor
from ._api import export, export_method
from .registry import KEEP, dispatch, defop


# ------------------------------------------------------------ geometry
def prod(xs) -> int:
    n = 1
    for x in xs:
        n *= x
    return n


def elem_strides(x) -> tuple:
    """A backend array's strides in elements."""
    item = x.itemsize
    return tuple([s // item for s in x.strides])


def contiguous_strides(shape) -> tuple:
    """torch's strides of a contiguous tensor (size-0 dims count as 1)."""
    out = [0] * len(shape)
    acc = 1
    for i in range(len(shape) - 1, -1, -1):
        out[i] = acc
        acc *= max(shape[i], 1)
    return tuple(out)


def as_view(xp, x, shape, strides, offset: int = 0, native=None):
    """A view of array ``x`` with torch's geometry: ``shape``, element
    ``strides`` and an element ``offset`` from x's first element. ``native``
    (a NumPy view computed another way) is used when its strides agree."""
    shape = tuple(shape)
    item = x.itemsize
    bstrides = tuple([s * item for s in strides])
    if native is not None and native.shape == shape and native.strides == bstrides:
        return native
    st = xp.lib.stride_tricks
    if offset:
        x = st.as_strided(x, (offset + 1,), (item,))[offset:]
    return st.as_strided(x, shape, bstrides)


def size_arg(size, name: str = "size") -> tuple:
    """Sizes given as varargs ints or one sequence, as a tuple of Python ints."""
    if len(size) == 1 and not isinstance(size[0], int) and hasattr(size[0], "__len__"):
        size = size[0]
    try:
        return tuple(map(operator.index, size))
    except TypeError:
        bad = next(s for s in size if not hasattr(s, "__index__"))
        raise TypeError(f"{name} must be tuple of ints, but found element of type "
                        f"{type(bad).__name__} at pos 0") from None


def wrap_dim(dim, ndim: int) -> int:
    """``dim`` as a non-negative axis (0-dim tensors accept -1 and 0), torch's IndexError."""
    if dim.__class__ is not int:
        dim = operator.index(dim)
    lim = ndim if ndim else 1
    if not -lim <= dim < lim:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-lim}, "
                         f"{lim - 1}], but got {dim})")
    return dim % lim if ndim else 0


def infer_shape(shape, numel: int) -> tuple:
    """Resolve one -1 in ``shape`` for a tensor of ``numel`` elements (torch's errors)."""
    shape = list(shape)
    infer = None
    known = 1
    for i, s in enumerate(shape):
        if s == -1:
            if infer is not None:
                raise RuntimeError("only one dimension can be inferred")
            infer = i
        elif s < 0:
            raise RuntimeError(f"invalid shape dimension {s}")
        else:
            known *= s
    if infer is not None:
        if known == 0:
            if numel == 0:
                raise RuntimeError(
                    f"cannot reshape tensor of 0 elements into shape {shape} because the "
                    "unspecified dimension size -1 can be any value and is ambiguous")
            raise RuntimeError(f"shape '{shape}' is invalid for input of size {numel}")
        if numel % known:
            raise RuntimeError(f"shape '{shape}' is invalid for input of size {numel}")
        shape[infer] = numel // known
    elif known != numel:
        raise RuntimeError(f"shape '{shape}' is invalid for input of size {numel}")
    return tuple(shape)


def view_strides(shape, strides, new_shape):
    """torch's strides for viewing (shape, strides) as new_shape, or None when
    some new dimension would span two non-contiguous chunks of the old ones.

    The old dims are cut into chunks inside which each dim steps exactly over
    the dims after it (size-1 dims never cut); each chunk must be covered by a
    run of new dims, which then get contiguous strides within the chunk."""
    if prod(shape) == 0:
        return tuple(strides) if tuple(shape) == tuple(new_shape) else \
            contiguous_strides(new_shape)
    if not shape:
        shape, strides = (1,), (1,)
    new_strides = [0] * len(new_shape)
    v = len(new_shape) - 1
    base = strides[-1]
    chunk = 1
    view_chunk = 1
    for d in range(len(shape) - 1, -1, -1):
        chunk *= shape[d]
        if d == 0 or (shape[d - 1] != 1 and strides[d - 1] != chunk * base):
            while v >= 0 and (view_chunk < chunk or new_shape[v] == 1):
                new_strides[v] = view_chunk * base
                view_chunk *= new_shape[v]
                v -= 1
            if view_chunk != chunk:
                return None
            if d > 0:
                base = strides[d - 1]
                chunk = view_chunk = 1
    if v != -1:
        return None
    return tuple(new_strides)


_VIEW_ERROR = ("view size is not compatible with input tensor's size and stride (at least one "
               "dimension spans across two contiguous subspaces). Use .reshape(...) instead.")


# ---------------------------------------------------------------- view
@defop("view", dtypes=KEEP, view=True)
def _view(xp, x, shape, strides):
    native = x.reshape(shape) if x.flags.c_contiguous else None
    return as_view(xp, x, shape, strides, native=native)


@_view.defgrad
def _(ctx, g):
    return (g.reshape(ctx.input_shape(0)),)


@defop("_reshape_copy", dtypes=KEEP)
def _reshape_copy(xp, x, shape):
    return xp.ascontiguousarray(x).reshape(shape).copy()


@_reshape_copy.defgrad
def _(ctx, g):
    return (g.reshape(ctx.input_shape(0)),)


@defop("_view_contiguous", dtypes=KEEP, view=True)
def _view_contiguous(xp, x, shape):
    # a C-contiguous array reshapes to a view; NumPy's strides for size-1 dims
    # may differ from torch's, but Tensor.stride() reports canonical ones
    return x.reshape(shape)


_view_contiguous.defgrad(lambda ctx, g: (g.reshape(ctx.input_shape(0)),))
_view_contiguous.node_name = "ViewBackward0"


def _view_shape(self, shape):
    data = self._data
    shape = infer_shape(shape, data.size)
    return shape, view_strides(data.shape, elem_strides(data), shape)


def _contiguous_view(self, shape):
    """The fast path of view/reshape for C-contiguous tensors, or None."""
    data = self._data
    if not data.flags.c_contiguous:
        return None
    n = 1
    for s in shape:
        if s < 0:
            return dispatch(_view_contiguous, (self,), {"shape": infer_shape(shape, data.size)})
        n *= s
    if n != data.size:
        infer_shape(shape, data.size)  # raises torch's error
    return dispatch(_view_contiguous, (self,), {"shape": shape})


@export_method("view")
def view(self, *shape):
    """A view with a new shape (``view(*shape)``) or reinterpreted as another
    dtype (``view(dtype)``); raises when the strides do not allow it."""
    if len(shape) == 1 and isinstance(shape[0], D.dtype):
        return _view_dtype(self, shape[0])
    shape = size_arg(shape)
    fast = _contiguous_view(self, shape)
    if fast is not None:
        return fast
    shape, strides = _view_shape(self, shape)
    if strides is None:
        raise RuntimeError(_VIEW_ERROR)
    return dispatch(_view, (self,), {"shape": shape, "strides": strides})


@export("reshape")
def reshape(input, *shape):
    """Same data with a new shape: a view when ``view`` would succeed, else a copy."""
    shape = size_arg(shape, "shape")
    fast = _contiguous_view(input, shape)
    if fast is not None:
        return fast
    shape, strides = _view_shape(input, shape)
    if strides is None:
        return dispatch(_reshape_copy, (input,), {"shape": shape})
    return dispatch(_view, (input,), {"shape": shape, "strides": strides})


@export_method("view_as")
def view_as(self, other):
    """self.view(other.size())."""
    return view(self, other._data.shape)


@export_method("reshape_as")
def reshape_as(self, other):
    """self.reshape(other.size())."""
    return reshape(self, other._data.shape)


# view(dtype) ------------------------------------------------------------
@defop("view_dtype", dtypes=KEEP, view=True)
def _view_dtype_op(xp, x, dtype):
    if x.ndim == 0:
        return x.view(dtype.np)
    if x.dtype.itemsize == dtype.itemsize:
        return x.view(dtype.np)
    # NumPy needs the last axis contiguous, which the caller checked
    strides = elem_strides(x)
    ratio_num, ratio_den = x.dtype.itemsize, dtype.itemsize
    shape = x.shape[:-1] + (x.shape[-1] * ratio_num // ratio_den,)
    new = tuple(s * ratio_num // ratio_den for s in strides[:-1]) + (1,)
    flat = xp.lib.stride_tricks.as_strided(x, (x.shape[-1],), (x.itemsize,))
    head = flat.view(dtype.np)
    return as_view(xp, head, shape, new)


def _view_dtype(self, dtype):
    old = self._dtype
    if old.itemsize != dtype.itemsize:
        names = f"{_type_word(old)} as {_type_word(dtype)}"
        data = self._data
        if data.ndim == 0:
            raise RuntimeError(f"self.dim() cannot be 0 to view {names} (different element sizes)")
        st = elem_strides(data)
        if st[-1] != 1:
            raise RuntimeError(f"self.stride(-1) must be 1 to view {names} (different element "
                               f"sizes), but got {st[-1]}")
        if dtype.itemsize > old.itemsize:
            ratio = dtype.itemsize // old.itemsize
            if data.shape[-1] % ratio:
                raise RuntimeError(f"self.size(-1) must be divisible by {ratio} to view {names} "
                                   f"(different element sizes), but got {data.shape[-1]}")
            for i, s in enumerate(st[:-1]):
                if s % ratio:
                    raise RuntimeError(f"self.stride({i}) must be divisible by {ratio} to view "
                                       f"{names} (different element sizes), but got {s}")
            from .strided import _storage
            _, off = _storage(self._device.backend.xp, data)
            if off % ratio:
                raise RuntimeError(f"self.storage_offset() must be divisible by {ratio} to view "
                                   f"{names} (different element sizes), but got {off}")
    return dispatch(_view_dtype_op, (self,), {"dtype": dtype})


def _type_word(d) -> str:
    from .registry import _torch_type_name
    return _torch_type_name(d)


# ---------------------------------------------------- flatten, unflatten
@export("flatten")
def flatten(input, start_dim: int = 0, end_dim: int = -1):
    """Merge dims start_dim..end_dim into one (a view when possible)."""
    nd = input._data.ndim
    if nd == 0:
        wrap_dim(start_dim, 0), wrap_dim(end_dim, 0)
        return reshape(input, (1,))
    s, e = wrap_dim(start_dim, nd), wrap_dim(end_dim, nd)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    shape = input._data.shape
    return reshape(input, shape[:s] + (prod(shape[s:e + 1]),) + shape[e + 1:])


@export("unflatten")
def unflatten(input, dim: int, sizes):
    """Split dimension ``dim`` into ``sizes`` (one may be -1); a view."""
    nd = input._data.ndim
    d = wrap_dim(dim, nd)
    sizes = size_arg((sizes,), "sizes")
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    n = input._data.shape[d] if nd else 1
    try:
        new = infer_shape(sizes, n)
    except RuntimeError:
        if sizes.count(-1) > 1:
            raise
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the "
                           f"size of dim {dim} ({n}) in the input tensor") from None
    shape = input._data.shape
    return view(input, shape[:d] + new + shape[d + 1:])


@export("ravel")
def ravel(input):
    """A contiguous flattened tensor (a view when already contiguous)."""
    return view(input.contiguous(), (-1,))


# ---------------------------------------------------- squeeze, unsqueeze
@defop("squeeze", dtypes=KEEP, view=True)
def _squeeze(xp, x, dims):
    return xp.squeeze(x, axis=dims) if dims else x[...]


@_squeeze.defgrad
def _(ctx, g):
    return (g.reshape(ctx.input_shape(0)),)


@export("squeeze")
def squeeze(input, dim=None):
    """Remove size-1 dims (all, one, or a tuple of them); a view."""
    shape = input._data.shape
    nd = len(shape)
    if dim is None:
        dims = tuple(i for i, s in enumerate(shape) if s == 1)
    else:
        given = (dim,) if not isinstance(dim, (tuple, list)) else tuple(dim)
        seen = set()
        for d in given:
            w = wrap_dim(d, nd)
            if w in seen:
                raise RuntimeError(f"dim {w} appears multiple times in the list of dims")
            seen.add(w)
        dims = tuple(sorted(w for w in seen if nd and shape[w] == 1))
    return dispatch(_squeeze, (input,), {"dims": dims})


@defop("unsqueeze", dtypes=KEEP, view=True)
def _unsqueeze(xp, x, dim):
    shape = x.shape
    new_shape = shape[:dim] + (1,) + shape[dim:]
    if x.flags.c_contiguous:  # stays C-contiguous: Tensor.stride() reports torch's strides
        return x.reshape(new_shape)
    strides = elem_strides(x)
    new = 1 if dim >= x.ndim else shape[dim] * strides[dim]
    return as_view(xp, x, new_shape, strides[:dim] + (new,) + strides[dim:])


@_unsqueeze.defgrad
def _(ctx, g):
    return (g.squeeze(ctx.params["dim"]),)


@export("unsqueeze")
def unsqueeze(input, dim: int):
    """Insert a size-1 dim at ``dim``; a view."""
    return dispatch(_unsqueeze, (input,), {"dim": wrap_dim(dim, input._data.ndim + 1)})


# ------------------------------------------------------- permute & co.
@defop("permute", dtypes=KEEP, view=True)
def _permute(xp, x, dims):
    return x.transpose(dims)


@_permute.defgrad
def _(ctx, g):
    dims = ctx.params["dims"]
    inverse = [0] * len(dims)
    for i, d in enumerate(dims):
        inverse[d] = i
    return (g.permute(inverse),)


@export("permute")
def permute(input, *dims):
    """A view with dimensions reordered (torch.permute)."""
    dims = size_arg(dims, "dims")
    ndim = input._data.ndim
    if len(dims) != ndim:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
            f"length of the desired ordering of dimensions i.e. input.dim() = {ndim} is not equal "
            f"to len(dims) = {len(dims)}")
    dims = tuple(wrap_dim(d, ndim) for d in dims)
    if len(set(dims)) != ndim:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return dispatch(_permute, (input,), {"dims": dims})


@export("transpose", "swapaxes", "swapdims")
def transpose(input, dim0: int, dim1: int):
    """A view with dim0 and dim1 swapped (torch.transpose)."""
    ndim = input._data.ndim
    a, b = wrap_dim(dim0, ndim), wrap_dim(dim1, ndim)
    dims = list(range(ndim))
    if ndim:
        dims[a], dims[b] = dims[b], dims[a]
    return dispatch(_permute, (input,), {"dims": tuple(dims)})


@export("t")
def t(input):
    """Transpose a tensor of at most 2 dims (torch.t)."""
    nd = input._data.ndim
    if nd > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {nd}D")
    return transpose(input, 0, nd - 1 if nd else 0)


@export("adjoint")
def adjoint(input):
    """The conjugate transpose of the last two dims (a view for real tensors)."""
    return _mT(input, "adjoint()").conj()


def _mT(x, what):
    if x._data.ndim < 2:
        if what == "adjoint()":
            raise RuntimeError(f"tensor.adjoint() is only supported on matrices or batches of "
                               f"matrices. Got {x._data.ndim}-D tensor.")
        raise RuntimeError(f"tensor.{what} is only supported on matrices or batches of matrices. "
                           f"Got {x._data.ndim}-D tensor.")
    return transpose(x, -2, -1)


def _T(x):
    nd = x._data.ndim
    if nd == 0:
        warnings.warn("Tensor.T is deprecated on 0-D tensors. This function is the identity in "
                      "these cases.", UserWarning, stacklevel=3)
    elif nd != 2:
        warnings.warn(
            "The use of `x.T` on tensors of dimension other than 2 to reverse their shape is "
            "deprecated and it will throw an error in a future release. Consider `x.mT` to "
            "transpose batches of matrices or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` to "
            "reverse the dimensions of a tensor.", UserWarning, stacklevel=3)
    return permute(x, tuple(range(nd - 1, -1, -1)))


def _H(x):
    nd = x._data.ndim
    if nd != 2 and nd != 0:
        hint = " For batches of matrices, consider using tensor.mH" if nd > 2 else ""
        raise RuntimeError(
            f"tensor.H is only supported on matrices (2-D tensors). Got {nd}-D tensor.{hint}")
    return _T(x).conj()


def _mH(x):
    return _mT(x, "mH").conj()


def _set_part(name):
    def setter(self, value):
        getattr(self, name).copy_(value)
    return setter


@export("movedim", "moveaxis")
def movedim(input, source, destination):
    """Move dims ``source`` to positions ``destination``; a view."""
    nd = input._data.ndim
    src = (source,) if isinstance(source, int) else tuple(source)
    dst = (destination,) if isinstance(destination, int) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({list(src)} dims) should "
            f"contain the same number of dims as destination ({list(dst)} dims)")
    src = tuple(wrap_dim(d, nd) for d in src)
    dst = tuple(wrap_dim(d, nd) for d in dst)
    if len(set(src)) != len(src):
        raise RuntimeError(f"movedim: repeated dim in `source` ({list(source)})")
    if len(set(dst)) != len(dst):
        raise RuntimeError(f"movedim: repeated dim in `destination` ({list(destination)})")
    order = [None] * nd
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(i for i in range(nd) if i not in src)
    order = tuple(o if o is not None else next(rest) for o in order)
    return dispatch(_permute, (input,), {"dims": order if nd else ()})


# -------------------------------------------------------------- expand
@defop("expand", dtypes=KEEP, view=True)
def _expand(xp, x, shape):
    # writable like torch's (fill_ and copy_ into an expanded tensor are allowed)
    return as_view(xp, x, shape, _expand_strides(x.shape, elem_strides(x), shape))


def _expand_strides(shape, strides, sizes):
    n, nd = len(sizes), len(shape)
    out = [0] * n
    for i in range(n - 1, -1, -1):
        d = i - (n - nd)
        if d >= 0:
            out[i] = strides[d] if shape[d] == sizes[i] else 0
        elif sizes[i] == 1 and i + 1 < n:
            out[i] = sizes[i + 1] * out[i + 1]
    return tuple(out)


@_expand.defgrad
def _(ctx, g):
    return (g.sum_to_size(ctx.input_shape(0)),)


def _expand_shape(x, sizes) -> tuple:
    shape = x._data.shape
    n, nd = len(sizes), len(shape)
    if n < nd:
        from .conversion import legacy_type_name
        raise RuntimeError(
            f"expand({legacy_type_name(x._dtype)}{{{list(shape)}}}, size={list(sizes)}): the "
            f"number of sizes provided ({n}) must be greater or equal to the number of "
            f"dimensions in the tensor ({nd})")
    out = []
    for i, s in enumerate(sizes):
        d = i - (n - nd)
        if d < 0:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a "
                                   f"leading, non-existing dimension {i}")
        else:
            if s == -1:
                s = shape[d]
            elif shape[d] != s and shape[d] != 1 or s < 0:
                raise RuntimeError(
                    f"The expanded size of the tensor ({s}) must match the existing size "
                    f"({shape[d]}) at non-singleton dimension {i}.  Target sizes: "
                    f"{list(sizes)}.  Tensor sizes: {list(shape)}")
        out.append(s)
    return tuple(out)


@export("expand", function=False)
def expand(self, *sizes):
    """A broadcast view; -1 keeps a dimension's size (Tensor.expand)."""
    shape = _expand_shape(self, size_arg(sizes))
    return dispatch(_expand, (self,), {"shape": shape})


@export_method("expand_as")
def expand_as(self, other):
    """self.expand(other.size())."""
    return expand(self, other._data.shape)


@export("broadcast_to")
def broadcast_to(input, size):
    """input.expand(size)."""
    return expand(input, size_arg((size,)))


@export("broadcast_shapes", method=False)
def broadcast_shapes(*shapes):
    """The shape that the given shapes broadcast to (torch.broadcast_shapes)."""
    from .._tensor import Size
    norm = []
    for s in shapes:
        if isinstance(s, int):
            s = (s,)
        s = tuple(operator.index(v) for v in s)
        for v in s:
            if v < 0:
                raise RuntimeError(f"Trying to create tensor with negative dimension {v}: "
                                   f"{list(s)}")
        norm.append(s)
    n = max((len(s) for s in norm), default=0)
    out = [1] * n
    for k, s in enumerate(norm):
        for i, v in enumerate(s):
            j = n - len(s) + i
            if out[j] == 1:
                out[j] = v
            elif v != 1 and v != out[j]:
                raise RuntimeError(
                    f"Shape mismatch: objects cannot be broadcast to a single shape.  Mismatch "
                    f"is between arg {_first_with(norm, j - n, out[j])} and arg {k}.")
    return Size(out)


def _first_with(shapes, neg_dim, value):
    for k, s in enumerate(shapes):
        if len(s) >= -neg_dim and s[neg_dim] == value:
            return k
    return 0


@export("broadcast_tensors", method=False)
def broadcast_tensors(*tensors):
    """Expand all tensors to their common broadcast shape (views)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    shapes = [t._data.shape for t in tensors]
    n = max((len(s) for s in shapes), default=0)
    out = [1] * n
    for s in shapes:
        for i, v in enumerate(s):
            j = n - len(s) + i
            if out[j] == 1:
                out[j] = v
            elif v != 1 and v != out[j]:
                raise RuntimeError(
                    f"The size of tensor a ({out[j]}) must match the size of tensor b ({v}) at "
                    f"non-singleton dimension {j}")
    return tuple(expand(t, tuple(out)) for t in tensors)


# ---------------------------------------------------------- properties
def _register_properties() -> None:
    from .strided import imag as _imag, real as _real
    props = {
        "T": property(_T, doc="All dims reversed (x.permute(n-1, ..., 0))."),
        "mT": property(lambda x: _mT(x, "mT"), doc="The last two dims transposed; a view."),
        "H": property(_H, doc="The conjugate transpose of a matrix."),
        "mH": property(_mH, doc="The conjugate transpose of the last two dims."),
        "real": property(_real, _set_part("real"), doc="The real part (a view)."),
        "imag": property(_imag, _set_part("imag"), doc="The imaginary part (a view)."),
    }
    for name, prop in props.items():
        setattr(Tensor, name, prop)


@export("expand_copy", method=False)
def expand_copy(input, size):
    """A contiguous copy of input.expand(size) (torch.expand_copy)."""
    return expand(input, size_arg((size,))).clone()
