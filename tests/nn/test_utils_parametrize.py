"""ember.nn.utils.parametrize / parametrizations / weight_norm / spectral_norm / fusion
against torch: the same module classes are defined over each library, torch's
state is copied into ember, and values, gradients, state_dict keys and reprs are
compared."""
from __future__ import annotations

import copy
import importlib
import pickle
import warnings

import numpy as np
import pytest
import torch

import ember
from ember.nn.utils import fusion, parametrizations as PZ, parametrize as P

# ember.nn.utils.spectral_norm / weight_norm name the functions (as in torch); the modules:
old_sn = importlib.import_module("ember.nn.utils.spectral_norm")
old_wn = importlib.import_module("ember.nn.utils.weight_norm")


def _np(t):
    return np.array(t.detach().numpy(), dtype=np.float64)


def _classes(lib):
    """Identical small modules over lib (so that reprs and type names agree)."""
    nn = lib.nn

    class Lin(nn.Module):
        def __init__(self, i=4, o=3, shape=None):
            super().__init__()
            self.weight = nn.Parameter(lib.randn(*(shape or (o, i)), dtype=lib.float64))
            self.bias = nn.Parameter(lib.randn(o, dtype=lib.float64))
            self.register_buffer("scale", lib.ones(o, o, dtype=lib.float64))

        def forward(self, x):
            return x @ self.weight.T + self.bias

    class Symmetric(nn.Module):
        def forward(self, x):
            return x.triu() + x.triu(1).mT

        def right_inverse(self, a):
            return a.triu()

    class Scale(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.c = c

        def forward(self, x):
            return x * self.c

        def right_inverse(self, x):
            return x / self.c

    class NoInverse(nn.Module):
        def forward(self, x):
            return x.exp()

    class Split(nn.Module):
        def forward(self, a, b):
            return a + 2 * b

        def right_inverse(self, w):
            return w * 0.5, w * 0.25

    class Grow(nn.Module):
        def forward(self, x):
            return lib.cat([x, x])

    class ToFloat(nn.Module):
        def forward(self, x):
            return x.float()

    return dict(Lin=Lin, Symmetric=Symmetric, Scale=Scale, NoInverse=NoInverse, Split=Split,
                Grow=Grow, ToFloat=ToFloat)


E, T = _classes(ember), _classes(torch)


def _copy_state(em, tm):
    em.load_state_dict({k: ember.tensor(v.detach().numpy().copy()) for k, v in tm.state_dict().items()})


def _same_keys(em, tm):
    assert list(em.state_dict().keys()) == list(tm.state_dict().keys())
    for (k, a), (_, b) in zip(em.state_dict().items(), tm.state_dict().items()):
        assert tuple(a.shape) == tuple(b.shape), k


def _check_forward_backward(em, tm, in_features=4, seed=0):
    x = np.random.default_rng(seed).standard_normal((5, in_features))
    ey = em(ember.tensor(x))
    ty = tm(torch.tensor(x))
    np.testing.assert_allclose(_np(ey), ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    r = np.random.default_rng(seed + 1).standard_normal(tuple(ty.shape))
    (ey * ember.tensor(r)).sum().backward()
    (ty * torch.tensor(r)).sum().backward()
    e_params = dict(em.named_parameters())
    for name, p in tm.named_parameters():
        np.testing.assert_allclose(_np(e_params[name].grad), p.grad.numpy(), rtol=1e-11, atol=1e-12,
                                   err_msg=name)


def _pair(register, *args, **kwargs):
    """register(lib_classes, module) applied to the same module in both libraries."""
    tm = T["Lin"](*args, **kwargs)
    em = E["Lin"](*args, **kwargs)
    register(T, tm, torch)
    register(E, em, ember)
    _copy_state(em, tm)
    return em, tm


# ----------------------------------------------------------------- parametrize
REGISTRATIONS = {
    "symmetric": lambda C, m, lib: lib.nn.utils.parametrize.register_parametrization(
        m, "weight", C["Symmetric"]()),
    "chained": lambda C, m, lib: (
        lib.nn.utils.parametrize.register_parametrization(m, "weight", C["Symmetric"]()),
        lib.nn.utils.parametrize.register_parametrization(m, "weight", C["Scale"](3.0))),
    "no_inverse": lambda C, m, lib: lib.nn.utils.parametrize.register_parametrization(
        m, "weight", C["NoInverse"]()),
    "split": lambda C, m, lib: lib.nn.utils.parametrize.register_parametrization(
        m, "weight", C["Split"]()),
    "two_tensors": lambda C, m, lib: (
        lib.nn.utils.parametrize.register_parametrization(m, "weight", C["Scale"](2.0)),
        lib.nn.utils.parametrize.register_parametrization(m, "bias", C["Scale"](-1.5))),
    "buffer": lambda C, m, lib: lib.nn.utils.parametrize.register_parametrization(
        m, "scale", C["Symmetric"]()),
}


@pytest.mark.parametrize("kind", list(REGISTRATIONS))
def test_registration_matches_torch(kind):
    square = kind in ("symmetric", "chained", "buffer")
    em, tm = _pair(REGISTRATIONS[kind], 3 if square else 4, 3)
    _same_keys(em, tm)
    assert repr(em) == repr(tm)
    assert type(em).__name__ == type(tm).__name__
    assert isinstance(em, E["Lin"]) and type(em) is not E["Lin"]
    assert type(E["Lin"]()) is E["Lin"]  # other instances keep their class
    for name in ("weight", "bias", "scale"):
        np.testing.assert_allclose(_np(getattr(em, name)), getattr(tm, name).detach().numpy(), rtol=1e-14)
        assert P.is_parametrized(em, name) == torch.nn.utils.parametrize.is_parametrized(tm, name)
    assert P.is_parametrized(em) and P.type_before_parametrizations(em) is E["Lin"]
    names_e = [n for n, _ in em.named_parameters()]
    assert names_e == [n for n, _ in tm.named_parameters()]
    _check_forward_backward(em, tm, 3 if square else 4)


def test_original_is_the_same_parameter_object():
    m = E["Lin"](3, 3)
    w = m.weight
    P.register_parametrization(m, "weight", E["Symmetric"]())
    assert m.parametrizations.weight.original is w
    assert isinstance(w, ember.nn.Parameter)
    np.testing.assert_array_equal(_np(w), np.triu(_np(w)))  # right_inverse applied in place


@pytest.mark.parametrize("kind", ["symmetric", "chained", "split"])
def test_assignment_calls_right_inverse(kind):
    em, tm = _pair(REGISTRATIONS[kind], 3, 3)
    value = np.random.default_rng(5).standard_normal((3, 3))
    value = value + value.T
    em.weight = ember.tensor(value)
    tm.weight = torch.tensor(value)
    np.testing.assert_allclose(_np(em.weight), tm.weight.detach().numpy(), rtol=1e-14)
    for (k, a), (_, b) in zip(em.state_dict().items(), tm.state_dict().items()):
        np.testing.assert_allclose(_np(a), b.numpy(), rtol=1e-14, err_msg=k)


def test_assignment_without_right_inverse_raises():
    m = E["Lin"]()
    P.register_parametrization(m, "weight", E["NoInverse"]())
    with pytest.raises(RuntimeError, match="parametrization NoInverse does not implement right_inverse"):
        m.weight = ember.zeros(3, 4, dtype=ember.float64)


@pytest.mark.parametrize("leave", [True, False])
@pytest.mark.parametrize("kind", ["symmetric", "chained", "two_tensors", "buffer"])
def test_remove_parametrizations(kind, leave):
    square = kind != "two_tensors"
    em, tm = _pair(REGISTRATIONS[kind], 3 if square else 4, 3)
    name = "scale" if kind == "buffer" else "weight"
    torch.nn.utils.parametrize.remove_parametrizations(tm, name, leave_parametrized=leave)
    P.remove_parametrizations(em, name, leave_parametrized=leave)
    _same_keys(em, tm)
    assert repr(em) == repr(tm)
    assert type(em).__name__ == type(tm).__name__
    for k, v in tm.state_dict().items():
        np.testing.assert_allclose(_np(em.state_dict()[k]), v.numpy(), rtol=1e-14, err_msg=k)
    if kind == "two_tensors":
        P.remove_parametrizations(em, "bias")
        assert type(em) is E["Lin"] and not hasattr(em, "parametrizations")
    else:
        assert type(em) is E["Lin"]
    assert isinstance(getattr(em, name), ember.nn.Parameter) == (name == "weight")


def test_remove_sequence_parametrization():
    em, tm = _pair(REGISTRATIONS["split"])
    with pytest.raises(ValueError, match="Cannot leave unparametrized"):
        P.remove_parametrizations(em, "weight", leave_parametrized=False)
    P.remove_parametrizations(em, "weight")
    torch.nn.utils.parametrize.remove_parametrizations(tm, "weight")
    _same_keys(em, tm)
    np.testing.assert_allclose(_np(em.weight), tm.weight.detach().numpy(), rtol=1e-14)
    assert isinstance(em.weight, ember.nn.Parameter) and em.weight.requires_grad


def test_cached_computes_once():
    calls = []

    class Counting(ember.nn.Module):
        def forward(self, x):
            calls.append(1)
            return x * 2

    m = E["Lin"]()
    P.register_parametrization(m, "weight", Counting())
    calls.clear()
    with P.cached():
        a = m.weight
        b = m.weight
        with P.cached():
            c = m.weight
        d = m.weight
    assert a is b is c is d and len(calls) == 1
    assert m.weight is not a and len(calls) == 2


def test_deepcopy_and_pickle():
    em, _ = _pair(REGISTRATIONS["symmetric"], 3, 3)
    dup = copy.deepcopy(em)
    assert type(dup) is type(em)
    np.testing.assert_array_equal(_np(dup.weight), _np(em.weight))
    assert dup.parametrizations.weight.original is not em.parametrizations.weight.original
    with pytest.raises(RuntimeError, match="Serialization of parametrized modules is only supported"):
        pickle.dumps(em)


def test_transfer_parametrizations_and_params():
    src = E["Lin"](3, 3)
    P.register_parametrization(src, "weight", E["Symmetric"]())
    dst = E["Lin"](3, 3)
    P.transfer_parametrizations_and_params(src, dst)
    assert dst.parametrizations.weight.original is src.parametrizations.weight.original
    np.testing.assert_array_equal(_np(dst.weight), _np(src.weight))


def _torch_and_ember_error(fn_t, fn_e, exc=ValueError):
    with pytest.raises(exc) as t_err:
        fn_t()
    with pytest.raises(exc) as e_err:
        fn_e()
    return str(e_err.value), str(t_err.value)


ERRORS = [
    ("Grow", "weight", {}), ("ToFloat", "weight", {}), ("Symmetric", "nope", {}),
]


@pytest.mark.parametrize("cls,name,kw", ERRORS)
def test_register_errors_match_torch(cls, name, kw):
    e, t = _torch_and_ember_error(
        lambda: torch.nn.utils.parametrize.register_parametrization(T["Lin"](3, 3), name, T[cls](), **kw),
        lambda: P.register_parametrization(E["Lin"](3, 3), name, E[cls](), **kw))
    e, t = e.replace("ember.", "torch.").replace("ember.Size", "torch.Size"), t
    if name == "nope":
        assert "does not have a parameter, a buffer, or a parametrized element with name 'nope'" in e
    else:
        assert e == t


def test_chained_shape_change_error_and_unsafe():
    tm, em = T["Lin"](3, 3), E["Lin"](3, 3)
    torch.nn.utils.parametrize.register_parametrization(tm, "weight", T["Symmetric"]())
    P.register_parametrization(em, "weight", E["Symmetric"]())
    e, t = _torch_and_ember_error(
        lambda: torch.nn.utils.parametrize.register_parametrization(tm, "weight", T["Grow"]()),
        lambda: P.register_parametrization(em, "weight", E["Grow"]()))
    assert e.replace("ember", "torch") == t
    P.register_parametrization(em, "weight", E["Grow"](), unsafe=True)
    assert em.weight.shape == (6, 3)


def test_remove_unparametrized_raises():
    with pytest.raises(ValueError, match="does not have a parametrization on weight"):
        P.remove_parametrizations(E["Lin"](), "weight")


def test_parametrization_follows_training_mode():
    m = E["Lin"](3, 3).eval()
    p = E["Symmetric"]()
    P.register_parametrization(m, "weight", p)
    assert not p.training
    m.train()
    assert p.training and m.parametrizations.weight.training


# ------------------------------------------------------------------- weight_norm
@pytest.mark.parametrize("dim", [0, 1, None, -1, -2])
@pytest.mark.parametrize("shape", [None, (3, 2, 2)])
def test_weight_norm_parametrization(dim, shape):
    if shape is not None and dim == -2:
        dim = 2
    tm, em = T["Lin"](shape=shape), E["Lin"](shape=shape)
    em.load_state_dict({k: ember.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    torch.nn.utils.parametrizations.weight_norm(tm, dim=dim)
    PZ.weight_norm(em, dim=dim)
    _same_keys(em, tm)
    assert repr(em).replace("ember", "torch") == repr(tm)
    for k, v in tm.state_dict().items():
        np.testing.assert_allclose(_np(em.state_dict()[k]), v.numpy(), rtol=1e-14, err_msg=k)
    np.testing.assert_allclose(_np(em.weight), tm.weight.detach().numpy(), rtol=1e-14)
    r = np.random.default_rng(3).standard_normal(tuple(tm.parametrizations.weight.original1.shape))
    ((em.weight * ember.tensor(r)) ** 2).sum().backward()
    ((tm.weight * torch.tensor(r)) ** 2).sum().backward()
    e_params = dict(em.named_parameters())
    for name, p in tm.named_parameters():
        if p.grad is not None:
            np.testing.assert_allclose(_np(e_params[name].grad), p.grad.numpy(), rtol=1e-11, err_msg=name)


def test_weight_norm_loads_old_style_state_dict():
    tm = T["Lin"]()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.nn.utils.weight_norm(tm)
    old = {k: ember.tensor(v.numpy()) for k, v in tm.state_dict().items()}
    assert {"weight_g", "weight_v"} <= set(old)
    em = PZ.weight_norm(E["Lin"]())
    em.load_state_dict(old)
    np.testing.assert_allclose(_np(em.weight), tm.weight.detach().numpy(), rtol=1e-14)


@pytest.mark.parametrize("dim", [0, 1, None])
def test_old_weight_norm(dim):
    tm, em = T["Lin"](), E["Lin"]()
    em.load_state_dict({k: ember.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    with pytest.warns(FutureWarning, match="`torch.nn.utils.weight_norm` is deprecated"):
        old_wn.weight_norm(em, dim=dim)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.nn.utils.weight_norm(tm, dim=dim)
    _same_keys(em, tm)
    for k, v in tm.state_dict().items():
        np.testing.assert_allclose(_np(em.state_dict()[k]), v.numpy(), rtol=1e-14, err_msg=k)
    with ember.no_grad():
        em.weight_g.mul_(2.0)
    with torch.no_grad():
        tm.weight_g.mul_(2.0)
    _check_forward_backward(em, tm)  # the pre-hook recomputes weight from g and v
    with pytest.raises(RuntimeError, match="Cannot register two weight_norm hooks on the same parameter weight"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            old_wn.weight_norm(em, dim=dim)
    old_wn.remove_weight_norm(em)
    torch.nn.utils.remove_weight_norm(tm)
    _same_keys(em, tm)
    np.testing.assert_allclose(_np(em.weight), tm.weight.detach().numpy(), rtol=1e-14)
    assert isinstance(em.weight, ember.nn.Parameter)
    with pytest.raises(ValueError, match="weight_norm of 'weight' not found in"):
        old_wn.remove_weight_norm(em)


# ----------------------------------------------------------------- spectral_norm
@pytest.mark.parametrize("n_iter,dim,shape", [(1, None, None), (3, None, None), (1, 1, None),
                                              (2, 0, (3, 2, 5)), (1, 2, (3, 2, 5)), (1, -1, None)])
def test_spectral_norm_parametrization(n_iter, dim, shape):
    tm, em = T["Lin"](shape=shape), E["Lin"](shape=shape)
    torch.nn.utils.parametrizations.spectral_norm(tm, n_power_iterations=n_iter, dim=dim)
    PZ.spectral_norm(em, n_power_iterations=n_iter, dim=dim)
    _same_keys(em, tm)
    _copy_state(em, tm)   # same weight and same u, v
    for step in range(3):  # training mode: every access refines u and v in place
        np.testing.assert_allclose(_np(em.weight), tm.weight.detach().numpy(), rtol=1e-12)
        for b in ("_u", "_v"):
            np.testing.assert_allclose(_np(getattr(em.parametrizations.weight[0], b)),
                                       getattr(tm.parametrizations.weight[0], b).numpy(), rtol=1e-12)
    r = np.random.default_rng(3).standard_normal(tuple(tm.parametrizations.weight.original.shape))
    (em.weight * ember.tensor(r)).sum().backward()
    (tm.weight * torch.tensor(r)).sum().backward()
    np.testing.assert_allclose(_np(em.parametrizations.weight.original.grad),
                               tm.parametrizations.weight.original.grad.numpy(), rtol=1e-10)
    em.eval()
    tm.eval()
    u = _np(em.parametrizations.weight[0]._u)
    np.testing.assert_allclose(_np(em.weight), tm.weight.detach().numpy(), rtol=1e-12)
    np.testing.assert_array_equal(_np(em.parametrizations.weight[0]._u), u)  # no update in eval


def test_spectral_norm_sigma_converges_to_largest_singular_value():
    m = PZ.spectral_norm(E["Lin"](6, 5), n_power_iterations=5)
    for _ in range(20):
        w = m.weight
    assert np.linalg.norm(_np(w), 2) == pytest.approx(1.0, rel=1e-8)


def test_spectral_norm_errors():
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-2, 1\] but got 2\)"):
        PZ.spectral_norm(E["Lin"](), dim=2)
    with pytest.raises(ValueError, match="Expected n_power_iterations to be positive, but got n_power_iterations=0"):
        PZ.spectral_norm(E["Lin"](), n_power_iterations=0)
    with pytest.raises(ValueError, match="has no parameter or buffer with name 'nope'"):
        PZ.spectral_norm(E["Lin"](), name="nope")


def test_spectral_norm_of_vector():
    tm, em = T["Lin"](), E["Lin"]()
    _copy_state(em, tm)
    torch.nn.utils.parametrizations.spectral_norm(tm, name="bias")
    PZ.spectral_norm(em, name="bias")
    _same_keys(em, tm)
    np.testing.assert_allclose(_np(em.bias), tm.bias.detach().numpy(), rtol=1e-14)


@pytest.mark.parametrize("n_iter,dim", [(1, 0), (2, 1)])
def test_old_spectral_norm(n_iter, dim):
    tm, em = T["Lin"](), E["Lin"]()
    torch.nn.utils.spectral_norm(tm, n_power_iterations=n_iter, dim=dim)
    old_sn.spectral_norm(em, n_power_iterations=n_iter, dim=dim)
    _same_keys(em, tm)
    assert em.state_dict()._metadata[""]["spectral_norm"] == {"weight.version": 1}
    _copy_state(em, tm)
    for _ in range(2):
        _check_forward_backward(em, tm)
        np.testing.assert_allclose(_np(em.weight_u), tm.weight_u.numpy(), rtol=1e-12)
        np.testing.assert_allclose(_np(em.weight_v), tm.weight_v.numpy(), rtol=1e-12)
        em.zero_grad()
        tm.zero_grad()
    with pytest.raises(RuntimeError, match="Cannot register two spectral_norm hooks"):
        old_sn.spectral_norm(em)
    old_sn.remove_spectral_norm(em)
    torch.nn.utils.remove_spectral_norm(tm)
    _same_keys(em, tm)
    np.testing.assert_allclose(_np(em.weight), tm.weight.detach().numpy(), rtol=1e-12)
    assert not em._forward_pre_hooks and not em._state_dict_hooks and not em._load_state_dict_pre_hooks
    with pytest.raises(ValueError, match="spectral_norm of 'weight' not found in"):
        old_sn.remove_spectral_norm(em)


def test_old_spectral_norm_loads_version0_state_dict():
    # A version-0 checkpoint holds weight (= orig / sigma) and no weight_v.
    tm = T["Lin"]()
    torch.nn.utils.spectral_norm(tm)
    tm(torch.zeros(1, 4, dtype=torch.float64))
    sd = {k: ember.tensor(v.numpy()) for k, v in tm.state_dict().items() if k != "weight_v"}
    sd["weight"] = ember.tensor(tm.weight.detach().numpy())
    em = old_sn.spectral_norm(E["Lin"]())
    em.load_state_dict(sd)
    em.eval()
    em(ember.zeros(1, 4, dtype=ember.float64))
    np.testing.assert_allclose(_np(em.weight), tm.weight.detach().numpy(), rtol=1e-8)


# -------------------------------------------------------------------- orthogonal
@pytest.mark.parametrize("o,i,omap,triv", [
    (4, 4, None, True), (3, 5, None, True), (5, 3, None, True), (4, 4, "cayley", True),
    (5, 3, "cayley", True), (5, 3, "matrix_exp", True), (4, 4, "householder", True),
    (5, 3, "householder", False), (3, 5, "householder", False), (4, 4, "matrix_exp", False),
    (4, 4, "cayley", False),
])
def test_orthogonal_matches_torch(o, i, omap, triv):
    tm, em = T["Lin"](i, o), E["Lin"](i, o)
    torch.nn.utils.parametrizations.orthogonal(tm, orthogonal_map=omap, use_trivialization=triv)
    PZ.orthogonal(em, orthogonal_map=omap, use_trivialization=triv)
    _same_keys(em, tm)
    _copy_state(em, tm)
    w = _np(em.weight)
    np.testing.assert_allclose(w, tm.weight.detach().numpy(), rtol=1e-10, atol=1e-12)
    gram = w @ w.T if o <= i else w.T @ w
    np.testing.assert_allclose(gram, np.eye(min(o, i)), atol=1e-10)
    _check_forward_backward(em, tm, i)


@pytest.mark.parametrize("o,i,omap", [(4, 4, None), (5, 3, None), (3, 5, "householder")])
def test_orthogonal_assignment(o, i, omap):
    em = PZ.orthogonal(E["Lin"](i, o), orthogonal_map=omap)
    q = np.linalg.qr(np.random.default_rng(0).standard_normal((max(o, i), min(o, i))))[0]
    q = q if o >= i else q.T
    em.weight = ember.tensor(q)
    np.testing.assert_allclose(_np(em.weight), q, atol=1e-12)


def test_orthogonal_householder_without_trivialization_assignment():
    em = PZ.orthogonal(E["Lin"](3, 5), orthogonal_map="householder", use_trivialization=False)
    tm = torch.nn.utils.parametrizations.orthogonal(T["Lin"](3, 5), orthogonal_map="householder",
                                                    use_trivialization=False)
    q = np.linalg.qr(np.random.default_rng(1).standard_normal((5, 3)))[0]
    em.weight = ember.tensor(q)
    tm.weight = torch.tensor(q)
    np.testing.assert_allclose(_np(em.parametrizations.weight.original),
                               tm.parametrizations.weight.original.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(_np(em.weight), tm.weight.detach().numpy(), atol=1e-12)


def test_orthogonal_errors():
    e, t = _torch_and_ember_error(
        lambda: torch.nn.utils.parametrizations.orthogonal(T["Lin"](), orthogonal_map="qr"),
        lambda: PZ.orthogonal(E["Lin"](), orthogonal_map="qr"))
    assert e == t
    e, t = _torch_and_ember_error(
        lambda: torch.nn.utils.parametrizations.orthogonal(T["Lin"](), name="bias"),
        lambda: PZ.orthogonal(E["Lin"](), name="bias"))
    assert e == t
    em = PZ.orthogonal(E["Lin"](4, 4), use_trivialization=False)
    with pytest.raises(NotImplementedError, match="not possible to assign to the matrix exponential"):
        em.weight = ember.eye(4, dtype=ember.float64)


# ------------------------------------------------------------------------ fusion
def _bn_stats(n, seed):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(n), rng.uniform(0.5, 2.0, n), rng.standard_normal(n),
            rng.standard_normal(n))


@pytest.mark.parametrize("shape,transpose", [((6, 3, 3, 3), False), ((3, 6, 3, 3), True),
                                             ((6, 3, 5), False), ((6, 2, 3, 3, 3), False)])
@pytest.mark.parametrize("bias,affine", [(True, True), (False, True), (True, False)])
def test_fuse_conv_bn_weights(shape, transpose, bias, affine):
    rng = np.random.default_rng(0)
    w = rng.standard_normal(shape).astype(np.float32)
    n = shape[1] if transpose else shape[0]
    b = rng.standard_normal(n).astype(np.float32) if bias else None
    rm, rv, bw, bb = (a.astype(np.float32) for a in _bn_stats(n, 1))
    if not affine:
        bw = bb = None

    def run(lib):
        t = (lambda a: None if a is None else lib.tensor(a))
        return lib.nn.utils.fuse_conv_bn_weights(t(w), t(b), t(rm), t(rv), 1e-5, t(bw), t(bb), transpose) \
            if lib is torch else fusion.fuse_conv_bn_weights(t(w), t(b), t(rm), t(rv), 1e-5, t(bw), t(bb),
                                                             transpose)

    ew, eb = run(ember)
    tw, tb = run(torch)
    assert isinstance(ew, ember.nn.Parameter) and isinstance(eb, ember.nn.Parameter)
    assert ew.dtype == ember.float32 and eb.dtype == ember.float32
    np.testing.assert_allclose(_np(ew), tw.detach().numpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(_np(eb), tb.detach().numpy(), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("bias", [True, False])
def test_fuse_linear_bn_weights(bias):
    rng = np.random.default_rng(0)
    w = rng.standard_normal((5, 4))
    b = rng.standard_normal(5) if bias else None
    rm, rv, bw, bb = _bn_stats(5, 2)
    t = (lambda lib, a: None if a is None else lib.tensor(a))
    ew, eb = fusion.fuse_linear_bn_weights(*(t(ember, a) for a in (w, b, rm, rv)), 1e-3,
                                           t(ember, bw), t(ember, bb))
    tw, tb = torch.nn.utils.fuse_linear_bn_weights(*(t(torch, a) for a in (w, b, rm, rv)), 1e-3,
                                                   t(torch, bw), t(torch, bb))
    np.testing.assert_allclose(_np(ew), tw.detach().numpy(), rtol=1e-14)
    np.testing.assert_allclose(_np(eb), tb.detach().numpy(), rtol=1e-14)


def _layers():
    nn = ember.nn
    names = ("Conv1d", "Conv2d", "Conv3d", "ConvTranspose2d", "BatchNorm1d", "BatchNorm2d",
             "BatchNorm3d", "Linear")
    missing = [n for n in names if not hasattr(nn, n)]
    if missing:
        pytest.skip(f"layers not available yet: {missing}")


FUSE_CASES = [("Conv2d", "BatchNorm2d", (2, 3, 6, 6), dict(in_channels=3, out_channels=4, kernel_size=3)),
              ("Conv1d", "BatchNorm1d", (2, 3, 7), dict(in_channels=3, out_channels=4, kernel_size=2,
                                                           bias=False)),
              ("Conv3d", "BatchNorm3d", (1, 2, 4, 4, 4), dict(in_channels=2, out_channels=3, kernel_size=2)),
              ("ConvTranspose2d", "BatchNorm2d", (2, 3, 4, 4), dict(in_channels=3, out_channels=4,
                                                                    kernel_size=3))]


@pytest.mark.parametrize("conv,bn,xshape,kw", FUSE_CASES)
def test_fuse_conv_bn_eval_modules(conv, bn, xshape, kw):
    _layers()
    tc, tb = getattr(torch.nn, conv)(**kw), getattr(torch.nn, bn)(kw["out_channels"])
    with torch.no_grad():
        tb.running_mean.uniform_(-1, 1)
        tb.running_var.uniform_(0.5, 2)
        tb.weight.uniform_(-1, 1)
        tb.bias.uniform_(-1, 1)
    ec, eb = getattr(ember.nn, conv)(**kw), getattr(ember.nn, bn)(kw["out_channels"])
    _copy_state(ec, tc)
    _copy_state(eb, tb)
    for m in (tc, tb, ec, eb):
        m.eval()
    transpose = conv.startswith("ConvTranspose")
    ef = fusion.fuse_conv_bn_eval(ec, eb, transpose=transpose)
    tf = torch.nn.utils.fuse_conv_bn_eval(tc, tb, transpose=transpose)
    assert ef is not ec and type(ef) is type(ec)
    x = np.random.default_rng(0).standard_normal(xshape).astype(np.float32)
    np.testing.assert_allclose(_np(ef(ember.tensor(x))), tf(torch.tensor(x)).detach().numpy(),
                               rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(_np(ef(ember.tensor(x))), _np(eb(ec(ember.tensor(x)))), rtol=1e-4, atol=1e-5)
    _same_keys(ef, tf)


def test_fuse_linear_bn_eval_modules():
    _layers()
    tl, tb = torch.nn.Linear(4, 5), torch.nn.BatchNorm1d(5)
    with torch.no_grad():
        tb.running_mean.uniform_(-1, 1)
        tb.running_var.uniform_(0.5, 2)
    el, eb = ember.nn.Linear(4, 5), ember.nn.BatchNorm1d(5)
    _copy_state(el, tl)
    _copy_state(eb, tb)
    with pytest.raises(AssertionError, match="Fusion only for eval!"):
        fusion.fuse_linear_bn_eval(el, eb)
    for m in (tl, tb, el, eb):
        m.eval()
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    ef = fusion.fuse_linear_bn_eval(el, eb)
    tf = torch.nn.utils.fuse_linear_bn_eval(tl, tb)
    np.testing.assert_allclose(_np(ef(ember.tensor(x))), tf(torch.tensor(x)).detach().numpy(), rtol=1e-5,
                               atol=1e-6)
    with pytest.raises(AssertionError, match="linear.out_features=4 and bn.num_features=5"):
        fusion.fuse_linear_bn_eval(ember.nn.Linear(4, 4).eval(), eb)
