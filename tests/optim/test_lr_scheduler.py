"""Oracle tests for ember.optim.lr_scheduler: each scheduler, over a grid of
arguments, is driven beside torch's with the same optimizer configuration and
must produce the same lr (and momentum) sequence, survive a state_dict round
trip mid-sequence, warn and fail as torch does."""
from __future__ import annotations

import copy
import math
import warnings

import pytest
import torch

import ember
import ember.optim  # noqa: F401  (ember does not import optim yet)

STEPS = 60
BASE_LRS = (0.1, 0.03)


# ------------------------------------------------------------ optimizers
def _opt_class(lib, **extra_defaults):
    """A minimal optimizer of ``lib`` whose step() does nothing: schedulers
    only need param_groups (with 'lr', and 'momentum' or 'betas')."""
    class Minimal(lib.optim.Optimizer):
        def __init__(self, params, lr=0.01, **kw):
            defaults = dict(lr=lr, **extra_defaults)
            defaults.update(kw)
            super().__init__(params, defaults)

        def step(self, closure=None):
            return None
    return Minimal


_CLASSES = {(lib, kind): _opt_class(lib, **extra)
            for lib in (ember, torch)
            for kind, extra in (("momentum", {"momentum": 0.9}),
                                ("betas", {"betas": (0.9, 0.999)}),
                                ("plain", {}))}


def make_opt(lib, kind="momentum", lrs=BASE_LRS):
    groups = [{"params": [lib.zeros(3, requires_grad=True)], "lr": lr} for lr in lrs]
    return _CLASSES[(lib, kind)](groups)


def _snapshot(sched, opt):
    out = {"last": [float(x) for x in sched.get_last_lr()],
           "lr": [float(g["lr"]) for g in opt.param_groups]}
    if "momentum" in opt.defaults:
        out["momentum"] = [g["momentum"] for g in opt.param_groups]
    if "betas" in opt.defaults:
        out["betas"] = [tuple(g["betas"]) for g in opt.param_groups]
    return out


def drive(lib, factory, steps=STEPS, kind="momentum", lrs=BASE_LRS, metrics=None):
    """Build the optimizer and scheduler of ``lib`` and record every step."""
    opt = make_opt(lib, kind, lrs)
    sched = factory(lib.optim.lr_scheduler, opt)
    seq = [_snapshot(sched, opt)]
    for i in range(steps):
        opt.step()
        if metrics is None:
            sched.step()
        else:
            sched.step(metrics[i])
        seq.append(_snapshot(sched, opt))
    return seq


def assert_same(a, b, rtol=0.0):
    """Nested lists/dicts/tuples of floats equal (bit-exact by default: the
    schedulers repeat torch's float operations in torch's order)."""
    if isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            assert_same(a[k], b[k], rtol)
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y, rtol)
    else:
        assert math.isclose(a, b, rel_tol=rtol, abs_tol=1e-300), (a, b)


