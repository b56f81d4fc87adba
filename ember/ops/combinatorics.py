"""Combinatorics: cartesian_prod, combinations, block_diag, vander,
linalg.vander and unravel_index.

The differentiable ones are composed from ember ops (meshgrid, index_select,
cat, cumprod), so autograd comes for free."""
from __future__ import annotations

import itertools
import numbers

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ._api import export
from .creation import ones, tensor, zeros
from .joining import cat, stack
from .rearrange import meshgrid


def _tensor_args(tensors) -> tuple:
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
    return tuple(tensors)


def _check_vector(t) -> None:
    if t._data.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(t._data.shape)}")


@export("cartesian_prod", method=False)
def cartesian_prod(*tensors):
    """Cartesian product of 1-D tensors of one dtype: a (prod of sizes) x len(tensors)
    tensor, or the single tensor itself (torch.cartesian_prod)."""
    tensors = _tensor_args(tensors)
    for t in tensors:
        _check_vector(t)
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([g.reshape(-1) for g in grids], 1)


@export("combinations", method=False)
def combinations(input, r: int = 2, with_replacement: bool = False):
    """All length-``r`` combinations of a 1-D tensor's elements, in lexicographic
    order of their positions, as the rows of a tensor (torch.combinations)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"combinations(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    if isinstance(r, bool) or not isinstance(r, numbers.Integral):
        raise TypeError(f"combinations(): argument 'r' must be int, not {type(r).__name__}")
    _check_vector(input)
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return zeros((0,), dtype=input._dtype, device=input.device)
    n = input._data.shape[0]
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    idx = np.fromiter(itertools.chain.from_iterable(pick(range(n), r)), dtype=np.int64)
    return input.index_select(0, tensor(idx, device=input.device)).reshape(-1, r)


@export("block_diag", method=False)
def block_diag(*tensors):
    """A block-diagonal matrix of the given tensors (0-D and 1-D ones count as one
    row), promoted to their common dtype, zeros elsewhere (torch.block_diag)."""
    tensors = _tensor_args(tensors)
    for i, t in enumerate(tensors):
        if t._data.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. "
                               f"Input {i} has {t._data.ndim} dimensions")
    if not tensors:
        return zeros((1, 0))
    dtype = D.result_type_of([t._dtype for t in tensors if t._data.ndim],
                             [t._dtype for t in tensors if not t._data.ndim], [])
    blocks = [t.reshape(1, -1) if t._data.ndim < 2 else t for t in tensors]
    width = sum(b._data.shape[1] for b in blocks)
    rows, left = [], 0
    for b in blocks:
        h, w = b._data.shape
        rows.append(cat([zeros((h, left), dtype=dtype, device=b.device), b.to(dtype),
                         zeros((h, width - left - w), dtype=dtype, device=b.device)], 1))
        left += w
    return cat(rows, 0)


def _powers(x, n: int):
    """x[..., None] ** [0, 1, ..., n - 1] as a running product (exact for integers
    and with gradients that stay finite at 0)."""
    first = ones(x._data.shape + (1,), dtype=x._dtype, device=x.device)
    if n == 1:
        return first
    rest = x.unsqueeze(-1).expand(*x._data.shape, n - 1)
    return cat([first, rest], -1).cumprod(-1)


def _vander_dtype(x):
    return D.int64 if x._dtype.category < D.FLOAT else x._dtype


@export("vander", method=False)
def vander(x, N: int | None = None, increasing: bool = False):
    """Vandermonde matrix with columns x**(N-1), ..., x**0 (reversed when
    ``increasing``); integers and bool become int64 (torch.vander)."""
    if x._data.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    if N is None:
        N = x._data.shape[0]
    if N < 0:
        raise RuntimeError("N must be non-negative.")
    x = x.to(_vander_dtype(x))
    if N == 0:
        return zeros((x._data.shape[0], 0), dtype=x._dtype, device=x.device)
    r = _powers(x, N)
    return r if increasing else r.flip(-1)


def linalg_vander(x, *, N: int | None = None):
    """Batched Vandermonde matrices with columns x**0, ..., x**(N-1) over the
    last dim of ``x`` (torch.linalg.vander)."""
    if x._dtype is D.bool_:
        raise RuntimeError("linalg.vander supports floating point, complex, and integer tensors, "
                           "but got Bool")
    if x._data.ndim == 0:
        x = x.reshape(1)
    if N is None:
        N = x._data.shape[-1]
    if N <= 1:
        raise RuntimeError("N must be greater than 1.")
    return _powers(x.to(_vander_dtype(x)), N)


@export("unravel_index", method=False)
def unravel_index(indices, shape):
    """Coordinates in an array of ``shape`` of the given flat indices, one int64
    tensor per dim (indices wrap around modulo the shape) (torch.unravel_index)."""
    if not isinstance(indices, Tensor):
        raise TypeError(f"expected 'indices' to be a Tensor, but got {type(indices)}")
    if indices._dtype.category != D.INT:
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices._dtype}")
    if isinstance(shape, numbers.Integral):
        shape = (shape,)
    elif isinstance(shape, (list, tuple)):
        for s in shape:
            if not isinstance(s, numbers.Integral):
                raise TypeError(f"expected 'shape' sequence to only contain ints, but got "
                                f"{type(s)}")
    else:
        raise TypeError(f"expected 'shape' to be int or sequence of ints, but got {type(shape)}")
    shape = tuple(int(s) for s in shape)
    if any(s < 0 for s in shape):
        raise ValueError(f"'shape' cannot have negative values, but got {shape}")
    if 0 in shape and indices._data.size:
        raise RuntimeError(f"ZeroDivisionError: cannot unravel indices into shape {shape}, "
                           f"which has no elements")
    flat = indices._data.astype(np.int64)
    out = []
    stride = 1
    for s in reversed(shape):
        if stride > np.iinfo(np.int64).max:   # the coordinate is 0 (or -1 wrapped) past int64
            coord = np.where(flat < 0, s - 1, 0)
        else:
            coord = (flat // stride) % s if s else flat * 0
        out.append(tensor(np.asarray(coord, dtype=np.int64), device=indices.device))
        stride *= s
    return tuple(reversed(out))
