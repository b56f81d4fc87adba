"""repr(tensor) in torch's format (being completed)."""
from __future__ import annotations


def tensor_repr(t) -> str:
    return f"tensor({t._data.tolist()})"
