"""The main job (python -m ember.examples.digits), the embedded digits and the IDX reader."""
import gzip
import hashlib
import json
import os
import struct
import subprocess
import sys
import time

import numpy as np
import pytest

import ember
from ember.datasets import (DATA_DIR, digits_split, load_digits, load_mnist_folder, read_idx,
                            write_idx)
from ember.examples import digits as job

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# ---------------------------------------------------------------- IDX files

def _idx_bytes(code, array, be_dtype):
    """An IDX file built by hand from the format's description (independent of write_idx)."""
    head = struct.pack(">BBBB", 0, 0, code, array.ndim) + struct.pack(f">{array.ndim}i", *array.shape)
    return head + array.astype(be_dtype).tobytes()


IDX_CASES = [  # type code, numpy dtype, big-endian dtype
    (0x08, np.uint8, ">u1"), (0x09, np.int8, ">i1"), (0x0B, np.int16, ">i2"),
    (0x0C, np.int32, ">i4"), (0x0D, np.float32, ">f4"), (0x0E, np.float64, ">f8"),
]


@pytest.mark.parametrize("code,dtype,be", IDX_CASES, ids=[str(np.dtype(c[1])) for c in IDX_CASES])
@pytest.mark.parametrize("compressed", [False, True])
def test_read_idx_hand_written(tmp_path, code, dtype, be, compressed):
    arr = (np.arange(2 * 3 * 5) * 7 % 100 - 20).astype(dtype).reshape(2, 3, 5)
    if dtype == np.uint8:
        arr = np.arange(30, dtype=np.uint8).reshape(2, 3, 5) * 8
    raw = _idx_bytes(code, arr, be)
    path = tmp_path / "x-idx3-ubyte"  # no .gz suffix: compression is detected by content
    path.write_bytes(gzip.compress(raw) if compressed else raw)
    out = read_idx(path)
    assert out.dtype == np.dtype(dtype) and out.shape == arr.shape
    np.testing.assert_array_equal(out, arr)
    # and write_idx writes exactly the hand-built bytes
    write_idx(tmp_path / "y", arr, compress=False)
    assert (tmp_path / "y").read_bytes() == raw
    write_idx(tmp_path / "y.gz", arr)
    assert gzip.decompress((tmp_path / "y.gz").read_bytes()) == raw


@pytest.mark.parametrize("raw,needle", [
    (b"\x00\x00", "only 2 bytes"),
    (b"\x1f\x00\x08\x01" + struct.pack(">i", 1) + b"\x00", "magic number"),
    (b"\x00\x00\x07\x01" + struct.pack(">i", 1) + b"\x00", "unknown IDX type code 0x07"),
    (b"\x00\x00\x08\x03" + struct.pack(">i", 1), "truncated IDX header"),
    (b"\x00\x00\x08\x01" + struct.pack(">i", 4) + b"\x00\x01", "needs 4 bytes after the header"),
])
def test_read_idx_rejects_bad_files(tmp_path, raw, needle):
    path = tmp_path / "bad"
    path.write_bytes(raw)
    with pytest.raises(ValueError, match=needle):
        read_idx(path)


def test_write_idx_rejects_dtype(tmp_path):
    with pytest.raises(TypeError, match="int64"):
        write_idx(tmp_path / "z", np.zeros(3, dtype=np.int64))


