"""Matrix products: matmul and its family (mm, bmm, mv, dot, addmm, ...),
einsum, tensordot, kron, cross, cdist and vector norms.

Decompositions and solvers (det, inv, solve, cholesky, qr, svd, eigh, lstsq,
matrix norms) live in ``linalg_decomp``, imported at the bottom of this file.

One primitive, ``matmul``, carries numpy's (= torch's) matmul semantics for
1-D, 2-D and broadcast batched operands; the public names check their
arguments like torch and then dispatch to it, so one backward serves all.
"""
from __future__ import annotations

import functools
import math
import string
import warnings

import numpy as np

from .. import _dtype as D
from .._tensor import _make
from . import registry as _registry
from ._api import check_tensor as _check_tensor
from ._api import export
from .registry import cacheable, INPUTS, OUTPUT, PROMOTE, defop, dispatch, write_out

_TYPE_NAMES = {
    "bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int",
    "int64": "Long", "float16": "Half", "bfloat16": "BFloat16", "float32": "Float",
    "float64": "Double", "complex64": "ComplexFloat", "complex128": "ComplexDouble",
}
_C_NAMES = {
    "bool": "bool", "uint8": "unsigned char", "int8": "signed char", "int16": "short int",
    "int32": "int", "int64": "long int", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
    "float32": "float", "float64": "double", "complex64": "c10::complex<float>",
    "complex128": "c10::complex<double>",
}


# ------------------------------------------------------------------ helpers
def check_tensor(x, fname: str, arg: str = "input", pos: int = 1):
    """torch's TypeError for a non-Tensor argument (fast path for Tensors)."""
    if not isinstance(x, _registry._Tensor):
        _check_tensor(x, fname, arg, pos)


def tname(t) -> str:
    """torch's short dtype name of a tensor (Float, Double, Long...)."""
    return _TYPE_NAMES[t._dtype.name]


def is_complex(t) -> bool:
    return t._dtype.category == D.COMPLEX


def conj(t):
    """Conjugate of a complex tensor; real tensors pass through."""
    return t.conj_physical() if is_complex(t) else t


def mT(t):
    """Transpose of the last two dimensions."""
    return t.transpose(-2, -1)


def mH(t):
    """Conjugate transpose of the last two dimensions."""
    return conj(t.transpose(-2, -1))


def eye_like(n: int, like, m: int | None = None):
    """A constant n x m identity with like's dtype and device."""
    xp = like._device.backend.xp
    return _make(xp.eye(n, m, dtype=like._dtype.np), like._dtype, like._device)


def const_like(array, like):
    """Wrap a backend array as a constant tensor with like's dtype and device."""
    return _make(array.astype(like._dtype.np, copy=False), like._dtype, like._device)


def diag_embed(v):
    """(..., n) -> (..., n, n) with v on the diagonal (differentiable)."""
    n = v.shape[-1]
    return v.reshape(tuple(v.shape) + (1,)) * eye_like(n, v)


def unsqueeze_last(t, times: int = 1):
    return t.reshape(tuple(t.shape) + (1,) * times)


def _is_half(a) -> bool:
    return a.dtype.itemsize == 2 and a.dtype.kind not in "iub"


def _matmul_arrays(xp, a, b):
    # float16/bfloat16 accumulate in float32, as torch's CPU kernels do
    if _is_half(a):
        return xp.matmul(a.astype(np.float32), b.astype(np.float32)).astype(a.dtype)
    return xp.matmul(a, b)


# ------------------------------------------------------------------ matmul
@defop("matmul", saves=INPUTS)
def _matmul(xp, a, b):
    return _matmul_arrays(xp, a, b)


@_matmul.defgrad
def _(ctx, g):
    a, b = ctx.inputs
    need = ctx.needs_input_grad
    # lift 1-D operands to matrices, then use the matrix rule
    a2 = a if a.ndim > 1 else a.reshape(1, a.shape[0])
    b2 = b if b.ndim > 1 else b.reshape(b.shape[0], 1)
    batch = np.broadcast_shapes(tuple(a2.shape[:-2]), tuple(b2.shape[:-2]))
    g2 = g.reshape(batch + (a2.shape[-2], b2.shape[-1]))
    ga = gb = None
    if need[0]:
        ga = dispatch(_matmul, (g2, mH(b2)))
        if a.ndim == 1:
            ga = ga.sum_to_size(tuple(a2.shape)).reshape(tuple(a.shape))
    if need[1]:
        gb = dispatch(_matmul, (mH(a2), g2))
        if b.ndim == 1:
            gb = gb.sum_to_size(tuple(b2.shape)).reshape(tuple(b.shape))
    return ga, gb


