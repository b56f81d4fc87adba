"""Distances between vectors: cosine_similarity, pairwise_distance, pdist.

Composites of ember ops (norms, indexing), so gradients of every order come
from those ops; torch's conventions are kept where they matter: cosine
similarity divides each input by its own norm clamped below by eps (the clamp
is not differentiated, as in torch), pairwise_distance adds eps to the
difference, pdist lists the upper triangle of the distance matrix row by row.
"""
from __future__ import annotations

from .. import _dtype as D
from ..autograd import grad_mode
from ._api import check_tensor, export
from .creation import broadcast_shapes
from .rearrange import triu_indices
from .registry import _promote, _torch_type_name


def _as_float(t):
    return t if t._dtype.category >= D.FLOAT else t.to(D.get_default_dtype())


@export("cosine_similarity", method=False)
def cosine_similarity(x1, x2, dim: int = 1, eps: float = 1e-8):
    """Cosine of the angle between x1 and x2 along ``dim``, broadcasting (torch.cosine_similarity)."""
    check_tensor(x1, "cosine_similarity", "x1")
    check_tensor(x2, "cosine_similarity", "x2", 2)
    common = _promote((x1, x2))
    if common.category != D.FLOAT:
        raise RuntimeError(f"expected common dtype to be floating point, yet common dtype is "
                           f"{_torch_type_name(common)}")
    x1, x2 = x1.to(common), x2.to(common)
    x1, x2 = _expand(x1, x2)
    n1 = x1.norm(2, dim=dim, keepdim=True).clone()
    n2 = x2.norm(2, dim=dim, keepdim=True).clone()
    with grad_mode.no_grad():
        n1.clamp_min_(eps)
        n2.clamp_min_(eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def _expand(x1, x2):
    shape = broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    return x1.expand(shape), x2.expand(shape)


@export("pairwise_distance", method=False)
def pairwise_distance(x1, x2, p: float = 2.0, eps: float = 1e-06, keepdim: bool = False):
    """p-norm of x1 - x2 + eps along the last dim of the broadcast shape (torch.pairwise_distance)."""
    check_tensor(x1, "pairwise_distance", "x1")
    check_tensor(x2, "pairwise_distance", "x2", 2)
    dim = max(x1.ndim, x2.ndim) - 1
    return _as_float(x1 - x2 + eps).norm(p, dim=dim, keepdim=keepdim)


@export("pdist", method=False)
def pdist(input, p: float = 2):
    """p-norm distances between the rows of a 2-D input, pairs i < j in row order (torch.pdist)."""
    check_tensor(input, "pdist")
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if input._dtype.category != D.FLOAT:
        raise RuntimeError("pdist only supports floating-point dtypes")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    n = input.shape[0]
    ij = triu_indices(n, n, 1, device=input.device)
    diff = input.index_select(0, ij[0]) - input.index_select(0, ij[1])
    return diff.norm(p, dim=1)
