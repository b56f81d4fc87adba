"""The oracle harness: run the same call through ember and torch and compare.

A test describes a call as ``fn(lib, *args, **kwargs)`` where ``lib`` is the
ember or torch module, and gives sample arguments as NumPy arrays (turned into
a tensor of each library) or plain values. ``check`` compares outputs (values,
dtype, shape), first-order gradients for a random output gradient, and
second-order gradients (grad of <grad, v>), all against torch.
"""
from __future__ import annotations

import numpy as np
import torch

import ember

RNG_SEED = 1234


class NC:
    """A sample array passed as a non-contiguous view (a transposed copy, transposed back)."""

    def __init__(self, array):
        self.array = array


class Sample:
    """Arguments for one call. grad=False: compare values only. fd=False: skip the
    finite-difference checks (for points where the function is not smooth, e.g.
    ties, or whose inputs must keep a structure such as symmetry)."""

    def __init__(self, *args, grad=True, fd=True, **kwargs):
        self.args = args
        self.kwargs = kwargs
        self.grad = grad
        self.fd = fd

    def __repr__(self) -> str:
        def show(a):
            a = a.array if isinstance(a, NC) else a
            return f"array{a.shape}:{a.dtype}" if isinstance(a, np.ndarray) else repr(a)
        return f"Sample({', '.join(show(a) for a in self.args)}, {self.kwargs})"


def rand(*shape, dtype=np.float64, low=-2.0, high=2.0, seed=None):
    rng = np.random.default_rng(seed if seed is not None else hash(shape) % 2**32)
    if np.dtype(dtype).kind == "b":
        return np.asarray(rng.random(shape) > 0.5)
    if np.dtype(dtype).kind in "iu":
        return np.asarray(rng.integers(int(low), int(high) + 1, size=shape).astype(dtype))
    if np.dtype(dtype).kind == "c":
        return np.asarray((rng.uniform(low, high, shape)
                           + 1j * rng.uniform(low, high, shape)).astype(dtype))
    return np.asarray(rng.uniform(low, high, shape).astype(dtype))


def _convert(lib, a, requires_grad):
    if isinstance(a, NC):
        arr = np.ascontiguousarray(np.swapaxes(a.array, 0, -1))
        t = lib.from_numpy(arr.copy()) if lib is torch else ember.tensor(arr)
        t = t.transpose(0, -1)
        assert a.array.ndim < 2 or a.array.shape[0] == 1 or not t.is_contiguous()
        if requires_grad and t.dtype.is_floating_point:
            t = t.detach().requires_grad_(True) if lib is torch else _leaf_view(t)
        return t
    if isinstance(a, np.ndarray):
        t = lib.tensor(a)
        if requires_grad and (t.is_floating_point() or t.is_complex()):
            t.requires_grad_(True)
        return t
    if isinstance(a, (list, tuple)) and a and all(isinstance(x, (np.ndarray, NC)) for x in a):
        return type(a)(_convert(lib, x, requires_grad) for x in a)
    return a


def _leaf_view(t):
    """An ember leaf that requires grad and is a non-contiguous view of its own buffer."""
    base = t.detach()
    base.requires_grad_(True)
    return base


def _flat(out):
    if isinstance(out, (tuple, list)):
        res = []
        for o in out:
            res.extend(_flat(o))
        return res
    if hasattr(out, "_fields"):
        return _flat(tuple(out))
    return [out]


def to_numpy(t):
    if isinstance(t, torch.Tensor):
        t = t.detach()
        if t.dtype == torch.bfloat16:
            t = t.float()
        return t.numpy(force=True)
    if isinstance(t, ember.Tensor):
        t = t.detach()
        if t.dtype is ember.bfloat16:
            t = t.float()
        return np.asarray(t.numpy())
    return np.asarray(t)


def dtype_name(t) -> str:
    return str(t.dtype).split(".")[-1]


def assert_close(e, t, rtol=1e-5, atol=1e-6, what="output"):
    """ember value e equals torch value t: same type, dtype, shape and values."""
    if isinstance(t, torch.Tensor):
        assert isinstance(e, ember.Tensor), f"{what}: expected a Tensor, got {type(e).__name__}"
        assert dtype_name(e) == dtype_name(t), f"{what}: dtype {e.dtype} vs torch {t.dtype}"
        assert tuple(e.shape) == tuple(t.shape), f"{what}: shape {tuple(e.shape)} vs torch {tuple(t.shape)}"
        ev, tv = to_numpy(e), to_numpy(t)
        if ev.dtype.kind in "fc":
            np.testing.assert_allclose(ev, tv, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)
        else:
            np.testing.assert_array_equal(ev, tv, err_msg=what)
    elif isinstance(t, (list, tuple)):
        assert isinstance(e, (list, tuple)) and len(e) == len(t), f"{what}: {e!r} vs torch {t!r}"
        for i, (a, b) in enumerate(zip(e, t)):
            assert_close(a, b, rtol, atol, f"{what}[{i}]")
    elif isinstance(t, float):
        assert isinstance(e, (float, int)), f"{what}: {type(e)} vs float"
        np.testing.assert_allclose(e, t, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)
    else:
        assert e == t, f"{what}: {e!r} vs torch {t!r}"


def _grad_inputs(args):
    return [a for a in _flat(list(args)) if isinstance(a, (torch.Tensor, ember.Tensor))
            and a.requires_grad]


FD_MAX_NUMEL = 24  # finite differences cost two evaluations per input element


