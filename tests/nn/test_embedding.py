"""Embeddings: F.embedding (padding_idx, max_norm, scale_grad_by_freq), F.embedding_bag
(sum/mean/max, offsets, per_sample_weights, include_last_offset, padding_idx), F.one_hot,
torch.embedding, and the Embedding / EmbeddingBag modules, against torch."""
import numpy as np
import pytest
import torch

import ember
import ember.nn  # noqa: F401
from oracle import Sample, assert_close, check, check_error, rand

I64 = np.int64


def idx(*values, dtype=I64):
    return np.array(values, dtype=dtype)


def emb(lib, i, w, **kw):
    return lib.nn.functional.embedding(i, w, **kw)


# padding_idx and scale_grad_by_freq change the gradient on purpose (it is not the derivative of
# the forward), so those samples skip the finite-difference checks: fd=False
EMBEDDING = [
    Sample(idx(0, 2, 1, 2), rand(3, 2)),
    Sample(idx(0, 2, 1, 2).reshape(2, 2), rand(4, 3)),
    Sample(np.array(1), rand(3, 2)),
    Sample(idx(0, 2, 1, 2, 2), rand(3, 2), padding_idx=2, fd=False),
    Sample(idx(0, 2, 1, 2, 2), rand(3, 2), padding_idx=-1, fd=False),
    Sample(idx(0, 2, 1, 2, 2, 0), rand(3, 2), scale_grad_by_freq=True, fd=False),
    Sample(idx(0, 2, 1, 2, 2, 0), rand(3, 2), scale_grad_by_freq=True, padding_idx=0, fd=False),
    Sample(idx(3, 1, dtype=np.int32), rand(4, 3)),
    Sample(np.zeros((0, 2), dtype=I64), rand(3, 2)),
    Sample(idx(5, 1, 7, 5, 0), rand(8, 16, dtype=np.float32), padding_idx=5),
]


@pytest.mark.parametrize("sample", EMBEDDING, ids=repr)
@pytest.mark.parametrize("create_graph", [True, False])
def test_embedding(sample, create_graph):
    check(emb, sample, gradgrad=create_graph)


def test_torch_embedding_namespace():
    check(lambda lib, w, i: lib.embedding(w, i, 1, True), Sample(rand(3, 2), idx(1, 1, 0, 2), fd=False))


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0])
def test_embedding_max_norm_renormalises_rows_in_place(norm_type):
    w = rand(5, 3) * 3
    i = idx(0, 3, 3, 4)

    def fn(lib, wt):
        wt = wt.detach().clone().requires_grad_(True)   # a leaf that is renormalised in place
        out = lib.nn.functional.embedding(lib.tensor(i), wt, max_norm=1.5, norm_type=norm_type)
        out.backward(lib.ones_like(out))
        return out, wt.detach(), wt.grad
    e, t = fn(ember, ember.tensor(w)), fn(torch, torch.tensor(w))
    for a, b, what in zip(e, t, ("output", "weight after renorm", "grad")):
        assert_close(a, b.detach(), rtol=1e-12, atol=1e-12, what=what)
    norms = np.linalg.norm(e[1].numpy(), ord=norm_type, axis=1)
    assert (norms[[0, 3, 4]] <= 1.5 + 1e-6).all()
    np.testing.assert_array_equal(e[1].numpy()[[1, 2]], w[[1, 2]])   # rows not looked up stay


def bag(lib, i, w, off=None, psw=None, **kw):
    return lib.nn.functional.embedding_bag(i, w, off, per_sample_weights=psw, **kw)


