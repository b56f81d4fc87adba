"""The Optimizer base class against torch.optim.Optimizer: parameter groups,
errors, zero_grad, state_dict structure, load_state_dict continuation,
step hooks and repr."""
from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

import ember
import ember.optim
from ember.optim.optimizer import (register_optimizer_step_post_hook,
                                   register_optimizer_step_pre_hook)

SHAPES = [(3, 2), (4,), (2, 2)]
ALGOS = [("SGD", dict(momentum=0.9, lr=0.1)), ("Adam", dict(amsgrad=True, lr=0.05)),
         ("AdamW", dict(lr=0.05)), ("Adamax", {}), ("NAdam", {}), ("RAdam", {})]


def arrays(seed=0):
    rng = np.random.default_rng(seed)
    return [rng.uniform(-1, 1, s) for s in SHAPES]


def params(lib, arrs):
    return [lib.tensor(a.copy(), requires_grad=True) for a in arrs]


def set_grads(lib, ps, step):
    for i, p in enumerate(ps):
        n = p.numel()
        p.grad = lib.tensor(np.sin(np.arange(n) + step * 0.9 + i).reshape(tuple(p.shape)) * 0.5)


def to_ember(value):
    """A torch state_dict turned into ember objects (tensors converted)."""
    if isinstance(value, torch.Tensor):
        return ember.tensor(value.detach().numpy().copy())
    if isinstance(value, dict):
        return {k: to_ember(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_ember(v) for v in value]
    return value


def same_structure(e, t):
    """ember and torch state_dicts: same keys, indices, groups, tensor kinds and values."""
    assert e["param_groups"] == t["param_groups"]
    assert sorted(e["state"]) == sorted(t["state"])
    for idx, ts in t["state"].items():
        es = e["state"][idx]
        assert sorted(es) == sorted(ts)
        for key, tv in ts.items():
            ev = es[key]
            assert isinstance(ev, ember.Tensor) == isinstance(tv, torch.Tensor)
            assert str(ev.dtype).split(".")[-1] == str(tv.dtype).split(".")[-1]
            assert tuple(ev.shape) == tuple(tv.shape)
            np.testing.assert_allclose(np.asarray(ev.numpy()), tv.numpy(), rtol=1e-10)


# ------------------------------------------------------------------ groups
def test_add_param_group_fills_defaults_like_torch():
    a = arrays()
    ep, tp = params(ember, a), params(torch, a)
    eo = ember.optim.Adam(ep[:1], lr=0.01)
    to = torch.optim.Adam(tp[:1], lr=0.01)
    eo.add_param_group({"params": ep[1:], "lr": 0.5, "betas": (0.5, 0.6)})
    to.add_param_group({"params": tp[1:], "lr": 0.5, "betas": (0.5, 0.6)})
    assert eo.state_dict()["param_groups"] == to.state_dict()["param_groups"]
    assert len(eo.param_groups) == 2 and eo.param_groups[1]["params"] == ep[1:]


@pytest.mark.parametrize("make,exc", [
    (lambda lib, p: lib.optim.SGD(p[0]), TypeError),
    (lambda lib, p: lib.optim.SGD([]), ValueError),
    (lambda lib, p: lib.optim.SGD([{"params": {p[0], p[1]}}]), TypeError),
    (lambda lib, p: lib.optim.SGD([p[0], 3.0]), TypeError),
    (lambda lib, p: lib.optim.SGD([p[0] * 2]), ValueError),
    (lambda lib, p: lib.optim.SGD([{"params": [p[0]]}, {"params": [p[0], p[1]]}]), ValueError),
])
def test_construction_errors_match_torch(make, exc):
    a = arrays()
    with pytest.raises(exc) as t_err:
        make(torch, params(torch, a))
    with pytest.raises(exc) as e_err:
        make(ember, params(ember, a))
    first = str(t_err.value).split(",")[0].split(" but ")[0]
    assert str(e_err.value).startswith(first)


def test_add_param_group_rejects_non_dict_and_duplicates():
    ep = params(ember, arrays())
    opt = ember.optim.SGD(ep[:1])
    with pytest.raises(TypeError, match="param_group must be a dict"):
        opt.add_param_group(ep[1])
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": ep[0]})


# --------------------------------------------------------------- zero_grad
@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad_like_torch(set_to_none):
    a = arrays()
    for lib in (ember, torch):
        ps = params(lib, a)
        set_grads(lib, ps[:2], 0)
        opt = lib.optim.SGD(ps)
        opt.zero_grad(set_to_none=set_to_none)
        if set_to_none:
            assert all(p.grad is None for p in ps)
        else:
            assert ps[2].grad is None
            assert all(float(abs(p.grad).sum()) == 0.0 for p in ps[:2])


# -------------------------------------------------------------- state_dict
@pytest.mark.parametrize("name,kw", ALGOS)
def test_state_dict_structure_matches_torch(name, kw):
    a = arrays()
    ep, tp = params(ember, a), params(torch, a)
    eo = getattr(ember.optim, name)([{"params": ep[:2]}, {"params": ep[2:], "lr": 0.02}], **kw)
    to = getattr(torch.optim, name)([{"params": tp[:2]}, {"params": tp[2:], "lr": 0.02}], **kw)
    assert eo.state_dict()["state"] == {} and to.state_dict()["state"] == {}
    for step in range(4):
        set_grads(ember, ep, step)
        set_grads(torch, tp, step)
        if step == 1:  # parameter 1 has no grad on one step
            ep[1].grad = tp[1].grad = None
        eo.step()
        to.step()
    same_structure(eo.state_dict(), to.state_dict())


@pytest.mark.parametrize("name,kw", ALGOS)
def test_load_state_dict_continues_identically(name, kw):
    """A state_dict saved mid-training and loaded into a fresh optimizer over
    fresh copies of the parameters continues with the very same steps."""
    a = arrays()
    ep, tp = params(ember, a), params(torch, a)
    eo = getattr(ember.optim, name)(ep, **kw)
    to = getattr(torch.optim, name)(tp, **kw)
    for step in range(5):
        set_grads(ember, ep, step)
        set_grads(torch, tp, step)
        eo.step()
        to.step()
    saved = eo.state_dict()
    ep2 = [ember.tensor(p.detach().numpy().copy(), requires_grad=True) for p in ep]
    eo2 = getattr(ember.optim, name)(ep2, lr=123.0)  # hyper-parameters come from the save
    eo2.load_state_dict(saved)
    assert eo2.param_groups[0]["lr"] == eo.param_groups[0]["lr"]
    tp2 = [torch.tensor(p.detach().numpy().copy(), requires_grad=True) for p in tp]
    to2 = getattr(torch.optim, name)(tp2, lr=123.0)
    to2.load_state_dict(copy.deepcopy(to.state_dict()))  # torch would alias the live state
    # a torch checkpoint loads into ember too
    ep3 = [ember.tensor(p.detach().numpy().copy(), requires_grad=True) for p in ep]
    eo3 = getattr(ember.optim, name)(ep3)
    eo3.load_state_dict(to_ember(to.state_dict()))
    for step in range(5, 12):
        for ps in (ep, ep2, ep3):
            set_grads(ember, ps, step)
        for ps in (tp, tp2):
            set_grads(torch, ps, step)
        for opt in (eo, eo2, eo3, to, to2):
            opt.step()
        for p, p2, p3, t, t2 in zip(ep, ep2, ep3, tp, tp2):
            # where torch's reloaded run is bit-identical to the original, so is ember's
            # (NAdam's float32 mu_product is cast to the parameter dtype on load, in both)
            if np.array_equal(t.detach().numpy(), t2.detach().numpy()):
                assert np.array_equal(p.detach().numpy(), p2.detach().numpy())
            np.testing.assert_allclose(p2.detach().numpy(), t2.detach().numpy(), rtol=1e-10)
            np.testing.assert_allclose(p3.detach().numpy(), t2.detach().numpy(), rtol=1e-10)
            np.testing.assert_allclose(p.detach().numpy(), t.detach().numpy(), rtol=1e-10)
    same_structure(eo2.state_dict(), to2.state_dict())
    same_structure(eo.state_dict(), to.state_dict())


def test_load_state_dict_errors():
    ep = params(ember, arrays())
    opt = ember.optim.Adam(ep)
    other = ember.optim.Adam(ep[:2])
    with pytest.raises(ValueError, match="doesn't match the size"):
        opt.load_state_dict(other.state_dict())
    two = ember.optim.Adam([{"params": ep[:1]}, {"params": ep[1:]}])
    with pytest.raises(ValueError, match="different number of parameter groups"):
        opt.load_state_dict(two.state_dict())


# ------------------------------------------------------------------- hooks
def test_step_hooks_order_and_removal():
    calls = []
    ep = params(ember, arrays())
    opt = ember.optim.SGD(ep, lr=0.1)
    h1 = opt.register_step_pre_hook(lambda o, args, kw: calls.append(("pre", o is opt)))
    h2 = opt.register_step_post_hook(lambda o, args, kw: calls.append(("post", o is opt)))
    g1 = register_optimizer_step_pre_hook(lambda o, args, kw: calls.append(("gpre", True)))
    g2 = register_optimizer_step_post_hook(lambda o, args, kw: calls.append(("gpost", True)))
    try:
        set_grads(ember, ep, 0)
        opt.step()
        assert calls == [("gpre", True), ("pre", True), ("post", True), ("gpost", True)]
        h1.remove()
        h2.remove()
        g1.remove()
        g2.remove()
        calls.clear()
        opt.step()
        assert calls == []
    finally:
        g1.remove()
        g2.remove()


def test_pre_hook_may_replace_arguments():
    ep = params(ember, arrays())
    opt = ember.optim.SGD(ep, lr=0.1)
    seen = []

    def closure():
        seen.append(True)
        return ember.tensor(7.0)

    opt.register_step_pre_hook(lambda o, args, kw: ((closure,), {}))
    set_grads(ember, ep, 0)
    assert float(opt.step()) == 7.0 and seen == [True]
    opt.register_step_pre_hook(lambda o, args, kw: 5)
    with pytest.raises(RuntimeError, match="must return None or a tuple"):
        opt.step()


def test_hooks_run_the_same_as_torch():
    """Post hooks see parameters already updated, pre hooks the old ones."""
    a = arrays()
    seen = {}
    for lib in (ember, torch):
        ps = params(lib, a)
        opt = lib.optim.Adam(ps, lr=0.1)
        log = seen.setdefault(lib.__name__, [])
        opt.register_step_pre_hook(lambda o, args, kw, ps=ps, log=log:
                                   log.append(float(ps[0].detach().sum())))
        opt.register_step_post_hook(lambda o, args, kw, ps=ps, log=log:
                                    log.append(float(ps[0].detach().sum())))
        for step in range(3):
            set_grads(lib, ps, step)
            opt.step()
    np.testing.assert_allclose(seen["ember"], seen["torch"], rtol=1e-10)


# -------------------------------------------------------------------- repr
@pytest.mark.parametrize("name,kw", ALGOS)
def test_repr_matches_torch(name, kw):
    a = arrays()
    eo = getattr(ember.optim, name)([{"params": params(ember, a)[:1]},
                                     {"params": params(ember, a)[1:], "lr": 0.3}], **kw)
    to = getattr(torch.optim, name)([{"params": params(torch, a)[:1]},
                                     {"params": params(torch, a)[1:], "lr": 0.3}], **kw)
    assert repr(eo) == repr(to)
