"""Datasets and random_split against torch.utils.data."""
import warnings

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import ember
import ember.utils.data as eud


def lib_data(lib):
    return eud if lib is ember else tud


def as_plain(x):
    """Tensors of either library (and containers of them) as comparable values."""
    if isinstance(x, (ember.Tensor, torch.Tensor)):
        return ("T", str(x.dtype).split(".")[-1], tuple(x.shape), np.asarray(x.tolist()).tolist())
    if isinstance(x, np.ndarray):
        return ("A", str(x.dtype), x.tolist())
    if isinstance(x, dict):
        return {k: as_plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(as_plain(v) for v in x) if not hasattr(x, "_fields") else \
            (type(x).__name__, tuple(as_plain(v) for v in x))
    return x


def both(fn):
    """fn(lib, data_module) run for ember and torch, results as plain values."""
    return as_plain(fn(ember, eud)), as_plain(fn(torch, tud))


def raises_like(fn):
    """fn raises the same exception type and message in both libraries."""
    errs = []
    for lib in (ember, torch):
        with pytest.raises(Exception) as info:
            fn(lib, lib_data(lib))
        errs.append(info.value)
    assert type(errs[0]) is type(errs[1]), errs
    assert str(errs[0]) == str(errs[1])


ARR = np.arange(24, dtype=np.float32).reshape(6, 4)
LAB = np.arange(6, dtype=np.int64)


def tds(lib, d):
    return d.TensorDataset(lib.tensor(ARR), lib.tensor(LAB))


@pytest.mark.parametrize("index", [0, 3, -1, slice(1, 4), [0, 2, 5]])
def test_tensor_dataset_items(index):
    e, t = both(lambda lib, d: tds(lib, d)[index])
    assert e == t


def test_tensor_dataset_len_and_mismatch():
    assert len(tds(ember, eud)) == len(tds(torch, tud)) == 6
    raises_like(lambda lib, d: d.TensorDataset(lib.zeros(3), lib.zeros(4)))


class Squares(eud.Dataset):
    def __init__(self, n, off=0):
        self.n, self.off = n, off

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i >= self.n:
            raise IndexError(i)
        return (i + self.off) ** 2


class TSquares(tud.Dataset):
    def __init__(self, n, off=0):
        self.n, self.off = n, off

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i >= self.n:
            raise IndexError(i)
        return (i + self.off) ** 2


def sq(lib):
    return Squares if lib is ember else TSquares


@pytest.mark.parametrize("idx", [0, 2, 3, 7, 8, -1, -9])
def test_concat_dataset(idx):
    def f(lib, d):
        c = d.ConcatDataset([sq(lib)(3), sq(lib)(0), sq(lib)(6, 10)])
        return len(c), c.cumulative_sizes, c[idx]
    e, t = both(f)
    assert e == t


def test_concat_add_and_errors():
    e = Squares(2) + Squares(3, 5)
    assert isinstance(e, eud.ConcatDataset) and [e[i] for i in range(5)] == [0, 1, 25, 36, 49]
    raises_like(lambda lib, d: d.ConcatDataset([sq(lib)(3)])[-4])
    raises_like(lambda lib, d: d.ConcatDataset([]))


class Count(eud.IterableDataset):
    def __init__(self, a, b):
        self.a, self.b = a, b

    def __iter__(self):
        return iter(range(self.a, self.b))

    def __len__(self):
        return self.b - self.a


class TCount(tud.IterableDataset):
    def __init__(self, a, b):
        self.a, self.b = a, b

    def __iter__(self):
        return iter(range(self.a, self.b))

    def __len__(self):
        return self.b - self.a


def cnt(lib):
    return Count if lib is ember else TCount


def test_chain_dataset():
    e, t = both(lambda lib, d: (list(d.ChainDataset([cnt(lib)(0, 3), cnt(lib)(10, 12)])),
                                len(d.ChainDataset([cnt(lib)(0, 3), cnt(lib)(10, 12)]))))
    assert e == t == ([0, 1, 2, 10, 11], 5)
    assert list(Count(0, 2) + Count(5, 6)) == [0, 1, 5]
    raises_like(lambda lib, d: d.ConcatDataset([cnt(lib)(0, 3)]))
    raises_like(lambda lib, d: list(d.ChainDataset([sq(lib)(3)])))
    raises_like(lambda lib, d: len(d.ChainDataset([sq(lib)(3)])))


def test_subset():
    def f(lib, d):
        s = d.Subset(tds(lib, d), [4, 0, 2])
        return len(s), s[0], s[2], s.__getitems__([1, 2])
    e, t = both(f)
    assert e == t


@pytest.mark.parametrize("kw", [False, True])
def test_stack_dataset(kw):
    def f(lib, d):
        a, b = sq(lib)(4), d.TensorDataset(lib.tensor(ARR[:4]))
        s = d.StackDataset(x=a, y=b) if kw else d.StackDataset(a, b)
        return len(s), s[1], s.__getitems__([0, 3])
    e, t = both(f)
    assert e == t


def test_stack_dataset_errors():
    raises_like(lambda lib, d: d.StackDataset(sq(lib)(2), y=sq(lib)(2)))
    raises_like(lambda lib, d: d.StackDataset(sq(lib)(2), sq(lib)(3)))
    raises_like(lambda lib, d: d.StackDataset(x=sq(lib)(2), y=sq(lib)(3)))
    raises_like(lambda lib, d: d.StackDataset())


def test_base_dataset_getitem_raises():
    raises_like(lambda lib, d: d.Dataset()[0])


@pytest.mark.parametrize("n,lengths", [
    (10, [3, 7]), (10, [0.3, 0.7]), (11, [0.5, 0.5]), (7, [0.2, 0.2, 0.6]),
    (13, [0.1, 0.2, 0.3, 0.4]), (5, [1.0]), (3, [0.25, 0.25, 0.25, 0.25]), (100, [1 / 3] * 3),
])
def test_random_split_lengths_and_coverage(n, lengths):
    with warnings.catch_warnings(record=True) as w_e:
        warnings.simplefilter("always")
        es = eud.random_split(Squares(n), lengths, generator=ember.Generator().manual_seed(1))
    with warnings.catch_warnings(record=True) as w_t:
        warnings.simplefilter("always")
        ts = tud.random_split(TSquares(n), lengths, generator=torch.Generator().manual_seed(1))
    assert [len(s) for s in es] == [len(s) for s in ts]
    assert [str(x.message) for x in w_e] == [str(x.message) for x in w_t]
    idx = [i for s in es for i in s.indices]
    assert sorted(idx) == list(range(n))


def test_random_split_reproducible():
    def split(seed):
        g = ember.Generator().manual_seed(seed)
        return [s.indices for s in eud.random_split(range(30), [10, 20], generator=g)]
    assert split(3) == split(3)
    assert split(3) != split(4)
    ember.manual_seed(5)
    a = [s.indices for s in eud.random_split(range(30), [0.5, 0.5])]
    ember.manual_seed(5)
    assert a == [s.indices for s in eud.random_split(range(30), [0.5, 0.5])]


@pytest.mark.parametrize("lengths", [[3, 3], [0.5, 0.6], [-0.5, 1.5], [11]])
def test_random_split_errors(lengths):
    raises_like(lambda lib, d: d.random_split(range(10), lengths))