def _no_bool(a, kernel="addmm_impl_cpu_"):
    if a._dtype is D.bool_:
        raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')


def _dtype_m1m2(a, b):
    if a._dtype is not b._dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_C_NAMES[a._dtype.name]} != {_C_NAMES[b._dtype.name]}")


def _dtype_dot(a, b):
    if a._dtype is not b._dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{tname(a)} and {tname(b)}")


def _dtype_mv(a, b):
    if a._dtype is not b._dtype:
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got "
                           f"{tname(b)}, {tname(a)}, and {tname(b)}")


def _dtype_scalar(a, b):
    if a._dtype is not b._dtype:
        raise RuntimeError(f"expected scalar type {tname(a)} but found {tname(b)}")


def _mm_shapes(n, k, k2, m):
    raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({n}x{k} and {k2}x{m})")


def _dot_sizes(n, m):
    raise RuntimeError(f"inconsistent tensor size, expected tensor [{n}] and src [{m}] to have "
                       f"the same number of elements, but got {n} and {m} elements respectively")


def _mv_sizes(n, k, k2):
    raise RuntimeError(f"size mismatch, got input ({n}), mat ({n}x{k}), vec ({k2})")


def _bmm_sizes(batch, k, got_batch, got_k):
    raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                       f"[{batch}, {k}] but got: [{got_batch}, {got_k}].")


def _check_matmul(a, b):
    """torch.matmul's argument checks (dtype, dims, sizes), messages as torch's."""
    da, db = a._data.ndim, b._data.ndim
    if da == 0 or db == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{da}D and {db}D")
    sa, sb = a._data.shape, b._data.shape
    if da == 1 and db == 1:
        _dtype_dot(a, b)
        _no_bool(a, "dot")
        if sa[0] != sb[0]:
            _dot_sizes(sa[0], sb[0])
        return
    if db == 1:
        _dtype_mv(a, b)
        _no_bool(a, "addmv_impl_cpu")
        if sa[-1] != sb[0]:
            _mv_sizes(math.prod(sa[:-1]), sa[-1], sb[0])
        return
    if db == 2:
        _dtype_m1m2(a, b)
        _no_bool(a)
        if sa[-1] != sb[0]:
            n = 1 if da == 1 else math.prod(sa[:-1])
            _mm_shapes(n, sa[-1], sb[0], sb[1])
        return
    _dtype_scalar(a, b)
    _no_bool(a, "baddbmm_cpu")
    if da == 1:
        batch = math.prod(sb[:-2])
        if sa[0] != sb[-2]:
            _bmm_sizes(batch, sa[0], batch, sb[-2])
        return
    try:
        batch = np.broadcast_shapes(sa[:-2], sb[:-2])
    except ValueError:
        _raise_broadcast(sa[:-2], sb[:-2])
    if sa[-1] != sb[-2]:
        _bmm_sizes(math.prod(batch), sa[-1], math.prod(batch), sb[-2])


def _raise_broadcast(sa, sb):
    """torch's message for batch dimensions that do not broadcast."""
    n = max(len(sa), len(sb))
    pa, pb = (1,) * (n - len(sa)) + tuple(sa), (1,) * (n - len(sb)) + tuple(sb)
    for i in range(n - 1, -1, -1):
        if pa[i] != pb[i] and pa[i] != 1 and pb[i] != 1:
            raise RuntimeError(f"The size of tensor a ({pa[i]}) must match the size of tensor b "
                               f"({pb[i]}) at non-singleton dimension {i}")


@export("matmul")
def matmul(input, other, *, out=None):
    """Matrix product with torch.matmul's 1-D, 2-D and broadcast batched rules."""
    check_tensor(input, "matmul")
    check_tensor(other, "matmul", "other", 2)
    _check_matmul(input, other)
    r = dispatch(_matmul, (input, other))
    return r if out is None else write_out(out, r)


