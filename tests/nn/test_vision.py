"""Vision functionals against torch: pad, interpolate, grid_sample,
affine_grid, pixel/channel shuffles (values, gradients, second order)."""
import numpy as np
import pytest

import ember
import ember.nn.functional  # noqa: F401
from tests.oracle import NC, Sample, check, check_error, rand


def F(lib):
    return lib.nn.functional


def _x(*shape, dtype=np.float64, seed=0):
    return rand(*shape, dtype=dtype, seed=seed)


PAD = [
    ((2, 3), (1, 2), "constant", None),
    ((2, 3, 4), (1, 0, 2, 1), "constant", 1.5),
    ((2, 3, 4), (-1, 2, 0, -1, 1, 1), "constant", None),
    ((1, 2, 3, 4), (1, 1, 1, 1, 1, 1, 1, 1), "constant", 0.0),
    ((2, 5), (2, 3), "reflect", None),
    ((2, 3, 5), (4, 1), "reflect", None),
    ((1, 2, 4, 5), (1, 2, 3, 0), "reflect", None),
    ((2, 3, 4, 5), (1, 2, 3, 0, 2, 1), "reflect", None),
    ((2, 3, 4), (-1, 2), "reflect", None),
    ((2, 5), (3, 4), "replicate", None),
    ((1, 2, 3, 4), (2, 0, 1, 3), "replicate", None),
    ((1, 2, 3, 4, 2), (1, 1, 0, 2, 2, 1), "replicate", None),
    ((2, 3, 4), (-1, 2), "replicate", None),
    ((2, 5), (3, 5), "circular", None),
    ((1, 2, 3, 4), (2, 4, 1, 3), "circular", None),
    ((2, 3, 3, 4), (1, 1, 0, 2, 2, 1), "circular", None),
    ((2, 3, 4), (-1, 2), "circular", None),
]


@pytest.mark.parametrize("shape,p,mode,value", PAD, ids=[f"{m}-{s}-{p}" for s, p, m, _ in PAD])
def test_pad(shape, p, mode, value):
    kw = {} if value is None else {"value": value}
    check(lambda lib, x: F(lib).pad(x, p, mode=mode, **kw), Sample(_x(*shape)))
    check(lambda lib, x: F(lib).pad(x, p, mode=mode, **kw), Sample(NC(_x(*shape, dtype=np.float32))))


def test_constant_pad_nd_and_ints():
    check(lambda lib, x: lib.constant_pad_nd(x, (1, 2, -1, 1), 3), Sample(_x(2, 3, 4)))
    xi = rand(2, 3, 4, dtype=np.int64, low=-5, high=5)
    check(lambda lib, x: F(lib).pad(x, (1, 2, 1, 0), value=7), Sample(xi))
    check(lambda lib, x: F(lib).pad(x, (1, 2), mode="replicate"), Sample(xi))


INTERP = [
    ((2, 3, 5), dict(size=8, mode="nearest")),
    ((2, 3, 5), dict(scale_factor=2, mode="nearest")),
    ((2, 3, 7), dict(scale_factor=0.6, mode="nearest")),
    ((1, 2, 3, 5), dict(size=(5, 7), mode="nearest")),
    ((1, 2, 3, 5), dict(scale_factor=1.7, mode="nearest-exact")),
    ((1, 2, 3, 2, 4), dict(size=(4, 3, 5), mode="nearest")),
    ((2, 3, 5), dict(size=8, mode="linear")),
    ((2, 3, 5), dict(size=3, mode="linear", align_corners=True)),
    ((2, 3, 5), dict(scale_factor=2.5, mode="linear", recompute_scale_factor=True)),
    ((1, 2, 3, 5), dict(size=(5, 7), mode="bilinear")),
    ((1, 2, 4, 5), dict(scale_factor=(1.5, 0.7), mode="bilinear", align_corners=True)),
    ((1, 2, 6, 5), dict(size=(3, 4), mode="bilinear", antialias=True)),
    ((1, 2, 3, 5), dict(size=(5, 7), mode="bicubic")),
    ((1, 2, 4, 5), dict(scale_factor=1.6, mode="bicubic", align_corners=True)),
    ((1, 2, 7, 6), dict(size=(3, 4), mode="bicubic", antialias=True)),
    ((1, 2, 3, 2, 4), dict(size=(4, 3, 5), mode="trilinear")),
    ((1, 2, 3, 2, 4), dict(scale_factor=1.5, mode="trilinear", align_corners=True)),
    ((2, 3, 7), dict(size=3, mode="area")),
    ((1, 2, 5, 7), dict(scale_factor=0.5, mode="area")),
    ((1, 1, 3, 4, 5), dict(size=(2, 2, 3), mode="area")),
]


