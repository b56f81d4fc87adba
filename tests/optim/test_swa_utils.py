"""Oracle tests for ember.optim.swa_utils: AveragedModel (SWA, EMA, custom
averaging, buffers), update_bn and SWALR, each beside torch's."""
from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch

import ember
import ember.optim  # noqa: F401  (ember does not import optim yet)
from ember.optim import swa_utils as eswa
from torch.optim import swa_utils as tswa

DTYPES = {"float64": (np.float64, 1e-12), "float32": (np.float32, 1e-6)}


def build(lib, dtype):
    """Linear -> BatchNorm1d -> ReLU -> Linear, same weights in both libraries."""
    nn = lib.nn
    model = nn.Sequential(nn.Linear(4, 5), nn.BatchNorm1d(5), nn.ReLU(), nn.Linear(5, 2))
    rng = np.random.default_rng(0)
    state = {k: lib.tensor(rng.standard_normal(tuple(v.shape)).astype(dtype))
             for k, v in model.state_dict().items() if v.is_floating_point()}
    model.load_state_dict(state, strict=False)
    return model.to(getattr(lib, np.dtype(dtype).name))


def perturb(lib, model, step, dtype):
    """Give the model new weights and buffers (deterministic per step)."""
    rng = np.random.default_rng(100 + step)
    with lib.no_grad():
        for _, t in list(model.named_parameters()) + list(model.named_buffers()):
            if t.is_floating_point():
                t.copy_(lib.tensor(rng.standard_normal(tuple(t.shape)).astype(dtype)))
            else:
                t.add_(step)


def to_np(t):
    return np.asarray(t.detach().cpu().numpy() if hasattr(t, "cpu") else t.numpy())


def assert_states_close(e_state, t_state, rtol):
    assert list(e_state) == list(t_state)
    for k in t_state:
        np.testing.assert_allclose(to_np(e_state[k]), to_np(t_state[k]), rtol=rtol, atol=rtol,
                                   err_msg=k)
        assert str(e_state[k].dtype).split(".")[-1] == str(t_state[k].dtype).split(".")[-1], k


AVERAGERS = {
    "swa": lambda m: dict(),
    "swa_buffers": lambda m: dict(use_buffers=True),
    "ema": lambda m: dict(avg_fn=m.get_ema_avg_fn(0.9)),
    "ema_multi": lambda m: dict(multi_avg_fn=m.get_ema_multi_avg_fn(0.8)),
    "ema_multi_buffers": lambda m: dict(multi_avg_fn=m.get_ema_multi_avg_fn(0.95), use_buffers=True),
    "swa_fn": lambda m: dict(avg_fn=m.get_swa_avg_fn()),
    "swa_multi": lambda m: dict(multi_avg_fn=m.get_swa_multi_avg_fn()),
    "custom": lambda m: dict(avg_fn=lambda avg, cur, n: 0.25 * avg + 0.75 * cur),
}


@pytest.mark.parametrize("dtype", sorted(DTYPES))
@pytest.mark.parametrize("name", sorted(AVERAGERS))
def test_averaged_model(name, dtype):
    np_dtype, rtol = DTYPES[dtype]
    results = []
    for lib, mod in ((torch, tswa), (ember, eswa)):
        model = build(lib, np_dtype)
        avg = mod.AveragedModel(model, **AVERAGERS[name](mod))
        for step in range(7):
            perturb(lib, model, step, np_dtype)
            avg.update_parameters(model)
        x = lib.tensor(np.linspace(-1, 1, 12).reshape(3, 4).astype(np_dtype))
        avg.eval()
        results.append((avg.state_dict(), to_np(avg(x))))
    (t_state, t_out), (e_state, e_out) = results
    assert_states_close(e_state, t_state, rtol)
    assert int(e_state["n_averaged"]) == 7
    np.testing.assert_allclose(e_out, t_out, rtol=rtol * 10, atol=rtol)


