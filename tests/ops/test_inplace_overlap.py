"""In-place writes whose inputs share memory with the target: torch refuses a
partial overlap (the result would depend on visiting order) and allows the
same memory with the same layout, disjoint views and layouts it cannot
analyse (expanded or strided); ember must agree case by case, and compute
the same values where it proceeds."""
import numpy as np
import pytest
import torch

import ember

CASES = {
    "add_ same tensor": lambda b: b.add_(b),
    "mul_ same tensor": lambda b: b.mul_(b),
    "add_ transposed self": lambda b: b.add_(b.t()),
    "add_ shifted rows": lambda b: b[1:].add_(b[:-1]),
    "sub_ shifted, alpha": lambda b: b[:-1].sub_(b[1:], alpha=2),
    "div_ disjoint rows": lambda b: b[0].div_(b[1]),
    "add_ same row view": lambda b: b[0].add_(b[0]),
    "add_ interleaved halves": lambda b: b.view(-1)[::2].add_(b.view(-1)[1::2]),
    "add_ expanded row": lambda b: b[2:].add_(b[0].expand(2, 4)),
    "copy_ shifted": lambda b: b[1:].copy_(b[:-1]),
    "copy_ disjoint": lambda b: b[:2].copy_(b[2:]),
    "clamp_ overlapping bound": lambda b: b[1:].clamp_(min=b[:-1]),
    "setitem shifted": lambda b: b.__setitem__(slice(1, None), b[:-1]),
    "setitem transposed": lambda b: b.__setitem__(slice(None), b.t()),
    "setitem other row": lambda b: b.__setitem__(0, b[1]),
    "setitem itself": lambda b: b.__setitem__(slice(None), b),
}


def _run(lib, fn):
    b = lib.arange(16.0).reshape(4, 4)
    try:
        fn(b)
    except Exception as e:  # noqa: BLE001 - the exception is what is compared
        return type(e), str(e).split(".")[0], None
    return None, None, b.numpy()


@pytest.mark.parametrize("name", list(CASES))
def test_overlap_like_torch(name):
    e_type, e_msg, e_val = _run(ember, CASES[name])
    t_type, t_msg, t_val = _run(torch, CASES[name])
    assert (e_type, e_msg) == (t_type, t_msg)
    if t_val is not None:
        np.testing.assert_array_equal(e_val, t_val)


BROADCAST = {
    "add_ incompatible": lambda lib: lib.ones(2).add_(lib.ones(3)),
    "atan2_ incompatible": lambda lib: lib.ones(2).atan2_(lib.ones(3)),
    "mul_ grows the target": lambda lib: lib.ones(2).mul_(lib.ones(3, 1)),
    "sub_ with alpha, incompatible": lambda lib: lib.ones(2, 2).sub_(lib.ones(3), alpha=2),
}


@pytest.mark.parametrize("name", list(BROADCAST))
def test_inplace_broadcast_errors_like_torch(name):
    messages = []
    for lib in (ember, torch):
        with pytest.raises(RuntimeError) as info:
            BROADCAST[name](lib)
        messages.append(str(info.value))
    assert messages[0] == messages[1]
