"""ember.save/ember.load round trips, safety, corrupt input, atomicity, mmap."""
from __future__ import annotations

import io
import os
import pickle
import zipfile

import numpy as np
import pytest
import torch

import ember
from ember.serialization import CheckpointError, load, save


def _ckpt():
    a = ember.arange(24, dtype=ember.float32).reshape(4, 6)
    return {"a": a, "t": a.t(), "row": a[2], "p": ember.nn.Parameter(ember.ones(3)), "step": 5}


def test_round_trip_path_pathlib_and_file_object(tmp_path):
    obj = _ckpt()
    save(obj, str(tmp_path / "s.pt"))
    save(obj, tmp_path / "p.pt")
    buf = io.BytesIO()
    save(obj, buf)
    buf.seek(0)
    for got in (load(str(tmp_path / "s.pt")), load(tmp_path / "p.pt"), load(buf)):
        assert got["step"] == 5
        assert np.array_equal(got["t"].numpy(), obj["t"].numpy())
        assert got["t"].stride() == (1, 6) and got["row"].storage_offset() == 12
        got["a"][2, 0] = 100.0  # views share memory after load
        assert got["row"][0].item() == 100.0 and got["t"][0, 2].item() == 100.0
        assert isinstance(got["p"], ember.nn.Parameter) and got["p"].requires_grad


def test_pickle_protocol_option(tmp_path):
    save({"x": ember.ones(2)}, tmp_path / "p4.pt", pickle_protocol=4)
    assert load(tmp_path / "p4.pt")["x"].tolist() == [1.0, 1.0]
    with pytest.raises(ValueError, match="protocol"):
        save({}, tmp_path / "bad.pt", pickle_protocol=1)


class _Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_weights_only_refuses_code_and_names_the_global(tmp_path):
    marker = tmp_path / "marker"
    torch.save({"x": torch.ones(1), "evil": _Evil(str(marker))}, tmp_path / "evil.pt")
    with pytest.raises(pickle.UnpicklingError, match=r"refusing to load global 'io.open'"):
        load(tmp_path / "evil.pt")
    assert not marker.exists()
    # weights_only=False runs it: the documented danger
    load(tmp_path / "evil.pt", weights_only=False)
    assert marker.exists()


def test_weights_only_false_loads_arbitrary_objects_without_torch_names(tmp_path):
    save({"arr": np.arange(3), "x": ember.ones(2)}, tmp_path / "np.pt")
    with pytest.raises(pickle.UnpicklingError, match="numpy"):
        load(tmp_path / "np.pt")
    got = load(tmp_path / "np.pt", weights_only=False)
    assert got["arr"].tolist() == [0, 1, 2]


def _good_bytes():
    buf = io.BytesIO()
    save({"a": ember.arange(10, dtype=ember.float64), "b": [ember.ones(3)]}, buf)
    return buf.getvalue()


def _pkl(raw):
    z = zipfile.ZipFile(io.BytesIO(raw))
    return z.read(next(n for n in z.namelist() if n.endswith("/data.pkl")))


def _rewrite(raw, drop=None, replace=None):
    src = zipfile.ZipFile(io.BytesIO(raw))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if drop and info.filename.endswith(drop):
                continue
            data = src.read(info)
            if replace and info.filename.endswith(replace[0]):
                data = replace[1]
            dst.writestr(info.filename, data)
    return out.getvalue()


