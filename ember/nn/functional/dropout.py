"""Dropout functions of torch.nn.functional. Element dropout is a fused
primitive (ember/ops/nn_norm.py) whose backward reuses the forward's mask;
channel and alpha dropout build their mask with ember's default generator,
so ``ember.manual_seed`` makes them reproducible."""
from __future__ import annotations

import warnings

from ...ops import nn_norm as _K

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"]


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def dropout(input, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero each element with probability p and scale the rest by 1/(1-p) (F.dropout)."""
    _check_p(p)
    return _K.dropout_(input, p, training) if inplace else _K.dropout(input, p, training)


def alpha_dropout(input, p: float = 0.5, training: bool = False, inplace: bool = False):
    """Dropout that keeps a SELU network's zero mean and unit variance (F.alpha_dropout)."""
    _check_p(p)
    return _K.alpha_dropout_(input, p, training) if inplace else _K.alpha_dropout(input, p, training)


def feature_alpha_dropout(input, p: float = 0.5, training: bool = False, inplace: bool = False):
    """Alpha dropout of whole channels (F.feature_alpha_dropout)."""
    _check_p(p)
    return (_K.feature_alpha_dropout_(input, p, training) if inplace
            else _K.feature_alpha_dropout(input, p, training))


def _feature(input, p, training, inplace):
    return _K.feature_dropout_(input, p, training) if inplace else _K.feature_dropout(input, p, training)


def _unbatched(input, p, training, inplace):
    """Channel dropout of an input without a batch dim."""
    x = input.unsqueeze_(0) if inplace else input.unsqueeze(0)
    r = _feature(x, p, training, inplace)
    return r.squeeze_(0) if inplace else r.squeeze(0)


def dropout1d(input, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero whole channels of a (N, C, L) or (C, L) input with probability p (F.dropout1d)."""
    _check_p(p)
    d = input.dim()
    if d not in (2, 3):
        raise RuntimeError(
            f"dropout1d: Expected 2D or 3D input, but received a {d}D input. Note that dropout1d exists "
            "to provide channel-wise dropout on inputs with 1 spatial dimension, a channel dimension, "
            "and an optional batch dimension (i.e. 2D or 3D inputs).")
    if d == 2:
        return _unbatched(input, p, training, inplace)
    return _feature(input, p, training, inplace)


def _warn_dims(name, d, spatial):
    warnings.warn(
        f"{name}: Received a {d}-D input to {name}, which is deprecated and will result in an error "
        f"in a future release. To retain the behavior and silence this warning, please use dropout "
        f"instead. Note that {name} exists to provide channel-wise dropout on inputs with {spatial} "
        f"spatial dimensions, a channel dimension, and an optional batch dimension (i.e. "
        f"{spatial + 1}D or {spatial + 2}D inputs).", stacklevel=3)


def dropout2d(input, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero whole channels of a (N, C, H, W) input with probability p (F.dropout2d); like torch,
    a 3-D input is taken as (N, C, L)."""
    _check_p(p)
    d = input.dim()
    if d not in (3, 4):
        _warn_dims("dropout2d", d, 2)
    if d == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
            "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. "
            "This behavior will change in a future release to interpret the input as one without a batch "
            "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please "
            "switch to using dropout1d instead.", stacklevel=2)
    return _feature(input, p, training, inplace)


def dropout3d(input, p: float = 0.5, training: bool = True, inplace: bool = False):
    """Zero whole channels of a (N, C, D, H, W) or (C, D, H, W) input with probability p
    (F.dropout3d)."""
    _check_p(p)
    d = input.dim()
    if d not in (4, 5):
        _warn_dims("dropout3d", d, 3)
    if d != 5:
        return _unbatched(input, p, training, inplace)
    return _feature(input, p, training, inplace)
