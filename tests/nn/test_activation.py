"""Oracle tests for the activation functions (ember.nn.functional vs
torch.nn.functional): values, dtypes, gradients and second-order gradients,
in-place forms, numerics at |x| ~ 1e4, errors, and the torch-namespace exports."""
import warnings

import numpy as np
import pytest
import torch

import ember
from ember.nn.functional import activation as EF
from oracle import NC, Sample, check, check_error, rand

F64, F32 = np.float64, np.float32


def F(lib):
    return torch.nn.functional if lib is torch else EF


def _f(name, **kw):
    def call(lib, x):
        return getattr(F(lib), name)(x, **kw)
    call.__name__ = name
    return call


# name: (call, sample range). Ranges avoid the kinks only by chance (uniform
# samples), which the oracle compares exactly anyway.
UNARY = {
    "relu": (_f("relu"), 3),
    "relu6": (_f("relu6"), 8),
    "leaky_relu": (_f("leaky_relu"), 3),
    "leaky_relu(0.2)": (_f("leaky_relu", negative_slope=0.2), 3),
    "leaky_relu(-0.3)": (_f("leaky_relu", negative_slope=-0.3), 3),
    "rrelu_eval": (_f("rrelu"), 3),
    "rrelu_eval(0.1,0.6)": (_f("rrelu", lower=0.1, upper=0.6), 3),
    "elu": (_f("elu"), 3),
    "elu(0.5)": (_f("elu", alpha=0.5), 3),
    "selu": (_f("selu"), 3),
    "celu": (_f("celu"), 3),
    "celu(2.5)": (_f("celu", alpha=2.5), 3),
    "gelu": (_f("gelu"), 4),
    "gelu_tanh": (_f("gelu", approximate="tanh"), 4),
    "silu": (_f("silu"), 6),
    "mish": (_f("mish"), 6),
    "softplus": (_f("softplus"), 6),
    "softplus(2,3)": (_f("softplus", beta=2, threshold=3), 3),
    "softplus(-1.5)": (_f("softplus", beta=-1.5), 3),
    "softsign": (_f("softsign"), 3),
    "hardtanh": (_f("hardtanh"), 2),
    "hardtanh(-0.5,2)": (_f("hardtanh", min_val=-0.5, max_val=2.0), 3),
    "hardsigmoid": (_f("hardsigmoid"), 5),
    "hardswish": (_f("hardswish"), 5),
    "sigmoid": (_f("sigmoid"), 5),
    "tanh": (_f("tanh"), 3),
    "tanhshrink": (_f("tanhshrink"), 3),
    "softshrink": (_f("softshrink"), 2),
    "softshrink(1.2)": (_f("softshrink", lambd=1.2), 3),
    "hardshrink": (_f("hardshrink"), 2),
    "hardshrink(1.2)": (_f("hardshrink", lambd=1.2), 3),
    "threshold": (_f("threshold", threshold=0.3, value=-2.0), 2),
    "logsigmoid": (_f("logsigmoid"), 6),
    "glu": (_f("glu"), 3),
    "glu(0)": (_f("glu", dim=0), 3),
    "softmax(1)": (_f("softmax", dim=1), 3),
    "softmax(0,f64)": (lambda lib, x: F(lib).softmax(x, 0, dtype=lib.float64), 3),
    "log_softmax(-1)": (_f("log_softmax", dim=-1), 3),
    "softmin(1)": (_f("softmin", dim=1), 3),
    "prelu(1w)": (lambda lib, x: F(lib).prelu(x, lib.tensor([0.3], dtype=x.dtype)), 3),
    "prelu(0dw)": (lambda lib, x: F(lib).prelu(x, lib.tensor(-0.7, dtype=x.dtype)), 3),
    "torch.selu": (lambda lib, x: lib.selu(x), 3),
    "torch.celu": (lambda lib, x: lib.celu(x, 0.7), 3),
    "torch.threshold": (lambda lib, x: lib.threshold(x, -0.2, 5.0), 2),
    "torch.hardshrink": (lambda lib, x: lib.hardshrink(x, 0.7), 2),
    "Tensor.hardshrink": (lambda lib, x: x.hardshrink(), 2),
    "torch.rrelu": (lambda lib, x: lib.rrelu(x, 0.2, 0.4), 3),
}

