"""Grad modes: no_grad, enable_grad, inference_mode, set_grad_enabled.

The state is one module-level list so that dispatch reads it cheaply."""
from __future__ import annotations

import functools

# [grad enabled, inference mode]
_state = [True, False]


def is_grad_enabled() -> bool:
    return _state[0]


def is_inference_mode_enabled() -> bool:
    return _state[1]


class _Mode:
    """Base for grad-mode context managers that also work as decorators."""

    def __call__(self, func):
        if isinstance(func, type) and issubclass(func, object) and not callable(func):
            return func

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.__class__(*self._args):
                return func(*args, **kwargs)
        return wrapper

    _args: tuple = ()

    def clone(self):
        return self.__class__(*self._args)


class no_grad(_Mode):
    """Context manager / decorator that disables gradient recording."""

    def __init__(self, orig_func=None):
        self._args = ()
        self._orig = orig_func

    def __new__(cls, orig_func=None):
        self = super().__new__(cls)
        if orig_func is not None and callable(orig_func):  # used as @no_grad without ()
            self.__init__()
            return self(orig_func)
        return self

    def __enter__(self):
        self._prev = _state[0]
        _state[0] = False

    def __exit__(self, *exc):
        _state[0] = self._prev


class enable_grad(no_grad):
    """Context manager / decorator that enables gradient recording."""

    def __enter__(self):
        self._prev = _state[0]
        _state[0] = True


class set_grad_enabled(_Mode):
    """Set gradient recording on or off; works as a function, context manager or decorator."""

    def __init__(self, mode: bool):
        self._args = (mode,)
        self._prev = _state[0]
        _state[0] = bool(mode)

    def __call__(self, func):
        _state[0] = self._prev
        return super().__call__(func)

    def __enter__(self):
        pass

    def __exit__(self, *exc):
        _state[0] = self._prev


class inference_mode(_Mode):
    """Like no_grad; tensors made inside are inference tensors (mode=True)."""

    def __init__(self, mode: bool = True):
        self._args = (mode,)
        self._mode = bool(mode)

    def __new__(cls, mode=True):
        self = super().__new__(cls)
        if callable(mode) and not isinstance(mode, bool):  # bare @inference_mode
            self.__init__(True)
            return self(mode)
        return self

    def __enter__(self):
        self._prev = (_state[0], _state[1])
        if self._mode:
            _state[0], _state[1] = False, True
        else:
            _state[1] = False

    def __exit__(self, *exc):
        _state[0], _state[1] = self._prev
