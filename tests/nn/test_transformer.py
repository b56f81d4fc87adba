"""Transformer, TransformerEncoder(Layer) and TransformerDecoder(Layer) against torch."""
import warnings

import numpy as np
import pytest
import torch

import ember
import ember.nn  # noqa: F401  (ember/__init__ may not import nn yet)
from tests.oracle import assert_close, rand

D_MODEL, NHEAD, FF, S, T, N = 8, 2, 16, 4, 3, 2


def _state(tm):
    return {k: ember.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()}


def _pair(make, dtype="double", train=True):
    """make(lib) -> module; the same weights in both (torch's initialisation copied)."""
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")      # enable_nested_tensor's notice
        tm, em = make(torch), make(ember)
    if dtype == "double":
        tm, em = tm.double(), em.double()
    em.load_state_dict(_state(tm))
    tm.train(train)
    em.train(train)
    return tm, em


def _compare(tm, em, arrays, call, masks=(), rtol=1e-10, atol=1e-12, grad=True):
    res, ins = [], []
    for lib, mod in ((torch, tm), (ember, em)):
        xs = [lib.tensor(a, requires_grad=grad) for a in arrays]
        ms = [None if m is None else lib.tensor(m) for m in masks]
        res.append(call(mod, xs, ms))
        ins.append(xs)
    t_out, e_out = res
    assert_close(e_out, t_out, rtol, atol)
    if not grad:
        return e_out, t_out
    w = np.random.default_rng(0).standard_normal(tuple(t_out.shape))
    (t_out * torch.tensor(w)).nansum().backward()
    (e_out * ember.tensor(w)).nansum().backward()
    for i, (a, b) in enumerate(zip(ins[1], ins[0])):
        assert_close(a.grad, b.grad, rtol * 10, atol * 10, f"input grad {i}")
    tp = dict(tm.named_parameters())
    names = [n for n, _ in em.named_parameters()]
    assert names == list(tp)
    for name, p in em.named_parameters():
        assert_close(p.grad, tp[name].grad, rtol * 10, atol * 10, f"grad of {name}")
    return e_out, t_out


def _act(lib, act):
    if act == "callable":
        return lib.nn.functional.silu
    if act == "module":
        return lib.nn.GELU()
    return act


def _seq(n, batch_first, seed, unbatched=False):
    shape = (n, D_MODEL) if unbatched else ((N, n, D_MODEL) if batch_first else (n, N, D_MODEL))
    return rand(*shape, seed=seed)


def _causal(n):
    return np.triu(np.full((n, n), -np.inf), 1)


def _pad(n, bool_mask=True):
    m = np.zeros((N, n), bool)
    m[0, -1] = m[1, 1] = True
    return m if bool_mask else np.where(m, -np.inf, 0.0)


# (name, layer kwargs, forward mask kwargs {name: array}, forward flags, unbatched)
ENCODER_LAYER_CASES = [
    ("default", {}, {}, {}, False),
    ("batch_first", {"batch_first": True}, {}, {}, False),
    ("norm_first", {"norm_first": True}, {}, {}, False),
    ("gelu", {"activation": "gelu"}, {}, {}, False),
    ("callable_act", {"activation": "callable", "norm_first": True}, {}, {}, False),
    ("module_act", {"activation": "module"}, {}, {}, False),
    ("no_bias", {"bias": False, "layer_norm_eps": 1e-3}, {}, {}, False),
    ("src_mask_float", {}, {"src_mask": _causal(S)}, {}, False),
    ("src_mask_bool", {"batch_first": True}, {"src_mask": np.triu(np.ones((S, S), bool), 1)}, {}, False),
    ("causal_hint", {}, {"src_mask": _causal(S)}, {"is_causal": True}, False),
    ("padding_bool", {"batch_first": True}, {"src_key_padding_mask": _pad(S)}, {}, False),
    ("padding_float_and_mask", {"norm_first": True},
     {"src_mask": _causal(S), "src_key_padding_mask": _pad(S, False)}, {}, False),
    ("unbatched", {}, {"src_mask": _causal(S)}, {}, True),
]


