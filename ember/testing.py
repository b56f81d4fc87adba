"""ember.testing: assert_close and make_tensor (torch.testing)."""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from . import _dtype as D

# default (rtol, atol) by dtype, as torch.testing uses
_TOLERANCES = {
    D.float16: (1e-3, 1e-5), D.bfloat16: (1.6e-2, 1e-5), D.float32: (1.3e-6, 1e-5),
    D.float64: (1e-7, 1e-7), D.complex64: (1.3e-6, 1e-5), D.complex128: (1e-7, 1e-7),
}


def _is_tensor(x) -> bool:
    from ._tensor import Tensor
    return isinstance(x, Tensor)


def assert_close(actual, expected, *, allow_subclasses: bool = True, rtol=None, atol=None,
                 equal_nan: bool = False, check_device: bool = True, check_dtype: bool = True,
                 check_layout: bool = True, check_stride: bool = False, msg=None) -> None:
    """Raise AssertionError unless actual and expected are close: tensors (same
    shape, dtype, device), numbers, and sequences/mappings of them."""
    if (rtol is None) != (atol is None):
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got "
                         f"no {'rtol' if rtol is None else 'atol'}.")
    _compare(actual, expected, rtol, atol, equal_nan, check_device, check_dtype, check_stride,
             msg, path="")


def _compare(actual, expected, rtol, atol, equal_nan, check_device, check_dtype, check_stride,
             msg, path):
    if _is_tensor(actual) or _is_tensor(expected):
        _compare_tensors(actual, expected, rtol, atol, equal_nan, check_device, check_dtype,
                         check_stride, msg, path)
    elif isinstance(expected, Mapping) and isinstance(actual, Mapping):
        if set(actual) != set(expected):
            raise AssertionError(f"The keys of the mappings do not match:\n"
                                 f"{sorted(map(str, actual))} != {sorted(map(str, expected))}")
        for k in expected:
            _compare(actual[k], expected[k], rtol, atol, equal_nan, check_device, check_dtype,
                     check_stride, msg, f"{path}[{k!r}]")
    elif isinstance(expected, Sequence) and not isinstance(expected, str) and \
            isinstance(actual, Sequence) and not isinstance(actual, str):
        if len(actual) != len(expected):
            raise AssertionError(f"The length of the sequences mismatch: "
                                 f"{len(actual)} != {len(expected)}")
        for i, (a, e) in enumerate(zip(actual, expected)):
            _compare(a, e, rtol, atol, equal_nan, check_device, check_dtype, check_stride,
                     msg, f"{path}[{i}]")
    elif isinstance(expected, (int, float, complex, bool)) and \
            isinstance(actual, (int, float, complex, bool)):
        _compare_scalars(actual, expected, rtol, atol, equal_nan, msg, path)
    else:
        if actual != expected:
            raise AssertionError(msg or f"{actual!r} != {expected!r}{_where(path)}")


def _where(path):
    return f"\n\nThe failure occurred for item {path}" if path else ""


def _compare_scalars(actual, expected, rtol, atol, equal_nan, msg, path):
    if rtol is None:
        rtol, atol = (0.0, 0.0) if isinstance(expected, (bool, int)) and \
            isinstance(actual, (bool, int)) else (1e-7, 1e-7)
    if isinstance(actual, float) and isinstance(expected, float) and \
            math.isnan(actual) and math.isnan(expected) and equal_nan:
        return
    diff = abs(actual - expected)
    if actual == expected or diff <= atol + rtol * abs(expected):
        return
    rel = diff / abs(expected) if expected != 0 else math.inf
    close = "close" if rtol or atol else "equal"
    raise AssertionError(msg or (
        f"Scalars are not {close}!\n\nExpected {expected} but got {actual}.\n"
        f"Absolute difference: {diff} (up to {atol} allowed)\n"
        f"Relative difference: {rel} (up to {rtol} allowed)" + _where(path)))


