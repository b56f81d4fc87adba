"""DataLoader against torch.utils.data.DataLoader: batches, len, workers,
worker info and seeds, persistent workers, ordering and argument errors."""
import multiprocessing as mp
import os

import numpy as np
import pytest
import torch
import torch.utils.data as tud
from test_datasets import as_plain, raises_like

import ember
import ember.utils.data as eud

X = np.arange(40, dtype=np.float32).reshape(10, 4)


def make_ds(lib, d, kind):
    if kind == "tensor":
        return d.TensorDataset(lib.tensor(X), lib.arange(10))
    if kind == "dict":
        return [{"i": i, "f": i / 2, "s": str(i), "a": np.full(3, i, np.int32)} for i in range(10)]
    return list(range(10))


def collate_pairs(batch):
    return [len(batch), batch[0]]


LOADER_CASES = [
    dict(batch_size=1), dict(batch_size=3), dict(batch_size=3, drop_last=True),
    dict(batch_size=None), dict(batch_size=4, collate_fn="pairs"),
    dict(batch_sampler=[[0, 1], [5], [9, 8, 7]]), dict(sampler=[9, 3, 3, 1], batch_size=2),
]


def build(lib, d, kind, case, **extra):
    kw = dict(case)
    if kw.get("collate_fn") == "pairs":
        kw["collate_fn"] = collate_pairs
    return d.DataLoader(make_ds(lib, d, kind), **kw, **extra)


@pytest.mark.parametrize("kind", ["tensor", "dict", "ints"])
@pytest.mark.parametrize("case", LOADER_CASES, ids=str)
@pytest.mark.parametrize("workers", [0, 2])
def test_batches_match_torch(kind, case, workers):
    e = build(ember, eud, kind, case, num_workers=workers)
    t = build(torch, tud, kind, case)
    assert len(e) == len(t)
    assert as_plain(list(e)) == as_plain(list(t))


class Count(eud.IterableDataset):
    """0..n-1, sharded between workers by get_worker_info()."""

    def __init__(self, n, shard=True):
        self.n, self.shard = n, shard

    def __iter__(self):
        info = eud.get_worker_info()
        if info is None or not self.shard:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))

    def __len__(self):
        return self.n


class TCount(tud.IterableDataset):
    def __init__(self, n, shard=True):
        self.n, self.shard = n, shard

    def __iter__(self):
        info = tud.get_worker_info()
        if info is None or not self.shard:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))

    def __len__(self):
        return self.n


@pytest.mark.parametrize("kw", [dict(batch_size=3), dict(batch_size=3, drop_last=True),
                                dict(batch_size=None), dict(batch_size=4, shard=False)], ids=str)
@pytest.mark.parametrize("workers", [0, 2])
def test_iterable_dataset_matches_torch(kw, workers):
    kw = dict(kw)
    shard = kw.pop("shard", True)
    e = eud.DataLoader(Count(11, shard), num_workers=workers, **kw)
    t = tud.DataLoader(TCount(11, shard), num_workers=workers, **kw)
    assert len(e) == len(t)
    assert as_plain(list(e)) == as_plain(list(t))


def test_shuffle_with_generator():
    ds = list(range(20))

    def epoch(seed, workers=0):
        g = ember.Generator().manual_seed(seed)
        return [b.tolist() for b in eud.DataLoader(ds, batch_size=6, shuffle=True, generator=g,
                                                   num_workers=workers)]
    a = epoch(1)
    assert sorted(i for b in a for i in b) == ds and [len(b) for b in a] == [6, 6, 6, 2]
    assert epoch(1) == a and epoch(2) != a and epoch(1, workers=2) == a
    loader = eud.DataLoader(ds, batch_size=20, shuffle=True)
    assert list(loader)[0].tolist() != list(loader)[0].tolist()


