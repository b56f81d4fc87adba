"""Activation modules (nn.ReLU ... nn.Softmax2d) against torch.nn: the same
configuration gives the same repr, state_dict keys, attributes, outputs, input
gradients and parameter gradients; train/eval behaviour; input errors naming
the module path."""
import warnings

import numpy as np
import pytest
import torch

import ember
import ember.nn as enn
from oracle import rand

# (class name, constructor args, kwargs, sample range). Every torch constructor
# argument appears in at least one row.
CONFIGS = [
    ("ReLU", (), {}, 3), ("ReLU", (), {"inplace": True}, 3), ("ReLU", (True,), {}, 3),
    ("ReLU6", (), {}, 8), ("ReLU6", (), {"inplace": True}, 8),
    ("LeakyReLU", (), {}, 3), ("LeakyReLU", (0.2, True), {}, 3), ("LeakyReLU", (1,), {}, 3),
    ("PReLU", (), {}, 3), ("PReLU", (3, 0.1), {}, 3), ("PReLU", (), {"init": -0.5}, 3),
    ("RReLU", (), {}, 3), ("RReLU", (0.1, 0.3, True), {}, 3),
    ("ELU", (), {}, 3), ("ELU", (0.5, True), {}, 3), ("ELU", (1,), {}, 3),
    ("SELU", (), {}, 3), ("SELU", (True,), {}, 3),
    ("CELU", (), {}, 3), ("CELU", (2.0, True), {}, 3), ("CELU", (2,), {}, 3),
    ("GELU", (), {}, 4), ("GELU", ("tanh",), {}, 4), ("GELU", (), {"approximate": "none"}, 4),
    ("SiLU", (), {}, 5), ("SiLU", (True,), {}, 5),
    ("Mish", (), {}, 5), ("Mish", (), {"inplace": True}, 5),
    ("Softplus", (), {}, 5), ("Softplus", (2, 10), {}, 5), ("Softplus", (1.5, 20.5), {}, 5),
    ("Softsign", (), {}, 3),
    ("Hardtanh", (), {}, 2), ("Hardtanh", (-2, 3, True), {}, 4), ("Hardtanh", (-2.5, 3.5), {}, 4),
    ("Hardsigmoid", (), {}, 5), ("Hardsigmoid", (True,), {}, 5),
    ("Hardswish", (), {}, 5), ("Hardswish", (True,), {}, 5),
    ("Sigmoid", (), {}, 5), ("Tanh", (), {}, 3), ("Tanhshrink", (), {}, 3),
    ("Softshrink", (), {}, 2), ("Softshrink", (1,), {}, 2),
    ("Hardshrink", (), {}, 2), ("Hardshrink", (2,), {}, 3),
    ("Threshold", (0.1, 20), {}, 2), ("Threshold", (0.1, 20, True), {}, 2),
    ("Threshold", (1, 2), {}, 2),
    ("GLU", (), {}, 3), ("GLU", (1,), {}, 3),
    ("LogSigmoid", (), {}, 5),
    ("Softmax", (1,), {}, 3), ("Softmax", (), {"dim": -1}, 3), ("LogSoftmax", (0,), {}, 3),
    ("LogSoftmax", (2,), {}, 3), ("Softmin", (2,), {}, 3), ("Softmin", (1,), {}, 3),
    ("Softmax2d", (), {}, 3),
]
IDS = [f"{c}{a}{k}" for c, a, k, _ in CONFIGS]


def _pair(cls, args, kwargs):
    t = getattr(torch.nn, cls)(*args, **kwargs)
    e = getattr(enn, cls)(*args, **kwargs)
    e.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    return e, t


@pytest.mark.parametrize("cls,args,kwargs,r", CONFIGS, ids=IDS)
def test_repr_state_dict_and_attributes(cls, args, kwargs, r):
    t = getattr(torch.nn, cls)(*args, **kwargs)
    e = getattr(enn, cls)(*args, **kwargs)
    assert repr(e) == repr(t)
    assert list(e.state_dict().keys()) == list(t.state_dict().keys())
    for k, v in t.state_dict().items():
        assert tuple(e.state_dict()[k].shape) == tuple(v.shape)
        np.testing.assert_array_equal(e.state_dict()[k].numpy(), v.numpy())  # default init
    public = {k: v for k, v in vars(t).items() if not k.startswith("_")}
    for k, v in public.items():
        assert getattr(e, k) == v, k
    assert getattr(type(e), "__constants__", None) == getattr(type(t), "__constants__", None)


@pytest.mark.parametrize("cls,args,kwargs,r", CONFIGS, ids=IDS)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_forward_backward_match_torch(cls, args, kwargs, r, dtype):
    """Same input in both: same output, input gradient and parameter gradients.
    RReLU runs in eval mode here (training draws random slopes; see below)."""
    e, t = _pair(cls, args, kwargs)
    if cls == "RReLU":
        e.eval(), t.eval()
    if dtype == "float64":
        e.double(), t.double()
    shape = (2, 3, 4, 2) if cls == "PReLU" else (2, 4, 3, 2)  # PReLU(3): 3 channels
    x = rand(*shape, low=-r, high=r, seed=len(IDS)).astype(dtype)
    tx = torch.tensor(x, requires_grad=True)
    ex = ember.tensor(x, requires_grad=True)
    # modules that work in place get a non-leaf input, as in a network
    ty, ey = t(tx * 1.0), e(ex * 1.0)
    assert ey.dtype == getattr(ember, dtype)
    rtol, atol = (1e-10, 1e-12) if dtype == "float64" else (1e-5, 1e-6)
    np.testing.assert_allclose(ey.detach().numpy(), ty.detach().numpy(), rtol=rtol, atol=atol)
    v = rand(*ty.shape, seed=3).astype(dtype)
    ty.backward(torch.tensor(v))
    ey.backward(ember.tensor(v))
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=rtol * 10, atol=atol * 10)
    for (name, tp), (ename, ep) in zip(t.named_parameters(), e.named_parameters()):
        assert name == ename
        np.testing.assert_allclose(ep.grad.numpy(), tp.grad.numpy(), rtol=rtol * 10,
                                   atol=atol * 10)


