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


WORKLOADS = {f.__name__: f for f in (overhead_add, overhead_add_grad, chain_fwd_bwd)}


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


def import_time(module: str, repeat: int = 3) -> float:
    """Median µs of `import module` in a fresh process, as a user sees it: bytecode
    caching on (some environments turn it off) and one warm-up run first."""
    import os
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    runs = []
    for _ in range(repeat + 1):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             cwd=str(Path(__file__).resolve().parent.parent), env=env)
        if out.returncode != 0:
            return float("nan")
        runs.append(float(out.stdout.strip()) * 1e6)
    return statistics.median(runs[1:])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="ember vs torch benchmarks")
    parser.add_argument("--only", default="", help="comma-separated workload names")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    libs = [importlib.import_module("ember")]
    try:
        libs.append(importlib.import_module("torch"))
        libs[1].set_num_threads(2)
    except ImportError:
        print("torch not installed: ember figures only")
    names = [n for n in args.only.split(",") if n] or list(WORKLOADS)
    print(f"{'workload':<20} {'ember µs/op':>12} {'torch µs/op':>12} {'ratio':>7}")
    for name in names:
        res = run_workload(name, libs, args.repeat)
        e, t = res["ember"], res.get("torch", float("nan"))
        print(f"{name:<20} {e:>12.2f} {t:>12.2f} {e / t:>7.2f}")
    e, t = import_time("ember"), import_time("torch")
    print(f"{'import (whole)':<20} {e / 1e3:>10.0f}ms {t / 1e3:>10.0f}ms {e / t:>7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
