"""Oracle tests for convolution (ember.nn.functional vs torch.nn.functional):
conv1d/2d/3d, conv_transpose1d/2d/3d, unfold and fold: values, gradients,
second-order gradients and finite differences over a grid of strides,
paddings (incl. 'same'/'valid'), dilations and groups; float32 tolerances;
errors; and the torch-namespace exports."""
import math

import numpy as np
import pytest
import torch

import ember
import ember.nn.functional as EF
from oracle import NC, Sample, check, check_error, rand

F64, F32 = np.float64, np.float32

# torch warns that padding='same' with an even kernel may copy the input; ember pads per side
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same'")


def F(lib):
    return torch.nn.functional if lib is torch else EF


def _conv(name, **kw):
    def call(lib, x, w, b=None):
        return getattr(F(lib), name)(x, w, b, **kw)
    call.__name__ = name
    return call


# (name, x shape, w shape, bias?, kwargs)
CONV = [
    ("conv1d", (2, 3, 9), (4, 3, 3), True, {}),
    ("conv1d", (2, 4, 10), (6, 2, 3), True, dict(stride=2, padding=1, dilation=2, groups=2)),
    ("conv1d", (2, 3, 8), (4, 3, 4), False, dict(padding="same")),
    ("conv1d", (2, 3, 8), (4, 3, 4), True, dict(padding="same", dilation=3)),
    ("conv1d", (3, 7), (2, 3, 3), True, dict(padding="valid")),            # unbatched
    ("conv2d", (2, 3, 7, 6), (4, 3, 3, 3), True, {}),
    ("conv2d", (2, 3, 7, 6), (4, 3, 3, 2), True, dict(stride=(2, 1), padding=(1, 2))),
    ("conv2d", (2, 4, 9, 8), (6, 2, 3, 3), True, dict(stride=2, padding=1, groups=2)),
    ("conv2d", (2, 4, 9, 8), (4, 1, 3, 3), False, dict(groups=4, dilation=(2, 1))),  # depthwise
    ("conv2d", (2, 3, 6, 7), (4, 3, 2, 4), True, dict(padding="same")),
    ("conv2d", (2, 3, 6, 7), (4, 3, 3, 3), True, dict(padding="same", dilation=2)),
    ("conv2d", (2, 3, 5, 5), (4, 3, 1, 1), True, {}),                       # 1x1
    ("conv2d", (3, 6, 5), (2, 3, 3, 3), True, dict(padding=1)),              # unbatched
    ("conv2d", (0, 3, 5, 5), (4, 3, 3, 3), True, {}),                        # empty batch
    ("conv2d", (2, 3, 8, 8), (4, 3, 3, 3), True, dict(stride=3, padding=2, dilation=2)),
    ("conv3d", (2, 2, 5, 4, 6), (3, 2, 2, 3, 2), True, {}),
    ("conv3d", (1, 4, 6, 5, 5), (4, 2, 3, 3, 3), True, dict(stride=2, padding=1, groups=2)),
    ("conv3d", (1, 2, 4, 5, 4), (2, 2, 2, 2, 3), False, dict(padding="same", dilation=(1, 2, 1))),
]

