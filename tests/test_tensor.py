"""Tensor properties, conversions and Python protocols, against torch."""
import copy
import pickle

import numpy as np
import pytest
import torch

import ember
from oracle import Sample, assert_close, check, rand


def both(fn):
    return fn(torch), fn(ember)


def test_seed_examples():
    assert repr(ember.tensor([1, 2, 3])) == "tensor([1, 2, 3])"
    x = ember.tensor(2.0, requires_grad=True)
    y = x ** 2
    y.backward()
    assert str(x.grad) == "tensor(4.)"


PROPS = ["shape", "ndim", "dim", "numel", "nelement", "element_size", "nbytes", "itemsize",
         "is_leaf", "requires_grad", "is_cuda", "is_cpu", "is_floating_point", "is_complex",
         "is_contiguous", "stride", "storage_offset", "is_sparse", "is_meta", "is_signed"]


@pytest.mark.parametrize("prop", PROPS)
def test_properties(prop):
    for shape, dtype in [((2, 3), "float32"), ((), "int64"), ((0, 4), "bool"), ((5,), "complex64")]:
        t, e = both(lambda lib: lib.zeros(shape, dtype=getattr(lib, dtype)))
        tv, ev = getattr(t, prop), getattr(e, prop)
        if callable(tv):
            tv, ev = tv(), ev()
        assert tuple(ev) == tuple(tv) if isinstance(tv, tuple) else ev == tv, (prop, ev, tv)


def test_size_and_shape():
    t, e = both(lambda lib: lib.zeros(2, 3, 4))
    assert e.size() == t.size() and isinstance(e.size(), tuple)
    assert e.size(1) == 3 and e.size(-1) == 4
    assert repr(e.shape) == repr(t.shape).replace("torch", "ember")
    assert e.shape.numel() == 24
    assert isinstance(e.shape[1:], ember.Size)
    with pytest.raises(IndexError, match="Dimension out of range"):
        e.size(3)


def test_item_tolist_python_numbers():
    for value, dtype in [(3, "int64"), (2.5, "float32"), (True, "bool"), (1 + 2j, "complex64")]:
        t, e = both(lambda lib: lib.tensor([value], dtype=getattr(lib, dtype)))
        assert e.item() == t.item() and type(e.item()) is type(t.item())
        assert e.tolist() == t.tolist()
    t, e = both(lambda lib: lib.tensor([[1.5, 2], [3, 4]]))
    assert e.tolist() == t.tolist()
    assert float(ember.tensor([2.5])) == 2.5 and int(ember.tensor(7)) == 7
    assert bool(ember.tensor([0.0])) is False
    assert [10, 20, 30][ember.tensor(1)] == 20  # __index__
    with pytest.raises(RuntimeError, match="more than one value is ambiguous"):
        bool(ember.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="cannot be converted to Scalar"):
        ember.tensor([1, 2]).item()
    with pytest.raises(TypeError, match="only integer tensors of a single element"):
        [1, 2][ember.tensor(1.0)]
    assert f"{ember.tensor(2.5):.2f}" == f"{torch.tensor(2.5):.2f}"


def test_len_iter_hash():
    e = ember.tensor([[1, 2], [3, 4], [5, 6]])
    assert len(e) == 3
    rows = list(e)
    assert len(rows) == 3 and rows[1].tolist() == [3, 4]
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(ember.tensor(1))
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        iter(ember.tensor(1))
    d = {e: 1}
    assert d[e] == 1 and hash(e) == id(e) or hash(e) == hash(e)


def test_numpy_shares_memory():
    arr = np.arange(6, dtype=np.float32)
    e = ember.from_numpy(arr)
    arr[0] = 100
    assert e[0].item() == 100 if hasattr(e, "__getitem__") else e.tolist()[0] == 100
    back = e.numpy()
    back[1] = -1
    assert e.tolist()[1] == -1
    assert np.asarray(e).dtype == np.float32
    with pytest.raises(RuntimeError, match="requires grad"):
        ember.ones(2, requires_grad=True).numpy()
    assert ember.ones(2, requires_grad=True).detach().numpy().tolist() == [1, 1]