@pytest.mark.parametrize("shape,kw", INTERP, ids=[f"{k['mode']}-{s}-{i}" for i, (s, k) in enumerate(INTERP)])
def test_interpolate(shape, kw):
    check(lambda lib, x: F(lib).interpolate(x, **kw), Sample(_x(*shape)))
    # bicubic float32: torch sums the 16 taps in another order (differences of a few ulp)
    tol = dict(rtol=1e-5, atol=1e-5) if kw["mode"] == "bicubic" else {}
    check(lambda lib, x: F(lib).interpolate(x, **kw), Sample(_x(*shape, dtype=np.float32)), **tol)


def test_interpolate_sweep_float32():
    # coordinate formulas in float32: many size / scale combinations, values only
    rng = np.random.default_rng(0)
    for mode, nd in [("nearest", 2), ("nearest-exact", 1), ("linear", 1), ("bilinear", 2),
                     ("bicubic", 2)]:
        for L in (3, 5, 8):
            for kw in (dict(size=7), dict(size=2), dict(scale_factor=1.7), dict(scale_factor=0.6),
                       dict(scale_factor=3)):
                x = rng.standard_normal((1, 2) + (L,) * nd).astype(np.float32)
                for ac in ([None] if "nearest" in mode else [False, True]):
                    check(lambda lib, x: F(lib).interpolate(x, mode=mode, align_corners=ac, **kw),
                          Sample(x, grad=False), rtol=1e-5, atol=1e-5)


def test_upsample_aliases_and_uint8():
    x = _x(1, 2, 3, 4)
    check(lambda lib, x: F(lib).upsample(x, scale_factor=2, mode="bilinear"), Sample(x))
    check(lambda lib, x: F(lib).upsample_nearest(x, size=(5, 5)), Sample(x))
    check(lambda lib, x: F(lib).upsample_bilinear(x, size=(5, 5)), Sample(x))
    xu = rand(1, 2, 3, 4, dtype=np.uint8, low=0, high=255)
    check(lambda lib, x: F(lib).interpolate(x, scale_factor=2), Sample(xu))


GRID = [(nd, mode, pm, ac) for nd in (2, 3) for mode in ("bilinear", "nearest", "bicubic")
        for pm in ("zeros", "border", "reflection") for ac in (False, True)
        if not (nd == 3 and mode == "bicubic")]


@pytest.mark.parametrize("nd,mode,pm,ac", GRID, ids=[f"{a}d-{b}-{c}-{d}" for a, b, c, d in GRID])
def test_grid_sample(nd, mode, pm, ac):
    x = _x(2, 2, *(3, 4, 5)[-nd:])
    g = rand(2, *(2, 3, 2)[-nd:], nd, low=-1.4, high=1.4, seed=5)
    # nearest is piecewise constant and reflection/border clamp have kinks: no finite
    # differences; nearest gives the grid no gradient (None in ember, zeros in torch), which
    # the oracle's second-order step cannot pair, so it stops at first order there
    gg = mode != "nearest"
    check(lambda lib, x, g: F(lib).grid_sample(x, g, mode=mode, padding_mode=pm, align_corners=ac),
          Sample(x, g, fd=False), gradgrad=gg)
    check(lambda lib, x, g: F(lib).grid_sample(x, g, mode=mode, padding_mode=pm, align_corners=ac),
          Sample(x.astype(np.float32), g.astype(np.float32)), rtol=1e-5, atol=1e-5, gradgrad=gg)