@export("mm")
def mm(input, mat2, *, out=None):
    """Product of two matrices (torch.mm)."""
    check_tensor(input, "mm")
    check_tensor(mat2, "mm", "mat2", 2)
    if input._data.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2._data.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    _dtype_m1m2(input, mat2)
    _no_bool(input)
    (n, k), (k2, m) = input._data.shape, mat2._data.shape
    if k != k2:
        _mm_shapes(n, k, k2, m)
    r = dispatch(_matmul, (input, mat2))
    return r if out is None else write_out(out, r)


def _check_bmm(b1, b2):
    if b1._data.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b2._data.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    _dtype_scalar(b1, b2)
    _no_bool(b1, "bmm")
    s1, s2 = b1._data.shape, b2._data.shape
    if s1[0] != s2[0] or s1[2] != s2[1]:
        _bmm_sizes(s1[0], s1[2], s2[0], s2[1])


@export("bmm")
def bmm(input, mat2, *, out=None):
    """Batched product of (b, n, k) and (b, k, m) tensors (torch.bmm)."""
    check_tensor(input, "bmm")
    check_tensor(mat2, "bmm", "mat2", 2)
    _check_bmm(input, mat2)
    r = dispatch(_matmul, (input, mat2))
    return r if out is None else write_out(out, r)


def _check_mv(mat, vec):
    if mat._data.ndim != 2 or vec._data.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {mat._data.ndim}, "
                           f"{vec._data.ndim}")
    _dtype_mv(mat, vec)
    _no_bool(mat, "addmv_impl_cpu")
    if mat._data.shape[1] != vec._data.shape[0]:
        _mv_sizes(mat._data.shape[0], mat._data.shape[1], vec._data.shape[0])


@export("mv")
def mv(input, vec, *, out=None):
    """Matrix-vector product (torch.mv)."""
    check_tensor(input, "mv")
    check_tensor(vec, "mv", "vec", 2)
    _check_mv(input, vec)
    r = dispatch(_matmul, (input, vec))
    return r if out is None else write_out(out, r)


def _check_dot(a, b):
    if a._data.ndim != 1 or b._data.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a._data.ndim}D and {b._data.ndim}D "
                           f"tensors")
    _dtype_dot(a, b)
    _no_bool(a, "dot")
    if a._data.shape[0] != b._data.shape[0]:
        _dot_sizes(a._data.shape[0], b._data.shape[0])


@export("dot")
def dot(input, tensor, *, out=None):
    """Inner product of two 1-D tensors (torch.dot)."""
    check_tensor(input, "dot")
    check_tensor(tensor, "dot", "tensor", 2)
    _check_dot(input, tensor)
    r = dispatch(_matmul, (input, tensor))
    return r if out is None else write_out(out, r)


@export("vdot")
def vdot(input, other, *, out=None):
    """Dot product with the first argument conjugated (torch.vdot)."""
    check_tensor(input, "vdot")
    check_tensor(other, "vdot", "other", 2)
    _check_dot(input, other)
    r = dispatch(_matmul, (conj(input), other))
    return r if out is None else write_out(out, r)


@export("inner")
def inner(input, other, *, out=None):
    """Sum-product over the last dimension of both tensors (torch.inner)."""
    check_tensor(input, "inner")
    check_tensor(other, "inner", "other", 2)
    if input._data.ndim == 0 or other._data.ndim == 0:
        r = input * other
    else:
        if input._dtype is not other._dtype:
            raise RuntimeError("both inputs should have same dtype")
        ka, kb = input._data.shape[-1], other._data.shape[-1]
        if ka != kb:
            raise RuntimeError(f"inner() the last dimension must match on both input tensors "
                               f"but got shapes {list(input.shape)} and {list(other.shape)}")
        r = tensordot(input, other, ([-1], [-1]))
    return r if out is None else write_out(out, r)


@export("outer", "ger")
def outer(input, vec2, *, out=None):
    """Outer product of two 1-D tensors (torch.outer, torch.ger)."""
    check_tensor(input, "outer")
    check_tensor(vec2, "outer", "vec2", 2)
    for name, t in (("self", input), ("vec2", vec2)):
        if t._data.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {t._data.ndim}-D")
    r = input.reshape(input._data.shape[0], 1) * vec2
    return r if out is None else write_out(out, r)


