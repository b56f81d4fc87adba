"""scaled_dot_product_attention and multi_head_attention_forward against torch."""
import math

import numpy as np
import pytest
import torch

import ember
import ember.nn  # noqa: F401  (ember/__init__ may not import nn yet)
from tests.oracle import NC, Sample, assert_close, check, check_error, rand


def sdpa(lib, *args, **kw):
    return lib.nn.functional.scaled_dot_product_attention(*args, **kw)


def _bool_mask(shape, seed, dead_row=None):
    m = rand(*shape, dtype=bool, seed=seed)
    if dead_row is not None:
        m[..., dead_row, :] = False      # a fully masked row: torch returns zeros there
    return m


def _float_mask(shape, seed, dead_row=None):
    m = rand(*shape, seed=seed)
    m[rand(*shape, dtype=bool, seed=seed + 1)] = -np.inf
    if dead_row is not None:
        m[..., dead_row, :] = -np.inf
    return m


# (name, q shape, k shape, v shape, kwargs, mask maker or None); float64 values,
# gradients, second-order gradients and (for the small ones) finite differences
SDPA_CASES = [
    ("2d", (2, 2), (3, 2), (3, 2), {}, None),
    ("3d", (2, 3, 4), (2, 5, 4), (2, 5, 3), {}, None),
    ("4d", (2, 2, 3, 4), (2, 2, 5, 4), (2, 2, 5, 3), {}, None),
    ("scale", (2, 2), (3, 2), (3, 2), {"scale": 0.37}, None),
    ("causal_square", (2, 3, 2), (2, 3, 2), (2, 3, 2), {"is_causal": True}, None),
    ("causal_L<S", (1, 2, 2), (1, 4, 2), (1, 4, 2), {"is_causal": True}, None),
    ("causal_L>S", (1, 4, 2), (1, 2, 2), (1, 2, 2), {"is_causal": True}, None),
    ("bool_mask", (2, 3, 4), (2, 5, 4), (2, 5, 3), {}, lambda: _bool_mask((3, 5), 1)),
    ("bool_mask_dead_row", (2, 2), (3, 2), (3, 2), {}, lambda: _bool_mask((2, 3), 2, dead_row=1)),
    ("bool_mask_batched", (2, 3, 4), (2, 5, 4), (2, 5, 3), {}, lambda: _bool_mask((2, 1, 5), 3)),
    ("float_mask", (2, 2), (3, 2), (3, 2), {}, lambda: rand(2, 3, seed=4)),
    ("float_mask_inf", (2, 3, 4), (2, 5, 4), (2, 5, 3), {}, lambda: _float_mask((3, 5), 5)),
    ("float_mask_dead_row", (2, 3, 4), (2, 5, 4), (2, 5, 3), {},
     lambda: _float_mask((2, 3, 5), 6, dead_row=2)),
    ("batch_broadcast", (3, 1, 2, 4), (1, 2, 5, 4), (5, 3), {}, None),
    ("gqa", (1, 4, 3, 2), (1, 2, 5, 2), (1, 2, 5, 3), {"enable_gqa": True}, None),
    ("gqa_kv_differ", (2, 6, 3, 2), (2, 3, 4, 2), (2, 1, 4, 3), {"enable_gqa": True}, None),
    # torch's CPU flash kernel has no double backward here: ember's is checked by finite differences
    ("gqa_causal", (1, 4, 3, 2), (1, 2, 3, 2), (1, 2, 3, 2),
     {"enable_gqa": True, "is_causal": True, "_no_torch_gradgrad": True}, None),
    ("gqa_mask", (1, 4, 3, 2), (1, 2, 5, 2), (1, 2, 5, 3), {"enable_gqa": True},
     lambda: _bool_mask((4, 3, 5), 7, dead_row=0)),
    ("gqa_same_heads", (1, 2, 3, 2), (1, 2, 5, 2), (1, 2, 5, 3), {"enable_gqa": True}, None),
]


