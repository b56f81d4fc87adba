"""Oracle tests: SGD and the Adam family follow torch's parameter trajectories.

Each case starts ember and torch from the same parameters (several shapes),
feeds identical gradients for 25 steps and compares every parameter after
every step: float64 to rtol 1e-10, float32 to rtol 1e-6 (with an absolute
floor for elements that pass near zero).
"""
from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

import ember
import ember.optim

STEPS = 25
SHAPES = [(6, 4), (5,), (2, 3, 3), ()]
TOL = {np.float64: dict(rtol=1e-10, atol=1e-12), np.float32: dict(rtol=1e-6, atol=1e-6),
       np.complex128: dict(rtol=1e-10, atol=1e-12)}


def grid(**options):
    """Every combination of the given option values, as kwargs dicts."""
    keys = list(options)
    return [dict(zip(keys, vals)) for vals in itertools.product(*options.values())]


CASES = (
    [("SGD", kw) for kw in grid(lr=[0.1], momentum=[0.0, 0.9], dampening=[0.0, 0.3],
                                 weight_decay=[0.0, 0.1], maximize=[False, True])]
    + [("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=wd, maximize=mx))
       for wd in (0.0, 0.2) for mx in (False, True)]
    + [("SGD", {})]
    + [("Adam", kw) for kw in grid(lr=[0.05], weight_decay=[0.0, 0.1], amsgrad=[False, True],
                                    maximize=[False, True], decoupled_weight_decay=[False, True])]
    + [("Adam", dict(lr=0.02, betas=(0.3, 0.5), eps=1e-3)), ("Adam", {}), ("Adam", dict(lr=0.0)),
       ("SGD", dict(lr=0.0, momentum=0.5)), ("RAdam", dict(lr=0.0)), ("NAdam", dict(lr=0.0))]
    + [("AdamW", kw) for kw in grid(lr=[0.05], weight_decay=[0.0, 0.1], amsgrad=[False, True],
                                     maximize=[False, True])]
    + [("AdamW", {})]
    + [("Adamax", kw) for kw in grid(lr=[0.05], weight_decay=[0.0, 0.1], maximize=[False, True])]
    + [("Adamax", dict(betas=(0.2, 0.7), eps=1e-2)), ("Adamax", {})]
    + [("NAdam", kw) for kw in grid(lr=[0.05], weight_decay=[0.0, 0.1], maximize=[False, True],
                                     decoupled_weight_decay=[False, True])]
    + [("NAdam", dict(momentum_decay=0.1, betas=(0.6, 0.9))), ("NAdam", {})]
    + [("RAdam", kw) for kw in grid(lr=[0.05], weight_decay=[0.0, 0.1], maximize=[False, True],
                                     decoupled_weight_decay=[False, True])]
    + [("RAdam", dict(betas=(0.5, 0.8))), ("RAdam", {})]
)


def _ids(case):
    name, kw = case
    return name + "-" + "-".join(f"{k}={v}" for k, v in kw.items())


def make_params(dtype, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for shape in SHAPES:
        a = rng.uniform(-2, 2, shape)
        if np.dtype(dtype).kind == "c":
            a = a + 1j * rng.uniform(-2, 2, shape)
        out.append(np.asarray(a, dtype=dtype))
    return out


def grad_for(step, i, shape, dtype):
    """A deterministic gradient; None for parameter 1 on every third step."""
    if i == 1 and step % 3 == 2:
        return None
    n = int(np.prod(shape))
    g = np.sin(np.arange(n, dtype=np.float64) * 0.7 + 1.3 * step + i) * (1 + 0.1 * step)
    g = g + 0.5 * np.cos(np.arange(n) * 0.1 * (step + 1))
    if np.dtype(dtype).kind == "c":
        g = g + 1j * np.cos(np.arange(n) * 0.3 - step)
    return np.asarray(g.reshape(shape), dtype=dtype)


def both(name, kw, arrays, groups=None):
    """The same parameters and optimizer in ember and torch."""
    ep = [ember.tensor(a.copy(), requires_grad=True) for a in arrays]
    tp = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    if groups is None:
        eo = getattr(ember.optim, name)(ep, **kw)
        to = getattr(torch.optim, name)(tp, **kw)
    else:
        eo = getattr(ember.optim, name)([dict(g, params=[ep[i] for i in g["params"]])
                                         for g in groups], **kw)
        to = getattr(torch.optim, name)([dict(g, params=[tp[i] for i in g["params"]])
                                         for g in groups], **kw)
    return ep, tp, eo, to


def feed(ep, tp, step, dtype):
    for i, (e, t) in enumerate(zip(ep, tp)):
        g = grad_for(step, i, tuple(t.shape), dtype)
        e.grad = None if g is None else ember.tensor(g)
        t.grad = None if g is None else torch.tensor(g)


def compare(ep, tp, dtype, step):
    for i, (e, t) in enumerate(zip(ep, tp)):
        np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), **TOL[dtype],
                                   err_msg=f"param {i} after step {step}")