# ------------------------------------------------------ add*mm composites
def _scaled_sum(input, prod, beta, alpha, out_shape):
    """beta * input + alpha * prod, with input broadcast to prod's shape; beta=0
    ignores input's values (nan and inf included) as torch does."""
    if prod._dtype.category < D.FLOAT:
        for name, v in (("beta", beta), ("alpha", alpha)):
            if isinstance(v, float) and not float(v).is_integer() or isinstance(v, complex):
                raise RuntimeError(f"For integral input tensors, argument {name} must not be a "
                                   f"floating point number.")
    try:
        np.broadcast_shapes(tuple(input._data.shape), out_shape)
        if len(input._data.shape) > len(out_shape) or \
                np.broadcast_shapes(tuple(input._data.shape), out_shape) != out_shape:
            raise ValueError
    except ValueError:
        raise RuntimeError(f"The expanded size of the tensor ({out_shape[-1]}) must match the "
                           f"existing size ({input._data.shape[-1]}) at non-singleton "
                           f"dimension {len(out_shape) - 1}.  Target sizes: {list(out_shape)}.  "
                           f"Tensor sizes: {list(input._data.shape)}") from None
    if alpha != 1:
        prod = prod * alpha
    if beta == 0:
        return prod
    return prod + (input if beta == 1 else input * beta)


def _check_self_dtype(input, mat, what="mat2"):
    if input._dtype is not mat._dtype:
        raise RuntimeError(f"self and {what} must have the same dtype, but got {tname(input)} "
                           f"and {tname(mat)}")


@export("addmm")
def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (mat1 @ mat2) (torch.addmm)."""
    check_tensor(input, "addmm")
    prod = mm(mat1, mat2)
    _check_self_dtype(input, mat2)
    r = _scaled_sum(input, prod, beta, alpha, tuple(prod._data.shape))
    return r if out is None else write_out(out, r)


@export("addmv")
def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * (mat @ vec) (torch.addmv)."""
    check_tensor(input, "addmv")
    prod = mv(mat, vec)
    if input._dtype is not mat._dtype:
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got "
                           f"{tname(input)}, {tname(mat)}, and {tname(vec)}")
    r = _scaled_sum(input, prod, beta, alpha, tuple(prod._data.shape))
    return r if out is None else write_out(out, r)


@export("addr")
def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * outer(vec1, vec2) (torch.addr)."""
    check_tensor(input, "addr")
    for name, t in (("vec1", vec1), ("vec2", vec2)):
        if t._data.ndim != 1:
            raise RuntimeError(f"addr: Expected 1-D argument {name}, but got {t._data.ndim}-D")
    prod = outer(vec1, vec2)
    r = _scaled_sum(input, prod, beta, alpha, tuple(prod._data.shape))
    return r if out is None else write_out(out, r)


@export("baddbmm")
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * bmm(batch1, batch2) (torch.baddbmm)."""
    check_tensor(input, "baddbmm")
    prod = bmm(batch1, batch2)
    _dtype_scalar(input, batch1)
    r = _scaled_sum(input, prod, beta, alpha, tuple(prod._data.shape))
    return r if out is None else write_out(out, r)


@export("addbmm")
def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """beta * input + alpha * sum_b batch1[b] @ batch2[b] (torch.addbmm)."""
    check_tensor(input, "addbmm")
    prod = bmm(batch1, batch2).sum(0)
    _dtype_scalar(input, batch1)
    r = _scaled_sum(input, prod, beta, alpha, tuple(prod._data.shape))
    return r if out is None else write_out(out, r)


def _inplace_of(fn, name):
    def method(self, *args, beta=1, alpha=1):
        # beta * self saves self for backward: use a copy, self is overwritten below
        r = fn(self.clone() if beta not in (0, 1) else self, *args, beta=beta, alpha=alpha)
        if tuple(r._data.shape) != tuple(self._data.shape):
            raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the "
                               f"broadcast shape {list(r.shape)}")
        return self.copy_(r)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"In-place {name[:-1]}."
    return method


for _fn in (addmm, addmv, addr, baddbmm, addbmm):
    export(_fn.__name__ + "_", function=False)(_inplace_of(_fn, _fn.__name__ + "_"))


# ------------------------------------------------------------------ einsum
_LETTERS = string.ascii_letters


