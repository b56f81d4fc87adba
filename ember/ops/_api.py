"""Binding ops to the public API: ``ember.*`` functions and Tensor methods.

Family modules register their public functions here with ``export``;
``ember/__init__.py`` copies FUNCTIONS into the namespace and ``bind_methods``
sets METHODS on Tensor. A name is written once; aliases point at the same
function object.
"""
from __future__ import annotations

from . import registry as _registry
from .registry import dispatch, dispatch_inplace, write_out

FUNCTIONS: dict = {}
METHODS: dict = {}


def export(*names, method: bool = True, function: bool = True, method_names=()):
    """Register ``fn`` under ``names`` (default: its own name) as ember.* and
    Tensor methods; ``method_names`` adds method-only aliases."""
    def register(fn):
        all_names = names or (fn.__name__,)
        for n in all_names:
            if function:
                _add(FUNCTIONS, n, fn)
            if method:
                _add(METHODS, n, fn)
        for n in method_names:
            _add(METHODS, n, fn)
        return fn
    return register


def export_method(*names):
    """Register a Tensor-only method."""
    return export(*names, function=False)


def alias(name: str, target: str) -> None:
    """Make ``name`` another name for the already exported ``target``."""
    for table in (FUNCTIONS, METHODS):
        if target in table:
            _add(table, name, table[target])


def _add(table, name, fn):
    if name in table and table[name] is not fn:
        raise ValueError(f"public name {name!r} is bound twice")
    table[name] = fn


def check_tensor(x, fname: str, arg: str = "input", pos: int = 1):
    """torch's TypeError for a non-Tensor argument."""
    if not isinstance(x, _registry._Tensor):
        raise TypeError(f"{fname}(): argument '{arg}' (position {pos}) must be Tensor, "
                        f"not {type(x).__name__}")


def unary_api(op, name: str, aliases=(), inplace: bool = True, method: bool = True):
    """Public function ``name(input, *, out=None)``, its method and ``name_``."""
    from .._tensor import Tensor

    def fn(input, *, out=None):
        if not isinstance(input, Tensor):
            check_tensor(input, name)
        r = dispatch(op, (input,))
        return r if out is None else write_out(out, r)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise {name} (torch.{name})."
    export(name, *aliases, method=method)(fn)
    if inplace:
        def fn_(self):
            return dispatch_inplace(op, self, (self,))
        fn_.__name__ = fn_.__qualname__ = name + "_"
        fn_.__doc__ = f"In-place {name}."
        export(*(n + "_" for n in (name, *aliases)), method=method, function=True)(fn_)
    return fn


def binary_api(op, name: str, aliases=(), inplace: bool = True, scalar_other: bool = True):
    """Public ``name(input, other, *, out=None)``, its method and ``name_``.
    With ``scalar_other=False`` both arguments must be tensors, as in torch."""
    from .._tensor import Tensor

    def fn(input, other, *, out=None):
        if not isinstance(input, Tensor):
            if not isinstance(other, Tensor):
                check_tensor(input, name)
        if not scalar_other and not isinstance(other, Tensor):
            check_tensor(other, name, "other", 2)
        r = dispatch(op, (input, other))
        return r if out is None else write_out(out, r)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise {name} with broadcasting (torch.{name})."
    export(name, *aliases)(fn)
    if inplace:
        def fn_(self, other):
            if not scalar_other and not isinstance(other, Tensor):
                check_tensor(other, name + "_", "other", 1)
            return dispatch_inplace(op, self, (self, other))
        fn_.__name__ = fn_.__qualname__ = name + "_"
        export(*(n + "_" for n in (name, *aliases)), function=False)(fn_)
    return fn


def bind_methods(cls) -> None:
    for name, fn in METHODS.items():
        if name not in cls.__dict__:
            setattr(cls, name, fn)