# torch has no double backward for hardsigmoid (ember's is zero, as the function is
# piecewise linear): compare first-order gradients only
NO_GRADGRAD = {"hardsigmoid"}
SHAPES = [(2, 4), (4, 3, 2), (2, 6)]


@pytest.mark.parametrize("name", list(UNARY))
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_unary_float64(name, shape):
    fn, r = UNARY[name]
    check(fn, Sample(rand(*shape, low=-r, high=r, seed=7)), rtol=1e-10, atol=1e-12,
          gradgrad=name not in NO_GRADGRAD)


def test_hardsigmoid_has_zero_second_derivative():
    x = ember.tensor(rand(7, seed=1), requires_grad=True)
    (g,) = ember.autograd.grad(EF.hardsigmoid(x).sum(), x, create_graph=True)
    if g.requires_grad:
        (gg,) = ember.autograd.grad(g.sum(), x, allow_unused=True)
        assert gg is None or not gg.numpy().any()


@pytest.mark.parametrize("name", list(UNARY))
def test_unary_float32_noncontiguous(name):
    fn, r = UNARY[name]
    x = rand(4, 6, dtype=F32, low=-r, high=r, seed=3)
    gg = name not in NO_GRADGRAD
    check(fn, Sample(x), rtol=1e-5, atol=1e-6, gradgrad=gg)
    check(fn, Sample(NC(x)), rtol=1e-5, atol=1e-6, gradgrad=gg)


SCALAR_OK = [n for n in UNARY if not n.startswith("glu")]


@pytest.mark.parametrize("name", SCALAR_OK)
def test_unary_zero_dim_and_empty(name):
    fn, r = UNARY[name]
    gg = name not in NO_GRADGRAD
    if "(1)" not in name:
        check(fn, Sample(np.array(0.37 * r)), rtol=1e-10, atol=1e-12, gradgrad=gg)
    check(fn, Sample(np.zeros((0, 4))), rtol=1e-10, atol=1e-12, gradgrad=gg)


HALF_OK = [n for n in UNARY if not n.startswith("prelu")]


@pytest.mark.parametrize("name", HALF_OK)
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_unary_half_precision(name, dtype):
    """float16/bfloat16 are computed in float32 and rounded once, like torch: the
    results agree to within one rounding step of the dtype."""
    fn, r = UNARY[name]
    x = rand(6, 6, low=-r, high=r, seed=11)
    t_out = fn(torch, torch.tensor(x).to(getattr(torch, dtype)))
    e_out = fn(ember, ember.tensor(x).to(getattr(ember, dtype)))
    assert str(e_out.dtype) == str(t_out.dtype).replace("torch", "ember")
    tol = 1e-2 if dtype == "bfloat16" else 2e-3
    np.testing.assert_allclose(e_out.float().numpy(), t_out.float().numpy(), rtol=tol, atol=tol)


