"""Check analytical gradients against finite differences
(torch.autograd.gradcheck / gradgradcheck).

The numerical Jacobian perturbs one input element at a time by +-eps (central
differences, in the input's own dtype: use float64 inputs); the analytical
one runs backward once per output element with a one-hot grad_output. Both
are (input numel x output numel) matrices, compared with
|analytical - numerical| <= atol + rtol * |numerical|.
"""
from __future__ import annotations

import warnings
from typing import Callable

import numpy as np

from . import grad_mode
from . import graph as _graph

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]


class GradcheckError(RuntimeError):
    """Raised by gradcheck and gradgradcheck when a check fails."""


def _as_tuple(x) -> tuple:
    if isinstance(x, tuple):
        return x
    if isinstance(x, list):
        return tuple(x)
    return (x,)


def _host(t) -> np.ndarray:
    return np.asarray(t._device.backend.to_numpy(t.detach()._data), dtype=np.complex128
                      if t.is_complex() else np.float64)


def _differentiable(t) -> bool:
    return isinstance(t, _graph._Tensor) and (t.is_floating_point() or t.is_complex())


def _evaluate(func, inputs) -> list:
    """func's tensor outputs as flat float64 host arrays."""
    out = _as_tuple(func(*inputs))
    # copies: an output may share memory with an input that is perturbed in place
    return [np.array(_host(o), copy=True).reshape(-1) for o in out if _differentiable(o)]


def _numerical(func, inputs, diff_idx, eps):
    """[output][input] -> (numel(input), numel(output)) central-difference Jacobians."""
    sizes = [o.size for o in _evaluate(func, inputs)]
    result = [[None] * len(diff_idx) for _ in sizes]
    for j, idx in enumerate(diff_idx):
        arr = inputs[idx]._data
        cols = [np.zeros((arr.size, n)) for n in sizes]
        for k in range(arr.size):
            pos = np.unravel_index(k, arr.shape)
            orig = arr[pos].copy()
            arr[pos] = orig + eps
            plus = _evaluate(func, inputs)
            arr[pos] = orig - eps
            minus = _evaluate(func, inputs)
            arr[pos] = orig
            for i, (p, m) in enumerate(zip(plus, minus)):
                cols[i][k] = (p - m) / (2 * eps)
        for i in range(len(sizes)):
            result[i][j] = cols[i]
    return result


def _analytical(outputs, diff_inputs):
    """[output][input] -> (numel(input), numel(output)) Jacobians by backward, or raise
    GradcheckError for a gradient of the wrong shape."""
    from . import grad as _autograd_grad
    from .. import zeros
    result = []
    for i, out in enumerate(outputs):
        mats = [np.zeros((x.numel(), out.numel())) for x in diff_inputs]
        if out.requires_grad:
            for m in range(out.numel()):
                onehot = zeros(out.numel(), dtype=out.dtype, device=out.device)
                onehot._data[m] = 1
                onehot = onehot.reshape(tuple(out.shape))
                grads = _autograd_grad(out, diff_inputs, onehot, retain_graph=True,
                                       allow_unused=True)
                for j, (g, x) in enumerate(zip(grads, diff_inputs)):
                    if g is None:
                        continue
                    if tuple(g.shape) != tuple(x.shape):
                        raise GradcheckError("Analytical gradient has incorrect size")
                    mats[j][:, m] = _host(g).reshape(-1)
        result.append(mats)
    return result


def _fail(message: str, raise_exception: bool) -> bool:
    if raise_exception:
        raise GradcheckError(message)
    return False


def _show(a: np.ndarray):
    from .. import tensor
    return tensor(a)


