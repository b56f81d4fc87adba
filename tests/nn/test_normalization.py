"""Normalization: F.batch_norm / instance_norm / layer_norm / group_norm / rms_norm /
local_response_norm / normalize and the torch.* forms, against torch; the norm modules
(weights copied from torch) with their state_dict keys, reprs, init and train/eval."""
import warnings

import numpy as np
import pytest
import torch

import ember
import ember.nn  # noqa: F401
from oracle import NC, Sample, assert_close, check, check_error, rand

F32 = dict(rtol=1e-5, atol=1e-5)   # float32: statistics are sums of many terms


def torch_gradgrad_works(sample, wpos):
    """torch's double backward of its fused norms fails ("Expected a proper Tensor but got
    None") when a bias is given without a weight; those samples compare first order only."""
    args = list(sample.args) + [None, None]
    return not (args[wpos] is None and args[wpos + 1] is not None)


def run(fn, sample, create_graph, wpos):
    gradgrad = create_graph and torch_gradgrad_works(sample, wpos)
    if create_graph and not gradgrad:
        pytest.skip("torch cannot take this double backward")
    check(fn, sample, gradgrad=gradgrad, **F32)


def lnorm(lib, x, ns, w=None, b=None, eps=1e-5):
    return lib.nn.functional.layer_norm(x, ns, w, b, eps)


LAYER_NORM = [
    Sample(rand(2, 3), (3,), rand(3, seed=1), rand(3, seed=2)),
    Sample(rand(2, 2, 3), (2, 3)),
    Sample(rand(4, 3), (3,), rand(3, seed=1), None),
    Sample(rand(4, 3), (3,), None, rand(3, seed=2), eps=0.1),
    Sample(NC(rand(3, 4)), (4,), rand(4, seed=1), rand(4, seed=2)),
    Sample(rand(5,), (5,), rand(5, seed=3), rand(5, seed=4)),
    Sample(rand(0, 3), (3,), rand(3, seed=1), rand(3, seed=2), grad=False),
    Sample(rand(2, 3, 5, dtype=np.float32), (3, 5), rand(3, 5, seed=1, dtype=np.float32),
           rand(3, 5, seed=2, dtype=np.float32)),
]


@pytest.mark.parametrize("sample", LAYER_NORM, ids=repr)
@pytest.mark.parametrize("create_graph", [True, False], ids=["composite_bwd", "fused_bwd"])
def test_layer_norm(sample, create_graph):
    run(lnorm, sample, create_graph, 2)


def test_layer_norm_torch_namespace_and_large_offsets():
    x = rand(4, 64, dtype=np.float32) * 3 + 1e3   # big common offset: variance must not cancel
    check(lambda lib, x: lib.layer_norm(x, [64]), Sample(x), rtol=1e-4, atol=1e-4, gradgrad=False)


def rmsnorm(lib, x, ns, w=None, eps=None):
    return lib.nn.functional.rms_norm(x, ns, w, eps)


RMS_NORM = [
    Sample(rand(2, 3), (3,), rand(3, seed=1)),
    Sample(rand(2, 2, 3), (2, 3), None, 1e-3),
    Sample(rand(4, 6, dtype=np.float32), (6,), rand(6, seed=1, dtype=np.float32)),
    Sample(rand(4, 6, dtype=np.float32), (6,), None, 0.5),
]


@pytest.mark.parametrize("sample", RMS_NORM, ids=repr)
@pytest.mark.parametrize("create_graph", [True, False], ids=["composite_bwd", "fused_bwd"])
def test_rms_norm(sample, create_graph):
    check(rmsnorm, sample, gradgrad=create_graph, **F32)


def gnorm(lib, x, g, w=None, b=None, eps=1e-5):
    return lib.nn.functional.group_norm(x, g, w, b, eps)


GROUP_NORM = [
    Sample(rand(2, 4, 2), 2, rand(4, seed=1), rand(4, seed=2)),
    Sample(rand(2, 4), 2, rand(4, seed=1), rand(4, seed=2)),
    Sample(rand(1, 6, 2, 2), 3),
    Sample(rand(2, 6, 3, dtype=np.float32), 1, rand(6, seed=1, dtype=np.float32), None),
    Sample(rand(2, 6, 2, 2, dtype=np.float32), 6, rand(6, seed=2, dtype=np.float32), None, eps=0.01),
]


