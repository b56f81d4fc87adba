"""dtypes and PyTorch's type-promotion rules.

An ember dtype wraps a NumPy dtype. Promotion follows torch, not NumPy: a
0-dim tensor or a Python number does not upcast a dimensioned tensor of the
same category (bool < integer < floating < complex), int8 with uint8 gives
int16, float16 with bfloat16 gives float32, and integer with float keeps the
float type as it is (int64 + float16 is float16).
"""
from __future__ import annotations

import math

import numpy as np

# category ranks used by promotion
BOOL, INT, FLOAT, COMPLEX = 0, 1, 2, 3


class dtype:
    """A tensor element type (``ember.float32`` and friends)."""

    __slots__ = ("name", "np", "category", "itemsize", "is_signed", "_rank", "_torch_name")

    def __init__(self, name: str, np_dtype, category: int, rank: int, is_signed: bool):
        self.name = name
        self.np = np_dtype
        self.category = category
        self.itemsize = np_dtype.itemsize if np_dtype is not None else 2
        self.is_signed = is_signed
        self._rank = rank

    @property
    def is_floating_point(self) -> bool:
        return self.category == FLOAT

    @property
    def is_complex(self) -> bool:
        return self.category == COMPLEX

    def to_real(self) -> "dtype":
        return {complex64: float32, complex128: float64}.get(self, self)

    def to_complex(self) -> "dtype":
        return {float16: complex64, bfloat16: complex64, float32: complex64,
                float64: complex128}.get(self, self)

    def __repr__(self) -> str:
        return "ember." + self.name

    def __reduce__(self):
        return (_dtype_by_name, (self.name,))


def _dtype_by_name(name: str) -> dtype:
    return _BY_NAME[name]


_slot_np = dtype.np  # the slot descriptor, reached past _MLDtypesDtype's property


class _MLDtypesDtype(dtype):
    """A dtype whose NumPy type lives in ml_dtypes (the 'bf16' extra).

    ml_dtypes is imported on first use of the NumPy type, not at `import ember`.
    """

    __slots__ = ()

    @property
    def np(self):
        value = _slot_np.__get__(self)
        if value is None:
            try:
                import ml_dtypes
            except ImportError:
                raise ImportError(f"ember.{self.name} needs the ml_dtypes package: "
                                  "pip install 'ember[bf16]'") from None
            value = np.dtype(getattr(ml_dtypes, self.name))
            _slot_np.__set__(self, value)
            _FROM_NP[value] = self
        return value

    @np.setter
    def np(self, value) -> None:
        _slot_np.__set__(self, value)


bool_ = dtype("bool", np.dtype(np.bool_), BOOL, 0, False)
uint8 = dtype("uint8", np.dtype(np.uint8), INT, 1, False)
int8 = dtype("int8", np.dtype(np.int8), INT, 1, True)
int16 = dtype("int16", np.dtype(np.int16), INT, 2, True)
int32 = dtype("int32", np.dtype(np.int32), INT, 3, True)
int64 = dtype("int64", np.dtype(np.int64), INT, 4, True)
float16 = dtype("float16", np.dtype(np.float16), FLOAT, 1, True)
bfloat16 = _MLDtypesDtype("bfloat16", None, FLOAT, 1, True)
float32 = dtype("float32", np.dtype(np.float32), FLOAT, 2, True)
float64 = dtype("float64", np.dtype(np.float64), FLOAT, 3, True)
complex64 = dtype("complex64", np.dtype(np.complex64), COMPLEX, 2, True)
complex128 = dtype("complex128", np.dtype(np.complex128), COMPLEX, 3, True)

ALL_DTYPES = (bool_, uint8, int8, int16, int32, int64, float16, bfloat16,
              float32, float64, complex64, complex128)
_BY_NAME = {d.name: d for d in ALL_DTYPES}
# torch's aliases: ember.float, ember.long, ember.half, ...
ALIASES = {
    "bool": bool_, "float": float32, "double": float64, "half": float16,
    "long": int64, "int": int32, "short": int16, "cfloat": complex64,
    "cdouble": complex128, "chalf": complex64,
}

_FROM_NP: dict = {d.np: d for d in ALL_DTYPES if d is not bfloat16}


def from_numpy_dtype(np_dtype) -> dtype:
    """The ember dtype of a NumPy dtype; TypeError for types torch lacks."""
    try:
        return _FROM_NP[np_dtype]
    except KeyError:
        pass
    try:
        key = np.dtype(np_dtype)
        if key.name == "bfloat16":
            bfloat16.np  # noqa: B018 - resolving it registers ml_dtypes' bfloat16
        return _FROM_NP[key]
    except (KeyError, TypeError):
        raise TypeError(
            f"can't convert np.ndarray of type {np.dtype(np_dtype)}. The only supported types are: "
            "float64, float32, float16, complex64, complex128, int64, int32, int16, int8, uint8, "
            "and bool.") from None