class Halving:
    """A callable object: its __dict__ is saved by LambdaLR.state_dict."""

    def __init__(self):
        self.base = 0.5

    def __call__(self, epoch):
        return self.base ** (epoch // 10)


# ------------------------------------------------------------- the grid
CASES = {
    "lambda": lambda L, o: L.LambdaLR(o, lambda e: 0.95 ** e),
    "lambda_list": lambda L, o: L.LambdaLR(o, [lambda e: 1.0 / (e + 1), lambda e: 0.9 ** e]),
    "lambda_object": lambda L, o: L.LambdaLR(o, Halving()),
    "multiplicative": lambda L, o: L.MultiplicativeLR(o, lambda e: 0.9),
    "multiplicative_list": lambda L, o: L.MultiplicativeLR(o, [lambda e: 1 - e / 100, lambda e: 0.97]),
    "step": lambda L, o: L.StepLR(o, step_size=3, gamma=0.5),
    "step_7": lambda L, o: L.StepLR(o, 7),
    "multistep": lambda L, o: L.MultiStepLR(o, milestones=[5, 10, 10, 30], gamma=0.3),
    "multistep_unsorted": lambda L, o: L.MultiStepLR(o, milestones=[40, 2]),
    "constant": lambda L, o: L.ConstantLR(o),
    "constant_half": lambda L, o: L.ConstantLR(o, factor=0.5, total_iters=4),
    "constant_zero_iters": lambda L, o: L.ConstantLR(o, factor=0.2, total_iters=0),
    "linear": lambda L, o: L.LinearLR(o),
    "linear_decay": lambda L, o: L.LinearLR(o, start_factor=1.0, end_factor=0.0, total_iters=20),
    "linear_partial": lambda L, o: L.LinearLR(o, start_factor=0.25, end_factor=0.9, total_iters=10),
    "exponential": lambda L, o: L.ExponentialLR(o, gamma=0.93),
    "polynomial": lambda L, o: L.PolynomialLR(o),
    "polynomial_sq": lambda L, o: L.PolynomialLR(o, total_iters=20, power=2.0),
    "polynomial_sqrt": lambda L, o: L.PolynomialLR(o, total_iters=45, power=0.5),
    "cosine": lambda L, o: L.CosineAnnealingLR(o, T_max=10),
    "cosine_eta": lambda L, o: L.CosineAnnealingLR(o, T_max=7, eta_min=0.001),
    "cosine_long": lambda L, o: L.CosineAnnealingLR(o, T_max=25, eta_min=0.05),
    "cosine_1": lambda L, o: L.CosineAnnealingLR(o, T_max=1),
    "warm_restarts": lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=5),
    "warm_restarts_mult": lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.01),
    "warm_restarts_1": lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=1, eta_min=1e-4),
    "cyclic": lambda L, o: L.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4),
    "cyclic_tri2": lambda L, o: L.CyclicLR(o, 0.001, 0.05, step_size_up=3, step_size_down=5,
                                           mode="triangular2"),
    "cyclic_exp": lambda L, o: L.CyclicLR(o, 0.01, 0.2, step_size_up=6, mode="exp_range", gamma=0.95),
    "cyclic_scale_fn": lambda L, o: L.CyclicLR(o, 0.01, 0.1, 5, scale_fn=lambda x: 0.9 ** x,
                                               scale_mode="iterations"),
    "cyclic_scale_cycle": lambda L, o: L.CyclicLR(o, 0.01, 0.1, 5, scale_fn=lambda x: 1 / x),
    "cyclic_lists": lambda L, o: L.CyclicLR(o, [0.01, 0.002], [0.1, 0.05], 4, base_momentum=[0.7, 0.8],
                                            max_momentum=[0.95, 0.9]),
    "cyclic_no_momentum": lambda L, o: L.CyclicLR(o, 0.01, 0.1, 3, cycle_momentum=False),
    "onecycle": lambda L, o: L.OneCycleLR(o, max_lr=0.1, total_steps=STEPS),
    "onecycle_linear": lambda L, o: L.OneCycleLR(o, 0.2, total_steps=STEPS, anneal_strategy="linear"),
    "onecycle_three": lambda L, o: L.OneCycleLR(o, 0.1, total_steps=STEPS, three_phase=True),
    "onecycle_three_linear": lambda L, o: L.OneCycleLR(o, 0.1, total_steps=STEPS + 5, three_phase=True,
                                                       anneal_strategy="linear", pct_start=0.2),
    "onecycle_divs": lambda L, o: L.OneCycleLR(o, [0.1, 0.5], total_steps=STEPS, div_factor=10.0,
                                               final_div_factor=100.0, pct_start=0.45),
    "onecycle_epochs": lambda L, o: L.OneCycleLR(o, 0.05, epochs=6, steps_per_epoch=10),
    "onecycle_no_momentum": lambda L, o: L.OneCycleLR(o, 0.1, total_steps=STEPS, cycle_momentum=False),
    "onecycle_momentum_lists": lambda L, o: L.OneCycleLR(o, 0.1, total_steps=STEPS, pct_start=0.1,
                                                         base_momentum=[0.8, 0.7],
                                                         max_momentum=(0.9, 0.99)),
    "sequential": lambda L, o: L.SequentialLR(
        o, [L.ConstantLR(o, factor=0.1, total_iters=2), L.ExponentialLR(o, gamma=0.9)], milestones=[2]),
    "sequential_three": lambda L, o: L.SequentialLR(
        o, [L.LinearLR(o, 0.1, total_iters=5), L.CosineAnnealingLR(o, T_max=20, eta_min=0.001),
            L.StepLR(o, 4, 0.5)], milestones=[5, 25]),
    "sequential_multistep": lambda L, o: L.SequentialLR(
        o, [L.ExponentialLR(o, 0.8), L.MultiStepLR(o, [3, 8])], milestones=[10]),
    "chained": lambda L, o: L.ChainedScheduler([L.ConstantLR(o, factor=0.1, total_iters=2),
                                                L.ExponentialLR(o, gamma=0.9)]),
    "chained_warm_cos": lambda L, o: L.ChainedScheduler(
        [L.LinearLR(o, 0.2, total_iters=8), L.CosineAnnealingLR(o, T_max=30, eta_min=0.002)], o),
    "chained_in_sequential": lambda L, o: L.SequentialLR(
        o, [L.ChainedScheduler([L.ConstantLR(o, 0.5, 3), L.ExponentialLR(o, 0.95)]),
            L.PolynomialLR(o, total_iters=30, power=1.5)], milestones=[12]),
}
BETA_CASES = {
    "cyclic_betas": lambda L, o: L.CyclicLR(o, 0.01, 0.1, 4, base_momentum=0.85, max_momentum=0.95),
    "onecycle_betas": lambda L, o: L.OneCycleLR(o, 0.1, total_steps=STEPS, three_phase=True),
}
_KIND = {**{k: "momentum" for k in CASES}, **{k: "betas" for k in BETA_CASES}}
ALL = {**CASES, **BETA_CASES}


