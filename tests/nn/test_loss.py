"""Oracle tests for the loss functions (ember.nn.functional.loss vs
torch.nn.functional): values, dtypes, gradients, second-order gradients and
finite differences; numerics at |logit| ~ 1e4; errors; torch.* spellings;
and the loss modules (constructor arguments, reprs, buffers)."""
import warnings

import numpy as np
import pytest
import torch

import ember
from ember.nn.functional import loss as EF
from oracle import NC, Sample, check, check_error, rand

F64, F32 = np.float64, np.float32


def F(lib):
    return torch.nn.functional if lib is torch else EF


def _c(lib, a):
    """A constant (no grad) tensor of the library from a NumPy array."""
    return None if a is None else lib.tensor(a)


def idx(*shape, high, seed=0, low=0):
    return np.random.default_rng(seed).integers(low, high, size=shape).astype(np.int64)


def probs(*shape, seed=0, axis=1):
    p = rand(*shape, low=0.1, high=1.0, seed=seed)
    return p / p.sum(axis=axis, keepdims=True)


def signs(*shape, seed=0):
    return np.where(np.random.default_rng(seed).random(shape) > 0.5, 1.0, -1.0)


def _cw(lib, weight, x):
    return None if weight is None else lib.tensor(weight).to(x.dtype)


def _ce(weight=None, **kw):
    def call(lib, x, t):
        return F(lib).cross_entropy(x, t, weight=_cw(lib, weight, x), **kw)
    return call


def _nll(weight=None, **kw):
    def call(lib, x, t):
        return F(lib).nll_loss(x, t, weight=_cw(lib, weight, x), **kw)
    return call


def _tconst(name, target, **kw):
    """F.name(x, target) with a constant target (torch has no gradient for it)."""
    def call(lib, x):
        return getattr(F(lib), name)(x, lib.tensor(target).to(x.dtype), **kw)
    return call


def _with(name, *const, **kw):
    """F.name(*tensors, *constants, **kw) with constants given as arrays (no grad)."""
    def call(lib, *args):
        return getattr(F(lib), name)(*args, *[_c(lib, a) for a in const], **kw)
    return call


def _kw_const(name, consts, **kw):
    def call(lib, *args):
        return getattr(F(lib), name)(*args, **{k: _c(lib, v) for k, v in consts.items()}, **kw)
    return call


W5 = rand(5, low=0.2, high=2.0, seed=7)
T4 = np.array([1, 0, 4, 2])
T4_IGN = np.array([1, -100, 4, 2])
T_ND = idx(2, 3, 2, high=5, seed=3)

# name: (call, sample)
CLASS_CASES = {
    "ce": (_ce(), Sample(rand(4, 5), T4)),
    "ce_sum": (_ce(reduction="sum"), Sample(rand(4, 5), T4)),
    "ce_none": (_ce(reduction="none"), Sample(rand(4, 5), T4)),
    "ce_weight": (_ce(W5), Sample(rand(4, 5), T4)),
    "ce_weight_none": (_ce(W5, reduction="none"), Sample(rand(4, 5), T4)),
    "ce_ignore": (_ce(), Sample(rand(4, 5), T4_IGN)),
    "ce_ignore_weight": (_ce(W5), Sample(rand(4, 5), T4_IGN)),
    "ce_ignore_custom": (_ce(W5, ignore_index=2, reduction="sum"), Sample(rand(4, 5), T4)),
    "ce_smooth": (_ce(label_smoothing=0.2), Sample(rand(4, 5), T4)),
    "ce_smooth_weight_ignore": (_ce(W5, label_smoothing=0.3), Sample(rand(4, 5), T4_IGN)),
    "ce_smooth_none": (_ce(W5, label_smoothing=0.1, reduction="none"), Sample(rand(4, 5), T4_IGN)),
    "ce_smooth_sum": (_ce(label_smoothing=0.25, reduction="sum"), Sample(rand(4, 5), T4_IGN)),
    "ce_nd": (_ce(), Sample(rand(2, 5, 3, 2), T_ND)),
    "ce_nd_weight_smooth": (_ce(W5, label_smoothing=0.1), Sample(rand(2, 5, 3, 2), T_ND)),
    "ce_nd_none": (_ce(reduction="none"), Sample(rand(2, 5, 3), idx(2, 3, high=5))),
    "ce_3d_ignore": (_ce(ignore_index=1), Sample(rand(2, 5, 3), idx(2, 3, high=5))),
    "ce_unbatched": (_ce(), Sample(rand(5), np.array(3))),
    "ce_unbatched_none": (_ce(reduction="none"), Sample(rand(5), np.array(3))),
    "ce_noncontig": (_ce(W5), Sample(NC(rand(4, 5)), T4)),
    "ce_all_ignored": (_ce(), Sample(rand(3, 5), np.array([-100, -100, -100]), fd=False)),
    "ce_empty": (_ce(), Sample(rand(0, 5), np.zeros(0, np.int64), fd=False)),
    "ce_probs": (_ce(), Sample(rand(4, 5), probs(4, 5))),
    "ce_probs_weight_smooth": (_ce(W5, label_smoothing=0.2), Sample(rand(4, 5), probs(4, 5))),
    "ce_probs_none_nd": (_ce(reduction="none"), Sample(rand(2, 5, 3), probs(2, 5, 3))),
    "ce_probs_sum_unbatched": (_ce(reduction="sum"), Sample(rand(5), probs(5, axis=0))),
    "nll": (_nll(), Sample(rand(4, 5), T4)),
    "nll_weight_ignore": (_nll(W5), Sample(rand(4, 5), T4_IGN)),
    "nll_none": (_nll(reduction="none"), Sample(rand(4, 5), T4_IGN)),
    "nll_sum": (_nll(W5, reduction="sum"), Sample(rand(4, 5), T4)),
    "nll_nd": (_nll(W5), Sample(rand(2, 5, 3, 2), T_ND)),
    "nll_nd_none": (_nll(reduction="none"), Sample(rand(2, 5, 3, 2), T_ND)),
    "nll_5d": (_nll(), Sample(rand(2, 5, 2, 1, 2), idx(2, 2, 1, 2, high=5))),
    "nll_unbatched": (_nll(W5), Sample(rand(5), np.array(4))),
}


