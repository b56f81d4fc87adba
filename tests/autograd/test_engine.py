"""autograd.grad / backward, hooks, grad modes, higher-order gradients and
in-place ops on views (CopySlices), each scenario run on ember and torch."""
import numpy as np
import pytest
import torch

import ember
from oracle import assert_close

X = np.array([[0.3, -1.2, 0.7], [1.5, 0.1, -0.4]])
W = np.array([0.5, -2.0, 1.25])


def leaf(lib, a=X):
    return lib.tensor(a, dtype=lib.float64, requires_grad=True)


def both(scenario, rtol=1e-10, atol=1e-12):
    assert_close(scenario(ember), scenario(torch), rtol=rtol, atol=atol)


# ------------------------------------------------------- grad and backward
def sc_retain_graph(lib):
    x = leaf(lib)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    first = x.grad.clone()
    y.backward()   # accumulates
    return [first, x.grad]


def sc_accumulate_across_calls(lib):
    x = leaf(lib)
    (x * x).sum().backward()
    (x.sin()).sum().backward()
    return [x.grad]


def sc_create_graph(lib):
    x = leaf(lib)
    y = (x ** 3).sum()
    g, = lib.autograd.grad(y, x, create_graph=True)
    h, = lib.autograd.grad(g.sum(), x)
    return [g, g.requires_grad, h]


def sc_third_derivative(lib):
    x = leaf(lib)
    y = (x ** 4).sum()
    d1, = lib.autograd.grad(y, x, create_graph=True)
    d2, = lib.autograd.grad(d1.sum(), x, create_graph=True)
    d3, = lib.autograd.grad(d2.sum(), x)
    return [d1, d2, d3]   # 4x^3, 12x^2, 24x


def sc_hessian_vector(lib):
    x = leaf(lib, W)
    v = lib.tensor([1.0, -0.5, 2.0], dtype=lib.float64)
    y = (x.exp() * x.sin()).sum() + (x * x).sum() * x.sum()
    g, = lib.autograd.grad(y, x, create_graph=True)
    hv, = lib.autograd.grad((g * v).sum(), x)
    return [g, hv]


def sc_allow_unused(lib):
    x, w = leaf(lib), leaf(lib, W)
    gx, gw = lib.autograd.grad((x * 2).sum(), (x, w), allow_unused=True)
    mx, mw = lib.autograd.grad((x * 2).sum(), (x, w), materialize_grads=True)
    return [gx, gw is None, mx, mw]


def sc_grad_outputs(lib):
    x, w = leaf(lib), leaf(lib, W)
    y1, y2 = x * w, (x * x).sum(0)
    v1 = lib.tensor(X[::-1].copy(), dtype=lib.float64)
    v2 = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64)
    return list(lib.autograd.grad((y1, y2), (x, w), (v1, v2)))


def sc_backward_inputs(lib):
    x, w = leaf(lib), leaf(lib, W)
    y = (x * w).sum()
    y.backward(inputs=[w])
    return [x.grad is None, w.grad]


def sc_autograd_backward(lib):
    x, w = leaf(lib), leaf(lib, W)
    y1, y2 = (x * w).sum(), x.exp()
    lib.autograd.backward([y1, y2], [None, lib.ones(2, 3, dtype=lib.float64)], inputs=[x])
    return [x.grad, w.grad is None]


def sc_grad_of_non_leaf(lib):
    x = leaf(lib)
    h = x * 3
    y = (h * h).sum()
    g, = lib.autograd.grad(y, h)
    return [g]


def sc_retain_grad(lib):
    x = leaf(lib)
    h = x.exp()
    h.retain_grad()
    (h * x).sum().backward()
    return [h.retains_grad, h.grad, x.grad]


def sc_tensor_hooks(lib):
    x = leaf(lib)
    seen = []
    hx = x.register_hook(lambda g: g * 10)
    h = x * x
    h.register_hook(lambda g: seen.append(g.clone()))
    hh = h.register_hook(lambda g: g + 1)
    h.sum().backward(retain_graph=True)
    first = x.grad.clone()
    hx.remove()
    hh.remove()
    x.grad = None
    h.sum().backward()
    return [first, x.grad, seen[0], len(seen)]


