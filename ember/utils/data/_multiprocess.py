"""The multi-process DataLoader iterator: worker processes, index and result
queues, batches through shared memory. Imported only when num_workers > 0."""
from __future__ import annotations

import itertools
import multiprocessing as mp
import queue
import signal
import sys
import time
import uuid

from . import _shm
from ._worker import POLL_S, ExceptionWrapper, IterableEnd, Resume, worker_loop
from .dataloader import _BaseIter


def _default_context():
    if sys.platform.startswith("linux"):
        return mp.get_context("fork")
    return mp.get_context()


_SIGNALS = {getattr(signal, n): n for n in dir(signal)
            if n.startswith("SIG") and not n.startswith("SIG_") and isinstance(
                getattr(signal, n), int)}


class _MultiProcessIter(_BaseIter):
    """Keeps ``prefetch_factor * num_workers`` tasks in flight over worker
    processes and hands batches back in sampler order (or arrival order when
    ``in_order=False``)."""

    def __init__(self, loader):
        super().__init__(loader)
        self._shutdown = True  # until the workers exist
        self._nw = loader.num_workers
        self._prefetch = loader.prefetch_factor
        self._timeout = loader.timeout
        self._in_order = loader.in_order
        self._persistent = loader.persistent_workers
        ctx = loader.multiprocessing_context or _default_context()
        self._prefix = f"ember_dl_{_os_getpid()}_{uuid.uuid4().hex[:12]}_"
        self._result_queue = ctx.Queue()
        self._done_event = ctx.Event()
        self._index_queues, self._workers = [], []
        self._shutdown = False
        for wid in range(self._nw):
            iq = ctx.Queue()
            iq.cancel_join_thread()
            w = ctx.Process(target=worker_loop, daemon=True, args=(
                self._iterable, self._dataset, iq, self._result_queue, self._done_event,
                self._auto_collation, self._collate_fn, self._drop_last, self._base_seed,
                loader.worker_init_fn, wid, self._nw, f"{self._prefix}{wid}_", _os_getpid()))
            w.start()
            self._index_queues.append(iq)
            self._workers.append(w)
        self._reset(loader, first_iter=True)

    def _reset(self, loader, first_iter=False):
        super()._reset(loader, first_iter)
        self._send_idx = 0
        self._rcvd_idx = 0
        self._task_info = {}
        self._outstanding = 0
        self._active = [True] * self._nw
        self._cycle = itertools.cycle(range(self._nw))
        if not first_iter:  # persistent workers: start their next epoch
            for iq in self._index_queues:
                iq.put(Resume(0))
            waiting = self._nw
            while waiting:
                tag, _ = self._get_data()
                if isinstance(tag, Resume):
                    waiting -= 1
        for _ in range(self._prefetch * self._nw):
            self._try_put_index()

    def _try_put_index(self):
        try:
            index = next(self._sampler_iter)
        except StopIteration:
            return
        for _ in range(self._nw):
            wid = next(self._cycle)
            if self._active[wid]:
                break
        else:
            return
        self._index_queues[wid].put((self._send_idx, index))
        self._task_info[self._send_idx] = (wid,)
        self._outstanding += 1
        self._send_idx += 1

    def _dead_workers(self):
        dead = []
        for wid, w in enumerate(self._workers):
            if self._active[wid] and not w.is_alive():
                dead.append(w)
                self._active[wid] = False
        return dead

    def _get_data(self):
        """The next (tag, data) from any worker, failing clearly when a worker
        died or the loader's timeout passed."""
        deadline = time.monotonic() + self._timeout if self._timeout > 0 else None
        while True:
            wait = POLL_S
            if deadline is not None:
                wait = min(wait, deadline - time.monotonic())
                if wait <= 0:
                    raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")
            try:
                tag, payload = self._result_queue.get(timeout=wait)
            except queue.Empty:
                dead = self._dead_workers()
                if dead:
                    pids = ", ".join(str(w.pid) for w in dead)
                    how = "; ".join(_describe_exit(w.exitcode) for w in dead)
                    self._shutdown_workers()
                    raise RuntimeError(f"DataLoader worker (pid(s) {pids}) exited unexpectedly "
                                       f"({how})") from None
                continue
            return tag, (_shm.loads(payload) if payload is not None else None)

    def _next_data(self):
        while True:
            while self._rcvd_idx < self._send_idx:
                info = self._task_info.get(self._rcvd_idx)
                if info is not None and (len(info) == 2 or self._active[info[0]]):
                    break
                self._task_info.pop(self._rcvd_idx, None)
                self._rcvd_idx += 1
            else:
                if not self._persistent:
                    self._shutdown_workers()
                raise StopIteration
            info = self._task_info[self._rcvd_idx]
            if len(info) == 2:
                del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
                return self._process(info[1])
            if self._shutdown:
                raise RuntimeError("DataLoader workers were shut down")
            idx, data = self._get_data()
            if isinstance(idx, Resume):
                continue
            self._outstanding -= 1
            if isinstance(data, IterableEnd):
                self._active[data.worker_id] = False
                if not self._persistent:
                    self._index_queues[data.worker_id].put(None)
                self._try_put_index()
                continue
            if idx == self._rcvd_idx:
                del self._task_info[idx]
                self._rcvd_idx += 1
                return self._process(data)
            if not self._in_order:
                del self._task_info[idx]
                return self._process(data)
            self._task_info[idx] += (data,)

    def _process(self, data):
        self._try_put_index()
        if isinstance(data, ExceptionWrapper):
            data.reraise()
        return data

    def _shutdown_workers(self):
        """Stop the workers (asking first, then terminating), reap them, and
        remove any shared-memory files they left."""
        if self._shutdown:
            return
        self._shutdown = True
        try:
            self._done_event.set()
            for iq in self._index_queues:
                try:
                    iq.put(None)
                except (OSError, ValueError):
                    pass
            deadline = time.monotonic() + 1.0  # idle workers leave within POLL_S
            for w in self._workers:
                w.join(timeout=max(0.0, deadline - time.monotonic()))
            for w in self._workers:
                if w.is_alive():
                    w.terminate()
                    w.join()
            for iq in self._index_queues:
                iq.close()
            self._result_queue.cancel_join_thread()
            self._result_queue.close()
        finally:
            _shm.cleanup(self._prefix)

    def __del__(self):
        if getattr(self, "_shutdown", True) is False:
            self._shutdown_workers()


def _os_getpid() -> int:
    import os
    return os.getpid()


def _describe_exit(code) -> str:
    if code is None:
        return "still running"
    if code < 0:
        return f"killed by signal {_SIGNALS.get(-code, -code)}"
    return f"exit code {code}"