# ---------------------------------------------------------------- defaults
_default_float = [float32]


def get_default_dtype() -> dtype:
    """The dtype of new floating tensors (float32 unless changed)."""
    return _default_float[0]


def set_default_dtype(d: dtype) -> None:
    """Set the dtype of new floating tensors; torch allows only floating types."""
    if not isinstance(d, dtype) or d.category != FLOAT:
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default_float[0] = d
    from .ops.registry import clear_dtype_caches
    clear_dtype_caches()


def default_complex() -> dtype:
    return complex128 if _default_float[0] is float64 else complex64


# --------------------------------------------------------------- promotion
def _promote_pair(a: dtype, b: dtype) -> dtype:
    if a is b:
        return a
    if a.category != b.category:
        hi, lo = (a, b) if a.category > b.category else (b, a)
        if hi.category == COMPLEX and lo is float64:
            return complex128
        return hi
    if a.category == INT and a.is_signed != b.is_signed:
        # uint8 with a signed int: the signed type that holds both
        signed = a if a.is_signed else b
        return int16 if signed is int8 else signed
    if {a, b} == {float16, bfloat16}:
        return float32
    return a if a._rank >= b._rank else b


_PROMOTE = {(a, b): _promote_pair(a, b) for a in ALL_DTYPES for b in ALL_DTYPES}


def promote_types(type1: dtype, type2: dtype) -> dtype:
    """The smallest dtype both arguments can be cast to (torch.promote_types)."""
    return _PROMOTE[type1, type2]


def scalar_dtype(value) -> dtype:
    """The dtype a Python number takes as a 'wrapped number' in promotion."""
    if isinstance(value, bool):
        return bool_
    if isinstance(value, int):
        return int64
    if isinstance(value, float):
        return _default_float[0]
    if isinstance(value, complex):
        return default_complex()
    if isinstance(value, np.generic):
        return from_numpy_dtype(value.dtype)
    raise TypeError(f"expected a number, got {type(value).__name__}")


def _combine(higher: dtype | None, lower: dtype | None) -> dtype | None:
    """Merge the results of a higher-priority group with a lower one."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher.category >= lower.category:
        if higher.category == lower.category and higher.category == BOOL:
            return higher
        return higher
    # lower group has a higher category: it decides the category
    if lower.category == COMPLEX and higher.category == FLOAT:
        return higher.to_complex()
    return lower


def result_type_of(tensors_dim, tensors_zero, scalars) -> dtype:
    """Promotion over three priority groups: dimensioned tensors, 0-dim
    tensors, Python numbers (each given as an iterable of dtypes)."""
    groups = []
    for group in (tensors_dim, tensors_zero, scalars):
        r = None
        for d in group:
            r = d if r is None else _PROMOTE[r, d]
        groups.append(r)
    dim, zero, wrapped = groups
    return _combine(dim, _combine(zero, wrapped))


def can_cast(from_: dtype, to: dtype) -> bool:
    """Whether torch's type promotion allows casting from_ to to (same-kind)."""
    return from_.category <= to.category


# finfo / iinfo ------------------------------------------------------------
class finfo:
    """Machine limits of a floating dtype (torch.finfo)."""

    def __init__(self, type: dtype | None = None):  # noqa: A002 - torch's name
        type = type or get_default_dtype()
        if type.category not in (FLOAT, COMPLEX):
            raise TypeError(f"torch.finfo() requires a floating point input type, got {type}")
        if type is bfloat16:
            import ml_dtypes  # present: type.np resolved it
            info = ml_dtypes.finfo(type.np)
        else:
            info = np.finfo(type.to_real().np)
        self.bits = info.bits
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = float(info.tiny)
        self.smallest_normal = self.tiny
        # torch: 10 ** -(decimal digits of precision), as an exact Python float
        self.resolution = 10.0 ** -int(math.floor(-math.log10(self.eps)))
        self.dtype = type.to_real().name

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution}, min={self.min}, max={self.max}, "
                f"eps={self.eps}, smallest_normal={self.tiny}, tiny={self.tiny}, dtype={self.dtype})")


class iinfo:
    """Machine limits of an integer dtype (torch.iinfo)."""

    def __init__(self, type: dtype):  # noqa: A002
        if type.category not in (INT, BOOL):
            raise TypeError(f"torch.iinfo() requires an integer input type, got {type}")
        info = np.iinfo(type.np) if type is not bool_ else np.iinfo(np.uint8)
        self.bits = info.bits
        self.max = int(info.max) if type is not bool_ else 1
        self.min = int(info.min)
        self.dtype = type.name

    def __repr__(self) -> str:
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"
