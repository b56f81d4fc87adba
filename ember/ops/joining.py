"""Joining and splitting: cat/concat/concatenate, stack, hstack, vstack,
dstack, column_stack, row_stack, atleast_1d/2d/3d, and split,
split_with_sizes, chunk, tensor_split, hsplit, vsplit, dsplit (views)."""
from __future__ import annotations

import operator

from .. import _dtype as D
from .._tensor import Tensor
from ._api import export
from .registry import PROMOTE, dispatch, defop, write_out
from .shape import reshape, unsqueeze, wrap_dim
from .strided import narrow


# ------------------------------------------------------------------ cat
@defop("cat", dtypes=PROMOTE)
def _cat(xp, *arrays, dim, skip, sizes):
    kept = [a for a, s in zip(arrays, skip) if not s]
    if not kept:
        return arrays[0].copy()
    return xp.concatenate(kept, axis=dim)


@_cat.defgrad
def _(ctx, g):
    dim, skip = ctx.params["dim"], ctx.params["skip"]
    grads = []
    start = 0
    for i, s in enumerate(skip):
        if s:
            grads.append(_zeros_like_edge(ctx, i, g))
            continue
        n = ctx.params["sizes"][i]
        grads.append(g.narrow(dim, start, n) if ctx.needs_input_grad[i] else None)
        start += n
    return tuple(grads)


def _zeros_like_edge(ctx, i, g):
    if not ctx.needs_input_grad[i]:
        return None
    from .creation import zeros
    return zeros((0,), dtype=ctx.input_dtype(i), device=g.device)


def _tensor_list(tensors, fname):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{fname}(): argument 'tensors' (position 1) must be tuple of Tensors, "
                        f"not {type(tensors).__name__}")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
    return tuple(tensors)


@export("cat", "concat", "concatenate", method=False)
def cat(tensors, dim: int = 0, *, out=None):
    """Join tensors along an existing dim, promoting dtypes; 1-D empty tensors
    are skipped as in torch (torch.cat)."""
    tensors = _tensor_list(tensors, "cat")
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    shapes = [t._data.shape for t in tensors]
    if () in shapes:
        raise RuntimeError(f"zero-dimensional tensor (at position {shapes.index(())}) cannot be "
                           "concatenated")
    if (0,) in shapes:  # torch skips 1-D empty tensors whatever the other shapes
        skip = tuple(shape == (0,) for shape in shapes)
        rshape = next((shape for shape, s in zip(shapes, skip) if not s), shapes[0])
    else:
        skip = (False,) * len(shapes)
        rshape = shapes[0]
    nd = len(rshape)
    d = wrap_dim(dim, nd)
    lead, trail = rshape[:d], rshape[d + 1:]
    sizes = []
    for i, shape in enumerate(shapes):
        if skip[i]:
            sizes.append(0)
            continue
        if len(shape) != nd:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {nd} and "
                               f"{len(shape)}")
        if shape[:d] != lead or shape[d + 1:] != trail:
            k = next(k for k in range(nd) if k != d and shape[k] != rshape[k])
            raise RuntimeError(
                f"Sizes of tensors must match except in dimension {d}. Expected size "
                f"{rshape[k]} but got size {shape[k]} for tensor number {i} in the list.")
        sizes.append(shape[d])
    r = dispatch(_cat, tensors, {"dim": d, "skip": skip, "sizes": tuple(sizes)})
    return r if out is None else write_out(out, r)


@defop("stack", dtypes=PROMOTE)
def _stack(xp, *arrays, dim):
    return xp.stack(arrays, axis=dim)


@_stack.defgrad
def _(ctx, g):
    return g.unbind(ctx.params["dim"])


@export("stack", method=False)
def stack(tensors, dim: int = 0, *, out=None):
    """Join equally shaped tensors along a new dim (torch.stack)."""
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shape0 = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != shape0:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(shape0)} at entry 0 and {list(t._data.shape)} at entry {i}")
    r = dispatch(_stack, tensors, {"dim": wrap_dim(dim, len(shape0) + 1)})
    return r if out is None else write_out(out, r)


