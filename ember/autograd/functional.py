"""Higher-level differentiation of functions (torch.autograd.functional).

``vjp``, ``jvp``, ``jacobian``, ``hessian``, ``vhp`` and ``hvp`` take a Python
function of tensors and return derivatives of it, built from
``autograd.grad``. Forward-mode products use the double-backward trick.
Results mirror the structure of the arguments: a Tensor for a Tensor, a tuple
for a tuple (and a tuple of tuples for a jacobian of tuples to tuples).
"""
from __future__ import annotations

from typing import Callable

from . import grad_mode
from . import graph as _graph

__all__ = ["vjp", "jvp", "jacobian", "hessian", "vhp", "hvp"]


# ----------------------------------------------------------------- helpers
def _as_tuple(value, arg_name: str, fn_name: str):
    """(was_tuple, tuple of Tensors), with torch's TypeError for other values."""
    Tensor = _graph._Tensor
    is_tuple = isinstance(value, tuple)
    items = value if is_tuple else (value,)
    for i, el in enumerate(items):
        if not isinstance(el, Tensor):
            where = f"value at index {i}" if is_tuple else f"given {arg_name}"
            raise TypeError(f"The {arg_name} given to {fn_name} must be either a Tensor or a "
                            f"tuple of Tensors but the {where} has type {type(el)}.")
    return is_tuple, items


def _prepare(inputs, create_graph: bool, need_graph: bool):
    """Fresh differentiable copies of the inputs: aliases that keep history with
    create_graph, detached leaves otherwise."""
    out = []
    for t in inputs:
        if create_graph and t.requires_grad:
            out.append(t.reshape(tuple(t.shape)))
        else:
            out.append(t.detach().requires_grad_(need_graph))
    return tuple(out)


def _finish(values, create_graph: bool):
    if not values or isinstance(values[0], _graph._Tensor) or values[0] is None:
        return tuple(v.detach() if v is not None and not create_graph else v for v in values)
    return tuple(_finish(v, create_graph) for v in values)


def _unpack(res, to_unpack):
    """Undo the tuple wrapping of arguments that were given as single tensors."""
    if isinstance(to_unpack, tuple):
        outer_tuple, inner_tuple = to_unpack
        if not inner_tuple:
            res = tuple(r[0] for r in res)
        return res if outer_tuple else res[0]
    return res if to_unpack else res[0]


def _check_v(v, other, other_is_tuple: bool):
    if len(v) != len(other):
        if other_is_tuple:
            raise RuntimeError(f"v is a tuple of invalid length: should be {len(other)} but got "
                               f"{len(v)}.")
        raise RuntimeError("The given v should contain a single Tensor.")
    for i, (a, b) in enumerate(zip(v, other)):
        if a.shape != b.shape:
            prefix = f"Entry {i} in " if other_is_tuple else ""
            raise RuntimeError(f"{prefix}v has invalid size: should be {b.shape} but got "
                               f"{a.shape}.")


_STRICT_KIND = {
    "outputs": "Output {i} of the user-provided function does not require gradients. The "
               "outputs must be computed in a differentiable manner from the input when running "
               "in strict mode.",
    "grad_inputs": "The gradient with respect to input {i} is independent of the inputs of the "
                   "user-provided function. This is not allowed in strict mode.",
    "jacobian": "While computing the hessian, found that the jacobian of the user-provided "
                "function with respect to input {i} is independent of the input. This is not "
                "allowed in strict mode. You should ensure that your function is twice "
                "differentiable and that the jacobian depends on the inputs (this would be "
                "violated by a linear function for example).",
    "hessian": "The hessian of the user-provided function with respect to input {i} is "
               "independent of the input. This is not allowed in strict mode. You should ensure "
               "that your function is thrice differentiable and that the hessian depends on the "
               "inputs.",
}


def _strict_requires_grad(values, kind: str, strict: bool) -> None:
    if not strict:
        return
    for i, t in enumerate(values):
        if t is None:
            raise RuntimeError(f"The output of the user-provided function is independent of input "
                               f"{i}. This is not allowed in strict mode.")
        if not t.requires_grad:
            raise RuntimeError(_STRICT_KIND[kind].format(i=i))


def _grad(outputs, inputs, grad_outputs=None, create_graph=False, retain_graph=None):
    """autograd.grad over the outputs that require grad, None for unreachable inputs."""
    from . import grad as _autograd_grad
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o is not None and o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    return _autograd_grad([o for o, _ in pairs], inputs, [g for _, g in pairs],
                          create_graph=create_graph, retain_graph=retain_graph,
                          allow_unused=True)


_ZERO_MSG = {
    "back": "The output of the user-provided function is independent of input {i}. This is not "
            "allowed in strict mode.",
    "back_trick": "The gradient with respect to the input is independent of entry {i} in the "
                  "grad_outputs when using the double backward trick to compute forward mode "
                  "gradients. This is not allowed in strict mode.",
    "double_back": "The jacobian of the user-provided function is independent of input {i}. "
                   "This is not allowed in strict mode.",
    "double_back_trick": "The hessian of the user-provided function is independent of entry {i} "
                         "in the grad_jacobian. This is not allowed in strict mode as it prevents "
                         "from using the double backward trick to replace forward mode AD.",
}


