"""DataLoader faults: errors in workers, workers that die, timeouts, early
exits and cleanup (no zombies, no leftover shared memory)."""
import gc
import os
import signal
import time

import pytest

import ember
import ember.utils.data as eud


def gone(pid: int) -> bool:
    """True when pid no longer exists: reaped (a zombie still has a /proc entry)."""
    return not os.path.exists(f"/proc/{pid}")


def wait_gone(pids, seconds=5.0):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if all(gone(p) for p in pids):
            return True
        time.sleep(0.05)
    return False


def shm_left():
    return [f for f in os.listdir("/dev/shm") if f.startswith(f"ember_dl_{os.getpid()}_")]


class Faulty(eud.Dataset):
    """Returns (index, pid); at index ``bad`` does ``action``."""

    def __init__(self, action, bad=3, n=8):
        self.action, self.bad, self.n = action, bad, n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i == self.bad:
            if self.action == "value":
                raise ValueError(f"bad sample {i}")
            if self.action == "key":
                return {}["missing"]
            if self.action == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            if self.action == "segv":
                import ctypes
                import faulthandler
                faulthandler.disable()  # keep the test output quiet
                ctypes.string_at(0)
            if self.action == "sleep":
                time.sleep(3)
        return i, os.getpid()


def test_worker_exception_reraised_with_traceback():
    loader = eud.DataLoader(Faulty("value"), batch_size=2, num_workers=2)
    with pytest.raises(ValueError) as info:
        list(loader)
    msg = str(info.value)
    assert msg.startswith("Caught ValueError in DataLoader worker process 1.")
    assert "Original Traceback (most recent call last):" in msg
    assert 'raise ValueError(f"bad sample {i}")' in msg and "ValueError: bad sample 3" in msg
    assert "test_dataloader_faults.py" in msg


def test_worker_keyerror_message_is_readable():
    loader = eud.DataLoader(Faulty("key", bad=0), batch_size=2, num_workers=1)
    with pytest.raises(KeyError) as info:
        next(iter(loader))
    assert "Caught KeyError in DataLoader worker process 0.\nOriginal Traceback" in str(info.value)


def test_main_process_exception_is_not_wrapped():
    with pytest.raises(ValueError, match="^bad sample 3$"):
        list(eud.DataLoader(Faulty("value"), batch_size=2))


def test_loader_continues_after_worker_error():
    it = iter(eud.DataLoader(Faulty("value", bad=1), batch_size=1, num_workers=2))
    assert next(it)[0].tolist() == [0]
    with pytest.raises(ValueError):
        next(it)
    assert next(it)[0].tolist() == [2]
    del it


def _init_fails(worker_id):
    raise OSError(f"init failed in {worker_id}")


def test_worker_init_fn_error():
    loader = eud.DataLoader(list(range(4)), num_workers=1, worker_init_fn=_init_fails)
    with pytest.raises(OSError, match="Caught OSError in DataLoader worker process 0"):
        list(loader)


@pytest.mark.parametrize("action", ["kill", "segv"])
def test_dead_worker_raises_instead_of_hanging(action):
    loader = eud.DataLoader(Faulty(action), batch_size=2, num_workers=2, timeout=20)
    t0 = time.monotonic()
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid\(s\) \d+\) exited unexpectedly"
                       ) as info:
        list(loader)
    assert time.monotonic() - t0 < 15
    sig = "SIGKILL" if action == "kill" else "SIGSEGV"
    assert sig in str(info.value)
    gc.collect()
    assert not [p for p in __import__("multiprocessing").active_children()
                if p.name.startswith("Process") and p.exitcode is None and p.daemon]
    assert shm_left() == []


def test_timeout():
    loader = eud.DataLoader(Faulty("sleep", bad=0), batch_size=1, num_workers=1, timeout=0.5)
    t0 = time.monotonic()
    with pytest.raises(RuntimeError, match=r"DataLoader timed out after 0.5 seconds"):
        next(iter(loader))
    assert time.monotonic() - t0 < 4


def test_breaking_out_early_shuts_workers_down():
    big = eud.TensorDataset(ember.ones(400, 1024))  # shared-memory batches in flight
    loader = eud.DataLoader(big, batch_size=16, num_workers=2, prefetch_factor=4)
    it = iter(loader)
    next(it)
    pids = [w.pid for w in it._workers]
    assert not any(gone(p) for p in pids)
    for _ in loader:
        break  # a second iterator, dropped by the for loop
    del it
    gc.collect()
    assert wait_gone(pids), "workers still present after the iterator was collected"
    assert shm_left() == []


def test_finished_epoch_reaps_workers():
    loader = eud.DataLoader(Faulty(None), batch_size=2, num_workers=2)
    pids = {p for _, batch_pids in loader for p in batch_pids.tolist()}
    assert len(pids) == 2
    assert wait_gone(pids)


def test_persistent_workers_stop_when_loader_is_collected():
    loader = eud.DataLoader(Faulty(None), batch_size=2, num_workers=2, persistent_workers=True)
    pids = {p for _, batch_pids in loader for p in batch_pids.tolist()}
    assert not any(gone(p) for p in pids)
    del loader
    gc.collect()
    assert wait_gone(pids)


class Endless(eud.IterableDataset):
    def __iter__(self):
        i = 0
        while True:
            yield i
            i += 1


def test_endless_iterable_break():
    loader = eud.DataLoader(Endless(), batch_size=4, num_workers=2)
    for n, _ in enumerate(loader):
        if n == 5:
            break
    gc.collect()
    assert wait_gone([p.pid for p in __import__("multiprocessing").active_children()
                      if p.daemon])
