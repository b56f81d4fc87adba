"""Seeded mutation fuzzing of the checkpoint readers.

Thousands of mutated files (truncations, bit flips, byte insertions/deletions anywhere, overwrites
inside data.pkl or inside a storage record, and re-zipped archives whose data.pkl or storages were
mutated behind valid CRCs) are fed to ``ember.serialization.load`` and to the safetensors reader.
Every outcome must be either

* a clean exception of a documented type (``RuntimeError``, ``ValueError``,
  ``pickle.UnpicklingError``, ``zipfile.BadZipFile``, ``EOFError``) with a message, or
* a complete, correct object: equal to what torch.load (the specification) gives for the same bytes,
  or equal to the original object when the mutation was benign;

never a crash, a hang (each case runs under a 5 s timer), another exception type or a partial object.
"""
from __future__ import annotations

import io
import json
import os
import pickle
import random
import signal
import struct
import zipfile

import numpy as np
import pytest
import torch

import ember
from ember.serialization import load as ember_load
from ember.serialization import safetensors as st

CLEAN = (RuntimeError, ValueError, pickle.UnpicklingError, zipfile.BadZipFile, EOFError)
CASE_SECONDS = 5.0
FIX = os.path.join(os.path.dirname(__file__), "fixtures")


class _Timeout(BaseException):
    pass


def _alarm(signum, frame):
    raise _Timeout()


def run_limited(fn, data):
    """fn(data) under a per-case timer -> ('ok', value) or ('err', exception)."""
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, CASE_SECONDS)
    try:
        return "ok", fn(data)
    except _Timeout:
        raise AssertionError(f"reader hung (> {CASE_SECONDS} s) on a {len(data)}-byte input") from None
    except Exception as err:  # judged by the caller
        return "err", err
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


# ------------------------------------------------------------- comparisons
def _bits(a) -> bytes:
    return np.ascontiguousarray(a).tobytes()


def same(e, t) -> bool:
    """ember object e equals torch/ember object t: containers, numbers and tensor bits."""
    if isinstance(t, torch.Tensor):
        if not isinstance(e, ember.Tensor) or str(e.dtype)[6:] != str(t.dtype)[6:] or \
                tuple(e.shape) != tuple(t.shape):
            return False
        tt = t.detach()
        ta = tt.view(torch.int16).numpy() if tt.dtype == torch.bfloat16 else tt.numpy()
        ea = e.detach().numpy()
        return _bits(ea.view(np.int16) if e.dtype is ember.bfloat16 else ea) == _bits(ta)
    if isinstance(t, (torch.TypedStorage, torch.UntypedStorage)):
        # a pickle whose tensor REDUCE was mutated away yields a bare storage in torch too;
        # ember gives its loader's Storage record: compare dtype and bytes
        from ember.serialization._unpickler import Storage
        if isinstance(t, torch.UntypedStorage):
            t = torch.TypedStorage(wrap_storage=t, dtype=torch.uint8, _internal=True)
        raw = torch.tensor([], dtype=t.dtype).set_(t)
        return isinstance(e, Storage) and same(_storage_tensor(e), raw)
    if isinstance(t, ember.Tensor):
        return isinstance(e, ember.Tensor) and e.dtype is t.dtype and e.shape == t.shape and \
            _bits(e.detach().numpy()) == _bits(t.detach().numpy())
    if isinstance(t, dict):
        return isinstance(e, dict) and list(e) == list(t) and all(same(e[k], t[k]) for k in t)
    if isinstance(t, (list, tuple)):
        return type(e) is type(t) and len(e) == len(t) and all(same(a, b) for a, b in zip(e, t))
    if isinstance(t, float) and t != t:
        return isinstance(e, float) and e != e
    return type(e) is type(t) and e == t


def _storage_tensor(s):
    from ember._tensor import _make
    return _make(s.array, s.dtype)


