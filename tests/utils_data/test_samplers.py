"""Samplers and DistributedSampler against torch.utils.data: deterministic ones
exactly, random ones by their semantics (length, coverage, reproducibility)."""
import collections

import pytest
import torch.utils.data as tud
from test_datasets import raises_like

import ember
import ember.utils.data as eud


@pytest.mark.parametrize("n", [0, 1, 7])
def test_sequential(n):
    assert list(eud.SequentialSampler(range(n))) == list(tud.SequentialSampler(range(n)))
    assert len(eud.SequentialSampler(range(n))) == n


@pytest.mark.parametrize("n,bs,drop", [(10, 3, False), (10, 3, True), (9, 3, True), (2, 5, False),
                                       (2, 5, True), (0, 2, False), (7, 1, False)])
def test_batch_sampler(n, bs, drop):
    e = eud.BatchSampler(eud.SequentialSampler(range(n)), bs, drop)
    t = tud.BatchSampler(tud.SequentialSampler(range(n)), bs, drop)
    assert list(e) == list(t)
    assert len(e) == len(t)


@pytest.mark.parametrize("bs,drop", [(0, False), (-1, False), (True, False), (2.0, False),
                                     (2, 1), (2, None)])
def test_batch_sampler_errors(bs, drop):
    raises_like(lambda lib, d: d.BatchSampler(range(4), bs, drop))


@pytest.mark.parametrize("n,num", [(10, None), (10, 4), (10, 25), (1, 3)])
def test_random_sampler_without_replacement(n, num):
    s = eud.RandomSampler(range(n), num_samples=num, generator=ember.Generator().manual_seed(0))
    out = list(s)
    total = num or n
    assert len(s) == len(out) == total == len(tud.RandomSampler(range(n), num_samples=num))
    counts = collections.Counter(out)
    # every full pass is a permutation; the tail has no repeats
    assert all(total // n <= c <= total // n + 1 for c in counts.values())
    assert set(out) <= set(range(n))
    if total >= n:
        assert set(out) == set(range(n))


def test_random_sampler_with_replacement():
    s = eud.RandomSampler(range(5), replacement=True, num_samples=100,
                          generator=ember.Generator().manual_seed(0))
    out = list(s)
    assert len(out) == 100 and set(out) <= set(range(5))
    assert len(set(out)) == 5  # 100 draws from 5 values hit all of them


def test_random_sampler_reproducible():
    def draw(seed, **kw):
        return list(eud.RandomSampler(range(50), generator=ember.Generator().manual_seed(seed),
                                      **kw))
    assert draw(1) == draw(1) and draw(1) != draw(2)
    assert sorted(draw(1)) == list(range(50))
    assert draw(1, replacement=True) == draw(1, replacement=True)
    ember.manual_seed(7)
    a = list(eud.RandomSampler(range(50)))
    b = list(eud.RandomSampler(range(50)))
    ember.manual_seed(7)
    assert a == list(eud.RandomSampler(range(50))) and a != b
    g = ember.Generator().manual_seed(3)
    s = eud.RandomSampler(range(50), generator=g)
    assert list(s) != list(s)  # a generator advances between epochs


@pytest.mark.parametrize("kw", [dict(replacement=1), dict(num_samples=0), dict(num_samples=-2),
                                dict(num_samples=2.5)])
def test_random_sampler_errors(kw):
    raises_like(lambda lib, d: d.RandomSampler(range(4), **kw))


def test_subset_random_sampler():
    idx = [3, 9, 4, 100]
    s = eud.SubsetRandomSampler(idx, generator=ember.Generator().manual_seed(0))
    assert sorted(s) == sorted(idx) and len(s) == len(tud.SubsetRandomSampler(idx)) == 4
    g1, g2 = ember.Generator().manual_seed(4), ember.Generator().manual_seed(4)
    assert list(eud.SubsetRandomSampler(list(range(40)), g1)) == \
        list(eud.SubsetRandomSampler(list(range(40)), g2))


def test_weighted_random_sampler():
    w = [0.0, 1.0, 3.0, 0.0]
    s = eud.WeightedRandomSampler(w, 4000, generator=ember.Generator().manual_seed(0))
    out = list(s)
    assert len(s) == len(out) == len(tud.WeightedRandomSampler(w, 4000)) == 4000
    c = collections.Counter(out)
    assert set(c) == {1, 2}
    assert 2.6 < c[2] / c[1] < 3.4
    s = eud.WeightedRandomSampler(w[:3], 2, replacement=False,
                                  generator=ember.Generator().manual_seed(0))
    assert sorted(s) == [1, 2]
    assert isinstance(s.weights, ember.Tensor) and s.weights.dtype is ember.float64


@pytest.mark.parametrize("args", [([1.0, 2.0], 0), ([1.0, 2.0], True), ([1.0, 2.0], 2.0),
                                  ([[1.0, 2.0]], 2), ([1.0, 2.0], 2, 1)])
def test_weighted_random_sampler_errors(args):
    raises_like(lambda lib, d: d.WeightedRandomSampler(*args))


@pytest.mark.parametrize("n", [1, 3, 10, 11, 12])
@pytest.mark.parametrize("replicas", [1, 3, 4, 5])
@pytest.mark.parametrize("drop_last", [False, True])
def test_distributed_sampler_no_shuffle_equals_torch(n, replicas, drop_last):
    if drop_last and n < replicas:
        pytest.skip("torch would give zero samples per rank")
    for rank in range(replicas):
        e = eud.DistributedSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        t = tud.DistributedSampler(range(n), replicas, rank, shuffle=False, drop_last=drop_last)
        assert list(e) == list(t)
        assert (len(e), e.num_samples, e.total_size) == (len(t), t.num_samples, t.total_size)


@pytest.mark.parametrize("n,replicas,drop_last", [(10, 3, False), (10, 3, True), (12, 4, False),
                                                  (2, 5, False)])
def test_distributed_sampler_shuffle(n, replicas, drop_last):
    def shards(epoch, seed=0):
        out = []
        for rank in range(replicas):
            s = eud.DistributedSampler(range(n), replicas, rank, seed=seed, drop_last=drop_last)
            s.set_epoch(epoch)
            out.append(list(s))
        return out
    a = shards(0)
    t = [len(tud.DistributedSampler(range(n), replicas, r, drop_last=drop_last))
         for r in range(replicas)]
    assert [len(x) for x in a] == t
    flat = [i for x in a for i in x]
    if drop_last:
        assert len(set(flat)) == len(flat)  # no index twice
    else:
        assert set(flat) == set(range(n))  # everything covered, the padding repeats
    assert shards(0) == a  # same seed and epoch: the same split on every process
    if n >= 10:  # enough permutations that a new epoch or seed must differ
        assert shards(1) != a and shards(0, seed=9) != a


@pytest.mark.parametrize("rank", [-1, 3, 4])
def test_distributed_sampler_bad_rank(rank):
    raises_like(lambda lib, d: d.DistributedSampler(range(10), num_replicas=3, rank=rank))


def test_sampler_base():
    with pytest.raises(NotImplementedError):
        iter(eud.Sampler())
    with pytest.raises(TypeError):
        len(eud.Sampler())
