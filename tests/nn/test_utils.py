"""ember.nn.utils against torch.nn.utils: gradient clipping and parameter/vector
conversion (parametrizations, weight/spectral norm and fusion live in
test_utils_parametrize.py)."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch

import ember
from ember.nn.parameter import Parameter
from ember.nn.utils import clip_grad, convert_parameters


def _np(t):
    return np.array(t.detach().numpy(), dtype=np.float64)


def _pair(shapes, dtype="float32", seed=0, none_at=(), special=None):
    """The same parameters with the same grads in both libraries."""
    rng = np.random.default_rng(seed)
    ember_ps, torch_ps = [], []
    for i, shape in enumerate(shapes):
        data = rng.standard_normal(shape).astype(dtype)
        grad = (rng.standard_normal(shape) * (i + 1)).astype(dtype)
        if special is not None and i == 0 and grad.size:
            grad.reshape(-1)[0] = special
        e = ember.tensor(data, requires_grad=True)
        t = torch.tensor(data, requires_grad=True)
        if i not in none_at:
            e.grad = ember.tensor(grad)
            t.grad = torch.tensor(grad)
        ember_ps.append(e)
        torch_ps.append(t)
    return ember_ps, torch_ps


def _assert_grads_equal(ember_ps, torch_ps, rtol):
    for e, t in zip(ember_ps, torch_ps):
        if t.grad is None:
            assert e.grad is None
        else:
            np.testing.assert_allclose(_np(e.grad), t.grad.numpy(), rtol=rtol, atol=0)
            assert str(e.grad.dtype).split(".")[1] == str(t.grad.dtype).split(".")[1]


SHAPES = [(3, 4), (5,), (), (2, 3, 2), (0, 3)]
CLIP_CASES = [
    (1.0, 2.0), (0.1, 2.0), (1e4, 2.0), (1.0, 1.0), (1.0, 3.0), (1.0, 0.5),
    (1.0, math.inf), (1.0, -math.inf), (1.0, 0.0), (2, 2), (0.0, 2.0), (1.0, "inf"),
]


@pytest.mark.parametrize("dtype,rtol", [("float32", 2e-6), ("float64", 1e-13)])
@pytest.mark.parametrize("max_norm,norm_type", CLIP_CASES)
@pytest.mark.parametrize("foreach", [None, False, True])
def test_clip_grad_norm_matches_torch(max_norm, norm_type, dtype, rtol, foreach):
    # torch refuses the infinity norms of empty gradients (tested below)
    shapes = SHAPES[:-1] if math.isinf(float(norm_type)) else SHAPES
    eps, tps = _pair(shapes, dtype, none_at=(1,))
    t_total = torch.nn.utils.clip_grad_norm_(tps, max_norm, norm_type, foreach=foreach)
    e_total = clip_grad.clip_grad_norm_(eps, max_norm, norm_type, foreach=foreach)
    assert isinstance(e_total, ember.Tensor) and e_total.shape == ()
    np.testing.assert_allclose(float(e_total), float(t_total), rtol=rtol)
    _assert_grads_equal(eps, tps, rtol)


@pytest.mark.parametrize("norm_type", [math.inf, -math.inf])
def test_clip_grad_norm_inf_of_empty_grad_raises(norm_type):
    eps, tps = _pair([(3,), (0, 2)])
    with pytest.raises(RuntimeError) as t_err:
        torch.nn.utils.clip_grad_norm_(tps, 1.0, norm_type, foreach=False)
    with pytest.raises(RuntimeError) as e_err:
        clip_grad.clip_grad_norm_(eps, 1.0, norm_type)
    assert str(e_err.value) == str(t_err.value)


def test_clip_grad_norm_single_tensor_and_generator():
    eps, tps = _pair([(4, 5)])
    t_total = torch.nn.utils.clip_grad_norm_(tps[0], 0.5)
    e_total = clip_grad.clip_grad_norm_(eps[0], 0.5)
    np.testing.assert_allclose(float(e_total), float(t_total), rtol=2e-6)
    _assert_grads_equal(eps, tps, 2e-6)
    eps, tps = _pair([(4, 5), (3,)], seed=1)
    torch.nn.utils.clip_grad_norm_((p for p in tps), 0.5)
    clip_grad.clip_grad_norm_((p for p in eps), 0.5)
    _assert_grads_equal(eps, tps, 2e-6)
    total = ember.linalg.vector_norm(ember.cat([p.grad.reshape(-1) for p in eps]))
    assert float(total) == pytest.approx(0.5, rel=1e-5)


def test_clip_grad_norm_mixed_dtypes():
    eps32, tps32 = _pair([(4, 5)], "float32")
    eps64, tps64 = _pair([(3, 3)], "float64", seed=2)
    t_total = torch.nn.utils.clip_grad_norm_(tps32 + tps64, 0.3)
    e_total = clip_grad.clip_grad_norm_(eps32 + eps64, 0.3)
    assert e_total.dtype == ember.float64 and t_total.dtype == torch.float64
    np.testing.assert_allclose(float(e_total), float(t_total), rtol=1e-7)
    _assert_grads_equal(eps32 + eps64, tps32 + tps64, 2e-6)


def test_clip_grad_norm_empty():
    e_total = clip_grad.clip_grad_norm_([], 1.0)
    assert float(e_total) == 0.0 and e_total.dtype == ember.float32
    no_grads = [ember.zeros(3, requires_grad=True)]
    assert float(clip_grad.clip_grad_norm_(no_grads, 1.0)) == 0.0
    with pytest.warns(UserWarning, match="`parameters` is an empty generator"):
        clip_grad.clip_grad_norm_((p for p in []), 1.0)


@pytest.mark.parametrize("special", [math.inf, -math.inf, math.nan])
@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf])
def test_clip_grad_norm_nonfinite(special, norm_type):
    eps, tps = _pair([(3, 4), (5,)], special=special)
    with pytest.raises(RuntimeError) as t_err:
        torch.nn.utils.clip_grad_norm_(tps, 1.0, norm_type, error_if_nonfinite=True)
    with pytest.raises(RuntimeError) as e_err:
        clip_grad.clip_grad_norm_(eps, 1.0, norm_type, error_if_nonfinite=True)
    assert str(e_err.value) == str(t_err.value)
    _assert_grads_equal(eps, tps, 0)  # untouched on error
    t_total = torch.nn.utils.clip_grad_norm_(tps, 1.0, norm_type)
    e_total = clip_grad.clip_grad_norm_(eps, 1.0, norm_type)
    np.testing.assert_equal(float(e_total), float(t_total))
    for e, t in zip(eps, tps):
        np.testing.assert_allclose(_np(e.grad), t.grad.numpy(), rtol=2e-6, equal_nan=True)


@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf, 0.5])
def test_get_total_norm_and_clip_grads_with_norm(norm_type):
    eps, tps = _pair(SHAPES[:-1], "float64", seed=3, none_at=(2,))
    t_total = torch.nn.utils.get_total_norm([p.grad for p in tps if p.grad is not None], norm_type)
    e_total = clip_grad.get_total_norm([p.grad for p in eps if p.grad is not None], norm_type)
    np.testing.assert_allclose(float(e_total), float(t_total), rtol=1e-13)
    assert float(clip_grad.get_total_norm(eps[0].grad, norm_type)) == pytest.approx(
        float(torch.nn.utils.get_total_norm(tps[0].grad, norm_type)), rel=1e-13)
    torch.nn.utils.clip_grads_with_norm_(tps, 0.7, t_total)
    assert clip_grad.clip_grads_with_norm_(eps, 0.7, e_total) is None
    _assert_grads_equal(eps, tps, 1e-13)
    # a precomputed norm smaller than max_norm never scales gradients up
    before = [_np(p.grad) for p in eps if p.grad is not None]
    clip_grad.clip_grads_with_norm_(eps, 10.0, ember.tensor(1.0, dtype=ember.float64))
    for b, p in zip(before, [p for p in eps if p.grad is not None]):
        np.testing.assert_array_equal(_np(p.grad), b)


def test_clip_grad_norm_runs_without_recording_graph():
    p = ember.ones(3, requires_grad=True)
    p.grad = ember.full((3,), 2.0, requires_grad=True)
    total = clip_grad.clip_grad_norm_([p], 1.0)
    assert not total.requires_grad and total.grad_fn is None


def test_clip_grad_norm_deprecated():
    eps, tps = _pair([(3, 4)])
    with pytest.warns(FutureWarning, match="`torch.nn.utils.clip_grad_norm` is now deprecated"):
        e_total = clip_grad.clip_grad_norm(eps, 0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_total = torch.nn.utils.clip_grad_norm(tps, 0.5)
    np.testing.assert_allclose(float(e_total), float(t_total), rtol=2e-6)


@pytest.mark.parametrize("clip_value", [0.5, 2, 0.0, 100.0])
@pytest.mark.parametrize("foreach", [None, True])
def test_clip_grad_value_matches_torch(clip_value, foreach):
    eps, tps = _pair(SHAPES, none_at=(0,), special=math.nan)
    assert torch.nn.utils.clip_grad_value_(tps, clip_value, foreach=foreach) is None
    assert clip_grad.clip_grad_value_(eps, clip_value, foreach=foreach) is None
    _assert_grads_equal(eps, tps, 0)
    eps, tps = _pair([(6,)], special=math.nan)
    torch.nn.utils.clip_grad_value_(tps[0], clip_value)
    clip_grad.clip_grad_value_(eps[0], clip_value)
    np.testing.assert_array_equal(_np(eps[0].grad), tps[0].grad.numpy())


# --------------------------------------------------------- parameters <-> vector
def test_parameters_to_vector_matches_torch_and_is_differentiable():
    eps, tps = _pair([(3, 4), (5,), (), (2, 1, 2)], "float64")
    ev = convert_parameters.parameters_to_vector(eps)
    tv = torch.nn.utils.parameters_to_vector(tps)
    np.testing.assert_array_equal(_np(ev), tv.detach().numpy())
    w = np.arange(ev.shape[0], dtype=np.float64)
    (ev * ember.tensor(w)).sum().backward()
    (tv * torch.tensor(w)).sum().backward()
    _assert_grads_equal(eps, tps, 0)


def test_parameters_to_vector_of_parameters():
    ps = [Parameter(ember.randn(2, 3)), Parameter(ember.randn(4))]
    v = convert_parameters.parameters_to_vector(iter(ps))
    assert v.shape == (10,) and v.requires_grad
    np.testing.assert_array_equal(_np(v), np.concatenate([_np(p).ravel() for p in ps]))


def test_vector_to_parameters_shares_memory_like_torch():
    ps = [Parameter(ember.zeros(2, 3)), Parameter(ember.zeros(4)), Parameter(ember.zeros(()))]
    vec = ember.arange(11, dtype=ember.float32)
    assert convert_parameters.vector_to_parameters(vec, ps) is None
    assert _np(ps[0]).tolist() == [[0, 1, 2], [3, 4, 5]]
    assert _np(ps[1]).tolist() == [6, 7, 8, 9] and float(ps[2]) == 10.0
    assert all(isinstance(p, Parameter) and p.requires_grad for p in ps)
    with ember.no_grad():
        vec[7] = -1.0
    assert float(ps[1][1]) == -1.0  # the parameter now views vec, as in torch
    # round trip
    back = convert_parameters.parameters_to_vector(ps)
    np.testing.assert_array_equal(_np(back), _np(vec))


@pytest.mark.parametrize("bad", [[1.0, 2.0], np.zeros(3), 3])
def test_vector_to_parameters_type_error(bad):
    with pytest.raises(TypeError) as t_err:
        torch.nn.utils.vector_to_parameters(bad, [])
    with pytest.raises(TypeError) as e_err:
        convert_parameters.vector_to_parameters(bad, [])
    assert str(e_err.value) == str(t_err.value)