@pytest.mark.parametrize("name", sorted(ALL))
def test_matches_torch(name):
    """Same lr/momentum sequence, and the same warnings (e.g. a ChainedScheduler
    inside a SequentialLR warns about the step order in both)."""
    factory = ALL[name]
    runs = []
    for lib in (torch, ember):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            seq = drive(lib, factory, kind=_KIND[name])
        runs.append((seq, [str(w.message) for w in caught]))
    (expected, t_warn), (actual, e_warn) = runs
    assert_same(actual, expected)
    assert e_warn == t_warn


@pytest.mark.parametrize("lrs", [(0.5,), (0.1, 0.02, 0.007)])
@pytest.mark.parametrize("name", ["step", "cosine_eta", "cyclic", "onecycle", "sequential_three",
                                  "chained_warm_cos", "warm_restarts_mult", "linear_partial"])
def test_group_counts(name, lrs):
    expected = drive(torch, CASES[name], lrs=lrs)
    assert_same(drive(ember, CASES[name], lrs=lrs), expected)


def _state_keys(sd):
    keys = set(sd)
    if "_schedulers" in sd:
        keys |= {f"{i}.{k}" for i, sub in enumerate(sd["_schedulers"]) for k in _state_keys(sub)}
    return keys


@pytest.mark.filterwarnings("ignore:Detected call of")  # chained_in_sequential, as in torch
@pytest.mark.parametrize("name", sorted(ALL))
def test_state_dict_resume(name):
    """Save optimizer and scheduler state after 23 steps, build fresh ones, load,
    and continue: the sequence equals the uninterrupted torch sequence."""
    factory, kind, cut = ALL[name], _KIND[name], 23
    expected = drive(torch, factory, kind=kind)
    opt = make_opt(ember, kind)
    sched = factory(ember.optim.lr_scheduler, opt)
    for _ in range(cut):
        opt.step()
        sched.step()
    saved_opt = copy.deepcopy(opt.state_dict())
    saved = copy.deepcopy(sched.state_dict())
    del opt, sched
    opt = make_opt(ember, kind)
    sched = factory(ember.optim.lr_scheduler, opt)
    opt.load_state_dict(saved_opt)
    sched.load_state_dict(saved)
    seq = [_snapshot(sched, opt)]
    for _ in range(STEPS - cut):
        opt.step()
        sched.step()
        seq.append(_snapshot(sched, opt))
    assert_same(seq, expected[cut:])

    t_opt = make_opt(torch, kind)
    t_sched = factory(torch.optim.lr_scheduler, t_opt)
    assert _state_keys(sched.state_dict()) == _state_keys(t_sched.state_dict())


