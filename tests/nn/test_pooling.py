"""Pooling functionals against torch: values, indices, gradients, second-order
gradients and finite differences (tests/oracle.py), plus torch's errors."""
import numpy as np
import pytest
import torch

import ember
import ember.nn.functional  # noqa: F401
from tests.oracle import NC, Sample, check, check_error, rand


def F(lib):
    return lib.nn.functional


def _x(*shape, dtype=np.float64, seed=0):
    return rand(*shape, dtype=dtype, seed=seed)


# (function name, input shape, kwargs)
MAX_POOL = [
    ("max_pool1d", (2, 3, 9), dict(kernel_size=2)),
    ("max_pool1d", (3, 10), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ("max_pool1d", (2, 2, 11), dict(kernel_size=3, stride=1, dilation=2, return_indices=True)),
    ("max_pool1d", (1, 2, 7), dict(kernel_size=4, stride=3, padding=2, ceil_mode=True,
                                   return_indices=True)),
    ("max_pool2d", (2, 3, 6, 6), dict(kernel_size=2)),
    ("max_pool2d", (2, 2, 7, 9), dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 1),
                                      return_indices=True)),
    ("max_pool2d", (1, 2, 7, 8), dict(kernel_size=3, stride=2, ceil_mode=True, return_indices=True)),
    ("max_pool2d", (2, 7, 8), dict(kernel_size=2, stride=1, dilation=(2, 3), padding=1,
                                   return_indices=True)),
    ("max_pool2d", (1, 1, 3, 3), dict(kernel_size=2, stride=1)),
    ("max_pool2d", (0, 2, 4, 4), dict(kernel_size=2)),
    ("max_pool3d", (1, 2, 4, 5, 6), dict(kernel_size=2, return_indices=True)),
    ("max_pool3d", (2, 5, 4, 6), dict(kernel_size=(2, 3, 2), stride=(1, 2, 2), padding=(1, 1, 0),
                                      ceil_mode=True, return_indices=True)),
    ("max_pool3d", (1, 1, 5, 5, 5), dict(kernel_size=3, stride=2, dilation=2, padding=1)),
    ("max_pool3d", (1, 1, 2, 2, 3), dict(kernel_size=2, stride=1)),
]

AVG_POOL = [
    ("avg_pool1d", (2, 3, 9), dict(kernel_size=2)),
    ("avg_pool1d", (3, 10), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ("avg_pool1d", (2, 2, 10), dict(kernel_size=4, stride=3, padding=2, ceil_mode=True,
                                    count_include_pad=False)),
    ("avg_pool1d", (1, 1, 5), dict(kernel_size=2, stride=1)),
    ("avg_pool2d", (2, 3, 6, 6), dict(kernel_size=2)),
    ("avg_pool2d", (2, 2, 7, 9), dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 1))),
    ("avg_pool2d", (1, 2, 7, 8), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                                      count_include_pad=False)),
    ("avg_pool2d", (2, 7, 8), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ("avg_pool2d", (1, 2, 5, 5), dict(kernel_size=2, divisor_override=3)),
    ("avg_pool2d", (1, 1, 3, 3), dict(kernel_size=2, stride=1, padding=1, divisor_override=2)),
    ("avg_pool2d", (1, 1, 3, 4), dict(kernel_size=2, stride=1, padding=1, count_include_pad=False)),
    ("avg_pool3d", (1, 2, 4, 5, 6), dict(kernel_size=2)),
    ("avg_pool3d", (2, 5, 4, 6), dict(kernel_size=(2, 3, 2), stride=(1, 2, 2), padding=(1, 1, 0),
                                      ceil_mode=True, count_include_pad=False)),
    ("avg_pool3d", (1, 1, 5, 5, 5), dict(kernel_size=3, stride=2, padding=1, divisor_override=5)),
    ("avg_pool3d", (1, 1, 2, 2, 3), dict(kernel_size=2, stride=1)),
]

