"""``ember.utils.safetensors``: the safetensors reader/writer (see ember.serialization.safetensors)."""
from ..serialization.safetensors import (  # noqa: F401
    SafetensorError, load, load_file, safe_open, save, save_file)

__all__ = ["SafetensorError", "save", "save_file", "load", "load_file", "safe_open"]
