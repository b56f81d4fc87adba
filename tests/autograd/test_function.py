"""Custom autograd.Function against torch: the same Function written for both
libraries, compared on outputs, gradients, double backward and errors."""
import numpy as np
import pytest
import torch

import ember
from oracle import assert_close

X = np.array([[0.3, -1.2, 0.7], [1.5, 0.1, -0.4]])
W = np.array([0.5, -2.0, 1.25])


def leaf(lib, a=X):
    return lib.tensor(a, dtype=lib.float64, requires_grad=True)


def functions(lib):
    """The Function subclasses of the tests, written once for either library."""
    F = lib.autograd.Function

    class Exp(F):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            y, = ctx.saved_tensors
            return g * y

    class ScaleShift(F):   # non-tensor args, ctx attributes, needs_input_grad
        @staticmethod
        def forward(ctx, x, scale, w, name):
            ctx.scale = scale
            ctx.flags = (ctx.needs_input_grad, name)
            ctx.save_for_backward(x, w)
            return x * scale + w * x

        @staticmethod
        def backward(ctx, g):
            x, w = ctx.saved_tensors
            gx = g * (ctx.scale + w) if ctx.needs_input_grad[0] else None
            gw = g * x if ctx.needs_input_grad[2] else None
            return gx, None, gw, None

    class SinCos(F):   # two outputs, a non-tensor output, setup_context style
        @staticmethod
        def forward(x):
            return x.sin(), x.cos(), "meta"

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, = inputs
            ctx.save_for_backward(x)

        @staticmethod
        def backward(ctx, gs, gc, _):
            x, = ctx.saved_tensors
            return gs * x.cos() - gc * x.sin()

    class Cube(F):   # backward with differentiable ops: double backward works
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return 3 * g * x * x

    class MulInplace(F):   # mark_dirty
        @staticmethod
        def forward(ctx, x, k):
            x.mul_(k)
            ctx.mark_dirty(x)
            ctx.k = k
            return x

        @staticmethod
        def backward(ctx, g):
            return g * ctx.k, None

    class WithFlag(F):   # mark_non_differentiable
        @staticmethod
        def forward(ctx, x):
            flag = x > 0
            out = x * 2
            ctx.mark_non_differentiable(flag)
            return out, flag

        @staticmethod
        def backward(ctx, g, gflag):
            return g * 2

    class NoMaterialize(F):   # set_materialize_grads(False): missing grads arrive as None
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 1, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            ctx.seen = (g1 is None, g2 is None)
            total = None
            for g, k in ((g1, 1), (g2, 3)):
                if g is not None:
                    total = g * k if total is None else total + g * k
            return total

    class Materialize(NoMaterialize):
        @staticmethod
        def forward(ctx, x):
            return x * 1, x * 3

    class Once(F):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @lib.autograd.function.once_differentiable
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return 2 * g * x

    class Identity(F):   # returns an input unchanged
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    return {c.__name__: c for c in (Exp, ScaleShift, SinCos, Cube, MulInplace, WithFlag,
                                     NoMaterialize, Materialize, Once, Identity)}


FE, FT = functions(ember), functions(torch)


def both(scenario):
    """Run scenario(lib, fns) for ember and torch and compare what it returns."""
    e = scenario(ember, FE)
    t = scenario(torch, FT)
    assert_close(e, t, rtol=1e-10, atol=1e-12)


def _grads(lib, out, inputs, **kw):
    return list(lib.autograd.grad(out, inputs, **kw))


def sc_exp(lib, F):
    x = leaf(lib)
    y = F["Exp"].apply(x)
    (y * y).sum().backward()
    return [y, x.grad, y.grad_fn.name()]


def sc_scale_shift(lib, F):
    x, w = leaf(lib), leaf(lib, W)
    y = F["ScaleShift"].apply(x, 2.5, w, "s")
    g = _grads(lib, (y * y).sum(), [x, w])
    flags = y.grad_fn.flags
    return [y, *g, list(flags[0]), flags[1]]