ADAPTIVE = [
    ("adaptive_avg_pool1d", (2, 3, 9), dict(output_size=4)),
    ("adaptive_avg_pool1d", (3, 8), dict(output_size=4)),
    ("adaptive_avg_pool1d", (1, 1, 5), dict(output_size=3)),
    ("adaptive_avg_pool2d", (2, 3, 7, 9), dict(output_size=(3, 4))),
    ("adaptive_avg_pool2d", (2, 3, 8, 8), dict(output_size=1)),
    ("adaptive_avg_pool2d", (3, 6, 5), dict(output_size=(None, 3))),
    ("adaptive_avg_pool2d", (1, 2, 4, 5), dict(output_size=(6, 7))),
    ("adaptive_avg_pool2d", (1, 1, 3, 4), dict(output_size=(2, 3))),
    ("adaptive_avg_pool3d", (1, 2, 5, 6, 7), dict(output_size=(2, 3, 4))),
    ("adaptive_avg_pool3d", (2, 4, 4, 4), dict(output_size=2)),
    ("adaptive_max_pool1d", (2, 3, 9), dict(output_size=4, return_indices=True)),
    ("adaptive_max_pool1d", (3, 8), dict(output_size=3)),
    ("adaptive_max_pool1d", (1, 1, 5), dict(output_size=3, return_indices=True)),
    ("adaptive_max_pool2d", (2, 3, 7, 9), dict(output_size=(3, 4), return_indices=True)),
    ("adaptive_max_pool2d", (3, 6, 5), dict(output_size=(None, 3), return_indices=True)),
    ("adaptive_max_pool2d", (1, 2, 4, 5), dict(output_size=(6, 7), return_indices=True)),
    ("adaptive_max_pool2d", (1, 1, 3, 4), dict(output_size=(2, 3))),
    ("adaptive_max_pool3d", (1, 2, 5, 6, 7), dict(output_size=(2, 3, 4), return_indices=True)),
    ("adaptive_max_pool3d", (2, 4, 4, 4), dict(output_size=2)),
]

LP_POOL = [
    ("lp_pool1d", (2, 3, 9), dict(norm_type=2, kernel_size=3)),
    ("lp_pool1d", (1, 2, 8), dict(norm_type=3.0, kernel_size=2, stride=1, ceil_mode=True)),
    ("lp_pool2d", (2, 2, 6, 7), dict(norm_type=2, kernel_size=2, ceil_mode=True)),
    ("lp_pool2d", (1, 2, 6, 6), dict(norm_type=1.5, kernel_size=(3, 2), stride=(2, 1))),
    ("lp_pool3d", (1, 2, 4, 4, 4), dict(norm_type=2, kernel_size=2)),
]


def _ids(table):
    return [f"{n}-{s}-{k}" for n, s, k in table]


@pytest.mark.parametrize("name,shape,kw", MAX_POOL + AVG_POOL + ADAPTIVE, ids=_ids(MAX_POOL + AVG_POOL + ADAPTIVE))
def test_pool_float64(name, shape, kw):
    check(lambda lib, x: getattr(F(lib), name)(x, **kw), Sample(_x(*shape)))


