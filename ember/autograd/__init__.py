"""ember.autograd: gradients of tensor computations (torch.autograd)."""
from __future__ import annotations

from .grad_mode import (  # noqa: F401
    enable_grad, inference_mode, no_grad, set_grad_enabled,
)
from .anomaly import detect_anomaly, set_detect_anomaly  # noqa: F401
from .graph import Node  # noqa: F401


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False,
             inputs=None) -> None:
    """Accumulate gradients of ``tensors`` into the graph's leaves (torch.autograd.backward)."""
    from .._tensor import Tensor
    from .engine import run_backward
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    if grad_tensors is None:
        grad_tensors = [None] * len(tensors)
    elif isinstance(grad_tensors, Tensor):
        grad_tensors = [grad_tensors]
    else:
        grad_tensors = list(grad_tensors)
    if inputs is not None:
        inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    run_backward(tensors, grad_tensors, retain_graph, create_graph, inputs=inputs)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False,
         materialize_grads=False):
    """Gradients of ``outputs`` with respect to ``inputs``, returned, not accumulated
    (torch.autograd.grad)."""
    from .._tensor import Tensor
    from .engine import run_backward
    single = isinstance(inputs, Tensor)
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = [inputs] if single else list(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs]
    else:
        grad_outputs = list(grad_outputs)
    if allow_unused is None:
        allow_unused = materialize_grads
    result = run_backward(outputs, grad_outputs, retain_graph, create_graph,
                          inputs=inputs, allow_unused=allow_unused, capture=True)
    if materialize_grads:
        from .. import zeros_like
        result = tuple(zeros_like(i) if g is None else g for g, i in zip(result, inputs))
    return result


from .function import (  # noqa: E402,F401
    Function, FunctionCtx, InplaceFunction, once_differentiable,
)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck  # noqa: E402,F401
from . import function, functional  # noqa: E402,F401
