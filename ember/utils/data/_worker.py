"""The worker-process side of DataLoader: the fetch loop, WorkerInfo and
get_worker_info, and the wrapper that carries an exception to the main process."""
from __future__ import annotations

import os
import queue
import random
import sys
import traceback


__all__ = ["WorkerInfo", "get_worker_info"]

POLL_S = 0.1  # how often an idle worker checks that its parent is alive

_worker_info = None


class WorkerInfo:
    """What a worker process knows about itself: ``id``, ``num_workers``, ``seed``
    and ``dataset`` (its own copy)."""

    _frozen = False

    def __init__(self, **kwargs):
        for k, v in kwargs.items():
            setattr(self, k, v)
        self._keys = tuple(kwargs)
        self._frozen = True

    def __setattr__(self, key, value):
        if self._frozen:
            raise RuntimeError(f"Cannot assign attributes to {type(self).__name__} objects")
        object.__setattr__(self, key, value)

    def __repr__(self):
        body = ", ".join(f"{k}={getattr(self, k)}" for k in self._keys)
        return f"{type(self).__name__}({body})"


def get_worker_info():
    """In a DataLoader worker: its WorkerInfo; in the main process: None."""
    return _worker_info


class KeyErrorMessage(str):
    """A str whose repr is itself, so KeyError prints a multi-line message plainly."""

    def __repr__(self):
        return self


class ExceptionWrapper:
    """An exception caught in a worker, carried as its type and traceback text."""

    def __init__(self, exc_info=None, where: str = "in background"):
        exc_type, exc, tb = exc_info if exc_info is not None else sys.exc_info()
        self.exc_type = exc_type
        self.exc_msg = "".join(traceback.format_exception(exc_type, exc, tb))
        self.where = where

    def __reduce__(self):
        import pickle
        exc_type = self.exc_type
        try:
            pickle.loads(pickle.dumps(exc_type))
        except Exception:
            exc_type = RuntimeError
        return (_rebuild_wrapper, (exc_type, self.exc_msg, self.where))

    def reraise(self):
        """Raise the exception again in this process, with the original traceback
        text in the message."""
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = KeyErrorMessage(msg)
        try:
            exc = self.exc_type(msg)
        except Exception:
            raise RuntimeError(msg) from None
        raise exc


def _rebuild_wrapper(exc_type, exc_msg, where):
    w = ExceptionWrapper.__new__(ExceptionWrapper)
    w.exc_type, w.exc_msg, w.where = exc_type, exc_msg, where
    return w


class IterableEnd:
    """Sent by a worker whose IterableDataset iterator is exhausted."""

    def __init__(self, worker_id: int):
        self.worker_id = worker_id


class Resume:
    """Sent to persistent workers at the start of a new epoch; echoed back."""

    def __init__(self, worker_id: int):
        self.worker_id = worker_id


class MapFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset, self.auto, self.collate_fn = dataset, auto_collation, collate_fn

    def fetch(self, index):
        if self.auto:
            getitems = getattr(self.dataset, "__getitems__", None)
            data = getitems(index) if getitems else [self.dataset[i] for i in index]
        else:
            data = self.dataset[index]
        return self.collate_fn(data)


class IterFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.it = iter(dataset)
        self.auto, self.collate_fn, self.drop_last = auto_collation, collate_fn, drop_last
        self.ended = False

    def fetch(self, index):
        if self.ended:
            raise StopIteration
        if not self.auto:
            return self.collate_fn(next(self.it))
        data = []
        for _ in index:
            try:
                data.append(next(self.it))
            except StopIteration:
                self.ended = True
                break
        if not data or (self.drop_last and len(data) < len(index)):
            raise StopIteration
        return self.collate_fn(data)


def make_fetcher(iterable: bool, dataset, auto_collation, collate_fn, drop_last):
    cls = IterFetcher if iterable else MapFetcher
    return cls(dataset, auto_collation, collate_fn, drop_last)


def _seed_all(base_seed: int, worker_id: int) -> int:
    import numpy as np

    from ...ops.random import manual_seed
    seed = (base_seed + worker_id) % 2 ** 64
    random.seed(seed)
    manual_seed(seed)
    np.random.seed(np.random.SeedSequence([base_seed, worker_id]).generate_state(4))
    return seed


def worker_loop(iterable, dataset, index_queue, result_queue, done_event, auto_collation,
                collate_fn, drop_last, base_seed, init_fn, worker_id, num_workers,
                shm_prefix, parent_pid):
    """Run in each worker process: take (task id, indices) from index_queue,
    put (task id, pickled batch) on result_queue, until told to stop (None) or
    the parent process is gone. parent_pid is the main process (for messages)."""
    from . import _shm
    global _worker_info
    try:
        _shm.set_prefix(shm_prefix)
        seed = _seed_all(base_seed, worker_id)
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed,
                                  dataset=dataset)
        where = f"in DataLoader worker process {worker_id}"
        init_error = None
        fetcher = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = make_fetcher(iterable, dataset, auto_collation, collate_fn, drop_last)
        except Exception:
            init_error = ExceptionWrapper(where=where)
        ended = False
        # the parent at start: the main process, or the forkserver that outlives it only
        # briefly; when it goes, this worker is an orphan and leaves
        watched = os.getppid()
        while True:
            if os.getppid() != watched:
                break
            try:
                r = index_queue.get(timeout=POLL_S)
            except queue.Empty:
                continue
            if r is None:
                break
            if isinstance(r, Resume):
                ended = False
                if init_error is None:
                    try:
                        fetcher = make_fetcher(iterable, dataset, auto_collation, collate_fn,
                                               drop_last)
                    except Exception:
                        init_error = ExceptionWrapper(where=where)
                result_queue.put((r, None))
                continue
            if done_event.is_set() or ended:
                continue
            task_id, index = r
            if init_error is not None:
                data, init_error = init_error, None
            else:
                try:
                    data = fetcher.fetch(index)
                except StopIteration:
                    if not iterable:
                        data = ExceptionWrapper(where=where)
                    else:
                        data, ended = IterableEnd(worker_id), True
                except Exception:
                    data = ExceptionWrapper(where=where)
            try:
                payload = _shm.dumps(data)
            except Exception:
                payload = _shm.dumps(ExceptionWrapper(where=where))
            result_queue.put((task_id, payload))
            del data, payload, r, index
            _shm.release_unsent()
    except KeyboardInterrupt:
        pass  # the main process sees the interrupt too and shuts us down
    if done_event.is_set():
        result_queue.cancel_join_thread()
        result_queue.close()