def run_trajectory(name, kw, dtype, groups=None):
    ep, tp, eo, to = both(name, kw, make_params(dtype), groups)
    for step in range(STEPS):
        feed(ep, tp, step, dtype)
        eo.step()
        to.step()
        compare(ep, tp, dtype, step)
    return ep, tp, eo, to


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_trajectory_matches_torch(case, dtype):
    name, kw = case
    run_trajectory(name, kw, dtype)


GROUP_CASES = [("SGD", dict(momentum=0.9)), ("Adam", dict(amsgrad=True)), ("AdamW", {}),
               ("Adamax", {}), ("NAdam", {}), ("RAdam", {})]


@pytest.mark.parametrize("name,kw", GROUP_CASES)
def test_param_groups_with_own_lr(name, kw):
    groups = [{"params": [0, 2], "lr": 0.03}, {"params": [1], "lr": 0.2, "weight_decay": 0.1},
              {"params": [3], "maximize": True}]
    run_trajectory(name, kw, np.float64, groups)


@pytest.mark.parametrize("name,kw", GROUP_CASES)
def test_closure_step_from_same_loss(name, kw):
    """step(closure) re-evaluates the loss in both libraries; the loss values
    returned and the trajectories agree."""
    arrays = make_params(np.float64)
    ep, tp, eo, to = both(name, dict(kw, lr=0.05), arrays)
    targets = [np.cos(np.arange(a.size)).reshape(a.shape) for a in arrays]

    def closure_for(lib, params, opt):
        def closure():
            opt.zero_grad()
            loss = sum((((p - lib.tensor(t)) ** 2) * (1 + k)).sum() + (p ** 4).sum() * 0.01
                       for k, (p, t) in enumerate(zip(params, targets)))
            loss.backward()
            return loss
        return closure

    for step in range(STEPS):
        le = eo.step(closure_for(ember, ep, eo))
        lt = to.step(closure_for(torch, tp, to))
        np.testing.assert_allclose(float(le.detach()), float(lt.detach()), rtol=1e-10)
        compare(ep, tp, np.float64, step)


@pytest.mark.parametrize("name,kw", [("SGD", dict(momentum=0.9, weight_decay=0.1)),
                                     ("Adam", dict(amsgrad=True, weight_decay=0.1)),
                                     ("AdamW", dict(maximize=True)), ("Adamax", {}),
                                     ("NAdam", dict(decoupled_weight_decay=True, weight_decay=0.1)),
                                     ("RAdam", dict(weight_decay=0.1))])
def test_complex_parameters(name, kw):
    run_trajectory(name, dict(kw, lr=0.05), np.complex128)


@pytest.mark.parametrize("name,kw", [("SGD", dict(momentum=0.5)), ("Adam", {}), ("AdamW", {})])
def test_fused_flag_follows_torch(name, kw):
    """fused=True runs on the CPU in torch; ember accepts it with the same result."""
    run_trajectory(name, dict(kw, fused=True, lr=0.05), np.float32)


def test_state_tensors_and_step_dtype():
    _, tp, eo, to = run_trajectory("Adam", dict(amsgrad=True), np.float32)
    for i, p in enumerate(eo.param_groups[0]["params"]):
        es, ts = eo.state[p], to.state[to.param_groups[0]["params"][i]]
        assert sorted(es) == sorted(ts)
        assert es["step"].dtype == ember.float32 and es["step"].dim() == 0
        assert float(es["step"]) == float(ts["step"])
        for key in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"):
            np.testing.assert_allclose(es[key].numpy(), ts[key].numpy(), rtol=1e-5, atol=1e-7)


def test_nadam_mu_product_state():
    _, _, eo, to = run_trajectory("NAdam", {}, np.float32)
    ep0, tp0 = eo.param_groups[0]["params"][0], to.param_groups[0]["params"][0]
    assert eo.state[ep0]["mu_product"].dtype == ember.float32
    assert float(eo.state[ep0]["mu_product"]) == float(to.state[tp0]["mu_product"])


def test_sgd_momentum_buffer_state():
    _, _, eo, to = run_trajectory("SGD", dict(momentum=0.9), np.float64)
    for ep, tp in zip(eo.param_groups[0]["params"], to.param_groups[0]["params"]):
        np.testing.assert_allclose(eo.state[ep]["momentum_buffer"].numpy(),
                                   to.state[tp]["momentum_buffer"].numpy(), rtol=1e-10)
    # without momentum SGD keeps no state at all
    _, _, eo, to = run_trajectory("SGD", {}, np.float64)
    assert len(eo.state) == len(to.state) == 0


