"""Oracle tests for shape operators (views and copies): values, dtypes,
shapes, gradients and second-order gradients against torch, plus view
semantics (strides, contiguity, shared memory, version counters) and errors."""
import numpy as np
import pytest
import torch

import ember
from oracle import NC, Sample, check, check_error, rand

F64, F32, I64, I32, B, C128 = np.float64, np.float32, np.int64, np.int32, np.bool_, np.complex128

A = rand(3, 4, seed=1)
A3 = rand(2, 3, 4, seed=2)
V = rand(5, seed=3)
S = rand(seed=4)            # 0-dim
E = rand(0, 3, seed=5)      # empty
NCA = NC(rand(4, 3, seed=6))
NC3 = NC(rand(4, 3, 2, seed=7))
Z = rand(3, 2, dtype=C128, seed=8)

# name: (fn(lib, *args), [samples])
CASES = {
    "view": (lambda L, x: x.view(4, 3), [Sample(A)]),
    "view_infer": (lambda L, x: x.view(-1, 2, 2), [Sample(A3)]),
    "view_0d": (lambda L, x: x.view(1, 1), [Sample(S)]),
    "view_to_0d": (lambda L, x: x.view(()), [Sample(rand(1, 1, seed=9))]),
    "view_empty": (lambda L, x: x.view(3, 0, 2), [Sample(E)]),
    "view_nc_ok": (lambda L, x: x.view(2, 2, 3), [Sample(NCA)]),
    "view_as": (lambda L, x, y: x.view_as(y), [Sample(A, rand(6, 2, seed=1), grad=True)]),
    "reshape": (lambda L, x: L.reshape(x, (2, -1)),
                [Sample(A), Sample(NCA), Sample(E), Sample(A3)]),
    "reshape_0d": (lambda L, x: x.reshape(1), [Sample(S)]),
    "reshape_as": (lambda L, x, y: x.reshape_as(y), [Sample(NCA, rand(2, 6, seed=1))]),
    "flatten": (lambda L, x: L.flatten(x), [Sample(A3), Sample(S), Sample(NC3), Sample(E)]),
    "flatten_range": (lambda L, x: x.flatten(1, -1), [Sample(A3), Sample(NC3)]),
    "flatten_same": (lambda L, x: x.flatten(1, 1), [Sample(A3)]),
    "unflatten": (lambda L, x: L.unflatten(x, 0, (2, -1)), [Sample(A3), Sample(NCA)]),
    "ravel": (lambda L, x: L.ravel(x), [Sample(A), Sample(NCA), Sample(S)]),
    "squeeze_all": (lambda L, x: L.squeeze(x), [Sample(rand(1, 3, 1, 2, seed=1)), Sample(S)]),
    "squeeze_dim": (lambda L, x: x.squeeze(-2), [Sample(rand(3, 1, 2, seed=1)), Sample(A)]),
    "squeeze_tuple": (lambda L, x: x.squeeze((0, 2)), [Sample(rand(1, 3, 1, 1, seed=1))]),
    "squeeze_0d": (lambda L, x: x.squeeze(0), [Sample(S)]),
    "unsqueeze": (lambda L, x: L.unsqueeze(x, 1), [Sample(A), Sample(NCA), Sample(E)]),
    "unsqueeze_0d": (lambda L, x: L.unsqueeze(x, -1), [Sample(S)]),
    "unsqueeze_neg": (lambda L, x: x.unsqueeze(-1), [Sample(A3), Sample(NC3)]),
    "permute": (lambda L, x: L.permute(x, (2, 0, 1)), [Sample(A3), Sample(NC3)]),
    "permute_method": (lambda L, x: x.permute(-1, 0, 1), [Sample(A3)]),
    "transpose": (lambda L, x: L.transpose(x, 0, -1), [Sample(A3), Sample(NCA), Sample(S)]),
    "swapaxes": (lambda L, x: L.swapaxes(x, 0, 1), [Sample(A)]),
    "swapdims": (lambda L, x: x.swapdims(1, 2), [Sample(A3)]),
    "t": (lambda L, x: L.t(x), [Sample(A), Sample(V), Sample(S)]),
    "T": (lambda L, x: x.T, [Sample(A), Sample(NCA), Sample(S)]),
    "mT": (lambda L, x: x.mT, [Sample(A3), Sample(NC3)]),
    "H": (lambda L, x: x.H, [Sample(A), Sample(Z)]),
    "mH": (lambda L, x: x.mH, [Sample(A3), Sample(Z)]),
    "adjoint": (lambda L, x: L.adjoint(x), [Sample(A3), Sample(Z)]),
    "movedim": (lambda L, x: L.movedim(x, 0, -1), [Sample(A3), Sample(NC3)]),
    "moveaxis_tuple": (lambda L, x: L.moveaxis(x, (0, 1), (2, 0)), [Sample(A3)]),
    "expand": (lambda L, x: x.expand(2, 3, -1), [Sample(rand(3, 1, seed=1)),
                                                   Sample(NC(rand(1, 3, seed=2)))]),
    "expand_0d": (lambda L, x: x.expand(2, 3), [Sample(S)]),
    "expand_as": (lambda L, x, y: x.expand_as(y), [Sample(rand(4, seed=1), A)]),
    "broadcast_to": (lambda L, x: L.broadcast_to(x, (2, 3, 4)), [Sample(rand(3, 1, seed=1))]),
    "broadcast_tensors": (lambda L, x, y, z: L.broadcast_tensors(x, y, z),
                          [Sample(rand(3, 1, seed=1), rand(4, seed=2), S)]),
    "narrow": (lambda L, x: L.narrow(x, 1, 1, 2), [Sample(A), Sample(NCA)]),
    "narrow_neg_start": (lambda L, x: x.narrow(-1, -3, 2), [Sample(A3)]),
    "narrow_empty": (lambda L, x: x.narrow(0, 3, 0), [Sample(A)]),
    "select": (lambda L, x: L.select(x, 1, -1), [Sample(A), Sample(NCA), Sample(A3)]),
    "select_1d": (lambda L, x: x.select(0, 2), [Sample(V)]),
    "unbind": (lambda L, x: L.unbind(x, 1), [Sample(A), Sample(NCA)]),
    "split": (lambda L, x: L.split(x, 3, 1), [Sample(A3), Sample(NC3)]),
    "split_sizes": (lambda L, x: x.split([1, 0, 3], 0), [Sample(NCA)]),
    "split_with_sizes": (lambda L, x: x.split_with_sizes([3, 1], -1), [Sample(A3)]),
    "chunk": (lambda L, x: L.chunk(x, 3, -1), [Sample(A3), Sample(V)]),
    "chunk_empty": (lambda L, x: x.chunk(2), [Sample(E)]),
    "tensor_split_sections": (lambda L, x: L.tensor_split(x, 3, -1), [Sample(A), Sample(V)]),
    "tensor_split_indices": (lambda L, x: x.tensor_split([1, -1, 10], 1), [Sample(A)]),
    "tensor_split_tensor": (lambda L, x: x.tensor_split(L.tensor([1, 3]), 0), [Sample(V)]),
    "hsplit": (lambda L, x: L.hsplit(x, 2), [Sample(A), Sample(rand(4, seed=1))]),
    "hsplit_list": (lambda L, x: x.hsplit([1, 3]), [Sample(A)]),
    "vsplit": (lambda L, x: L.vsplit(x, [1]), [Sample(A)]),
    "dsplit": (lambda L, x: L.dsplit(x, 2), [Sample(A3)]),
    "cat": (lambda L, x, y: L.cat([x, y], 1), [Sample(A, rand(3, 2, seed=1)),
                                                 Sample(NCA, rand(4, 1, seed=2))]),
    "cat_neg_dim": (lambda L, x, y: L.cat((x, y), -3), [Sample(A3, rand(1, 3, 4, seed=1))]),
    "cat_skip_empty": (lambda L, x, y, z: L.cat([x, y, z]), [Sample(rand(0, seed=1), A, A)]),
    "cat_all_empty": (lambda L, x, y: L.cat([x, y]), [Sample(rand(0, seed=1), rand(0, seed=2))]),
    "concat": (lambda L, x, y: L.concat([x, y], dim=0), [Sample(V, V)]),
    "concatenate": (lambda L, x, y: L.concatenate([x, y], 1), [Sample(E, E)]),
    "stack": (lambda L, x, y: L.stack([x, y], 1), [Sample(A, rand(3, 4, seed=1))]),
    "stack_0d": (lambda L, x, y: L.stack([x, y]), [Sample(S, S)]),
    "stack_neg": (lambda L, x, y: L.stack((x, y), -1), [Sample(NCA, rand(4, 3, seed=1))]),
    "hstack": (lambda L, x, y: L.hstack([x, y]), [Sample(A, A), Sample(V, S)]),
    "vstack": (lambda L, x, y: L.vstack([x, y]), [Sample(V, V), Sample(A, rand(4, seed=1))]),
    "row_stack": (lambda L, x, y: L.row_stack([x, y]), [Sample(A, A)]),
    "dstack": (lambda L, x, y: L.dstack([x, y]), [Sample(A, A), Sample(V, V)]),
    "column_stack": (lambda L, x, y, z: L.column_stack([x, y, z]),
                     [Sample(rand(3, seed=1), A, rand(3, seed=2))]),
    "atleast_1d": (lambda L, x: L.atleast_1d(x), [Sample(S), Sample(V)]),
    "atleast_2d": (lambda L, x, y: L.atleast_2d(x, y), [Sample(S, V), Sample(A, A3)]),
    "atleast_3d": (lambda L, x, y, z: L.atleast_3d([x, y, z]), [Sample(S, V, A)]),
    "meshgrid_ij": (lambda L, x, y: L.meshgrid(x, y, indexing="ij"), [Sample(V, rand(3, seed=1)),
                                                                       Sample(S, V)]),
    "meshgrid_xy": (lambda L, x, y, z: L.meshgrid([x, y, z], indexing="xy"),
                    [Sample(V, rand(3, seed=1), rand(2, seed=2))]),
    "flip": (lambda L, x: L.flip(x, (0, 2)), [Sample(A3), Sample(NC3)]),
    "flip_method": (lambda L, x: x.flip(-1), [Sample(A), Sample(S), Sample(E)]),
    "fliplr": (lambda L, x: L.fliplr(x), [Sample(A)]),
    "flipud": (lambda L, x: L.flipud(x), [Sample(NCA), Sample(V)]),
    "roll": (lambda L, x: L.roll(x, 2, 1), [Sample(A), Sample(NCA)]),
    "roll_multi": (lambda L, x: x.roll((1, -3), (0, 2)), [Sample(A3)]),
    "roll_flat": (lambda L, x: L.roll(x, -5), [Sample(A), Sample(S)]),
    "rot90": (lambda L, x: L.rot90(x), [Sample(A), Sample(NCA)]),
    "rot90_k": (lambda L, x: x.rot90(3, [2, 0]), [Sample(A3)]),
    "rot90_neg": (lambda L, x: L.rot90(x, -2, (1, 0)), [Sample(A)]),
    "repeat": (lambda L, x: x.repeat(2, 1, 3), [Sample(A), Sample(NCA), Sample(S)]),
    "repeat_same": (lambda L, x: x.repeat(1, 1), [Sample(A)]),
    "repeat_zero": (lambda L, x: x.repeat(0, 2), [Sample(A)]),
    "tile": (lambda L, x: L.tile(x, (2,)), [Sample(A), Sample(V)]),
    "tile_long": (lambda L, x: x.tile((2, 1, 2)), [Sample(V), Sample(NCA)]),
    "repeat_interleave_int": (lambda L, x: L.repeat_interleave(x, 2, dim=1),
                              [Sample(A), Sample(NCA)]),
    "repeat_interleave_flat": (lambda L, x: x.repeat_interleave(3), [Sample(A), Sample(S)]),
    "repeat_interleave_tensor": (lambda L, x: x.repeat_interleave(L.tensor([1, 0, 3]), 0),
                                 [Sample(A)]),
    "repeat_interleave_tensor1": (lambda L, x: x.repeat_interleave(L.tensor([2]), -1,
                                                                  output_size=8),
                                  [Sample(A)]),
    "tril": (lambda L, x: L.tril(x), [Sample(A), Sample(A3), Sample(NCA)]),
    "tril_k": (lambda L, x: x.tril(-1), [Sample(A)]),
    "triu": (lambda L, x: L.triu(x, 1), [Sample(A), Sample(NC3)]),
    "triu_neg": (lambda L, x: x.triu(-2), [Sample(A3)]),
    "diag_1d": (lambda L, x: L.diag(x), [Sample(V)]),
    "diag_1d_k": (lambda L, x: L.diag(x, -2), [Sample(V)]),
    "diag_2d": (lambda L, x: x.diag(1), [Sample(A), Sample(NCA)]),
    "diagonal": (lambda L, x: L.diagonal(x), [Sample(A), Sample(NCA)]),
    "diagonal_offset": (lambda L, x: x.diagonal(1, 2, 0), [Sample(A3), Sample(NC3)]),
    "diagonal_neg": (lambda L, x: x.diagonal(-1), [Sample(A)]),
    "diagonal_empty": (lambda L, x: x.diagonal(5), [Sample(A)]),
    "diag_embed": (lambda L, x: L.diag_embed(x), [Sample(A), Sample(V)]),
    "diag_embed_dims": (lambda L, x: x.diag_embed(-1, 0, 2), [Sample(A), Sample(NCA)]),
    "diagflat": (lambda L, x: L.diagflat(x, 1), [Sample(A), Sample(S)]),
    "unfold": (lambda L, x: x.unfold(1, 2, 1), [Sample(A), Sample(NCA)]),
    "unfold_step": (lambda L, x: x.unfold(-1, 2, 3), [Sample(A3), Sample(NC3)]),
    "unfold_0d": (lambda L, x: x.unfold(0, 1, 1), [Sample(S)]),
    "as_strided": (lambda L, x: L.as_strided(x, (2, 2), (1, 2), 1), [Sample(A)]),
    "as_strided_overlap": (lambda L, x: x.as_strided((3, 3), (1, 1)), [Sample(V)]),
    "as_strided_of_view": (lambda L, x: (x * 1)[1:].as_strided((2, 3), (4, 1)), [Sample(A)]),
    "real": (lambda L, x: L.real(x), [Sample(Z), Sample(A)]),
    "real_prop": (lambda L, x: x.real * 2, [Sample(Z)]),
    "imag": (lambda L, x: L.imag(x), [Sample(Z)]),
    "imag_prop": (lambda L, x: x.imag, [Sample(Z)]),
    "view_as_real": (lambda L, x: L.view_as_real(x), [Sample(Z), Sample(NC(Z))]),
    "view_as_complex": (lambda L, x: L.view_as_complex(x), [Sample(A[:, :2].copy()),
                                                             Sample(rand(2, seed=1))]),
    "conj": (lambda L, x: L.conj(x), [Sample(A), Sample(Z)]),
    "resolve": (lambda L, x: L.resolve_neg(L.resolve_conj(x)), [Sample(A)]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_oracle_float64(name):
    fn, samples = CASES[name]
    for s in samples:
        check(fn, s, rtol=1e-10, atol=1e-12)


DTYPE_CASES = ["view", "reshape", "flatten", "unsqueeze", "permute", "expand", "narrow",
               "select", "unbind", "split", "chunk", "cat", "stack", "flip", "roll", "rot90",
               "repeat", "tile", "repeat_interleave_int", "tril", "triu", "diag_1d", "diag_2d",
               "diagonal", "diag_embed", "unfold", "as_strided", "meshgrid_ij", "movedim",
               "T", "column_stack", "tensor_split_indices"]


def _retype(a, dtype):
    if isinstance(a, NC):
        return NC(_retype(a.array, dtype))
    if isinstance(a, np.ndarray):
        return rand(*a.shape, dtype=dtype, low=-5, high=5, seed=a.size)
    return a


@pytest.mark.parametrize("dtype", [F32, I64, I32, B, np.uint8, np.float16, C128])
@pytest.mark.parametrize("name", DTYPE_CASES)
def test_oracle_dtypes(name, dtype):
    fn, samples = CASES[name]
    s = samples[0]
    sample = Sample(*[_retype(a, dtype) for a in s.args], **s.kwargs)
    check(fn, sample, grad=dtype in (F32, C128), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("pair", [(F32, F64), (I32, F32), (B, I64), (np.uint8, np.int8),
                                  (np.float16, C128)], ids=str)
def test_cat_promotion(pair):
    x = rand(2, 3, dtype=pair[0], seed=1, low=0, high=3)
    y = rand(1, 3, dtype=pair[1], seed=2, low=0, high=3)
    check(lambda L, a, b: L.cat([a, b]), Sample(x, y), grad=False)
    check(lambda L, a, b: L.stack([a, b[0]]), Sample(x[0], y), grad=False)
    check(lambda L, a, b: L.cat([a, b]), Sample(rand(0, dtype=pair[1], seed=3), x), grad=False)


# ------------------------------------------------------------ view semantics
# name: (fn(lib, x), input array); each result must be a view with torch's geometry
VIEWS = {
    "view": (lambda L, x: x.view(2, 6), A),
    "view_size1": (lambda L, x: x.view(1, 3, 1, 4, 1), A),
    "view_nc_size1": (lambda L, x: x.t().view(1, 4, 3, 1), A),
    "view_nc_split": (lambda L, x: x.t().view(2, 2, 3), A),
    "view_0d": (lambda L, x: x[0, 0].view(1, 1), A),
    "reshape_view": (lambda L, x: x.reshape(4, 1, 3), A),
    "reshape_nc_view": (lambda L, x: x.t().reshape(2, 2, 1, 3), A),
    "view_dtype": (lambda L, x: x.view(L.int16), A.astype(np.float32)),
    "view_dtype_wider": (lambda L, x: x.view(L.float64), rand(3, 4, dtype=np.float32)),
    "view_dtype_same": (lambda L, x: x.view(L.int64), A),
    "flatten": (lambda L, x: x.flatten(), A3),
    "unflatten": (lambda L, x: x.t().unflatten(0, (2, 2)), A),
    "squeeze": (lambda L, x: x[:, :1].squeeze(1), A),
    "unsqueeze": (lambda L, x: x.unsqueeze(1), A),
    "unsqueeze_nc": (lambda L, x: x.t().unsqueeze(0), A),
    "unsqueeze_last": (lambda L, x: x.t().unsqueeze(2), A),
    "unsqueeze_0d": (lambda L, x: x[1, 1].unsqueeze(0), A),
    "permute": (lambda L, x: x.permute(2, 0, 1), A3),
    "transpose": (lambda L, x: x.transpose(0, 1), A),
    "T": (lambda L, x: x.T, A),
    "mT": (lambda L, x: x.mT, A3),
    "movedim": (lambda L, x: x.movedim(-1, 0), A3),
    "expand": (lambda L, x: x[:, :1].expand(3, 5), A),
    "expand_lead1": (lambda L, x: x.expand(1, 3, 4), A),
    "expand_lead": (lambda L, x: x.expand(2, 1, 3, 4), A),
    "expand_same": (lambda L, x: x.expand(3, 4), A),
    "narrow": (lambda L, x: x.narrow(1, 1, 2), A),
    "select": (lambda L, x: x.select(1, 2), A),
    "select_last": (lambda L, x: x[0].select(0, 1), A),
    "unbind": (lambda L, x: x.unbind(1)[2], A),
    "split": (lambda L, x: x.split(2, 1)[1], A),
    "chunk": (lambda L, x: x.chunk(2, 0)[1], A),
    "tensor_split": (lambda L, x: x.tensor_split(3, 1)[1], A),
    "diagonal": (lambda L, x: x.diagonal(1), A),
    "diagonal_neg": (lambda L, x: x.diagonal(-1), A),
    "diagonal_3d": (lambda L, x: x.diagonal(0, 2, 0), A3),
    "unfold": (lambda L, x: x.unfold(1, 2, 1), A),
    "unfold_step": (lambda L, x: x.t().unfold(0, 2, 2), A),
    "as_strided": (lambda L, x: x.as_strided((2, 3), (2, 1), 3), A),
    "as_strided_of_view": (lambda L, x: x[1].as_strided((2, 2), (1, 1)), A),
    "real": (lambda L, x: x.real, Z),
    "imag": (lambda L, x: x.imag, Z),
    "view_as_real": (lambda L, x: L.view_as_real(x), Z),
    "view_as_real_t": (lambda L, x: L.view_as_real(x.t()), Z),
    "view_as_complex": (lambda L, x: L.view_as_complex(x), A[:, :2].copy()),
    "view_as_complex_rows": (lambda L, x: L.view_as_complex(x.view(3, 2, 2)[:, 1]), A),
    "meshgrid": (lambda L, x: L.meshgrid(x[0], x[1], indexing="ij")[1], A),
    "broadcast_to": (lambda L, x: L.broadcast_to(x[0], (2, 4)), A),
    "atleast_3d": (lambda L, x: L.atleast_3d(x), A),
}


def _geometry(t):
    return tuple(t.shape), tuple(t.stride()), t.is_contiguous()


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_view_geometry_and_sharing(name):
    fn, arr = VIEWS[name]
    tx, ex = torch.tensor(arr), ember.tensor(arr)
    tv, ev = fn(torch, tx), fn(ember, ex)
    assert _geometry(ev) == _geometry(tv)
    assert str(ev.dtype).split(".")[-1] == str(tv.dtype).split(".")[-1]
    np.testing.assert_array_equal(ev.numpy(), tv.numpy())
    assert np.shares_memory(ev.numpy(), ex.numpy())
    assert ev._base is ex
    # the view and its base share memory and the version counter
    v0 = ex._version
    with ember.no_grad():
        ev.fill_(1)
    with torch.no_grad():
        tv.fill_(1)
    np.testing.assert_array_equal(ex.numpy(), tx.numpy())
    assert ex._version == ev._version == v0 + 1


@pytest.mark.parametrize("name", ["view", "diagonal", "narrow", "select", "unfold",
                                  "as_strided", "imag", "unsqueeze_nc", "view_as_real"])
def test_view_storage_offset(name):
    fn, arr = VIEWS[name]
    tv, ev = fn(torch, torch.tensor(arr)), fn(ember, ember.tensor(arr))
    assert ev.storage_offset() == tv.storage_offset()


# non-view results must not share memory with their input
COPIES = {
    "reshape_copy": lambda L, x: x.t().reshape(12),
    "flip": lambda L, x: x.flip(0),
    "roll": lambda L, x: x.roll(1),
    "rot90": lambda L, x: x.rot90(),
    "repeat": lambda L, x: x.repeat(1, 1),
    "tile": lambda L, x: x.tile((1,)),
    "tril": lambda L, x: x.tril(5),
    "cat": lambda L, x: L.cat([x]),
    "stack": lambda L, x: L.stack([x]),
    "diag": lambda L, x: L.diag(x),
    "ravel": lambda L, x: x.t().ravel(),
    "repeat_interleave": lambda L, x: x.repeat_interleave(1),
}


@pytest.mark.parametrize("name", sorted(COPIES))
def test_copies_do_not_alias(name):
    fn = COPIES[name]
    tx, ex = torch.tensor(A), ember.tensor(A)
    tr, er = fn(torch, tx), fn(ember, ex)
    assert _geometry(er) == _geometry(tr)
    assert not np.shares_memory(er.numpy(), ex.numpy())
    assert er._base is not ex and er._version == 0


def test_reshape_returns_view_only_when_view_would():
    x = ember.tensor(A)
    assert x.reshape(2, 6).data_ptr() == x.data_ptr()
    assert x.reshape(2, 6)._base is x
    y = x.t().reshape(12)
    assert y.data_ptr() != x.data_ptr() and y.is_contiguous()
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        x.t().view(12)


def test_inplace_through_views_changes_base():
    x = ember.tensor(A)
    v = x.view(-1)
    with ember.no_grad():
        v.add_(1)
    np.testing.assert_allclose(x.numpy(), A + 1)
    assert x._version == v._version == 1
    d = x.diagonal()
    d.mul_(0)
    assert x._version == d._version == v._version == 2
    assert np.all(np.diagonal(x.numpy()) == 0)
    c = ember.tensor(Z)
    c.imag.zero_()
    np.testing.assert_array_equal(c.numpy(), Z.real.astype(C128))
    c.real = ember.tensor(np.ones((3, 2)))
    np.testing.assert_array_equal(c.numpy(), np.ones((3, 2), dtype=C128))
    # views of views chain to the same base and counter
    w = x.t().narrow(0, 1, 2).unsqueeze(0)
    assert w._base is x
    w.fill_(7)
    assert x._version == w._version == 3
    assert (x.numpy()[:, 1:3] == 7).all()


def _inplace_through_views(L, x):
    y = x * 1
    y.diagonal().mul_(2)
    y.t().narrow(0, 1, 2).add_(y.unsqueeze(0).expand(2, 3, 4).sum(0).t()[1:3])
    y.unfold(1, 2, 2).select(-1, 0).mul_(y[:, 1:2].clone().unflatten(0, (3, 1)).squeeze(1))
    y.view(2, 6)[1].mul_(0.5)
    return y


def test_inplace_through_views_autograd():
    check(_inplace_through_views, Sample(A), rtol=1e-10, atol=1e-12)
    check(_inplace_through_views, Sample(NCA.array.T.copy()), rtol=1e-10, atol=1e-12)


def test_real_of_real_and_conj_of_real_are_self():
    x = ember.tensor(A)
    assert ember.real(x) is x and x.real is x and x.conj() is x
    assert x.resolve_conj() is x and x.resolve_neg() is x


def test_grad_through_view_chain():
    check(lambda L, x: (x.t().unsqueeze(0).expand(2, 4, 3).diagonal(0, 1, 2) ** 2)
          .unfold(1, 2, 1).sum(-1), Sample(A), rtol=1e-10, atol=1e-12)
    check(lambda L, x: L.cat([x.split(1, 0)[2], x.chunk(3, 0)[0]]).flip(1).roll(1),
          Sample(A), rtol=1e-10, atol=1e-12)
    check(lambda L, x: L.stack(x.unbind(1), 0).repeat(2, 1).tril(), Sample(NCA),
          rtol=1e-10, atol=1e-12)


def test_properties_and_grad_fn_names():
    x = ember.tensor(A, requires_grad=True)
    assert type(ember.Tensor.__dict__["T"]) is property
    assert x.view(12).grad_fn.name() == "ViewBackward0"
    assert x.unsqueeze(0).grad_fn.name() == "UnsqueezeBackward0"
    assert x.flip(0).grad_fn.name() == "FlipBackward0"
    assert x.t().is_contiguous() is False


def test_broadcast_shapes():
    for shapes in [((3, 1), (4,)), ((), (2, 3), (1, 3)), ((5,), 1), ((0, 1), (3,))]:
        assert ember.broadcast_shapes(*shapes) == torch.broadcast_shapes(*shapes)
    assert isinstance(ember.broadcast_shapes((1,)), ember.Size)


def test_indices():
    for args in [(3, 3), (4, 3, 1), (3, 5, -1), (0, 0), (3, 4, -10)]:
        for name in ("tril_indices", "triu_indices"):
            e, t = getattr(ember, name)(*args), getattr(torch, name)(*args)
            assert e.dtype is ember.int64
            np.testing.assert_array_equal(e.numpy(), t.numpy())
    e = ember.tril_indices(3, 3, dtype=ember.int32)
    assert e.dtype is ember.int32


def test_repeat_interleave_indices_only():
    r = np.array([2, 0, 3])
    e, t = ember.repeat_interleave(ember.tensor(r)), torch.repeat_interleave(torch.tensor(r))
    np.testing.assert_array_equal(e.numpy(), t.numpy())
    assert e.dtype is ember.int64


def test_meshgrid_warns_without_indexing():
    with pytest.warns(UserWarning, match="indexing"):
        ember.meshgrid(ember.tensor(V), ember.tensor(V))


def test_T_warns_on_3d():
    with pytest.warns(UserWarning, match="deprecated"):
        _ = ember.tensor(A3).T


def test_cat_out_and_iteration():
    out = ember.empty(0, dtype=ember.float64)
    r = ember.cat([ember.tensor(A), ember.tensor(A)], out=out)
    assert r is out and out.shape == (6, 4)
    rows = list(ember.tensor(A))
    assert len(rows) == 3 and rows[1]._base is not None


# ------------------------------------------------------------------ errors
ERRORS = [
    (lambda L, x: x.t().view(12), [A], RuntimeError, "view size is not compatible",
     "Use .reshape(...) instead."),
    (lambda L, x: x.view(5, -1), [A], RuntimeError,
     "shape '[5, -1]' is invalid for input of size 12"),
    (lambda L, x: x.view(-1, -1), [A], RuntimeError, "only one dimension can be inferred"),
    (lambda L, x: x.reshape(-2, 6), [A], RuntimeError, "invalid shape dimension -2"),
    (lambda L, x: x.view(-1, 0), [E], RuntimeError, "unspecified dimension size -1"),
    (lambda L, x: x.t().view(L.int16), [np.zeros((3, 4), np.float32)], RuntimeError,
     "self.stride(-1) must be 1 to view Float as Short", "but got 4"),
    (lambda L, x: x.view(L.float64), [np.zeros((3, 3), np.float32)], RuntimeError,
     "self.size(-1) must be divisible by 2 to view Float as Double"),
    (lambda L, x: x.view(L.float16), [np.array(1.0, dtype=np.float32)], RuntimeError,
     "self.dim() cannot be 0"),
    (lambda L, x: x[1:].view(L.float64), [np.zeros(7, np.float32)], RuntimeError,
     "self.storage_offset() must be divisible by 2 to view Float as Double", "but got 1"),
    (lambda L, x: x.flatten(2, 1), [A3], RuntimeError, "start_dim cannot come after end_dim"),
    (lambda L, x: x.flatten(3), [A3], IndexError, "Dimension out of range", "but got 3"),
    (lambda L, x: x.unflatten(1, (3, 2)), [A], RuntimeError,
     "don't multiply up to the size of dim 1 (4)"),
    (lambda L, x: x.squeeze((0, 0)), [A], RuntimeError, "dim 0 appears multiple times"),
    (lambda L, x: x.unsqueeze(3), [A], IndexError, "[-3, 2]", "but got 3"),
    (lambda L, x: x.permute(0, 1), [A3], RuntimeError,
     "input.dim() = 3 is not equal to len(dims) = 2"),
    (lambda L, x: x.permute(0, 0, 1), [A3], RuntimeError, "duplicate dims"),
    (lambda L, x: x.transpose(0, 2), [A], IndexError, "but got 2"),
    (lambda L, x: x.t(), [A3], RuntimeError,
     "t() expects a tensor with <= 2 dimensions, but self is 3D"),
    (lambda L, x: x.mT, [V], RuntimeError, "tensor.mT is only supported on matrices", "Got 1-D"),
    (lambda L, x: x.H, [A3], RuntimeError, "tensor.H is only supported on matrices (2-D tensors)",
     "Got 3-D"),
    (lambda L, x: x.imag, [A], RuntimeError,
     "imag is not implemented for tensors with non-complex"),
    (lambda L, x: L.movedim(x, (0, 1), (1,)), [A3], RuntimeError, "movedim: Invalid source"),
    (lambda L, x: L.movedim(x, (0, 0), (1, 2)), [A3], RuntimeError, "repeated dim in `source`"),
    (lambda L, x: x.expand(3, 5), [A], RuntimeError, "expanded size of the tensor (5) must match "
     "the existing size (4) at non-singleton dimension 1", "Target sizes: [3, 5]"),
    (lambda L, x: x.expand(4), [A], RuntimeError, "the number of sizes provided (1) must be "
     "greater or equal to the number of dimensions in the tensor (2)"),
    (lambda L, x: x.expand(-1, 3, 4), [A], RuntimeError, "(-1) isn't allowed in a leading, "
     "non-existing dimension 0"),
    (lambda L, x, y: L.broadcast_tensors(x, y), [A, rand(3, seed=1)], RuntimeError,
     "The size of tensor a (4) must match the size of tensor b (3) at non-singleton dimension 1"),
    (lambda L, x: x.narrow(1, 3, 2), [A], RuntimeError,
     "start (3) + length (2) exceeds dimension size (4)"),
    (lambda L, x: x.narrow(1, 5, 0), [A], IndexError, "start out of range", "but got 5"),
    (lambda L, x: x.narrow(0, 0, -1), [A], RuntimeError, "length must be non-negative"),
    (lambda L, x: x.narrow(0, 0, 1), [S], RuntimeError, "cannot be applied to a 0-dim tensor"),
    (lambda L, x: x.select(0, 3), [A], IndexError,
     "index 3 out of range for tensor of size [3, 4] at dimension 0"),
    (lambda L, x: x.select(0, 0), [S], IndexError, "select() cannot be applied to a 0-dim tensor"),
    (lambda L, x: x.split(0), [A], RuntimeError, "split_size can only be 0 if dimension size is 0"),
    (lambda L, x: x.split([1, 1]), [A], RuntimeError, "split_with_sizes expects split_sizes to sum "
     "exactly to 3", "split_sizes=[1, 1]"),
    (lambda L, x: x.chunk(0), [A], RuntimeError,
     "chunk expects `chunks` to be greater than 0, got: 0"),
    (lambda L, x: x.tensor_split(0), [A], RuntimeError,
     "number of sections must be larger than 0, got 0"),
    (lambda L, x: x.tensor_split(L.tensor([[1]])), [A], RuntimeError,
     "zero-dimensional or one-dimensional"),
    (lambda L, x: x.tensor_split(L.tensor([1.0])), [A], RuntimeError,
     "dtype of long, but got Float"),
    (lambda L, x: L.hsplit(x, 3), [A], RuntimeError,
     "size of the dimension 4 is not divisible by the split_size 3"),
    (lambda L, x: L.hsplit(x, 1), [S], RuntimeError,
     "torch.hsplit requires a tensor with at least 1 dimension"),
    (lambda L, x: L.vsplit(x, 1), [V], RuntimeError,
     "torch.vsplit requires a tensor with at least 2 dimensions"),
    (lambda L, x: L.dsplit(x, 1), [A], RuntimeError,
     "torch.dsplit requires a tensor with at least 3 dimensions"),
    (lambda L, x: L.cat([]), [], ValueError, "expected a non-empty list of Tensors"),
    (lambda L, x, y: L.cat([x, y], 1), [A, rand(4, 2, seed=1)], RuntimeError,
     "Sizes of tensors must match except in dimension 1. Expected size 3 but got size 4 for "
     "tensor number 1 in the list."),
    (lambda L, x, y: L.cat([x, y]), [A, V], RuntimeError,
     "Tensors must have same number of dimensions: got 2 and 1"),
    (lambda L, x, y: L.cat([x, y]), [S, S], RuntimeError,
     "zero-dimensional tensor (at position 0) cannot be concatenated"),
    (lambda L, x: L.cat(x), [A], TypeError, "must be tuple of Tensors, not Tensor"),
    (lambda L, x, y: L.stack([x, y]), [A, A3], RuntimeError, "stack expects each tensor to be "
     "equal size, but got [3, 4] at entry 0 and [2, 3, 4] at entry 1"),
    (lambda L, x: L.stack([]), [], RuntimeError, "stack expects a non-empty TensorList"),
    (lambda L, x: L.stack([x], 3), [A], IndexError, "Dimension out of range"),
    (lambda L, x: L.flip(x, (0, 0)), [A], RuntimeError,
     "dim 0 appears multiple times in the list of dims"),
    (lambda L, x: L.fliplr(x), [V], RuntimeError, "Input must be >= 2-d."),
    (lambda L, x: L.flipud(x), [S], RuntimeError, "Input must be >= 1-d."),
    (lambda L, x: L.roll(x, (1, 2), 0), [A], RuntimeError,
     "shifts and dimensions must align. shifts: 2, dims:1"),
    (lambda L, x: L.rot90(x, 1, (0, 1, 2)), [A3], RuntimeError,
     "expected total rotation dims == 2, but got dims = 3"),
    (lambda L, x: L.rot90(x), [V], RuntimeError,
     "expected total dims >= 2, but got total dims = 1"),
    (lambda L, x: L.rot90(x, 1, (1, -1)), [A], RuntimeError,
     "expected rotation dims to be different"),
    (lambda L, x: x.repeat(2), [A], RuntimeError, "Number of dimensions of repeat dims can not be "
     "smaller than number of dimensions of tensor"),
    (lambda L, x: x.repeat_interleave(L.tensor([1, 2]), 0), [A], RuntimeError,
     "repeats must have the same size as input along dim, but got repeats.size(0) = 2 and "
     "input.size(0) = 3"),
    (lambda L, x: x.repeat_interleave(-1), [A], RuntimeError, "repeats can not be negative"),
    (lambda L, x: x.repeat_interleave(L.tensor([[1]])), [A], RuntimeError,
     "repeats must be 0-dim or 1-dim tensor"),
    (lambda L, x: L.tril(x), [V], RuntimeError,
     "tril: input tensor must have at least 2 dimensions"),
    (lambda L, x: L.triu(x), [S], RuntimeError,
     "triu: input tensor must have at least 2 dimensions"),
    (lambda L, x: L.diag(x), [A3], RuntimeError, "diag(): Supports 1D or 2D tensors. Got 3D"),
    (lambda L, x: x.diagonal(0, 1, -1), [A], RuntimeError,
     "diagonal dimensions cannot be identical 1, -1"),
    (lambda L, x: x.diagonal(0, 0, 2), [A], IndexError, "Dimension out of range"),
    (lambda L, x: L.diag_embed(x, 0, 0, -3), [A], RuntimeError,
     "diagonal dimensions cannot be identical 0, -3"),
    (lambda L, x: x.unfold(1, 5, 1), [A], RuntimeError,
     "maximum size for tensor at dimension 1 is 4 but size is 5"),
    (lambda L, x: x.unfold(1, 2, 0), [A], RuntimeError, "step is 0 but must be > 0"),
    (lambda L, x: x.as_strided((2, 2), (1,)), [A], RuntimeError,
     "mismatch in length of strides and shape"),
    (lambda L, x: x.as_strided((13,), (1,)), [A], RuntimeError, "requiring a storage size of 104 "
     "are out of bounds for storage of size 96"),
    (lambda L, x: x.as_strided((2,), (-1,)), [A], RuntimeError,
     "Negative strides are not supported"),
    (lambda L, x: L.view_as_real(x), [A], RuntimeError,
     "view_as_real is only supported for complex tensors"),
    (lambda L, x: L.view_as_complex(x), [A], RuntimeError,
     "Tensor must have a last dimension of size 2"),
    (lambda L, x: L.view_as_complex(x.t()), [rand(2, 2, seed=1)], RuntimeError,
     "last dimension with stride 1"),
    (lambda L, x: L.view_as_complex(x), [np.zeros((2, 2), np.int64)], RuntimeError,
     "view_as_complex is only supported for"),
    (lambda L, x: L.meshgrid(x, indexing="ij"), [A], RuntimeError, "Expected 0D or 1D tensor"),
    (lambda L, x: L.meshgrid(x, indexing="yx"), [V], RuntimeError, "indexing must be one of"),
    (lambda L, x: L.broadcast_shapes((3,), (4,)), [], RuntimeError,
     "Shape mismatch: objects cannot be broadcast to a single shape.  Mismatch is between arg 0 "
     "and arg 1."),
]


@pytest.mark.parametrize("case", ERRORS, ids=[c[3][:40] for c in ERRORS])
def test_errors(case):
    fn, args, exc, *match = case
    if args:
        check_error(fn, args, exc, *match)
    else:
        check_error(lambda L: fn(L, None), [], exc, *match)
