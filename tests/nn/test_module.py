"""nn.Module, Parameter and the containers against torch.nn: registration,
iteration order, state_dict keys and loading errors, hooks, modes, dtype
moves, reprs, and the module path in input errors."""
import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest
import torch

import ember
import ember.nn as enn


def define(lib):
    """The same small model classes written against either framework."""
    nn = lib.nn

    class Affine(nn.Module):
        def __init__(self, n_in, n_out, bias=True):
            super().__init__()
            self.n_in, self.n_out = n_in, n_out
            self.weight = nn.Parameter(lib.ones(n_out, n_in) * 0.5)
            if bias:
                self.bias = nn.Parameter(lib.zeros(n_out) + 0.1)
            else:
                self.register_parameter("bias", None)
            self.register_buffer("calls", lib.zeros(1))
            self.register_buffer("scratch", lib.zeros(2), persistent=False)

        def forward(self, x):
            if lib is ember and x.shape[-1] != self.n_in:
                raise self._input_error(
                    RuntimeError, f"got input of shape {tuple(x.shape)}: last dimension must be "
                                  f"{self.n_in}")
            y = x @ self.weight.T
            return y + self.bias if self.bias is not None else y

        def extra_repr(self):
            return f"n_in={self.n_in}, n_out={self.n_out}, bias={self.bias is not None}"

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = Affine(4, 3)
            self.act = nn.Sequential()
            self.fc2 = Affine(3, 2, bias=False)

        def forward(self, x):
            return self.fc2((self.fc1(x)).tanh())

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.ModuleDict({"layers": nn.ModuleList([Block(), Block()])})
            self.head = Affine(2, 1)
            self.shared = self.head  # a module reachable twice
            self.scale = nn.Parameter(lib.tensor(2.0))

        def forward(self, x):
            for block in self.encoder["layers"]:
                x = block(x[..., :4] if x.shape[-1] >= 4 else x) if False else block(x)
                x = lib.cat([x, x], -1) if x.shape[-1] == 2 else x
            return self.head(x[..., :2]) * self.scale

    return Affine, Block, Net


E_AFFINE, E_BLOCK, E_NET = define(ember)
T_AFFINE, T_BLOCK, T_NET = define(torch)