I1 = idx(1, 2, 4, 5, 4, 3, 2, 0)
BAG = [
    Sample(I1, rand(6, 2), idx(0, 3, 5), mode="sum"),
    Sample(I1, rand(6, 2), idx(0, 3, 5), mode="mean"),
    Sample(I1, rand(6, 2), idx(0, 3, 3), mode="max"),     # an empty bag gives zeros
    Sample(I1, rand(6, 2), idx(0, 3, 3, 8), mode="mean", include_last_offset=True),
    # (torch's float64 kernel lets the last bag run to the input's end past offsets[-1]; its float32
    # kernel, like ember, stops at offsets[-1] as documented, but its gradient for the rows past
    # offsets[-1] is uninitialised memory: values only)
    Sample(I1, rand(6, 2, dtype=np.float32), idx(0, 3, 6), mode="sum", include_last_offset=True,
           grad=False),
    Sample(I1, rand(6, 2), idx(0, 4), rand(8, seed=3), mode="sum"),
    Sample(I1, rand(6, 2), idx(0, 4), mode="mean", padding_idx=4),
    Sample(I1, rand(6, 2), idx(0, 4), mode="max", padding_idx=2),
    Sample(I1, rand(6, 2), idx(0, 4), rand(8, seed=3), mode="sum", padding_idx=-1),
    Sample(I1.reshape(2, 4), rand(6, 2), mode="mean"),
    Sample(I1.reshape(4, 2), rand(6, 2), None, rand(4, 2, seed=4), mode="sum"),
    Sample(I1.reshape(2, 4), rand(6, 2), mode="max"),
    Sample(I1, rand(6, 2), idx(0, 3, dtype=np.int32), mode="mean"),
    Sample(idx(1, 2, 4, 5, 4, 3, dtype=np.int32), rand(6, 5, dtype=np.float32), idx(0, 2, dtype=np.int32),
           mode="sum"),
]


@pytest.mark.parametrize("sample", BAG, ids=repr)
def test_embedding_bag(sample):
    # torch has no double backward through per_sample_weights' gradient
    psw = len(sample.args) > 3 and sample.args[3] is not None
    check(bag, sample, gradgrad=not psw)


def test_embedding_bag_scale_grad_by_freq_counts_each_index():
    # documented semantics (as F.embedding): each lookup's gradient is divided by how often its
    # index occurs in the input, so a row's gradient in sum mode is 1 per column. (torch's
    # embedding_bag misattributes these counts between rows; F.embedding agrees with ember.)
    w = ember.randn(6, 2, requires_grad=True)
    i = ember.tensor([1, 2, 4, 5, 4, 3, 2, 0])
    ember.nn.functional.embedding_bag(i, w, ember.tensor([0, 3]), mode="sum",
                                      scale_grad_by_freq=True).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), np.ones((6, 2)))
    tw = torch.tensor(w.detach().numpy(), requires_grad=True)
    torch.nn.functional.embedding(torch.tensor(i.numpy()), tw, scale_grad_by_freq=True).sum().backward()
    np.testing.assert_allclose(tw.grad.numpy(), np.ones((6, 2)))


@pytest.mark.filterwarnings("ignore:Argument order")
def test_embedding_bag_argument_order_compat():
    # the old embedding_bag(weight, input, ...) order is recognised, as in torch
    check(lambda lib, w, i, o: lib.nn.functional.embedding_bag(w, i, o),
          Sample(rand(6, 2), I1, idx(0, 3)), grad=False)


@pytest.mark.parametrize("sample", [
    Sample(idx(0, 2, 1)), Sample(idx(0, 2, 1), 5), Sample(np.array([[1, 0], [3, 3]])),
    Sample(np.array(2), 4), Sample(np.zeros(0, dtype=I64), 3),
], ids=repr)
def test_one_hot(sample):
    check(lambda lib, t, *a: lib.nn.functional.one_hot(t, *a), sample)


