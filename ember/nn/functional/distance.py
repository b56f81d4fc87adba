"""Distance functions of torch.nn.functional (implemented in ember/ops/nn_distance.py)."""
from __future__ import annotations

from ...ops.nn_distance import cosine_similarity, pairwise_distance, pdist

__all__ = ["cosine_similarity", "pairwise_distance", "pdist"]

