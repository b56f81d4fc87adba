"""Dropout: F.dropout / dropout1d/2d/3d / alpha_dropout / feature_alpha_dropout, the torch.*
forms and the modules. ember's random streams differ from torch's, so the tests check
statistics (fraction zeroed, the 1/(1-p) scale, the values alpha dropout writes), that eval
is the identity, that gradients flow through the forward's mask, and seeding."""
import warnings

import numpy as np
import pytest
import torch

import ember
import ember.nn  # noqa: F401
from oracle import assert_close

EF = ember.nn.functional


def ones(shape, dtype=np.float32):
    return ember.tensor(np.ones(shape, dtype=dtype))


@pytest.mark.parametrize("p", [0.1, 0.3, 0.5, 0.8])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dropout_fraction_and_scale(p, dtype):
    ember.manual_seed(0)
    y = EF.dropout(ones((400, 250), dtype), p).numpy()
    zero = (y == 0).mean()
    assert abs(zero - p) < 0.01   # 100k Bernoulli draws: std of the fraction < 0.0016
    t = torch.nn.functional.dropout(torch.ones(400, 250, dtype=torch.float32 if dtype == np.float32
                                               else torch.float64), p)
    scale = t[t != 0][0].item()
    np.testing.assert_allclose(np.unique(y[y != 0]), [scale], rtol=1e-7)
    assert y.dtype == dtype


@pytest.mark.filterwarnings("ignore:dropout2d")
def test_eval_is_identity_and_p_zero_returns_input():
    x = ember.randn(3, 4)
    for f in (EF.dropout, EF.alpha_dropout, EF.feature_alpha_dropout, EF.dropout2d):
        assert f(x, 0.5, training=False) is x
    assert EF.dropout(x, 0.0) is x
    tx = torch.randn(3, 4)
    assert torch.nn.functional.dropout(tx, 0.5, training=False) is tx


def test_p_one_zeroes_everything():
    x = ember.randn(3, 4, requires_grad=True)
    y = EF.dropout(x, 1.0)
    assert not y.detach().numpy().any()
    y.sum().backward()
    assert not x.grad.numpy().any()


def test_gradient_uses_the_forward_mask():
    ember.manual_seed(3)
    x = ember.randn(50, 40, dtype=ember.float64, requires_grad=True)
    y = EF.dropout(x, 0.4)
    g = ember.randn(50, 40, dtype=ember.float64)
    (gx,) = ember.autograd.grad(y, x, g, create_graph=True)
    mask = (y.detach() / x.detach()).numpy()
    np.testing.assert_allclose(gx.detach().numpy(), g.numpy() * mask, rtol=1e-12)
    assert set(np.round(np.unique(mask), 12)) <= {0.0, round(1 / 0.6, 12)}
    # second order: the mask is constant, so gx does not depend on x
    if gx.requires_grad:
        (ggx,) = ember.autograd.grad(gx.sum(), x, allow_unused=True)
        assert ggx is None or not ggx.numpy().any()


def test_seeding_reproduces_masks():
    x = ones((20, 30))
    outs = []
    for _ in range(2):
        ember.manual_seed(1234)
        outs.append([f(x, 0.5, training=True).numpy() for f in
                     (EF.dropout, EF.dropout1d, EF.alpha_dropout, EF.feature_alpha_dropout)])
    for a, b in zip(*outs):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(EF.dropout(x, 0.5).numpy(), EF.dropout(x, 0.5).numpy())


def test_inplace_modifies_input():
    x = ember.randn(10, 10)
    before = x.numpy().copy()
    y = EF.dropout(x, 0.5, inplace=True)
    assert y is x
    kept = x.numpy() != 0
    np.testing.assert_allclose(x.numpy()[kept], before[kept] * 2, rtol=1e-6)
    # through autograd: the in-place result rebases the history of a non-leaf
    a = ember.randn(6, 6, requires_grad=True)
    b = a * 1.0
    EF.dropout(b, 0.5, inplace=True).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), (b.detach().numpy() != 0) * 2.0)


CHANNEL = [
    (EF.dropout1d, (8, 50, 7), (0, 1)),
    (EF.dropout1d, (50, 7), (0,)),
    (EF.dropout2d, (8, 50, 3, 3), (0, 1)),
    (EF.dropout3d, (8, 50, 2, 2, 2), (0, 1)),
    (EF.dropout3d, (50, 2, 2, 2), (0,)),
]


@pytest.mark.parametrize("case", CHANNEL, ids=lambda c: f"{c[0].__name__}{c[1]}")
def test_channel_dropout_zeroes_whole_channels(case):
    f, shape, chan_axes = case
    ember.manual_seed(5)
    y = f(ones(shape), 0.3).numpy()
    flat = y.reshape(int(np.prod([shape[a] for a in chan_axes])), -1)
    per_channel = np.unique(flat, axis=1)
    assert per_channel.shape[1] == 1, "every channel is all zero or all scaled"
    vals = flat[:, 0]
    assert set(np.unique(vals)) <= {0.0, np.float32(1 / 0.7)}
    assert 0.15 < (vals == 0).mean() < 0.45
    assert y.shape == shape


def test_channel_dropout_gradients_follow_mask():
    ember.manual_seed(2)
    x = ember.randn(4, 6, 5, requires_grad=True)
    y = EF.dropout1d(x, 0.5)
    y.sum().backward()
    expect = (y.detach().numpy() != 0) * 2.0
    np.testing.assert_allclose(x.grad.numpy(), expect)