@pytest.mark.parametrize("name,shape,kw", MAX_POOL + AVG_POOL + ADAPTIVE, ids=_ids(MAX_POOL + AVG_POOL + ADAPTIVE))
def test_pool_float32(name, shape, kw):
    check(lambda lib, x: getattr(F(lib), name)(x, **kw), Sample(_x(*shape, dtype=np.float32)),
          rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name,shape,kw", LP_POOL, ids=_ids(LP_POOL))
def test_lp_pool(name, shape, kw):
    # positive inputs: x ** p with a fractional p is NaN for negative x in both
    x = rand(*shape, low=0.1, high=2.0, seed=1)
    check(lambda lib, x: getattr(F(lib), name)(x, **kw), Sample(x))
    check(lambda lib, x: getattr(F(lib), name)(x, **kw), Sample(x.astype(np.float32)))


def test_max_pool_noncontiguous_and_ints():
    x = _x(2, 3, 6, 7)
    check(lambda lib, x: F(lib).max_pool2d(x, 3, 2, 1, return_indices=True), Sample(NC(x)))
    xi = rand(2, 3, 6, 7, dtype=np.int64, low=-50, high=50)
    check(lambda lib, x: F(lib).max_pool2d(x, 2, 1, return_indices=True), Sample(xi))
    check(lambda lib, x: F(lib).avg_pool2d(x, 3, 2, 1), Sample(xi))
    check(lambda lib, x: F(lib).max_pool1d(x, 2, 1, return_indices=True), Sample(xi[0]))
    check(lambda lib, x: F(lib).max_pool3d(x, 2, 1), Sample(xi.astype(np.int16)))


DTYPE_ERRORS = [
    (lambda lib, x: F(lib).max_pool1d(x, 2), np.int64, "max_pool1d_impl"),
    (lambda lib, x: F(lib).max_pool2d(x[None], 2), np.bool_, "max_pool2d"),
    (lambda lib, x: F(lib).avg_pool1d(x, 2), np.int32, "avg_pool2d"),
    (lambda lib, x: F(lib).avg_pool3d(x[None], 2), np.int16, "avg_pool3d"),
    (lambda lib, x: F(lib).adaptive_max_pool2d(x, 2), np.int64, "adaptive_max_pool2d"),
    (lambda lib, x: F(lib).adaptive_max_pool3d(x[None], 2), np.int64, "adaptive_max_pool3d"),
]


@pytest.mark.parametrize("k", range(len(DTYPE_ERRORS)))
def test_dtype_not_implemented(k):
    fn, dt, msg = DTYPE_ERRORS[k]
    check_error(fn, [rand(2, 4, 4, dtype=dt)], NotImplementedError, msg)


def test_max_pool_ties_and_special_values():
    # ties resolve to the first maximum; -inf everywhere picks the first valid
    # position even with padding; NaN propagates
    x = np.zeros((1, 2, 5, 5))
    x[0, 1] = -np.inf
    x[0, 1, 4, 4] = np.nan
    for kw in [dict(kernel_size=3, stride=1, padding=1), dict(kernel_size=2, stride=2, ceil_mode=True),
               dict(kernel_size=3, stride=2, padding=1, dilation=1)]:
        check(lambda lib, x: F(lib).max_pool2d(x, return_indices=True, **kw),
              Sample(x, grad=False))
    t = np.zeros((1, 1, 4, 4))
    check(lambda lib, x: F(lib).max_pool2d(x, 2, 1, return_indices=True), Sample(t, fd=False))


# overlapping windows may pick one position twice: unpool then writes it once
# while its (torch's) gradient reads it for both, so finite differences are skipped
UNPOOL = [
    ("1d", (2, 3, 8), dict(kernel_size=2), {}),
    ("1d", (2, 9), dict(kernel_size=3, stride=2, padding=1), dict(output_size=[9])),
    ("2d", (2, 3, 6, 6), dict(kernel_size=2), {}),
    ("2d", (1, 2, 7, 7), dict(kernel_size=3, stride=2, padding=1), dict(output_size=(1, 2, 7, 7))),
    ("2d", (2, 5, 5), dict(kernel_size=2, stride=2), dict(output_size=(5, 5))),
    ("2d", (1, 1, 5, 6), dict(kernel_size=3, stride=1), {}),
    ("3d", (1, 2, 4, 4, 6), dict(kernel_size=2), {}),
    ("3d", (1, 5, 5, 5), dict(kernel_size=3, stride=2, padding=1), dict(output_size=(5, 5, 5))),
]


@pytest.mark.parametrize("nd,shape,kw,ukw", UNPOOL, ids=[f"{u[0]}-{u[1]}" for u in UNPOOL])
def test_max_unpool(nd, shape, kw, ukw):
    def fn(lib, x):
        f = F(lib)
        v, i = getattr(f, f"max_pool{nd}")(x, return_indices=True, **kw)
        return getattr(f, f"max_unpool{nd}")(v * 2, i, **kw, **ukw)
    overlapping = kw.get("stride", kw["kernel_size"]) < kw["kernel_size"]
    check(fn, Sample(_x(*shape), fd=not overlapping))
    check(fn, Sample(_x(*shape, dtype=np.float32)))


def test_unpool_from_given_indices():
    # indices are data: values land where they say (a tensor not from max_pool)
    idx = np.array([[[0, 3, 5, 6]]])
    check(lambda lib, x, i: F(lib).max_unpool1d(x, i, 2), Sample(_x(1, 1, 4), idx))


def test_torch_namespace_aliases():
    x = _x(2, 3, 8, 8)
    check(lambda lib, x: lib.max_pool2d(x, 2), Sample(x))
    check(lambda lib, x: lib.max_pool2d(x, 3, 1, 1, 1, True), Sample(x))
    check(lambda lib, x: lib.max_pool3d(x[None], 2), Sample(x))
    check(lambda lib, x: lib.max_pool1d(x[0], 3, 2), Sample(x))
    check(lambda lib, x: lib.max_pool1d_with_indices(x[0], 3, 2), Sample(x))
    check(lambda lib, x: lib.avg_pool1d(x[0], 3, 2, 1, True, False), Sample(x))
    check(lambda lib, x: lib.adaptive_avg_pool1d(x[0], 3), Sample(x))
    check(lambda lib, x: lib.adaptive_max_pool1d(x[0], 3), Sample(x))


ERRORS = [
    (lambda lib, x: F(lib).max_pool2d(x, 2), (1, 2, 3, 4, 5), "3D or 4D"),
    (lambda lib, x: F(lib).max_pool2d(x, 2, padding=2), (2, 3, 8, 8), "pad should be at most half"),
    (lambda lib, x: F(lib).max_pool2d(x, 0, 1), (2, 3, 8, 8), "kernel size should be greater than zero"),
    (lambda lib, x: F(lib).max_pool2d(x, 2, 0), (2, 3, 8, 8), "stride should not be zero"),
    (lambda lib, x: F(lib).max_pool2d(x, 2, dilation=0), (2, 3, 8, 8), "dilation should be greater"),
    (lambda lib, x: F(lib).max_pool2d(x, 3), (1, 1, 2, 2), "Output size is too small"),
    (lambda lib, x: F(lib).max_pool2d(x, (2, 2, 2)), (2, 3, 8, 8), "tuple of two ints"),
    (lambda lib, x: F(lib).max_pool2d(x, 2), (2, 3, 0, 8), "optional 0 dim batch size"),
    (lambda lib, x: F(lib).max_pool1d(x, 2), (2, 3, 8, 8), "2D or 3D"),
    (lambda lib, x: F(lib).max_pool3d(x, 2), (3, 8, 8), "4D or 5D"),
    (lambda lib, x: F(lib).avg_pool1d(x, 2), (2, 3, 8, 8), "Expected 2 to 3 dimensions"),
    (lambda lib, x: F(lib).avg_pool2d(x, 2, padding=2), (2, 3, 8, 8), "pad should be at most half"),
    (lambda lib, x: F(lib).avg_pool2d(x, 2, divisor_override=0), (2, 3, 8, 8), "divisor must be not zero"),
    (lambda lib, x: F(lib).avg_pool2d(x, 3), (1, 1, 2, 2), "Output size is too small"),
    (lambda lib, x: F(lib).adaptive_avg_pool2d(x, 2), (8,), "Expected 3D or 4D tensor"),
    (lambda lib, x: F(lib).adaptive_avg_pool2d(x, (2, 2, 2)), (2, 3, 8, 8), "output_size must be 2"),
    (lambda lib, x: F(lib).adaptive_avg_pool2d(x, (-1, 3)), (2, 3, 8, 8), "greater than or equal to 0"),
    (lambda lib, x: F(lib).adaptive_avg_pool2d(x, 2), (2, 3, 0, 8), "non-zero size for non-batch"),
    (lambda lib, x: F(lib).adaptive_max_pool2d(x, 2), (2, 3, 0, 8), "non-zero size for non-batch"),
    (lambda lib, x: F(lib).adaptive_max_pool3d(x, 2), (3, 8), "Expected 4D or 5D tensor"),
    (lambda lib, x: F(lib).adaptive_avg_pool1d(x, 2), (2, 3, 8, 8), "Expected 2 to 3 dimensions"),
    (lambda lib, x: F(lib).max_unpool2d(x, lib.full((2, 3, 4, 4), 1000), 2), (2, 3, 4, 4),
     "invalid max index: 1000"),
    (lambda lib, x: F(lib).max_unpool2d(x, lib.zeros(2, 3, 4, 4, dtype=lib.int32), 2), (2, 3, 4, 4),
     "should be type int64"),
    (lambda lib, x: F(lib).max_unpool1d(x, lib.zeros(2, 3, 5, dtype=lib.int64), 2), (2, 3, 4),
     "Expected shape of indices"),
]


@pytest.mark.parametrize("k", range(len(ERRORS)))
def test_errors(k):
    fn, shape, msg = ERRORS[k]
    check_error(fn, [_x(*shape)], RuntimeError, msg)


def test_unpool_output_size_errors():
    check_error(lambda lib, x, i: F(lib).max_unpool2d(x, i, 2, output_size=(3, 3)),
                [_x(2, 3, 8, 8), np.zeros((2, 3, 8, 8), dtype=np.int64)], ValueError,
                "dim 0 must be between 14 and 18")
    check_error(lambda lib, x, i: F(lib).max_unpool2d(x, i, 2, output_size=(3, 3, 3)),
                [_x(2, 3, 8, 8), np.zeros((2, 3, 8, 8), dtype=np.int64)], ValueError,
                "2 or 4 elements")


def test_adaptive_avg_int_not_implemented():
    check_error(lambda lib, x: F(lib).adaptive_avg_pool2d(x, 2),
                [rand(2, 3, 8, 8, dtype=np.int64)], NotImplementedError, "adaptive_avg_pool2d", "Long")


def test_double_backward_of_max_pool_grad():
    # the gradient of max_pool2d is itself differentiable w.r.t. the output grad
    x = _x(1, 2, 5, 5)

    def fn(lib, x, g):
        y = F(lib).max_pool2d(x, 3, 1, 1)
        (gx,) = lib.autograd.grad(y, x, g, create_graph=True)
        return gx * gx
    check(fn, Sample(x, _x(1, 2, 5, 5, seed=3)))


# ------------------------------------------------------------------ modules
MODULES = [
    ("MaxPool1d", (3,), {}, (2, 3, 9)),
    ("MaxPool2d", ((2, 3),), dict(stride=1, padding=1, dilation=2, return_indices=True,
                                  ceil_mode=True), (2, 3, 7, 8)),
    ("MaxPool2d", (2,), {}, (3, 6, 6)),
    ("MaxPool3d", (2,), dict(stride=1), (1, 2, 3, 4, 4)),
    ("AvgPool1d", (3,), dict(stride=2, padding=1, ceil_mode=True, count_include_pad=False),
     (2, 3, 9)),
    ("AvgPool2d", ((2, 3),), dict(stride=1, padding=1, ceil_mode=True, count_include_pad=False,
                                  divisor_override=5), (2, 3, 7, 8)),
    ("AvgPool2d", (2,), {}, (2, 3, 6, 6)),
    ("AvgPool3d", (2,), dict(divisor_override=3), (1, 2, 4, 4, 4)),
    ("AdaptiveAvgPool1d", (3,), {}, (2, 3, 8)),
    ("AdaptiveAvgPool2d", ((None, 3),), {}, (2, 3, 5, 7)),
    ("AdaptiveAvgPool3d", (2,), {}, (1, 2, 3, 5, 4)),
    ("AdaptiveMaxPool1d", (3,), {}, (2, 3, 8)),
    ("AdaptiveMaxPool2d", ((2, 3),), dict(return_indices=True), (2, 3, 5, 7)),
    ("AdaptiveMaxPool3d", (2,), {}, (1, 2, 3, 5, 4)),
    ("LPPool1d", (2, 3), {}, (2, 3, 9)),
    ("LPPool2d", (2.0, (2, 3)), dict(stride=1, ceil_mode=True), (2, 3, 5, 7)),
    ("LPPool3d", (2, 2), {}, (1, 2, 4, 4, 4)),
]


@pytest.mark.parametrize("name,args,kw,shape", MODULES, ids=[f"{m[0]}-{i}" for i, m in enumerate(MODULES)])
def test_module(name, args, kw, shape):
    tm = getattr(torch.nn, name)(*args, **kw)
    em = getattr(ember.nn, name)(*args, **kw)
    assert repr(em) == repr(tm)
    assert list(em.state_dict().keys()) == list(tm.state_dict().keys()) == []
    for attr in ("kernel_size", "stride", "padding", "dilation", "output_size", "ceil_mode",
                 "return_indices", "count_include_pad", "divisor_override", "norm_type"):
        if hasattr(tm, attr):
            assert getattr(em, attr) == getattr(tm, attr), attr
    low = 0.1 if name.startswith("LP") else -2.0
    check(lambda lib, x: (em if lib is ember else tm)(x), Sample(rand(*shape, low=low, seed=4)))


def test_unpool_modules():
    for nd, shape in [(1, (2, 3, 8)), (2, (2, 2, 6, 6)), (3, (1, 2, 4, 4, 4))]:
        tp, tu = getattr(torch.nn, f"MaxPool{nd}d")(2, return_indices=True), \
            getattr(torch.nn, f"MaxUnpool{nd}d")(2)
        ep, eu = getattr(ember.nn, f"MaxPool{nd}d")(2, return_indices=True), \
            getattr(ember.nn, f"MaxUnpool{nd}d")(2)
        assert repr(eu) == repr(tu)
        assert (eu.kernel_size, eu.stride, eu.padding) == (tu.kernel_size, tu.stride, tu.padding)

        def fn(lib, x):
            p, u = (ep, eu) if lib is ember else (tp, tu)
            v, i = p(x)
            return u(v, i, output_size=x.shape)
        check(fn, Sample(rand(*shape, seed=2)))
    assert repr(ember.nn.MaxUnpool3d((2, 2, 3), padding=1)) == repr(torch.nn.MaxUnpool3d((2, 2, 3), padding=1))


def test_module_wrong_rank_names_module_and_path():
    model = ember.nn.Sequential(ember.nn.Identity(), ember.nn.MaxPool2d(2)) \
        if hasattr(ember.nn, "Identity") else ember.nn.Sequential(ember.nn.Flatten(0, 0),
                                                                   ember.nn.MaxPool2d(2))
    with pytest.raises(RuntimeError) as info:
        model(ember.zeros(2, 3, 4, 5, 6))
    msg = str(info.value)
    assert "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)" in msg
    assert "at '1'" in msg and "(2, 3, 4, 5, 6)" in msg
    with pytest.raises(RuntimeError):
        torch.nn.MaxPool2d(2)(torch.zeros(2, 3, 4, 5, 6))