CONV_T = [
    ("conv_transpose1d", (2, 3, 5), (3, 4, 3), True, {}),
    ("conv_transpose1d", (2, 4, 5), (4, 3, 3), True,
     dict(stride=2, padding=1, output_padding=1, groups=2, dilation=2)),
    ("conv_transpose1d", (3, 6), (3, 2, 4), False, dict(stride=3, output_padding=2)),  # unbatched
    ("conv_transpose2d", (2, 3, 4, 5), (3, 2, 3, 3), True, {}),
    ("conv_transpose2d", (2, 4, 4, 3), (4, 3, 3, 2), True,
     dict(stride=(2, 3), padding=(1, 0), output_padding=(1, 2), groups=2)),
    ("conv_transpose2d", (2, 3, 4, 4), (3, 2, 3, 3), True, dict(stride=2, dilation=2, padding=2)),
    ("conv_transpose2d", (2, 3, 4, 4), (3, 2, 3, 3), True,
     dict(stride=1, dilation=3, output_padding=2)),   # output_padding >= stride (< dilation)
    ("conv_transpose2d", (3, 4, 4), (3, 2, 2, 2), True, dict(stride=2)),    # unbatched
    ("conv_transpose3d", (1, 2, 3, 3, 4), (2, 3, 2, 2, 3), True, dict(stride=2, padding=1)),
    ("conv_transpose3d", (2, 4, 2, 3, 3), (4, 1, 3, 2, 2), False,
     dict(groups=2, output_padding=(1, 0, 1), stride=2)),
]


def _ids(table):
    return [f"{n}{x}{w}{'b' if b else ''}{kw}" for n, x, w, b, kw in table]


def _sample(x, w, b, dtype, seed=0):
    args = [rand(*x, dtype=dtype, seed=seed), rand(*w, dtype=dtype, seed=seed + 1)]
    if b:
        out_c = w[0] if len(args) else 0
        args.append(rand(out_c, dtype=dtype, seed=seed + 2))
    return args


@pytest.mark.parametrize("name,x,w,b,kw", CONV, ids=_ids(CONV))
def test_conv_float64(name, x, w, b, kw):
    check(_conv(name, **kw), Sample(*_sample(x, w, b, F64)), rtol=1e-10, atol=1e-10)


def _t_sample(x, w, b, kw, dtype):
    args = [rand(*x, dtype=dtype, seed=3), rand(*w, dtype=dtype, seed=4)]
    if b:
        args.append(rand(w[1] * kw.get("groups", 1), dtype=dtype, seed=5))
    return args


@pytest.mark.parametrize("name,x,w,b,kw", CONV_T, ids=_ids(CONV_T))
def test_conv_transpose_float64(name, x, w, b, kw):
    check(_conv(name, **kw), Sample(*_t_sample(x, w, b, kw, F64)), rtol=1e-10, atol=1e-10)


# float32 stays float32; tolerance 1e-4/1e-5 (sums of products in a different order)
@pytest.mark.parametrize("name,x,w,b,kw", CONV[::2] + CONV_T[::2],
                         ids=_ids(CONV[::2] + CONV_T[::2]))
def test_conv_float32(name, x, w, b, kw):
    args = _t_sample(x, w, b, kw, F32) if "transpose" in name else _sample(x, w, b, F32)
    check(_conv(name, **kw), Sample(*args), rtol=1e-4, atol=1e-5, grad_rtol=1e-4, grad_atol=1e-4)


# tiny samples: gradcheck / gradgradcheck against finite differences
TINY = [
    ("conv1d", (1, 2, 5), (2, 1, 2), True, dict(groups=2, stride=2, padding=1)),
    ("conv2d", (1, 1, 3, 4), (2, 1, 2, 2), True, dict(padding="same", dilation=(1, 2))),
    ("conv_transpose1d", (1, 2, 3), (2, 1, 2), True, dict(stride=2, output_padding=1)),
    ("conv_transpose2d", (1, 1, 2, 3), (1, 2, 2, 2), True, dict(stride=2, padding=1)),
]


@pytest.mark.parametrize("name,x,w,b,kw", TINY, ids=_ids(TINY))
def test_conv_finite_differences(name, x, w, b, kw):
    args = _t_sample(x, w, b, kw, F64) if "transpose" in name else _sample(x, w, b, F64)
    assert sum(int(np.prod(a.shape)) for a in args) <= 24   # so that check runs gradcheck
    check(_conv(name, **kw), Sample(*args), rtol=1e-10, atol=1e-10)