def _atleast(args, fn):
    if len(args) == 1 and isinstance(args[0], Tensor):
        return fn(args[0])
    if len(args) == 1 and isinstance(args[0], (list, tuple)):
        args = args[0]
    return tuple(fn(t) for t in args)


def _at1(t):
    return reshape(t, (1,)) if t._data.ndim == 0 else t


def _at2(t):
    nd = t._data.ndim
    return reshape(t, (1, 1)) if nd == 0 else unsqueeze(t, 0) if nd == 1 else t


def _at3(t):
    nd = t._data.ndim
    if nd == 0:
        return reshape(t, (1, 1, 1))
    if nd == 1:
        return unsqueeze(unsqueeze(t, 0), -1)
    return unsqueeze(t, -1) if nd == 2 else t


@export("atleast_1d", method=False)
def atleast_1d(*tensors):
    """Views with at least one dim (a tuple when given several tensors)."""
    return _atleast(tensors, _at1)


@export("atleast_2d", method=False)
def atleast_2d(*tensors):
    """Views with at least two dims (1-D becomes a row)."""
    return _atleast(tensors, _at2)


@export("atleast_3d", method=False)
def atleast_3d(*tensors):
    """Views with at least three dims ((n,) -> (1, n, 1), (m, n) -> (m, n, 1))."""
    return _atleast(tensors, _at3)


@export("hstack", method=False)
def hstack(tensors, *, out=None):
    """Concatenate column-wise (dim 0 for 1-D inputs, else dim 1)."""
    tensors = [_at1(t) for t in _tensor_list(tensors, "hstack")]
    if not tensors:
        raise RuntimeError("hstack expects a non-empty TensorList")
    return cat(tensors, 0 if tensors[0]._data.ndim == 1 else 1, out=out)


@export("vstack", "row_stack", method=False)
def vstack(tensors, *, out=None):
    """Concatenate row-wise after atleast_2d."""
    tensors = [_at2(t) for t in _tensor_list(tensors, "vstack")]
    if not tensors:
        raise RuntimeError("vstack expects a non-empty TensorList")
    return cat(tensors, 0, out=out)


@export("dstack", method=False)
def dstack(tensors, *, out=None):
    """Concatenate depth-wise (dim 2) after atleast_3d."""
    tensors = [_at3(t) for t in _tensor_list(tensors, "dstack")]
    if not tensors:
        raise RuntimeError("dstack expects a non-empty TensorList")
    return cat(tensors, 2, out=out)


@export("column_stack", method=False)
def column_stack(tensors, *, out=None):
    """Stack 0-D/1-D tensors as columns, then concatenate along dim 1."""
    tensors = _tensor_list(tensors, "column_stack")
    if not tensors:
        raise RuntimeError("column_stack expects a non-empty TensorList")
    cols = [reshape(t, (t._data.size, 1)) if t._data.ndim <= 1 else t for t in tensors]
    return cat(cols, 1, out=out)


# ------------------------------------------------------------ splitting
def _split_sizes(input, split_size, dim):
    n = input._data.shape[dim]
    if split_size < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got "
                           f"split_size={split_size}")
    if split_size == 0 and n:
        raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension "
                           f"size of {n}")
    if n == 0:
        return [0]
    count = (n + split_size - 1) // split_size
    return [split_size] * (count - 1) + [n - split_size * (count - 1)]


def _pieces(input, sizes, dim):
    out = []
    start = 0
    for s in sizes:
        out.append(narrow(input, dim, start, s))
        start += s
    return tuple(out)


def _dim_of(input, dim):
    if input._data.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    return wrap_dim(dim, input._data.ndim)


@export("split")
def split(tensor, split_size_or_sections, dim: int = 0):
    """Views of equal ``split_size`` chunks (the last may be smaller), or of
    the given section sizes."""
    if isinstance(split_size_or_sections, (list, tuple)):
        return split_with_sizes(tensor, split_size_or_sections, dim)
    d = _dim_of(tensor, dim)
    return _pieces(tensor, _split_sizes(tensor, operator.index(split_size_or_sections), d), d)


