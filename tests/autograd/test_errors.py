"""Autograd error paths: the same misuse in ember and torch raises the same
exception type, and ember's message carries torch's key words."""
import numpy as np
import pytest
import torch

import ember

X = np.array([[0.3, -1.2, 0.7], [1.5, 0.1, -0.4]])


def leaf(lib, a=X):
    return lib.tensor(a, dtype=lib.float64, requires_grad=True)


def backward_twice(lib):
    x = leaf(lib)
    y = (x * x).sum()
    y.backward()
    y.backward()


def non_scalar(lib):
    (leaf(lib) * 2).backward()


def saved_modified(lib):
    x = leaf(lib)
    h = x * 1
    y = h * h
    h.add_(1)
    y.sum().backward()


def saved_output_modified(lib):
    x = leaf(lib)
    y = x.exp()
    y.mul_(2)
    y.sum().backward()


def inplace_on_leaf(lib):
    leaf(lib).mul_(2)


def inplace_on_leaf_view(lib):
    leaf(lib).t().mul_(2)


def no_grad_fn(lib):
    lib.tensor(X).sum().backward()


def grad_of_constant(lib):
    x = leaf(lib)
    lib.autograd.grad(lib.tensor(X).sum(), x)


def unused_input(lib):
    x, w = leaf(lib), leaf(lib)
    lib.autograd.grad((x * 2).sum(), (x, w))


def grad_outputs_shape(lib):
    x = leaf(lib)
    lib.autograd.grad(x * 2, x, lib.ones(3, 2, dtype=lib.float64))


def backward_gradient_shape(lib):
    x = leaf(lib)
    (x * 2).backward(lib.ones(6, dtype=lib.float64))


def input_not_requiring_grad(lib):
    x = leaf(lib)
    lib.autograd.grad((x * 2).sum(), lib.tensor(X))


def requires_grad_int(lib):
    lib.tensor([1, 2]).requires_grad_()


def requires_grad_false_non_leaf(lib):
    (leaf(lib) * 2).requires_grad_(False)


def empty_backward_inputs(lib):
    x = leaf(lib)
    (x * 2).sum().backward(inputs=[])


def hook_on_constant(lib):
    lib.tensor(X).register_hook(lambda g: g)


def retain_grad_constant(lib):
    lib.tensor(X).retain_grad()


def detach_view_inplace(lib):
    x = leaf(lib)
    x.t().detach_()


CASES = [
    (backward_twice, RuntimeError, ["Trying to backward through the graph a second time",
                                    "retain_graph=True"]),
    (non_scalar, RuntimeError, ["grad can be implicitly created only for scalar outputs"]),
    (saved_modified, RuntimeError, ["modified by an inplace operation", "is at version 1",
                                    "expected version 0"]),
    (saved_output_modified, RuntimeError, ["modified by an inplace operation"]),
    (inplace_on_leaf, RuntimeError, ["a leaf Variable that requires grad",
                                     "in-place operation"]),
    (inplace_on_leaf_view, RuntimeError, ["a view of a leaf Variable that requires grad",
                                          "in-place operation"]),
    (no_grad_fn, RuntimeError, ["does not require grad and does not have a grad_fn"]),
    (grad_of_constant, RuntimeError, ["does not require grad and does not have a grad_fn"]),
    (unused_input, RuntimeError, ["appears to not have been used in the graph",
                                  "allow_unused=True"]),
    (grad_outputs_shape, RuntimeError, ["Mismatch in shape", "[3, 2]", "[2, 3]"]),
    (backward_gradient_shape, RuntimeError, ["Mismatch in shape", "[6]", "[2, 3]"]),
    (input_not_requiring_grad, RuntimeError, ["does not require grad"]),
    (requires_grad_int, RuntimeError, ["only Tensors of floating point",
                                       "can require gradients"]),
    (requires_grad_false_non_leaf, RuntimeError, ["you can only change requires_grad flags of "
                                                  "leaf variables"]),
    (empty_backward_inputs, RuntimeError, ["'inputs' argument to backward() cannot be empty"]),
    (hook_on_constant, RuntimeError, ["cannot register a hook on a tensor that doesn't require "
                                      "gradient"]),
    (retain_grad_constant, RuntimeError, ["can't retain_grad on Tensor that has "
                                          "requires_grad=False"]),
    (detach_view_inplace, RuntimeError, ["Can't detach views in-place"]),
]


@pytest.mark.parametrize("fn,exc,words", CASES, ids=[c[0].__name__ for c in CASES])
def test_error_like_torch(fn, exc, words):
    with pytest.raises(exc):
        fn(torch)
    with pytest.raises(exc) as info:
        fn(ember)
    for w in words:
        assert w in str(info.value), f"{w!r} not in {str(info.value)!r}"


def test_anomaly_names_forward_op():
    """sqrt(0) has an infinite derivative; times the zero gradient of the mask it is NaN."""
    def run(lib):
        x = lib.tensor([0.0, 4.0], dtype=lib.float64, requires_grad=True)
        with lib.autograd.detect_anomaly():
            y = x.sqrt() * lib.tensor([0.0, 1.0], dtype=lib.float64)
            y.sum().backward()
    with pytest.warns(UserWarning):
        with pytest.raises(RuntimeError, match="Function 'SqrtBackward0' returned nan values in "
                                               "its 0th output"):
            run(torch)
    with pytest.raises(RuntimeError) as info:
        run(ember)
    assert "Function 'SqrtBackward0' returned nan values in its 0th output" in str(info.value)


def test_no_anomaly_check_without_detect_anomaly():
    for lib in (torch, ember):
        x = lib.tensor([0.0, 4.0], dtype=lib.float64, requires_grad=True)
        (x.sqrt() * lib.tensor([0.0, 1.0], dtype=lib.float64)).sum().backward()
        assert np.isnan(x.grad.numpy()[0])