def test_grid_sample_small_fd():
    x = _x(1, 1, 2, 3)
    g = rand(1, 2, 2, 2, low=-0.8, high=0.8, seed=2)
    check(lambda lib, x, g: F(lib).grid_sample(x, g, align_corners=False), Sample(x, g))


AFFINE = [((2, 3, 4, 5), False), ((2, 3, 4, 5), True), ((1, 1, 3, 1), False),
          ((2, 1, 3, 4, 2), False), ((2, 1, 3, 2, 4), True)]


@pytest.mark.parametrize("size,ac", AFFINE)
def test_affine_grid(size, ac):
    theta = _x(size[0], *((2, 3) if len(size) == 4 else (3, 4)))
    check(lambda lib, t: F(lib).affine_grid(t, size, align_corners=ac), Sample(theta))
    check(lambda lib, t: F(lib).affine_grid(t, size, align_corners=ac),
          Sample(theta.astype(np.float32)))


def test_affine_grid_then_grid_sample():
    theta = np.array([[[0.9, -0.2, 0.1], [0.3, 1.1, -0.2]]])

    def fn(lib, x, t):
        grid = F(lib).affine_grid(t, (1, 2, 3, 4), align_corners=False)
        return F(lib).grid_sample(x, grid, align_corners=False)
    check(fn, Sample(_x(1, 2, 4, 3), theta, fd=False))


SHUFFLE = [
    (lambda lib, x: F(lib).pixel_shuffle(x, 2), (2, 8, 3, 2)),
    (lambda lib, x: F(lib).pixel_shuffle(x, 3), (9, 2, 2)),
    (lambda lib, x: F(lib).pixel_shuffle(x, 2), (2, 1, 4, 2, 3)),
    (lambda lib, x: F(lib).pixel_unshuffle(x, 2), (2, 2, 4, 6)),
    (lambda lib, x: F(lib).pixel_unshuffle(x, 3), (1, 3, 6)),
    (lambda lib, x: F(lib).channel_shuffle(x, 3), (2, 6, 2, 2)),
    (lambda lib, x: F(lib).channel_shuffle(x, 2), (2, 4, 3)),
    (lambda lib, x: lib.pixel_shuffle(x, 2), (2, 8, 3, 2)),
    (lambda lib, x: lib.pixel_unshuffle(x, 2), (2, 2, 4, 6)),
    (lambda lib, x: lib.channel_shuffle(x, 2), (2, 4, 3)),
    (lambda lib, x: lib.native_channel_shuffle(x.detach(), 2), (2, 4, 3)),  # no derivative in torch
]


@pytest.mark.parametrize("k", range(len(SHUFFLE)))
def test_shuffles(k):
    fn, shape = SHUFFLE[k]
    check(fn, Sample(_x(*shape)))


