"""Oracle tests for linear / bilinear (functional vs torch) and the modules
Identity, Linear, Bilinear, LazyLinear: values, grads, second-order grads,
errors, state_dict keys, reprs, init distributions and input-shape errors."""
import math

import numpy as np
import pytest
import torch

import ember
import ember.nn.functional as EF
from oracle import NC, Sample, check, check_error, rand

F64, F32 = np.float64, np.float32


def F(lib):
    return torch.nn.functional if lib is torch else EF


def _linear(lib, x, w, b=None):
    return F(lib).linear(x, w, b)


LINEAR = [
    ((4, 3), (5, 3), (5,)),
    ((2, 4, 3), (5, 3), (5,)),
    ((2, 2, 2, 3), (5, 3), None),
    ((3,), (5, 3), (5,)),           # 1-D input
    ((2, 3), (3,), None),           # 1-D weight
    ((3,), (3,), ()),               # 1-D both, 0-d bias
    ((4, 3), (5, 3), (1,)),         # broadcast bias
    ((2, 4, 3), (5, 3), (4, 5)),    # bias over more dims
    ((0, 3), (5, 3), (5,)),         # empty batch
    ((2, 3), (0, 3), (0,)),         # no outputs
]


@pytest.mark.parametrize("x,w,b", LINEAR, ids=[str(c) for c in LINEAR])
@pytest.mark.parametrize("dtype", [F64, F32])
def test_linear(x, w, b, dtype):
    args = [rand(*x, dtype=dtype, seed=1), rand(*w, dtype=dtype, seed=2)]
    if b is not None:
        args.append(rand(*b, dtype=dtype, seed=3))
    tol = dict(rtol=1e-12, atol=1e-12) if dtype == F64 else dict(rtol=1e-5, atol=1e-6)
    check(_linear, Sample(*args), **tol)


def test_linear_finite_differences_and_views():
    check(_linear, Sample(rand(2, 3), rand(2, 3), rand(2)), rtol=1e-12, atol=1e-12)
    check(_linear, Sample(NC(rand(3, 4)), NC(rand(5, 4)), rand(5)), rtol=1e-12, atol=1e-12)


def test_linear_other_dtypes():
    check(_linear, Sample(rand(2, 3, dtype=np.int64), rand(4, 3, dtype=np.int64),
                          rand(4, dtype=np.int64), grad=False))
    check(_linear, Sample(rand(2, 3, dtype=np.float16), rand(4, 3, dtype=np.float16), grad=False),
          rtol=2e-3, atol=2e-3)


def _bilinear(lib, x1, x2, w, b=None):
    return F(lib).bilinear(x1, x2, w, b)


BILINEAR = [((4, 3), (4, 2), (5, 3, 2), True), ((2, 3, 3), (2, 3, 4), (2, 3, 4), False),
            ((3,), (2,), (4, 3, 2), True), ((1, 2), (1, 1), (1, 2, 1), True)]


@pytest.mark.parametrize("x1,x2,w,b", BILINEAR, ids=[str(c) for c in BILINEAR])
def test_bilinear(x1, x2, w, b):
    args = [rand(*x1, seed=4), rand(*x2, seed=5), rand(*w, seed=6)] + ([rand(w[0], seed=7)] if b else [])
    check(_bilinear, Sample(*args), rtol=1e-12, atol=1e-12)
    check(_bilinear, Sample(*[a.astype(F32) for a in args]), rtol=1e-5, atol=1e-5)
    check(lambda lib, *a: lib.bilinear(*a), Sample(*args), rtol=1e-12, atol=1e-12)