def _finite_difference_checks(fn, e_args, e_inputs, kwargs, gradgrad):
    if any(t.dtype is not ember.float64 for t in e_inputs):
        return
    if sum(t.numel() for t in e_inputs) > FD_MAX_NUMEL:
        return
    positions = {id(t): k for k, t in enumerate(e_inputs)}

    def rebuild(a, flat):
        if isinstance(a, ember.Tensor) and id(a) in positions:
            return flat[positions[id(a)]]
        if isinstance(a, (list, tuple)) and any(isinstance(x, ember.Tensor) for x in a):
            return type(a)(rebuild(x, flat) for x in a)
        return a

    def func(*flat):
        out = fn(ember, *[rebuild(a, flat) for a in e_args], **kwargs)
        outs = [o for o in _flat(out) if isinstance(o, ember.Tensor) and o.requires_grad]
        return tuple(_real(o) for o in outs)

    leaves = [t.detach().clone().requires_grad_(True) for t in e_inputs]
    values = func(*leaves)
    if not all(bool(v.detach().isfinite().all()) for v in values):
        return  # no derivative to approximate where the function is not finite
    ember.autograd.gradcheck(func, leaves, atol=1e-6, rtol=1e-4)
    if gradgrad:
        ember.autograd.gradgradcheck(func, leaves, atol=1e-6, rtol=1e-4)


def _real(t):
    return t.real if t.is_complex() else t


def check(fn, sample: Sample, *, grad=True, gradgrad=True, rtol=1e-5, atol=1e-6,
          grad_rtol=None, grad_atol=None, fd=True):
    """Run fn on ember and torch with the sample's arguments and compare
    outputs, gradients and second-order gradients; for small float64 samples
    also check ember's gradients against finite differences (gradcheck and
    gradgradcheck), unless fd=False (say why where a test turns it off)."""
    grad = grad and sample.grad
    e_args = [_convert(ember, a, grad) for a in sample.args]
    t_args = [_convert(torch, a, grad) for a in sample.args]
    t_out = fn(torch, *t_args, **sample.kwargs)
    e_out = fn(ember, *e_args, **sample.kwargs)
    assert_close(e_out, t_out, rtol, atol)
    if not grad:
        return
    t_inputs, e_inputs = _grad_inputs(t_args), _grad_inputs(e_args)
    t_outs = [o for o in _flat(t_out) if isinstance(o, torch.Tensor) and o.requires_grad]
    e_outs = [o for o in _flat(e_out) if isinstance(o, ember.Tensor) and o.requires_grad]
    assert len(t_outs) == len(e_outs), "outputs requiring grad differ from torch"
    if not t_inputs or not t_outs:
        return
    rng = np.random.default_rng(RNG_SEED)
    vs = [rng.standard_normal(tuple(o.shape)) for o in t_outs]
    t_vs = [torch.tensor(v, dtype=o.dtype) for v, o in zip(vs, t_outs)]
    e_vs = [ember.tensor(v, dtype=getattr(ember, dtype_name(o))) for v, o in zip(vs, t_outs)]
    t_g = torch.autograd.grad(t_outs, t_inputs, t_vs, allow_unused=True, create_graph=gradgrad)
    e_g = ember.autograd.grad(e_outs, e_inputs, e_vs, allow_unused=True, create_graph=gradgrad)
    g_rtol, g_atol = grad_rtol or rtol * 10, grad_atol or atol * 10
    for i, (a, b) in enumerate(zip(e_g, t_g)):
        if b is None:
            assert a is None or not to_numpy(a).any(), f"grad[{i}]: torch has none"
            continue
        if a is None:  # ember knows the gradient is zero; torch may materialize it
            assert not to_numpy(b).any(), f"grad[{i}]: ember returned None"
            continue
        assert_close(a, b, g_rtol, g_atol, f"grad[{i}]")
    if fd and sample.fd:
        _finite_difference_checks(fn, e_args, e_inputs, sample.kwargs, gradgrad)
    if not gradgrad:
        return
    # (a None first-order grad from ember means a constant zero: nothing to differentiate)
    pairs = [(a, b) for a, b in zip(e_g, t_g)
             if a is not None and b is not None and b.requires_grad]
    if not pairs:
        return
    ws = [rng.standard_normal(tuple(b.shape)) for _, b in pairs]
    # a complex gradient enters the second-order loss through its real part
    t_s = sum(_real((b * torch.tensor(w, dtype=b.dtype)).sum()) for (_, b), w in zip(pairs, ws))
    t_gg = torch.autograd.grad(t_s, t_inputs, allow_unused=True)
    # a first-order grad that ember computed without history is constant: its
    # second-order grads are zero, which torch's must then be too
    e_terms = [_real((a * ember.tensor(w, dtype=a.dtype)).sum())
               for (a, _), w in zip(pairs, ws) if a.requires_grad]
    e_gg = (ember.autograd.grad(sum(e_terms), e_inputs, allow_unused=True) if e_terms
            else [None] * len(e_inputs))
    for i, (a, b) in enumerate(zip(e_gg, t_gg)):
        if b is None or a is None:
            for x in (a, b):
                assert x is None or not to_numpy(x).any(), f"gradgrad[{i}]: one side is zero"
            continue
        assert_close(a, b, g_rtol * 10, g_atol * 10, f"gradgrad[{i}]")


def check_error(fn, args_np, exc_type, *match, **kwargs):
    """Both libraries raise exc_type for the same call; ember's message holds
    each of the ``match`` phrases."""
    import pytest
    with pytest.raises(exc_type):
        fn(torch, *[_convert(torch, a, False) for a in args_np], **kwargs)
    with pytest.raises(exc_type) as info:
        fn(ember, *[_convert(ember, a, False) for a in args_np], **kwargs)
    for m in match:
        assert m in str(info.value), f"{m!r} not in {str(info.value)!r}"