CONVERSIONS = ["float", "double", "half", "int", "long", "bool", "short", "char", "byte",
               "cfloat", "cdouble", "bfloat16"]


@pytest.mark.parametrize("method", CONVERSIONS)
def test_dtype_methods(method):
    a = rand(2, 3, low=-3, high=3)
    # (a float64 -> float32/16 cast has no float64-accurate finite difference)
    check(lambda lib, x: getattr(x, method)(), Sample(a, grad=method in ("float", "double", "half"),
                                                     fd=method == "double"),
          rtol=1e-2 if method in ("half", "bfloat16") else 1e-6, atol=1e-2)


def test_to_variants():
    a = rand(2, 3)
    check(lambda lib, x: x.to(lib.float32), Sample(a, fd=False))
    check(lambda lib, x: x.to("cpu", lib.float16), Sample(a, fd=False), rtol=1e-3, atol=1e-3)
    check(lambda lib, x: x.to(dtype=lib.int32), Sample(a, grad=False))
    check(lambda lib, x: x.to(lib.zeros(1, dtype=lib.float32)), Sample(a, fd=False))
    check(lambda lib, x: x.type(lib.float32), Sample(a, fd=False))
    check(lambda lib, x: x.type_as(lib.zeros(1, dtype=lib.int64)), Sample(a, grad=False))
    e = ember.ones(2)
    assert e.to(ember.float32) is e and e.to("cpu") is e and e.cpu() is e
    assert e.to(ember.float32, copy=True) is not e
    assert e.type() == "torch.FloatTensor" == torch.ones(2).type()
    assert ember.ones(2, dtype=ember.int64).type() == "torch.LongTensor"
    assert e.type("torch.DoubleTensor").dtype is ember.float64


def test_clone_detach_contiguous():
    a = rand(3, 4)
    check(lambda lib, x: x.clone(), Sample(a))
    check(lambda lib, x: x.t().contiguous() if hasattr(x, "t") else x.transpose(0, 1).contiguous(),
          Sample(a))
    e = ember.ones(3, requires_grad=True)
    d = e.detach()
    assert not d.requires_grad and d.data_ptr() == e.data_ptr()
    c = e.clone()
    assert c.data_ptr() != e.data_ptr() and c.grad_fn is not None
    f = e * 2
    f.detach_()
    assert f.grad_fn is None and not f.requires_grad


def test_copy_fill_zero():
    check(lambda lib, x, y: (x * 1).copy_(y), Sample(rand(3, 4), rand(4)))
    check(lambda lib, x: (x * 1).fill_(2.5), Sample(rand(3)))
    check(lambda lib, x: (x * 1).zero_(), Sample(rand(3)))
    check(lambda lib, x: lib.zeros(3, dtype=lib.int64).copy_(x), Sample(rand(3), grad=False))


def test_requires_grad_rules():
    with pytest.raises(RuntimeError, match="only Tensors of floating point"):
        ember.ones(2, dtype=ember.int64).requires_grad_()
    with pytest.raises(RuntimeError, match="(?i)only Tensors of floating point"):
        ember.tensor([1, 2], requires_grad=True)
    x = ember.ones(2, requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="leaf variables"):
        y.requires_grad = False
    assert y.requires_grad and not y.is_leaf and x.is_leaf
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        x.add_(1)
    with ember.no_grad():
        x.add_(1)
    assert x.tolist() == [2.0, 2.0]


def test_grad_attribute():
    x = ember.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="different size"):
        x.grad = ember.ones(3)
    with pytest.raises(RuntimeError, match="different type"):
        x.grad = ember.ones(2, dtype=ember.float64)
    x.grad = ember.ones(2)
    assert x.grad.tolist() == [1, 1]
    y = x * 2
    with pytest.warns(UserWarning, match="not a leaf Tensor"):
        assert y.grad is None


def test_version_counter():
    x = ember.ones(3)
    v = x._version
    x.add_(1)
    x.mul_(2)
    assert x._version == v + 2
    t = torch.ones(3)
    t.add_(1)
    t.mul_(2)
    assert t._version == x._version


