"""Names of torch's tier-1/2 API that the family tests reach only indirectly:
in-place method forms, namespace helpers and legacy methods, against torch."""
import numpy as np
import pytest
import torch

import ember
from oracle import Sample, check, rand

# in-place method: (name, extra args, domain low)
INPLACE = [
    ("abs_", (), -2), ("addcdiv_", "t3", 0.5), ("clip_", (-0.5, 0.5), -2), ("clamp_", (-0.5, 0.5), -2),
    ("div_", (2.0,), -2), ("erfinv_", (), -0.9), ("ge_", (0.0,), -2), ("gt_", (0.0,), -2),
    ("pow_", (2,), -2), ("round_", (), -2), ("rsqrt_", (), 0.5), ("sign_", (), -2),
    ("sqrt_", (), 0.5), ("sub_", (1.5,), -2), ("tanh_", (), -2), ("triu_", (), -2),
    ("logical_not_", (), -2), ("sigmoid_", (), -2), ("exp_", (), -2), ("mul_", (3.0,), -2),
]


@pytest.mark.parametrize("name,args,low", INPLACE, ids=[c[0] for c in INPLACE])
def test_inplace_methods(name, args, low):
    x = rand(3, 3, low=low, high=0.9 if name == "erfinv_" else 2, seed=3)
    if args == "t3":
        fn = lambda lib, x: getattr(x * 1, name)(lib.ones(3, 3, dtype=x.dtype) * 2,
                                                 lib.ones(3, 3, dtype=x.dtype) * 4)
    else:
        fn = lambda lib, x: getattr(x * 1, name)(*args)
    differentiable = name not in ("ge_", "gt_", "logical_not_")
    if name in ("ge_", "gt_", "logical_not_"):
        check(lambda lib, x: getattr(x.clone(), name)(*args), Sample(x, grad=False))
    else:
        check(fn, Sample(x, grad=differentiable), rtol=1e-10, atol=1e-12)


def test_namespace_helpers():
    assert ember.__version__ and isinstance(ember.__version__, str)
    for obj in (ember.ones(1), ember.nn if hasattr(ember, "nn") else None, [1]):
        if obj is not None:
            assert ember.is_tensor(obj) == torch.is_tensor(torch.ones(1) if isinstance(obj, ember.Tensor) else obj)
    x, t = ember.ones(2, 3), torch.ones(2, 3)
    assert ember.numel(x) == torch.numel(t)
    for dt in ("float32", "int64", "complex64", "bool"):
        e, tt = ember.ones(1, dtype=getattr(ember, dt)), torch.ones(1, dtype=getattr(torch, dt))
        assert ember.is_floating_point(e) == torch.is_floating_point(tt)
        assert ember.is_complex(e) == torch.is_complex(tt)
    assert ember.get_default_device() == ember.device("cpu")
    ember.set_default_device("cpu")
    assert str(ember.get_default_device()) == str(torch.get_default_device())
    ember.set_default_device(None)
    assert repr(ember.preserve_format) == "ember.preserve_format"
    assert ember.ones(2).clone(memory_format=ember.preserve_format).shape == (2,)
    assert ember.ones(2).layout is ember.strided


def test_function_forms():
    a = rand(3, 4, dtype=np.int64, low=0, high=9, seed=1)
    b = rand(3, 4, dtype=np.int64, low=0, high=9, seed=2)
    check(lambda lib, a, b: lib.bitwise_and(a, b), Sample(a, b))
    check(lambda lib, a: lib.logical_not(a), Sample(a))
    check(lambda lib, a: lib.fill(a, 3) if lib is ember else torch.fill(a, 3), Sample(rand(2, 2)))
    check(lambda lib, a: lib.expand_copy(a, (3, 4)), Sample(rand(1, 4)))
    check(lambda lib, a: a.is_xpu, Sample(rand(2), grad=False))


def test_legacy_new_and_resize():
    t, e = torch.ones(2, 3, dtype=torch.float64), ember.ones(2, 3, dtype=ember.float64)
    assert tuple(e.new(4).shape) == tuple(t.new(4).shape) and e.new(4).dtype is ember.float64
    assert e.new([1, 2]).tolist() == t.new([1, 2]).tolist()
    assert tuple(e.new().shape) == tuple(t.new().shape)
    assert tuple(e.new(ember.Size([2, 2])).shape) == (2, 2)
    check(lambda lib, x: x.clone().resize_(2, 2), Sample(np.arange(6.0), grad=False))
    te, ee = torch.arange(4.0), ember.arange(4.0)
    te.resize_(6)
    ee.resize_(6)
    assert ee.shape == (6,) and ee[:4].tolist() == te[:4].tolist()
    with pytest.raises(RuntimeError, match="cannot resize variables that require grad"):
        ember.ones(2, requires_grad=True).resize_(3)
    assert ember.arange(6.0).resize(2, 3).shape == (2, 3)


def test_is_nonzero():
    assert ember.is_nonzero(ember.tensor([1.5])) == torch.is_nonzero(torch.tensor([1.5]))
    with pytest.raises(RuntimeError, match="ambiguous"):
        ember.is_nonzero(ember.ones(2))