@pytest.mark.parametrize("sample", GROUP_NORM, ids=repr)
@pytest.mark.parametrize("create_graph", [True, False], ids=["composite_bwd", "fused_bwd"])
def test_group_norm(sample, create_graph):
    run(gnorm, sample, create_graph, 2)


def bnorm_train(lib, x, w=None, b=None, momentum=0.1, eps=1e-5, stats=True):
    c = x.shape[1]
    rm = lib.tensor(np.linspace(-1, 1, c), dtype=x.dtype) if stats else None
    rv = lib.tensor(np.linspace(0.5, 2, c), dtype=x.dtype) if stats else None
    y = lib.nn.functional.batch_norm(x, rm, rv, w, b, True, momentum, eps)
    return (y, rm, rv) if stats else y


def bnorm_eval(lib, x, w=None, b=None, eps=1e-5):
    c = x.shape[1]
    rm = lib.tensor(np.linspace(-1, 1, c), dtype=x.dtype)
    rv = lib.tensor(np.linspace(0.5, 2, c), dtype=x.dtype)
    return lib.nn.functional.batch_norm(x, rm, rv, w, b, False, 0.1, eps)


BATCH_NORM = [
    Sample(rand(4, 3), rand(3, seed=1), rand(3, seed=2)),
    Sample(rand(2, 2, 3), None, None, momentum=0.5),
    Sample(rand(2, 2, 2, 2), rand(2, seed=1), None, eps=0.1),
    Sample(rand(3, 2), stats=False),
    Sample(rand(2, 3, 2, 2, 2, seed=5)),
    Sample(rand(8, 4, 5, dtype=np.float32), rand(4, seed=1, dtype=np.float32),
           rand(4, seed=2, dtype=np.float32)),
]


@pytest.mark.parametrize("sample", BATCH_NORM, ids=repr)
@pytest.mark.parametrize("create_graph", [True, False], ids=["composite_bwd", "fused_bwd"])
def test_batch_norm_training_updates_running_stats(sample, create_graph):
    run(bnorm_train, sample, create_graph, 1)


@pytest.mark.parametrize("sample", [
    Sample(rand(4, 3), rand(3, seed=1), rand(3, seed=2)),
    Sample(rand(2, 3, 2), None, rand(3, seed=2)),
    Sample(rand(2, 2, 2, 2, dtype=np.float32), rand(2, seed=1, dtype=np.float32), None, eps=0.1),
], ids=repr)
def test_batch_norm_eval(sample):
    check(bnorm_eval, sample, gradgrad=torch_gradgrad_works(sample, 1), **F32)


def test_batch_norm_torch_namespace():
    def fn(lib, x, w, b):
        rm, rv = lib.zeros(3, dtype=x.dtype), lib.ones(3, dtype=x.dtype)
        return lib.batch_norm(x, w, b, rm, rv, True, 0.3, 1e-5, False), rm, rv
    check(fn, Sample(rand(4, 3), rand(3, seed=1), rand(3, seed=2)))


def inorm(lib, x, w=None, b=None, use_input_stats=True, stats=False, momentum=0.1, eps=1e-5):
    c = x.shape[1]
    rm = lib.tensor(np.linspace(-1, 1, c), dtype=x.dtype) if stats else None
    rv = lib.tensor(np.linspace(0.5, 2, c), dtype=x.dtype) if stats else None
    y = lib.nn.functional.instance_norm(x, rm, rv, w, b, use_input_stats, momentum, eps)
    return (y, rm, rv) if stats else y


INSTANCE_NORM = [
    Sample(rand(2, 3, 3), rand(3, seed=1), rand(3, seed=2)),
    Sample(rand(2, 2, 2, 2), stats=True, momentum=0.3),
    Sample(rand(3, 2, 4), None, rand(2, seed=1), stats=True, use_input_stats=False),
    Sample(rand(2, 4, 3, 3, dtype=np.float32), rand(4, seed=1, dtype=np.float32), None, stats=True),
    Sample(rand(2, 2, 2, 2, 2)),
]


@pytest.mark.parametrize("sample", INSTANCE_NORM, ids=repr)
@pytest.mark.parametrize("create_graph", [True, False], ids=["composite_bwd", "fused_bwd"])
def test_instance_norm(sample, create_graph):
    run(inorm, sample, create_graph, 1)