@pytest.mark.parametrize("name", ["step", "multistep", "cosine_long", "linear_partial", "cyclic_exp",
                                  "onecycle_three", "warm_restarts_mult", "sequential_three"])
def test_load_torch_state_dict(name):
    """A torch scheduler's state_dict, loaded into ember's, continues identically."""
    factory, cut = CASES[name], 17
    expected = drive(torch, factory)
    t_opt = make_opt(torch)
    t_sched = factory(torch.optim.lr_scheduler, t_opt)
    for _ in range(cut):
        t_opt.step()
        t_sched.step()
    opt = make_opt(ember)
    sched = factory(ember.optim.lr_scheduler, opt)
    for g, tg in zip(opt.param_groups, t_opt.param_groups):
        g.update({k: v for k, v in tg.items() if k != "params"})
    sched.load_state_dict(copy.deepcopy(t_sched.state_dict()))
    seq = [_snapshot(sched, opt)]
    for _ in range(STEPS - cut):
        opt.step()
        sched.step()
        seq.append(_snapshot(sched, opt))
    assert_same(seq, expected[cut:])


def test_lambda_object_state_saved():
    opt = make_opt(ember)
    fn = Halving()
    sched = ember.optim.lr_scheduler.LambdaLR(opt, [fn, lambda e: 1.0])
    sd = sched.state_dict()
    assert sd["lr_lambdas"] == [{"base": 0.5}, None]
    fn2 = Halving()
    fn2.base = 0.1
    sched2 = ember.optim.lr_scheduler.LambdaLR(make_opt(ember), [fn2, lambda e: 1.0])
    sched2.load_state_dict(sd)
    assert fn2.base == 0.5
    assert "optimizer" not in sd


# ------------------------------------------------------ ReduceLROnPlateau
METRICS = [1.0, 0.9, 0.9, 0.95, 0.91, 0.9, 0.899999, 0.92, 0.8, 0.8, 0.8, 0.8, 0.81, 0.79, 0.7999,
           0.78, 0.78, 0.78, 0.9, 0.9, 0.77, 0.77, 0.77, 0.77, 0.77, 0.5, 0.5, 0.5, 0.5, 0.5] * 2
PLATEAU = {
    "default": dict(),
    "patience0": dict(patience=0),
    "patience2": dict(patience=2, factor=0.5),
    "cooldown": dict(patience=1, cooldown=3, factor=0.5),
    "abs": dict(patience=1, threshold=0.05, threshold_mode="abs"),
    "rel_big": dict(patience=1, threshold=0.1),
    "min_lr": dict(patience=0, factor=0.3, min_lr=0.004),
    "min_lr_list": dict(patience=0, factor=0.3, min_lr=[0.01, 1e-5]),
    "eps": dict(patience=0, factor=0.5, eps=0.01),
    "max": dict(mode="max", patience=1, factor=0.5),
    "max_abs": dict(mode="max", patience=0, threshold=0.02, threshold_mode="abs", cooldown=1),
}


@pytest.mark.parametrize("name", sorted(PLATEAU))
def test_reduce_on_plateau(name):
    kw = PLATEAU[name]
    metrics = [-m for m in METRICS] if kw.get("mode") == "max" else METRICS

    def factory(L, o):
        return L.ReduceLROnPlateau(o, **kw)
    expected = drive(torch, factory, steps=len(metrics), metrics=metrics)
    actual = drive(ember, factory, steps=len(metrics), metrics=[ember.tensor(m, dtype=ember.float64) for m in metrics])
    assert_same(actual, expected)