def test_averaged_model_structure():
    model = build(ember, np.float64)
    avg = eswa.AveragedModel(model)
    t_avg = tswa.AveragedModel(build(torch, np.float64))
    assert list(avg.state_dict()) == list(t_avg.state_dict())
    assert avg.n_averaged.dtype == ember.long and int(avg.n_averaged) == 0
    assert avg.module is not model
    assert [n for n, _ in avg.named_parameters()] == [n for n, _ in t_avg.named_parameters()]
    avg.update_parameters(model)          # the first update copies
    for p, q in zip(avg.parameters(), model.parameters()):
        np.testing.assert_array_equal(to_np(p), to_np(q))
        assert p is not q


def test_averaged_model_load_torch_state():
    t_model = build(torch, np.float64)
    t_avg = tswa.AveragedModel(t_model)
    for step in range(3):
        perturb(torch, t_model, step, np.float64)
        t_avg.update_parameters(t_model)
    avg = eswa.AveragedModel(build(ember, np.float64))
    avg.load_state_dict({k: ember.tensor(to_np(v)) for k, v in t_avg.state_dict().items()})
    assert int(avg.n_averaged) == 3
    e_model = build(ember, np.float64)
    perturb(torch, t_model, 3, np.float64)
    for step in range(4):                 # same weights and counters as t_model
        perturb(ember, e_model, step, np.float64)
    t_avg.update_parameters(t_model)
    avg.update_parameters(e_model)
    assert_states_close(avg.state_dict(), t_avg.state_dict(), 1e-12)


def test_averaged_model_errors():
    model = build(ember, np.float64)
    with pytest.raises(AssertionError, match="Only one of avg_fn and multi_avg_fn"):
        eswa.AveragedModel(model, avg_fn=eswa.get_swa_avg_fn(), multi_avg_fn=eswa.get_swa_multi_avg_fn())
    for fn in ("get_ema_avg_fn", "get_ema_multi_avg_fn"):
        with pytest.raises(ValueError, match="Invalid decay value 1.5 provided"):
            getattr(eswa, fn)(1.5)
        with pytest.raises(ValueError, match="Invalid decay value -0.1 provided"):
            getattr(eswa, fn)(-0.1)


@pytest.mark.parametrize("fn", ["get_ema_avg_fn", "get_swa_avg_fn"])
def test_avg_fns_direct(fn):
    a, b = np.array([1.0, -2.0, 3.5]), np.array([0.5, 4.0, -1.0])
    outs = []
    for lib, mod in ((torch, tswa), (ember, eswa)):
        f = getattr(mod, fn)()
        outs.append(to_np(f(lib.tensor(a), lib.tensor(b), lib.tensor(4))))
    np.testing.assert_allclose(outs[1], outs[0], rtol=1e-15)


def loader_batches(lib, dtype, kind):
    rng = np.random.default_rng(7)
    xs = [rng.standard_normal((n, 4)).astype(dtype) for n in (8, 5, 11)]
    if kind == "tensor":
        return [lib.tensor(x) for x in xs]
    return [(lib.tensor(x), lib.tensor(np.zeros(len(x)))) for x in xs]


@pytest.mark.parametrize("kind", ["tensor", "tuple"])
@pytest.mark.parametrize("dtype", sorted(DTYPES))
def test_update_bn(kind, dtype):
    np_dtype, rtol = DTYPES[dtype]
    states = []
    for lib, mod in ((torch, tswa), (ember, eswa)):
        model = build(lib, np_dtype)
        model.eval()
        model[1].momentum = 0.3
        mod.update_bn(loader_batches(lib, np_dtype, kind), model)
        assert not model.training and model[1].momentum == 0.3
        states.append(model.state_dict())
    assert_states_close(states[1], states[0], rtol)
    assert int(states[1]["1.num_batches_tracked"]) == 3


def test_update_bn_without_batchnorm():
    model = ember.nn.Linear(4, 2)
    calls = []
    eswa.update_bn(iter(calls), model)      # no BatchNorm: the loader is never read
    model.train()

    def loader():
        calls.append(1)
        yield ember.zeros(2, 4)
    eswa.update_bn(loader(), model)
    assert calls == []