def lrn(lib, x, size, alpha=1e-4, beta=0.75, k=1.0):
    return lib.nn.functional.local_response_norm(x, size, alpha, beta, k)


@pytest.mark.parametrize("sample", [
    Sample(rand(2, 4, 3), 3, 0.5, 0.75, 1.0),
    Sample(rand(1, 3, 2, 2), 2, 0.3, 0.5, 2.0),
    Sample(rand(1, 2, 2, 2, 2), 5, 0.2),
    Sample(rand(2, 6, 5, dtype=np.float32), 4, 1e-2, 0.75, 1.0),
    Sample(rand(0, 6, 5), 4, grad=False),
], ids=repr)
def test_local_response_norm(sample):
    check(lrn, sample)


def normalize(lib, x, p=2.0, dim=1, eps=1e-12):
    return lib.nn.functional.normalize(x, p, dim, eps)


@pytest.mark.parametrize("sample", [
    Sample(rand(3, 4)),
    Sample(rand(3, 4), 1.0, 0),
    Sample(rand(2, 3, 2), 3.0, -1),
    Sample(rand(5, 6, dtype=np.float32), 2.0, 1, 0.5),
], ids=repr)
def test_normalize(sample):
    check(normalize, sample)


def test_normalize_zero_rows():
    # torch's second derivative at an all-zero row is nan; first order is compared
    check(normalize, Sample(np.array([[0.0, 0.0], [1e-14, 0.0], [1.0, 2.0]]), fd=False), gradgrad=False)


def test_normalize_out():
    x = rand(3, 4)
    out = ember.empty(3, 4, dtype=ember.float64)
    r = ember.nn.functional.normalize(ember.tensor(x), out=out)
    assert r is out
    assert_close(out, torch.nn.functional.normalize(torch.tensor(x)))


F_ERRORS = [
    (lambda lib, x: lib.nn.functional.layer_norm(x, (10,)), [rand(2, 3, 5)], RuntimeError,
     "Given normalized_shape=[10]", "[*, 10]", "[2, 3, 5]"),
    (lambda lib, x: lib.nn.functional.layer_norm(x, (5,), lib.ones(4, dtype=x.dtype)), [rand(2, 5)],
     RuntimeError, "weight of shape [4]", "normalized_shape = [5]"),
    (lambda lib, x: lib.nn.functional.layer_norm(x, (5,), None, lib.ones(4, dtype=x.dtype)),
     [rand(2, 5)], RuntimeError, "bias of shape [4]"),
    (lambda lib, x: lib.nn.functional.layer_norm(x, 5), [rand(2, 5)], TypeError, "normalized_shape"),
    (lambda lib, x: lib.layer_norm(x, ()), [rand(2, 5)], RuntimeError, "at least 1-dimensional"),
    (lambda lib, x: lib.nn.functional.layer_norm(x, (5,)), [rand(2, 5, dtype=np.int64)],
     NotImplementedError, "LayerNormKernelImpl", "Long"),
    (lambda lib, x: lib.nn.functional.layer_norm(x, (5,), lib.ones(5)), [rand(2, 5)],
     RuntimeError, "mixed dtype"),
    (lambda lib, x: lib.nn.functional.rms_norm(x, (4,)), [rand(2, 5)], RuntimeError, "[*4]"),
    (lambda lib, x: lib.nn.functional.batch_norm(x, None, None, training=True), [rand(1, 3)],
     ValueError, "Expected more than 1 value per channel when training"),
    (lambda lib, x: lib.nn.functional.batch_norm(x, None, None, training=True), [rand(1, 3, 1, 1)],
     ValueError, "Expected more than 1 value per channel when training"),
    (lambda lib, x: lib.nn.functional.batch_norm(x, None, None), [rand(2, 3)], RuntimeError,
     "running_mean must be defined in evaluation mode"),
    (lambda lib, x: lib.nn.functional.batch_norm(x, lib.zeros(4, dtype=x.dtype),
                                                 lib.ones(3, dtype=x.dtype)), [rand(2, 3)],
     RuntimeError, "running_mean should contain 3 elements not 4"),
    (lambda lib, x: lib.nn.functional.batch_norm(x, None, None, lib.ones(4, dtype=x.dtype),
                                                 training=True), [rand(2, 3)],
     RuntimeError, "weight should contain 3 elements not 4"),
    (lambda lib, x: lib.nn.functional.batch_norm(x, None, None, training=True, eps=0.0), [rand(2, 3)],
     ValueError, "eps must be positive"),
    (lambda lib, x: lib.nn.functional.batch_norm(x, None, None, training=True, momentum=None),
     [rand(2, 3)], TypeError, "momentum"),
    (lambda lib, x: lib.nn.functional.group_norm(x, 4), [rand(2, 6, 4)], RuntimeError,
     "divisible by num_groups", "[2, 6, 4]", "num_groups=4"),
    (lambda lib, x: lib.nn.functional.group_norm(x, 3, lib.ones(5, dtype=x.dtype)), [rand(2, 6, 4)],
     RuntimeError, "weight of shape [5]"),
    (lambda lib, x: lib.nn.functional.group_norm(x, 1), [rand(6)], RuntimeError,
     "Expected at least 2 dimensions"),
    (lambda lib, x: lib.nn.functional.instance_norm(x), [rand(2, 3, 1)], ValueError,
     "Expected more than 1 spatial element when training"),
    (lambda lib, x: lib.nn.functional.instance_norm(x, lib.zeros(3, dtype=x.dtype)), [rand(2, 3, 4)],
     ValueError, "both be None"),
    (lambda lib, x: lib.nn.functional.instance_norm(x, use_input_stats=False), [rand(2, 3, 4)],
     RuntimeError, "use_input_stats is false"),
    (lambda lib, x: lib.nn.functional.local_response_norm(x, 2), [rand(2, 3)], ValueError,
     "Expected 3D or higher dimensionality"),
]


