"""Atomic saves: SIGKILL in the middle of a large save never leaves a truncated checkpoint.

A child process saves a ~100 MB checkpoint over a path that already holds a valid, older checkpoint.
The test kills it (SIGKILL: no cleanup handlers run) at several moments: before the temporary file
appears, just after it appears, and at growing delays while it is being written. Afterwards the path
must hold either the complete old or the complete new checkpoint (it loads and equals one of them).

Leftover temporary files: a SIGKILL cannot be cleaned up after, so a killed save may leave its
``.<name>.*.tmp`` file in the folder. That is allowed (the target is never damaged); the test only
checks that such leftovers never carry the target's name and that an uninterrupted save leaves none.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import ember
from ember.serialization import load, save
from ember.serialization import safetensors as st

N = 25_000_000  # float32 elements: 100 MB
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

CHILD = textwrap.dedent("""
    import sys
    sys.path.insert(0, {root!r})
    import ember
    from ember.serialization import save
    from ember.serialization import safetensors as st
    w = ember.arange({n}, dtype=ember.float32)
    obj = {{"version": 2, "w": w, "b": ember.full((1000,), 2.0)}}
    print("ready", flush=True)
    if {fmt!r} == "pt":
        save(obj, {path!r})
    else:
        st.save_file({{"w": w, "b": obj["b"]}}, {path!r}, metadata={{"version": "2"}})
    print("done", flush=True)
""")


def _old(fmt, path):
    w, b = ember.ones(10), ember.full((3,), 1.0)
    if fmt == "pt":
        save({"version": 1, "w": w, "b": b}, path)
    else:
        st.save_file({"w": w, "b": b}, path, metadata={"version": "1"})


def _which(fmt, path) -> str:
    """'old' or 'new' if path holds one of the two complete checkpoints; fails otherwise."""
    if fmt == "pt":
        got = load(path)
        version = got["version"]
    else:
        got = st.load_file(path)
        with st.safe_open(path) as f:
            version = int(f.metadata()["version"])
    w, b = got["w"].numpy(), got["b"].numpy()
    if version == 1:
        assert w.shape == (10,) and (w == 1).all() and (b == 1).all()
        return "old"
    assert version == 2 and w.shape == (N,) and b.shape == (1000,) and (b == 2).all()
    assert np.array_equal(w, np.arange(N, dtype=np.float32))
    return "new"


def _extras(folder, name):
    return sorted(p for p in os.listdir(folder) if p != name)


def _temp_size(folder, name, before):
    """Size of the save's temporary file, or None while there is none."""
    for extra in set(_extras(folder, name)) - before:
        try:
            return os.stat(os.path.join(folder, extra)).st_size
        except FileNotFoundError:  # renamed over the target meanwhile
            pass
    return None


def _run_and_kill(fmt, path, moment):
    """Start a child saving over path; SIGKILL it at `moment` -> bytes of temp file seen at the kill
    (None when there was none). moment: None = right after the child is ready; a fraction f = as
    soon as the temporary file holds more than f of the new checkpoint's ~N*4 bytes."""
    code = CHILD.format(root=ROOT, n=N, fmt=fmt, path=str(path))
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    folder, name = os.path.dirname(path), os.path.basename(path)
    before = set(_extras(folder, name))
    try:
        assert child.stdout.readline().strip() == "ready"
        if moment is not None:
            deadline = time.monotonic() + 60
            while child.poll() is None and time.monotonic() < deadline:
                size = _temp_size(folder, name, before)
                if size is not None and size >= moment * N * 4:
                    break
        seen = _temp_size(folder, name, before)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
    return seen


# None: kill right after "ready"; f: once the temporary file holds f of the new data
MOMENTS = [None, 0.0, 1e-6, 0.25, 0.5, 0.9]


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["pt", "safetensors"])
def test_sigkill_mid_save_leaves_old_or_new(fmt, tmp_path):
    path = tmp_path / ("ckpt.pt" if fmt == "pt" else "ckpt.safetensors")
    _old(fmt, path)
    outcomes = []
    for moment in MOMENTS:
        if _which(fmt, path) == "new":  # a previous kill came too late: restore the old file
            _old(fmt, path)
        seen = _run_and_kill(fmt, path, moment)
        outcome = _which(fmt, path)  # raises if the file is truncated or corrupt
        outcomes.append((moment, seen, outcome))
        for extra in _extras(tmp_path, path.name):  # a killed save may leave its temp file, never
            assert extra.endswith(".tmp") and extra.startswith("." + path.name), extra  # junk names
    print(fmt, outcomes)
    # at least one kill landed while the temporary file was being written and the old file survived
    assert any(seen and out == "old" for _, seen, out in outcomes), outcomes


@pytest.mark.parametrize("fmt", ["pt", "safetensors"])
def test_uninterrupted_save_replaces_and_leaves_no_temp(fmt, tmp_path):
    path = tmp_path / "ckpt.bin"
    _old(fmt, path)
    code = CHILD.format(root=ROOT, n=N // 100, fmt=fmt, path=str(path))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    got = load(path) if fmt == "pt" else st.load_file(path)
    assert np.array_equal(got["w"].numpy(), np.arange(N // 100, dtype=np.float32))
    assert os.listdir(tmp_path) == ["ckpt.bin"]


def test_failed_save_keeps_old_file_and_removes_temp(tmp_path):
    """An exception during the save (here: an unpicklable object) leaves the old file intact."""
    path = tmp_path / "ckpt.pt"
    _old("pt", path)
    before = path.read_bytes()
    with pytest.raises(Exception):
        save({"w": ember.ones(2), "bad": lambda: 0}, path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["ckpt.pt"]
    with pytest.raises(ValueError):
        st.save_file({"w": ember.ones(3, 2).t()}, path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["ckpt.pt"]