@functools.lru_cache(maxsize=512)
def _parse_einsum(equation: str, shapes: tuple):
    """Explicit form of an einsum equation: one subscript string per operand
    and the output, with '...' replaced by letters (aligned from the right)."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) > len(shapes):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    if len(terms) < len(shapes):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    for i, ch in enumerate(eq):
        if ch not in _LETTERS and ch not in ".,->":
            raise RuntimeError(f"einsum(): invalid subscript given at index {i} in the equation "
                               f"string, subscripts must be in [a-zA-Z]")
    used = set(c for c in eq if c in _LETTERS)
    spare = [c for c in _LETTERS if c not in used]
    ell = 0
    for i, (t, shape) in enumerate(zip(terms, shapes)):
        n = len(t.replace("...", ""))
        if "..." in t:
            ell = max(ell, len(shape) - n)
            if len(shape) < n:
                raise RuntimeError(f"einsum(): the number of subscripts in the equation ({n}) is "
                                   f"more than the number of dimensions ({len(shape)}) for "
                                   f"operand {i}")
        elif n != len(shape):
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({n}) does "
                               f"not match the number of dimensions ({len(shape)}) for operand "
                               f"{i} and no ellipsis was given")
    ell_letters = "".join(spare[:ell])
    explicit = []
    for t, shape in zip(terms, shapes):
        if "..." in t:
            k = len(shape) - len(t.replace("...", ""))
            t = t.replace("...", ell_letters[ell - k:])
        explicit.append(t)
    if arrow:
        if "..." in rhs:
            rhs = rhs.replace("...", ell_letters)
        for c in rhs:
            if rhs.count(c) > 1:
                raise RuntimeError(f"einsum(): output subscript {c} appears more than once in "
                                   f"the output")
            if not any(c in t for t in explicit):
                raise RuntimeError(f"einsum(): output subscript {c} does not appear in the "
                                   f"equation for any input operand")
        out = rhs
    else:
        counts = {}
        for t in terms:
            for c in t.replace("...", ""):
                counts[c] = counts.get(c, 0) + 1
        out = ell_letters + "".join(sorted(c for c, n in counts.items() if n == 1))
    sizes = {}
    for i, (t, shape) in enumerate(zip(explicit, shapes)):
        for c, s in zip(t, shape):
            prev = sizes.get(c)
            if prev is None or prev == 1:
                sizes[c] = s
            elif s != prev and s != 1:
                raise RuntimeError(f"einsum(): subscript {c} has size {s} for operand {i} which "
                                   f"does not broadcast with previously seen size {prev}")
    return explicit, out


def _sublist_equation(args):
    """Convert einsum's sublist form (op, [0, 1], op, [1, 2], [0, 2]) to a string."""
    def letters(sub):
        s = ""
        for x in sub:
            if x is Ellipsis:
                s += "..."
            elif isinstance(x, int) and 0 <= x < 52:
                s += _LETTERS[x]
            else:
                raise RuntimeError(f"einsum(): expected subscript to be within the range "
                                   f"[0, 52), but got {x}")
        return s
    args = list(args)
    out = args.pop() if len(args) % 2 else None
    ops, terms = args[0::2], args[1::2]
    eq = ",".join(letters(t) for t in terms)
    if out is not None:
        eq += "->" + letters(out)
    return eq, ops


@defop("einsum", saves=INPUTS)
def _einsum(xp, *operands, equation):
    if _is_half(operands[0]):
        ops = [o.astype(np.float32) for o in operands]
        return xp.einsum(equation, *ops, optimize=len(ops) > 2).astype(operands[0].dtype)
    r = xp.asarray(xp.einsum(equation, *operands, optimize=len(operands) > 2))
    for o in operands:
        if xp.may_share_memory(r, o):   # einsum returns views for e.g. 'ij->ji'
            return r.copy()
    return r