@pytest.mark.parametrize("name", list(CLASS_CASES))
def test_class_losses(name):
    fn, sample = CLASS_CASES[name]
    check(fn, sample, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["ce", "ce_weight", "ce_smooth_weight_ignore", "ce_nd", "nll_nd",
                                  "ce_probs_weight_smooth"])
def test_class_losses_float32(name):
    fn, sample = CLASS_CASES[name]
    args = [NC(a.array.astype(F32)) if isinstance(a, NC) else
            a.astype(F32) if isinstance(a, np.ndarray) and a.dtype == F64 else a
            for a in sample.args]
    check(fn, Sample(*args), rtol=1e-6, atol=1e-6)


def _bce_in(*shape, seed=0):
    return rand(*shape, low=0.05, high=0.95, seed=seed)


POINTWISE = {
    "l1": (_with("l1_loss"), Sample(rand(3, 4), rand(3, 4, seed=1))),
    "l1_sum": (_with("l1_loss", reduction="sum"), Sample(rand(3, 4), rand(3, 4, seed=1))),
    "l1_none": (_with("l1_loss", reduction="none"), Sample(rand(3, 4), rand(3, 4, seed=1))),
    "l1_weight": (_with("l1_loss", weight=None), Sample(rand(3, 4), rand(3, 4, seed=1))),
    "l1_weighted": (lambda lib, x, y, w: F(lib).l1_loss(x, y, weight=w),
                    Sample(rand(3, 4), rand(3, 4, seed=1), rand(3, 4, low=0.1, seed=2))),
    "mse": (_with("mse_loss"), Sample(rand(3, 4), rand(3, 4, seed=1))),
    "mse_none_0d": (_with("mse_loss", reduction="none"), Sample(rand(), rand(seed=1))),
    "mse_weighted_sum": (lambda lib, x, y, w: F(lib).mse_loss(x, y, reduction="sum", weight=w),
                         Sample(rand(3, 4), rand(3, 4, seed=1), rand(3, 4, low=0.1, seed=2))),
    "mse_weighted_mean": (lambda lib, x, y, w: F(lib).mse_loss(x, y, weight=w),
                          Sample(rand(3, 4), rand(3, 4, seed=1), rand(3, 4, low=0.1, seed=2))),
    "mse_empty": (_with("mse_loss"), Sample(rand(0, 3), rand(0, 3), fd=False)),
    "smooth_l1": (_with("smooth_l1_loss"), Sample(rand(3, 4), rand(3, 4, seed=1))),
    "smooth_l1_beta": (_with("smooth_l1_loss", beta=0.5, reduction="none"),
                       Sample(rand(3, 4), rand(3, 4, seed=1))),
    "smooth_l1_beta0": (_with("smooth_l1_loss", beta=0.0, reduction="sum"),
                        Sample(rand(3, 4), rand(3, 4, seed=1))),
    "huber": (_with("huber_loss"), Sample(rand(3, 4), rand(3, 4, seed=1))),
    "huber_delta": (_with("huber_loss", reduction="none", delta=0.7),
                    Sample(rand(3, 4), rand(3, 4, seed=1))),
    "huber_weighted": (lambda lib, x, y, w: F(lib).huber_loss(x, y, delta=1.3, weight=w),
                       Sample(rand(3, 4), rand(3, 4, seed=1), rand(3, 4, low=0.1, seed=2))),
    "bce": (_with("binary_cross_entropy"), Sample(_bce_in(3, 4), _bce_in(3, 4, seed=1))),
    "bce_weight_none": (_kw_const("binary_cross_entropy", {"weight": rand(4, low=0.1, seed=3)},
                                  reduction="none"), Sample(_bce_in(3, 4), _bce_in(3, 4, seed=1))),
    "bce_sum": (_with("binary_cross_entropy", reduction="sum"),
                Sample(_bce_in(2, 3), np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.3]]))),
    "bce_clamp": (_with("binary_cross_entropy", reduction="none"),
                  Sample(np.array([0.0, 1.0, 0.5, 1e-60]), np.array([1.0, 0.0, 0.5, 1.0]), grad=False)),
    "bce_logits": (_with("binary_cross_entropy_with_logits"), Sample(rand(3, 4), _bce_in(3, 4, seed=1))),
    "bce_logits_weight": (_kw_const("binary_cross_entropy_with_logits",
                                    {"weight": rand(3, 1, low=0.1, seed=3)}, reduction="sum"),
                          Sample(rand(3, 4), _bce_in(3, 4, seed=1))),
    "bce_logits_pos_weight": (_kw_const("binary_cross_entropy_with_logits",
                                        {"pos_weight": rand(4, low=0.1, high=3, seed=3)}),
                              Sample(rand(3, 4), _bce_in(3, 4, seed=1))),
    "bce_logits_both_none": (_kw_const("binary_cross_entropy_with_logits",
                                       {"pos_weight": rand(4, low=0.1, high=3, seed=3),
                                        "weight": rand(4, low=0.1, seed=4)}, reduction="none"),
                             Sample(rand(2, 4), _bce_in(2, 4, seed=1))),
    "kl_div": (_with("kl_div", reduction="batchmean"),
               Sample(np.log(probs(3, 4)), probs(3, 4, seed=1))),
    "kl_div_none": (_with("kl_div", reduction="none"),
                    Sample(np.log(probs(3, 4)), probs(3, 4, seed=1))),
    "kl_div_sum_log_target": (_with("kl_div", reduction="sum", log_target=True),
                              Sample(np.log(probs(3, 4)), np.log(probs(3, 4, seed=1)))),
    "kl_div_batchmean_log_target": (_with("kl_div", reduction="batchmean", log_target=True),
                                    Sample(np.log(probs(3, 4)), np.log(probs(3, 4, seed=1)))),
    "kl_div_zero_target": (_with("kl_div", reduction="sum"),
                           Sample(rand(2, 3), np.array([[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]]),
                                  grad=False)),
    "poisson": (_with("poisson_nll_loss"), Sample(rand(3, 4), rand(3, 4, low=0, high=4, seed=1))),
    "poisson_full": (_with("poisson_nll_loss", full=True, reduction="sum"),
                     Sample(rand(3, 4), rand(3, 4, low=0.5, high=4, seed=1))),
    "poisson_linear": (_with("poisson_nll_loss", log_input=False, full=True, eps=1e-3,
                             reduction="none"),
                       Sample(rand(3, 4, low=0.1), rand(3, 4, low=0.5, high=4, seed=1))),
    "gaussian": (_with("gaussian_nll_loss"),
                 Sample(rand(3, 4), rand(3, 4, seed=1), rand(3, 4, low=0.1, seed=2))),
    "gaussian_full_sum": (_with("gaussian_nll_loss", full=True, reduction="sum"),
                          Sample(rand(3, 4), rand(3, 4, seed=1), rand(3, 4, low=0.1, seed=2))),
    "gaussian_var_lastdim": (_with("gaussian_nll_loss", reduction="none"),
                             Sample(rand(3, 4), rand(3, 4, seed=1), rand(3, low=0.1, seed=2))),
    "gaussian_var_one": (_with("gaussian_nll_loss"),
                         Sample(rand(3, 4), rand(3, 4, seed=1), rand(3, 1, low=0.1, seed=2))),
    "gaussian_var_clamped": (_with("gaussian_nll_loss", eps=0.5),
                             Sample(rand(3, 4), rand(3, 4, seed=1), rand(3, 4, low=0.1, seed=2),
                                    fd=False)),
    "gaussian_var_float": (lambda lib, x, y: F(lib).gaussian_nll_loss(x, y, 0.7),
                           Sample(rand(3, 4), rand(3, 4, seed=1))),
    "soft_margin": (_tconst("soft_margin_loss", signs(3, 4)), Sample(rand(3, 4))),
    "soft_margin_none": (_tconst("soft_margin_loss", signs(5), reduction="none"), Sample(rand(5))),
    "multilabel_soft_margin": (_with("multilabel_soft_margin_loss"),
                               Sample(rand(3, 4), rand(3, 4, dtype=bool).astype(F64))),
    "multilabel_soft_margin_weight": (
        _kw_const("multilabel_soft_margin_loss", {"weight": rand(4, low=0.1, seed=3)}, reduction="none"),
        Sample(rand(3, 4), rand(3, 4, dtype=bool).astype(F64))),
    "multi_margin": (_with("multi_margin_loss"), Sample(rand(4, 5), T4)),
    "multi_margin_p2_weight": (_kw_const("multi_margin_loss", {"weight": W5}, p=2, margin=0.7,
                                         reduction="none"), Sample(rand(4, 5), T4)),
    "multi_margin_sum_1d": (_with("multi_margin_loss", reduction="sum"),
                            Sample(rand(5), np.array([2]))),
    "multilabel_margin": (_with("multilabel_margin_loss"),
                          Sample(rand(3, 4), np.array([[3, 0, -1, 1], [0, 1, 2, 3], [-1, 1, 2, 0]]))),
    "multilabel_margin_none_dups": (_with("multilabel_margin_loss", reduction="none"),
                                    Sample(rand(2, 4), np.array([[3, 3, -1, 1], [2, -1, 0, 0]]))),
    "multilabel_margin_1d": (_with("multilabel_margin_loss", reduction="sum"),
                             Sample(rand(4), np.array([2, 1, -1, 3]))),
    "margin_ranking": (_with("margin_ranking_loss"), Sample(rand(5), rand(5, seed=1), signs(5))),
    "margin_ranking_m": (_with("margin_ranking_loss", margin=0.5, reduction="none"),
                         Sample(rand(5), rand(5, seed=1), signs(5))),
    "hinge": (_with("hinge_embedding_loss"), Sample(rand(3, 4), signs(3, 4))),
    "hinge_m": (_with("hinge_embedding_loss", margin=0.5, reduction="none"),
                Sample(rand(3, 4), signs(3, 4))),
    "cosine_emb": (_with("cosine_embedding_loss"), Sample(rand(3, 4), rand(3, 4, seed=1), signs(3))),
    "cosine_emb_m": (_with("cosine_embedding_loss", margin=-0.2, reduction="none"),
                     Sample(rand(3, 4), rand(3, 4, seed=1), signs(3))),
    "cosine_emb_1d": (_with("cosine_embedding_loss", margin=0.1),
                      Sample(rand(4), rand(4, seed=1), np.array(-1.0))),
    "triplet": (_with("triplet_margin_loss"), Sample(rand(3, 4), rand(3, 4, seed=1), rand(3, 4, seed=2))),
    "triplet_p1_swap": (_with("triplet_margin_loss", margin=2.0, p=1, swap=True, reduction="none"),
                        Sample(rand(3, 4), rand(3, 4, seed=1), rand(3, 4, seed=2))),
    "triplet_p3_sum": (_with("triplet_margin_loss", p=3.0, eps=1e-3, reduction="sum"),
                       Sample(rand(3, 4), rand(3, 4, seed=1), rand(3, 4, seed=2))),
    "triplet_dist_default": (_with("triplet_margin_with_distance_loss", margin=3.0),
                             Sample(rand(3, 4), rand(3, 4, seed=1), rand(3, 4, seed=2))),
    "triplet_dist_fn": (lambda lib, a, p, n: F(lib).triplet_margin_with_distance_loss(
        a, p, n, distance_function=lambda x, y: ((x - y) ** 2).sum(-1), swap=True, margin=4.0,
        reduction="none"), Sample(rand(3, 4), rand(3, 4, seed=1), rand(3, 4, seed=2))),
}


