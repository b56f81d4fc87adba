"""Run workloads on ember and torch side by side and print the ratio ember/torch.

Each workload is written against the PyTorch API and receives the framework
module (``ember`` or ``torch``). Repetitions are interleaved so that machine
noise hits both frameworks alike; the median per-step time is reported.

    python benchmarks/run.py [--only overhead_add,...] [--repeat 7]
"""
from __future__ import annotations

import argparse
import importlib
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))


# ----------------------------------------------------------------- workloads
# A workload: setup(lib) -> (step, ops_per_step, unit). step() runs once; the
# report is time per op (µs) when ops_per_step is given.

def overhead_add(lib):
    """1-element add, no grad: the fixed cost of one op."""
    a, b = lib.ones(1), lib.ones(1)

    def step():
        for _ in range(1000):
            a + b
    return step, 1000


def overhead_add_grad(lib):
    """1-element add where an input requires grad (records a graph node)."""
    a, b = lib.ones(1, requires_grad=True), lib.ones(1)

    def step():
        for _ in range(1000):
            a + b
    return step, 1000


def chain_fwd_bwd(lib):
    """A 50-op elementwise chain on 64-element tensors, forward + backward."""
    lib.manual_seed(0)
    x = lib.randn(64, requires_grad=True)
    w = lib.randn(64)

    def step():
        y = x
        for i in range(10):
            y = y * w
            y = y + 1.0
            y = y.tanh()
            y = y - w
            y = y * 0.5
        y.sum().backward()
        x.grad = None
    return step, 50


def _training(lib, build, make_batch, loss_of, optimizer):
    """One training step: forward, loss, backward, optimizer step (ms)."""
    import models
    lib.manual_seed(0)
    model = build(models, lib)
    batch = make_batch(lib)
    opt = optimizer(lib, model.parameters())

    def step():
        opt.zero_grad()
        loss_of(lib, model, batch).backward()
        opt.step()
    return step, 1


def _adam(lib, params):
    return lib.optim.Adam(params, lr=1e-3)


def _adamw(lib, params):
    return lib.optim.AdamW(params, lr=1e-3)


def _sgd_momentum(lib, params):
    return lib.optim.SGD(params, lr=0.01, momentum=0.9)


def train_mlp(lib):
    """784-512-512-10 MLP, batch 128, cross entropy: one training step (ms)."""
    return _training(lib, lambda m, lib: m.mlp(lib),
                     lambda lib: (lib.randn(128, 784), lib.randint(0, 10, (128,))),
                     lambda lib, model, b: lib.nn.functional.cross_entropy(model(b[0]), b[1]), _adam)


def train_cnn(lib):
    """Two conv/pool blocks and two linear layers, batch 64 of 1x28x28."""
    return _training(lib, lambda m, lib: m.cnn(lib),
                     lambda lib: (lib.randn(64, 1, 28, 28), lib.randint(0, 10, (64,))),
                     lambda lib, model, b: lib.nn.functional.cross_entropy(model(b[0]), b[1]),
                     _sgd_momentum)


def _gpt(sdpa):
    def workload(lib):
        return _training(lib, lambda m, lib: m.gpt(lib, sdpa=sdpa),
                         lambda lib: (lib.randint(0, 65, (16, 64)), lib.randint(0, 65, (16, 64))),
                         lambda lib, model, b: lib.nn.functional.cross_entropy(
                             model(b[0]).view(-1, 65), b[1].view(-1)), _adamw)
    return workload


train_gpt = _gpt(False)
train_gpt.__name__ = "train_gpt"
train_gpt.__doc__ = "nanoGPT-style decoder (4 layers, width 128, block 64, batch 16)."
train_gpt_sdpa = _gpt(True)
train_gpt_sdpa.__name__ = "train_gpt_sdpa"


def train_lstm(lib):
    """nn.LSTM(32 -> 128), sequence 50, batch 32, linear head."""
    return _training(lib, lambda m, lib: m.LSTMModel(lib),
                     lambda lib: (lib.randn(50, 32, 32), lib.randint(0, 10, (32,))),
                     lambda lib, model, b: lib.nn.functional.cross_entropy(model(b[0]), b[1]), _adam)


def infer1(lib):
    """Batch-1 inference latency of the MLP under no_grad."""
    import models
    lib.manual_seed(0)
    model = models.mlp(lib).eval()
    x = lib.randn(1, 784)

    def step():
        with lib.no_grad():
            model(x)
    return step, 1


def gpt_optimizer_share(lib):
    """The AdamW step alone on the gpt model's parameters (its share of a training step
    is this time divided by train_gpt's)."""
    import models
    lib.manual_seed(0)
    model = models.gpt(lib)
    for p in model.parameters():
        p.grad = lib.ones_like(p) * 1e-3
    opt = _adamw(lib, model.parameters())
    return opt.step, 1