# ------------------------------------------------------------- in-place forms
INPLACE = {
    "relu": (lambda lib, x: F(lib).relu(x, inplace=True), 3),
    "relu_": (lambda lib, x: F(lib).relu_(x), 3),
    "relu6": (lambda lib, x: F(lib).relu6(x, inplace=True), 8),
    "leaky_relu": (lambda lib, x: F(lib).leaky_relu(x, 0.2, inplace=True), 3),
    "leaky_relu_": (lambda lib, x: F(lib).leaky_relu_(x, 0.05), 3),
    "elu": (lambda lib, x: F(lib).elu(x, 0.8, inplace=True), 3),
    "elu_": (lambda lib, x: F(lib).elu_(x), 3),
    "selu": (lambda lib, x: F(lib).selu(x, inplace=True), 3),
    "selu_": (lambda lib, x: F(lib).selu_(x), 3),
    "celu": (lambda lib, x: F(lib).celu(x, 1.5, inplace=True), 3),
    "celu_": (lambda lib, x: F(lib).celu_(x, 1.5), 3),
    "silu": (lambda lib, x: F(lib).silu(x, inplace=True), 5),
    "mish": (lambda lib, x: F(lib).mish(x, inplace=True), 5),
    "hardtanh": (lambda lib, x: F(lib).hardtanh(x, -0.5, 0.5, inplace=True), 2),
    "hardtanh_": (lambda lib, x: F(lib).hardtanh_(x), 2),
    "hardsigmoid": (lambda lib, x: F(lib).hardsigmoid(x, inplace=True), 5),
    "hardswish": (lambda lib, x: F(lib).hardswish(x, inplace=True), 5),
    "threshold": (lambda lib, x: F(lib).threshold(x, 0.1, 9.0, inplace=True), 2),
    "threshold_": (lambda lib, x: F(lib).threshold_(x, 0.1, 9.0), 2),
    "rrelu_eval": (lambda lib, x: F(lib).rrelu(x, inplace=True), 3),
    "rrelu_": (lambda lib, x: F(lib).rrelu_(x, 0.2, 0.3), 3),
    "torch.selu_": (lambda lib, x: lib.selu_(x), 3),
    "torch.celu_": (lambda lib, x: lib.celu_(x, 0.5), 3),
    "torch.threshold_": (lambda lib, x: lib.threshold_(x, 0.0, 1.0), 2),
}


@pytest.mark.parametrize("name", list(INPLACE))
def test_inplace(name):
    """The in-place form writes into its input (a non-leaf here, so that
    gradients flow through the overwritten tensor) and differentiates like torch."""
    fn, r = INPLACE[name]

    def call(lib, x):
        y = x * 1.5
        out = fn(lib, y)
        assert out is y
        return out
    gg = name != "hardsigmoid"
    check(call, Sample(rand(3, 4, low=-r, high=r, seed=5)), rtol=1e-10, atol=1e-12, gradgrad=gg)
    check(call, Sample(rand(3, 4, dtype=F32, low=-r, high=r, seed=6)), rtol=1e-5, atol=1e-6,
          gradgrad=gg)