# torch has no double backward for these kernels; ember's is checked by finite differences
NO_TORCH_GRADGRAD = ("multi_margin", "multilabel_margin")


def _gradgrad(name):
    return not name.startswith(NO_TORCH_GRADGRAD)


@pytest.mark.parametrize("name", list(POINTWISE))
def test_pointwise_losses(name):
    fn, sample = POINTWISE[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(fn, sample, rtol=1e-10, atol=1e-12, gradgrad=_gradgrad(name))
    if not _gradgrad(name) and sample.grad:
        args = [ember.tensor(a, requires_grad=a.dtype == F64) for a in sample.args]
        leaves = [a for a in args if a.requires_grad]
        if sum(a.numel() for a in leaves) <= 24:
            ember.autograd.gradgradcheck(lambda *xs: fn(ember, *xs, *args[len(leaves):]), leaves)


@pytest.mark.parametrize("name", ["mse", "l1", "smooth_l1", "huber", "bce", "bce_logits_pos_weight",
                                  "kl_div", "poisson_full", "gaussian", "multi_margin",
                                  "multilabel_margin", "cosine_emb", "triplet"])
def test_pointwise_losses_float32(name):
    fn, sample = POINTWISE[name]
    args = [a.astype(F32) if isinstance(a, np.ndarray) and a.dtype == F64 else a for a in sample.args]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(fn, Sample(*args), rtol=2e-6, atol=1e-6, gradgrad=_gradgrad(name))


# ------------------------------------------------------------------ CTC
def _ctc_case(T, N, C, S, seed, concat=False, short=False, blank=0):
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((T, N, C))
    lp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    tl = rng.integers(0 if short else 1, S + 1, size=N)
    il = np.full(N, T) if not short else rng.integers(max(T - 2, 1), T + 1, size=N)
    targets = rng.integers(1, C, size=(N, S))
    targets = np.where(targets == blank, 0, targets)
    if concat:
        targets = np.concatenate([targets[i, :tl[i]] for i in range(N)])
    return lp, targets, il, tl


def _ctc(**kw):
    def call(lib, lp, targets, il, tl):
        return F(lib).ctc_loss(lp, targets, il, tl, **kw)
    return call


CTC_CASES = {
    "mean": (_ctc(), _ctc_case(6, 3, 4, 3, 0)),
    "sum_concat": (_ctc(reduction="sum"), _ctc_case(6, 3, 4, 3, 1, concat=True)),
    "none_short": (_ctc(reduction="none"), _ctc_case(7, 4, 5, 3, 2, short=True)),
    "blank_last": (_ctc(blank=4, reduction="none"), _ctc_case(5, 2, 5, 2, 3, blank=4)),
    "repeats": (_ctc(reduction="none"), (_ctc_case(6, 2, 3, 3, 4)[0], np.array([[1, 1, 2], [2, 2, 2]]),
                                         np.array([6, 6]), np.array([3, 2]))),
    "impossible": (_ctc(reduction="none"), (_ctc_case(3, 2, 3, 3, 5)[0], np.array([[1, 1, 1], [1, 2, 1]]),
                                            np.array([3, 3]), np.array([3, 2]))),
    "zero_infinity": (_ctc(reduction="mean", zero_infinity=True),
                      (_ctc_case(3, 2, 3, 3, 5)[0], np.array([[1, 1, 1], [1, 2, 1]]),
                       np.array([3, 3]), np.array([3, 2]))),
}


@pytest.mark.parametrize("name", list(CTC_CASES))
@pytest.mark.parametrize("dtype", [F64, F32])
def test_ctc_loss(name, dtype):
    fn, (lp, targets, il, tl) = CTC_CASES[name]
    # torch's gradient is that of the loss w.r.t. the logits behind a log_softmax
    # (it carries an extra exp(log_probs) term), so it is not the finite-difference
    # derivative, and torch has no double backward for ctc_loss
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == F64 else dict(rtol=1e-5, atol=1e-6)
    if name == "impossible":  # infinite losses: torch's gradient is nan there
        check(fn, Sample(lp.astype(dtype), targets, il, tl, grad=False), **tol)
        return
    check(fn, Sample(lp.astype(dtype), targets, il, tl, fd=False), gradgrad=False, **tol)


def test_ctc_unbatched_and_int_lists():
    lp, targets, il, tl = _ctc_case(6, 1, 4, 3, 7)
    for red in ("none", "mean"):
        e = EF.ctc_loss(ember.tensor(lp[:, 0]), ember.tensor(targets[0, :tl[0]]), (int(il[0]),),
                        (int(tl[0]),), reduction=red)
        t = torch.nn.functional.ctc_loss(torch.tensor(lp[:, 0]), torch.tensor(targets[0, :tl[0]]),
                                         (int(il[0]),), (int(tl[0]),), reduction=red)
        assert tuple(e.shape) == tuple(t.shape)
        np.testing.assert_allclose(e.item(), t.item(), rtol=1e-10)
    e = EF.ctc_loss(ember.tensor(lp), ember.tensor(targets), list(il), list(tl))
    t = torch.nn.functional.ctc_loss(torch.tensor(lp), torch.tensor(targets), list(il), list(tl))
    np.testing.assert_allclose(e.item(), t.item(), rtol=1e-10)


# ------------------------------------------------------------- numerics
def test_cross_entropy_stable_for_huge_logits():
    x = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, 1e4], [1e4, 1e4, -1e4]], dtype=F32)
    t = np.array([1, 2, 0])
    for kw in ({}, {"label_smoothing": 0.1}, {"reduction": "none"}):
        check(_ce(**kw), Sample(x, t), rtol=1e-6, atol=1e-6, gradgrad=False)
        e = EF.cross_entropy(ember.tensor(x, requires_grad=True), ember.tensor(t), **kw)
        assert bool(e.isfinite().all())