ERRORS = [
    (lambda lib, i, w: lib.nn.functional.embedding(i.float(), w), [idx(1), rand(3, 2)], RuntimeError,
     ["'indices'", "Long, Int", "FloatTensor"]),
    (lambda lib, i, w: lib.nn.functional.embedding(i, w), [idx(3), rand(3, 2)], IndexError,
     ["index out of range in self"]),
    (lambda lib, i, w: lib.nn.functional.embedding(i, w), [idx(-1), rand(3, 2)], IndexError,
     ["index out of range"]),
    (lambda lib, i, w: lib.nn.functional.embedding(i, w, padding_idx=3), [idx(1), rand(3, 2)],
     AssertionError, ["Padding_idx must be within num_embeddings"]),
    (lambda lib, i, w: lib.nn.functional.embedding(i, w.reshape(-1)), [idx(1), rand(3, 2)], RuntimeError,
     ["'weight' must be 2-D"]),
    (lambda lib, i, w: bag(lib, i, w, lib.tensor([1, 3])), [I1, rand(6, 2)], RuntimeError,
     ["offsets[0] has to be 0"]),
    (lambda lib, i, w: bag(lib, i, w, lib.tensor([0, 9])), [I1, rand(6, 2)], RuntimeError,
     ["offsets[-1] can not be greater than input's length 8"]),
    (lambda lib, i, w: bag(lib, i, w), [I1, rand(6, 2)], ValueError, ["offsets has to be a 1D Tensor"]),
    (lambda lib, i, w: bag(lib, i.reshape(2, 4), w, lib.tensor([0])), [I1, rand(6, 2)], ValueError,
     ["if input is 2D, then offsets has to be None"]),
    (lambda lib, i, w: bag(lib, i, w, lib.tensor([0]), mode="foo"), [I1, rand(6, 2)], ValueError,
     ["mode has to be one of sum, mean or max"]),
    (lambda lib, i, w: bag(lib, i, w, lib.tensor([0]), lib.ones(8, dtype=w.dtype), mode="mean"),
     [I1, rand(6, 2)], NotImplementedError, ["only supported for mode='sum'"]),
    (lambda lib, i, w: bag(lib, i, w, lib.tensor([0]), lib.ones(3, dtype=w.dtype)), [I1, rand(6, 2)],
     ValueError, ["per_sample_weights", "same shape as the input"]),
    (lambda lib, i, w: bag(lib, i, w, lib.tensor([0]), mode="max", scale_grad_by_freq=True),
     [I1, rand(6, 2)], ValueError, ["max mode does not support scaling"]),
    (lambda lib, i, w: bag(lib, i, w, lib.tensor([0])), [idx(1, 7), rand(6, 2)], RuntimeError,
     ["Index 1 of input takes value 7", "[0, 6)"]),
    (lambda lib, i, w: bag(lib, i, w, lib.tensor([0]), padding_idx=6), [I1, rand(6, 2)], RuntimeError,
     ["padding_idx must be within the number of embeddings, -6 through 5, but got 6"]),
    (lambda lib, i: lib.nn.functional.one_hot(i.float()), [idx(1)], RuntimeError,
     ["one_hot is only applicable to index tensor of type LongTensor."]),
    (lambda lib, i: lib.nn.functional.one_hot(i), [idx(1, -1)], RuntimeError,
     ["Class values must be non-negative."]),
    (lambda lib, i: lib.nn.functional.one_hot(i, 3), [idx(1, 3)], RuntimeError,
     ["Class values must be smaller than num_classes."]),
    (lambda lib, i: lib.nn.functional.one_hot(i), [np.zeros(0, dtype=I64)], RuntimeError,
     ["Can not infer total number of classes from empty tensor."]),
]


@pytest.mark.parametrize("case", ERRORS, ids=lambda c: c[3][0])
def test_errors(case):
    fn, args, exc, words = case
    check_error(fn, args, exc, *words)


def test_sparse_gradients_are_refused_clearly():
    with pytest.raises(NotImplementedError, match="sparse=True"):
        ember.nn.functional.embedding(ember.tensor([1]), ember.randn(3, 2), sparse=True)
    for cls in (ember.nn.Embedding, ember.nn.EmbeddingBag):
        with pytest.raises(NotImplementedError, match="sparse=True"):
            cls(4, 2, sparse=True)