# ------------------------------------------------------------------ SWALR
def _opt_class(lib):
    class Minimal(lib.optim.Optimizer):
        def __init__(self, params, lr=0.01):
            super().__init__(params, dict(lr=lr, momentum=0.9))

        def step(self, closure=None):
            return None
    return Minimal


_OPTS = {lib: _opt_class(lib) for lib in (ember, torch)}


def make_opt(lib, lrs=(0.1, 0.03)):
    return _OPTS[lib]([{"params": [lib.zeros(2, requires_grad=True)], "lr": lr} for lr in lrs])


SWALR_CASES = {
    "cos": lambda m, L, o: m.SWALR(o, swa_lr=0.05),
    "linear": lambda m, L, o: m.SWALR(o, swa_lr=0.01, anneal_epochs=5, anneal_strategy="linear"),
    "zero_epochs": lambda m, L, o: m.SWALR(o, swa_lr=0.02, anneal_epochs=0),
    "one_epoch": lambda m, L, o: m.SWALR(o, swa_lr=0.02, anneal_epochs=1, anneal_strategy="linear"),
    "list": lambda m, L, o: m.SWALR(o, swa_lr=[0.05, 0.001], anneal_epochs=7),
    "after_cosine": lambda m, L, o: (L.CosineAnnealingLR(o, T_max=20), m.SWALR(o, 0.02, 4)),
}


@pytest.mark.parametrize("name", sorted(SWALR_CASES))
def test_swalr(name):
    """SWALR alone, or taking over from a cosine schedule after 15 epochs."""
    def run(lib, mod, resume):
        opt = make_opt(lib)
        made = SWALR_CASES[name](mod, lib.optim.lr_scheduler, opt)
        first, swa = made if isinstance(made, tuple) else (None, made)
        seq = []
        for epoch in range(40):
            opt.step()
            if first is not None and epoch < 15:
                first.step()
            else:
                swa.step()
            if resume and epoch == 20:
                sd, osd = copy.deepcopy(swa.state_dict()), copy.deepcopy(opt.state_dict())
                opt = make_opt(lib)
                swa = mod.SWALR(opt, swa_lr=0.5, anneal_strategy="linear")
                opt.load_state_dict(osd)
                swa.load_state_dict(sd)
            seq.append([float(g["lr"]) for g in opt.param_groups] + list(swa.get_last_lr()))
        return seq
    expected = run(torch, tswa, False)
    for resume in (False, True):
        actual = run(ember, eswa, resume)
        for a, b in zip(actual, expected):
            assert all(x == y or math.isclose(x, y, rel_tol=1e-12) for x, y in zip(a, b)), (a, b)


def test_swalr_state_dict_and_errors():
    opt = make_opt(ember)
    sched = eswa.SWALR(opt, swa_lr=0.05)
    t_sched = tswa.SWALR(make_opt(torch), swa_lr=0.05)
    assert set(sched.state_dict()) == set(t_sched.state_dict())
    assert "anneal_func" not in sched.state_dict()
    assert [g["swa_lr"] for g in opt.param_groups] == [0.05, 0.05]
    with pytest.raises(ValueError, match="anneal_strategy must be one of 'cos' or 'linear', instead got exp"):
        eswa.SWALR(make_opt(ember), 0.1, anneal_strategy="exp")
    with pytest.raises(ValueError, match="anneal_epochs must be equal or greater than 0, got -1"):
        eswa.SWALR(make_opt(ember), 0.1, anneal_epochs=-1)
    with pytest.raises(ValueError, match="anneal_epochs must be equal or greater than 0, got 2.5"):
        eswa.SWALR(make_opt(ember), 0.1, anneal_epochs=2.5)
    with pytest.raises(ValueError, match="swa_lr must have the same length as optimizer.param_groups"):
        eswa.SWALR(make_opt(ember), [0.1])