def test_reduce_on_plateau_state_dict():
    def run(lib, resume):
        opt = make_opt(lib)
        sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=1, cooldown=2, factor=0.5)
        out = []
        for i, m in enumerate(METRICS):
            if resume and i == 20:
                sd, osd = copy.deepcopy(sched.state_dict()), copy.deepcopy(opt.state_dict())
                opt = make_opt(lib)
                sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="max")
                opt.load_state_dict(osd)
                sched.load_state_dict(sd)
            sched.step(m)
            out.append(_snapshot(sched, opt))
        return out
    expected = run(torch, False)
    assert_same(run(ember, True), expected)


# ----------------------------------------------------- step(epoch), misc
EPOCH_CASES = ["step", "multistep", "constant_half", "linear_partial", "exponential", "polynomial_sq",
               "cosine_eta", "lambda", "cyclic", "warm_restarts_mult", "warm_restarts"]
EPOCHS = [0, 3, 4, 7, 7, 12, 2, 30, 31, 5.5, 9.25, 100]


@pytest.mark.parametrize("name", EPOCH_CASES)
def test_step_with_epoch(name):
    def run(lib):
        opt = make_opt(lib)
        sched = CASES[name](lib.optim.lr_scheduler, opt)
        seq = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for e in EPOCHS:
                if isinstance(e, float) and not name.startswith("warm"):
                    e = int(e)
                opt.step()
                sched.step(e)
                seq.append(_snapshot(sched, opt))
                opt.step()
                sched.step()
                seq.append(_snapshot(sched, opt))
        return seq
    assert_same(run(ember), run(torch))


def test_epoch_deprecation_warning():
    opt = make_opt(ember)
    sched = ember.optim.lr_scheduler.StepLR(opt, 2)
    opt.step()
    with pytest.warns(UserWarning, match="The epoch parameter in `scheduler.step\\(\\)` was not necessary"):
        sched.step(3)
    plateau = ember.optim.lr_scheduler.ReduceLROnPlateau(make_opt(ember))
    with pytest.warns(UserWarning, match="deprecated where possible"):
        plateau.step(1.0, epoch=4)
    assert plateau.last_epoch == 4


@pytest.mark.parametrize("lib", [ember, torch], ids=["ember", "torch"])
def test_step_order_warnings(lib):
    L = lib.optim.lr_scheduler
    opt = make_opt(lib)
    sched = L.ExponentialLR(opt, 0.9)
    with pytest.warns(UserWarning, match="Detected call of `lr_scheduler.step\\(\\)` before "
                                         "`optimizer.step\\(\\)`"):
        sched.step()
    opt = make_opt(lib)
    sched = L.ExponentialLR(opt, 0.9)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step()
        sched.step()
        sched.step()      # only the first step is checked
    opt = make_opt(lib)
    sched = L.ExponentialLR(opt, 0.9)
    opt.step = lambda closure=None: None
    with pytest.warns(UserWarning, match="Seems like `optimizer.step\\(\\)` has been overridden"):
        sched.step()
    opt = make_opt(lib)
    sched = L.CosineAnnealingLR(opt, 5)
    with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
        sched.get_lr()
    opt = make_opt(lib)
    first = L.StepLR(opt, 2)
    second = L.ExponentialLR(opt, 0.5)   # the step wrapper is installed once
    assert hasattr(opt.step, "_wrapped_by_lr_sched")
    opt.step()
    assert opt._opt_called
    del first, second


def test_initial_lr_and_base_lrs():
    opt = make_opt(ember)
    sched = ember.optim.lr_scheduler.StepLR(opt, 3)
    assert [g["initial_lr"] for g in opt.param_groups] == list(BASE_LRS)
    assert sched.base_lrs == list(BASE_LRS) and sched.last_epoch == 0
    opt.param_groups[0]["lr"] = 0.5          # a later scheduler keeps the first initial_lr
    sched2 = ember.optim.lr_scheduler.ExponentialLR(opt, 0.9)
    assert sched2.base_lrs == list(BASE_LRS)
    assert issubclass(ember.optim.lr_scheduler._LRScheduler, ember.optim.lr_scheduler.LRScheduler)