def test_prelu_parameter_and_init():
    m = enn.PReLU(4, init=0.3, dtype=ember.float64)
    assert isinstance(m.weight, enn.Parameter) and m.weight.requires_grad
    assert m.weight.dtype is ember.float64 and tuple(m.weight.shape) == (4,)
    np.testing.assert_array_equal(m.weight.detach().numpy(), 0.3)
    with ember.no_grad():
        m.weight.fill_(1.0)
    m.reset_parameters()
    np.testing.assert_array_equal(m.weight.detach().numpy(), 0.3)
    assert [n for n, _ in m.named_parameters()] == ["weight"]


def test_rrelu_train_and_eval():
    m = enn.RReLU(0.1, 0.3)
    x = ember.tensor(-np.linspace(0.5, 2.0, 400))
    assert m.training
    slopes = (m(x) / x).numpy()
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3 and slopes.std() > 0.03
    m.eval()
    np.testing.assert_allclose((m(x) / x).numpy(), 0.2, rtol=1e-12)


def test_inplace_modules_write_into_their_input():
    for cls in ["ReLU", "ReLU6", "LeakyReLU", "ELU", "CELU", "SELU", "SiLU", "Mish", "Hardtanh",
                "Hardsigmoid", "Hardswish", "RReLU"]:
        x = ember.tensor([-1.0, 0.5, 2.0])
        assert getattr(enn, cls)(inplace=True)(x) is x, cls
        y = ember.tensor([-1.0, 0.5, 2.0])
        assert getattr(enn, cls)()(y) is not y, cls
    x = ember.tensor([-1.0, 0.5])
    assert enn.Threshold(0.0, 3.0, inplace=True)(x) is x


def test_hardtanh_arguments():
    with pytest.raises(AssertionError, match=r"max_val \(1.0\) must be greater than min_val \(2.0\)"):
        enn.Hardtanh(2.0, 1.0)
    with pytest.raises(AssertionError):
        torch.nn.Hardtanh(2.0, 1.0)
    with pytest.warns(FutureWarning, match="`min_value` is deprecated"):
        m = enn.Hardtanh(min_value=-3.0)
    assert m.min_val == -3.0 and repr(m) == "Hardtanh(min_val=-3.0, max_val=1.0)"
    with pytest.warns(FutureWarning, match="`max_value` is deprecated"):
        assert enn.Hardtanh(max_value=4.0).max_val == 4.0


def test_softmax_module_without_dim_warns_at_the_caller():
    x = ember.tensor(rand(2, 3, seed=1))
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax") as rec:
        y = enn.Softmax()(x)
    assert rec[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = torch.nn.Softmax()(torch.tensor(x.numpy()))
    np.testing.assert_allclose(y.numpy(), t.numpy(), rtol=1e-12)


def test_softmax2d_three_dims():
    x = rand(3, 4, 2, seed=5)
    np.testing.assert_allclose(enn.Softmax2d()(ember.tensor(x)).numpy(),
                               torch.nn.Softmax2d()(torch.tensor(x)).numpy(), rtol=1e-12)


# (module, input shape, exception type torch raises, phrases ember's message holds)
INPUT_ERRORS = [
    (lambda lib: lib.nn.Softmax2d(), (2, 3), ValueError,
     ["Softmax2d() at 'act' got input of shape (2, 3)", "expected input to be 3D or 4D, got 2D"]),
    (lambda lib: lib.nn.PReLU(3), (2, 4), RuntimeError,
     ["PReLU(num_parameters=3) at 'act' got input of shape (2, 4)", "dimension 1 (channels)",
      "size 3"]),
    (lambda lib: lib.nn.PReLU(3), (5,), RuntimeError,
     ["PReLU(num_parameters=3) at 'act' got input of shape (5,)"]),
    (lambda lib: lib.nn.GLU(1), (2, 3), RuntimeError,
     ["GLU(dim=1) at 'act' got input of shape (2, 3)", "dimension 1 must have an even size, but is 3"]),
    (lambda lib: lib.nn.GLU(2), (2, 4), IndexError,
     ["GLU(dim=2) at 'act' got input of shape (2, 4)"]),
    (lambda lib: lib.nn.Softmax(dim=2), (2, 4), IndexError,
     ["Softmax(dim=2) at 'act' got input of shape (2, 4)", "dim 2 is out of range [-2, 1]"]),
    (lambda lib: lib.nn.LogSoftmax(dim=-3), (2, 4), IndexError,
     ["LogSoftmax(dim=-3) at 'act' got input of shape (2, 4)"]),
]


@pytest.mark.parametrize("k", range(len(INPUT_ERRORS)))
def test_input_errors_name_the_module_path(k):
    make, shape, exc, phrases = INPUT_ERRORS[k]
    x = rand(*shape, seed=0)
    with pytest.raises(exc):
        tm = torch.nn.Sequential()
        tm.add_module("act", make(torch))
        tm(torch.tensor(x))
    em = enn.Sequential()
    em.add_module("act", make(ember))
    with pytest.raises(exc) as info:
        em(ember.tensor(x))
    for p in phrases:
        assert p in str(info.value), (p, str(info.value))