def sc_needs_input_grad(lib, F):
    x, w = leaf(lib), lib.tensor(W, dtype=lib.float64)
    y = F["ScaleShift"].apply(x, 2.5, w, "s")
    y.sum().backward()
    return [x.grad, list(y.grad_fn.flags[0]), w.grad is None]


def sc_two_outputs(lib, F):
    x = leaf(lib)
    s, c, meta = F["SinCos"].apply(x)
    g1 = _grads(lib, (s * c).sum(), [x], retain_graph=True)
    g2 = _grads(lib, s.sum(), [x])   # the other output's grad is materialized as zeros
    return [s, c, meta, *g1, *g2]


def sc_double_backward(lib, F):
    x = leaf(lib)
    y = F["Cube"].apply(x)
    g, = lib.autograd.grad(y.sum(), x, create_graph=True)
    gg, = lib.autograd.grad((g * g).sum(), x, create_graph=True)
    ggg, = lib.autograd.grad(gg.sum(), x)
    return [g, gg, ggg]


def sc_mark_dirty(lib, F):
    x = leaf(lib)
    z = x * 1
    y = F["MulInplace"].apply(z, 3.0)
    (y * x).sum().backward()
    return [y is z, y, x.grad, z._version, y.grad_fn.name()]


def sc_non_differentiable(lib, F):
    x = leaf(lib)
    out, flag = F["WithFlag"].apply(x)
    out.sum().backward()
    return [out, flag, flag.requires_grad, out.requires_grad, x.grad]


def sc_materialize(lib, F):
    res = []
    for name in ("NoMaterialize", "Materialize"):
        x = leaf(lib)
        a, b = F[name].apply(x)
        b.sum().backward()
        res += [x.grad, list(b.grad_fn.seen)]
    return res


def sc_once_differentiable(lib, F):
    x = leaf(lib)
    y = F["Once"].apply(x)
    g, = lib.autograd.grad(y.sum(), x, create_graph=True)
    return [g, g.requires_grad]


def sc_identity(lib, F):
    x = leaf(lib)
    h = x * 2
    y = F["Identity"].apply(h)
    (y * y).sum().backward()
    return [y is h, y.grad_fn.name(), h.grad_fn.name(), x.grad]


def sc_no_grad(lib, F):
    x = leaf(lib)
    with lib.no_grad():
        y = F["Exp"].apply(x)
    z = F["Exp"].apply(lib.tensor(X))
    return [y, y.requires_grad, y.grad_fn is None, z.requires_grad]


def sc_next_functions(lib, F):
    x, w = leaf(lib), leaf(lib, W)
    y = F["ScaleShift"].apply(x * 1, 2.0, w, "n")
    nf = y.grad_fn.next_functions
    # one entry per tensor input; the number and the string have none
    return [len(nf), nf[0][0].name(), type(nf[1][0]).__name__, nf[1][0].variable is w]


SCENARIOS = [sc_exp, sc_scale_shift, sc_needs_input_grad, sc_two_outputs, sc_double_backward,
             sc_mark_dirty, sc_non_differentiable, sc_materialize, sc_once_differentiable,
             sc_identity, sc_no_grad, sc_next_functions]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda f: f.__name__)
def test_function_matches_torch(scenario):
    both(scenario)


def test_once_differentiable_twice_raises():
    for lib, F in ((torch, FT), (ember, FE)):
        x = leaf(lib)
        v = lib.ones(2, 3, dtype=lib.float64, requires_grad=True)
        y = F["Once"].apply(x)
        g, = lib.autograd.grad(y, x, v, create_graph=True)
        with pytest.raises(RuntimeError, match="marked with @once_differentiable"):
            g.sum().backward()


def error_functions(lib):
    F = lib.autograd.Function

    class TooMany(F):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g, g

    class TooFew(F):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, g):
            return g

    class ExtraNone(F):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2, None, None

    class BadShape(F):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g.sum(0).sum(0).reshape(1, 1, 1) + g.sum()

    class GradForNumber(F):
        @staticmethod
        def forward(ctx, x, k):
            return x * k

        @staticmethod
        def backward(ctx, g):
            return g, g

    class SaveNumber(F):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(3)
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    class Freed(F):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * 1

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * x

    class Nan(F):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            return g * float("nan")

    return {c.__name__: c for c in (TooMany, TooFew, ExtraNone, BadShape, GradForNumber,
                                     SaveNumber, Freed, Nan)}


