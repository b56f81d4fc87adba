"""ember.utils: utilities around the core (torch.utils)."""
from . import data  # noqa: F401

__all__ = ["data"]