def _compare_tensors(actual, expected, rtol, atol, equal_nan, check_device, check_dtype,
                     check_stride, msg, path):
    from .ops.creation import as_tensor
    actual = actual if _is_tensor(actual) else as_tensor(actual)
    expected = expected if _is_tensor(expected) else as_tensor(expected)
    for attr, ok in (("shape", True), ("device", check_device), ("dtype", check_dtype)):
        a, e = getattr(actual, attr), getattr(expected, attr)
        if ok and a != e:
            raise AssertionError(msg or f"The values for attribute '{attr}' do not match: "
                                 f"{a} != {e}." + _where(path))
    if check_stride and actual.stride() != expected.stride():
        raise AssertionError(msg or f"The values for attribute 'stride()' do not match: "
                             f"{actual.stride()} != {expected.stride()}." + _where(path))
    dt = D.promote_types(actual.dtype, expected.dtype)
    if rtol is None:
        ra, aa = _TOLERANCES.get(actual.dtype, (0.0, 0.0))
        re_, ae = _TOLERANCES.get(expected.dtype, (0.0, 0.0))
        rtol, atol = max(ra, re_), max(aa, ae)
    # differences are computed in the promoted dtype, as torch does
    a = actual.detach().cpu().to(dt).numpy()
    e = expected.detach().cpu().to(dt).numpy()
    with np.errstate(invalid="ignore", over="ignore"):
        if dt.category <= D.INT:
            a, e = a.astype(np.int64), e.astype(np.int64)
        diff = np.abs(a - e)
        ok = (a == e) | (diff <= atol + rtol * np.abs(e))
    if equal_nan and dt.category >= D.FLOAT:
        ok |= np.isnan(a) & np.isnan(e)
    if ok.all():
        return
    bad = ~ok
    real = np.float32 if dt.category <= D.INT else dt.to_real().np
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(bad, diff.astype(real) / np.abs(e).astype(real), 0)
    abs_diff = np.where(bad, diff, 0)

    def worst(x):  # a NaN difference counts as the greatest, like torch's max
        key = np.where(np.isnan(x), np.inf, x) if x.dtype.kind == "f" else x
        return np.unravel_index(np.argmax(key), a.shape) if a.ndim else ()
    i_abs, i_rel = worst(abs_diff), worst(rel)
    close = "close" if rtol or atol else "equal"
    n_bad, n = int(bad.sum()), a.size

    def num(x):
        x = x.real if np.iscomplexobj(x) else x
        return int(x) if dt.category <= D.INT else float(x)

    allowed_a = f" (up to {atol} allowed)" if close == "close" else ""
    allowed_r = f" (up to {rtol} allowed)" if close == "close" else ""
    raise AssertionError(msg or (
        f"Tensor-likes are not {close}!\n\nMismatched elements: {n_bad} / {n} "
        f"({100 * n_bad / n:.1f}%)\n"
        f"Greatest absolute difference: {num(abs_diff[i_abs])} at index "
        f"{tuple(int(i) for i in i_abs)}{allowed_a}\n"
        f"Greatest relative difference: {float(rel[i_rel])} at index "
        f"{tuple(int(i) for i in i_rel)}{allowed_r}" + _where(path)))


def make_tensor(*shape, dtype, device=None, low=None, high=None, requires_grad: bool = False,
                noncontiguous: bool = False, exclude_zero: bool = False):
    """A tensor of the given shape filled with values drawn uniformly from [low, high)."""
    from . import ops  # noqa: F401
    from .ops.creation import tensor
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    rng = np.random.default_rng()
    if dtype is D.bool_:
        arr = rng.random(shape) > 0.5
    elif dtype.category == D.INT:
        lo = -9 if low is None else int(math.ceil(low))
        hi = 10 if high is None else int(math.ceil(high))
        if dtype is D.uint8:
            lo = max(lo, 0)
        arr = rng.integers(lo, hi, size=shape)
    else:
        lo, hi = (-9.0 if low is None else low), (9.0 if high is None else high)
        arr = rng.uniform(lo, hi, size=shape)
        if dtype.is_complex:
            arr = arr + 1j * rng.uniform(lo, hi, size=shape)
    if exclude_zero:
        arr = np.where(arr == 0, 1, arr)
    t = tensor(arr, dtype=dtype, device=device)
    if noncontiguous and t.numel() > 1:
        t = t.repeat_interleave(2, dim=-1)[..., ::2]
    return t.requires_grad_(requires_grad) if requires_grad else t
