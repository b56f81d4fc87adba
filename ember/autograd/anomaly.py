"""Anomaly detection: record where each node was created, and name the
forward op whose backward produced NaN."""
from __future__ import annotations

import traceback

enabled = [False, True]  # [on, check_nan]


def creation_trace() -> str:
    return "".join(traceback.format_stack()[:-3])


class detect_anomaly:
    """Context manager / decorator that turns on anomaly detection."""

    def __init__(self, check_nan: bool = True):
        self.check_nan = check_nan

    def __enter__(self):
        self._prev = list(enabled)
        enabled[0], enabled[1] = True, self.check_nan
        return self

    def __exit__(self, *exc):
        enabled[:] = self._prev

    def __call__(self, func):
        import functools

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with detect_anomaly(self.check_nan):
                return func(*args, **kwargs)
        return wrapper


class set_detect_anomaly:
    """Turn anomaly detection on or off (function or context manager)."""

    def __init__(self, mode: bool, check_nan: bool = True):
        self._prev = list(enabled)
        enabled[0], enabled[1] = bool(mode), check_nan

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        enabled[:] = self._prev


def is_anomaly_enabled() -> bool:
    return enabled[0]


def is_anomaly_check_nan_enabled() -> bool:
    return enabled[1]


def check_outputs(node, grads) -> None:
    """Raise naming the node if one of its input gradients holds NaN."""
    for i, g in enumerate(grads):
        if g is not None and g._dtype.category >= 2 and bool(g.isnan().any()):
            trace = node.anomaly_trace or ""
            raise RuntimeError(
                f"Function '{node.name()}' returned nan values in its {i}th output.\n"
                f"The forward call that created this node was:\n{trace}")
