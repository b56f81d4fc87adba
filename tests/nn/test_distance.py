"""Distances: F.cosine_similarity, F.pairwise_distance, F.pdist (and torch.*), and the
CosineSimilarity / PairwiseDistance modules, against torch."""
import numpy as np
import pytest
import torch

import ember
import ember.nn  # noqa: F401
from oracle import NC, Sample, assert_close, check, check_error, rand


def cos(lib, a, b, **kw):
    return lib.nn.functional.cosine_similarity(a, b, **kw)


@pytest.mark.parametrize("sample", [
    Sample(rand(3, 4), rand(3, 4, seed=1)),
    Sample(rand(2, 3), rand(3, seed=1)),
    Sample(rand(4), rand(4, seed=1), dim=0),
    Sample(rand(2, 3, 2), rand(2, 1, 2, seed=1), dim=-1, eps=0.5),
    Sample(NC(rand(3, 4)), rand(3, 4, seed=1), dim=0),
    Sample(rand(5, 8, dtype=np.float32), rand(5, 8, seed=2, dtype=np.float32)),
    Sample(rand(3, 4, dtype=np.int64), rand(3, 4, seed=2)),
], ids=repr)
def test_cosine_similarity(sample):
    check(cos, sample)


def test_cosine_similarity_near_zero_vectors_clamp_like_torch():
    a = np.array([[1e-10, -1e-10, 0.0], [1.0, 2.0, 3.0]])
    check(cos, Sample(a, rand(2, 3, seed=1), fd=False))


def pdistance(lib, a, b, **kw):
    return lib.nn.functional.pairwise_distance(a, b, **kw)


@pytest.mark.parametrize("sample", [
    Sample(rand(3, 4), rand(3, 4, seed=1)),
    Sample(rand(3, 4), rand(4, seed=1), p=1.0),
    Sample(rand(4), rand(4, seed=1), keepdim=True),
    Sample(rand(2, 3, 2), rand(2, 3, 2, seed=1), p=3.0, eps=0.1, keepdim=True),
    Sample(rand(3, 4), rand(3, 4, seed=1), p=float("inf"), fd=False),
    Sample(rand(6, 5, dtype=np.float32), rand(6, 5, seed=1, dtype=np.float32)),
    Sample(rand(2, 4, dtype=np.int64), rand(4, seed=1, dtype=np.int64), grad=False),
], ids=repr)
def test_pairwise_distance(sample):
    check(pdistance, sample)


@pytest.mark.parametrize("sample", [
    Sample(rand(4, 3)),
    Sample(rand(4, 3), 1.0),
    Sample(rand(3, 2), 3.0),
    Sample(rand(4, 2), 0.0, grad=False),
    Sample(rand(4, 3), float("inf"), fd=False),
    Sample(rand(1, 3)),
    Sample(rand(7, 5, dtype=np.float32)),
], ids=repr)
def test_pdist(sample):
    # torch has no double backward for pdist: first order against torch, second order below
    check(lambda lib, x, *a: lib.nn.functional.pdist(x, *a), sample, gradgrad=False)


@pytest.mark.parametrize("p", [1.0, 2.0, 3.0])
def test_pdist_second_order_against_finite_differences(p):
    x = ember.tensor(rand(4, 3), requires_grad=True)
    assert ember.autograd.gradgradcheck(lambda t: ember.pdist(t, p), (x,), atol=1e-6, rtol=1e-4)


def test_pdist_duplicate_rows_have_zero_gradient():
    x = np.array([[1.0, 2.0], [1.0, 2.0], [0.0, 1.0]])
    check(lambda lib, x: lib.pdist(x), Sample(x, fd=False), gradgrad=False)


def test_torch_namespace():
    check(lambda lib, a, b: lib.cosine_similarity(a, b, 0), Sample(rand(3, 2), rand(3, 2, seed=1)))
    check(lambda lib, a, b: lib.pairwise_distance(a, b), Sample(rand(3, 2), rand(3, 2, seed=1)))


ERRORS = [
    (lambda lib, a, b: cos(lib, a, b), [rand(2, 3), rand(2, 4)], RuntimeError, "must match"),
    (lambda lib, a, b: cos(lib, a.long(), b.long()), [rand(2, 3), rand(2, 3)], RuntimeError,
     "expected common dtype to be floating point"),
    (lambda lib, a, b: pdistance(lib, a, b), [rand(2, 3), rand(2, 4)], RuntimeError, "must match"),
    (lambda lib, a: lib.pdist(a), [rand(3)], RuntimeError, "pdist only supports 2D tensors, got: 1D"),
    (lambda lib, a: lib.pdist(a, -1), [rand(3, 2)], RuntimeError, "non-negative p"),
    (lambda lib, a: lib.pdist(a.long()), [rand(3, 2)], RuntimeError, "floating-point dtypes"),
]


@pytest.mark.parametrize("case", ERRORS, ids=lambda c: c[3])
def test_errors(case):
    fn, args, exc, words = case
    check_error(fn, args, exc, words)


@pytest.mark.parametrize("case", [("CosineSimilarity", {}), ("CosineSimilarity", {"dim": 0, "eps": 1e-3}),
                                  ("PairwiseDistance", {}), ("PairwiseDistance", {"p": 1.0, "keepdim": True})],
                         ids=str)
def test_modules(case):
    name, kwargs = case
    tm, em = getattr(torch.nn, name)(**kwargs), getattr(ember.nn, name)(**kwargs)
    assert repr(em) == repr(tm)
    assert list(em.state_dict()) == []
    a, b = rand(4, 3, dtype=np.float32), rand(4, 3, seed=1, dtype=np.float32)
    assert_close(em(ember.tensor(a), ember.tensor(b)), tm(torch.tensor(a), torch.tensor(b)))