def test_update_bumps_version_and_keeps_storage():
    p = ember.tensor(np.ones(4), requires_grad=True)
    opt = ember.optim.Adam([p], lr=0.1)
    arr, v0 = p._data, p._version
    p.grad = ember.ones(4, dtype=ember.float64)
    opt.step()
    assert p._version > v0 and p._data is arr
    assert not np.allclose(arr, 1.0)


ERRORS = [
    ("SGD", dict(lr=-1), ValueError, "Invalid learning rate: -1"),
    ("SGD", dict(momentum=-0.5), ValueError, "Invalid momentum value: -0.5"),
    ("SGD", dict(weight_decay=-1e-3), ValueError, "Invalid weight_decay value: -0.001"),
    ("SGD", dict(nesterov=True), ValueError, "Nesterov momentum requires a momentum"),
    ("SGD", dict(nesterov=True, momentum=0.9, dampening=0.1), ValueError, "zero dampening"),
    ("SGD", dict(fused=True, foreach=True), RuntimeError, "cannot be `True` together"),
    ("SGD", dict(fused=True, differentiable=True), RuntimeError, "does not support"),
    ("Adam", dict(lr=-1), ValueError, "Invalid learning rate: -1"),
    ("Adam", dict(eps=-1.0), ValueError, "Invalid epsilon value: -1.0"),
    ("Adam", dict(betas=(1.0, 0.9)), ValueError, "Invalid beta parameter at index 0: 1.0"),
    ("Adam", dict(betas=(0.9, -0.1)), ValueError, "Invalid beta parameter at index 1: -0.1"),
    ("Adam", dict(weight_decay=-2), ValueError, "Invalid weight_decay value: -2"),
    ("Adam", dict(betas=(0, 0.9)), ValueError, "betas must be either both floats or both"),
    ("AdamW", dict(betas=(0.9, 1.5)), ValueError, "Invalid beta parameter at index 1: 1.5"),
    ("AdamW", dict(fused=True, foreach=True), RuntimeError, "cannot be `True` together"),
    ("Adamax", dict(lr=-0.5), ValueError, "Invalid learning rate: -0.5"),
    ("Adamax", dict(betas=(-0.1, 0.9)), ValueError, "Invalid beta parameter at index 0: -0.1"),
    ("NAdam", dict(momentum_decay=-1), ValueError, "Invalid momentum_decay value: -1"),
    ("NAdam", dict(eps=-1e-8), ValueError, "Invalid epsilon value: -1e-08"),
    ("RAdam", dict(weight_decay=-0.1), ValueError, "Invalid weight_decay value: -0.1"),
]


@pytest.mark.parametrize("name,kw,exc,msg", ERRORS, ids=[f"{e[0]}-{e[3][:24]}" for e in ERRORS])
def test_constructor_errors_match_torch(name, kw, exc, msg):
    with pytest.raises(exc) as t_err:
        getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **kw)
    with pytest.raises(exc) as e_err:
        getattr(ember.optim, name)([ember.zeros(2, requires_grad=True)], **kw)
    assert msg in str(t_err.value)
    assert str(e_err.value) == str(t_err.value)


@pytest.mark.parametrize("name,flag", [("Adam", "capturable"), ("AdamW", "capturable"),
                                       ("Adamax", "capturable"), ("NAdam", "capturable"),
                                       ("RAdam", "capturable"), ("SGD", "differentiable"),
                                       ("Adam", "differentiable")])
def test_flags_torch_refuses_on_cpu(name, flag):
    """capturable on the CPU and differentiable updates of grad-requiring
    leaves fail at step() in torch; ember fails the same way."""
    for lib, exc_types in ((torch, (AssertionError, RuntimeError)),
                           (ember, (AssertionError, RuntimeError))):
        p = lib.ones(3, requires_grad=True)
        opt = getattr(lib.optim, name)([p], **{flag: True})
        p.grad = lib.ones(3)
        with pytest.raises(exc_types) as err:
            opt.step()
        if lib is torch:
            t_exc = type(err.value)
        else:
            assert type(err.value) is t_exc
            assert ("capturable" in str(err.value) or "supported devices" in str(err.value)
                    or "in-place" in str(err.value))


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "Adamax", "NAdam", "RAdam"])
def test_param_group_keys_match_torch(name):
    eo = getattr(ember.optim, name)([ember.zeros(2, requires_grad=True)])
    to = getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)])
    assert eo.state_dict()["param_groups"] == to.state_dict()["param_groups"]
    assert eo.defaults == to.defaults
