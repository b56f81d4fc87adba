"""ember.nn.init against torch.nn.init: gains, fans, distribution parameters (checked
on large samples against torch's formulas), exact structured fills and errors."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch

import ember
from ember.nn import init


@pytest.fixture(autouse=True)
def _seeds():
    ember.manual_seed(0)
    torch.manual_seed(0)


def _np(t):
    return np.array(t.detach().numpy(), dtype=np.float64)


# ----------------------------------------------------------------- calculate_gain
GAIN_CASES = [
    ("linear", None), ("conv1d", None), ("conv2d", None), ("conv3d", None),
    ("conv_transpose1d", None), ("conv_transpose2d", None), ("conv_transpose3d", None),
    ("sigmoid", None), ("tanh", None), ("relu", None), ("selu", None),
    ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", 0), ("leaky_relu", 1),
    ("leaky_relu", math.sqrt(5)), ("relu", 3.0),
]


@pytest.mark.parametrize("nonlinearity,param", GAIN_CASES)
def test_calculate_gain_matches_torch(nonlinearity, param):
    expected = torch.nn.init.calculate_gain(nonlinearity, param)
    got = init.calculate_gain(nonlinearity, param)
    assert got == pytest.approx(expected, rel=1e-15)
    assert type(got) is type(expected)


@pytest.mark.parametrize("nonlinearity,param", [("foo", None), ("leaky_relu", True),
                                                ("leaky_relu", "0.1"), ("Relu", None)])
def test_calculate_gain_errors(nonlinearity, param):
    with pytest.raises(ValueError) as t_err:
        torch.nn.init.calculate_gain(nonlinearity, param)
    with pytest.raises(ValueError) as e_err:
        init.calculate_gain(nonlinearity, param)
    assert str(e_err.value) == str(t_err.value)


# ---------------------------------------------------------------------------- fans
FAN_SHAPES = [(3, 5), (5, 3), (4, 3, 7), (8, 2, 3, 3), (6, 4, 2, 3, 5), (0, 3), (1, 1)]


@pytest.mark.parametrize("shape", FAN_SHAPES)
def test_fans_match_torch(shape):
    t, e = torch.empty(shape), ember.empty(shape)
    assert init._calculate_fan_in_and_fan_out(e) == torch.nn.init._calculate_fan_in_and_fan_out(t)
    for mode in ("fan_in", "fan_out", "FAN_IN"):
        assert init._calculate_correct_fan(e, mode) == torch.nn.init._calculate_correct_fan(t, mode)


# ------------------------------------------------------------------ distributions
def _uniform_bound(name, shape, kw):
    """The bound of torch's uniform initializers, from torch's own helpers."""
    t = torch.empty(shape)
    if name == "uniform_":
        return kw.get("a", 0.0), kw.get("b", 1.0)
    if name == "xavier_uniform_":
        fi, fo = torch.nn.init._calculate_fan_in_and_fan_out(t)
        b = kw.get("gain", 1.0) * math.sqrt(6.0 / (fi + fo))
        return -b, b
    fan = torch.nn.init._calculate_correct_fan(t, kw.get("mode", "fan_in"))
    gain = torch.nn.init.calculate_gain(kw.get("nonlinearity", "leaky_relu"), kw.get("a", 0))
    b = gain * math.sqrt(3.0 / fan)
    return -b, b


def _normal_params(name, shape, kw):
    t = torch.empty(shape)
    if name == "normal_":
        return kw.get("mean", 0.0), kw.get("std", 1.0)
    if name == "xavier_normal_":
        fi, fo = torch.nn.init._calculate_fan_in_and_fan_out(t)
        return 0.0, kw.get("gain", 1.0) * math.sqrt(2.0 / (fi + fo))
    fan = torch.nn.init._calculate_correct_fan(t, kw.get("mode", "fan_in"))
    gain = torch.nn.init.calculate_gain(kw.get("nonlinearity", "leaky_relu"), kw.get("a", 0))
    return 0.0, gain / math.sqrt(fan)


UNIFORM_CASES = [
    ("uniform_", (400, 500), {}),
    ("uniform_", (400, 500), {"a": -3.0, "b": 0.5}),
    ("xavier_uniform_", (400, 500), {}),
    ("xavier_uniform_", (64, 32, 3, 3), {"gain": 2.5}),
    ("kaiming_uniform_", (400, 500), {}),
    ("kaiming_uniform_", (400, 500), {"a": math.sqrt(5)}),
    ("kaiming_uniform_", (64, 32, 3, 3), {"mode": "fan_out", "nonlinearity": "relu"}),
    ("kaiming_uniform_", (200, 30, 40), {"nonlinearity": "tanh"}),
    ("kaiming_uniform_", (400, 500), {"nonlinearity": "selu", "mode": "fan_out"}),
]


@pytest.mark.parametrize("name,shape,kw", UNIFORM_CASES)
def test_uniform_initializers(name, shape, kw):
    lo, hi = _uniform_bound(name, shape, kw)
    x = _np(getattr(init, name)(ember.empty(shape), **kw))
    ref = getattr(torch.nn.init, name)(torch.empty(shape), **kw).numpy().astype(np.float64)
    width = hi - lo
    for sample in (x, ref):
        assert sample.min() >= lo - 1e-6 * abs(lo) and sample.max() <= hi + 1e-6 * abs(hi)
        # the extremes of ~200k uniform samples lie within 0.1% of the bounds
        assert sample.min() - lo < 1e-3 * width and hi - sample.max() < 1e-3 * width
        # five standard errors of the sample mean and std
        n = sample.size
        assert sample.mean() == pytest.approx((lo + hi) / 2, abs=5 * width / math.sqrt(12 * n))
        assert sample.std() == pytest.approx(width / math.sqrt(12), rel=5 * 0.45 / math.sqrt(n))


NORMAL_CASES = [
    ("normal_", (400, 500), {}),
    ("normal_", (400, 500), {"mean": 2.0, "std": 0.3}),
    ("xavier_normal_", (400, 500), {}),
    ("xavier_normal_", (64, 32, 3, 3), {"gain": 0.5}),
    ("kaiming_normal_", (400, 500), {}),
    ("kaiming_normal_", (64, 32, 3, 3), {"mode": "fan_out", "nonlinearity": "relu"}),
    ("kaiming_normal_", (400, 500), {"a": 0.2, "nonlinearity": "leaky_relu"}),
]


@pytest.mark.parametrize("name,shape,kw", NORMAL_CASES)
def test_normal_initializers(name, shape, kw):
    mean, std = _normal_params(name, shape, kw)
    x = _np(getattr(init, name)(ember.empty(shape), **kw))
    ref = getattr(torch.nn.init, name)(torch.empty(shape), **kw).numpy().astype(np.float64)
    for sample in (x, ref):
        # five standard errors of the sample mean, std and fraction
        n = sample.size
        assert sample.mean() == pytest.approx(mean, abs=5 * std / math.sqrt(n))
        assert sample.std() == pytest.approx(std, rel=5 / math.sqrt(2 * n))
        # the fraction within one std is Phi(1) - Phi(-1) = 0.6827
        assert np.mean(np.abs(sample - mean) < std) == pytest.approx(0.6827, abs=5 * 0.466 / math.sqrt(n))


def _truncnorm_moments(mean, std, a, b):
    alpha, beta = (a - mean) / std, (b - mean) / std

    def pdf(x):
        return 0.0 if math.isinf(x) else math.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)

    def cdf(x):
        return 0.5 * math.erfc(-x / math.sqrt(2))

    z = cdf(beta) - cdf(alpha)
    d = (pdf(alpha) - pdf(beta)) / z
    ta = 0.0 if math.isinf(alpha) else alpha * pdf(alpha)
    tb = 0.0 if math.isinf(beta) else beta * pdf(beta)
    var = std * std * (1 + (ta - tb) / z - d * d)
    return mean + std * d, math.sqrt(var)


TRUNC_CASES = [
    {},
    {"mean": 1.0, "std": 2.0, "a": -1.0, "b": 3.0},
    {"std": 0.02, "a": -0.04, "b": 0.04},
    {"a": 1.0, "b": 4.0},
    {"a": 5.0, "b": 9.0},
    {"a": -9.0, "b": -5.0},
    {"a": -math.inf, "b": 0.0},
    {"a": 0.1, "b": 0.2},
    {"mean": 0.5, "std": 3.0, "a": 0.0, "b": 1.0},
]


@pytest.mark.parametrize("kw", TRUNC_CASES)
def test_trunc_normal(kw):
    full = {"mean": 0.0, "std": 1.0, "a": -2.0, "b": 2.0, **kw}
    mu, sigma = _truncnorm_moments(full["mean"], full["std"], full["a"], full["b"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        x = _np(init.trunc_normal_(ember.empty(400, 500), **kw))
        ref = torch.nn.init.trunc_normal_(torch.empty(400, 500), **kw).numpy().astype(np.float64)
    for sample in (x, ref):
        assert sample.min() >= full["a"] and sample.max() <= full["b"]
        n = sample.size
        assert sample.mean() == pytest.approx(mu, abs=5 * sigma / math.sqrt(n))
        assert sample.std() == pytest.approx(sigma, rel=5 / math.sqrt(n))


def test_trunc_normal_warns_and_errors_like_torch():
    with pytest.warns(UserWarning, match="mean is more than 2 std from"):
        init.trunc_normal_(ember.empty(10), mean=10.0)
    with pytest.raises(RuntimeError, match=r"from=2 > to=-2"):
        init.trunc_normal_(ember.empty(10), a=2.0, b=-2.0)
    with pytest.raises(ZeroDivisionError):
        init.trunc_normal_(ember.empty(10), std=0.0)
    x = init.trunc_normal_(ember.empty(10), a=-1.0, b=-1.0)
    assert _np(x).tolist() == [-1.0] * 10


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("name,kw", [("uniform_", {}), ("normal_", {}), ("trunc_normal_", {}),
                                     ("xavier_uniform_", {}), ("kaiming_normal_", {}),
                                     ("orthogonal_", {}), ("sparse_", {"sparsity": 0.3})])
def test_keeps_dtype_and_identity(name, kw, dtype):
    if name == "orthogonal_" and dtype == "float16":
        pytest.skip("torch's QR has no Half kernel either")
    t = ember.empty(30, 20, dtype=getattr(ember, dtype))
    out = getattr(init, name)(t, **kw)
    assert out is t and t.dtype == getattr(ember, dtype)
    assert np.isfinite(_np(t)).all()


def test_leaf_parameter_stays_a_leaf():
    w = ember.empty(5, 4, requires_grad=True)
    for fn in (init.uniform_, init.normal_, init.trunc_normal_, init.xavier_uniform_,
               init.kaiming_uniform_, init.orthogonal_, init.eye_, init.zeros_, init.ones_,
               lambda t: init.constant_(t, 0.5), lambda t: init.sparse_(t, 0.5)):
        out = fn(w)
        assert out is w and w.requires_grad and w.grad_fn is None and w.is_leaf
    (w * 2).sum().backward()
    assert _np(w.grad).tolist() == [[2.0] * 4] * 5


# --------------------------------------------------------------------- generators
@pytest.mark.parametrize("name,kw", [("uniform_", {}), ("normal_", {}), ("trunc_normal_", {}),
                                     ("xavier_uniform_", {}), ("xavier_normal_", {}),
                                     ("kaiming_uniform_", {}), ("kaiming_normal_", {}),
                                     ("orthogonal_", {}), ("sparse_", {"sparsity": 0.5})])
def test_generator_keyword(name, kw):
    fn = getattr(init, name)

    def draw(seed):
        return _np(fn(ember.empty(6, 8), **kw, generator=ember.Generator().manual_seed(seed)))

    ember.manual_seed(7)
    expected_global = _np(ember.rand(4))
    ember.manual_seed(7)
    a = draw(3)
    assert _np(ember.rand(4)).tolist() == expected_global.tolist()  # global stream untouched
    np.testing.assert_array_equal(a, draw(3))
    assert not np.array_equal(a, draw(4))
    ember.manual_seed(11)
    b = _np(fn(ember.empty(6, 8), **kw))
    ember.manual_seed(11)
    np.testing.assert_array_equal(b, _np(fn(ember.empty(6, 8), **kw)))


# -------------------------------------------------------------- exact structures
@pytest.mark.parametrize("val", [0.0, 1.0, -2.5, 3])
def test_constant_ones_zeros(val):
    for dtype in ("float32", "float64", "int64"):
        t = torch.empty(3, 4, dtype=getattr(torch, dtype))
        e = ember.empty(3, 4, dtype=getattr(ember, dtype))
        np.testing.assert_array_equal(_np(init.constant_(e, val)), torch.nn.init.constant_(t, val).numpy())
        np.testing.assert_array_equal(_np(init.ones_(e)), torch.nn.init.ones_(t).numpy())
        np.testing.assert_array_equal(_np(init.zeros_(e)), torch.nn.init.zeros_(t).numpy())


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 4), (1, 6), (0, 3)])
def test_eye(shape):
    expected = torch.nn.init.eye_(torch.empty(shape)).numpy()
    np.testing.assert_array_equal(_np(init.eye_(ember.empty(shape))).reshape(shape), expected)


DIRAC_CASES = [((4, 4, 3), 1), ((6, 3, 5), 1), ((3, 6, 4), 1), ((6, 2, 3, 3), 2), ((8, 4, 3, 4), 4),
               ((6, 3, 2, 3, 4), 3), ((4, 5, 3, 3, 3), 1), ((6, 1, 5), 3), ((0, 3, 3), 1)]


@pytest.mark.parametrize("shape,groups", DIRAC_CASES)
def test_dirac(shape, groups):
    expected = torch.nn.init.dirac_(torch.empty(shape), groups).numpy()
    got = _np(init.dirac_(ember.empty(shape), groups)).reshape(shape)
    np.testing.assert_array_equal(got, expected)


def test_dirac_preserves_conv_input():
    # Convolution with a dirac weight (padding = k // 2) returns the input channels.
    w = init.dirac_(ember.empty(4, 4, 3, 3))
    x = np.random.default_rng(0).standard_normal((2, 4, 5, 5)).astype(np.float32)
    out = torch.nn.functional.conv2d(torch.from_numpy(x), torch.tensor(_np(w), dtype=torch.float32),
                                     padding=1)
    np.testing.assert_allclose(out.numpy(), x, rtol=0, atol=0)


ORTHO_SHAPES = [(5, 5), (8, 3), (3, 8), (6, 2, 3), (4, 3, 2, 2), (1, 7), (7, 1)]


@pytest.mark.parametrize("shape", ORTHO_SHAPES)
@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_orthogonal(shape, gain):
    t = init.orthogonal_(ember.empty(shape, dtype=ember.float64), gain=gain)
    q = _np(t).reshape(shape[0], -1) / gain
    rows, cols = q.shape
    gram = q.T @ q if rows >= cols else q @ q.T
    np.testing.assert_allclose(gram, np.eye(min(rows, cols)), atol=1e-12)


def test_orthogonal_is_haar_distributed():
    # Haar-distributed 3x3 orthogonal matrices have E[Q] = 0 and E[Q_ij^2] = 1/3; without
    # the sign correction of R's diagonal, QR of a Gaussian gives a biased diagonal.
    g = ember.Generator().manual_seed(0)
    qs = np.stack([_np(init.orthogonal_(ember.empty(3, 3, dtype=ember.float64), generator=g))
                   for _ in range(2000)])
    assert np.abs(qs.mean(axis=0)).max() < 0.06
    np.testing.assert_allclose((qs ** 2).mean(axis=0), np.full((3, 3), 1 / 3), atol=0.03)


@pytest.mark.parametrize("rows,cols,sparsity", [(100, 40, 0.1), (100, 40, 0.55), (7, 9, 0.5),
                                                (10, 3, 0.0), (10, 3, 1.0), (37, 200, 0.3)])
def test_sparse(rows, cols, sparsity):
    x = _np(init.sparse_(ember.empty(rows, cols), sparsity, std=0.5))
    ref = torch.nn.init.sparse_(torch.empty(rows, cols), sparsity, std=0.5).numpy()
    expected_zeros = math.ceil(sparsity * rows)
    np.testing.assert_array_equal((x == 0).sum(axis=0), (ref == 0).sum(axis=0))
    assert ((x == 0).sum(axis=0) == expected_zeros).all()
    # zero positions differ from column to column
    if 0 < expected_zeros < rows and cols > 5:
        assert len({tuple(np.flatnonzero(x[:, j] == 0)) for j in range(cols)}) > 1


def test_sparse_nonzero_std():
    x = _np(init.sparse_(ember.empty(1000, 200), 0.25, std=0.03))
    nz = x[x != 0]
    assert nz.size == 750 * 200
    assert nz.std() == pytest.approx(0.03, rel=0.01)


# --------------------------------------------------------------------------- errors
ERROR_CASES = [
    ("eye_", (3,), {}), ("eye_", (2, 3, 4), {}),
    ("dirac_", (3, 3), {}), ("dirac_", (3, 2, 3), {"groups": 2}), ("dirac_", (2, 2, 2, 2, 2, 2), {}),
    ("orthogonal_", (3,), {}), ("orthogonal_", (), {}),
    ("sparse_", (3,), {"sparsity": 0.1}), ("sparse_", (2, 3, 4), {"sparsity": 0.1}),
    ("xavier_uniform_", (3,), {}), ("xavier_normal_", (), {}),
    ("kaiming_uniform_", (5,), {}), ("kaiming_normal_", (3, 4), {"mode": "fan_avg"}),
    ("kaiming_uniform_", (3, 4), {"nonlinearity": "swish"}),
    ("uniform_", (3, 4), {"a": 2.0, "b": 1.0}),
    ("normal_", (3, 4), {"std": -1.0}),
]


@pytest.mark.parametrize("name,shape,kw", ERROR_CASES)
def test_errors_match_torch(name, shape, kw):
    with pytest.raises(Exception) as t_err:
        getattr(torch.nn.init, name)(torch.empty(shape), **kw)
    with pytest.raises(Exception) as e_err:
        getattr(init, name)(ember.empty(shape), **kw)
    assert type(e_err.value) is type(t_err.value)
    assert str(e_err.value) == str(t_err.value)


@pytest.mark.parametrize("name", ["kaiming_uniform_", "kaiming_normal_"])
def test_kaiming_zero_element_warns(name):
    t = ember.empty(0, 3)
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        assert getattr(init, name)(t) is t


@pytest.mark.parametrize("old", ["uniform", "normal", "constant", "eye", "dirac", "xavier_uniform",
                                 "xavier_normal", "kaiming_uniform", "kaiming_normal", "orthogonal",
                                 "sparse"])
def test_deprecated_aliases(old):
    args = {"constant": (0.5,), "sparse": (0.5,)}.get(old, ())
    shape = (4, 4, 3) if old == "dirac" else (4, 5)
    t = ember.empty(shape)
    with pytest.warns(FutureWarning, match=f"`nn.init.{old}` is now deprecated in favor of "
                                           f"`nn.init.{old}_`"):
        assert getattr(init, old)(t, *args) is t


def test_public_names_match_torch():
    assert sorted(init.__all__) == sorted(torch.nn.init.__all__)
