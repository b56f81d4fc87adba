"""The orthogonal parametrization behind ``parametrizations.orthogonal``, with the
matrix functions it needs written as differentiable composites of ember ops:
the matrix exponential (scaling and squaring of a Taylor polynomial), the
product of Householder reflections, and a Householder QR (geqrf's output)."""
from __future__ import annotations

import math

import ember
from ember.nn.modules.module import Module

__all__: list = []


def _eye_like(x, n: int, k: int | None = None):
    return ember.eye(n, n if k is None else k, dtype=x.dtype, device=x.device)


def matrix_exp(a):
    """exp(a) for a square matrix or batch, differentiable (scaling and squaring)."""
    n = a.shape[-1]
    with ember.no_grad():
        norm = float(a.abs().sum(-2).amax()) if a.numel() else 0.0
    squarings = max(0, int(math.ceil(math.log2(norm))) + 1) if norm > 0.5 else 0
    x = a / (2.0 ** squarings)
    term = _eye_like(a, n).expand(a.shape)
    result = term
    for k in range(1, 19):          # ||x|| <= 1/2: the remainder is below 1e-23
        term = (term @ x) / k
        result = result + term
    for _ in range(squarings):
        result = result @ result
    return result


def householder_product(a, tau):
    """The first k columns of H_1 ... H_k, H_i = I - tau_i v_i v_i^H, where v_i is column
    i of a below the diagonal with a unit diagonal (torch.linalg.householder_product)."""
    n, k = a.shape[-2], tau.shape[-1]
    v = a[..., :, :k].tril(-1) + _eye_like(a, n, k)
    q = _eye_like(a, n).expand(a.shape[:-2] + (n, n))
    for i in range(k):
        vi = v[..., :, i:i + 1]
        q = q - (q @ vi) * tau[..., i:i + 1, None] @ vi.mH
    return q[..., :, :a.shape[-1]]


def geqrf(a):
    """Householder QR in LAPACK's compact form: (reflectors below the diagonal with R
    on and above it, tau), so that householder_product gives Q (torch.geqrf)."""
    with ember.no_grad():
        r = a.clone()
        m, n = r.shape[-2], r.shape[-1]
        k = min(m, n)
        taus = []
        for j in range(k):
            x = r[..., j:, j]
            alpha = x[..., 0]
            xnorm = ember.linalg.vector_norm(x, dim=-1)
            sign = ember.where(alpha.real >= 0, 1.0, -1.0).to(r.dtype)
            beta = -sign * xnorm
            tail = (x[..., 1:].abs() ** 2).sum(-1)
            zero = tail == 0
            safe = ember.where(zero, ember.ones_like(beta), alpha - beta)
            tau = ember.where(zero, ember.zeros_like(beta), (beta - alpha) / beta)
            vtail = x[..., 1:] / safe[..., None]
            v = ember.cat([ember.ones_like(alpha)[..., None], vtail], dim=-1)
            # apply H = I - tau v v^H to the trailing columns
            block = r[..., j:, j:]
            w = (v.conj()[..., :, None] * block).sum(-2)
            block = block - tau[..., None, None] * v[..., :, None] * w[..., None, :]
            r[..., j:, j:] = block
            diag = ember.where(zero, alpha, beta)
            r[..., j, j] = diag
            r[..., j + 1:, j] = ember.where(zero[..., None], x[..., 1:], vtail)
            taus.append(tau)
        tau = ember.stack(taus, dim=-1) if taus else a.new_zeros(a.shape[:-2] + (0,))
    return r, tau


def _is_orthogonal(q) -> bool:
    n, k = q.shape[-2], q.shape[-1]
    eps = 10.0 * n * ember.finfo(q.dtype).eps
    return bool(ember.allclose(q.mH @ q, _eye_like(q, k), atol=eps))


def _make_orthogonal(a):
    """The Q of a's QR factorisation with the signs of R's diagonal folded in."""
    q, r = ember.linalg.qr(a)
    return q * r.diagonal(dim1=-2, dim2=-1).sgn().unsqueeze(-2)


class _Orthogonal(Module):
    def __init__(self, weight, orthogonal_map: str, *, use_trivialization: bool = True) -> None:
        super().__init__()
        if weight.is_complex() and orthogonal_map == "householder":
            raise ValueError("The householder parametrization does not support complex tensors.")
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, x):
        n, k = x.shape[-2], x.shape[-1]
        transposed = n < k
        if transposed:
            x = x.mT
            n, k = k, n
        if self.orthogonal_map in ("matrix_exp", "cayley"):
            x = x.tril()
            if n != k:
                x = ember.cat([x, x.new_zeros(n, n - k).expand(*x.shape[:-2], -1, -1)], dim=-1)
            a = x - x.mH
            if self.orthogonal_map == "matrix_exp":
                q = matrix_exp(a)
            else:
                eye = _eye_like(a, n)
                q = ember.linalg.solve(eye - 0.5 * a, eye + 0.5 * a)
            if n != k:
                q = q[..., :k]
        else:
            a = x.tril(diagonal=-1)
            tau = 2.0 / (1.0 + (a * a).sum(dim=-2))
            q = householder_product(a, tau)
            q = q * x.diagonal(dim1=-2, dim2=-1).int().unsqueeze(-2)
        if hasattr(self, "base"):
            q = self.base @ q
        if transposed:
            q = q.mT
        return q

    def right_inverse(self, q):
        with ember.no_grad():
            if q.shape != self.shape:
                raise ValueError(f"Expected a matrix or batch of matrices of shape {self.shape}. "
                                 f"Got a tensor of shape {q.shape}.")
            q_init = q
            n, k = q.shape[-2], q.shape[-1]
            transpose = n < k
            if transpose:
                q = q.mT
                n, k = k, n
            if not hasattr(self, "base"):
                if self.orthogonal_map in ("cayley", "matrix_exp"):
                    raise NotImplementedError("It is not possible to assign to the matrix exponential "
                                              "or the Cayley parametrizations when "
                                              "use_trivialization=False.")
                a, tau = geqrf(q)
                diag = a.diagonal(dim1=-2, dim2=-1)
                diag.copy_(ember.where(tau == 0.0, -diag.sign(), diag.sign()))
                return a.mT if transpose else a
            if n == k:
                q = _make_orthogonal(q) if not _is_orthogonal(q) else q.clone()
            else:
                extra = ember.randn(*(q.shape[:-2] + (n, n - k)), dtype=q.dtype, device=q.device)
                q = _make_orthogonal(ember.cat([q, extra], dim=-1))
            self.base = q
            neg_eye = ember.zeros_like(q_init)
            neg_eye.diagonal(dim1=-2, dim2=-1).fill_(-1.0)
            return neg_eye