@pytest.mark.parametrize("case", F_ERRORS, ids=lambda c: c[3])
def test_functional_errors(case):
    fn, args, exc, *words = case
    check_error(fn, args, exc, *words)


def test_half_precision_layer_norm_keeps_dtype():
    x = rand(3, 8, dtype=np.float32)
    e = ember.nn.functional.layer_norm(ember.tensor(x).half(), (8,))
    t = torch.nn.functional.layer_norm(torch.tensor(x).half(), (8,))
    assert_close(e, t, rtol=1e-3, atol=1e-3)


# ------------------------------------------------------------------ modules
def to_ember_state(tm):
    return {k: ember.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()}


def randomize(tm):
    """Non-trivial affine parameters and running statistics, so copying them matters."""
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, t in list(tm.named_parameters()) + list(tm.named_buffers()):
            if t.dtype.is_floating_point:
                t.copy_(torch.rand(t.shape, generator=g) + (0.5 if "var" in name else -0.5))


def compare_step(em, tm, x, what, tol=F32):
    """One forward/backward in both: outputs, input grads, parameter grads, buffers."""
    xt = torch.tensor(x, requires_grad=True)
    xe = ember.tensor(x, requires_grad=True)
    yt, ye = tm(xt), em(xe)
    assert_close(ye, yt.detach(), what=f"{what}: output", **tol)
    g = np.random.default_rng(1).standard_normal(tuple(yt.shape)).astype(x.dtype)
    yt.backward(torch.tensor(g))
    ye.backward(ember.tensor(g))
    assert_close(xe.grad, xt.grad, what=f"{what}: input grad", **tol)
    tp, ep = dict(tm.named_parameters()), dict(em.named_parameters())
    assert tp.keys() == ep.keys()
    for k in tp:
        assert_close(ep[k].grad, tp[k].grad, what=f"{what}: {k}.grad", **tol)
        tp[k].grad, ep[k].grad = None, None
    tb, eb = dict(tm.named_buffers()), dict(em.named_buffers())
    assert tb.keys() == eb.keys()
    for k in tb:
        assert_close(eb[k], tb[k], what=f"{what}: buffer {k}", **tol)


