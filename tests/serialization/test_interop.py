"""ember.save -> torch.load(weights_only=True) and torch.save -> ember.load, exactly."""
from __future__ import annotations

import collections

import numpy as np
import pytest
import torch

import ember
from ember.serialization import load, save

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16",
          "float32", "float64", "complex64", "complex128"]


def _values(name, shape, seed=0):
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    if name == "bool":
        return rng.integers(0, 2, n).astype(bool).reshape(shape)
    if name.startswith(("int", "uint")):
        info = np.iinfo(name)
        return rng.integers(info.min, info.max, n, dtype=name, endpoint=True).reshape(shape)
    if name.startswith("complex"):
        real = np.float32 if name == "complex64" else np.float64
        return (rng.standard_normal(n).astype(real) + 1j * rng.standard_normal(n).astype(real)
                ).astype(name).reshape(shape)
    base = rng.standard_normal(n).astype(np.float32) * 100
    base[:3] = [np.inf, -0.0, np.nan][:n] if n >= 3 else base[:3]
    return base.reshape(shape)


def pair(name, shape, seed=0):
    """The same tensor in ember and in torch (bfloat16 by the same float32 cast)."""
    v = _values(name, shape, seed)
    if name == "bfloat16":
        return ember.tensor(v).to(ember.bfloat16), torch.tensor(v).to(torch.bfloat16)
    return ember.tensor(v), torch.from_numpy(v.copy())


# each layout: (base ember, base torch) -> parallel lists of tensors to save
LAYOUTS = {
    "contiguous": lambda e, t: ([e], [t]),
    "transposed": lambda e, t: ([e.t()], [t.t()]),
    "offset_slice": lambda e, t: ([e[1:, 1::2]], [t[1:, 1::2]]),
    "shared_views": lambda e, t: ([e, e[1], e.t(), e[2:, :3]], [t, t[1], t.t(), t[2:, :3]]),
    "row_only": lambda e, t: ([e[2]], [t[2]]),
    "zero_dim": lambda e, t: ([e[1, 2]], [t[1, 2]]),
    "zero_element": lambda e, t: ([e[:0], e[:, 4:4]], [t[:0], t[:, 4:4]]),
}


def _bits(a):
    return np.ascontiguousarray(a).view(np.uint8).tobytes()


def _ember_bits(x):
    return _bits(x._data)


def _torch_bits(x):
    if not x.numel():
        return b""
    return _bits(x.contiguous().reshape(-1).view(torch.uint8).numpy())


def check_same(e, t):
    """Exact equality of one ember and one torch tensor: dtype, shape, stride, offset, bits."""
    assert str(t.dtype) == "torch." + e.dtype.name
    assert tuple(e.shape) == tuple(t.shape)
    if e.numel():  # ember reports canonical strides for every 0-element tensor
        assert e.stride() == t.stride()
    assert e.storage_offset() == t.storage_offset()
    if e.numel():
        assert _ember_bits(e) == _torch_bits(t)
    assert e.requires_grad == t.requires_grad
    assert isinstance(e, ember.nn.Parameter) == isinstance(t, torch.nn.Parameter)


def check_sharing(es, ts):
    """Tensors share a storage in ember exactly when they do in torch."""
    for i in range(len(es)):
        for j in range(len(es)):
            if es[i].numel() and es[j].numel():
                e_share = es[i]._root_array() is es[j]._root_array()
                t_share = ts[i].untyped_storage().data_ptr() == ts[j].untyped_storage().data_ptr()
                assert e_share == t_share, (i, j)


CASES = [(d, lay) for d in DTYPES for lay in LAYOUTS]


@pytest.mark.parametrize("dtype,layout", CASES)
def test_ember_to_torch(tmp_path, dtype, layout):
    e, t = pair(dtype, (4, 6))
    es, ts = LAYOUTS[layout](e, t)
    path = tmp_path / "e.pt"
    save({"tensors": es, "n": 3}, path)
    got = torch.load(path, weights_only=True)
    assert got["n"] == 3
    for a, b in zip(es, got["tensors"]):
        check_same(a, b)
    check_sharing(es, got["tensors"])


@pytest.mark.parametrize("dtype,layout", CASES)
def test_torch_to_ember(tmp_path, dtype, layout):
    e, t = pair(dtype, (4, 6))
    es, ts = LAYOUTS[layout](e, t)
    path = tmp_path / "t.pt"
    torch.save({"tensors": ts, "n": 3}, path)
    got = load(path)
    assert got["n"] == 3
    for a, b in zip(got["tensors"], ts):
        check_same(a, b)
    check_sharing(got["tensors"], ts)


@pytest.mark.parametrize("dtype", DTYPES)
def test_torch_legacy_format_to_ember(tmp_path, dtype):
    e, t = pair(dtype, (3, 5))
    ts = [t, t[1:, 2:], t.t()]
    path = tmp_path / "legacy.pt"
    torch.save(ts, path, _use_new_zipfile_serialization=False)
    got = load(path)
    for a, b in zip(got, ts):
        assert str(b.dtype) == "torch." + a.dtype.name and tuple(a.shape) == tuple(b.shape)
        assert a.stride() == b.stride()
        assert _ember_bits(a) == _torch_bits(b)
    assert got[1]._root_array() is got[0]._root_array()