ERRORS = [
    (_linear, [rand(2, 3), rand(4, 5)], RuntimeError, "mat1 and mat2 shapes cannot be multiplied (2x3 and 5x4)"),
    (_linear, [rand(2, 3, dtype=F32), rand(4, 3)], RuntimeError,
     "expected m1 and m2 to have the same dtype, but got: float != double"),
    (_linear, [rand(2, 3, dtype=F32), rand(4, 3, dtype=F32), rand(4)], RuntimeError,
     "self and mat2 must have the same dtype, but got Double and Float"),
    (_linear, [rand(2, 3), rand(4, 3), rand(5)], RuntimeError,
     "The expanded size of the tensor (4) must match the existing size (5) at non-singleton dimension 1"),
    (_linear, [rand(2, 3), rand(4, 3), rand(3, 2, 4)], RuntimeError,
     "the number of sizes provided (2) must be greater or equal to the number of dimensions"),
    (_linear, [rand(), rand(4, 3)], RuntimeError, "both arguments to linear need to be at least 1D"),
    (_linear, [rand(2, 3), rand(2, 4, 3)], RuntimeError, "t() expects a tensor with <= 2 dimensions"),
    (_linear, [rand(2, 3), rand(3), rand(2)], RuntimeError, "mat2 must be a matrix"),
    (_bilinear, [rand(2, 3), rand(2, 4), rand(5, 3, 5)], RuntimeError,
     "bilinear(): input2 size does not match weight size: got 4 but expected 5"),
    (_bilinear, [rand(2, 3), rand(3, 4), rand(5, 3, 4)], RuntimeError,
     "bilinear(): input batch dimensions do not match at dim 0: got 2 and 3"),
    (_bilinear, [rand(2, 3), rand(2, 2, 4), rand(5, 3, 4)], RuntimeError,
     "bilinear(): input dimensions do not match: got 2 and 3"),
    (_bilinear, [rand(2, 3), rand(2, 4), rand(5, 4)], RuntimeError,
     "bilinear(): input1 size does not match weight size: got 3 but expected 4"),
    (_bilinear, [rand(2, 3), rand(2, 4), rand(5, 3, 4), rand(4)], RuntimeError,
     "bilinear(): bias size does not match weight size: got 4 but expected 5"),
    (_bilinear, [rand(2, 3, dtype=F32), rand(2, 4, dtype=F32), rand(5, 3, 4)], RuntimeError,
     "All tensors must have the same dtype, got input1: float, input2: float, weight: double"),
]


@pytest.mark.parametrize("fn,args,exc,msg", ERRORS, ids=[e[3][:40] for e in ERRORS])
def test_errors(fn, args, exc, msg):
    check_error(fn, args, exc, msg)


def test_linear_not_in_torch_namespace_but_bilinear_is():
    assert not hasattr(torch, "linear") and not hasattr(ember, "linear")
    assert ember.bilinear is ember.nn.functional.bilinear


# ------------------------------------------------------------------ modules
def _copy_params(e_mod, t_mod):
    e_mod.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in t_mod.state_dict().items()})


def _compare_module(e_mod, t_mod, inputs, rtol=1e-5, atol=1e-6):
    """Same weights and inputs: same outputs, input grads and parameter grads."""
    assert list(e_mod.state_dict().keys()) == list(t_mod.state_dict().keys())
    for (k, ev), tv in zip(e_mod.state_dict().items(), t_mod.state_dict().values()):
        assert tuple(ev.shape) == tuple(tv.shape), k
    _copy_params(e_mod, t_mod)
    t_in = [torch.tensor(a, requires_grad=True) for a in inputs]
    e_in = [ember.tensor(a, requires_grad=True) for a in inputs]
    t_out, e_out = t_mod(*t_in), e_mod(*e_in)
    np.testing.assert_allclose(e_out.detach().numpy(), t_out.detach().numpy(), rtol=rtol, atol=atol)
    assert e_out.dtype is getattr(ember, str(t_out.dtype).split(".")[-1])
    g = np.random.default_rng(0).standard_normal(tuple(t_out.shape)).astype(inputs[0].dtype)
    t_out.backward(torch.tensor(g))
    e_out.backward(ember.tensor(g))
    for a, b in zip(e_in, t_in):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=rtol, atol=atol)
    t_params = dict(t_mod.named_parameters())
    for name, p in e_mod.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), t_params[name].grad.numpy(), rtol=rtol, atol=atol,
                                   err_msg=name)


MODULES = [
    ("Linear", (3, 4), {}, [(2, 3)], "Linear(in_features=3, out_features=4, bias=True)"),
    ("Linear", (3, 4), dict(bias=False), [(5, 2, 3)], "Linear(in_features=3, out_features=4, bias=False)"),
    ("Linear", (3, 4), {}, [(3,)], "Linear(in_features=3, out_features=4, bias=True)"),
    ("Bilinear", (2, 3, 4), {}, [(5, 2), (5, 3)],
     "Bilinear(in1_features=2, in2_features=3, out_features=4, bias=True)"),
    ("Bilinear", (2, 3, 4), dict(bias=False), [(5, 2), (5, 3)],
     "Bilinear(in1_features=2, in2_features=3, out_features=4, bias=False)"),
    ("Identity", (54,), dict(unused=1), [(2, 3)], "Identity()"),
]