@_einsum.defgrad
def _(ctx, g):
    ops = ctx.inputs
    lhs, out = ctx.params["equation"].split("->")
    terms = lhs.split(",")
    grads = []
    for i, t in enumerate(terms):
        if not ctx.needs_input_grad[i]:
            grads.append(None)
            continue
        # the gradient of operand i is one einsum of the output gradient with the
        # other operands; repeated subscripts (diagonals) get fresh letters tied by
        # identity matrices, subscripts found nowhere else are broadcast by ones
        others = [(terms[j], ops[j]) for j in range(len(terms)) if j != i]
        used = set(ctx.params["equation"])
        spare = iter(c for c in _LETTERS if c not in used)
        shape = ctx.input_shape(i)
        target, extra = "", []
        seen = {}
        for c, n in zip(t, shape):
            if c in seen:
                f = next(spare)
                extra.append((c + f, eye_like(n, g)))
                target += f
            else:
                seen[c] = n
                target += c
        avail = set(out).union(*(s for s, _ in others))
        for c, n in seen.items():
            if c not in avail:
                xp = g._device.backend.xp
                extra.append((c, const_like(xp.ones(n), g)))
        subs = [out] + [s for s, _ in others] + [s for s, _ in extra]
        tensors = [g] + [conj(o) for _, o in others] + [e for _, e in extra]
        eq = ",".join(subs) + "->" + target
        gi = dispatch(_einsum, tuple(tensors), {"equation": eq})
        if tuple(gi.shape) != tuple(shape):   # a size-1 subscript broadcast against n
            gi = gi.expand(tuple(shape)) if all(
                s == n or s == 1 for s, n in zip(gi.shape, shape)) else gi
        grads.append(gi)
    return tuple(grads)


@export("einsum", method=False)
def einsum(*args):
    """Einstein summation, string form einsum('ij,jk->ik', a, b) (with '...')
    or sublist form einsum(a, [0, 1], b, [1, 2], [0, 2]) (torch.einsum)."""
    if not args:
        raise TypeError("einsum(): must specify the equation string and at least one operand, "
                        "or at least one operand and its subscripts list")
    if isinstance(args[0], str):
        equation, ops = args[0], list(args[1:])
        if len(ops) == 1 and isinstance(ops[0], (list, tuple)):
            ops = list(ops[0])
    else:
        equation, ops = _sublist_equation(args)
    for i, o in enumerate(ops):
        check_tensor(o, "einsum", "operands", i + 1)
    if not ops:
        raise RuntimeError("einsum(): must provide at least one operand")
    for o in ops[1:]:
        _dtype_scalar(ops[0], o)
    terms, out = _parse_einsum(equation, tuple(o._data.shape for o in ops))
    return dispatch(_einsum, tuple(ops), {"equation": ",".join(terms) + "->" + out})


# ------------------------------------------------------- tensordot, kron
@export("tensordot", method=False)
def tensordot(a, b, dims=2, out=None):
    """Contract dims of a with dims of b: dims an int (last dims of a with
    first dims of b) or a pair of lists (torch.tensordot)."""
    check_tensor(a, "tensordot", "a")
    check_tensor(b, "tensordot", "b", 2)
    if a._dtype is not b._dtype:
        raise RuntimeError("both inputs should have same dtype")
    na, nb = a._data.ndim, b._data.ndim
    if hasattr(dims, "tolist"):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > min(na, nb):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        da, db = list(range(na - dims, na)), list(range(dims))
    else:
        da, db = dims
        da = [da] if isinstance(da, int) else list(da)
        db = [db] if isinstance(db, int) else list(db)
        if len(da) != len(db):
            raise RuntimeError(f"both dimension lists should have same length, but got "
                               f"{len(da)} and {len(db)}")
    from .._tensor import _wrap_dim
    da = [_wrap_dim(d, na) for d in da]
    db = [_wrap_dim(d, nb) for d in db]
    sa, sb = a._data.shape, b._data.shape
    for x, y in zip(da, db):
        if sa[x] != sb[y]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size "
                               f"{sa[x]} in dim {x} and second has size {sb[y]} in dim {y}")
    fa = [d for d in range(na) if d not in da]
    fb = [d for d in range(nb) if d not in db]
    k = math.prod(sa[d] for d in da)
    left = a.permute(fa + da).reshape(math.prod(sa[d] for d in fa), k)
    right = b.permute(db + fb).reshape(k, math.prod(sb[d] for d in fb))
    r = dispatch(_matmul, (left, right)).reshape(tuple(sa[d] for d in fa) +
                                                 tuple(sb[d] for d in fb))
    return r if out is None else write_out(out, r)