def _structure(fw, make):
    """A nested checkpoint with Parameters, OrderedDict+_metadata, Size, dtype, device."""
    od = collections.OrderedDict(weight=fw.nn.Parameter(make(0)), bias=make(1)[0])
    od._metadata = collections.OrderedDict({"": {"version": 1}, "sub": {"version": 2}})
    return {"model": od, "list": [make(2), (make(3).t(), 1.5, None, True)],
            "meta": {"shape": fw.Size([2, 3]), "dtype": fw.float16, "device": fw.device("cpu"),
                     "name": "run", "epoch": 7, "frozen": fw.nn.Parameter(make(4), requires_grad=False),
                     "c": 1 + 2j}}


def _flat(obj):
    if isinstance(obj, dict):
        return [(k, v) for key in obj for k, v in _flat(obj[key])] + [("keys", list(obj))]
    if isinstance(obj, (list, tuple)):
        return [x for item in obj for x in _flat(item)] + [("len", len(obj))]
    return [("leaf", obj)]


def _compare_structures(e_obj, t_obj):
    ef, tf = _flat(e_obj), _flat(t_obj)
    assert len(ef) == len(tf)
    for (_, a), (_, b) in zip(ef, tf):
        if isinstance(a, ember.Tensor):
            check_same(a, b)
        elif isinstance(a, ember.dtype):
            assert str(b) == "torch." + a.name
        elif isinstance(a, ember.device):
            assert str(a) == str(b)
        else:
            assert a == b and type(a) is type(b) or (isinstance(a, ember.Size) and tuple(a) == tuple(b))


def test_nested_structure_both_ways(tmp_path):
    e_obj = _structure(ember, lambda i: pair("float32", (2, 3), i)[0])
    t_obj = _structure(torch, lambda i: pair("float32", (2, 3), i)[1])
    save(e_obj, tmp_path / "e.pt")
    torch.save(t_obj, tmp_path / "t.pt")
    from_e = torch.load(tmp_path / "e.pt", weights_only=True)
    from_t = load(tmp_path / "t.pt")
    _compare_structures(e_obj, from_e)
    _compare_structures(from_t, t_obj)
    assert from_e["model"]._metadata == e_obj["model"]._metadata
    assert from_t["model"]._metadata == t_obj["model"]._metadata
    assert type(from_t["model"]) is collections.OrderedDict
    assert isinstance(from_t["meta"]["shape"], ember.Size)


def _models(seed):
    torch.manual_seed(seed)
    tm = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.BatchNorm1d(8), torch.nn.Linear(8, 2))
    em = ember.nn.Sequential(ember.nn.Linear(4, 8), ember.nn.BatchNorm1d(8), ember.nn.Linear(8, 2))
    return tm, em


def test_module_state_dict_round_trip(tmp_path):
    tm, em = _models(0)
    tm(torch.randn(5, 4))  # moves BatchNorm's running stats and num_batches_tracked
    torch.save(tm.state_dict(), tmp_path / "t.pt")
    sd = load(tmp_path / "t.pt")
    em.load_state_dict(sd)
    for (k, a), (k2, b) in zip(em.state_dict().items(), tm.state_dict().items()):
        assert k == k2
        check_same(a.detach(), b.detach())
    # ember -> file -> a fresh torch model
    with ember.no_grad():
        em[0].weight.mul_(2.0)
    save(em.state_dict(), tmp_path / "e.pt")
    tm2, _ = _models(1)
    tm2.load_state_dict(torch.load(tmp_path / "e.pt", weights_only=True))
    for (k, a), (k2, b) in zip(em.state_dict().items(), tm2.state_dict().items()):
        assert k == k2
        check_same(a.detach(), b.detach())
    assert torch.load(tmp_path / "e.pt", weights_only=True)._metadata == tm.state_dict()._metadata


def test_optimizer_state_dict_round_trip(tmp_path):
    tm, em = _models(0)
    em.load_state_dict(load(_save_torch(tm.state_dict(), tmp_path / "m.pt")))
    topt = torch.optim.Adam(tm.parameters(), lr=0.01)
    eopt = ember.optim.Adam(em.parameters(), lr=0.01)
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    for _ in range(2):
        topt.zero_grad()
        tm(torch.from_numpy(x)).square().sum().backward()
        topt.step()
    torch.save(topt.state_dict(), tmp_path / "topt.pt")
    sd = load(tmp_path / "topt.pt")
    assert isinstance(sd["state"][0]["step"], ember.Tensor)
    eopt.load_state_dict(sd)
    save(eopt.state_dict(), tmp_path / "eopt.pt")
    back = torch.load(tmp_path / "eopt.pt", weights_only=True)
    ref = topt.state_dict()
    assert back["param_groups"] == ref["param_groups"]
    for i, st in ref["state"].items():
        for k, v in st.items():
            assert torch.equal(back["state"][i][k], v) and back["state"][i][k].dtype == v.dtype
    topt2 = torch.optim.Adam(tm.parameters(), lr=0.01)
    topt2.load_state_dict(back)


def _save_torch(obj, path):
    torch.save(obj, path)
    return path


def test_map_location_variants_on_torch_files(tmp_path):
    e, t = pair("float64", (3, 3))
    torch.save({"a": t, "v": t[1:]}, tmp_path / "t.pt")
    seen = []

    def hook(storage, location):
        seen.append(location)
        return storage

    for ml in ["cpu", ember.device("cpu"), {"cpu": "cpu"}, hook]:
        got = load(tmp_path / "t.pt", map_location=ml)
        check_same(got["a"], t)
        check_same(got["v"], t[1:])
    assert seen == ["cpu"]