def test_bce_with_logits_stable_for_huge_logits():
    x = np.array([1e4, -1e4, 3e4, -3e4, 0.5], dtype=F32)
    y = np.array([0.0, 1.0, 1.0, 0.0, 0.3], dtype=F32)
    check(_with("binary_cross_entropy_with_logits", reduction="none"), Sample(x, y),
          rtol=1e-6, atol=1e-6)
    pw = {"pos_weight": np.array([2.0], dtype=F32)}
    check(_kw_const("binary_cross_entropy_with_logits", pw, reduction="sum"), Sample(x, y),
          rtol=1e-6, atol=1e-6)


# --------------------------------------------------------------- errors
def _call(name, **kw):
    return lambda lib, *args: getattr(F(lib), name)(*args, **kw)


ERRORS = [
    ("ce_batch", _call("cross_entropy"), (rand(3, 5), idx(4, high=5)), ValueError,
     ["Expected input batch_size (3) to match target batch_size (4).", "(3, 5)", "(4,)"]),
    ("nll_batch", _call("nll_loss"), (rand(3, 5), idx(4, high=5)), ValueError,
     ["Expected input batch_size (3) to match target batch_size (4)."]),
    ("ce_oob", _call("cross_entropy"), (rand(3, 5), np.array([1, 2, 7])), IndexError,
     ["Target 7 is out of bounds."]),
    ("nll_oob", _call("nll_loss"), (rand(3, 5), np.array([1, -1, 0])), IndexError,
     ["Target -1 is out of bounds."]),
    ("ce_int32_target", _call("cross_entropy"), (rand(3, 5), idx(3, high=5).astype(np.int32)),
     RuntimeError, ["expected target dtype to be Long or Byte, but got Int"]),
    ("ce_multi_target", _call("cross_entropy"), (rand(3, 5), idx(3, 4, high=5)), RuntimeError,
     ["0D or 1D target tensor expected"]),
    ("ce_nd_target", _call("cross_entropy"), (rand(2, 3, 4), idx(2, 3, high=3)), RuntimeError,
     ["Expected target size [2, 4], got [2, 3]"]),
    ("ce_weight_size", lambda lib, x, t: F(lib).cross_entropy(x, t, weight=lib.ones(4, dtype=lib.float64)),
     (rand(3, 5), idx(3, high=5)), RuntimeError, ["weight tensor should be defined either for all 5"]),
    ("ce_weight_dtype", lambda lib, x, t: F(lib).cross_entropy(x, t, weight=lib.ones(5)),
     (rand(3, 5), idx(3, high=5)), RuntimeError, ["expected scalar type Double but found Float"]),
    ("ce_reduction", _call("cross_entropy", reduction="avg"), (rand(3, 5), idx(3, high=5)),
     ValueError, ["avg is not a valid value for reduction"]),
    ("ce_smoothing", _call("cross_entropy", label_smoothing=1.5), (rand(3, 5), idx(3, high=5)),
     RuntimeError, ["label_smoothing must be between 0.0 and 1.0. Got: 1.5"]),
    ("ce_probs_long", _call("cross_entropy"), (rand(3, 5), idx(3, 5, high=5)), RuntimeError,
     ["Expected floating point type for target with class probabilities, got Long"]),
    ("ce_probs_ignore", _call("cross_entropy", ignore_index=1), (rand(3, 5), probs(3, 5)),
     RuntimeError, ["ignore_index is not supported for floating point target"]),
    ("ce_int_input", _call("cross_entropy"), (idx(3, 5, high=3), idx(3, high=5)),
     NotImplementedError, ["not implemented for 'Long'"]),
    ("ce_1d_target", _call("cross_entropy"), (rand(5), np.array([2, 3])), ValueError,
     ["For 1D input, 1D target must have size 1"]),
    ("bce_range", _call("binary_cross_entropy"), (np.array([0.5, 1.5]), np.array([0.0, 1.0])),
     RuntimeError, ["all elements of input should be between 0 and 1"]),
    ("bce_size", _call("binary_cross_entropy"), (rand(3, low=0.1, high=0.9), rand(3, 1, low=0.1)),
     ValueError, ["different to the input size"]),
    ("bce_logits_size", _call("binary_cross_entropy_with_logits"), (rand(3), rand(2)), ValueError,
     ["must be the same as input size"]),
    ("l1_weight_size", lambda lib, x, y: F(lib).l1_loss(x, y, weight=lib.ones(3, dtype=lib.float64)),
     (rand(2, 3), rand(2, 3)), ValueError, ["Weights and input must have the same size."]),
    ("mse_weight_reduction", lambda lib, x, y: F(lib).mse_loss(x, y, reduction="x", weight=lib.ones(3, dtype=lib.float64)),
     (rand(3), rand(3)), ValueError, ["Invalid reduction mode: x"]),
    ("multi_margin_p", _call("multi_margin_loss", p=3), (rand(3, 5), idx(3, high=5)), ValueError,
     ["only p == 1 and p == 2 supported"]),
    ("multi_margin_target", _call("multi_margin_loss"), (rand(3, 5), idx(4, high=5)), RuntimeError,
     ["inconsistent target size, expected 3"]),
    ("multilabel_margin_target", _call("multilabel_margin_loss"), (rand(3, 5), idx(3, 4, high=5)),
     RuntimeError, ["inconsistent target size"]),
    ("margin_ranking_dims", _call("margin_ranking_loss"), (rand(3), rand(3), rand(3, 1)),
     RuntimeError, ["All input tensors should have same dimension"]),
    ("cosine_target_dims", _call("cosine_embedding_loss"), (rand(3, 4), rand(3, 4), rand(3, 1)),
     RuntimeError, ["0D or 1D target tensor expected"]),
    ("cosine_input_dims", _call("cosine_embedding_loss"), (rand(4), rand(4), rand(3)),
     RuntimeError, ["1D target tensor expects 2D input tensors"]),
    ("triplet_margin", _call("triplet_margin_loss", margin=0.0), (rand(2, 3), rand(2, 3), rand(2, 3)),
     ValueError, ["margin must be greater than 0, got 0.0"]),
    ("triplet_dims", _call("triplet_margin_loss"), (rand(2, 3), rand(3), rand(2, 3)), RuntimeError,
     ["anchor 2D, positive 1D, and negative 2D inputs"]),
    ("triplet_dist_reduction", _call("triplet_margin_with_distance_loss", reduction="avg"),
     (rand(2, 3), rand(2, 3), rand(2, 3)), ValueError, ["avg is not a valid value for reduction"]),
    ("gaussian_var_neg", _call("gaussian_nll_loss"), (rand(3), rand(3), -rand(3, low=0.1)),
     ValueError, ["var has negative entry/entries"]),
    ("gaussian_var_size", _call("gaussian_nll_loss"), (rand(3, 4), rand(3, 4), rand(2, 2, low=0.1)),
     ValueError, ["var is of incorrect size"]),
    ("poisson_reduction", _call("poisson_nll_loss", reduction="x"), (rand(3), rand(3)), ValueError,
     ["x is not a valid value for reduction"]),
    ("ctc_input_length", lambda lib, lp, t: F(lib).ctc_loss(lp, t, (7,), (2,)),
     (rand(5, 1, 4), idx(1, 2, high=4, low=1)), RuntimeError, ["input_lengths to have value at most 5"]),
    ("ctc_concat_size", lambda lib, lp, t: F(lib).ctc_loss(lp, t, (5,), (2,)),
     (rand(5, 1, 4), idx(3, high=4, low=1)), RuntimeError, ["Expected tensor to have size 2"]),
]