@export("kron")
def kron(input, other, *, out=None):
    """Kronecker product (torch.kron)."""
    check_tensor(input, "kron")
    check_tensor(other, "kron", "other", 2)
    n = max(input._data.ndim, other._data.ndim)
    sa = (1,) * (n - input._data.ndim) + tuple(input._data.shape)
    sb = (1,) * (n - other._data.ndim) + tuple(other._data.shape)
    ia = input.reshape(tuple(x for s in sa for x in (s, 1)))
    ib = other.reshape(tuple(x for s in sb for x in (1, s)))
    r = (ia * ib).reshape(tuple(x * y for x, y in zip(sa, sb)))
    return r if out is None else write_out(out, r)


# ------------------------------------------------------------------ cross
@defop("linalg_cross", dtypes=PROMOTE, saves=INPUTS)
def _cross(xp, a, b, dim):
    return xp.cross(a, b, axis=dim)


@_cross.defgrad
def _(ctx, g):
    a, b = ctx.inputs
    dim = ctx.params["dim"]
    need = ctx.needs_input_grad
    ga = dispatch(_cross, (conj(b), g), {"dim": dim}) if need[0] else None
    gb = dispatch(_cross, (g, conj(a)), {"dim": dim}) if need[1] else None
    return ga, gb


def linalg_cross(input, other, *, dim: int = -1, out=None):
    """Cross product of 3-vectors along dim, with broadcasting (torch.linalg.cross)."""
    check_tensor(input, "linalg_cross")
    check_tensor(other, "linalg_cross", "other", 2)
    if input._data.ndim != other._data.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    from .._tensor import _wrap_dim
    d = _wrap_dim(dim, input._data.ndim)
    if input._data.shape[d] != 3 or other._data.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{input._data.shape[d]} and {other._data.shape[d]}")
    try:
        np.broadcast_shapes(input._data.shape, other._data.shape)
    except ValueError:
        _raise_broadcast(input._data.shape, other._data.shape)
    r = dispatch(_cross, (input, other), {"dim": d})
    return r if out is None else write_out(out, r)


@export("cross")
def cross(input, other, dim: int | None = None, *, out=None):
    """Cross product along dim; dim=None takes the first dimension of size 3
    (deprecated in torch, with its warning) (torch.cross)."""
    if dim is None:
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease "
                      "either pass the dim explicitly or simply use torch.linalg.cross.\nThe "
                      "default value of dim will change to agree with that of linalg.cross in a "
                      "future release.", UserWarning, stacklevel=2)
        shape = np.broadcast_shapes(input._data.shape, other._data.shape)
        sizes = [i for i, s in enumerate(shape) if s == 3]
        if not sizes:
            raise RuntimeError("no dimension of size 3 in input")
        dim = sizes[0]
    return linalg_cross(input, other, dim=dim, out=out)


# ----------------------------------------------------------- vector norms
@cacheable(params=("dtype",))
def _norm_rule(args, params):
    x = args[0]
    d = x._dtype
    if d.category < D.FLOAT:
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {tname(x)}")
    want = params.get("dtype")
    if want is not None:
        if not D.can_cast(d, want) or want.itemsize < d.itemsize or \
                (d.is_complex and not want.is_complex):
            raise RuntimeError(f"linalg.vector_norm: the dtype of the input ({tname(x)}) should "
                               f"be convertible without narrowing to the specified dtype "
                               f"({_TYPE_NAMES[want.name]})")
        d = want
    return d, d.to_real()


@defop("linalg_vector_norm", dtypes=_norm_rule, saves=INPUTS | OUTPUT)
def _vector_norm(xp, x, ord, dim, keepdim, dtype=None):
    a = xp.abs(x)
    if _is_half(a):
        a = a.astype(np.float32)
    if ord == 2:
        return xp.sqrt(xp.sum(a * a, axis=dim, keepdims=keepdim))
    if ord == 1:
        return xp.sum(a, axis=dim, keepdims=keepdim)
    if ord == math.inf:
        return xp.max(a, axis=dim, keepdims=keepdim)
    if ord == -math.inf:
        return xp.min(a, axis=dim, keepdims=keepdim)
    if ord == 0:
        return xp.sum(a != 0, axis=dim, keepdims=keepdim).astype(a.dtype)
    return xp.power(xp.sum(xp.power(a, ord), axis=dim, keepdims=keepdim), 1.0 / ord)