ERRORS = [
    (lambda lib, x: F(lib).pad(x, (1,)), (1, 2, 3, 4), RuntimeError, "divisible by 2"),
    (lambda lib, x: F(lib).pad(x, (1, 1) * 5), (1, 2, 3, 4), RuntimeError, "two times"),
    (lambda lib, x: F(lib).pad(x, (1, 1), mode="reflect"), (1, 2, 3, 4), NotImplementedError,
     "Padding size 2 is not supported for 4D"),
    (lambda lib, x: F(lib).pad(x, (3, 3), mode="reflect"), (1, 1, 3), RuntimeError,
     "Padding size should be less than"),
    (lambda lib, x: F(lib).pad(x, (5, 1), mode="circular"), (1, 2, 3), RuntimeError, "wrapping"),
    (lambda lib, x: F(lib).pad(x, (1, 2), mode="foo"), (1, 2, 3), NotImplementedError, "foo"),
    (lambda lib, x: F(lib).pad(x, (1, 2), mode="reflect", value=1.0), (1, 2, 3), RuntimeError,
     "doesn't take in value"),
    (lambda lib, x: F(lib).pad(x, (1, 1, 1, 1), mode="replicate"), (1, 1, 0, 4), RuntimeError,
     "non-zero dimensions"),
    (lambda lib, x: F(lib).pad(x, (-3, 0)), (1, 2), RuntimeError, "negative output size"),
    (lambda lib, x: F(lib).interpolate(x, size=3, scale_factor=2), (1, 2, 3, 4), ValueError,
     "only one of size"),
    (lambda lib, x: F(lib).interpolate(x), (1, 2, 3, 4), ValueError, "either size"),
    (lambda lib, x: F(lib).interpolate(x, size=(3, 3, 3)), (1, 2, 3, 4), ValueError,
     "same number of spatial dimensions"),
    (lambda lib, x: F(lib).interpolate(x, size=3, align_corners=True), (1, 2, 3, 4), ValueError,
     "align_corners option"),
    (lambda lib, x: F(lib).interpolate(x, size=3, mode="linear"), (1, 2, 3, 4), NotImplementedError,
     "linear mode needs 3D"),
    (lambda lib, x: F(lib).interpolate(x, size=3, mode="foo"), (1, 2, 3, 4), NotImplementedError,
     "got foo"),
    (lambda lib, x: F(lib).interpolate(x, size=3, recompute_scale_factor=True), (1, 2, 3, 4),
     ValueError, "not meaningful"),
    (lambda lib, x: F(lib).interpolate(x, size=3, antialias=True), (1, 2, 3, 4), ValueError,
     "Anti-alias"),
    (lambda lib, x: F(lib).interpolate(x, size=0), (1, 2, 3, 4), RuntimeError, "greater than 0"),
    (lambda lib, x: F(lib).interpolate(x.long(), size=5, mode="bilinear"), (1, 2, 3, 4),
     NotImplementedError, "Long"),
    (lambda lib, x: F(lib).pixel_shuffle(x, 2), (3, 4), RuntimeError, "at least 3 dimensions"),
    (lambda lib, x: F(lib).pixel_shuffle(x, 2), (1, 2, 3, 4), RuntimeError, "divisible by 4"),
    (lambda lib, x: F(lib).pixel_shuffle(x, 0), (1, 2, 3, 4), RuntimeError, "positive upscale"),
    (lambda lib, x: F(lib).pixel_unshuffle(x, 2), (1, 2, 3, 4), RuntimeError, "height"),
    (lambda lib, x: F(lib).channel_shuffle(x, 3), (1, 2, 3, 4), RuntimeError, "divisible by groups"),
    (lambda lib, x: F(lib).channel_shuffle(x, 0), (1, 2, 3, 4), RuntimeError, "must be positive"),
    (lambda lib, x: F(lib).grid_sample(x, lib.zeros(1, 2, 2, 1, dtype=x.dtype)), (1, 2, 3, 4),
     RuntimeError, "size 2 in last dimension"),
    (lambda lib, x: F(lib).grid_sample(x, lib.zeros(2, 2, 2, 2, dtype=x.dtype)), (1, 2, 3, 4),
     RuntimeError, "same batch size"),
    (lambda lib, x: F(lib).grid_sample(x, lib.zeros(1, 2, 2, 2, dtype=x.dtype), mode="foo"),
     (1, 2, 3, 4), ValueError, "expected mode"),
    (lambda lib, x: F(lib).grid_sample(x, lib.zeros(1, 2, 2, 2, 3, dtype=x.dtype), mode="bicubic"),
     (1, 2, 3, 4, 5), RuntimeError, "bicubic interpolation only supports 4D"),
    (lambda lib, x: F(lib).affine_grid(x, (1, 1, 2, 2, 2)), (1, 2, 3), ValueError, "Nx3x4"),
    (lambda lib, x: F(lib).affine_grid(x.long(), (1, 1, 2, 2)), (1, 2, 3), ValueError,
     "floating point"),
    (lambda lib, x: F(lib).affine_grid(x, (1, 1, 0, 2)), (1, 2, 3), ValueError, "positive output"),
    (lambda lib, x: F(lib).affine_grid(x, (1, 1, 2)), (1, 2, 3), NotImplementedError, "4D and 5D"),
]


@pytest.mark.parametrize("k", range(len(ERRORS)))
def test_errors(k):
    fn, shape, exc, msg = ERRORS[k]
    check_error(fn, [_x(*shape)], exc, msg)