class WorkerReport(eud.Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        info = eud.get_worker_info()
        return {"i": i, "id": info.id, "n": info.num_workers, "seed": info.seed,
                "pid": os.getpid(), "same": info.dataset is self,
                "rand": ember.rand(1).item(), "np": float(np.random.rand())}


def test_worker_info_and_seeds():
    assert eud.get_worker_info() is None
    g = ember.Generator().manual_seed(0)
    out = list(eud.DataLoader(WorkerReport(), batch_size=2, num_workers=2, generator=g))
    ids = [int(b["id"][0]) for b in out]
    assert ids == [0, 1, 0, 1]
    assert all(int(b["n"][0]) == 2 and bool(b["same"][0]) for b in out)
    seeds = {int(b["id"][0]): int(b["seed"][0]) for b in out}
    assert seeds[1] == seeds[0] + 1
    assert {int(p) for b in out for p in b["pid"]} .isdisjoint({os.getpid()})
    g = ember.Generator().manual_seed(0)
    again = list(eud.DataLoader(WorkerReport(), batch_size=2, num_workers=2, generator=g))
    assert [b["seed"].tolist() for b in again] == [b["seed"].tolist() for b in out]
    # per-worker RNGs are seeded: ember's and numpy's streams differ between workers
    # and repeat with the same generator
    assert [b["rand"].tolist() for b in again] == [b["rand"].tolist() for b in out]
    assert out[0]["rand"].tolist() != out[1]["rand"].tolist()
    assert out[0]["np"].tolist() != out[1]["np"].tolist()
    with pytest.raises(RuntimeError, match="Cannot assign"):
        out_info = eud._worker.WorkerInfo(id=0)
        out_info.id = 1


def _init(worker_id):
    import random
    random.seed(100 + worker_id)
    os.environ["EMBER_TEST_WORKER"] = str(worker_id)


class EnvDs(eud.Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        return int(os.environ.get("EMBER_TEST_WORKER", "-1"))


def test_worker_init_fn():
    out = [b.tolist() for b in eud.DataLoader(EnvDs(), batch_size=1, num_workers=2,
                                              worker_init_fn=_init)]
    assert out == [[0], [1], [0], [1]]


@pytest.mark.parametrize("ctx", ["spawn", "forkserver"])
def test_start_methods(ctx):
    if ctx not in mp.get_all_start_methods():
        pytest.skip(f"{ctx} not available")
    ds = eud.TensorDataset(ember.tensor(X), ember.arange(10))
    e = eud.DataLoader(ds, batch_size=4, num_workers=2, multiprocessing_context=ctx)
    t = tud.DataLoader(tud.TensorDataset(torch.tensor(X), torch.arange(10)), batch_size=4)
    assert as_plain(list(e)) == as_plain(list(t))


class Pid(eud.Dataset):
    def __len__(self):
        return 6

    def __getitem__(self, i):
        return os.getpid()


def test_persistent_workers_reuse_processes():
    loader = eud.DataLoader(Pid(), batch_size=2, num_workers=2, persistent_workers=True)
    a = {p for b in loader for p in b.tolist()}
    b = {p for b in loader for p in b.tolist()}
    assert a == b and len(a) == 2
    loader2 = eud.DataLoader(Count(7), batch_size=2, num_workers=2, persistent_workers=True)
    t = tud.DataLoader(TCount(7), batch_size=2, num_workers=0)
    for _ in range(3):
        got = [x.tolist() for x in loader2]
        assert sorted(i for x in got for i in x) == list(range(7))
    half = iter(loader2)
    next(half)  # an epoch abandoned half-way does not leak into the next one
    assert sorted(i for x in loader2 for i in x.tolist()) == list(range(7))
    assert len(loader2) == len(t)


def test_in_order_false_and_prefetch():
    ds = list(range(23))
    for kw in (dict(in_order=False), dict(prefetch_factor=1), dict(prefetch_factor=4)):
        out = [b.tolist() for b in eud.DataLoader(ds, batch_size=5, num_workers=2, **kw)]
        assert sorted(i for b in out for i in b) == ds and len(out) == 5
        if kw.get("in_order", True):
            assert [i for b in out for i in b] == ds


def test_pin_memory_is_noop():
    out = list(eud.DataLoader(list(range(4)), batch_size=2, pin_memory=True))
    assert [b.tolist() for b in out] == [[0, 1], [2, 3]]


def test_batches_cross_in_shared_memory():
    import mmap
    x = ember.ones(64, 256)  # 64 KiB per batch of 64
    loader = eud.DataLoader(eud.TensorDataset(x), batch_size=64, num_workers=1)
    (batch,) = next(iter(loader))
    root = batch.numpy()
    while isinstance(root.base, np.ndarray):
        root = root.base
    assert isinstance(root.base, mmap.mmap)
    assert batch.sum().item() == 64 * 256
    batch.add_(1)  # the mapping is private to this process now and writable
    leftovers = [f for f in os.listdir("/dev/shm") if f.startswith(f"ember_dl_{os.getpid()}_")]
    assert leftovers == []


def _setattr(lib, d, name, value):
    loader = d.DataLoader(list(range(4)))
    setattr(loader, name, value)


@pytest.mark.parametrize("name", ["batch_size", "sampler", "drop_last", "dataset",
                                  "batch_sampler", "persistent_workers"])
def test_frozen_attributes(name):
    raises_like(lambda lib, d: _setattr(lib, d, name, None))


BAD_ARGS = [
    dict(num_workers=-1), dict(timeout=-1), dict(prefetch_factor=2),
    dict(num_workers=1, prefetch_factor=-1), dict(persistent_workers=True),
    dict(sampler=[0, 1], shuffle=True), dict(batch_sampler=[[0]], batch_size=2),
    dict(batch_sampler=[[0]], drop_last=True), dict(batch_sampler=[[0]], shuffle=True),
    dict(batch_sampler=[[0]], sampler=[0]), dict(batch_size=None, drop_last=True),
    dict(multiprocessing_context="spawn"), dict(num_workers=1, multiprocessing_context="nope"),
    dict(num_workers=1, multiprocessing_context=3), dict(batch_size=0),
]


@pytest.mark.parametrize("kw", BAD_ARGS, ids=str)
def test_argument_errors(kw):
    raises_like(lambda lib, d: d.DataLoader(list(range(4)), **kw))


@pytest.mark.parametrize("kw", [dict(shuffle=True), dict(sampler=[0]),
                                dict(batch_sampler=[[0]])], ids=str)
def test_iterable_argument_errors(kw):
    raises_like(lambda lib, d: d.DataLoader(
        (Count if lib is ember else TCount)(3), **kw))


def test_len_warning_for_iterable():
    loader = eud.DataLoader(Count(5, shard=False), batch_size=None, num_workers=2)
    assert len(loader) == 5
    with pytest.warns(UserWarning, match="was reported to be 5"):
        out = list(loader)
    assert len(out) == 10  # each worker iterates its whole copy, as in torch