def gradcheck(func: Callable, inputs, *, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, raise_exception: bool = True, nondet_tol: float = 0.0,
              check_undefined_grad: bool = True, check_grad_dtypes: bool = False,
              check_batched_grad: bool = False, check_batched_forward_grad: bool = False,
              check_forward_ad: bool = False, check_backward_ad: bool = True,
              fast_mode: bool = False, masked: bool | None = None) -> bool:
    """Compare the gradients of func at inputs computed by backward with central finite
    differences (torch.autograd.gradcheck). Returns True, or raises GradcheckError
    (returns False with raise_exception=False)."""
    inputs = _as_tuple(inputs)
    diff_idx = [k for k, t in enumerate(inputs)
                if isinstance(t, _graph._Tensor) and t.requires_grad]
    if not diff_idx:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but "
                         "none of the them have requires_grad=True.")
    for k in diff_idx:
        if inputs[k].dtype.name not in ("float64", "complex128"):
            warnings.warn(
                f"Input #{k} requires gradient and is not a double precision floating point or "
                "complex. This check will likely fail if all the inputs are not of double "
                "precision floating point or complex. ", UserWarning, stacklevel=2)
    diff_inputs = [inputs[k] for k in diff_idx]
    with grad_mode.enable_grad():
        outputs = [o for o in _as_tuple(func(*inputs)) if _differentiable(o)]
    numerical = _numerical(func, inputs, diff_idx, eps)

    for i, out in enumerate(outputs):
        if not out.requires_grad:
            for n in numerical[i]:
                if n.size and not np.allclose(n, 0.0, rtol=rtol, atol=atol):
                    return _fail("Numerical gradient for function expected to be zero",
                                 raise_exception)
    if not check_backward_ad:
        return True

    analytical = _analytical(outputs, diff_inputs)
    repeat = _analytical(outputs, diff_inputs)
    for i in range(len(outputs)):
        for j in range(len(diff_inputs)):
            a, n = analytical[i][j], numerical[i][j]
            if not np.allclose(a, n, rtol=rtol, atol=atol, equal_nan=False):
                return _fail(f"Jacobian mismatch for output {i} with respect to input {j},\n"
                             f"numerical:{_show(n)!r}\nanalytical:{_show(a)!r}\n",
                             raise_exception)
            if a.size and np.abs(a - repeat[i][j]).max() > nondet_tol:
                return _fail(
                    "Backward is not reentrant, i.e., running backward with same input and "
                    "grad_output multiple times gives different values, although analytical "
                    "gradient matches numerical gradient.The tolerance for nondeterminism was "
                    f"{nondet_tol}.", raise_exception)

    if not _zero_grads_give_zero(outputs, diff_inputs):
        return _fail("backward not multiplied by grad_output", raise_exception)
    return True


def _zero_grads_give_zero(outputs, diff_inputs) -> bool:
    """Backward with all-zero output gradients must give zero (or no) input gradients."""
    from . import grad as _autograd_grad
    from .. import zeros_like
    outs = [o for o in outputs if o.requires_grad]
    if not outs:
        return True
    grads = _autograd_grad(outs, diff_inputs, [zeros_like(o) for o in outs],
                           retain_graph=True, allow_unused=True)
    return all(g is None or not _host(g).any() for g in grads)


def gradgradcheck(func: Callable, inputs, grad_outputs=None, *, eps: float = 1e-6,
                  atol: float = 1e-5, rtol: float = 1e-3,
                  gen_non_contig_grad_outputs: bool = False, raise_exception: bool = True,
                  nondet_tol: float = 0.0, check_undefined_grad: bool = True,
                  check_grad_dtypes: bool = False, check_batched_grad: bool = False,
                  check_fwd_over_rev: bool = False, check_rev_over_rev: bool = True,
                  fast_mode: bool = False, masked: bool = False) -> bool:
    """gradcheck of the gradients of func: checks second derivatives against finite
    differences of the first (torch.autograd.gradgradcheck). Random grad_outputs are
    drawn when none are given."""
    from . import grad as _autograd_grad
    from .. import tensor
    inputs = _as_tuple(inputs)
    if grad_outputs is None:
        with grad_mode.enable_grad():
            outs = [o for o in _as_tuple(func(*inputs)) if _differentiable(o) and o.requires_grad]
        rng = np.random.default_rng(0)
        grad_outputs = tuple(
            tensor(rng.uniform(-1.0, 1.0, tuple(o.shape)), dtype=o.dtype, device=o.device,
                   requires_grad=True) for o in outs)
        if gen_non_contig_grad_outputs:
            grad_outputs = tuple(_non_contiguous(g) for g in grad_outputs)
    else:
        grad_outputs = _as_tuple(grad_outputs)
    n_in = len(inputs)

    def first_grads(*args):
        xs, gos = args[:n_in], args[n_in:]
        outs = [o for o in _as_tuple(func(*xs)) if _differentiable(o) and o.requires_grad]
        diff = [x for x in xs if isinstance(x, _graph._Tensor) and x.requires_grad]
        grads = _autograd_grad(outs, diff, list(gos), create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_grads, inputs + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol,
                     check_undefined_grad=check_undefined_grad,
                     check_grad_dtypes=check_grad_dtypes, fast_mode=fast_mode)


def _non_contiguous(t):
    """The same values in a non-contiguous layout, as a leaf requiring grad."""
    from .. import zeros
    if t.dim() == 0:
        return t
    holder = zeros((*t.shape, 2), dtype=t.dtype, device=t.device)
    holder._data[..., 0] = t._data
    out = _graph._make(holder._data[..., 0], t.dtype, t.device)
    out.requires_grad_(t.requires_grad)
    return out
