"""Oracle tests for ember.nn.utils.rnn against torch.nn.utils.rnn: pad_sequence,
pack_padded_sequence, pad_packed_sequence, pack_sequence, unpack_sequence,
unpad_sequence and PackedSequence (values, gradients, second-order gradients
and finite differences through the oracle harness; fields; errors)."""
import numpy as np
import pytest
import torch
import torch.nn.utils.rnn as TR

import ember
import ember.nn.utils.rnn as ER
from oracle import Sample, assert_close, check, check_error, rand


def R(lib):
    return TR if lib is torch else ER


def packed_fields(p):
    return (p.data, p.batch_sizes, p.sorted_indices, p.unsorted_indices)


# ------------------------------------------------------------ pad_sequence
PAD_GRID = [
    dict(),
    dict(batch_first=True),
    dict(padding_value=-2.5),
    dict(padding_side="left"),
    dict(batch_first=True, padding_side="left", padding_value=1.0),
]


@pytest.mark.parametrize("kw", PAD_GRID)
@pytest.mark.parametrize("trailing", [(), (2,), (2, 1)])
def test_pad_sequence(kw, trailing):
    seqs = [rand(3, *trailing, seed=1), rand(1, *trailing, seed=2), rand(4, *trailing, seed=3)]
    check(lambda lib, *s: R(lib).pad_sequence(list(s), **kw), Sample(*seqs))


def test_pad_sequence_of_a_tensor_and_float32():
    check(lambda lib, x: R(lib).pad_sequence(x), Sample(rand(3, 4)))
    seqs = [rand(2, 3, dtype=np.float32, seed=1), rand(3, 3, dtype=np.float32, seed=2)]
    check(lambda lib, *s: R(lib).pad_sequence(list(s), batch_first=True), Sample(*seqs))


def test_pad_sequence_errors():
    check_error(lambda lib: R(lib).pad_sequence([lib.ones(2, 3)], padding_side="middle"), [],
                RuntimeError, "Expected padding_side to be one of left or right, but got middle")
    check_error(lambda lib: R(lib).pad_sequence([]), [], RuntimeError, "empty list of sequences")
    check_error(lambda lib: R(lib).pad_sequence([lib.ones(2, 3), lib.ones(3, 2)]), [], RuntimeError,
                "The size of tensor a (3) must match the size of tensor b (2) at non-singleton "
                "dimension 1")


# ---------------------------------------------------- pack / pad round trips
PACK_GRID = [
    ([4, 3, 1], True, False),
    ([4, 3, 1], True, True),
    ([2, 4, 1], False, False),
    ([2, 4, 4], False, True),
    ([1, 2, 1], False, False),
    ([3], True, False),
]


@pytest.mark.parametrize("lengths,enforce_sorted,batch_first", PACK_GRID)
def test_pack_padded_sequence(lengths, enforce_sorted, batch_first):
    t, b = max(lengths) + 1, len(lengths)
    x = rand(*((b, t) if batch_first else (t, b)), 2, seed=5)

    def fn(lib, x):
        return tuple(R(lib).pack_padded_sequence(x, lengths, batch_first=batch_first,
                                                 enforce_sorted=enforce_sorted))
    check(fn, Sample(x))


@pytest.mark.parametrize("lengths,enforce_sorted,batch_first", PACK_GRID)
@pytest.mark.parametrize("kw", [dict(), dict(padding_value=-1.0), dict(total_length=6)])
def test_pad_packed_sequence(lengths, enforce_sorted, batch_first, kw):
    t, b = max(lengths), len(lengths)
    x = rand(t, b, 3, seed=6)

    def fn(lib, x):
        packed = R(lib).pack_padded_sequence(x, lib.tensor(lengths), enforce_sorted=enforce_sorted)
        return R(lib).pad_packed_sequence(packed, batch_first=batch_first, **kw)
    check(fn, Sample(x))