@pytest.mark.parametrize("name", ["relu6", "elu", "silu", "hardswish", "leaky_relu"])
def test_inplace_on_leaf_requiring_grad_raises(name):
    fn, _ = INPLACE[name]
    for lib in (torch, ember):
        x = lib.ones(3, requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf Variable"):
            fn(lib, x)


# ------------------------------------------------------------ numerics at 1e4
WIDE = np.concatenate([np.linspace(-1e4, 1e4, 41), [-1e4, -88.5, -30, -20.5, 20.5, 30, 88.5, 1e4]])
STABLE = ["logsigmoid", "softplus", "softplus(2,3)", "gelu", "gelu_tanh", "silu", "mish",
          "elu", "selu", "celu", "sigmoid", "tanhshrink", "softsign", "hardswish", "leaky_relu"]


@pytest.mark.parametrize("name", STABLE)
@pytest.mark.parametrize("dtype", [F64, F32], ids=["f64", "f32"])
def test_large_magnitude_inputs(name, dtype):
    """No inf or NaN for |x| up to 1e4 where torch has none; values and grads match."""
    fn, _ = UNARY[name]
    x = WIDE.astype(dtype)
    # torch's mish double backward is NaN at x = 1e4 (ember's is the true 0): skip comparing it
    check(fn, Sample(x), rtol=1e-5 if dtype is F32 else 1e-10, atol=1e-6,
          gradgrad=name != "mish")
    xe = ember.tensor(x, requires_grad=True)
    y = fn(ember, xe)
    (g,) = ember.autograd.grad(y.sum(), xe, create_graph=True)
    assert np.isfinite(y.detach().numpy()).all() and np.isfinite(g.detach().numpy()).all()
    if g.requires_grad:
        (gg,) = ember.autograd.grad(g.sum(), xe, allow_unused=True)
        assert gg is None or np.isfinite(gg.numpy()).all()


@pytest.mark.parametrize("name", ["softmax(1)", "log_softmax(-1)", "softmin(1)"])
@pytest.mark.parametrize("dtype", [F64, F32], ids=["f64", "f32"])
def test_softmax_family_large_logits(name, dtype):
    fn, _ = UNARY[name]
    x = np.array([[1e4, -1e4, 0.0, 5e3], [-1e4, -1e4, -9999.0, -1e4], [3.0, 1e4, 1e4, -2.0]],
                 dtype=dtype)
    check(fn, Sample(x), rtol=1e-5 if dtype is F32 else 1e-10, atol=1e-6)
    out = fn(ember, ember.tensor(x)).numpy()
    assert np.isfinite(out).all()


def test_logsigmoid_softplus_extremes_exact():
    """Spot values: logsigmoid(-1e4) = -1e4, softplus(1e4) = 1e4, softplus(-1e4) = 0."""
    x = ember.tensor([-1e4, 1e4], dtype=ember.float32)
    np.testing.assert_array_equal(EF.logsigmoid(x).numpy(), [-1e4, 0.0])
    np.testing.assert_array_equal(EF.softplus(x).numpy(), [0.0, 1e4])
    # a threshold above 1e4 must not overflow to inf (torch's exp(x) form would)
    big = EF.softplus(x, threshold=1e6).numpy()
    np.testing.assert_allclose(big, [0.0, 1e4], rtol=1e-7)


# ----------------------------------------------------------------- softmax dim
@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
@pytest.mark.parametrize("shape", [(), (5,), (3, 4), (2, 3, 4), (2, 3, 2, 2)], ids=str)
def test_softmax_implicit_dim(name, shape):
    """dim=None picks torch's legacy dim (0 for 0-, 1- and 3-d input, else 1) and warns."""
    x = rand(*shape, seed=2)
    with pytest.warns(UserWarning, match=f"Implicit dimension choice for {name} has been "
                                         "deprecated") as rec:
        e = getattr(EF, name)(ember.tensor(x))
    assert rec[0].filename == __file__  # the warning points at the caller
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = getattr(torch.nn.functional, name)(torch.tensor(x))
    np.testing.assert_allclose(e.numpy(), t.numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
def test_softmax_dtype_argument_on_integers(name):
    fn = lambda lib, x: getattr(F(lib), name)(x, 0, dtype=lib.float32)  # noqa: E731
    check(fn, Sample(np.array([1, 2, -3], dtype=np.int64)))


# ---------------------------------------------------------------- prelu
PRELU = [((2, 3), (3,)), ((2, 3, 4), (3,)), ((2, 3, 2, 2), (3,)), ((2, 3, 2, 2), (1,)),
         ((4,), (1,)), ((), (1,)), ((), ()), ((2, 1, 3), (1,))]


@pytest.mark.parametrize("xs,ws", PRELU, ids=str)
def test_prelu_weight_grads(xs, ws):
    x = rand(*xs, seed=1)
    w = rand(*ws, low=-1, high=1, seed=2)
    check(lambda lib, x, w: F(lib).prelu(x, w), Sample(x, w), rtol=1e-10, atol=1e-12)
    check(lambda lib, x, w: x.prelu(w), Sample(x.astype(F32), w.astype(F32)))


# -------------------------------------------------------------------- rrelu
def test_rrelu_training_samples_slopes_in_range():
    ember.manual_seed(0)
    x = ember.tensor(rand(2000, seed=4), requires_grad=True)
    y = EF.rrelu(x, 0.1, 0.3, training=True)
    y.sum().backward()
    xv, yv, gv = x.detach().numpy(), y.detach().numpy(), x.grad.numpy()
    pos = xv > 0
    np.testing.assert_array_equal(yv[pos], xv[pos])
    np.testing.assert_array_equal(gv[pos], 1.0)
    slopes = yv[~pos] / xv[~pos]
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3
    assert abs(slopes.mean() - 0.2) < 0.01 and slopes.std() > 0.04  # U(0.1, 0.3): std 0.0577
    np.testing.assert_allclose(gv[~pos], slopes, rtol=1e-12)  # gradient is the sampled slope
    # different draws on a second call; the same draws after reseeding
    assert not np.array_equal(EF.rrelu(x, 0.1, 0.3, training=True).detach().numpy(), yv)
    ember.manual_seed(0)
    np.testing.assert_array_equal(EF.rrelu(x, 0.1, 0.3, training=True).detach().numpy(), yv)


def test_rrelu_training_inplace_and_generator():
    g = ember.Generator().manual_seed(3)
    x = ember.tensor([-1.0, 2.0, -3.0, 0.0])
    out = ember.rrelu_(x, 0.25, 0.5, training=True, generator=g)
    assert out is x
    v = x.numpy()
    assert 0.25 <= -v[0] <= 0.5 and v[1] == 2.0 and 0.75 <= -v[2] <= 1.5 and v[3] == 0.0


# --------------------------------------------------------------- gumbel_softmax
def test_gumbel_softmax():
    ember.manual_seed(1)
    logits = ember.tensor(rand(64, 5, seed=9), requires_grad=True)
    soft = EF.gumbel_softmax(logits, tau=0.5)
    np.testing.assert_allclose(soft.sum(-1).detach().numpy(), 1.0, rtol=1e-12)
    hard = EF.gumbel_softmax(logits, hard=True, dim=-1)
    hv = hard.detach().numpy()
    assert set(np.unique(hv)) <= {0.0, 1.0} and (hv.sum(-1) == 1).all()
    (hard * ember.arange(5.0, dtype=ember.float64)).sum().backward()
    assert logits.grad is not None and np.abs(logits.grad.numpy()).sum() > 0
    # the sampled category follows the logits: a dominant logit wins almost always
    big = ember.tensor([[0.0, 8.0, 0.0]]).expand(500, 3)
    assert EF.gumbel_softmax(big, hard=True).argmax(-1).eq(1).float().mean().item() > 0.95
    with pytest.warns(UserWarning, match="`eps` parameter is deprecated"):
        EF.gumbel_softmax(logits, eps=1e-5)


# ------------------------------------------------------------------ errors
def _all_activation_calls():
    return {
        "relu6": _f("relu6"), "leaky_relu": _f("leaky_relu"), "elu": _f("elu"),
        "selu": _f("selu"), "celu": _f("celu"), "gelu": _f("gelu"), "silu": _f("silu"),
        "mish": _f("mish"), "softplus": _f("softplus"), "hardtanh": _f("hardtanh"),
        "hardsigmoid": _f("hardsigmoid"), "hardswish": _f("hardswish"),
        "softshrink": _f("softshrink"), "hardshrink": _f("hardshrink"),
        "threshold": _f("threshold", threshold=0.5, value=-1.0), "glu": _f("glu"),
        "logsigmoid": _f("logsigmoid"), "rrelu": _f("rrelu"),
        "rrelu_train": _f("rrelu", training=True), "softmax": _f("softmax", dim=0),
    }


# (name, input dtype): torch's exception and message; pairs absent here succeed
DTYPE_ERRORS = {
    ("relu6", "bool"): (RuntimeError, "Bool inputs not supported for hardtanh"),
    ("hardtanh", "bool"): (RuntimeError, "Bool inputs not supported for hardtanh"),
    ("threshold", "bool"): (NotImplementedError, "\"threshold_cpu\" not implemented for 'Bool'"),
    ("glu", "bool"): (NotImplementedError, "\"glu_cpu\" not implemented for 'Bool'"),
    ("glu", "int64"): (NotImplementedError, "\"glu_cpu\" not implemented for 'Long'"),
    ("rrelu_train", "float16"): (NotImplementedError, "\"rrelu_with_noise_out_cpu\" not "
                                                      "implemented for 'Half'"),
    ("softmax", "bool"): (NotImplementedError, "\"softmax_lastdim_kernel_impl\" not "
                                               "implemented for 'Bool'"),
    ("softmax", "int64"): (NotImplementedError, "\"softmax_lastdim_kernel_impl\" not "
                                                "implemented for 'Long'"),
}
KERNELS = {"leaky_relu": "leaky_relu_cpu", "elu": "elu_cpu", "selu": "elu_cpu", "celu": "elu_cpu",
           "gelu": "GeluKernelImpl", "silu": "silu_cpu", "mish": "mish_cpu",
           "softplus": "softplus_cpu", "hardsigmoid": "hardsigmoid_cpu",
           "hardswish": "hardswish_cpu", "softshrink": "softshrink_check",
           "hardshrink": "hardshrink_cpu", "logsigmoid": "log_sigmoid_cpu",
           "rrelu": "leaky_relu_cpu", "rrelu_train": "rrelu_with_noise_out_cpu"}
for _n, _k in KERNELS.items():
    for _d, _t in (("int64", "Long"), ("bool", "Bool")):
        DTYPE_ERRORS[(_n, _d)] = (NotImplementedError, f"\"{_k}\" not implemented for '{_t}'")


@pytest.mark.parametrize("name", list(_all_activation_calls()))
@pytest.mark.parametrize("dtype", ["int64", "bool", "float16"])
def test_dtype_support(name, dtype):
    """Which dtypes each activation accepts, and torch's error for the others."""
    fn = _all_activation_calls()[name]
    x = np.array([1, 0, 3, -2]).astype(dtype)
    if (name, dtype) in DTYPE_ERRORS:
        exc, msg = DTYPE_ERRORS[(name, dtype)]
        check_error(fn, [x], exc, msg)
    else:
        t = fn(torch, torch.tensor(x))
        e = fn(ember, ember.tensor(x))
        assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
        np.testing.assert_allclose(e.float().numpy(), t.float().numpy(), rtol=2e-3, atol=2e-3)


def test_integer_bounds_truncate():
    check(lambda lib, x: F(lib).hardtanh(x, -1.5, 2.7), Sample(np.array([-3, 0, 3, 2], np.int32)))
    check(lambda lib, x: F(lib).relu6(x), Sample(np.array([-3, 0, 7, 2])))
    check(lambda lib, x: F(lib).threshold(x, 1.5, 7.9), Sample(np.array([1, 2, 3])))


ARG_ERRORS = [
    (lambda lib, x: F(lib).gelu(x, approximate="foo"), RuntimeError,
     "approximate argument must be either none or tanh."),
    (lambda lib, x: F(lib).gelu(x, approximate=None), TypeError,
     "argument 'approximate' must be str, not NoneType"),
    (lambda lib, x: F(lib).softshrink(x, -1), RuntimeError,
     "lambda must be in range [0, 3.40282e+38] for input dtype Float, but found -1"),
    (lambda lib, x: F(lib).softshrink(x.double(), -0.25), RuntimeError,
     "lambda must be in range [0, 1.79769e+308] for input dtype Double, but found -0.25"),
    (lambda lib, x: F(lib).hardtanh(x, 2.0, 1.0), ValueError, "min_val cannot be greater than max_val"),
    (lambda lib, x: F(lib).celu(x, 0.0), RuntimeError, "alpha cannot be 0 for CELU"),
    (lambda lib, x: F(lib).rrelu(x, 0.5, 0.1), RuntimeError,
     "Lower bound should be less than or equal to the upper bound"),
    (lambda lib, x: F(lib).rrelu(x, 0.5, 0.1, training=True), RuntimeError,
     "Lower bound should be less than or equal to the upper bound"),
    (lambda lib, x: F(lib).glu(x[0, 0]), RuntimeError,
     "glu does not support scalars because halving size must be even"),
    (lambda lib, x: F(lib).glu(x), RuntimeError,
     "Halving dimension must be even, but dimension 1 is size 3"),
    (lambda lib, x: F(lib).glu(x, 5), IndexError, "Dimension out of range"),
    (lambda lib, x: F(lib).prelu(x, lib.ones(2)), RuntimeError,
     "Mismatch of parameter numbers and input channel size. Found parameter numbers = 2 and "
     "channel size = 3."),
    (lambda lib, x: F(lib).prelu(x[0], lib.ones(3)), RuntimeError,
     "Found parameter numbers = 3 and channel size = 1."),
    (lambda lib, x: F(lib).prelu(x[0, 0], lib.ones(3)), RuntimeError,
     "Not allow zero-dim input tensor."),
    (lambda lib, x: F(lib).prelu(x, lib.ones(3, 1)), RuntimeError,
     "Expected `weight` to be a scalar or 1D tensor, but got: ndim = 2"),
    (lambda lib, x: F(lib).prelu(x, lib.ones(3, dtype=lib.float64)), RuntimeError,
     "prelu: Type promoting not supported. Got Float and Double"),
    (lambda lib, x: F(lib).prelu(x, 0.25), TypeError,
     "argument 'weight' (position 2) must be Tensor, not float"),
    (lambda lib, x: F(lib).leaky_relu(3.0), TypeError,
     "leaky_relu(): argument 'input' (position 1) must be Tensor, not float"),
    (lambda lib, x: F(lib).gelu([1.0]), TypeError, "argument 'input' (position 1) must be Tensor"),
    (lambda lib, x: F(lib).relu(3), TypeError, "argument 'input' (position 1) must be Tensor"),
    (lambda lib, x: F(lib).softmax(x, 2), IndexError, "Dimension out of range"),
]


@pytest.mark.parametrize("k", range(len(ARG_ERRORS)))
def test_argument_errors(k):
    fn, exc, msg = ARG_ERRORS[k]
    check_error(fn, [rand(2, 3, dtype=F32)], exc, msg)


# ------------------------------------------------------------ the namespaces
TORCH_NAMES = ["relu", "relu_", "prelu", "rrelu", "rrelu_", "selu", "selu_", "celu", "celu_",
               "hardshrink", "threshold", "threshold_", "sigmoid", "tanh", "softmax",
               "log_softmax", "relu6", "leaky_relu", "elu", "gelu", "silu", "mish", "softplus",
               "hardtanh", "hardswish", "hardsigmoid", "glu", "logsigmoid", "softsign",
               "tanhshrink", "softshrink", "softmin"]


@pytest.mark.parametrize("name", TORCH_NAMES)
def test_torch_namespace_and_tensor_methods_match(name):
    """ember.* and Tensor.* carry an activation exactly where torch does."""
    assert hasattr(ember, name) == hasattr(torch, name)
    assert hasattr(ember.Tensor, name) == hasattr(torch.Tensor, name)


def test_functional_names_match_torch():
    for name in EF.__all__:
        assert hasattr(torch.nn.functional, name), name


# ------------------------------------------------------------------ kinks
KINKS = np.array([-6.0, -3.0, -1.2, -1.0, -0.7, -0.5, -0.3, -0.2, 0.0, 0.2, 0.3, 0.5, 0.7, 1.0, 1.2,
                  3.0, 6.0, 20.0, 10.0, 1.5])


@pytest.mark.parametrize("name", [n for n in UNARY if not n.startswith(("glu", "softm", "log_s"))])
def test_values_and_grads_at_kinks(name):
    """Exactly at the points where the function is not smooth (0, +-lambd, +-3,
    the hardtanh bounds, the softplus threshold...) values and the chosen one-sided
    gradients are torch's."""
    fn, _ = UNARY[name]
    check(fn, Sample(KINKS, fd=False), rtol=1e-10, atol=1e-12, gradgrad=name not in NO_GRADGRAD)