@_vector_norm.defgrad
def _(ctx, g):
    x = ctx.inputs[0]
    p = ctx.params
    ord, dim, keepdim = p["ord"], p["dim"], p["keepdim"]
    norm = ctx.out
    if p.get("dtype") is not None and x._dtype is not p["dtype"]:
        x = x.to(p["dtype"])
    if not keepdim:
        kshape = tuple(1 if (dim is None or i in dim) else s for i, s in enumerate(x.shape))
        norm, g = norm.reshape(kshape), g.reshape(kshape)
    if ord == 0:
        return (x * 0 * g,)
    if ord == 2:
        denom = norm.masked_fill(norm == 0, 1)   # subgradient 0 at 0, as torch
        return (g * x / denom,)
    sgn = x.sgn() if is_complex(x) else x.sign()
    if ord == 1:
        return (g * sgn,)
    if ord in (math.inf, -math.inf):
        mask = (x.abs() == norm).to(g.dtype)
        count = mask.sum(dim, keepdim=True) if dim is not None else mask.sum()
        return (g * sgn * mask / count,)
    denom = norm.masked_fill(norm == 0, 1) ** (ord - 1)
    return (g * sgn * x.abs() ** (ord - 1) / denom,)


def _norm_dims(dim, ndim):
    from .reduction import normalize_dims
    return normalize_dims(dim, ndim)


def vector_norm(x, ord=2, dim=None, keepdim: bool = False, *, dtype=None, out=None):
    """The ord-norm of x over dim (all elements when None) (torch.linalg.vector_norm)."""
    check_tensor(x, "linalg_vector_norm", "x")
    if isinstance(ord, str) or isinstance(ord, bool):
        raise TypeError(f"linalg_vector_norm(): argument 'ord' must be Number, not "
                        f"{type(ord).__name__}")
    ord = float(ord)
    dims = _norm_dims(dim, x._data.ndim)
    if x._data.ndim == 0:
        dims = None
    if ord < 0 or ord == math.inf:
        shape = x._data.shape
        empty = x._data.size == 0 if dims is None else any(shape[d] == 0 for d in dims)
        if empty:
            raise RuntimeError(f"linalg.vector_norm cannot compute the {_ord_str(ord)} norm on "
                               f"an empty tensor because the operation does not have an "
                               f"identity")
    r = dispatch(_vector_norm, (x,), {"ord": ord, "dim": dims, "keepdim": keepdim,
                                      "dtype": dtype})
    return r if out is None else write_out(out, r)


def _ord_str(ord):
    if ord == math.inf:
        return "inf"
    if ord == -math.inf:
        return "-inf"
    return repr(ord)


# ------------------------------------------------------------------ cdist
@export("cdist", method=False)
def cdist(x1, x2, p: float = 2.0, compute_mode: str = "use_mm_for_euclid_dist_if_necessary"):
    """p-norm distance between each row of x1 and each row of x2 (torch.cdist)."""
    check_tensor(x1, "cdist", "x1")
    check_tensor(x2, "cdist", "x2", 2)
    if x1._data.ndim < 2 or x2._data.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: "
                           f"{x1._data.ndim}D" if x1._data.ndim < 2 else
                           f"cdist only supports at least 2D tensors, X2 got: {x2._data.ndim}D")
    if x1._data.shape[-1] != x2._data.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: "
                           f"{x1._data.shape[-1]} X2: {x2._data.shape[-1]}")
    if x1._dtype.category != D.FLOAT:
        raise RuntimeError(f"cdist only supports floating-point dtypes, X1 got: {tname(x1)}")
    if x2._dtype.category != D.FLOAT:
        raise RuntimeError(f"cdist only supports floating-point dtypes, X2 got: {tname(x2)}")
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values, got {p}")
    _dtype_scalar(x1, x2)
    s1, s2 = tuple(x1._data.shape), tuple(x2._data.shape)
    a = x1.reshape(s1[:-1] + (1, s1[-1]))
    b = x2.reshape(s2[:-2] + (1,) + s2[-2:])
    return vector_norm(a - b, p, dim=-1)


# the decompositions and solvers register their ops and names on import

from . import linalg_decomp, linalg_funcs  # noqa: E402,F401