@export("split_with_sizes")
def split_with_sizes(input, split_sizes, dim: int = 0):
    """Views of the given sizes along ``dim``; the sizes must sum to its length."""
    d = _dim_of(input, dim)
    sizes = [operator.index(s) for s in split_sizes]
    n = input._data.shape[d]
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"split_with_sizes expects split_sizes have only non-negative entries, "
                           f"but got split_sizes={sizes}")
    if sum(sizes) != n:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input "
                           f"tensor's size at dimension {d}), but got split_sizes={sizes}")
    return _pieces(input, sizes, d)


@export("chunk")
def chunk(input, chunks: int, dim: int = 0):
    """Split into ``chunks`` views of ceil(n / chunks) (fewer if they run out)."""
    if input._data.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = wrap_dim(dim, input._data.ndim)
    n = input._data.shape[d]
    size = (n + chunks - 1) // chunks
    if size == 0 and n == 0:
        return _pieces(input, [0] * chunks, d)
    return _pieces(input, _split_sizes(input, size, d), d)


@export("tensor_split")
def tensor_split(input, indices_or_sections, dim: int = 0):
    """Views split into ``sections`` near-equal parts or at the given indices."""
    if input._data.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a "
                           "tensor with 0 dims")
    d = wrap_dim(dim, input._data.ndim)
    n = input._data.shape[d]
    arg = indices_or_sections
    if isinstance(arg, Tensor):
        if arg._dtype is not D.int64:
            raise RuntimeError(f"tensor_split expected tensor_indices_or_sections to have dtype "
                               f"of long, but got {_type_word(arg._dtype)}")
        if arg._data.ndim > 1:
            raise RuntimeError(f"tensor_split expected tensor_indices_or_sections to be a "
                               f"zero-dimensional or one-dimensional tensor, but got a tensor "
                               f"with {arg._data.ndim} dims")
        arg = arg.tolist()
    if isinstance(arg, (list, tuple)):
        bounds = [0] + [operator.index(i) for i in arg] + [n]
        out = []
        for a, b in zip(bounds[:-1], bounds[1:]):
            a = min(max(a + n if a < 0 else a, 0), n)
            b = min(max(b + n if b < 0 else b, 0), n)
            out.append(narrow(input, d, a, max(b - a, 0)))
        return tuple(out)
    sections = operator.index(arg)
    if sections <= 0:
        raise RuntimeError(f"number of sections must be larger than 0, got {sections}")
    small, extra = divmod(n, sections)
    return _pieces(input, [small + 1] * extra + [small] * (sections - extra), d)


def _type_word(d) -> str:
    from .registry import _torch_type_name
    return _torch_type_name(d)


def _directional_split(input, arg, dim, name, min_dims):
    nd = input._data.ndim
    if nd < min_dims:
        plural = "dimension" if min_dims == 1 else "dimensions"
        raise RuntimeError(f"torch.{name} requires a tensor with at least {min_dims} {plural}, "
                           f"but got a tensor with {nd} dimensions!")
    if not isinstance(arg, (list, tuple)):
        sections = operator.index(arg)
        n = input._data.shape[dim]
        if sections == 0 or n % sections:
            raise RuntimeError(f"torch.{name} attempted to split along dimension {dim}, but the "
                               f"size of the dimension {n} is not divisible by the split_size "
                               f"{sections}!")
    return tensor_split(input, arg, dim)


@export("hsplit")
def hsplit(input, indices_or_sections):
    """tensor_split along dim 1 (dim 0 for 1-D tensors); int sections must divide evenly."""
    dim = 0 if input._data.ndim == 1 else 1
    return _directional_split(input, indices_or_sections, dim, "hsplit", 1)


@export("vsplit")
def vsplit(input, indices_or_sections):
    """tensor_split along dim 0 of a tensor with at least 2 dims."""
    return _directional_split(input, indices_or_sections, 0, "vsplit", 2)


@export("dsplit")
def dsplit(input, indices_or_sections):
    """tensor_split along dim 2 of a tensor with at least 3 dims."""
    return _directional_split(input, indices_or_sections, 2, "dsplit", 3)