@pytest.mark.parametrize("case", ENCODER_LAYER_CASES, ids=[c[0] for c in ENCODER_LAYER_CASES])
def test_encoder_layer(case):
    _, kw, masks, flags, unbatched = case

    def make(lib):
        k = dict(kw, activation=_act(lib, kw.get("activation", "relu")))
        return lib.nn.TransformerEncoderLayer(D_MODEL, NHEAD, FF, dropout=0.0, **k)
    tm, em = _pair(make)
    names = list(masks)
    x = _seq(S, kw.get("batch_first", False), 1, unbatched)
    _compare(tm, em, [x], lambda m, xs, ms: m(xs[0], **dict(zip(names, ms)), **flags),
             [masks[n] for n in names])


DECODER_LAYER_CASES = [
    ("default", {}, {}, {}),
    ("batch_first_norm_first", {"batch_first": True, "norm_first": True}, {}, {}),
    ("gelu_no_bias", {"activation": "gelu", "bias": False}, {}, {}),
    ("tgt_mask", {}, {"tgt_mask": _causal(T)}, {"tgt_is_causal": True}),
    ("all_masks", {"batch_first": True},
     {"tgt_mask": _causal(T), "memory_mask": rand(T, S, seed=9), "tgt_key_padding_mask": _pad(T),
      "memory_key_padding_mask": _pad(S)}, {}),
    ("memory_bool_mask", {}, {"memory_mask": np.eye(T, S, dtype=bool)}, {}),
]


@pytest.mark.parametrize("case", DECODER_LAYER_CASES, ids=[c[0] for c in DECODER_LAYER_CASES])
def test_decoder_layer(case):
    _, kw, masks, flags = case

    def make(lib):
        k = dict(kw, activation=_act(lib, kw.get("activation", "relu")))
        return lib.nn.TransformerDecoderLayer(D_MODEL, NHEAD, FF, dropout=0.0, **k)
    tm, em = _pair(make)
    names = list(masks)
    bf = kw.get("batch_first", False)
    _compare(tm, em, [_seq(T, bf, 2), _seq(S, bf, 3)],
             lambda m, xs, ms: m(xs[0], xs[1], **dict(zip(names, ms)), **flags),
             [masks[n] for n in names])


STACK_CASES = [
    ("post_norm", {}, True),
    ("pre_norm_batch_first", {"norm_first": True, "batch_first": True}, False),
]


@pytest.mark.parametrize("case", STACK_CASES, ids=[c[0] for c in STACK_CASES])
def test_encoder_and_decoder_stacks(case):
    _, kw, with_norm = case
    bf = kw.get("batch_first", False)

    def make_enc(lib):
        layer = lib.nn.TransformerEncoderLayer(D_MODEL, NHEAD, FF, dropout=0.0, **kw)
        return lib.nn.TransformerEncoder(layer, 2, lib.nn.LayerNorm(D_MODEL) if with_norm else None)
    tm, em = _pair(make_enc)
    # a mask equal to the causal mask is detected as causal (is_causal=None)
    _compare(tm, em, [_seq(S, bf, 4)], lambda m, xs, ms: m(xs[0], mask=ms[0], src_key_padding_mask=ms[1]),
             [_causal(S), _pad(S)])

    def make_dec(lib):
        layer = lib.nn.TransformerDecoderLayer(D_MODEL, NHEAD, FF, dropout=0.0, **kw)
        return lib.nn.TransformerDecoder(layer, 2, lib.nn.LayerNorm(D_MODEL) if with_norm else None)
    tm, em = _pair(make_dec)
    _compare(tm, em, [_seq(T, bf, 5), _seq(S, bf, 6)],
             lambda m, xs, ms: m(xs[0], xs[1], tgt_mask=ms[0], memory_key_padding_mask=ms[1]),
             [_causal(T), _pad(S)])