def test_conv_noncontiguous_and_dtypes():
    x = rand(2, 3, 6, 5, seed=7)
    w = rand(4, 3, 3, 3, seed=8)
    check(_conv("conv2d", padding=1), Sample(NC(x), NC(w)), rtol=1e-10, atol=1e-10)
    check(_conv("conv2d", stride=2), Sample(x.astype(np.int64) * 0 + np.arange(180).reshape(x.shape) % 5,
                                            (w * 3).astype(np.int64), grad=False))
    check(_conv("conv2d"), Sample(x.astype(np.float16), w.astype(np.float16), grad=False),
          rtol=2e-3, atol=2e-3)


UNFOLD = [
    ((2, 3, 6, 5), dict(kernel_size=2)),
    ((2, 2, 7, 6), dict(kernel_size=(3, 2), dilation=(1, 2), padding=1, stride=(2, 1))),
    ((3, 5, 5), dict(kernel_size=3, padding=(2, 0), stride=2)),
    ((0, 2, 4, 4), dict(kernel_size=2)),
]


@pytest.mark.parametrize("shape,kw", UNFOLD, ids=[str(u) for u in UNFOLD])
def test_unfold(shape, kw):
    check(lambda lib, x: F(lib).unfold(x, **kw), Sample(rand(*shape, seed=9)), rtol=1e-12, atol=1e-12)
    check(lambda lib, x: F(lib).unfold(x, **kw), Sample(rand(*shape, dtype=F32, seed=9)))


FOLD = [
    ((2, 12, 16), dict(output_size=(5, 5), kernel_size=2)),
    ((2, 12, 24), dict(output_size=(7, 6), kernel_size=(3, 2), dilation=(1, 2), padding=1,
                       stride=(2, 1))),
    ((18, 8), dict(output_size=5, kernel_size=3, padding=(2, 0), stride=2)),
    ((1, 2, 6), dict(output_size=(3, 4), kernel_size=(1, 2), stride=(1, 2))),
]


@pytest.mark.parametrize("shape,kw", FOLD, ids=[str(u) for u in FOLD])
def test_fold(shape, kw):
    check(lambda lib, x: F(lib).fold(x, **kw), Sample(rand(*shape, seed=10)), rtol=1e-12, atol=1e-12)


def test_fold_unfold_finite_differences():
    check(lambda lib, x: F(lib).unfold(x, 2, padding=1, stride=2), Sample(rand(1, 2, 3, 3)))
    check(lambda lib, x: F(lib).fold(x, (3, 3), 2, stride=2, padding=1), Sample(rand(1, 4, 4)))
    check(lambda lib, x: F(lib).fold(x, (3, 3), 2, stride=1), Sample(rand(4, 4)))


def _e(name, *extra, **kw):
    def call(lib, *args):
        return getattr(F(lib), name)(*args, *extra, **kw)
    return call