def alpha_values(lib, p, feature):
    f = lib.nn.functional.feature_alpha_dropout if feature else lib.nn.functional.alpha_dropout
    y = f(lib.zeros(64, 64, 2), p, training=True)
    return np.unique(np.asarray(y.numpy()))


@pytest.mark.parametrize("p", [0.2, 0.5])
@pytest.mark.parametrize("feature", [False, True])
def test_alpha_dropout_values_match_torch(p, feature):
    # on zeros the output holds exactly two values: kept units and dropped units
    np.testing.assert_allclose(alpha_values(ember, p, feature), alpha_values(torch, p, feature), rtol=1e-6)


def test_alpha_dropout_keeps_selu_statistics_and_grads():
    ember.manual_seed(0)
    x = ember.randn(200, 500, requires_grad=True)
    y = EF.alpha_dropout(x, 0.2, training=True)
    v = y.detach().numpy()
    assert abs(v.mean()) < 0.02 and abs(v.std() - 1) < 0.02
    y.sum().backward()
    a = 1 / np.sqrt((1.7580993408473766 ** 2 * 0.2 + 1) * 0.8)
    np.testing.assert_allclose(np.unique(x.grad.numpy()), [0.0, a], rtol=1e-6)


def test_torch_namespace_forms():
    x = ones((30, 40))
    ember.manual_seed(0)
    for name in ("dropout", "feature_dropout", "alpha_dropout", "feature_alpha_dropout"):
        assert hasattr(torch, name)
        y = getattr(ember, name)(x, 0.5, True)
        assert tuple(y.shape) == (30, 40)
        assert getattr(ember, name)(x, 0.5, False) is x
    z = ones((30, 40))
    assert ember.dropout_(z, 0.5, True) is z


ERRORS = [
    (lambda lib, x: lib.nn.functional.dropout(x, 1.5), ValueError, "between 0 and 1, but got 1.5"),
    (lambda lib, x: lib.nn.functional.dropout1d(x, -0.1), ValueError, "between 0 and 1"),
    (lambda lib, x: lib.nn.functional.dropout1d(x.reshape(-1)), RuntimeError, "Expected 2D or 3D input"),
    (lambda lib, x: lib.dropout(x, 2.0, True), RuntimeError, "between 0 and 1, but got 2.0"),
    (lambda lib, x: lib.feature_dropout(x.reshape(-1), 0.5, True), RuntimeError,
     "at least 2 dimensions"),
    (lambda lib, x: lib.nn.Dropout(1.2), ValueError, "between 0 and 1"),
]


@pytest.mark.parametrize("case", ERRORS, ids=lambda c: c[2])
def test_errors(case):
    fn, exc, words = case
    with pytest.raises(exc):
        fn(torch, torch.ones(4, 5))
    with pytest.raises(exc, match=words.replace("(", r"\(").replace(".", r"\.")):
        fn(ember, ember.ones(4, 5))


def test_dropout2d_warnings_as_torch():
    for lib in (torch, ember):
        with pytest.warns(UserWarning, match="assuming that channel-wise 1D dropout"):
            lib.nn.functional.dropout2d(lib.ones(2, 3, 4))
        with pytest.warns(UserWarning, match="Received a 2-D input to dropout2d"):
            lib.nn.functional.dropout2d(lib.ones(2, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        EF.dropout2d(ember.ones(2, 3, 4, 4))


MODULES = [("Dropout", {}), ("Dropout", {"p": 0.2, "inplace": True}), ("Dropout1d", {"p": 0.3}),
           ("Dropout2d", {}), ("Dropout3d", {"p": 0.1}), ("AlphaDropout", {"p": 0.2}),
           ("FeatureAlphaDropout", {})]


@pytest.mark.parametrize("case", MODULES, ids=lambda c: f"{c[0]}{c[1]}")
def test_modules(case):
    name, kwargs = case
    tm, em = getattr(torch.nn, name)(**kwargs), getattr(ember.nn, name)(**kwargs)
    assert repr(em) == repr(tm)
    assert list(em.state_dict()) == []
    shape = {"Dropout1d": (4, 30, 5), "Dropout3d": (4, 30, 2, 2, 2)}.get(name, (4, 30, 5, 5))
    x = ember.randn(*shape)
    ember.manual_seed(0)
    y = em(x.clone())
    assert not np.allclose(y.numpy(), x.numpy())   # training mode changes values
    em.eval()
    assert np.array_equal(em(x).numpy(), x.numpy())


def test_dropout1d_module_error_names_module():
    model = ember.nn.Sequential(ember.nn.Dropout1d(0.3))
    with pytest.raises(RuntimeError, match=r"Dropout1d\(p=0.3, inplace=False\) at '0' got input of shape "
                                           r"\(2, 3, 4, 5\)"):
        model(ember.ones(2, 3, 4, 5))


def test_dropout_keeps_values_of_kept_units():
    ember.manual_seed(7)
    x = ember.randn(100, 100, dtype=ember.float64)
    y = EF.dropout(x, 0.25).numpy()
    kept = y != 0
    assert_close(ember.tensor(y[kept]), torch.tensor(x.numpy()[kept] / 0.75), rtol=1e-12, atol=0)