def test_registration_and_iteration_order():
    e, t = E_NET(), T_NET()
    assert [n for n, _ in e.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [n for n, _ in e.named_buffers()] == [n for n, _ in t.named_buffers()]
    assert [n for n, _ in e.named_modules()] == [n for n, _ in t.named_modules()]
    assert [n for n, _ in e.named_children()] == [n for n, _ in t.named_children()]
    assert [n for n, _ in e.named_modules(remove_duplicate=False)] == \
        [n for n, _ in t.named_modules(remove_duplicate=False)]
    assert [n for n, _ in e.named_parameters(prefix="m", recurse=False)] == \
        [n for n, _ in t.named_parameters(prefix="m", recurse=False)]
    assert len(list(e.parameters())) == len(list(t.parameters()))
    assert e.get_submodule("encoder.layers.1.fc2").n_out == 2
    assert e.get_parameter("encoder.layers.0.fc1.weight").shape == (3, 4)
    assert e.get_buffer("head.calls").shape == (1,)


def test_state_dict_keys_shapes_and_roundtrip_with_torch():
    e, t = E_NET(), T_NET()
    es, ts = e.state_dict(), t.state_dict()
    assert list(es) == list(ts)
    assert [tuple(v.shape) for v in es.values()] == [tuple(v.shape) for v in ts.values()]
    assert dict(es._metadata) == dict(ts._metadata)
    # torch -> ember and back
    rng = np.random.default_rng(0)
    for v in ts.values():
        v.copy_(torch.tensor(rng.standard_normal(tuple(v.shape)), dtype=v.dtype))
    result = e.load_state_dict({k: ember.tensor(v.numpy()) for k, v in ts.items()})
    assert repr(result) == "<All keys matched successfully>"
    x = np.random.default_rng(1).standard_normal((5, 4)).astype(np.float32)
    np.testing.assert_allclose(e(ember.tensor(x)).detach().numpy(),
                               t(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)
    t2 = T_NET()
    t2.load_state_dict({k: torch.tensor(v.numpy()) for k, v in e.state_dict().items()})
    for (k, a), b in zip(t2.state_dict().items(), ts.values()):
        assert torch.equal(a, b), k
    assert not e.state_dict()["head.weight"].requires_grad
    assert e.state_dict(keep_vars=True)["head.weight"] is e.head.weight


def _messages(fn_e, fn_t):
    with pytest.raises(RuntimeError) as te:
        fn_t()
    with pytest.raises(RuntimeError) as ee:
        fn_e()
    return str(ee.value), str(te.value).replace("torch.", "ember.")


def test_load_state_dict_errors_match_torch():
    e, t = E_NET(), T_NET()
    bad_t = dict(t.state_dict())
    bad_t["head.weight"] = torch.zeros(3, 2)
    del bad_t["scale"]
    del bad_t["encoder.layers.0.fc1.bias"]
    bad_t["extra.thing"] = torch.zeros(1)
    bad_t["head"] = torch.zeros(1)
    bad_e = {k: ember.tensor(v.numpy()) for k, v in bad_t.items()}
    got, want = _messages(lambda: e.load_state_dict(bad_e), lambda: t.load_state_dict(bad_t))
    assert got == want
    r_e = e.load_state_dict({k: v for k, v in bad_e.items() if k != "head.weight"}, strict=False)
    r_t = t.load_state_dict({k: v for k, v in bad_t.items() if k != "head.weight"}, strict=False)
    assert r_e.missing_keys == r_t.missing_keys and r_e.unexpected_keys == r_t.unexpected_keys
    assert repr(r_e) == repr(r_t)


SETATTR_ERRORS = [
    ("param to tensor", lambda lib, m: setattr(m, "weight", lib.zeros(2)), TypeError),
    ("module to tensor", lambda lib, m: setattr(m, "fc1", lib.zeros(2)), TypeError),
    ("register existing", lambda lib, m: m.register_parameter("fc1", lib.nn.Parameter(lib.ones(1))),
     KeyError),
    ("dotted buffer", lambda lib, m: m.register_buffer("a.b", lib.ones(1)), KeyError),
    ("empty name", lambda lib, m: m.register_buffer("", lib.ones(1)), KeyError),
    ("non-parameter", lambda lib, m: m.register_parameter("p", lib.ones(1)), TypeError),
    ("missing attr", lambda lib, m: m.nothing_here, AttributeError),
    ("buffer to str", lambda lib, m: setattr(m.fc1, "calls", "x"), TypeError),
    ("bad module", lambda lib, m: m.add_module("x", 3), TypeError),
]


@pytest.mark.parametrize("case", SETATTR_ERRORS, ids=[c[0] for c in SETATTR_ERRORS])
def test_attribute_rules(case):
    _, fn, exc = case
    with pytest.raises(exc) as te:
        fn(torch, T_AFFINE(2, 2) if case[0] == "param to tensor" else T_BLOCK())
    with pytest.raises(exc) as ee:
        fn(ember, E_AFFINE(2, 2) if case[0] == "param to tensor" else E_BLOCK())
    assert str(ee.value) == str(te.value).replace("torch.", "torch.")


def test_attribute_reassignment_moves_between_stores():
    for lib in (ember, torch):
        m = (E_BLOCK if lib is ember else T_BLOCK)()
        m.fc1 = None
        assert "fc1" in m._modules and m.fc1 is None
        m.extra = lib.nn.Parameter(lib.ones(2))
        assert "extra" in m._parameters
        del m.extra
        assert "extra" not in m._parameters
        m.buf = lib.nn.Buffer(lib.ones(3), persistent=False)
        assert "buf" in m._buffers and "buf" not in m.state_dict()
        m.plain = 5
        assert m.plain == 5 and "plain" not in m._parameters
    with pytest.raises(AttributeError, match="before Module.__init__"):
        class Bad(enn.Module):
            def __init__(self):
                self.w = enn.Parameter(ember.ones(1))
        Bad()


def test_modes_grad_and_apply():
    e = E_NET()
    assert e.training and all(m.training for m in e.modules())
    e.eval()
    assert not any(m.training for m in e.modules())
    e.train()
    assert all(m.training for m in e.modules())
    e.requires_grad_(False)
    assert not any(p.requires_grad for p in e.parameters())
    e.requires_grad_(True)
    out = e(ember.ones(3, 4)).sum()
    out.backward()
    assert all(p.grad is not None for p in e.parameters())
    e.zero_grad(set_to_none=False)
    assert all(float(p.grad.abs().sum()) == 0 for p in e.parameters())
    e.zero_grad()
    assert all(p.grad is None for p in e.parameters())
    seen = []
    e.apply(lambda m: seen.append(type(m).__name__))
    assert seen[-1] == "Net" and seen[0] == "Affine"
    with pytest.raises(ValueError, match="boolean"):
        e.train("yes")


def test_to_keeps_parameter_objects():
    e = E_NET()
    p = e.head.weight
    e.to(ember.float64)
    assert e.head.weight is p and p.dtype is ember.float64 and isinstance(p, enn.Parameter)
    assert e.head.calls.dtype is ember.float64
    e.float()
    assert p.dtype is ember.float32
    e.half().double()
    assert p.dtype is ember.float64
    with pytest.raises(TypeError, match="floating point"):
        e.to(ember.int64)
    assert e.to("cpu") is e and e.cpu() is e


def test_forward_hooks_match_torch():
    log = {"ember": [], "torch": []}

    def install(lib, m):
        name = lib.__name__
        m.fc1.register_forward_pre_hook(lambda mod, args: (args[0] * 2,))
        h = m.fc1.register_forward_hook(lambda mod, args, out: out + 1)
        m.fc2.register_forward_hook(lambda mod, args, kwargs, out: log[name].append(tuple(out.shape)),
                                    with_kwargs=True)
        m.register_forward_pre_hook(lambda mod, args, kwargs: ((args[0] - 1,), kwargs),
                                    with_kwargs=True, prepend=True)
        return h

    e, t = E_BLOCK(), T_BLOCK()
    he, ht = install(ember, e), install(torch, t)
    x = np.random.default_rng(2).standard_normal((2, 4)).astype(np.float32)
    np.testing.assert_allclose(e(ember.tensor(x)).detach().numpy(),
                               t(torch.tensor(x)).detach().numpy(), rtol=1e-6)
    he.remove()
    ht.remove()
    np.testing.assert_allclose(e(ember.tensor(x)).detach().numpy(),
                               t(torch.tensor(x)).detach().numpy(), rtol=1e-6)
    assert log["ember"] == log["torch"] == [(2, 2), (2, 2)]


def test_full_backward_hooks_match_torch():
    record = {"ember": [], "torch": []}

    def install(lib, m):
        name = lib.__name__

        def hook(mod, grad_input, grad_output):
            record[name].append([None if g is None else g.detach().numpy().copy()
                                 for g in grad_input + grad_output])
            return (grad_input[0] * 3,)

        def pre(mod, grad_output):
            return (grad_output[0] * 0.5,)
        m.fc2.register_full_backward_hook(hook)
        m.fc2.register_full_backward_pre_hook(pre)

    e, t = E_BLOCK(), T_BLOCK()
    install(ember, e)
    install(torch, t)
    x = np.random.default_rng(3).standard_normal((2, 4)).astype(np.float32)
    xe, xt = ember.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    e(xe).sum().backward()
    t(xt).sum().backward()
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-6)
    for a, b in zip(record["ember"][0], record["torch"][0]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    for (n, pe), pt in zip(e.named_parameters(), t.parameters()):
        np.testing.assert_allclose(pe.grad.numpy(), pt.grad.numpy(), rtol=1e-5, atol=1e-6,
                                   err_msg=n)


def test_state_dict_and_load_hooks():
    e = E_AFFINE(2, 2)
    e.register_state_dict_post_hook(lambda m, sd, prefix, meta: sd.pop(prefix + "calls"))
    assert "calls" not in e.state_dict()
    seen = []
    e.register_load_state_dict_post_hook(lambda m, keys: seen.append(list(keys.missing_keys)))
    e.load_state_dict({"weight": ember.ones(2, 2), "bias": ember.ones(2)}, strict=False)
    assert seen == [["calls"]]


def test_reprs_match_torch():
    e, t = E_NET(), T_NET()
    assert repr(e) == repr(t)
    e_seq = enn.Sequential(E_AFFINE(2, 3), enn.Sequential(), enn.ModuleList([E_AFFINE(1, 1)] * 3))
    t_seq = torch.nn.Sequential(T_AFFINE(2, 3), torch.nn.Sequential(),
                                torch.nn.ModuleList([T_AFFINE(1, 1)] * 3))
    assert repr(e_seq) == repr(t_seq)
    assert repr(e_seq[1:]) == repr(t_seq[1:])
    pe = enn.ParameterList([enn.Parameter(ember.ones(2)), enn.Parameter(ember.ones(2, 3))])
    pt = torch.nn.ParameterList([torch.nn.Parameter(torch.ones(2)),
                                 torch.nn.Parameter(torch.ones(2, 3))])
    assert repr(pe) == repr(pt).replace("torch.", "ember.")
    de = enn.ParameterDict({"x": enn.Parameter(ember.ones(2, 3))})
    dt = torch.nn.ParameterDict({"x": torch.nn.Parameter(torch.ones(2, 3))})
    assert repr(de) == repr(dt)  # both name the legacy type, torch.FloatTensor
    assert repr(enn.Parameter(ember.ones(2))) == repr(torch.nn.Parameter(torch.ones(2)))


CONTAINER_OPS = [
    ("len", lambda nn, s: len(s)),
    ("index", lambda nn, s: type(s[1]).__name__),
    ("negative index", lambda nn, s: type(s[-1]).__name__),
    ("slice keys", lambda nn, s: list(s[1:]._modules)),
    ("append", lambda nn, s: list(s.append(nn.Tanh())._modules)),
    ("insert", lambda nn, s: [type(m).__name__ for m in s.insert(1, nn.Tanh())]),
    ("del", lambda nn, s: (s.__delitem__(0), list(s._modules))[1]),
    ("extend", lambda nn, s: len(s.extend([nn.ReLU(), nn.ReLU()]))),
    ("pop", lambda nn, s: (type(s.pop(1)).__name__, len(s))),
    ("add", lambda nn, s: len(s + s)),
    ("mul", lambda nn, s: len(s * 2)),
    ("iter", lambda nn, s: [type(m).__name__ for m in s]),
]


@pytest.mark.parametrize("case", CONTAINER_OPS, ids=[c[0] for c in CONTAINER_OPS])
def test_sequential_ops(case):
    _, op = case

    def build(nn, torch_like):
        return nn.Sequential(E_AFFINE(2, 2) if not torch_like else T_AFFINE(2, 2), nn.Sigmoid(),
                             nn.ReLU()) if hasattr(nn, "Sigmoid") else None

    if not hasattr(enn, "Sigmoid"):
        pytest.skip("activation modules not available yet")
    assert op(enn, build(enn, False)) == op(torch.nn, build(torch.nn, True))


def test_sequential_forward_and_ordered_dict():
    e = enn.Sequential(OrderedDict([("a", E_AFFINE(3, 2)), ("b", E_AFFINE(2, 1))]))
    t = torch.nn.Sequential(OrderedDict([("a", T_AFFINE(3, 2)), ("b", T_AFFINE(2, 1))]))
    assert list(e.state_dict()) == list(t.state_dict())
    x = np.ones((4, 3), dtype=np.float32)
    np.testing.assert_allclose(e(ember.tensor(x)).detach().numpy(), t(torch.tensor(x)).detach().numpy())
    assert repr(e) == repr(t)


def test_modulelist_and_moduledict():
    e = enn.ModuleList([E_AFFINE(1, 1), E_AFFINE(1, 2)])
    t = torch.nn.ModuleList([T_AFFINE(1, 1), T_AFFINE(1, 2)])
    e.insert(0, E_AFFINE(2, 1))
    t.insert(0, T_AFFINE(2, 1))
    e += [E_AFFINE(3, 3)]
    t += [T_AFFINE(3, 3)]
    del e[1]
    del t[1]
    assert list(e.state_dict()) == list(t.state_dict())
    assert repr(e[1:]) == repr(t[1:])
    assert repr(e) == repr(t)
    de = enn.ModuleDict({"b": E_AFFINE(1, 1)})
    dt = torch.nn.ModuleDict({"b": T_AFFINE(1, 1)})
    de.update([("a", E_AFFINE(2, 2))])
    dt.update([("a", T_AFFINE(2, 2))])
    assert list(de.keys()) == list(dt.keys()) and "a" in de and len(de) == 2
    assert repr(de) == repr(dt)
    assert type(de.pop("b")).__name__ == "Affine" and list(de) == ["a"]
    with pytest.raises(IndexError):
        e[10]


def test_parameter_list_and_dict():
    pl = enn.ParameterList([ember.ones(2), enn.Parameter(ember.zeros(3))])
    assert all(isinstance(p, enn.Parameter) for p in pl) and len(pl) == 2
    pl.append(ember.ones(1))
    assert [n for n, _ in pl.named_parameters()] == ["0", "1", "2"]
    pd = enn.ParameterDict({"w": ember.ones(2)})
    pd["b"] = enn.Parameter(ember.zeros(1))
    assert list(pd.keys()) == ["w", "b"] and isinstance(pd["w"], enn.Parameter)
    assert [n for n, _ in pd.named_parameters()] == ["w", "b"]
    with pytest.raises(RuntimeError, match="should not be called"):
        pl()


def test_parameter_semantics():
    data = ember.ones(3)
    p = enn.Parameter(data)
    assert p.requires_grad and p.is_leaf and isinstance(p, ember.Tensor)
    assert p.data_ptr() == data.data_ptr()
    assert type(p * 2) is ember.Tensor
    q = enn.Parameter(ember.ones(2), requires_grad=False)
    assert not q.requires_grad
    c = copy.deepcopy(p)
    assert isinstance(c, enn.Parameter) and c.data_ptr() != p.data_ptr()
    r = pickle.loads(pickle.dumps(p))
    assert isinstance(r, enn.Parameter) and r.tolist() == [1.0, 1.0, 1.0] and r.requires_grad
    assert isinstance(enn.Buffer(ember.ones(1)), enn.Buffer)
    assert not isinstance(ember.ones(1), enn.Buffer)


def test_deepcopy_and_pickle_module():
    e = E_NET()
    c = copy.deepcopy(e)
    assert c.shared is c.head and c.head is not e.head
    assert list(c.state_dict()) == list(e.state_dict())
    assert c.head.weight.data_ptr() != e.head.weight.data_ptr()


def test_input_error_names_module_path():
    e = E_NET()
    with pytest.raises(RuntimeError) as info:
        e(ember.ones(2, 7))
    assert str(info.value) == ("Affine(n_in=4, n_out=3, bias=True) at 'encoder.layers.0.fc1' got "
                               "input of shape (2, 7): last dimension must be 4")
    with pytest.raises(RuntimeError) as info:
        E_AFFINE(4, 3)(ember.ones(2, 5))
    assert str(info.value).startswith("Affine(n_in=4, n_out=3, bias=True) got input of shape")


def test_forward_missing():
    with pytest.raises(NotImplementedError, match='missing the required "forward" function'):
        enn.Module()(ember.ones(1))


def test_more_module_api_against_torch():
    e, t = E_NET(), T_NET()
    assert [type(m).__name__ for m in e.children()] == [type(m).__name__ for m in t.children()]
    assert len(list(e.buffers())) == len(list(t.buffers()))
    assert e.training == t.training
    e.eval()
    t.eval()
    assert e.training == t.training == False  # noqa: E712
    e.register_module("extra", E_AFFINE(1, 1))
    t.register_module("extra", T_AFFINE(1, 1))
    assert list(e.state_dict()) == list(t.state_dict())
    assert e.share_memory() is e
    moved = E_AFFINE(2, 2).to_empty(device="cpu")
    assert moved.weight.shape == (2, 2) and isinstance(moved.weight, enn.Parameter)