ERRORS = [
    (_e("conv2d"), [rand(2, 3, 5, 5), rand(4, 2, 3, 3)], RuntimeError,
     "expected input[2, 3, 5, 5] to have 2 channels, but got 3 channels instead"),
    (_e("conv2d"), [rand(2, 3, 5, 5), rand(4, 3, 3)], RuntimeError,
     "expected stride to be a single integer value or a list of 1 values"),
    (_e("conv2d"), [rand(2, 3, 4, 5, 5), rand(4, 3, 3, 3)], RuntimeError,
     "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [2, 3, 4, 5, 5]"),
    (_e("conv1d"), [rand(5), rand(4, 3, 3)], RuntimeError, "Expected 2D (unbatched) or 3D (batched)"),
    (_e("conv2d"), [rand(3, 2, 2), rand(4, 3, 3, 3)], RuntimeError,
     "Calculated padded input size per channel: (2 x 2). Kernel size: (3 x 3)"),
    (_e("conv2d", stride=2, padding="same"), [rand(2, 3, 5, 5), rand(4, 3, 3, 3)], RuntimeError,
     "padding='same' is not supported for strided convolutions"),
    (_e("conv2d", padding="foo"), [rand(2, 3, 5, 5), rand(4, 3, 3, 3)], RuntimeError,
     "Invalid padding string: 'foo'"),
    (_e("conv2d", stride=0), [rand(2, 3, 5, 5), rand(4, 3, 3, 3)], RuntimeError, "non-positive stride"),
    (_e("conv2d", padding=-1), [rand(2, 3, 5, 5), rand(4, 3, 3, 3)], RuntimeError, "negative padding"),
    (_e("conv2d", dilation=0), [rand(2, 3, 5, 5), rand(4, 3, 3, 3)], RuntimeError, "non-positive dilation"),
    (_e("conv2d", groups=0), [rand(2, 3, 5, 5), rand(4, 3, 3, 3)], RuntimeError, "non-positive groups"),
    (_e("conv2d", groups=2), [rand(2, 6, 5, 5), rand(3, 3, 3, 3)], RuntimeError,
     "expected weight to be divisible by 2 at dimension 0"),
    (_e("conv2d"), [rand(2, 3, 5, 5), rand(4, 3, 3, 3), rand(5)], RuntimeError,
     "expected bias to be 1-dimensional with 4 elements, but got bias of size [5]"),
    (_e("conv2d", stride=(1, 1, 1)), [rand(2, 3, 5, 5), rand(4, 3, 3, 3)], RuntimeError,
     "a list of 2 values to match the convolution dimensions, but got stride=[1, 1, 1]"),
    (_e("conv2d"), [rand(2, 3, 5, 5, dtype=F32), rand(4, 3, 3, 3)], RuntimeError,
     "Input type (torch.FloatTensor) and weight type (torch.DoubleTensor) should be the same"),
    (_e("conv2d"), [rand(2, 3, 5, 5), rand(4, 3, 3, 3, dtype=F32)], RuntimeError,
     "expected scalar type Double but found Float"),
    (_e("conv2d"), [rand(2, 3, 5, 5, dtype=F32), rand(4, 3, 3, 3, dtype=F32), rand(4)], RuntimeError,
     "Input type (float) and bias type (double) should be the same"),
    (_e("conv2d"), [rand(2, 3, 5, 5, dtype=bool), rand(4, 3, 3, 3, dtype=bool)], NotImplementedError,
     "not implemented for 'Bool'"),
    (_e("conv_transpose2d", output_padding=2), [rand(2, 3, 5, 5), rand(3, 2, 3, 3)], RuntimeError,
     "output padding must be smaller than either stride or dilation, but got output_padding_height: 2 "
     "output_padding_width: 2 stride_height: 1 stride_width: 1 dilation_height: 1 dilation_width: 1"),
    (_e("conv_transpose1d", output_padding=2), [rand(2, 3, 5), rand(3, 2, 3)], RuntimeError,
     "output_padding_height: 0 output_padding_width: 2 stride_height: 1"),
    (_e("conv_transpose2d"), [rand(2, 3, 5, 5), rand(4, 2, 3, 3)], RuntimeError,
     "Given transposed=1, weight of size [4, 2, 3, 3], expected input[2, 3, 5, 5] to have 4 channels"),
    (_e("conv_transpose2d"), [rand(2, 3, 5, 5), rand(3, 2, 3, 3), rand(3)], RuntimeError,
     "expected bias to be 1-dimensional with 2 elements, but got bias of size [3]"),
    (_e("conv_transpose2d", output_padding=-1), [rand(2, 3, 5, 5), rand(3, 2, 3, 3)], RuntimeError,
     "negative output_padding is not supported"),
    (_e("conv_transpose2d", padding="same"), [rand(2, 3, 5, 5), rand(3, 2, 3, 3)], TypeError,
     "argument 'padding' must be tuple of ints, not str"),
    (_e("unfold", 2), [rand(2, 3, 4, 5, 5)], RuntimeError,
     "Expected 3D or 4D (batch mode) tensor with possibly 0 batch size"),
    (_e("unfold", 6), [rand(2, 3, 5, 5)], RuntimeError,
     "calculated shape of the array of sliding blocks as (0, 0), but its components must be at least one"),
    (_e("unfold", 2, stride=0), [rand(2, 3, 5, 5)], RuntimeError,
     "stride should be greater than zero, but got stride_height: 0 stride_width: 0"),
    (_e("unfold", 2, padding=-1), [rand(2, 3, 5, 5)], RuntimeError, "padding should be non-negative"),
    (_e("unfold", 0), [rand(2, 3, 5, 5)], RuntimeError, "kernel size should be greater than zero"),
    (_e("unfold", (2, 2, 2)), [rand(2, 3, 5, 5)], RuntimeError,
     "It is expected kernel_size equals to 2, but got size 3"),
    (_e("unfold", 2), [rand(2, 3, 5, 5, dtype=np.int64)], NotImplementedError,
     "\"im2col_out_cpu\" not implemented for 'Long'"),
    (_e("fold", (5, 5), 2), [rand(2, 13, 16)], RuntimeError,
     "input.size(1)=13 and kernel_size=(2, 2)"),
    (_e("fold", (5, 5), 2), [rand(2, 12, 15)], RuntimeError,
     "calculated number of sliding blocks 4 * 4 = 16, but got input.size(2)=15"),
    (_e("fold", (5, 5), 2), [rand(2, 3, 12, 16)], RuntimeError, "Expected 2D or 3D (batch mode) tensor"),
]