WORKLOADS = {f.__name__: f for f in (overhead_add, overhead_add_grad, chain_fwd_bwd, train_mlp,
                                     train_cnn, train_gpt, train_gpt_sdpa, train_lstm, infer1,
                                     gpt_optimizer_share)}
_PER_OP = {"overhead_add", "overhead_add_grad", "chain_fwd_bwd"}


def _time(step, ops):
    t0 = time.perf_counter()
    step()
    return (time.perf_counter() - t0) / ops * 1e6


def run_workload(name, libs, repeat):
    steps = {}
    for lib in libs:
        step, ops = WORKLOADS[name](lib)
        step()  # warm up
        steps[lib.__name__] = (step, ops)
    times = {n: [] for n in steps}
    for _ in range(repeat):
        for n, (step, ops) in steps.items():
            times[n].append(_time(step, ops))
    return {n: statistics.median(t) for n, t in times.items()}


# VmHWM (this process's peak resident set) rather than ru_maxrss, which Linux
# carries over from the parent across fork and exec
_MEMORY_CODE = """
import sys
sys.path[:0] = {paths!r}
import importlib, run
def status(key):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(key))
lib = importlib.import_module({lib!r})
if hasattr(lib, "set_num_threads"):
    lib.set_num_threads(2)
step, _ = run.WORKLOADS[{name!r}](lib)
base = status("VmRSS")
for _ in range(4):
    step()
print(max(status("VmHWM") - base, 0) / 1024)
"""


def peak_memory(name: str, module: str) -> float:
    """MiB by which the peak resident memory grows over four training steps, above
    the memory held once the model and batch are built; measured in a fresh
    process per framework so that they do not share an allocator."""
    here = Path(__file__).resolve().parent
    code = _MEMORY_CODE.format(paths=[str(here), str(here.parent)], lib=module, name=name)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    return float(out.stdout.strip()) if out.returncode == 0 else float("nan")


def import_time(module: str, repeat: int = 5) -> tuple[float, float]:
    """Median seconds of `import module` in a fresh process, as a user sees it
    (bytecode caching on, which some environments turn off; one warm-up run
    first): (the import statement alone, the whole `python -c` process)."""
    import os
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    statement, process = [], []
    for _ in range(repeat + 1):
        start = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             cwd=str(Path(__file__).resolve().parent.parent), env=env)
        process.append(time.perf_counter() - start)
        if out.returncode != 0:
            return float("nan"), float("nan")
        statement.append(float(out.stdout.strip()))
    return statistics.median(statement[1:]), statistics.median(process[1:])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="ember vs torch benchmarks")
    parser.add_argument("--only", default="", help="comma-separated workload names")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--no-memory", action="store_true",
                        help="skip the peak-memory measurement (one subprocess per workload)")
    args = parser.parse_args(argv)
    libs = [importlib.import_module("ember")]
    try:
        libs.append(importlib.import_module("torch"))
        libs[1].set_num_threads(2)
    except ImportError:
        print("torch not installed: ember figures only")
    names = [n for n in args.only.split(",") if n] or list(WORKLOADS)
    print(f"{'workload':<20} {'ember':>10} {'torch':>10} {'ratio':>6}  {'unit':<8}"
          f"{'peak MiB ember':>15} {'torch':>7} {'ratio':>6}")
    for name in names:
        res = run_workload(name, libs, args.repeat)
        e, t = res["ember"], res.get("torch", float("nan"))
        unit = "µs/op"
        if name not in _PER_OP:
            e, t, unit = e / 1e3, t / 1e3, "ms/step"
        line = f"{name:<20} {e:>10.2f} {t:>10.2f} {e / t:>6.2f}  {unit:<8}"
        if not args.no_memory and name.startswith("train_"):
            me, mt = peak_memory(name, "ember"), peak_memory(name, "torch")
            line += f"{me:>15.1f} {mt:>7.1f} {me / mt if mt else float('nan'):>6.2f}"
        print(line, flush=True)
    (e, e_proc), (t, t_proc) = import_time("ember"), import_time("torch")
    numpy_alone, _ = import_time("numpy")
    print(f"{'import (statement)':<20} {e * 1e3:>8.0f}ms {t * 1e3:>8.0f}ms {e / t:>6.2f}"
          f"  (numpy alone: {numpy_alone * 1e3:.0f}ms)")
    print(f"{'import (process)':<20} {e_proc * 1e3:>8.0f}ms {t_proc * 1e3:>8.0f}ms "
          f"{e_proc / t_proc:>6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