def _write_mnist(folder, n_train, n_test, size=8, seed=0, gz_train=True, gz_test=False):
    """A tiny MNIST-style folder whose class is which quarter of the image is bright."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)

    def make(n):
        labels = rng.integers(0, 4, n).astype(np.uint8)
        images = rng.integers(0, 40, (n, size, size)).astype(np.uint8)
        h = size // 2
        for i, c in enumerate(labels):
            r, col = divmod(int(c), 2)
            images[i, r * h:(r + 1) * h, col * h:(col + 1) * h] += 200
        return images, labels

    for stem, n, gz in (("train", n_train, gz_train), ("t10k", n_test, gz_test)):
        if n == 0:
            continue
        images, labels = make(n)
        suffix = ".gz" if gz else ""
        write_idx(folder / f"{stem}-images-idx3-ubyte{suffix}", images)
        write_idx(folder / f"{stem}-labels-idx1-ubyte{suffix}", labels)
    return folder


def test_load_mnist_folder(tmp_path):
    folder = _write_mnist(tmp_path / "m", 30, 10)
    tx, ty, vx, vy = load_mnist_folder(folder)
    assert isinstance(tx, ember.Tensor) and tx.dtype == ember.uint8 and ty.dtype == ember.int64
    assert tuple(tx.shape) == (30, 8, 8) and tuple(vx.shape) == (10, 8, 8) and tuple(vy.shape) == (10,)
    raw = gzip.decompress((folder / "train-labels-idx1-ubyte.gz").read_bytes())
    np.testing.assert_array_equal(ty.numpy(), np.frombuffer(raw[8:], dtype=np.uint8))
    # the test pair is optional
    only_train = _write_mnist(tmp_path / "t", 20, 0)
    assert load_mnist_folder(only_train)[2:] == (None, None)


@pytest.mark.parametrize("setup,exc,needle", [
    (lambda p: None, FileNotFoundError, "does not exist"),
    (lambda p: p.mkdir(), FileNotFoundError, "no train-images"),
    (lambda p: (_write_mnist(p, 10, 0), os.remove(p / "train-labels-idx1-ubyte.gz")),
     FileNotFoundError, "not train-labels"),
    (lambda p: (_write_mnist(p, 10, 0), write_idx(p / "train-labels-idx1-ubyte.gz", np.zeros(9, np.uint8))),
     ValueError, "10 train images but 9 train labels"),
])
def test_load_mnist_folder_errors(tmp_path, setup, exc, needle):
    folder = tmp_path / "d"
    setup(folder)
    with pytest.raises(exc, match=needle):
        load_mnist_folder(folder)


# ---------------------------------------------------------------- embedded digits

def test_embedded_digits():
    images, labels = load_digits()
    assert isinstance(images, ember.Tensor) and images.dtype == ember.uint8 and labels.dtype == ember.int64
    assert tuple(images.shape) == (1797, 8, 8)
    # facts of the UCI set (as distributed by scikit-learn): class counts and pixel range
    assert labels.bincount().tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    assert images.min().item() == 0 and images.max().item() == 16
    assert images[0].flatten()[:8].tolist() == [0, 0, 5, 13, 9, 1, 0, 0]
    # the credit and checksums ship with the data
    with open(os.path.join(DATA_DIR, "README.md"), encoding="utf-8") as f:
        notice = f.read()
    assert "Alpaydin" in notice and "Kaynak" in notice and "CC BY 4.0" in notice
    for name in ("digits-images-idx3-ubyte.gz", "digits-labels-idx1-ubyte.gz"):
        with open(os.path.join(DATA_DIR, name), "rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() in notice
    assert "Alpaydin" in load_digits.__doc__


def test_digits_split_is_deterministic_disjoint_and_stratified():
    a = digits_split(seed=0)
    b = digits_split(seed=0)
    c = digits_split(seed=1)
    for x, y in zip(a, b):
        assert ember.equal(x, y)
    assert not ember.equal(a[3], c[3]) or not ember.equal(a[2], c[2])
    assert len(a[0]) + len(a[2]) == 1797
    assert a[3].bincount().tolist() == [36, 36, 35, 37, 36, 36, 36, 36, 35, 36]
    train = {bytes(r) for r in a[0].numpy().reshape(len(a[0]), -1)}
    held = [bytes(r) for r in a[2].numpy().reshape(len(a[2]), -1)]
    assert sum(h in train for h in held) < 5  # the UCI set has a few duplicate images, nothing more
    with pytest.raises(ValueError, match="1.5"):
        digits_split(test_fraction=1.5)


# ---------------------------------------------------------------- the job

@pytest.mark.parametrize("argv,needle", [
    (["--epochs", "0"], "--epochs must be a positive integer, got 0"),
    (["--batch-size", "-3"], "--batch-size must be a positive integer, got -3"),
    (["--lr", "0"], "--lr must be positive, got 0.0"),
    (["--epochs", "two"], "invalid int value: 'two'"),
])
def test_cli_rejects_bad_options(argv, needle, capsys):
    with pytest.raises(SystemExit) as info:
        job.parse_args(argv)
    assert info.value.code == 2
    assert needle in capsys.readouterr().err


def test_cli_defaults():
    args = job.parse_args([])
    assert (args.epochs, args.batch_size, args.seed, args.data) == (job.DEFAULT_EPOCHS, 32, 0, None)
    args = job.parse_args(["--epochs", "3", "--batch-size", "16", "--lr", "0.01", "--seed", "4",
                           "--out", "o", "--data", "d"])
    assert (args.epochs, args.batch_size, args.lr, args.seed, args.out, args.data) == (3, 16, 0.01, 4, "o", "d")


def test_job_short_run_is_reproducible(tmp_path):
    """2 epochs in this process and again via the CLI in a fresh one: same accuracy, same bytes."""
    argv = ["--epochs", "2", "--seed", "3"]
    first = job.main(argv + ["--out", str(tmp_path / "a"), "--no-progress"])
    assert first["test_accuracy"] >= 0.85
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-m", "ember.examples.digits", *argv, "--out", str(tmp_path / "b")],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert f"final test accuracy: {first['test_accuracy']:.4f}" in proc.stdout
    assert "loss=" in proc.stderr and "acc=" in proc.stderr  # the tqdm bar
    a, b = (tmp_path / "a" / "model.pt").read_bytes(), (tmp_path / "b" / "model.pt").read_bytes()
    assert a == b
    assert (tmp_path / "a" / "meta.json").read_bytes() == (tmp_path / "b" / "meta.json").read_bytes()

    # the checkpoint holds the state_dict; loading it reproduces the accuracy
    weights = job.load_checkpoint(tmp_path / "a" / "model.pt")
    model = job.build_model(ember, 8, 8)
    assert list(weights) == list(model.state_dict())
    model.load_state_dict(weights)
    import torch  # the checkpoint is a torch-format file
    assert list(torch.load(tmp_path / "a" / "model.pt", weights_only=True)) == list(weights)
    _, _, tx, ty = (ember.from_numpy(x) for x in job.load_data(job.parse_args([])))
    assert job.evaluate(ember, model, tx, ty)[1] == first["test_accuracy"]
    meta = json.loads((tmp_path / "a" / "meta.json").read_text())
    assert meta["test_accuracy"] == first["test_accuracy"] and meta["epochs"] == 2
    assert meta["history"]["train_loss"][1] < meta["history"]["train_loss"][0]


def test_job_on_idx_folder(tmp_path):
    folder = _write_mnist(tmp_path / "mnist", 200, 40, size=8)
    out = job.main(["--data", str(folder), "--epochs", "2", "--batch-size", "16",
                    "--out", str(tmp_path / "o"), "--no-progress"])
    assert out["test_accuracy"] >= 0.9  # four bright quarters are easy to tell apart
    meta = json.loads((tmp_path / "o" / "meta.json").read_text())
    assert meta["input_shape"] == [1, 8, 8] and meta["data"] == str(folder)


def test_plot_written_or_noted(tmp_path, capsys):
    history = {"train_loss": [1.0, 0.5], "test_loss": [1.1, 0.6], "train_acc": [0.5, 0.8],
               "test_acc": [0.4, 0.7]}
    wrote = job.plot_curves(history, str(tmp_path / "c.png"))
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert wrote is False and "matplotlib is not installed" in capsys.readouterr().out
    else:
        assert wrote is True and (tmp_path / "c.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_job_default_settings_reach_097(tmp_path):
    start = time.perf_counter()
    out = job.main(["--out", str(tmp_path), "--no-progress"])
    elapsed = time.perf_counter() - start
    print(f"default digits job: {elapsed:.1f} s, test accuracy {out['test_accuracy']:.4f}")
    assert out["test_accuracy"] >= 0.97