@pytest.mark.parametrize("fn,args,exc,msg", ERRORS, ids=[e[3][:50] for e in ERRORS])
def test_errors(fn, args, exc, msg):
    check_error(fn, args, exc, msg)


def test_torch_namespace_exports():
    for name in ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                 "conv_transpose3d"]:
        assert getattr(ember, name) is getattr(ember.nn.functional, name)
    x, w = rand(2, 3, 5, 5), rand(4, 3, 3, 3)
    check(lambda lib, a, b: lib.conv2d(a, b, padding=1), Sample(x, w), rtol=1e-10, atol=1e-10)
    check(lambda lib, a, b: lib.conv_transpose2d(a, b, stride=2), Sample(x, rand(3, 2, 2, 2)),
          rtol=1e-10, atol=1e-10)


def test_third_order_grad():
    """The three conv primitives differentiate into each other: third order matches torch."""
    res = []
    for lib in (torch, ember):
        x = lib.tensor(rand(1, 2, 5, 4, seed=11), requires_grad=True)
        w = lib.tensor(rand(3, 2, 2, 3, seed=12), requires_grad=True)
        y = (F(lib).conv2d(x, w, stride=2, padding=1) ** 2).sum()
        gx, = lib.autograd.grad(y, x, create_graph=True)
        gw, = lib.autograd.grad((gx ** 2).sum(), w, create_graph=True)
        gxx, = lib.autograd.grad((gw ** 3).sum(), x)
        res.append(gxx.detach().numpy())
    np.testing.assert_allclose(res[1], res[0], rtol=1e-9, atol=1e-9)