def _zeros_for_none(grads, refs, strict: bool, create_graph: bool, stage: str):
    from .. import zeros_like
    out = []
    for i, (g, ref) in enumerate(zip(grads, refs)):
        if g is None:
            if strict:
                raise RuntimeError(_ZERO_MSG[stage].format(i=i))
            g = zeros_like(ref)
        elif strict and create_graph and not g.requires_grad:
            what = "hessian" if "double" in stage else "jacobian"
            raise RuntimeError(f"The {what} of the user-provided function is independent of input "
                               f"{i}. This is not allowed in strict mode when create_graph=True.")
        out.append(g)
    return tuple(out)


def _zeros_like_requiring_grad(t):
    from .. import zeros_like
    return zeros_like(t).requires_grad_(True)


# ------------------------------------------------------------------ the API
def vjp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), v^T J): the vector-Jacobian product of func at inputs
    (torch.autograd.functional.vjp)."""
    with grad_mode.enable_grad():
        in_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
        inputs = _prepare(inputs, create_graph, True)
        outputs = func(*inputs)
        out_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", "vjp")
        _strict_requires_grad(outputs, "outputs", strict)
        if v is not None:
            _, v = _as_tuple(v, "v", "vjp")
            v = _prepare(v, create_graph, False)
            _check_v(v, outputs, out_tuple)
        elif len(outputs) != 1 or outputs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the user-provided function "
                               "returns a single Tensor with a single element.")
        with grad_mode.set_grad_enabled(create_graph):
            grads = _grad(outputs, inputs, v, create_graph=create_graph)
            result = _zeros_for_none(grads, inputs, strict, create_graph, "back")
    outputs = _finish(outputs, create_graph)
    result = _finish(result, create_graph)
    return _unpack(outputs, out_tuple), _unpack(result, in_tuple)


def jvp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), J v): the Jacobian-vector product of func at inputs
    (torch.autograd.functional.jvp), by the double-backward trick."""
    with grad_mode.enable_grad():
        in_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
        inputs = _prepare(inputs, create_graph, True)
        if v is not None:
            _, v = _as_tuple(v, "v", "jvp")
            v = _prepare(v, create_graph, False)
            _check_v(v, inputs, in_tuple)
        elif len(inputs) != 1 or inputs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the input to the user-provided "
                               "function is a single Tensor with a single element.")
        outputs = func(*inputs)
        out_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", "jvp")
        _strict_requires_grad(outputs, "outputs", strict)
        dummies = tuple(_zeros_like_requiring_grad(o) for o in outputs)
        grad_inputs = _grad(outputs, inputs, dummies, create_graph=True)
        _strict_requires_grad(grad_inputs, "grad_inputs", strict)
        if create_graph:
            grads = _grad(grad_inputs, dummies, v, create_graph=True)
            result = _zeros_for_none(grads, outputs, strict, True, "back_trick")
        else:
            with grad_mode.no_grad():
                grads = _grad(grad_inputs, dummies, v, create_graph=False)
                result = _zeros_for_none(grads, outputs, strict, False, "back_trick")
    outputs = _finish(outputs, create_graph)
    result = _finish(result, create_graph)
    return _unpack(outputs, out_tuple), _unpack(result, out_tuple)


def _one_hot(out, k: int):
    from .. import zeros
    e = zeros(out.numel(), dtype=out.dtype, device=out.device)
    e._data[k] = 1
    return e.reshape(tuple(out.shape))


def jacobian(func: Callable, inputs, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode"):
    """The Jacobian of func at inputs (torch.autograd.functional.jacobian): entry
    [i][j] has shape outputs[i].shape + inputs[j].shape."""
    from .. import stack
    if strategy not in ("forward-mode", "reverse-mode"):
        raise ValueError('Expected strategy to be either "forward-mode" or "reverse-mode". Hint: '
                         'If your function has more outputs than inputs, "forward-mode" tends to '
                         'be more performant. Otherwise, prefer to use "reverse-mode".')
    if strategy == "forward-mode" and not vectorize:
        raise NotImplementedError("torch.autograd.functional.jacobian: `strategy=\"forward-mode\"` "
                                  "is only supported together with `vectorize=True`.")
    if strict and vectorize:
        raise RuntimeError("torch.autograd.functional.jacobian: `strict=True` and "
                           "`vectorized=True` are not supported together. Please either set "
                           "`strict=False` or `vectorize=False`.")
    with grad_mode.enable_grad():
        in_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
        inputs = _prepare(inputs, create_graph, True)
        outputs = func(*inputs)
        out_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function",
                                       "jacobian")
        _strict_requires_grad(outputs, "outputs", strict)
        result = []
        for i, out in enumerate(outputs):
            rows = [[] for _ in inputs]
            for k in range(out.numel()):
                grads = _grad((out,), inputs, (_one_hot(out, k),), retain_graph=True,
                              create_graph=create_graph)
                for j, (g, inp) in enumerate(zip(grads, inputs)):
                    if g is None:
                        if strict:
                            raise RuntimeError(
                                f"Output {i} of the user-provided function is independent of "
                                f"input {j}. This is not allowed in strict mode.")
                        from .. import zeros_like
                        g = zeros_like(inp)
                    elif strict and create_graph and not g.requires_grad:
                        raise RuntimeError(
                            "The jacobian of the user-provided function is independent of "
                            f"input {i}. This is not allowed in strict mode when "
                            "create_graph=True.")
                    rows[j].append(g)
            blocks = []
            for j, inp in enumerate(inputs):
                shape = tuple(out.shape) + tuple(inp.shape)
                if rows[j]:
                    blocks.append(stack(rows[j]).reshape(shape))
                else:
                    from .. import zeros
                    blocks.append(zeros(shape, dtype=inp.dtype, device=inp.device))
            result.append(tuple(blocks))
    result = _finish(tuple(result), create_graph)
    return _unpack(result, (out_tuple, in_tuple))


