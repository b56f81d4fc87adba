"""functional_call (torch.func and torch.nn.utils.stateless) against torch:
outputs and gradients with substitute tensors, tied weights, strict checks,
restoration of the module's own tensors, and the errors."""
import warnings

import numpy as np
import pytest
import torch

import ember


def _model(lib, tied=False):
    lib.manual_seed(0)
    m = lib.nn.Sequential(lib.nn.Linear(3, 3), lib.nn.BatchNorm1d(3), lib.nn.Linear(3, 3))
    if tied:
        m[2].weight = m[0].weight
    return m


def _pair(tied=False):
    """The same model in both frameworks (ember's weights copied into torch's)."""
    e, t = _model(ember, tied), _model(torch, tied)
    t.load_state_dict({k: torch.tensor(v.numpy()) for k, v in e.state_dict().items()})
    return e, t


def _subs(lib, names):
    rng = np.random.default_rng(1)
    shapes = {"0.weight": (3, 3), "0.bias": (3,), "1.running_mean": (3,), "2.bias": (3,),
              "2.weight": (3, 3), "1.weight": (3,)}
    return {n: lib.tensor(rng.standard_normal(shapes[n]), dtype=lib.float32, requires_grad=n.endswith(
        ("weight", "bias"))) for n in names}


CALLS = {
    "func, some params": (False, ["0.weight", "2.bias"], {}),
    "func, a buffer": (False, ["1.running_mean"], {}),
    "func, tied, one name": (True, ["0.weight"], {}),
    "func, tied, untied call": (True, ["0.weight"], {"tie_weights": False}),
    "func, several params": (False, ["0.weight", "0.bias", "1.weight", "2.weight", "2.bias"], {}),
}


@pytest.mark.parametrize("case", list(CALLS))
def test_outputs_and_grads_like_torch(case):
    tied, names, kw = CALLS[case]
    e_model, t_model = _pair(tied)
    e_model.eval()
    t_model.eval()
    x = np.random.default_rng(2).standard_normal((4, 3))
    results = []
    for lib, model in ((ember, e_model), (torch, t_model)):
        subs = _subs(lib, names)
        out = lib.func.functional_call(model, subs, (lib.tensor(x, dtype=lib.float32),), **kw)
        out.sum().backward()
        grads = {n: s.grad.numpy() for n, s in subs.items() if s.grad is not None}
        results.append((out.detach().numpy(), grads,
                        {k: v.detach().numpy() for k, v in model.state_dict().items()}))
    (eo, eg, es), (to, tg, ts) = results
    np.testing.assert_allclose(eo, to, rtol=1e-6, atol=1e-6)
    assert eg.keys() == tg.keys()
    for n in eg:
        np.testing.assert_allclose(eg[n], tg[n], rtol=1e-6, atol=1e-6, err_msg=n)
    for k in es:  # the module's own tensors are back, untouched
        np.testing.assert_array_equal(es[k], ts[k])


def test_own_parameters_restored_after_an_exception():
    m = _model(ember)
    before = {k: v for k, v in m.named_parameters()}

    def boom(module, inputs):
        raise ValueError("inside")
    m.register_forward_pre_hook(boom)
    with pytest.raises(ValueError, match="inside"):
        ember.func.functional_call(m, {"0.weight": ember.zeros(3, 3)}, ember.ones(1, 3))
    assert all(v is before[k] for k, v in m.named_parameters())
    assert isinstance(m[0].weight, ember.nn.Parameter)


ERRORS = {
    "tied, two values": (True, lambda lib: {"0.weight": lib.zeros(3, 3), "2.weight": lib.ones(3, 3)},
                         {}, ValueError),
    "strict, missing": (False, lambda lib: {"0.weight": lib.zeros(3, 3)}, {"strict": True}, RuntimeError),
    "strict, unexpected": (False, lambda lib: {"0.weight": lib.zeros(3, 3), "foo": lib.zeros(1),
                                               "0.bar": lib.zeros(1)}, {"strict": True}, RuntimeError),
    "repeated across dicts": (False, lambda lib: ({"0.bias": lib.zeros(3)}, {"0.bias": lib.zeros(3)}),
                              {}, ValueError),
    "not a dict": (False, lambda lib: 3, {}, ValueError),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_errors_like_torch(case):
    tied, make, kw, exc = ERRORS[case]
    messages = []
    for lib in (ember, torch):
        model = _model(lib, tied)
        with pytest.raises(exc) as info:
            lib.func.functional_call(model, make(lib), (lib.ones(1, 3),), **kw)
        messages.append(str(info.value).replace("torch", "ember"))
    assert messages[0] == messages[1]


def test_unexpected_key_without_strict_is_set_for_the_call():
    for lib in (ember, torch):
        m = _model(lib)
        seen = []
        m.register_forward_pre_hook(lambda mod, inp: seen.append(mod.extra))
        lib.func.functional_call(m, {"extra": lib.ones(1)}, lib.ones(2, 3))
        assert seen[0].tolist() == [1.0] and not hasattr(m, "extra")


def test_stateless_spelling_warns_like_torch():
    for lib in (ember, torch):
        m = _model(lib)
        m.eval()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = lib.nn.utils.stateless.functional_call(m, {}, lib.ones(2, 3))
        assert out.shape == (2, 3)
        assert [w.category for w in caught] == [FutureWarning]
        assert "torch.func.functional_call" in str(caught[0].message)