def test_resume_with_last_epoch():
    def run(lib):
        opt = make_opt(lib)
        for g in opt.param_groups:
            g["initial_lr"] = g["lr"] * 2
        sched = lib.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=12, eta_min=0.001, last_epoch=4)
        seq = [_snapshot(sched, opt)]
        for _ in range(20):
            opt.step()
            sched.step()
            seq.append(_snapshot(sched, opt))
        return seq
    assert_same(run(ember), run(torch))


def test_tensor_lr():
    def run(lib):
        groups = [{"params": [lib.zeros(2, requires_grad=True)], "lr": lib.tensor(0.1, dtype=lib.float64)}]
        opt = _CLASSES[(lib, "momentum")](groups)
        sched = lib.optim.lr_scheduler.ChainedScheduler(
            [lib.optim.lr_scheduler.StepLR(opt, 3, 0.5), lib.optim.lr_scheduler.ExponentialLR(opt, 0.9)])
        lr_obj = opt.param_groups[0]["lr"]
        seq = []
        for _ in range(12):
            opt.step()
            sched.step()
            last = sched.get_last_lr()[0]
            assert isinstance(last, lib.Tensor) and last is not lr_obj
            assert opt.param_groups[0]["lr"] is lr_obj     # filled in place
            seq.append(float(last))
        return seq
    assert_same(run(ember), run(torch))


# -------------------------------------------------------------- errors
def _raises_like_torch(build):
    """build(lib) raises in torch; ember must raise the same type with a
    message that is torch's (or extends it by naming the value)."""
    with pytest.raises(Exception) as t_err:
        build(torch)
    with pytest.raises(t_err.type) as e_err:
        build(ember)
    t_msg, e_msg = str(t_err.value.args[0]), str(e_err.value.args[0])
    assert e_msg == t_msg or e_msg.startswith(t_msg.rstrip(".")), (e_msg, t_msg)


def _stepper(L_name, n, **kw):
    def build(lib):
        opt = make_opt(lib)
        sched = getattr(lib.optim.lr_scheduler, L_name)(opt, **kw)
        for _ in range(n):
            opt.step()
            sched.step()
    return build


def _with(kind, fn):
    return lambda lib: fn(lib.optim.lr_scheduler, make_opt(lib, kind))