def test_packed_sequence_type_and_fields():
    for lib in (torch, ember):
        p = R(lib).pack_padded_sequence(lib.zeros(3, 2, 1), [3, 1], enforce_sorted=False)
        assert isinstance(p, tuple) and type(p).__name__ == "PackedSequence"
        assert p._fields == ("data", "batch_sizes", "sorted_indices", "unsorted_indices")
        assert p.batch_sizes.dtype == lib.int64 and p.sorted_indices.dtype == lib.int64
        assert not p.is_cuda
    e = ER.PackedSequence(ember.ones(3, 2), ember.tensor([2, 1]), ember.tensor([1, 0]))
    assert e.unsorted_indices.tolist() == [1, 0]
    assert ER.PackedSequence(ember.ones(3, 2), [2, 1]).batch_sizes.tolist() == [2, 1]
    assert ER.invert_permutation(ember.tensor([2, 0, 1])).tolist() == [1, 2, 0]
    assert ER.invert_permutation(None) is None
    d = e.double()
    assert d.data.dtype is ember.float64 and d.sorted_indices.tolist() == [1, 0]


@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_pack_sequence_and_unpack(enforce_sorted):
    lengths = [4, 2, 1] if enforce_sorted else [2, 4, 1]
    seqs = [rand(n, 3, seed=n) for n in lengths]
    check(lambda lib, *s: tuple(R(lib).pack_sequence(list(s), enforce_sorted=enforce_sorted)),
          Sample(*seqs))
    check(lambda lib, *s: R(lib).unpack_sequence(R(lib).pack_sequence(list(s), enforce_sorted)),
          Sample(*seqs))


@pytest.mark.parametrize("batch_first", [False, True])
def test_unpad_sequence(batch_first):
    x = rand(*((3, 4) if batch_first else (4, 3)), 2, seed=9)
    # torch transposes its argument in place (x * 1 shields the leaf); ember leaves it alone
    check(lambda lib, x: R(lib).unpad_sequence(x * 1, lib.tensor([4, 1, 3]), batch_first=batch_first),
          Sample(x))
    e = ember.tensor(x)
    ER.unpad_sequence(e, [4, 1, 3], batch_first=batch_first)
    assert tuple(e.shape) == x.shape


def test_round_trip_restores_original_order():
    x = ember.tensor(rand(5, 4, 2))
    lengths = [3, 5, 1, 5]
    p = ER.pack_padded_sequence(x, lengths, enforce_sorted=False)
    y, lens = ER.pad_packed_sequence(p)
    assert lens.tolist() == lengths
    mask = np.arange(5)[:, None] < np.array(lengths)[None, :]
    np.testing.assert_array_equal(y.numpy()[mask], x.numpy()[mask])
    assert not y.numpy()[~mask].any()


PACK_ERRORS = [
    ([2, 3, 1], True, RuntimeError, "`lengths` array must be sorted in decreasing order"),
    ([3, 1, 0], True, RuntimeError, "Length of all samples has to be greater than 0"),
    ([3, 0, 1], False, RuntimeError, "Length of all samples has to be greater than 0"),
    ([3, 2], True, RuntimeError, "Expected `len(lengths)` to be equal to batch_size, but got 2 "
                                 "(batch_size=3)"),
]


@pytest.mark.parametrize("lengths,enforce_sorted,exc,msg", PACK_ERRORS)
def test_pack_errors(lengths, enforce_sorted, exc, msg):
    check_error(lambda lib, x: R(lib).pack_padded_sequence(x, lengths, enforce_sorted=enforce_sorted),
                [rand(5, 3, 2)], exc, msg)


def test_total_length_too_short():
    def fn(lib, x):
        return R(lib).pad_packed_sequence(R(lib).pack_padded_sequence(x, [3, 2]), total_length=2)
    check_error(fn, [rand(3, 2, 1)], ValueError,
                "Expected total_length to be at least the length of the longest sequence in input, "
                "but got total_length=2 and max sequence length being 3")


def test_lengths_longer_than_input_rejected():
    # torch reads past the end of the padded tensor here; ember refuses
    with pytest.raises(RuntimeError, match="at most the padded length 5"):
        ER.pack_padded_sequence(ember.zeros(5, 3, 2), [6, 2, 1])


def test_lengths_as_float_and_int32_tensors():
    x = rand(4, 3, 2)
    for lengths in (np.array([4., 2., 1.]), np.array([4, 2, 1], dtype=np.int32)):
        t = TR.pack_padded_sequence(torch.tensor(x), torch.tensor(lengths))
        e = ER.pack_padded_sequence(ember.tensor(x), ember.tensor(lengths))
        assert_close(tuple(e), tuple(t))
