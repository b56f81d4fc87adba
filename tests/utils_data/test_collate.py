"""default_collate / default_convert against torch's."""
import collections

import numpy as np
import pytest
import torch
import torch.utils.data as tud
from test_datasets import as_plain, raises_like

import ember
import ember.utils.data as eud

Point = collections.namedtuple("Point", "x y")

# each case builds a batch from a library (so tensors are the library's own)
CASES = {
    "tensors": lambda L: [L.tensor([1.0, 2.0]), L.tensor([3.0, 4.0])],
    "int_tensors_2d": lambda L: [L.arange(6).reshape(2, 3), L.arange(6, 12).reshape(2, 3)],
    "scalars_0d": lambda L: [L.tensor(1.5), L.tensor(2.5)],
    "floats": lambda L: [1.5, 2.0, -3.25],
    "ints": lambda L: [1, 2, 3],
    "bools": lambda L: [True, False],
    "strings": lambda L: ["a", "bc"],
    "bytes": lambda L: [b"a", b"bc"],
    "np_float32": lambda L: [np.ones((2, 2), np.float32), np.zeros((2, 2), np.float32)],
    "np_int32": lambda L: [np.arange(3, dtype=np.int32), np.arange(3, dtype=np.int32)],
    "np_scalars_f32": lambda L: [np.float32(1.5), np.float32(2)],
    "np_scalars_i16": lambda L: [np.int16(1), np.int16(2)],
    "np_scalars_f64": lambda L: [np.float64(1.5), np.float64(2)],
    "np_bool": lambda L: [np.bool_(True), np.bool_(False)],
    "dicts": lambda L: [{"a": 1, "b": L.tensor([1.0])}, {"a": 2, "b": L.tensor([2.0])}],
    "ordered_dict": lambda L: [collections.OrderedDict(z=1.0, a=2),
                               collections.OrderedDict(z=3.0, a=4)],
    "tuples": lambda L: [(L.tensor([1]), 2.0, "x"), (L.tensor([3]), 4.0, "y")],
    "lists": lambda L: [[1, 2.5], [3, 4.5]],
    "namedtuples": lambda L: [Point(1, L.tensor([1.0])), Point(2, L.tensor([2.0]))],
    "nested": lambda L: [{"p": Point([1, 2], (3.0,)), "s": "a"},
                         {"p": Point([4, 5], (6.0,)), "s": "b"}],
    "big_tensors": lambda L: [L.ones(64, 64) * i for i in range(3)],
}


def run(fn, name):
    e = fn(eud, CASES[name](ember))
    t = fn(tud, CASES[name](torch))
    return e, t


@pytest.mark.parametrize("name", list(CASES))
def test_default_collate(name):
    e, t = run(lambda d, b: d.default_collate(b), name)
    assert type(e).__name__ == type(t).__name__
    assert as_plain(e) == as_plain(t)


@pytest.mark.parametrize("name", list(CASES))
def test_default_convert(name):
    for sample in range(2):
        e = eud.default_convert(CASES[name](ember)[sample])
        t = tud.default_convert(CASES[name](torch)[sample])
        assert type(e).__name__ == type(t).__name__
        assert as_plain(e) == as_plain(t)


def test_default_convert_whole_numpy():
    e = eud.default_convert({"x": np.arange(4.0), "s": np.array(["a"]), "t": (np.int8(3),)})
    t = tud.default_convert({"x": np.arange(4.0), "s": np.array(["a"]), "t": (np.int8(3),)})
    assert as_plain(e["x"]) == as_plain(t["x"]) and as_plain(e["t"]) == as_plain(t["t"])
    assert isinstance(e["s"], np.ndarray)


BAD = {
    "unequal_tensors": lambda L: [L.zeros(2), L.zeros(3)],
    "unequal_lists": lambda L: [[1, 2], [3]],
    "np_strings": lambda L: [np.array(["a"]), np.array(["b"])],
    "objects": lambda L: [object(), object()],
    "none": lambda L: [None, None],
}


@pytest.mark.parametrize("name", list(BAD))
def test_default_collate_errors(name):
    def f(lib, d):
        batch = BAD[name](lib)
        if name == "objects":
            batch = [Point, Point]  # a type, printed the same by both
        return d.default_collate(batch)
    raises_like(f)


def test_collate_with_custom_map():
    from torch.utils.data._utils.collate import collate as tcollate

    from ember.utils.data._collate import collate

    def strs(batch, *, collate_fn_map=None):
        return "|".join(batch)

    def ints(batch, *, collate_fn_map=None):
        return sum(batch)
    batch = [{"a": "x", "b": [1, "p"]}, {"a": "y", "b": [2, "q"]}]
    fmap = {str: strs, int: ints}
    assert collate(batch, collate_fn_map=fmap) == tcollate(batch, collate_fn_map=fmap)
    raises_like(lambda lib, d: (collate if lib is ember else tcollate)(
        [1.5, 2.5], collate_fn_map=fmap))