@pytest.mark.parametrize("case", ERRORS, ids=[c[0] for c in ERRORS])
def test_errors(case):
    _, fn, args, exc, match = case
    check_error(fn, args, exc, *match)


def test_legacy_reduction_arguments_warn_and_map():
    x, y = rand(3, 4), rand(3, 4, seed=1)
    for sa, rd, want in [(False, None, "sum"), (None, False, "none"), (True, True, "mean")]:
        with pytest.warns(UserWarning, match=f"please use reduction='{want}' instead"):
            e = EF.mse_loss(ember.tensor(x), ember.tensor(y), size_average=sa, reduce=rd)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t = torch.nn.functional.mse_loss(torch.tensor(x), torch.tensor(y), size_average=sa,
                                             reduce=rd)
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-12)
    with pytest.warns(UserWarning, match="please use reduction='sum'"):
        e = EF.nll_loss(ember.tensor(x), ember.tensor(np.array([0, 1, 2])), size_average=False)
    t = torch.nn.functional.nll_loss(torch.tensor(x), torch.tensor([0, 1, 2]), reduction="sum")
    np.testing.assert_allclose(e.item(), t.item(), rtol=1e-12)


def test_size_mismatch_warning_and_kl_mean_warning():
    with pytest.warns(UserWarning, match="different to the input size"):
        EF.mse_loss(ember.tensor(rand(3, 1)), ember.tensor(rand(3)))
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        EF.kl_div(ember.tensor(rand(3)), ember.tensor(rand(3, low=0.1)))