MODULES = [
    ("BatchNorm1d", (3,), {}, (4, 3)),
    ("BatchNorm1d", (3,), {"momentum": None}, (4, 3, 5)),
    ("BatchNorm1d", (3,), {"affine": False, "track_running_stats": False}, (4, 3, 2)),
    ("BatchNorm2d", (2,), {"eps": 1e-3, "momentum": 0.3}, (3, 2, 4, 4)),
    ("BatchNorm2d", (2,), {"bias": False}, (3, 2, 2, 3)),
    ("BatchNorm2d", (2,), {"track_running_stats": False}, (3, 2, 2, 3)),
    ("BatchNorm3d", (2,), {"momentum": None, "affine": False}, (2, 2, 2, 3, 2)),
    ("InstanceNorm1d", (3,), {}, (2, 3, 6)),
    ("InstanceNorm1d", (3,), {"affine": True, "track_running_stats": True}, (2, 3, 6)),
    ("InstanceNorm1d", (3,), {"affine": True}, (3, 6)),
    ("InstanceNorm2d", (2,), {"track_running_stats": True, "momentum": None}, (2, 2, 3, 3)),
    ("InstanceNorm2d", (2,), {"affine": True, "bias": False}, (2, 3, 3)),
    ("InstanceNorm3d", (2,), {"affine": True, "track_running_stats": True}, (2, 2, 2, 2, 3)),
    ("LayerNorm", (5,), {}, (2, 3, 5)),
    ("LayerNorm", ([3, 5],), {"eps": 1e-3, "bias": False}, (2, 3, 5)),
    ("LayerNorm", (5,), {"elementwise_affine": False}, (4, 5)),
    ("GroupNorm", (2, 4), {}, (3, 4, 5)),
    ("GroupNorm", (4, 4), {"affine": False, "eps": 1e-2}, (3, 4, 2, 2)),
    ("GroupNorm", (1, 6), {"bias": False}, (2, 6)),
    ("RMSNorm", (5,), {}, (2, 3, 5)),
    ("RMSNorm", ([3, 5],), {"eps": 1e-3}, (2, 3, 5)),
    ("RMSNorm", (5,), {"elementwise_affine": False}, (4, 5)),
    ("LocalResponseNorm", (3,), {}, (2, 5, 4)),
    ("LocalResponseNorm", (2,), {"alpha": 0.1, "beta": 0.5, "k": 2.0}, (2, 4, 3, 3)),
]


@pytest.mark.parametrize("case", MODULES, ids=lambda c: f"{c[0]}{c[1]}{c[2]}")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_module_matches_torch(case, dtype):
    name, args, kwargs, shape = case
    tdt = torch.float32 if dtype == np.float32 else torch.float64
    tm = getattr(torch.nn, name)(*args, **kwargs).to(tdt)
    em = getattr(ember.nn, name)(*args, **kwargs).to(getattr(ember, tdt.__repr__().split(".")[1]))
    assert repr(em) == repr(tm)
    assert list(em.state_dict().keys()) == list(tm.state_dict().keys())
    for k, v in tm.state_dict().items():
        ev = em.state_dict()[k]
        assert tuple(ev.shape) == tuple(v.shape) and str(ev.dtype).split(".")[1] == str(v.dtype).split(".")[1]
        assert_close(ev, v, what=f"initial {k}")   # the default init (ones, zeros, 0, 1)
    randomize(tm)
    em.load_state_dict(to_ember_state(tm))
    for step in range(3):   # running statistics evolve over several training steps
        x = rand(*shape, dtype=dtype, seed=step)
        compare_step(em, tm, x, f"train step {step}")
    tm.eval()
    em.eval()
    compare_step(em, tm, rand(*shape, dtype=dtype, seed=9), "eval")


def test_batch_norm_num_batches_tracked_and_cumulative_average():
    em = ember.nn.BatchNorm1d(2, momentum=None)
    xs = [rand(5, 2, dtype=np.float32, seed=s) for s in range(4)]
    for x in xs:
        em(ember.tensor(x))
    assert int(em.num_batches_tracked) == 4
    # momentum=None keeps the plain average of the batch statistics
    np.testing.assert_allclose(em.running_mean.numpy(), np.mean([x.mean(0) for x in xs], 0), rtol=1e-5)
    np.testing.assert_allclose(em.running_var.numpy(), np.mean([x.var(0, ddof=1) for x in xs], 0),
                               rtol=1e-5)
    em.eval()
    em(ember.tensor(xs[0]))
    assert int(em.num_batches_tracked) == 4


def test_batch_norm_eval_without_running_stats_uses_batch_stats():
    tm = torch.nn.BatchNorm1d(3, track_running_stats=False).eval()
    em = ember.nn.BatchNorm1d(3, track_running_stats=False).eval()
    compare_step(em, tm, rand(4, 3, dtype=np.float32), "eval, no running stats")