@pytest.mark.parametrize("name,args,kw,shapes,rep", MODULES, ids=[m[4] for m in MODULES])
def test_modules(name, args, kw, shapes, rep):
    t_mod = getattr(torch.nn, name)(*args, **kw)
    e_mod = getattr(ember.nn, name)(*args, **kw)
    assert repr(e_mod) == repr(t_mod) == rep
    inputs = [rand(*s, dtype=F32, seed=i) for i, s in enumerate(shapes)]
    if name == "Identity":
        x = ember.tensor(inputs[0])
        assert e_mod(x) is x
        return
    _compare_module(e_mod, t_mod, inputs)


def test_linear_float64_and_dtype_kwarg():
    t_mod = torch.nn.Linear(3, 2, dtype=torch.float64)
    e_mod = ember.nn.Linear(3, 2, dtype=ember.float64)
    assert e_mod.weight.dtype is ember.float64 and e_mod.bias.dtype is ember.float64
    _compare_module(e_mod, t_mod, [rand(4, 3)], rtol=1e-12, atol=1e-12)


def _uniform_bound_ok(t, bound):
    a = t.detach().numpy()
    # inside the bound, and spread over it (a uniform sample of this size reaches past 80%)
    assert np.abs(a).max() <= bound + 1e-7
    assert np.abs(a).max() > 0.8 * bound
    assert abs(a.mean()) < 4 * bound / math.sqrt(3 * a.size)   # 4 standard errors


def test_default_init_distributions():
    ember.manual_seed(0)
    m = ember.nn.Linear(400, 300)
    _uniform_bound_ok(m.weight, 1 / math.sqrt(400))    # kaiming_uniform_(a=sqrt(5))
    _uniform_bound_ok(m.bias, 1 / math.sqrt(400))
    w = m.weight.detach().numpy()
    np.testing.assert_allclose(w.std(), 1 / math.sqrt(400) / math.sqrt(3), rtol=0.02)
    b = ember.nn.Bilinear(50, 30, 200)
    _uniform_bound_ok(b.weight, 1 / math.sqrt(50))
    _uniform_bound_ok(b.bias, 1 / math.sqrt(50))


def test_lazy_linear():
    m = ember.nn.LazyLinear(4)
    t = torch.nn.LazyLinear(4)
    assert repr(m) == repr(t) == "LazyLinear(in_features=0, out_features=4, bias=True)"
    assert isinstance(m.weight, ember.nn.parameter.UninitializedParameter)
    y = m(ember.tensor(rand(2, 7, dtype=F32)))
    assert type(m) is ember.nn.Linear and m.in_features == 7
    assert tuple(m.weight.shape) == (4, 7) and tuple(y.shape) == (2, 4)
    assert repr(m) == "Linear(in_features=7, out_features=4, bias=True)"
    _uniform_bound_ok(m.weight, 1 / math.sqrt(7))
    t(torch.zeros(2, 7))
    _compare_module(m, t, [rand(2, 7, dtype=F32)])
    m2 = ember.nn.LazyLinear(3, bias=False)
    m2(ember.tensor(rand(5, dtype=F32)))
    assert m2.bias is None and list(m2.state_dict()) == ["weight"]


def test_module_input_errors():
    model = ember.nn.Sequential(ember.nn.Linear(784, 128), ember.nn.ReLU() if hasattr(ember.nn, "ReLU")
                                else ember.nn.Identity(), ember.nn.Linear(128, 10))
    x = ember.zeros(64, 784)
    model(x)
    with pytest.raises(RuntimeError) as info:
        model[2](ember.zeros(64, 784))
    assert "Linear(in_features=128, out_features=10, bias=True) got input of shape (64, 784): " \
           "last dimension must be 128" in str(info.value)
    bad = ember.nn.Sequential(ember.nn.Linear(784, 128), ember.nn.Linear(784, 10))
    with pytest.raises(RuntimeError) as info:
        bad(x)
    assert "at '1' got input of shape (64, 128): last dimension must be 784" in str(info.value)
    with pytest.raises(RuntimeError):   # torch raises the same type
        torch.nn.Linear(784, 10)(torch.zeros(64, 128))
    bl = ember.nn.Bilinear(2, 3, 4)
    with pytest.raises(RuntimeError, match="input2 of shape"):
        bl(ember.zeros(5, 2), ember.zeros(5, 4))