@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer(batch_first):
    def make(lib):
        return lib.nn.Transformer(D_MODEL, NHEAD, 2, 1, FF, dropout=0.0, batch_first=batch_first,
                                  activation="gelu")
    tm, em = _pair(make)
    src, tgt = _seq(S, batch_first, 7), _seq(T, batch_first, 8)
    _compare(tm, em, [src, tgt], lambda m, xs, ms: m(xs[0], xs[1], tgt_mask=ms[0], src_key_padding_mask=ms[1],
                                                    memory_key_padding_mask=ms[1]),
             [_causal(T), _pad(S)])
    # unbatched
    _compare(tm, em, [_seq(S, batch_first, 7, True), _seq(T, batch_first, 8, True)],
             lambda m, xs, ms: m(xs[0], xs[1], tgt_is_causal=True, tgt_mask=ms[0]), [_causal(T)])


def test_eval_mode_and_float32():
    def make(lib):
        return lib.nn.Transformer(D_MODEL, NHEAD, 1, 1, FF, dropout=0.3)
    tm, em = _pair(make, dtype="float", train=False)
    src, tgt = rand(S, N, D_MODEL, seed=1, dtype=np.float32), rand(T, N, D_MODEL, seed=2, dtype=np.float32)
    _compare(tm, em, [src, tgt], lambda m, xs, ms: m(*xs), rtol=1e-5, atol=1e-6)


def test_inference_paths_match():
    """Eval mode without grad, batch_first, padding: torch's fast paths (nested tensors
    in the encoder: zeros at padded positions before the final norm)."""
    def make(lib):
        layer = lib.nn.TransformerEncoderLayer(D_MODEL, NHEAD, FF, dropout=0.1, batch_first=True)
        return lib.nn.TransformerEncoder(layer, 2, lib.nn.LayerNorm(D_MODEL))
    tm, em = _pair(make, dtype="float", train=False)
    x = rand(N, S, D_MODEL, seed=3, dtype=np.float32)
    left = np.array([[0, 0, 0, 1], [0, 0, 1, 1]], bool)       # left aligned: nested path
    inner = np.array([[0, 1, 0, 0], [0, 0, 1, 1]], bool)      # not left aligned
    for kpm in (left, inner):
        with torch.no_grad():
            t = tm(torch.tensor(x), src_key_padding_mask=torch.tensor(kpm))
        with ember.no_grad():
            e = em(ember.tensor(x), src_key_padding_mask=ember.tensor(kpm))
        assert_close(e, t, 1e-5, 1e-5)
    layer_t, layer_e = tm.layers[0], em.layers[0]
    dead = np.array([[1, 1, 1, 1], [0, 0, 1, 0]], bool)        # a fully padded sequence
    with torch.no_grad():
        t = layer_t(torch.tensor(x), src_key_padding_mask=torch.tensor(dead))
    with ember.no_grad():
        e = layer_e(ember.tensor(x), src_key_padding_mask=ember.tensor(dead))
    assert_close(e, t, 1e-5, 1e-5)


def test_structure_repr_and_state_dict():
    makers = [
        lambda lib: lib.nn.TransformerEncoderLayer(D_MODEL, NHEAD, FF),
        lambda lib: lib.nn.TransformerEncoderLayer(D_MODEL, NHEAD, FF, activation=lib.nn.GELU(), bias=False),
        lambda lib: lib.nn.TransformerDecoderLayer(D_MODEL, NHEAD, FF, norm_first=True),
        lambda lib: lib.nn.TransformerEncoder(lib.nn.TransformerEncoderLayer(D_MODEL, NHEAD, FF), 2,
                                              enable_nested_tensor=False),
        lambda lib: lib.nn.Transformer(D_MODEL, NHEAD, 2, 2, FF),
    ]
    for make in makers:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tm, em = make(torch), make(ember)
        assert repr(em) == repr(tm)
        t_sd, e_sd = tm.state_dict(), em.state_dict()
        assert list(e_sd) == list(t_sd)
        for k in t_sd:
            assert tuple(e_sd[k].shape) == tuple(t_sd[k].shape), k
    em = ember.nn.Transformer(D_MODEL, NHEAD, 2, 1, FF)
    assert "encoder.layers.1.self_attn.in_proj_weight" in em.state_dict()
    assert "decoder.layers.0.multihead_attn.out_proj.weight" in em.state_dict()
    # the layers are independent copies
    assert em.encoder.layers[0].linear1.weight is not em.encoder.layers[1].linear1.weight
    for attr in ("d_model", "nhead", "batch_first"):
        assert getattr(em, attr) == getattr(torch.nn.Transformer(D_MODEL, NHEAD, 2, 1, FF), attr)