# ---------------------------------------------------- torch.* spellings
NAMESPACE = [
    ("binary_cross_entropy_with_logits", (rand(3, 4), _bce_in(3, 4, seed=1)), {"reduction": 2}),
    ("kl_div", (rand(3, 4), probs(3, 4)), {"reduction": 0, "log_target": False}),
    ("margin_ranking_loss", (rand(4), rand(4, seed=1), signs(4)), {"margin": 0.3}),
    ("hinge_embedding_loss", (rand(4), signs(4)), {"margin": 0.5, "reduction": 2}),
    ("cosine_embedding_loss", (rand(3, 4), rand(3, 4, seed=1), signs(3)), {}),
    ("triplet_margin_loss", (rand(3, 4), rand(3, 4, seed=1), rand(3, 4, seed=2)), {"swap": True}),
    ("triplet_margin_loss", (rand(3, 4), rand(3, 4, seed=1), rand(3, 4, seed=2)), {"reduction": 1}),
    ("kl_div", (rand(3, 4), probs(3, 4)), {}),
    ("poisson_nll_loss", (rand(3, 4), rand(3, 4, low=0.5, high=3)),
     {"log_input": True, "full": True, "eps": 1e-8, "reduction": 1}),
]


@pytest.mark.parametrize("case", NAMESPACE, ids=[f"{c[0]}-{i}" for i, c in enumerate(NAMESPACE)])
def test_torch_namespace_spellings(case):
    name, args, kw = case
    check(lambda lib, *a: getattr(lib, name)(*a, **kw), Sample(*args), rtol=1e-10, atol=1e-12)