def test_interpolate_grad_accumulates_on_repeated_sources():
    # nearest upsampling sends every output's gradient to its source (index_add)
    x = ember.tensor(_x(1, 1, 2, 2), requires_grad=True)
    F(ember).interpolate(x, scale_factor=3).sum().backward()
    assert np.all(x.grad.numpy() == 9.0)


# ------------------------------------------------------------------ modules
VMODULES = [
    ("ZeroPad1d", (2,), (2, 3, 4)), ("ZeroPad1d", ((1, 2),), (3, 4)),
    ("ZeroPad2d", ((1, 2, 3, 0),), (1, 2, 3, 4)), ("ZeroPad3d", (1,), (1, 1, 2, 2, 2)),
    ("ConstantPad1d", (2, 3.5), (2, 3, 4)), ("ConstantPad2d", ((1, 2, 3, 4), 1), (2, 3, 4)),
    ("ConstantPad3d", (1, 0.0), (1, 2, 2, 2)),
    ("ReflectionPad1d", (2,), (2, 3, 4)), ("ReflectionPad2d", ((1, 2, 3, 0),), (1, 2, 4, 4)),
    ("ReflectionPad3d", (1,), (1, 1, 2, 3, 3)),
    ("ReplicationPad1d", (2,), (3, 4)), ("ReplicationPad2d", (1,), (1, 2, 3, 4)),
    ("ReplicationPad3d", ((1, 2, 0, 1, 2, 1),), (1, 1, 2, 3, 3)),
    ("CircularPad1d", (2,), (2, 3, 4)), ("CircularPad2d", (1,), (1, 2, 3, 4)),
    ("CircularPad3d", (1,), (1, 1, 2, 3, 3)),
    ("PixelShuffle", (2,), (2, 8, 3, 2)), ("PixelUnshuffle", (2,), (2, 2, 4, 6)),
    ("Upsample", (None, 2), (1, 2, 3, 4)),
    ("Upsample", ((3, 5), None, "bilinear", True), (1, 2, 3, 4)),
    ("Upsample", (None, 1.5, "bicubic", False, True), (1, 2, 3, 4)),
    ("Upsample", (None, (2, 1.5), "nearest-exact"), (1, 2, 3, 4)),
    ("Upsample", (None, 2, "trilinear"), (1, 1, 2, 3, 2)),
    ("UpsamplingNearest2d", (None, 2), (1, 2, 3, 4)),
    ("UpsamplingBilinear2d", (5,), (1, 2, 3, 4)),
    ("Flatten", (), (2, 3, 4)), ("Flatten", (0, 1), (2, 3, 4)),
    ("Unflatten", (1, (2, 3)), (2, 6, 4)), ("Unflatten", (-1, [2, 2]), (2, 6, 4)),
    ("ChannelShuffle", (3,), (2, 6, 2, 2)),
]


@pytest.mark.parametrize("name,args,shape", VMODULES, ids=[f"{m[0]}-{i}" for i, m in enumerate(VMODULES)])
def test_module(name, args, shape):
    import torch
    tm = getattr(torch.nn, name)(*args)
    em = getattr(ember.nn, name)(*args)
    assert repr(em) == repr(tm)
    assert list(em.state_dict().keys()) == list(tm.state_dict().keys()) == []
    for attr in ("padding", "value", "upscale_factor", "downscale_factor", "size", "scale_factor",
                 "mode", "align_corners", "start_dim", "end_dim", "dim", "unflattened_size",
                 "groups"):
        if hasattr(tm, attr):
            assert getattr(em, attr) == getattr(tm, attr), attr
    check(lambda lib, x: (em if lib is ember else tm)(x), Sample(_x(*shape, seed=4)))


def test_padding_module_wrong_rank_names_module():
    import torch
    for shape, exc in [((2,), RuntimeError), ((2, 3, 4, 5, 6), NotImplementedError)]:
        with pytest.raises(exc) as info:
            ember.nn.ReflectionPad2d(1)(ember.zeros(*shape))
        assert f"ReflectionPad2d((1, 1, 1, 1)) got input of shape {shape}" in str(info.value)
        with pytest.raises(exc):
            torch.nn.ReflectionPad2d(1)(torch.zeros(*shape))