def test_deepcopy_and_pickle():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = copy.deepcopy(x)
    assert y.requires_grad and y.tolist() == [1.0, 2.0] and y.data_ptr() != x.data_ptr()
    z = pickle.loads(pickle.dumps(ember.tensor([[1, 2]], dtype=ember.int32)))
    assert z.dtype is ember.int32 and z.tolist() == [[1, 2]]
    with pytest.raises(RuntimeError, match="graph leaves"):
        copy.deepcopy(x * 2)


def test_legacy_constructor():
    t, e = both(lambda lib: lib.Tensor([1, 2]))
    assert_close(e, t)
    t, e = both(lambda lib: lib.Tensor(2, 3))
    assert tuple(e.shape) == tuple(t.shape) and e.dtype is ember.float32


def test_device():
    d = ember.device("cpu")
    assert d.type == "cpu" and d.index is None and str(d) == "cpu"
    assert repr(d) == repr(torch.device("cpu"))
    assert ember.device("cuda:1").index == 1 and repr(ember.device("cuda", 0)) == \
        repr(torch.device("cuda", 0))
    assert ember.ones(1).device == "cpu" and ember.ones(1).device == ember.device("cpu")
    with pytest.raises(RuntimeError, match="Expected one of"):
        ember.device("gpu")
    assert ember.ones(2).pin_memory().is_pinned() is False
    assert not ember.ones(1).is_cuda


def test_data_property():
    x = ember.ones(2, requires_grad=True)
    d = x.data
    assert not d.requires_grad and d.data_ptr() == x.data_ptr()
    x.data = ember.zeros(2)
    assert x.tolist() == [0, 0] and x.requires_grad


def test_out_argument():
    def fn(lib, x, y):
        out = lib.empty(0)
        r = lib.add(x, y, out=out)
        assert r is out
        return out
    check(fn, Sample(rand(2, 3, dtype=np.float32), rand(3, dtype=np.float32), grad=False))
    with pytest.raises(RuntimeError, match="can't be cast"):
        ember.add(ember.ones(2), ember.ones(2), out=ember.empty(2, dtype=ember.int64))
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        ember.add(ember.ones(2, requires_grad=True), 1, out=ember.empty(2))


def test_cuda_without_backend_names_the_extra():
    with pytest.raises(ImportError, match="'cuda' extra"):
        ember.ones(2).cuda()


def test_global_settings():
    assert ember.get_float32_matmul_precision() == torch.get_float32_matmul_precision()
    ember.set_float32_matmul_precision("high")
    assert ember.get_float32_matmul_precision() == "high"
    ember.set_float32_matmul_precision("highest")
    with pytest.raises(RuntimeError, match="Invalid precision"):
        ember.set_float32_matmul_precision("low")
    assert ember.are_deterministic_algorithms_enabled() is False
    ember.use_deterministic_algorithms(True)
    assert ember.are_deterministic_algorithms_enabled()
    ember.use_deterministic_algorithms(False)


def test_no_numpy_runtime_warnings_for_inf_and_nan():
    """torch computes inf/nan silently; so does ember (NumPy alone would warn)."""
    import subprocess
    import sys
    code = ("import ember; x = ember.tensor([float('inf')]) * 0; "
            "y = ember.log(ember.tensor([0.0, -1.0])); print(x.item(), y.tolist())")
    out = subprocess.run([sys.executable, "-W", "default", "-c", code],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "RuntimeWarning" not in out.stderr
    assert out.stdout.split()[0] == "nan"


@pytest.mark.parametrize("expr", ["zeros(3, 6)[:, 4:4]", "zeros(0, 4)", "zeros(2, 0, 3)",
                                  "zeros(4, 5).t()[:, 2:2]", "zeros(3, 1, 4)", "ones(5)[2:2]",
                                  "zeros(2, 3, 0)"])
def test_strides_of_empty_and_size_one_tensors(expr):
    assert eval("ember." + expr).stride() == eval("torch." + expr).stride()