def test_torch_ctc_loss_spelling():
    lp, targets, il, tl = _ctc_case(6, 3, 4, 3, 0)
    for extra in ((), (0, 1, False), (0, 2, True)):
        e = ember.ctc_loss(ember.tensor(lp), ember.tensor(targets), ember.tensor(il),
                           ember.tensor(tl), *extra)
        t = torch.ctc_loss(torch.tensor(lp), torch.tensor(targets), torch.tensor(il),
                           torch.tensor(tl), *extra)
        assert tuple(e.shape) == tuple(t.shape)
        np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-10)


# -------------------------------------------------------------- modules
def _mods(lib):
    return torch.nn if lib is torch else ember.nn


W3 = np.array([0.5, 1.0, 2.0])

# (class name, constructor kwargs (arrays become tensors), inputs)
MODULES = [
    ("L1Loss", {}, (rand(3, 4), rand(3, 4, seed=1))),
    ("MSELoss", {"reduction": "sum"}, (rand(3, 4), rand(3, 4, seed=1))),
    ("CrossEntropyLoss", {"weight": W3, "ignore_index": 1, "label_smoothing": 0.1},
     (rand(4, 3), np.array([0, 1, 2, 2]))),
    ("CrossEntropyLoss", {"reduction": "none"}, (rand(2, 3, 4), idx(2, 4, high=3))),
    ("NLLLoss", {"weight": W3}, (rand(4, 3), np.array([0, 1, 2, 2]))),
    ("BCELoss", {"weight": W3}, (_bce_in(2, 3), _bce_in(2, 3, seed=1))),
    ("BCEWithLogitsLoss", {"weight": W3, "pos_weight": W3[::-1].copy()}, (rand(2, 3), _bce_in(2, 3))),
    ("KLDivLoss", {"reduction": "batchmean", "log_target": True},
     (np.log(probs(2, 3)), np.log(probs(2, 3, seed=1)))),
    ("SmoothL1Loss", {"beta": 0.5}, (rand(3, 4), rand(3, 4, seed=1))),
    ("HuberLoss", {"delta": 0.5, "reduction": "none"}, (rand(3, 4), rand(3, 4, seed=1))),
    ("SoftMarginLoss", {}, (rand(3, 4),)),
    ("MultiLabelSoftMarginLoss", {"weight": W3}, (rand(2, 3), rand(2, 3, dtype=bool).astype(F64))),
    ("MultiMarginLoss", {"p": 2, "margin": 0.5, "weight": W3}, (rand(4, 3), np.array([0, 1, 2, 2]))),
    ("MultiLabelMarginLoss", {}, (rand(2, 3), np.array([[2, -1, 0], [0, 1, -1]]))),
    ("MarginRankingLoss", {"margin": 0.2}, (rand(4), rand(4, seed=1), signs(4))),
    ("HingeEmbeddingLoss", {"margin": 0.7}, (rand(3, 4), signs(3, 4))),
    ("CosineEmbeddingLoss", {"margin": 0.1}, (rand(3, 4), rand(3, 4, seed=1), signs(3))),
    ("TripletMarginLoss", {"margin": 0.5, "p": 1.0, "swap": True},
     (rand(3, 4), rand(3, 4, seed=1), rand(3, 4, seed=2))),
    ("PoissonNLLLoss", {"full": True}, (rand(3, 4), rand(3, 4, low=0.5, high=3))),
    ("GaussianNLLLoss", {"full": True, "eps": 1e-3}, (rand(3, 4), rand(3, 4, seed=1), rand(3, 1, low=0.1))),
]