def sc_post_accumulate_hook(lib):
    x = leaf(lib)
    log = []
    x.register_post_accumulate_grad_hook(lambda t: log.append(t.grad.clone()))
    (x * 2).sum().backward()
    (x * 3).sum().backward()
    return [log[0], log[1], x.grad]


def sc_node_hooks(lib):
    x = leaf(lib)
    y = x.exp()
    calls = []
    y.grad_fn.register_prehook(lambda go: (go[0] * 2,))

    def post(gi, go):
        calls.append((gi[0].clone(), go[0].clone()))
        return (gi[0] + 1,)
    y.grad_fn.register_hook(post)
    y.sum().backward()
    return [x.grad, calls[0][0], calls[0][1]]


def sc_next_functions(lib):
    x, w = leaf(lib), leaf(lib, W)
    y = (x * w).exp().sum()
    fn = y.grad_fn
    exp_fn = fn.next_functions[0][0]
    mul_fn = exp_fn.next_functions[0][0]
    acc = mul_fn.next_functions
    return [fn.name(), exp_fn.name(), mul_fn.name(), len(acc), acc[0][0].variable is x,
            acc[1][0].variable is w, type(acc[0][0]).__name__]


def sc_detach(lib):
    x = leaf(lib)
    h = x * 2
    d = h.detach()
    h2 = x * 3
    h2.detach_()
    return [d.requires_grad, d.grad_fn is None, d, h2.requires_grad, h2.is_leaf]


def sc_requires_grad_(lib):
    x = lib.tensor(X)
    x.requires_grad_()
    y = (x * x).sum()
    y.backward()
    return [x.requires_grad, x.grad]


SCENARIOS = [sc_retain_graph, sc_accumulate_across_calls, sc_create_graph, sc_third_derivative,
             sc_hessian_vector, sc_allow_unused, sc_grad_outputs, sc_backward_inputs,
             sc_autograd_backward, sc_grad_of_non_leaf, sc_retain_grad, sc_tensor_hooks,
             sc_post_accumulate_hook, sc_node_hooks, sc_next_functions, sc_detach,
             sc_requires_grad_]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda f: f.__name__)
def test_engine_matches_torch(scenario):
    both(scenario)


# --------------------------------------------------------------- grad modes
def sc_modes_context(lib):
    x = leaf(lib)
    res = []
    with lib.no_grad():
        res.append((x * 2).requires_grad)
        with lib.enable_grad():
            res.append((x * 2).requires_grad)
        res.append(lib.is_grad_enabled())
    with lib.set_grad_enabled(False):
        res.append((x * 2).requires_grad)
    res.append(lib.is_grad_enabled())
    with lib.inference_mode():
        res += [(x * 2).requires_grad, lib.is_inference_mode_enabled()]
        with lib.inference_mode(False):
            res.append(lib.is_inference_mode_enabled())
    res.append(lib.is_inference_mode_enabled())
    return res


def sc_modes_decorators(lib):
    x = leaf(lib)

    @lib.no_grad()
    def f(t):
        return (t * 2).requires_grad

    @lib.no_grad
    def f2(t):
        return (t * 2).requires_grad

    @lib.enable_grad()
    def g(t):
        return (t * 2).requires_grad

    @lib.set_grad_enabled(False)
    def h(t):
        return (t * 2).requires_grad

    @lib.inference_mode()
    def i(t):
        return (t * 2).requires_grad

    @lib.inference_mode
    def i2(t):
        return lib.is_inference_mode_enabled()

    with lib.no_grad():
        inner = g(x)
    return [f(x), f2(x), inner, h(x), lib.is_grad_enabled(), i(x), i2(x),
            lib.is_inference_mode_enabled()]


def sc_set_grad_enabled_function(lib):
    x = leaf(lib)
    lib.set_grad_enabled(False)
    try:
        off = [(x * 2).requires_grad, lib.is_grad_enabled()]
    finally:
        lib.set_grad_enabled(True)
    return off + [(x * 2).requires_grad, lib.is_grad_enabled()]


@pytest.mark.parametrize("scenario", [sc_modes_context, sc_modes_decorators,
                                      sc_set_grad_enabled_function], ids=lambda f: f.__name__)
def test_grad_modes_match_torch(scenario):
    both(scenario)


