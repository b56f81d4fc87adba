"""DataLoader throughput: a dataset whose __getitem__ costs ~1 ms, one epoch with
num_workers=0 and 2, ember next to torch (run: python benchmarks/dataloader.py)."""
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout


def make_dataset(base, tensor_fn, n):
    class Slow(base):
        def __len__(self):
            return n

        def __getitem__(self, i):
            time.sleep(0.001)
            return tensor_fn(np.full(256, i, np.float32)), i
    return Slow()


def epoch_time(data_mod, ds, workers, batch_size=32, repeats=2):
    loader = data_mod.DataLoader(ds, batch_size=batch_size, num_workers=workers)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _batch in loader:
            pass
        best = min(best, time.perf_counter() - t0)
    return best


def main(n=1000):
    import torch
    import torch.utils.data as tud

    import ember
    import ember.utils.data as eud
    rows = []
    for name, lib, mod in (("ember", ember, eud), ("torch", torch, tud)):
        ds = make_dataset(mod.Dataset, lib.from_numpy, n)
        t0 = epoch_time(mod, ds, 0)
        t2 = epoch_time(mod, ds, 2)
        rows.append((name, t0, t2, t0 / t2))
    print(f"{n} samples, __getitem__ sleeps 1 ms, batch_size 32 (best of 2 epochs)")
    print(f"{'':8}{'workers=0':>12}{'workers=2':>12}{'speedup':>10}")
    for name, t0, t2, s in rows:
        print(f"{name:8}{t0:11.3f}s{t2:11.3f}s{s:9.2f}x")


if __name__ == "__main__":
    main()