def _build(lib, name, kwargs):
    kw = {k: lib.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    return getattr(_mods(lib), name)(**kw)


@pytest.mark.parametrize("case", MODULES, ids=[f"{c[0]}-{i}" for i, c in enumerate(MODULES)])
def test_loss_modules(case):
    name, kwargs, inputs = case
    tm, em = _build(torch, name, kwargs), _build(ember, name, kwargs)
    assert repr(em) == repr(tm)
    assert list(em.state_dict().keys()) == list(tm.state_dict().keys())
    for k, v in tm.state_dict().items():
        np.testing.assert_array_equal(em.state_dict()[k].numpy(), v.numpy())
    assert em.reduction == tm.reduction
    for attr in getattr(type(tm), "__constants__", None) or []:
        assert getattr(em, attr) == getattr(tm, attr), attr
    if name == "SoftMarginLoss":
        target = signs(3, 4)
        fn = (lambda lib, x: (tm if lib is torch else em)(x, lib.tensor(target)))
    else:
        fn = (lambda lib, *a: (tm if lib is torch else em)(*a))
    check(fn, Sample(*inputs), rtol=1e-10, atol=1e-12, gradgrad=not name.startswith("Multi"),
          fd=not name.startswith("Multi"))


def test_ctc_module_and_legacy_ctor():
    lp, targets, il, tl = _ctc_case(6, 3, 4, 3, 0)
    tm, em = torch.nn.CTCLoss(blank=0, reduction="sum", zero_infinity=True), \
        ember.nn.CTCLoss(blank=0, reduction="sum", zero_infinity=True)
    assert repr(em) == repr(tm) == "CTCLoss()"
    check(lambda lib, x: (tm if lib is torch else em)(x, lib.tensor(targets), lib.tensor(il),
                                                      lib.tensor(tl)),
          Sample(lp, fd=False), gradgrad=False, rtol=1e-10, atol=1e-12)
    with pytest.warns(UserWarning, match="reduction='none'"):
        m = ember.nn.NLLLoss(reduce=False)
    assert m.reduction == "none"


def test_triplet_with_distance_module():
    a, p, n = rand(3, 4), rand(3, 4, seed=1), rand(3, 4, seed=2)
    tm = torch.nn.TripletMarginWithDistanceLoss(margin=2.0)
    em = ember.nn.TripletMarginWithDistanceLoss(margin=2.0)
    assert repr(em) == repr(tm)
    check(lambda lib, *xs: (tm if lib is torch else em)(*xs), Sample(a, p, n), rtol=1e-10, atol=1e-12)
    tm2 = torch.nn.TripletMarginWithDistanceLoss(distance_function=lambda x, y: (x - y).abs().sum(-1))
    em2 = ember.nn.TripletMarginWithDistanceLoss(distance_function=lambda x, y: (x - y).abs().sum(-1))
    assert repr(em2) == repr(tm2) == "TripletMarginWithDistanceLoss()"


def test_module_error_names_path_and_shapes():
    model = ember.nn.ModuleDict({"criterion": ember.nn.CrossEntropyLoss()})

    class Wrapper(ember.nn.Module):
        def __init__(self):
            super().__init__()
            self.heads = model

        def forward(self, x, t):
            return self.heads["criterion"](x, t)

    with pytest.raises(ValueError) as info:
        Wrapper()(ember.zeros(3, 5), ember.zeros(4, dtype=ember.int64))
    msg = str(info.value)
    for part in ("CrossEntropyLoss", "heads.criterion", "(3, 5)", "(4,)",
                 "Expected input batch_size (3) to match target batch_size (4)."):
        assert part in msg, (part, msg)
    with pytest.raises(ValueError):
        torch.nn.CrossEntropyLoss()(torch.zeros(3, 5), torch.zeros(4, dtype=torch.int64))