# ------------------------------------------------------------- base files
def _objects():
    g = torch.Generator().manual_seed(0)
    w = torch.randn(4, 5, generator=g)
    return {
        "weight": w,
        "view": w[1:, ::2],
        "bias": torch.arange(5, dtype=torch.int64),
        "half": torch.randn(3, generator=g).half(),
        "flags": torch.tensor([True, False]),
        "empty": torch.zeros(0, 2),
        "epoch": 7,
        "lr": 0.125,
        "nested": [(1, "two", None), {"k": torch.tensor(3.5)}],
    }


def _torch_bytes(**kw) -> bytes:
    buf = io.BytesIO()
    torch.save(_objects(), buf, **kw)
    return buf.getvalue()


def _record_spans(data: bytes) -> dict:
    """zip member name -> (start, end) of its stored bytes in the archive."""
    spans = {}
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for info in z.infolist():
            name_len, extra_len = struct.unpack("<HH", data[info.header_offset + 26:info.header_offset + 30])
            start = info.header_offset + 30 + name_len + extra_len
            spans[info.filename] = (start, start + info.compress_size)
    return spans


def _rezip(data: bytes, edit) -> bytes:
    """A valid zip (good CRCs) whose records were passed through edit(name, payload) -> payload|None."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            payload = edit(info.filename, zin.read(info.filename))
            if payload is not None:
                zout.writestr(info.filename, payload)
    return out.getvalue()


# ------------------------------------------------------------- mutations
def _flip(rng, b: bytes, lo=0, hi=None) -> bytes:
    hi = len(b) if hi is None else hi
    if hi <= lo:
        return b
    m = bytearray(b)
    for _ in range(rng.choice((1, 1, 2, 4))):
        i = rng.randrange(lo, hi)
        m[i] ^= 1 << rng.randrange(8)
    return bytes(m)


def _overwrite(rng, b: bytes, lo=0, hi=None) -> bytes:
    hi = len(b) if hi is None else hi
    if hi <= lo:
        return b
    i = rng.randrange(lo, hi)
    n = rng.randint(1, 8)
    return b[:i] + bytes(rng.randrange(256) for _ in range(n)) + b[i + n:]


def _generic(rng, b: bytes) -> bytes:
    kind = rng.randrange(4)
    if kind == 0:
        return b[:rng.randrange(len(b))]
    if kind == 1:
        return _flip(rng, b)
    i = rng.randrange(len(b) + 1)
    if kind == 2:
        return b[:i] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 16))) + b[i:]
    return b[:i] + b[i + rng.randint(1, 16):]


def _pickle_edit(rng, payload: bytes) -> bytes:
    kind = rng.randrange(4)
    if kind == 0:
        return payload[:rng.randrange(len(payload))]
    if kind == 1:
        return _flip(rng, payload)
    if kind == 2:
        return _overwrite(rng, payload)
    i = rng.randrange(len(payload) + 1)
    return payload[:i] + bytes([rng.randrange(256)]) + payload[i:]


def zip_mutants(base: bytes, seed: int, n: int):
    rng = random.Random(seed)
    spans = _record_spans(base)
    pkl = next(v for k, v in spans.items() if k.endswith("data.pkl"))
    storages = [v for k, v in spans.items() if "/data/" in k and v[1] > v[0]]
    for _ in range(n):
        kind = rng.randrange(6)
        if kind in (0, 1):
            yield _generic(rng, base)
        elif kind == 2:  # damage data.pkl in place (the CRC no longer matches)
            yield (_flip if rng.random() < 0.5 else _overwrite)(rng, base, *pkl)
        elif kind == 3:  # damage a storage record in place
            yield (_flip if rng.random() < 0.5 else _overwrite)(rng, base, *rng.choice(storages))
        elif kind == 4:  # a valid archive whose data.pkl was mutated: exercises the unpickler
            yield _rezip(base, lambda name, p: _pickle_edit(rng, p) if name.endswith("data.pkl") else p)
        else:  # a valid archive with a resized, altered or missing storage record
            victim = rng.choice(sorted(k for k in spans if "/data/" in k))
            op = rng.randrange(3)
            yield _rezip(base, lambda name, p: p if name != victim else
                         (None if op == 0 else p[:-1] if op == 1 and p else _flip(rng, p) + b"\0" * op))


def legacy_mutants(base: bytes, seed: int, n: int):
    rng = random.Random(seed)
    for _ in range(n):
        yield _generic(rng, base) if rng.random() < 0.6 else _overwrite(rng, base)


# ------------------------------------------------------------- the checks
def _torch_oracle(data: bytes):
    try:
        return "ok", torch.load(io.BytesIO(data), weights_only=True)
    except Exception as err:
        return "err", err


def check_checkpoint(data: bytes, original) -> str:
    outcome, value = run_limited(lambda d: ember_load(io.BytesIO(d)), data)
    if outcome == "err":
        assert isinstance(value, CLEAN), f"unclean {type(value).__name__}: {value}"
        assert str(value), f"{type(value).__name__} without a message"
        return "error"
    t_outcome, t_value = _torch_oracle(data)
    if t_outcome == "ok" and same(value, t_value):
        return "loaded"
    assert same(value, original), "ember returned an object that matches neither torch.load of the " \
        "same bytes nor the original checkpoint (a partial or wrong load)"
    return "loaded"


@pytest.mark.parametrize("fmt, n", [("torch_zip", 1500), ("torch_legacy", 700), ("ember_zip", 800)])
def test_fuzz_checkpoints(fmt, n):
    original = _objects()
    if fmt == "ember_zip":
        buf = io.BytesIO()
        from ember.serialization import save
        save(ember_load(io.BytesIO(_torch_bytes())), buf)  # ember's own writer
        base = buf.getvalue()
    else:
        base = _torch_bytes(_use_new_zipfile_serialization=(fmt == "torch_zip"))
    assert same(ember_load(io.BytesIO(base)), original)  # the unmutated file loads correctly
    mutants = legacy_mutants(base, 1, n) if fmt == "torch_legacy" else zip_mutants(base, 2, n)
    tally = {"error": 0, "loaded": 0}
    failures = []
    for i, data in enumerate(mutants):
        try:
            tally[check_checkpoint(data, original)] += 1
        except AssertionError as err:
            failures.append(f"case {i}: {str(err).splitlines()[0]}")
    assert not failures, f"{len(failures)} of {n} {fmt} mutants mishandled:\n" + "\n".join(failures[:8])
    print(fmt, tally)
    assert tally["error"] > n // 2, tally  # the mutations do damage; most must be detected


# ------------------------------------------------------------- safetensors
def _st_self_consistent(data: bytes, loaded: dict) -> None:
    """A successful load describes the file exactly: the bytes of every tensor are the file's."""
    (n,) = struct.unpack("<Q", data[:8])
    header = {k: v for k, v in json.loads(data[8:8 + n]).items() if k != "__metadata__"}
    assert set(header) == set(loaded)
    total = 0
    for name, info in header.items():
        b, e = info["data_offsets"]
        t = loaded[name]
        assert list(t.shape) == info["shape"]
        assert t.numpy().tobytes() == data[8 + n + b:8 + n + e]
        total += e - b
    assert 8 + n + total == len(data)


@pytest.mark.parametrize("stem", ["all_dtypes", "shapes", "names"])
def test_fuzz_safetensors(stem):
    with open(os.path.join(FIX, stem + ".safetensors"), "rb") as f:
        base = f.read()
    (hlen,) = struct.unpack("<Q", base[:8])
    rng = random.Random(stem)
    tally = {"error": 0, "loaded": 0}
    for i in range(700):
        r = rng.random()
        if r < 0.5:
            data = _generic(rng, base)
        elif r < 0.8:  # inside the JSON header
            data = (_flip if rng.random() < 0.5 else _overwrite)(rng, base, 8, 8 + hlen)
        else:
            data = _flip(rng, base, 0, 8)
        outcome, value = run_limited(st.load, data)
        if outcome == "err":
            assert isinstance(value, st.SafetensorError) or (
                isinstance(value, TypeError) and "ember has no dtype" in str(value)), \
                f"case {i}: unclean {type(value).__name__}: {value}"
            tally["error"] += 1
        else:
            _st_self_consistent(data, value)
            tally["loaded"] += 1
    print(stem, tally)
    assert tally["error"] > 350, tally