ERRORS = {
    "onecycle_too_many": _stepper("OneCycleLR", 11, max_lr=0.1, total_steps=10),
    "onecycle_epochs_too_many": _stepper("OneCycleLR", 7, max_lr=0.1, epochs=2, steps_per_epoch=3),
    "onecycle_total0": _with("momentum", lambda L, o: L.OneCycleLR(o, 0.1, total_steps=0)),
    "onecycle_total_float": _with("momentum", lambda L, o: L.OneCycleLR(o, 0.1, total_steps=5.0)),
    "onecycle_nothing": _with("momentum", lambda L, o: L.OneCycleLR(o, 0.1, epochs=3)),
    "onecycle_epochs0": _with("momentum", lambda L, o: L.OneCycleLR(o, 0.1, epochs=0, steps_per_epoch=2)),
    "onecycle_spe": _with("momentum", lambda L, o: L.OneCycleLR(o, 0.1, epochs=2, steps_per_epoch=-1)),
    "onecycle_pct": _with("momentum", lambda L, o: L.OneCycleLR(o, 0.1, total_steps=9, pct_start=1.5)),
    "onecycle_pct_int": _with("momentum", lambda L, o: L.OneCycleLR(o, 0.1, total_steps=9, pct_start=1)),
    "onecycle_anneal": _with("momentum", lambda L, o: L.OneCycleLR(o, 0.1, total_steps=9,
                                                                   anneal_strategy="exp")),
    "onecycle_no_momentum": _with("plain", lambda L, o: L.OneCycleLR(o, 0.1, total_steps=9)),
    "onecycle_max_lr_len": _with("momentum", lambda L, o: L.OneCycleLR(o, [0.1], total_steps=9)),
    "cyclic_mode": _with("momentum", lambda L, o: L.CyclicLR(o, 0.01, 0.1, mode="bogus")),
    "cyclic_no_momentum": _with("plain", lambda L, o: L.CyclicLR(o, 0.01, 0.1)),
    "cyclic_base_len": _with("momentum", lambda L, o: L.CyclicLR(o, [0.01, 0.02, 0.03], 0.1)),
    "cyclic_momentum_len": _with("momentum", lambda L, o: L.CyclicLR(o, 0.01, 0.1, base_momentum=[0.8])),
    "constant_factor": _with("momentum", lambda L, o: L.ConstantLR(o, factor=1.5)),
    "constant_negative": _with("momentum", lambda L, o: L.ConstantLR(o, factor=-0.1)),
    "linear_start": _with("momentum", lambda L, o: L.LinearLR(o, start_factor=0)),
    "linear_end": _with("momentum", lambda L, o: L.LinearLR(o, end_factor=1.5)),
    "warm_T0": _with("momentum", lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=0)),
    "warm_T0_float": _with("momentum", lambda L, o: L.CosineAnnealingWarmRestarts(o, T_0=2.5)),
    "warm_Tmult": _with("momentum", lambda L, o: L.CosineAnnealingWarmRestarts(o, 3, T_mult=0)),
    "warm_eta": _with("momentum", lambda L, o: L.CosineAnnealingWarmRestarts(o, 3, eta_min="x")),
    "warm_negative_epoch": _with("momentum", lambda L, o: L.CosineAnnealingWarmRestarts(o, 3).step(-1)),
    "lambda_len": _with("momentum", lambda L, o: L.LambdaLR(o, [lambda e: 1.0])),
    "multiplicative_not_callable": _with("momentum", lambda L, o: L.MultiplicativeLR(o, [0.9, 0.9])),
    "plateau_factor": _with("momentum", lambda L, o: L.ReduceLROnPlateau(o, factor=1.0)),
    "plateau_mode": _with("momentum", lambda L, o: L.ReduceLROnPlateau(o, mode="median")),
    "plateau_threshold_mode": _with("momentum", lambda L, o: L.ReduceLROnPlateau(o, threshold_mode="x")),
    "plateau_min_lr_len": _with("momentum", lambda L, o: L.ReduceLROnPlateau(o, min_lr=[0.1])),
    "plateau_not_optimizer": lambda lib: lib.optim.lr_scheduler.ReduceLROnPlateau(object()),
    "not_optimizer": lambda lib: lib.optim.lr_scheduler.StepLR([1, 2], 3),
    "resume_without_initial_lr": _with("momentum", lambda L, o: L.StepLR(o, 3, last_epoch=5)),
    "sequential_empty": _with("momentum", lambda L, o: L.SequentialLR(o, [], [])),
    "sequential_milestones": _with("momentum", lambda L, o: L.SequentialLR(
        o, [L.StepLR(o, 2), L.ExponentialLR(o, 0.9)], milestones=[2, 4])),
    "sequential_plateau": _with("momentum", lambda L, o: L.SequentialLR(
        o, [L.StepLR(o, 2), L.ReduceLROnPlateau(o)], milestones=[2])),
    "sequential_not_scheduler": _with("momentum", lambda L, o: L.SequentialLR(o, [object()], [])),
    "chained_empty": _with("momentum", lambda L, o: L.ChainedScheduler([])),
    "chained_plateau": _with("momentum", lambda L, o: L.ChainedScheduler([L.ReduceLROnPlateau(o)], o)),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors(name):
    _raises_like_torch(ERRORS[name])


def test_other_optimizer_rejected():
    def build(lib):
        L, o1, o2 = lib.optim.lr_scheduler, make_opt(lib), make_opt(lib)
        L.ChainedScheduler([L.StepLR(o1, 2), L.StepLR(o2, 2)])
    with pytest.raises(ValueError, match="expects all schedulers to belong to the same optimizer"):
        build(torch)
    with pytest.raises(ValueError, match="expects all schedulers to belong to the same optimizer"):
        build(ember)