@pytest.mark.parametrize("case", SDPA_CASES, ids=[c[0] for c in SDPA_CASES])
def test_sdpa_float64(case):
    _, qs, ks, vs, kw, mask = case
    args = [rand(*qs, seed=10), rand(*ks, seed=11), rand(*vs, seed=12)]
    if mask is not None:
        args.append(mask())
    kw = dict(kw)
    if kw.pop("_no_torch_gradgrad", False):
        check(sdpa, Sample(*args, **kw), rtol=1e-10, atol=1e-12, gradgrad=False)
        leaves = [ember.tensor(a, requires_grad=True) for a in args]
        ember.autograd.gradgradcheck(lambda *t: sdpa(ember, *t, **kw), leaves, atol=1e-6, rtol=1e-4)
        return
    check(sdpa, Sample(*args, **kw), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("case", SDPA_CASES, ids=[c[0] for c in SDPA_CASES])
def test_sdpa_float32(case):
    _, qs, ks, vs, kw, mask = case
    args = [rand(*qs, seed=20, dtype=np.float32), rand(*ks, seed=21, dtype=np.float32),
            rand(*vs, seed=22, dtype=np.float32)]
    if mask is not None:
        m = mask()
        args.append(m.astype(np.float32) if m.dtype.kind == "f" else m)
    kw = dict(kw)
    gradgrad = not kw.pop("_no_torch_gradgrad", False)
    check(sdpa, Sample(*args, **kw), rtol=1e-5, atol=1e-6, gradgrad=gradgrad)


def test_sdpa_float_mask_of_float32_with_float64_query():
    check(sdpa, Sample(rand(2, 3, 4), rand(2, 5, 4), rand(2, 5, 3),
                       rand(3, 5, dtype=np.float32, seed=3)), rtol=1e-6, atol=1e-7)


def test_sdpa_non_contiguous_and_large_logits():
    q, k, v = rand(2, 4, 3, seed=1), rand(2, 5, 3, seed=2), rand(2, 5, 4, seed=3)
    check(sdpa, Sample(NC(q), NC(k), NC(v)), rtol=1e-10, atol=1e-12)
    # scores of magnitude ~1e4: the softmax stays finite (torch's are too)
    check(sdpa, Sample(q * 100, k * 100, v, is_causal=True), rtol=1e-10, atol=1e-12, fd=False)


def test_sdpa_empty():
    check(sdpa, Sample(rand(2, 3, 4), rand(2, 0, 4), rand(2, 0, 3)))
    check(sdpa, Sample(rand(2, 0, 4), rand(2, 5, 4), rand(2, 5, 3)))
    check(sdpa, Sample(rand(0, 3, 4), rand(0, 5, 4), rand(0, 5, 3)))


def test_sdpa_half_precision():
    for dt in (np.float16,):
        q, k, v = (rand(2, 3, 4, 8, seed=s).astype(dt) for s in (1, 2, 3))
        check(sdpa, Sample(q, k, v, is_causal=True), grad=False, rtol=2e-3, atol=2e-3)
    q, k, v = (rand(2, 3, 4, 8, seed=s, dtype=np.float32) for s in (1, 2, 3))
    e = sdpa(ember, *(ember.tensor(a).bfloat16() for a in (q, k, v)))
    t = sdpa(torch, *(torch.tensor(a).bfloat16() for a in (q, k, v)))
    assert e.dtype is ember.bfloat16
    np.testing.assert_allclose(e.float().numpy(), t.float().numpy(), rtol=2e-2, atol=2e-2)


def test_sdpa_grad_of_float_mask_only():
    # only the mask requires grad (the fused backward returns just dS)
    q, k, v, m = rand(2, 3, 4, seed=1), rand(2, 5, 4, seed=2), rand(2, 5, 3, seed=3), rand(3, 5, seed=4)
    res = []
    for lib in (ember, torch):
        mt = lib.tensor(m, requires_grad=True)
        out = sdpa(lib, lib.tensor(q), lib.tensor(k), lib.tensor(v), mt)
        out.sum().backward()
        res.append(mt.grad.numpy())
    np.testing.assert_allclose(res[0], res[1], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("p", [0.3, 1.0])
def test_sdpa_dropout(p):
    """Dropout: with value = identity the output is the dropped, rescaled
    probability matrix, so each entry is 0 or torch's probability / (1 - p),
    and the gradients are those of that same matrix."""
    S = 64
    q, k = rand(2, 3, 8, 4, seed=1), rand(2, 3, S, 4, seed=2)
    probs = torch.softmax(torch.tensor(q) @ torch.tensor(k).mT / 2.0, -1).numpy()
    ember.manual_seed(0)
    qe, ke = ember.tensor(q, requires_grad=True), ember.tensor(k, requires_grad=True)
    ve = ember.tensor(np.eye(S), requires_grad=True)
    out = sdpa(ember, qe, ke, ve, dropout_p=p)
    o = out.detach().numpy()
    kept = o != 0
    if p == 1.0:
        assert not kept.any()
    else:
        np.testing.assert_allclose(o[kept], probs[kept] / (1 - p), rtol=1e-12)
        assert abs(1 - kept.mean() - p) < 0.05
    # same seed, same mask; the gradient w.r.t. value is Pd^T @ w
    w = rand(*o.shape, seed=5)
    out.backward(ember.tensor(w))
    np.testing.assert_allclose(ve.grad.numpy(), (np.swapaxes(o, -1, -2) @ w).sum((0, 1)), rtol=1e-10, atol=1e-12)
    # dq through the dropped weights: compare with torch on the explicit formula
    tq, tk = torch.tensor(q, requires_grad=True), torch.tensor(k, requires_grad=True)
    tp = torch.softmax(tq @ tk.mT / 2.0, -1) * torch.tensor(kept / (1 - p) if p < 1 else 0 * kept)
    tp.backward(torch.tensor(w))
    np.testing.assert_allclose(qe.grad.numpy(), tq.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ke.grad.numpy(), tk.grad.numpy(), rtol=1e-9, atol=1e-12)
    ember.manual_seed(0)
    again = sdpa(ember, ember.tensor(q), ember.tensor(k), ember.tensor(np.eye(S)), dropout_p=p)
    np.testing.assert_array_equal(again.numpy(), o)


def test_sdpa_dropout_double_backward():
    """create_graph through the dropout path reuses the saved mask."""
    ember.manual_seed(3)
    q = ember.tensor(rand(1, 3, 2, seed=1), requires_grad=True)
    k, v = ember.tensor(rand(1, 4, 2, seed=2)), ember.tensor(rand(1, 4, 2, seed=3))
    out = sdpa(ember, q, k, v, dropout_p=0.5)
    (g,) = ember.autograd.grad(out.sum(), q, create_graph=True)
    (gg,) = ember.autograd.grad((g * g).sum(), q)
    assert gg.shape == q.shape and bool(gg.isfinite().all())


SDPA_ERRORS = [
    ("1d", [rand(4), rand(4), rand(4)], {}, RuntimeError, "at least 2 dimensional"),
    ("dtypes", [rand(2, 4), rand(3, 4), rand(3, 4, dtype=np.float32)], {}, RuntimeError, "same dtype"),
    ("embed_dim", [rand(2, 4), rand(3, 5), rand(3, 4)], {}, RuntimeError, "last (embedding)"),
    ("seq_len", [rand(2, 4), rand(3, 4), rand(2, 4)], {}, RuntimeError, "sequence length"),
    ("mask_dtype", [rand(2, 4), rand(3, 4), rand(3, 4), rand(2, 3, dtype=np.int64)], {},
     RuntimeError, "attn_mask dtype"),
    ("mask_and_causal", [rand(2, 4), rand(3, 4), rand(3, 4), rand(2, 3, dtype=bool)],
     {"is_causal": True}, RuntimeError, "should not be set when is_causal"),
    ("mask_shape", [rand(2, 4), rand(3, 4), rand(3, 4), rand(2, 4)], {}, RuntimeError, "attn_mask"),
    ("mask_bigger", [rand(2, 4), rand(3, 4), rand(3, 4), rand(2, 2, 3)], {}, RuntimeError,
     "broadcast shape"),
    ("heads", [rand(1, 6, 2, 4), rand(1, 3, 3, 4), rand(1, 3, 3, 4)], {}, RuntimeError,
     "must match"),
    ("gqa_divide", [rand(1, 4, 2, 4), rand(1, 3, 3, 4), rand(1, 3, 3, 4)], {"enable_gqa": True},
     RuntimeError, "must divide"),
    ("gqa_2d", [rand(2, 4), rand(3, 4), rand(3, 4)], {"enable_gqa": True}, IndexError, "enable_gqa"),
    ("dropout", [rand(2, 4), rand(3, 4), rand(3, 4)], {"dropout_p": 1.5}, RuntimeError,
     "between 0 and 1"),
]


@pytest.mark.parametrize("case", SDPA_ERRORS, ids=[c[0] for c in SDPA_ERRORS])
def test_sdpa_errors(case):
    _, args, kw, exc, words = case
    check_error(sdpa, args, exc, words, **kw)


def test_sdpa_int_inputs_refused():
    args = [rand(2, 4, dtype=np.int64)] * 3
    check_error(sdpa, args, RuntimeError, "floating-point")


# --------------------------------------------------------- MultiheadAttention
def _to_ember_state(tm):
    return {k: ember.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()}


def _run_both(tm, em, arrays, call, masks=(), rtol=1e-10, atol=1e-12):
    """Same weights, same inputs: compare outputs, input grads and parameter grads."""
    em.load_state_dict(_to_ember_state(tm))
    outs = []
    ins = {}
    for lib, mod in ((torch, tm), (ember, em)):
        xs = [lib.tensor(a, requires_grad=True) for a in arrays]
        ms = [None if m is None else lib.tensor(m) for m in masks]
        out = call(mod, xs, ms)
        outs.append(out)
        ins[lib] = xs
    t_out, e_out = outs
    assert_close(e_out, t_out, rtol, atol)
    rng = np.random.default_rng(0)
    t_list = [o for o in (t_out if isinstance(t_out, tuple) else (t_out,)) if o is not None]
    e_list = [o for o in (e_out if isinstance(e_out, tuple) else (e_out,)) if o is not None]
    ws = [rng.standard_normal(tuple(o.shape)) for o in t_list]
    sum((o * torch.tensor(w, dtype=o.dtype)).nansum() for o, w in zip(t_list, ws)).backward()
    sum((o * ember.tensor(w, dtype=o.dtype)).nansum() for o, w in zip(e_list, ws)).backward()
    for i, (a, b) in enumerate(zip(ins[ember], ins[torch])):
        assert_close(a.grad, b.grad, rtol * 10, atol * 10, f"input grad {i}")
    tp = dict(tm.named_parameters())
    for name, p in em.named_parameters():
        assert_close(p.grad, tp[name].grad, rtol * 10, atol * 10, f"grad of {name}")
    return e_out, t_out


def _mha_pair(**kw):
    torch.manual_seed(0)
    tm = torch.nn.MultiheadAttention(**kw).double()
    em = ember.nn.MultiheadAttention(**kw).double()
    return tm, em


E, H, L, S, N = 8, 2, 3, 4, 2

# (name, constructor kwargs, forward kwargs, mask makers {name: fn(batch_first) -> array})
MHA_CASES = [
    ("plain", {}, {}, {}),
    ("batch_first", {"batch_first": True}, {}, {}),
    ("no_weights", {}, {"need_weights": False}, {}),
    ("per_head_weights", {}, {"average_attn_weights": False}, {}),
    ("no_bias", {"bias": False}, {}, {}),
    ("bias_kv", {"add_bias_kv": True}, {}, {}),
    ("zero_attn", {"add_zero_attn": True}, {}, {}),
    ("bias_kv_zero_attn_masks", {"add_bias_kv": True, "add_zero_attn": True}, {},
     {"attn_mask": lambda: rand(L, S, dtype=bool, seed=1) & np.arange(S)[None, :].astype(bool),
      "key_padding_mask": lambda: np.array([[0, 0, 1, 1], [0, 1, 0, 0]], bool)}),
    ("kdim_vdim", {"kdim": 5, "vdim": 3}, {}, {}),
    ("kdim_vdim_no_weights", {"kdim": 5, "vdim": 3}, {"need_weights": False}, {}),
    ("bool_attn_mask", {}, {}, {"attn_mask": lambda: np.triu(np.ones((L, S), bool), 2)}),
    ("bool_attn_mask_sdpa", {}, {"need_weights": False},
     {"attn_mask": lambda: np.triu(np.ones((L, S), bool), 2)}),
    ("float_attn_mask", {}, {}, {"attn_mask": lambda: rand(L, S, seed=3)}),
    ("attn_mask_3d", {}, {}, {"attn_mask": lambda: rand(N * H, L, S, seed=4)}),
    ("attn_mask_3d_sdpa", {}, {"need_weights": False}, {"attn_mask": lambda: rand(N * H, L, S, seed=4)}),
    ("key_padding_bool", {"batch_first": True}, {},
     {"key_padding_mask": lambda: np.array([[0, 0, 0, 1], [0, 1, 1, 0]], bool)}),
    ("key_padding_bool_sdpa", {}, {"need_weights": False},
     {"key_padding_mask": lambda: np.array([[0, 0, 0, 1], [0, 1, 1, 0]], bool)}),
    ("key_padding_float", {}, {}, {"key_padding_mask": lambda: rand(N, S, seed=5)}),
    ("both_masks", {}, {"need_weights": False},
     {"attn_mask": lambda: rand(L, S, seed=6), "key_padding_mask": lambda: rand(N, S, seed=7)}),
    ("kdim_bias_kv_zero_attn", {"kdim": 5, "vdim": 3, "add_bias_kv": True, "add_zero_attn": True},
     {"average_attn_weights": False}, {"key_padding_mask": lambda: rand(N, S, seed=8)}),
]


def _mha_inputs(kw, batch_first, unbatched=False):
    kdim, vdim = kw.get("kdim", E), kw.get("vdim", E)
    shapes = [(L, E), (S, kdim), (S, vdim)]
    arrays = []
    for i, (n, d) in enumerate(shapes):
        shape = (n, d) if unbatched else ((N, n, d) if batch_first else (n, N, d))
        arrays.append(rand(*shape, seed=30 + i))
    return arrays


@pytest.mark.parametrize("case", MHA_CASES, ids=[c[0] for c in MHA_CASES])
def test_multihead_attention(case):
    _, ckw, fkw, mask_fns = case
    tm, em = _mha_pair(embed_dim=E, num_heads=H, **ckw)
    names = list(mask_fns)
    masks = [mask_fns[n]() for n in names]

    def call(mod, xs, ms):
        return mod(*xs, **fkw, **dict(zip(names, ms)))
    e_out, t_out = _run_both(tm, em, _mha_inputs(ckw, ckw.get("batch_first", False)), call, masks)
    assert (e_out[1] is None) == (t_out[1] is None)


def test_multihead_attention_self_attention_and_unbatched():
    for need in (True, False):
        tm, em = _mha_pair(embed_dim=E, num_heads=H, batch_first=True)
        x = rand(N, L, E, seed=1)
        _run_both(tm, em, [x], lambda mod, xs, ms: mod(xs[0], xs[0], xs[0], need_weights=need))
        tm, em = _mha_pair(embed_dim=E, num_heads=H, kdim=5, vdim=3)
        kpm = np.array([0, 0, 1, 0], bool)
        _run_both(tm, em, _mha_inputs({"kdim": 5, "vdim": 3}, False, unbatched=True),
                  lambda mod, xs, ms: mod(*xs, key_padding_mask=ms[0], need_weights=need), [kpm])
        tm, em = _mha_pair(embed_dim=E, num_heads=H)
        am = rand(H, L, S, seed=9)
        _run_both(tm, em, _mha_inputs({}, False, unbatched=True),
                  lambda mod, xs, ms: mod(*xs, attn_mask=ms[0], need_weights=need), [am])


def test_multihead_attention_causal_hint():
    mask = np.triu(np.full((L, L), -np.inf), 1)
    for need in (True, False):
        tm, em = _mha_pair(embed_dim=E, num_heads=H, batch_first=True)
        x = rand(N, L, E, seed=2)
        _run_both(tm, em, [x], lambda mod, xs, ms: mod(xs[0], xs[0], xs[0], attn_mask=ms[0],
                                                       is_causal=True, need_weights=need), [mask])


def test_multihead_attention_fully_masked_rows():
    """need_weights=True uses a plain softmax (NaN rows), need_weights=False the fused
    attention (zero rows), as in torch."""
    kpm = np.array([[1, 1, 1, 1], [0, 1, 0, 0]], bool)
    for need in (True, False):
        tm, em = _mha_pair(embed_dim=E, num_heads=H)
        arrays = _mha_inputs({}, False)
        em.load_state_dict(_to_ember_state(tm))
        t = tm(*(torch.tensor(a) for a in arrays), key_padding_mask=torch.tensor(kpm), need_weights=need)
        e = em(*(ember.tensor(a) for a in arrays), key_padding_mask=ember.tensor(kpm), need_weights=need)
        assert_close(e[0], t[0], 1e-10, 1e-12)
        assert np.isnan(e[0].detach().numpy()).any() == need


def test_multihead_attention_float32_and_eval_dropout():
    torch.manual_seed(0)
    tm = torch.nn.MultiheadAttention(E, H, dropout=0.5).eval()
    em = ember.nn.MultiheadAttention(E, H, dropout=0.5).eval()
    arrays = [a.astype(np.float32) for a in _mha_inputs({}, False)]
    _run_both(tm, em, arrays, lambda mod, xs, ms: mod(*xs), rtol=1e-5, atol=1e-6)


def test_multihead_attention_train_dropout():
    em = ember.nn.MultiheadAttention(E, H, dropout=0.5)
    x = ember.tensor(rand(L, N, E, seed=1, dtype=np.float32))
    for need in (True, False):
        ember.manual_seed(1)
        a = em(x, x, x, need_weights=need)[0]
        ember.manual_seed(1)
        b = em(x, x, x, need_weights=need)[0]
        c = em(x, x, x, need_weights=need)[0]
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
        assert not np.allclose(a.detach().numpy(), c.detach().numpy())
    w = em(x, x, x)[1].detach().numpy()          # averaged post-dropout weights
    assert (w == 0).any()


def test_multihead_attention_structure():
    for kw in ({}, {"kdim": 5, "vdim": 3}, {"add_bias_kv": True, "bias": False}):
        tm = torch.nn.MultiheadAttention(E, H, **kw)
        em = ember.nn.MultiheadAttention(E, H, **kw)
        assert repr(em) == repr(tm)
        t_sd, e_sd = tm.state_dict(), em.state_dict()
        assert list(e_sd) == list(t_sd)
        for k in t_sd:
            assert tuple(e_sd[k].shape) == tuple(t_sd[k].shape), k
        assert [n for n, _ in em.named_parameters()] == [n for n, _ in tm.named_parameters()]
        for attr in ("embed_dim", "kdim", "vdim", "_qkv_same_embed_dim", "num_heads", "dropout",
                     "batch_first", "head_dim", "add_zero_attn"):
            assert getattr(em, attr) == getattr(tm, attr), attr
        assert type(em.out_proj).__name__ == "NonDynamicallyQuantizableLinear"
        assert isinstance(em.out_proj, ember.nn.Linear)


def test_multihead_attention_init():
    em = ember.nn.MultiheadAttention(64, 4, add_bias_kv=True)
    w = em.in_proj_weight.detach().numpy()
    bound = math.sqrt(6.0 / (64 + 192))          # xavier_uniform over (3E, E)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert not em.in_proj_bias.detach().numpy().any() and not em.out_proj.bias.detach().numpy().any()
    bk = em.bias_k.detach().numpy()              # xavier_normal of (1, 1, E): std sqrt(2 / (E + E))
    assert 0.5 * math.sqrt(2 / 128) < bk.std() < 1.5 * math.sqrt(2 / 128)


MHA_ERRORS = [
    ("embed_dim", {"embed_dim": 0, "num_heads": 2}, ValueError, "greater than 0"),
    ("divisible", {"embed_dim": 6, "num_heads": 4}, AssertionError, "divisible by num_heads"),
]


@pytest.mark.parametrize("case", MHA_ERRORS, ids=[c[0] for c in MHA_ERRORS])
def test_multihead_attention_constructor_errors(case):
    _, kw, exc, words = case
    with pytest.raises(exc):
        torch.nn.MultiheadAttention(**kw)
    with pytest.raises(exc, match=words):
        ember.nn.MultiheadAttention(**kw)


def test_multihead_attention_input_errors():
    class Model(ember.nn.Module):
        def __init__(self):
            super().__init__()
            self.attn = ember.nn.MultiheadAttention(E, H)

        def forward(self, x):
            return self.attn(x, x, x)

    bad = rand(L, N, E + 1, dtype=np.float32)
    with pytest.raises(AssertionError):
        tm = torch.nn.MultiheadAttention(E, H)
        tm(*(torch.tensor(bad),) * 3)
    with pytest.raises(AssertionError) as info:
        Model()(ember.tensor(bad))
    msg = str(info.value)
    assert "at 'attn'" in msg and "(3, 2, 9)" in msg and "embed_dim=8" in msg
    with pytest.raises(AssertionError, match="2-D"):
        ember.nn.MultiheadAttention(E, H)(*(ember.tensor(rand(E, dtype=np.float32)),) * 3)
    # masks of the wrong shape: torch's exception types
    x = rand(L, N, E, dtype=np.float32)
    for kw, exc in (({"attn_mask": rand(L, S + 1, dtype=np.float32)}, RuntimeError),
                    ({"key_padding_mask": rand(N + 1, L, dtype=np.float32)}, AssertionError),
                    ({"attn_mask": rand(L, L, dtype=np.int64)}, AssertionError)):
        for lib in (torch, ember):
            m = lib.nn.MultiheadAttention(E, H)
            t = lib.tensor(x)
            with pytest.raises(exc):
                m(t, t, t, **{k: lib.tensor(v) for k, v in kw.items()})


def test_multi_head_attention_forward_static_kv():
    """The functional form with static_k / static_v and separate projection weights."""
    rng = np.random.default_rng(3)
    arrays = {"q": rng.standard_normal((L, N, E)), "k": rng.standard_normal((S, N, E)),
              "v": rng.standard_normal((S, N, E)), "w": rng.standard_normal((3 * E, E)),
              "b": rng.standard_normal(3 * E), "ow": rng.standard_normal((E, E)),
              "ob": rng.standard_normal(E), "sk": rng.standard_normal((N * H, S + 1, E // H)),
              "sv": rng.standard_normal((N * H, S + 1, E // H))}
    res = []
    for lib in (torch, ember):
        t = {k: lib.tensor(v) for k, v in arrays.items()}
        res.append(lib.nn.functional.multi_head_attention_forward(
            t["q"], t["k"], t["v"], E, H, t["w"], t["b"], None, None, False, 0.0, t["ow"], t["ob"],
            static_k=t["sk"], static_v=t["sv"]))
    assert_close(res[1], res[0], 1e-10, 1e-12)


@pytest.mark.parametrize("need", [True, False])
def test_multihead_attention_inference_fast_path(need):
    """Eval mode without grad: torch runs its native kernel, whose fully masked rows are
    NaN even when the weights are not returned; ember gives the same values."""
    torch.manual_seed(0)
    tm = torch.nn.MultiheadAttention(E, H, batch_first=True).eval()
    em = ember.nn.MultiheadAttention(E, H, batch_first=True).eval()
    em.load_state_dict(_to_ember_state(tm))
    x = rand(N, L, E, seed=3, dtype=np.float32)
    kpm = np.array([[1, 1, 1], [0, 1, 0]], bool)
    am = np.triu(np.ones((L, L), bool), 1)
    for kw in ({}, {"key_padding_mask": kpm}, {"attn_mask": am}, {"attn_mask": am, "key_padding_mask": kpm}):
        with torch.no_grad():
            t = tm(*(torch.tensor(x),) * 3, need_weights=need, **{k: torch.tensor(v) for k, v in kw.items()})
        with ember.no_grad():
            e = em(*(ember.tensor(x),) * 3, need_weights=need, **{k: ember.tensor(v) for k, v in kw.items()})
        assert_close(e, t, 1e-5, 1e-6)