def test_state_dict_without_num_batches_tracked_loads():
    em = ember.nn.BatchNorm1d(3)
    state = {k: v for k, v in em.state_dict().items() if k != "num_batches_tracked"}
    assert em.load_state_dict(state) is not None
    assert int(em.num_batches_tracked) == 0


def test_torch_state_dict_round_trip():
    tm = torch.nn.Sequential(torch.nn.Conv1d(2, 3, 1), torch.nn.BatchNorm1d(3), torch.nn.LayerNorm(4))
    randomize(tm[1])
    em = ember.nn.Sequential(ember.nn.Conv1d(2, 3, 1), ember.nn.BatchNorm1d(3), ember.nn.LayerNorm(4))
    em.load_state_dict(to_ember_state(tm))
    back = {k: torch.tensor(v.numpy()) for k, v in em.state_dict().items()}
    tm.load_state_dict(back)
    for k, v in tm.state_dict().items():
        assert_close(em.state_dict()[k], v)


@pytest.mark.parametrize("name", ["LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d",
                                  "LazyInstanceNorm1d", "LazyInstanceNorm2d", "LazyInstanceNorm3d"])
def test_lazy_norms(name):
    nd = int(name[-2])
    shape = (3, 4) + (3,) * nd
    tm, em = getattr(torch.nn, name)(), getattr(ember.nn, name)()
    assert repr(em) == repr(tm)
    x = rand(*shape, dtype=np.float32)
    yt, ye = tm(torch.tensor(x)), em(ember.tensor(x))
    assert type(em).__name__ == type(tm).__name__ == name[4:]
    assert repr(em) == repr(tm)
    assert_close(ye, yt.detach(), **F32)
    for k, v in tm.state_dict().items():
        assert_close(em.state_dict()[k], v, what=k, **F32)


MODULE_ERRORS = [
    (lambda nn: nn.BatchNorm2d(3), (2, 3, 4), ValueError, ["BatchNorm2d(3,", "expected 4D input (got 3D input)",
                                                            "(2, 3, 4)"]),
    (lambda nn: nn.BatchNorm1d(3), (2, 4), RuntimeError, ["dimension 1 (channels) must be 3", "(2, 4)"]),
    (lambda nn: nn.BatchNorm1d(3), (1, 3), ValueError, ["Expected more than 1 value per channel"]),
    (lambda nn: nn.InstanceNorm1d(3, affine=True), (2, 4, 5), ValueError,
     ["to match num_features (3), but got: 4"]),
    (lambda nn: nn.InstanceNorm2d(3), (2, 3, 4, 4, 4), ValueError, ["expected 3D or 4D input (got 5D input)"]),
    (lambda nn: nn.LayerNorm(5), (2, 4), RuntimeError, ["LayerNorm((5,)", "got input of shape (2, 4)",
                                                        "must be (5,)"]),
    (lambda nn: nn.RMSNorm([2, 3]), (2, 4), RuntimeError, ["must be (2, 3)"]),
    (lambda nn: nn.GroupNorm(2, 4), (2, 6, 3), RuntimeError, ["GroupNorm(2, 4", "(2, 6, 3)"]),
    (lambda nn: nn.LocalResponseNorm(2), (2, 4), ValueError, ["3D or higher dimensionality"]),
]


@pytest.mark.parametrize("case", MODULE_ERRORS, ids=lambda c: c[3][0])
def test_module_input_errors_name_the_module(case):
    make, shape, exc, words = case
    with pytest.raises(exc):
        make(torch.nn)(torch.zeros(shape))
    model = ember.nn.Sequential(ember.nn.Identity(), make(ember.nn))
    with pytest.raises(exc) as info:
        model(ember.zeros(shape))
    for w in words + ["at '1'"]:
        assert w in str(info.value), (w, str(info.value))


def test_group_norm_constructor_error():
    for lib in (torch, ember):
        with pytest.raises(ValueError, match=r"num_channels \(4\) must be divisible by num_groups \(3\)"):
            lib.nn.GroupNorm(3, 4)


def test_instance_norm_warns_on_channel_mismatch_without_affine():
    with pytest.warns(UserWarning, match="does not match num_features"):
        ember.nn.InstanceNorm1d(3)(ember.randn(2, 4, 5))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ember.nn.InstanceNorm1d(4)(ember.randn(2, 4, 5))