def test_plateau_group_added():
    def build(lib, min_lr):
        opt = make_opt(lib)
        sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0, min_lr=min_lr)
        opt.add_param_group({"params": [lib.zeros(1, requires_grad=True)], "lr": 0.2})
        for m in (1.0, 2.0, 3.0):
            sched.step(m)
        return [g["lr"] for g in opt.param_groups]
    assert_same(build(ember, 0.0), build(torch, 0.0))
    with pytest.raises(RuntimeError, match="The number of param groups in the `optimizer` \\(3\\)"):
        build(ember, [0.0, 0.0])


# ------------------------------------------------- user schedulers, real optimizers
def _custom_class(lib):
    class Warmup(lib.optim.lr_scheduler._LRScheduler):
        """A user-written scheduler: linear warm-up then inverse square root."""

        def __init__(self, optimizer, warmup, last_epoch=-1):
            self.warmup = warmup
            super().__init__(optimizer, last_epoch)

        def get_lr(self):
            e = max(self.last_epoch, 1)
            scale = min(e / self.warmup, (self.warmup / e) ** 0.5)
            return [base * scale for base in self.base_lrs]
    return Warmup


def test_user_subclass():
    def factory(L, o):
        return _custom_class(torch if L is torch.optim.lr_scheduler else ember)(o, warmup=8)
    assert_same(drive(ember, factory), drive(torch, factory))


@pytest.mark.parametrize("opt_name,kw", [("SGD", dict(lr=0.1, momentum=0.9)),
                                         ("Adam", dict(lr=0.01))])
@pytest.mark.parametrize("sched_name", ["OneCycleLR", "CyclicLR"])
def test_real_optimizer_trajectory(opt_name, kw, sched_name):
    """With the library's own optimizers, momentum/beta1 cycling feeds into the
    parameter updates: the trajectories of a quadratic match torch's."""
    if not hasattr(ember.optim, opt_name):
        pytest.skip(f"ember.optim.{opt_name} not written yet")
    sched_kw = (dict(max_lr=0.05, total_steps=30) if sched_name == "OneCycleLR"
                else dict(base_lr=0.001, max_lr=0.05, step_size_up=5))

    def run(lib):
        w = lib.tensor([1.5, -2.0, 0.5], dtype=lib.float64, requires_grad=True)
        opt = getattr(lib.optim, opt_name)([w], **kw)
        sched = getattr(lib.optim.lr_scheduler, sched_name)(opt, **sched_kw)
        out = []
        for _ in range(30):
            opt.zero_grad()
            loss = ((w - 0.25) ** 2 * lib.tensor([1.0, 3.0, 0.5], dtype=lib.float64)).sum()
            loss.backward()
            opt.step()
            sched.step()
            out.append([float(x) for x in w.detach().numpy()] + [float(sched.get_last_lr()[0])])
        return out
    assert_same(run(ember), run(torch), rtol=1e-10)


def test_pickle_and_deepcopy():
    """A scheduler (with its optimizer) survives pickle and deepcopy and continues."""
    import pickle
    if not hasattr(ember.optim, "SGD"):
        pytest.skip("ember.optim.SGD not written yet")

    def run(lib, clone):
        opt = lib.optim.SGD([lib.zeros(3, requires_grad=True)], lr=0.1, momentum=0.9)
        sched = lib.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=9, eta_min=0.01)
        for _ in range(4):
            opt.step()
            sched.step()
        sched = clone(sched)
        out = []
        for _ in range(10):
            sched.optimizer.step()
            sched.step()
            out.append(sched.get_last_lr() + [g["lr"] for g in sched.optimizer.param_groups])
        return out
    expected = run(torch, lambda s: s)
    assert_same(run(ember, lambda s: pickle.loads(pickle.dumps(s))), expected)
    assert_same(run(ember, copy.deepcopy), expected)