EE, ET = error_functions(ember), error_functions(torch)


def _raises_like_torch(run, exc, *words):
    with pytest.raises(exc):
        run(torch, ET)
    with pytest.raises(exc) as info:
        run(ember, EE)
    for w in words:
        assert w in str(info.value), f"{w!r} not in {info.value}"


def test_wrong_number_of_grads():
    _raises_like_torch(lambda lib, E: E["TooMany"].apply(leaf(lib)).sum().backward(),
                       RuntimeError, "TooManyBackward returned an incorrect number of gradients",
                       "expected 1, got 2")
    _raises_like_torch(lambda lib, E: E["TooFew"].apply(leaf(lib), leaf(lib)).sum().backward(),
                       RuntimeError, "TooFewBackward returned an incorrect number of gradients",
                       "expected 2, got 1")


def test_extra_none_grads_are_allowed():
    def run(lib, E):
        x = leaf(lib)
        E["ExtraNone"].apply(x).sum().backward()
        return x.grad
    assert_close(run(ember, EE), run(torch, ET))


def test_invalid_gradient_shape():
    _raises_like_torch(lambda lib, E: E["BadShape"].apply(leaf(lib)).sum().backward(),
                       RuntimeError, "BadShapeBackward returned an invalid gradient at index 0",
                       "[1, 1, 1]", "[2, 3]")


def test_gradient_for_non_tensor_input():
    _raises_like_torch(
        lambda lib, E: E["GradForNumber"].apply(leaf(lib), 2.0).sum().backward(),
        RuntimeError, "returned a gradient different than None at position 2",
        "forward input was not a Variable")


def test_save_for_backward_non_tensor():
    _raises_like_torch(lambda lib, E: E["SaveNumber"].apply(leaf(lib)), TypeError,
                       "save_for_backward can only save variables", "argument 0", "int")


def test_saved_tensor_freed_after_backward():
    def run(lib, E):
        y = E["Freed"].apply(leaf(lib) * 1)
        y.sum().backward()
        y.sum().backward()
    _raises_like_torch(run, RuntimeError, "Trying to backward through the graph a second time")


def test_saved_tensor_modified_inplace():
    def run(lib, E):
        h = leaf(lib) * 1
        y = E["Freed"].apply(h)
        h.add_(1)
        y.sum().backward()
    _raises_like_torch(run, RuntimeError, "modified by an inplace operation", "is at version 1",
                       "expected version 0")


def test_mark_dirty_leaf_raises():
    _raises_like_torch(lambda lib, E: FE["MulInplace"].apply(leaf(lib), 2.0) if lib is ember
                       else FT["MulInplace"].apply(leaf(lib), 2.0),
                       RuntimeError, "a leaf Variable that requires grad", "in-place operation")


def test_anomaly_names_custom_function():
    def run(lib, E):
        with lib.autograd.detect_anomaly():
            E["Nan"].apply(leaf(lib)).sum().backward()
    with pytest.warns(UserWarning):   # torch warns that anomaly mode is on
        with pytest.raises(RuntimeError, match="Function 'NanBackward' returned nan values "
                                               "in its 0th output"):
            run(torch, ET)
    with pytest.raises(RuntimeError) as info:
        run(ember, EE)
    assert "Function 'NanBackward' returned nan values in its 0th output" in str(info.value)


def test_function_kwargs_bind_to_positions():
    def run(lib, F):
        x, w = leaf(lib), leaf(lib, W)
        y = F["ScaleShift"].apply(x, 2.0, w=w, name="k")
        y.sum().backward()
        return [list(y.grad_fn.flags[0]), x.grad, w.grad]
    assert_close(run(ember, FE), run(torch, FT))
