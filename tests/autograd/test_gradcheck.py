"""gradcheck / gradgradcheck: they pass where torch's pass, and fail (with a
GradcheckError naming the input and showing both Jacobians) where torch's fail."""
import importlib

import numpy as np
import pytest
import torch

import ember

TorchGradcheckError = importlib.import_module("torch.autograd.gradcheck").GradcheckError

A = np.array([[0.3, -1.2, 0.7], [1.5, 0.1, -0.4]])
B = np.array([0.5, -2.0, 1.25])


def t(lib, a, rg=True, dtype="float64"):
    return lib.tensor(a, dtype=getattr(lib, dtype), requires_grad=rg)


def bad_functions(lib):
    F = lib.autograd.Function

    class WrongGrad(F):         # backward off by 10%
        @staticmethod
        def forward(ctx, x, y):
            ctx.save_for_backward(x, y)
            return x * y

        @staticmethod
        def backward(ctx, g):
            x, y = ctx.saved_tensors
            return g * y, g * x * 1.1

    class WrongSecond(F):       # right first derivative, wrong (constant) second
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * 3 * x.detach() * x.detach() + 0 * x

    class Noisy(F):             # backward not deterministic
        calls = [0]

        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            Noisy.calls[0] += 1
            return g * (2 + 1e-7 * Noisy.calls[0])

    return WrongGrad, WrongSecond, Noisy


GOOD = [
    # (function, input builder)
    (lambda x: (x.exp() * x.sin()).sum(0), lambda lib: (t(lib, A),)),
    (lambda x, y: x * y + y.exp(), lambda lib: (t(lib, A), t(lib, B))),
    (lambda x, k, y: (x * k, (y * y).sum()), lambda lib: (t(lib, A), 2.5, t(lib, B))),
    (lambda x, y: x.permute(1, 0) * y.reshape(3, 1), lambda lib: (t(lib, A), t(lib, B, rg=False))),
    (lambda x: x.reshape(-1).sigmoid(), lambda lib: (t(lib, A).t(),)),   # non-contiguous input
]


@pytest.mark.parametrize("case", range(len(GOOD)))
def test_gradcheck_passes(case):
    fn, make = GOOD[case]
    assert torch.autograd.gradcheck(fn, make(torch))
    assert ember.autograd.gradcheck(fn, make(ember)) is True
    assert torch.autograd.gradgradcheck(fn, make(torch))
    assert ember.autograd.gradgradcheck(fn, make(ember)) is True


def test_gradcheck_reports_mismatch():
    wrong_t, wrong_e = bad_functions(torch)[0], bad_functions(ember)[0]
    with pytest.raises(TorchGradcheckError):
        torch.autograd.gradcheck(wrong_t.apply, (t(torch, A), t(torch, A)))
    with pytest.raises(ember.autograd.GradcheckError) as info:
        ember.autograd.gradcheck(wrong_e.apply, (t(ember, A), t(ember, A)))
    assert isinstance(info.value, RuntimeError)
    msg = str(info.value)
    assert "Jacobian mismatch for output 0 with respect to input 1" in msg
    assert "numerical:" in msg and "analytical:" in msg
    assert not ember.autograd.gradcheck(wrong_e.apply, (t(ember, A), t(ember, A)),
                                        raise_exception=False)
    # a loose enough tolerance accepts it, in both
    assert torch.autograd.gradcheck(wrong_t.apply, (t(torch, A), t(torch, A)), rtol=0.2, atol=0)
    assert ember.autograd.gradcheck(wrong_e.apply, (t(ember, A), t(ember, A)), rtol=0.2, atol=0)


def test_gradgradcheck_reports_wrong_second_derivative():
    wrong_t, wrong_e = bad_functions(torch)[1], bad_functions(ember)[1]
    assert torch.autograd.gradcheck(wrong_t.apply, (t(torch, B),))
    assert ember.autograd.gradcheck(wrong_e.apply, (t(ember, B),))
    with pytest.raises(TorchGradcheckError):
        torch.autograd.gradgradcheck(wrong_t.apply, (t(torch, B),))
    with pytest.raises(ember.autograd.GradcheckError, match="Jacobian mismatch"):
        ember.autograd.gradgradcheck(wrong_e.apply, (t(ember, B),))
    assert not ember.autograd.gradgradcheck(wrong_e.apply, (t(ember, B),),
                                            raise_exception=False)


def test_gradcheck_nondeterministic_backward():
    noisy_t, noisy_e = bad_functions(torch)[2], bad_functions(ember)[2]
    with pytest.raises(TorchGradcheckError, match="not reentrant"):
        torch.autograd.gradcheck(noisy_t.apply, (t(torch, B),))
    with pytest.raises(ember.autograd.GradcheckError, match="not reentrant"):
        ember.autograd.gradcheck(noisy_e.apply, (t(ember, B),))
    assert torch.autograd.gradcheck(noisy_t.apply, (t(torch, B),), nondet_tol=1e-3)
    assert ember.autograd.gradcheck(noisy_e.apply, (t(ember, B),), nondet_tol=1e-3)


def test_gradcheck_eps_and_atol():
    """A large eps makes central differences of exp inaccurate: both fail, both pass
    again with a matching tolerance."""
    for lib in (torch, ember):
        with pytest.raises(RuntimeError):
            lib.autograd.gradcheck(lambda x: x.exp(), (t(lib, B),), eps=0.1)
        assert lib.autograd.gradcheck(lambda x: x.exp(), (t(lib, B),), eps=0.1, atol=0.1,
                                      rtol=0.01)


def test_gradcheck_needs_an_input_requiring_grad():
    for lib in (torch, ember):
        with pytest.raises(ValueError, match="at least one input tensor to require gradient"):
            lib.autograd.gradcheck(lambda x: x * 2, (t(lib, B, rg=False),))


def test_gradcheck_warns_for_float32():
    for lib in (torch, ember):
        with pytest.warns(UserWarning, match="is not a double precision"):
            lib.autograd.gradcheck(lambda x: x * 2, (t(lib, B, dtype="float32"),),
                                   eps=1e-3, atol=1e-2, rtol=1e-2)


def test_gradcheck_backward_ignoring_grad_output():
    def make(lib):
        class Offset(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g * 2 + 1e-3
        return Offset
    with pytest.raises(TorchGradcheckError, match="backward not multiplied by grad_output"):
        torch.autograd.gradcheck(make(torch).apply, (t(torch, B),), atol=1e-2)
    with pytest.raises(ember.autograd.GradcheckError,
                       match="backward not multiplied by grad_output"):
        ember.autograd.gradcheck(make(ember).apply, (t(ember, B),), atol=1e-2)