# ------------------------------------------------------- in-place on views
def view_scenarios():
    def select_mul(lib, a, w):
        b = a * 1
        b[0].mul_(2)
        return (b * b).sum()

    def flat_add(lib, a, w):
        b = a * 1
        v = b.view(-1)
        v.add_(w.repeat(2))
        return (b.exp() * b).sum() + v.sum()

    def transpose_exp(lib, a, w):
        b = a * 1
        b.t().exp_()
        return (b * b).sum()

    def column_mul_by_tensor(lib, a, w):
        b = a * 1
        b[:, 1].mul_(w[:2])
        return (b * b * b).sum()

    def reshape_inplace_twice(lib, a, w):
        b = a.sin()
        v = b.reshape(-1)
        v.add_(w.repeat(2))
        v.mul_(w.repeat(2))
        return (b * b).sum() + (v * v).sum()

    def permute_sigmoid(lib, a, w):
        b = a * w
        b.permute(1, 0).sigmoid_()
        return (b * b).sum()

    def no_history_base(lib, a, w):
        b = lib.zeros(2, 3, dtype=lib.float64)
        b[1].add_(w)
        b[0].mul_(w)
        return (b * b).sum() + (b * a).sum()

    return [select_mul, flat_add, transpose_exp, column_mul_by_tensor, reshape_inplace_twice,
            permute_sigmoid, no_history_base]


@pytest.mark.parametrize("fn", view_scenarios(), ids=lambda f: f.__name__)
def test_inplace_on_view(fn):
    """Values, gradients and second-order gradients after an in-place op on a view."""
    def run(lib):
        a, w = leaf(lib), leaf(lib, W)
        out = fn(lib, a, w)
        g = lib.autograd.grad(out, (a, w), create_graph=True, allow_unused=True)
        s = sum((gi * gi).sum() for gi in g if gi is not None and gi.requires_grad)
        gg = lib.autograd.grad(s, (a, w), allow_unused=True)
        return [out, *g, *gg]
    both(run)


def test_inplace_on_view_graph_structure():
    def run(lib):
        a = leaf(lib)
        b = a * 1
        v = b[1]
        v.mul_(2)
        nf = b.grad_fn.next_functions
        return [b.grad_fn.name(), len(nf), nf[0][0].name(), nf[1][0] is None,
                v.grad_fn.next_functions[0][0] is b.grad_fn, b.requires_grad]
    both(run)


def test_inplace_on_view_saved_tensor_check():
    """A view whose base is later modified makes backward through a saved copy raise."""
    for lib in (torch, ember):
        a = leaf(lib)
        b = a * 1
        y = b.exp()
        b.view(-1).mul_(2)
        (y + b).sum().backward()   # exp saves its output, not b: fine
        c = a * 1
        z = c * c
        c.t().mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            z.sum().backward()


STALE_VIEW_CASES = [
    # (name, program over lib and a leaf x of shape (4,)); the returned value is differentiated
    ("view before base mul_", lambda lib, x: _stale(lib, x, lambda b: b[:2].mul_(2))),
    ("view before base add_ of tensor", lambda lib, x: _stale(lib, x, lambda b: b.add_(x))),
    ("view before setitem", lambda lib, x: _stale(lib, x, lambda b: b.__setitem__(1, x[0] * 3))),
    ("no-history base", lambda lib, x: _stale_plain(lib, x)),
]


def _stale(lib, x, write):
    b = x * 1
    u = b.reshape(2, 2)     # a view made before the write
    write(b)
    return (u * lib.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=x.dtype)).sum()


def _stale_plain(lib, x):
    b = lib.zeros(4, dtype=x.dtype)
    u = b[1:]
    b.add_(x)
    return (u * u).sum()


@pytest.mark.parametrize("case", STALE_VIEW_CASES, ids=[c[0] for c in STALE_VIEW_CASES])
def test_views_see_later_inplace_writes(case):
    """A view made before an in-place write to its memory differentiates through the write."""
    _, program = case
    import numpy as np
    x0 = np.array([0.5, -1.0, 2.0, 1.5])
    xt = torch.tensor(x0, requires_grad=True)
    xe = ember.tensor(x0, requires_grad=True)
    program(torch, xt).backward()
    program(ember, xe).backward()
    np.testing.assert_allclose(xe.grad.numpy(), xt.grad.numpy(), rtol=1e-12, atol=1e-12)