# ------------------------------------------------------------------ modules
def _compare_module(e_mod, t_mod, x, rtol=1e-4, atol=1e-5, **fwd):
    """Same weights and input: same outputs, input grads and parameter grads."""
    assert list(e_mod.state_dict().keys()) == list(t_mod.state_dict().keys())
    for (k, ev), tv in zip(e_mod.state_dict().items(), t_mod.state_dict().values()):
        assert tuple(ev.shape) == tuple(tv.shape), k
    e_mod.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in t_mod.state_dict().items()})
    tx, ex = torch.tensor(x, requires_grad=True), ember.tensor(x, requires_grad=True)
    t_out, e_out = t_mod(tx, **fwd), e_mod(ex, **fwd)
    assert tuple(e_out.shape) == tuple(t_out.shape)
    assert str(e_out.dtype).split(".")[-1] == str(t_out.dtype).split(".")[-1]
    np.testing.assert_allclose(e_out.detach().numpy(), t_out.detach().numpy(), rtol=rtol, atol=atol)
    g = np.random.default_rng(0).standard_normal(tuple(t_out.shape)).astype(x.dtype)
    t_out.backward(torch.tensor(g))
    e_out.backward(ember.tensor(g))
    np.testing.assert_allclose(ex.grad.numpy(), tx.grad.numpy(), rtol=rtol, atol=atol)
    t_params = dict(t_mod.named_parameters())
    for name, p in e_mod.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), t_params[name].grad.numpy(), rtol=rtol, atol=atol,
                                   err_msg=name)


# (class, constructor args, kwargs, input shape, repr)
MODULES = [
    ("Conv2d", (3, 16, 3), dict(stride=2, padding=1, bias=False), (2, 3, 9, 9),
     "Conv2d(3, 16, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), bias=False)"),
    ("Conv2d", (4, 6, (3, 2)), dict(padding="same", dilation=2, groups=2), (2, 4, 7, 6),
     "Conv2d(4, 6, kernel_size=(3, 2), stride=(1, 1), padding=same, dilation=(2, 2), groups=2)"),
    ("Conv2d", (3, 4, 3), dict(padding=(1, 2), padding_mode="reflect"), (2, 3, 6, 5),
     "Conv2d(3, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 2), padding_mode=reflect)"),
    ("Conv2d", (3, 4, 3), dict(padding=1, padding_mode="replicate", stride=2), (3, 6, 5),
     "Conv2d(3, 4, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), padding_mode=replicate)"),
    ("Conv2d", (3, 4, 4), dict(padding="same", padding_mode="circular"), (2, 3, 6, 5),
     "Conv2d(3, 4, kernel_size=(4, 4), stride=(1, 1), padding=same, padding_mode=circular)"),
    ("Conv1d", (4, 8, 3), dict(padding="valid"), (2, 4, 9),
     "Conv1d(4, 8, kernel_size=(3,), stride=(1,), padding=valid)"),
    ("Conv1d", (2, 4, 3), dict(padding=2, padding_mode="circular", dilation=2), (2, 2, 7),
     "Conv1d(2, 4, kernel_size=(3,), stride=(1,), padding=(2,), dilation=(2,), padding_mode=circular)"),
    ("Conv3d", (2, 3, 2), dict(stride=(1, 2, 1), padding=1), (2, 2, 4, 5, 4),
     "Conv3d(2, 3, kernel_size=(2, 2, 2), stride=(1, 2, 1), padding=(1, 1, 1))"),
    ("Conv3d", (2, 3, 3), dict(padding=1, padding_mode="replicate"), (1, 2, 4, 4, 3),
     "Conv3d(2, 3, kernel_size=(3, 3, 3), stride=(1, 1, 1), padding=(1, 1, 1), padding_mode=replicate)"),
    ("ConvTranspose2d", (4, 8, 3), dict(stride=2, output_padding=1, groups=2), (2, 4, 5, 5),
     "ConvTranspose2d(4, 8, kernel_size=(3, 3), stride=(2, 2), output_padding=(1, 1), groups=2)"),
    ("ConvTranspose2d", (4, 8, 3), dict(dilation=2, bias=False), (4, 5, 5),
     "ConvTranspose2d(4, 8, kernel_size=(3, 3), stride=(1, 1), dilation=(2, 2), bias=False)"),
    ("ConvTranspose1d", (3, 2, 4), dict(stride=3, padding=1), (2, 3, 5),
     "ConvTranspose1d(3, 2, kernel_size=(4,), stride=(3,), padding=(1,))"),
    ("ConvTranspose3d", (2, 3, 2), dict(stride=2), (1, 2, 3, 2, 3),
     "ConvTranspose3d(2, 3, kernel_size=(2, 2, 2), stride=(2, 2, 2))"),
]