CORRUPT = {
    "truncated": (lambda raw: raw[: len(raw) // 2], CheckpointError, "central directory"),
    "empty": (lambda raw: b"", CheckpointError, "magic"),
    "wrong_magic": (lambda raw: b"NOTAZIP" + raw[7:], CheckpointError, "magic"),
    "missing_data_pkl": (lambda raw: _rewrite(raw, drop="data.pkl"), CheckpointError, "data.pkl"),
    "record_size_mismatch": (lambda raw: _rewrite(raw, replace=("data/0", b"\0" * 8)), CheckpointError,
                             "holds 8 bytes but the checkpoint declares 10"),
    "bad_pickle": (lambda raw: _rewrite(raw, replace=("data.pkl", b"\x80\x02garbage")),
                   pickle.UnpicklingError, "malformed"),
    "truncated_pickle": (lambda raw: _rewrite(raw, replace=("data.pkl", _pkl(raw)[:-9])), pickle.UnpicklingError, "corrupt"),
}


@pytest.mark.parametrize("case", sorted(CORRUPT))
def test_corrupt_input_raises_clean_errors(tmp_path, case):
    mutate, exc, msg = CORRUPT[case]
    path = tmp_path / "c.pt"
    path.write_bytes(mutate(_good_bytes()))
    with pytest.raises(exc, match=msg):
        load(path)


def test_out_of_bounds_view_is_refused(tmp_path):
    t = torch.arange(4.0)
    torch.save(t, tmp_path / "t.pt")
    raw = (tmp_path / "t.pt").read_bytes()
    pkl = _pkl(raw)
    bad = pkl.replace(b"K\x04\x85", b"K\x40\x85", 1)  # size (4,) -> (64,)
    assert bad != pkl
    (tmp_path / "bad.pt").write_bytes(_rewrite(raw, replace=("data.pkl", bad)))
    with pytest.raises(pickle.UnpicklingError, match="past the end of its storage"):
        load(tmp_path / "bad.pt")


def test_atomic_save_replaces_and_leaves_no_temp_files(tmp_path):
    path = tmp_path / "ck.pt"
    save({"v": 1}, path)
    save({"v": 2, "x": ember.zeros(100)}, path)
    assert load(path)["v"] == 2
    assert sorted(os.listdir(tmp_path)) == ["ck.pt"]

    class Boom:
        def __reduce__(self):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        save({"v": 3, "bad": Boom()}, path)
    assert load(path)["v"] == 2  # the old complete file survives a failed save
    assert sorted(os.listdir(tmp_path)) == ["ck.pt"]


def test_mmap_load_is_a_lazy_copy_on_write_map(tmp_path):
    x = ember.arange(1000, dtype=ember.int32)
    save({"x": x, "v": x[10:20]}, tmp_path / "m.pt")
    before = (tmp_path / "m.pt").read_bytes()
    got = load(tmp_path / "m.pt", mmap=True)
    chain, obj = [], got["x"]._data
    while obj is not None:
        chain.append(obj)
        nxt = getattr(obj, "base", None)
        obj = nxt if nxt is not None else getattr(obj, "obj", None)
    assert any(isinstance(o, np.memmap) for o in chain)
    assert got["v"].tolist() == list(range(10, 20))
    got["x"][10] = -1
    assert got["v"][0].item() == -1
    assert (tmp_path / "m.pt").read_bytes() == before  # copy-on-write: the file is untouched
    with pytest.raises(RuntimeError, match="mmap"):
        load(io.BytesIO(before), mmap=True)


def test_map_location_to_missing_device_and_bad_type(tmp_path):
    save({"x": ember.ones(2)}, tmp_path / "x.pt")
    with pytest.raises(TypeError, match="map_location"):
        load(tmp_path / "x.pt", map_location=3.5)
    got = load(tmp_path / "x.pt", map_location={"cuda:0": "cpu"})
    assert got["x"].device == ember.device("cpu")


def test_cuda_location_without_backend_says_use_map_location(tmp_path):
    t = torch.ones(2)
    torch.save(t, tmp_path / "t.pt")
    raw = (tmp_path / "t.pt").read_bytes()
    pkl = _pkl(raw)
    bad = pkl.replace(b"X\x03\x00\x00\x00cpu", b"X\x06\x00\x00\x00cuda:0", 1)
    assert bad != pkl
    (tmp_path / "c.pt").write_bytes(_rewrite(raw, replace=("data.pkl", bad)))
    try:
        ember.device("cuda").backend
    except (ImportError, RuntimeError):
        with pytest.raises(RuntimeError, match="map_location"):
            load(tmp_path / "c.pt")
    assert load(tmp_path / "c.pt", map_location="cpu").tolist() == [1.0, 1.0]
    assert load(tmp_path / "c.pt", map_location={"cuda:0": "cpu"}).tolist() == [1.0, 1.0]


def test_saving_one_storage_as_two_dtypes_is_refused(tmp_path):
    a = ember.zeros(4)
    with pytest.raises(RuntimeError, match="different types"):
        save([a, a.view(ember.int32)], tmp_path / "x.pt")
    with pytest.raises(RuntimeError, match="different types"):
        save([a.view(ember.int32), a], io.BytesIO())


def test_same_object_saves_to_the_same_bytes(tmp_path):
    """Reproducible checkpoints: the serialization id comes from the content."""
    import time

    sd = {"w": ember.arange(12.0).view(3, 4), "b": ember.zeros(2), "step": 3}
    a, b = tmp_path / "a.pt", tmp_path / "b.pt"
    ember.save(sd, a)
    time.sleep(1.1)
    ember.save(sd, b)
    assert a.read_bytes() == b.read_bytes()
    sd["w"][0, 0] = 1.0
    ember.save(sd, b)
    assert a.read_bytes() != b.read_bytes()
    import torch
    assert torch.load(b, weights_only=True)["w"][0, 0].item() == 1.0


def test_bare_storage_without_tensor_is_refused(tmp_path):
    """A checkpoint whose pickle stores a storage outside any tensor (as a corrupted
    file may) is refused: ember has no public storage type to return."""
    import torch
    path = tmp_path / "s.pt"
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # TypedStorage is deprecated in torch
        torch.save({"s": torch.arange(4.0).storage()}, path)
    with pytest.raises(RuntimeError, match="not wrapped in a tensor"):
        ember.load(path)
