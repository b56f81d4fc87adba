"""ember.testing.assert_close against torch.testing.assert_close: same verdicts, same messages."""
import pytest
import torch

import ember


def _both(fn):
    return fn(torch), fn(ember)


CASES = [
    lambda lib: (lib.tensor([1.0, 2.0, 3.0]), lib.tensor([1.0, 2.1, 3.0])),
    lambda lib: (lib.tensor([1.0, 2.0]), lib.tensor([1.0, 2.0], dtype=lib.float64)),
    lambda lib: (lib.tensor([1.0, 2.0]), lib.tensor([1.0, 2.0, 3.0])),
    lambda lib: (lib.tensor([1, 2]), lib.tensor([1, 3])),
    lambda lib: (1.0, 1.1),
    lambda lib: ([lib.ones(2)], [lib.zeros(2)]),
    lambda lib: (lib.tensor([1.0, 2.0]), lib.tensor([1.0, 2.0 + 1e-9])),
    lambda lib: ({"a": lib.ones(2)}, {"a": lib.ones(2)}),
    lambda lib: (lib.tensor([float("nan")]), lib.tensor([float("nan")])),
]


@pytest.mark.parametrize("i", range(len(CASES)))
def test_assert_close_matches_torch(i):
    t_args, e_args = _both(CASES[i])
    try:
        torch.testing.assert_close(*t_args)
        t_msg = None
    except AssertionError as err:
        t_msg = str(err).replace("torch.", "ember.")
    try:
        ember.testing.assert_close(*e_args)
        e_msg = None
    except AssertionError as err:
        e_msg = str(err)
    assert e_msg == t_msg


def test_assert_close_options():
    ember.testing.assert_close(ember.tensor([float("nan")]), ember.tensor([float("nan")]),
                               equal_nan=True)
    ember.testing.assert_close(ember.tensor([1.0]), ember.tensor([1.5]), rtol=0, atol=0.5)
    with pytest.raises(ValueError, match="must be either specified or omitted"):
        ember.testing.assert_close(ember.ones(1), ember.ones(1), rtol=0.1)
    ember.testing.assert_close(ember.ones(2), ember.ones(2, dtype=ember.float64), check_dtype=False)


def test_make_tensor():
    t = ember.testing.make_tensor(3, 4, dtype=ember.float32, low=-1, high=1)
    assert t.shape == (3, 4) and t.dtype is ember.float32
    assert bool((t >= -1).all()) and bool((t < 1).all())
    i = ember.testing.make_tensor((5,), dtype=ember.int64, low=0, high=3)
    assert i.dtype is ember.int64 and set(i.tolist()) <= {0, 1, 2}