# ------------------------------------------------------------------ modules
MODULES = [
    ("Embedding", (10, 3), {}),
    ("Embedding", (10, 3), {"padding_idx": 0}),
    ("Embedding", (10, 3), {"padding_idx": -2, "max_norm": 1.0, "norm_type": 1.0,
                            "scale_grad_by_freq": True}),
    ("EmbeddingBag", (10, 3), {}),
    ("EmbeddingBag", (10, 3), {"mode": "max", "padding_idx": 2}),
    ("EmbeddingBag", (10, 3), {"mode": "sum", "max_norm": 2.0, "norm_type": 3.0, "include_last_offset": True}),
]


@pytest.mark.parametrize("case", MODULES, ids=lambda c: f"{c[0]}{c[2]}")
def test_modules_match_torch(case):
    name, args, kwargs = case
    tm, em = getattr(torch.nn, name)(*args, **kwargs), getattr(ember.nn, name)(*args, **kwargs)
    assert repr(em) == repr(tm)
    assert list(em.state_dict()) == list(tm.state_dict()) == ["weight"]
    assert tuple(em.weight.shape) == tuple(tm.weight.shape)
    if em.padding_idx is not None:
        assert em.padding_idx == tm.padding_idx
        assert not em.weight.detach().numpy()[em.padding_idx].any()
    em.load_state_dict({"weight": ember.tensor(tm.weight.detach().numpy())})
    i = np.array([[1, 2, 8, 2], [0, 9, 8, 7]])
    xt, xe = torch.tensor(i), ember.tensor(i)
    if name == "EmbeddingBag" and kwargs.get("include_last_offset"):
        xt, xe = xt.reshape(-1), xe.reshape(-1)
        yt, ye = tm(xt, torch.tensor([0, 3, 8])), em(xe, ember.tensor([0, 3, 8]))
    else:
        yt, ye = tm(xt), em(xe)
    assert_close(ye, yt.detach())
    g = np.random.default_rng(0).standard_normal(tuple(yt.shape)).astype(np.float32)
    yt.backward(torch.tensor(g))
    ye.backward(ember.tensor(g))
    assert_close(em.weight.grad, tm.weight.grad)
    assert_close(em.weight.detach(), tm.weight.detach())   # max_norm rescales rows in place


def test_embedding_default_init_is_standard_normal():
    w = ember.nn.Embedding(20000, 10).weight.detach().numpy()
    assert abs(w.mean()) < 0.01 and abs(w.std() - 1) < 0.01
    assert w.dtype == np.float32


@pytest.mark.parametrize("cls", ["Embedding", "EmbeddingBag"])
def test_from_pretrained(cls):
    w = rand(4, 3, dtype=np.float32)
    frozen = getattr(ember.nn, cls).from_pretrained(ember.tensor(w))
    tfrozen = getattr(torch.nn, cls).from_pretrained(torch.tensor(w))
    assert repr(frozen) == repr(tfrozen)
    assert frozen.weight.requires_grad is False
    np.testing.assert_array_equal(frozen.weight.detach().numpy(), w)
    free = getattr(ember.nn, cls).from_pretrained(ember.tensor(w), freeze=False)
    assert free.weight.requires_grad is True
    with pytest.raises(AssertionError, match="2-dimensional"):
        getattr(ember.nn, cls).from_pretrained(ember.ones(3))


def test_embedding_module_errors():
    for lib in (torch, ember):
        with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
            lib.nn.Embedding(3, 2, padding_idx=3)
        with pytest.raises(AssertionError, match="Shape of weight does not match"):
            lib.nn.Embedding(3, 2, _weight=lib.ones(2, 2))
    model = ember.nn.Sequential(ember.nn.Embedding(10, 4))
    with pytest.raises(IndexError, match=r"Embedding\(10, 4\) at '0' got input of shape \(2,\) holding "
                                         r"index 12: index out of range"):
        model(ember.tensor([3, 12]))