def test_transformer_init():
    em = ember.nn.Transformer(16, 2, 1, 1, 64)
    w = em.encoder.layers[0].linear1.weight.detach().numpy()   # xavier_uniform on every matrix
    bound = np.sqrt(6.0 / (16 + 64))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    ln = em.encoder.norm
    assert (ln.weight.detach().numpy() == 1).all() and (ln.bias.detach().numpy() == 0).all()


def test_square_subsequent_mask_and_attributes():
    e = ember.nn.Transformer.generate_square_subsequent_mask(4)
    t = torch.nn.Transformer.generate_square_subsequent_mask(4)
    assert_close(e, t)
    e = ember.nn.Transformer.generate_square_subsequent_mask(3, dtype=ember.float64)
    assert e.dtype is ember.float64
    for lib in (torch, ember):
        layer = lib.nn.TransformerEncoderLayer(D_MODEL, NHEAD, activation="gelu")
        assert layer.activation_relu_or_gelu == 2 and layer.activation is lib.nn.functional.gelu
        assert lib.nn.TransformerEncoderLayer(D_MODEL, NHEAD).activation_relu_or_gelu == 1
        assert lib.nn.TransformerEncoderLayer(
            D_MODEL, NHEAD, activation=lib.nn.functional.silu).activation_relu_or_gelu == 0


def test_nested_tensor_warning():
    for lib in (torch, ember):
        layer = lib.nn.TransformerEncoderLayer(D_MODEL, NHEAD)
        with pytest.warns(UserWarning, match="batch_first was not True"):
            enc = lib.nn.TransformerEncoder(layer, 1)
        assert enc.use_nested_tensor is False and enc.enable_nested_tensor is True
        layer = lib.nn.TransformerEncoderLayer(D_MODEL, NHEAD, batch_first=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert lib.nn.TransformerEncoder(layer, 1).use_nested_tensor is True


def test_errors():
    with pytest.raises(RuntimeError, match="relu/gelu"):
        ember.nn.TransformerEncoderLayer(D_MODEL, NHEAD, activation="tanh")

    class Model(ember.nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = ember.nn.TransformerEncoder(ember.nn.TransformerEncoderLayer(D_MODEL, NHEAD), 2,
                                                       enable_nested_tensor=False)

        def forward(self, x):
            return self.encoder(x)

    bad = rand(S, N, D_MODEL + 1, dtype=np.float32)
    with pytest.raises(AssertionError):
        torch.nn.TransformerEncoderLayer(D_MODEL, NHEAD)(torch.tensor(bad))
    with pytest.raises(AssertionError) as info:
        Model()(ember.tensor(bad))
    msg = str(info.value)
    assert "at 'encoder.layers.0'" in msg and "(4, 2, 9)" in msg and "d_model=8" in msg
    for lib in (torch, ember):
        tr = lib.nn.Transformer(D_MODEL, NHEAD, 1, 1, FF)
        src, tgt = lib.tensor(rand(S, N, D_MODEL, dtype=np.float32)), lib.tensor(rand(T, N + 1, D_MODEL,
                                                                                     dtype=np.float32))
        with pytest.raises(RuntimeError, match="batch number"):
            tr(src, tgt)
        with pytest.raises(RuntimeError, match="feature number"):
            tr(src, lib.tensor(rand(T, N, D_MODEL + 2, dtype=np.float32)))
