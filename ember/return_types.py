"""ember.return_types: the named tuples that ops such as max(dim), sort and
topk return (torch.return_types)."""
from .ops.reduction import RETURN_TYPES as _RETURN_TYPES

globals().update(_RETURN_TYPES)
__all__ = sorted(_RETURN_TYPES)