@pytest.mark.parametrize("name,args,kw,shape,rep", MODULES, ids=[m[4] for m in MODULES])
def test_modules(name, args, kw, shape, rep):
    t_mod = getattr(torch.nn, name)(*args, **kw)
    e_mod = getattr(ember.nn, name)(*args, **kw)
    assert repr(e_mod) == repr(t_mod) == rep
    for attr in ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation",
                 "groups", "output_padding", "padding_mode", "transposed",
                 "_reversed_padding_repeated_twice"):
        assert getattr(e_mod, attr) == getattr(t_mod, attr), attr
    _compare_module(e_mod, t_mod, rand(*shape, dtype=F32, seed=5))


def test_conv_module_float64():
    t_mod = torch.nn.Conv2d(2, 3, 3, padding=1, dtype=torch.float64)
    e_mod = ember.nn.Conv2d(2, 3, 3, padding=1, dtype=ember.float64)
    assert e_mod.weight.dtype is ember.float64
    _compare_module(e_mod, t_mod, rand(2, 2, 5, 4), rtol=1e-12, atol=1e-12)


def test_conv_transpose_output_size():
    t_mod = torch.nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1)
    e_mod = ember.nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1)
    x = rand(2, 4, 5, 5, dtype=F32)
    for size in [(10, 9), (2, 6, 10, 10), [9, 10]]:
        _compare_module(e_mod, t_mod, x, output_size=size)
    with pytest.raises(ValueError, match=r"requested an output size of \(11, 9\), but valid sizes range "
                                         r"from \[9, 9\] to \[10, 10\]"):
        e_mod(ember.tensor(x), output_size=(11, 9))
    with pytest.raises(ValueError):
        t_mod(torch.tensor(x), output_size=(11, 9))


def _uniform_bound_ok(t, bound):
    a = t.detach().numpy()
    assert np.abs(a).max() <= bound + 1e-7
    assert np.abs(a).max() > 0.8 * bound
    assert abs(a.mean()) < 4 * bound / math.sqrt(3 * a.size)   # 4 standard errors


def test_default_init_distributions():
    ember.manual_seed(0)
    m = ember.nn.Conv2d(16, 64, 5, groups=2)        # fan_in = 8 * 25
    bound = 1 / math.sqrt(8 * 25)                    # kaiming_uniform_(a=sqrt(5)) == U(+-1/sqrt(fan_in))
    _uniform_bound_ok(m.weight, bound)
    _uniform_bound_ok(m.bias, bound)
    np.testing.assert_allclose(m.weight.detach().numpy().std(), bound / math.sqrt(3), rtol=0.03)
    t = ember.nn.ConvTranspose2d(16, 40, 3)          # weight (16, 40, 3, 3): fan_in = 40 * 9
    _uniform_bound_ok(t.weight, 1 / math.sqrt(360))
    _uniform_bound_ok(t.bias, 1 / math.sqrt(360))


LAZY = [("LazyConv1d", (4, 3), {}, (2, 3, 7), "Conv1d"),
        ("LazyConv2d", (8, 3), dict(stride=2, groups=1), (2, 3, 7, 6), "Conv2d"),
        ("LazyConv2d", (8, 3), dict(padding=1, padding_mode="reflect", bias=False), (3, 7, 6), "Conv2d"),
        ("LazyConv3d", (2, 2), {}, (1, 2, 3, 3, 3), "Conv3d"),
        ("LazyConvTranspose1d", (4, 3), dict(stride=2), (2, 3, 5), "ConvTranspose1d"),
        ("LazyConvTranspose2d", (4, 3), dict(output_padding=1, stride=2, groups=2), (2, 4, 3, 3),
         "ConvTranspose2d"),
        ("LazyConvTranspose3d", (2, 2), {}, (1, 2, 2, 2, 2), "ConvTranspose3d")]


