"""ember.linalg: torch.linalg's names, bound to the ops in ember/ops/linalg*.py."""
from __future__ import annotations

from .ops.combinatorics import linalg_vander as vander
from .ops.linalg import linalg_cross as cross
from .ops.linalg import matmul, vector_norm
from .ops.linalg_decomp import (
    LinAlgError, cholesky_ex, det, eig, eigh, eigvals, eigvalsh, inv, inv_ex, solve, solve_ex,
    solve_triangular, svdvals,
)
from .ops.linalg_funcs import (
    cond, diagonal, lstsq, matrix_norm, matrix_power, matrix_rank, multi_dot, norm, pinv, vecdot,
)
from .ops.linalg_decomp import linalg_cholesky as cholesky
from .ops.linalg_decomp import linalg_qr as qr
from .ops.linalg_decomp import linalg_slogdet as slogdet
from .ops.linalg_decomp import linalg_svd as svd

__all__ = [
    "LinAlgError", "cholesky", "cholesky_ex", "cond", "cross", "det", "diagonal", "eig", "eigh",
    "eigvals", "eigvalsh", "inv", "inv_ex", "lstsq", "matmul", "matrix_norm", "matrix_power",
    "matrix_rank", "multi_dot", "norm", "pinv", "qr", "slogdet", "solve", "solve_ex",
    "solve_triangular", "svd", "svdvals", "vander", "vecdot", "vector_norm",
]