def hessian(func: Callable, inputs, create_graph: bool = False, strict: bool = False,
            vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode"):
    """The Hessian of a scalar function at inputs (torch.autograd.functional.hessian):
    entry [i][j] has shape inputs[i].shape + inputs[j].shape."""
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise ValueError('Expected strategy to be either "forward-mode" or "reverse-mode".')
    in_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")

    def scalar_func(*inp):
        out = func(*inp)
        out_tuple, t_out = _as_tuple(out, "outputs of the user-provided function", "hessian")
        _strict_requires_grad(t_out, "outputs", strict)
        if out_tuple or not isinstance(out, _graph._Tensor):
            raise RuntimeError("The function given to hessian should return a single Tensor")
        if out.numel() != 1:
            raise RuntimeError("The Tensor returned by the function given to hessian should "
                               "contain a single element")
        return out.reshape(())

    def jac_func(*inp):
        jac = jacobian(scalar_func, inp, create_graph=True)
        _strict_requires_grad((jac,) if not isinstance(jac, tuple) else jac, "jacobian", strict)
        return jac

    res = jacobian(jac_func, inputs, create_graph=create_graph, strict=strict,
                   vectorize=vectorize, strategy=outer_jacobian_strategy)
    return _unpack(res, (in_tuple, in_tuple))


def vhp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), v^T H): vector-Hessian product of a scalar function
    (torch.autograd.functional.vhp)."""
    return _hessian_product("vhp", func, inputs, v, create_graph, strict)


def hvp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), H v): Hessian-vector product of a scalar function
    (torch.autograd.functional.hvp)."""
    return _hessian_product("hvp", func, inputs, v, create_graph, strict)


def _hessian_product(name, func, inputs, v, create_graph, strict):
    with grad_mode.enable_grad():
        in_tuple, inputs = _as_tuple(inputs, "inputs", name)
        inputs = _prepare(inputs, create_graph, True)
        if v is not None:
            _, v = _as_tuple(v, "v", name)
            v = _prepare(v, create_graph, False)
            _check_v(v, inputs, in_tuple)
        elif len(inputs) != 1 or inputs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the input to the user-provided "
                               "function is a single Tensor with a single element.")
        outputs = func(*inputs)
        out_tuple, outputs = _as_tuple(outputs, "outputs of the user-provided function", name)
        _strict_requires_grad(outputs, "outputs", strict)
        if out_tuple or not isinstance(outputs[0], _graph._Tensor):
            raise RuntimeError(f"The function given in {name} should return a single Tensor")
        if outputs[0].numel() != 1:
            raise RuntimeError(f"The Tensor returned by the function given to {name} should "
                               "contain a single element")
        jac = _grad(outputs, inputs, create_graph=True)
        _strict_requires_grad(jac, "jacobian", strict)
        # H is symmetric, so v^T H and H v have the same values; torch computes hvp with the
        # double-backward trick and vhp directly, which we mirror for the same strict errors
        if name == "vhp":
            with grad_mode.set_grad_enabled(create_graph):
                grads = _grad(jac, inputs, v, create_graph=create_graph)
                result = _zeros_for_none(grads, inputs, strict, create_graph, "double_back")
        else:
            dummies = tuple(_zeros_like_requiring_grad(i) for i in inputs)
            double = _grad(jac, inputs, dummies, create_graph=True)
            _strict_requires_grad(jac, "hessian", strict)
            with grad_mode.set_grad_enabled(create_graph):
                grads = _grad(double, dummies, v, create_graph=create_graph)
                result = _zeros_for_none(grads, inputs, strict, create_graph,
                                         "double_back_trick")
    outputs = _finish(outputs, create_graph)
    result = _finish(result, create_graph)
    return _unpack(outputs, out_tuple), _unpack(result, in_tuple)