@pytest.mark.parametrize("name,args,kw,shape,becomes", LAZY, ids=[c[0] + str(c[2]) for c in LAZY])
def test_lazy(name, args, kw, shape, becomes):
    e_mod = getattr(ember.nn, name)(*args, **kw)
    t_mod = getattr(torch.nn, name)(*args, **kw)
    assert repr(e_mod) == repr(t_mod)
    assert isinstance(e_mod.weight, ember.nn.parameter.UninitializedParameter)
    x = rand(*shape, dtype=F32, seed=2)
    e_mod(ember.tensor(x))
    t_mod(torch.tensor(x))
    assert type(e_mod) is getattr(ember.nn, becomes)
    assert repr(e_mod) == repr(t_mod)
    assert e_mod.in_channels == t_mod.in_channels
    _compare_module(e_mod, t_mod, x)


def test_fold_modules():
    t_u, e_u = torch.nn.Unfold(2, dilation=1, padding=1, stride=2), ember.nn.Unfold(2, dilation=1,
                                                                                     padding=1, stride=2)
    assert repr(e_u) == repr(t_u) == "Unfold(kernel_size=2, dilation=1, padding=1, stride=2)"
    x = rand(2, 3, 5, 4, seed=3)
    np.testing.assert_allclose(e_u(ember.tensor(x)).numpy(), t_u(torch.tensor(x)).numpy())
    t_f, e_f = torch.nn.Fold((5, 5), (2, 3)), ember.nn.Fold((5, 5), (2, 3))
    assert repr(e_f) == repr(t_f) == "Fold(output_size=(5, 5), kernel_size=(2, 3), dilation=1, padding=0, stride=1)"
    c = rand(2, 12, 12, seed=4)
    np.testing.assert_allclose(e_f(ember.tensor(c)).numpy(), t_f(torch.tensor(c)).numpy())


CTOR_ERRORS = [
    ((3, 16, 3), dict(padding="same", stride=2), "padding='same' is not supported for strided"),
    ((3, 16, 3), dict(groups=2), "in_channels must be divisible by groups"),
    ((4, 15, 3), dict(groups=2), "out_channels must be divisible by groups"),
    ((4, 16, 3), dict(groups=0), "groups must be a positive integer"),
    ((4, 16, 3), dict(padding="foo"), "Invalid padding string 'foo'"),
    ((4, 16, 3), dict(padding_mode="foo"), "but got padding_mode='foo'"),
]


@pytest.mark.parametrize("args,kw,msg", CTOR_ERRORS, ids=[c[2] for c in CTOR_ERRORS])
def test_constructor_errors(args, kw, msg):
    with pytest.raises(ValueError):
        torch.nn.Conv2d(*args, **kw)
    with pytest.raises(ValueError, match=msg.replace("(", r"\(")):
        ember.nn.Conv2d(*args, **kw)
    with pytest.raises(ValueError, match='Only "zeros" padding mode is supported for ConvTranspose2d'):
        ember.nn.ConvTranspose2d(4, 16, 3, padding_mode="reflect")


def test_module_input_errors():
    model = ember.nn.Sequential(ember.nn.Conv2d(1, 4, 3), ember.nn.Conv2d(3, 8, 3))
    with pytest.raises(RuntimeError) as info:
        model(ember.zeros(2, 1, 8, 8))
    msg = str(info.value)
    assert "Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1)) at '1' got input of shape (2, 4, 6, 6)" in msg
    assert "expected 3 channels" in msg
    with pytest.raises(RuntimeError, match="expected 3D"):
        ember.nn.Conv2d(1, 4, 3)(ember.zeros(2, 2, 1, 8, 8))
    with pytest.raises(RuntimeError):
        torch.nn.Conv2d(1, 4, 3)(torch.zeros(2, 2, 1, 8, 8))
