"""Instance normalization layers (torch.nn.modules.instancenorm): InstanceNorm1d/2d/3d
and their lazy forms; inputs with or without a batch dim."""
from __future__ import annotations

import warnings

from ..functional.normalization import instance_norm
from .batchnorm import _LazyNormBase, _NormBase

__all__ = ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "LazyInstanceNorm1d",
           "LazyInstanceNorm2d", "LazyInstanceNorm3d"]


class _InstanceNorm(_NormBase):
    _spatial = 1

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1, affine: bool = False,
                 track_running_stats: bool = False, device=None, dtype=None, *, bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype,
                         bias=bias)

    def _get_no_batch_dim(self) -> int:
        return self._spatial + 1

    def _check_input_dim(self, input):
        d = self._spatial
        if input.dim() not in (d + 1, d + 2):
            raise self._shape_error(input, f"{d + 1}D or {d + 2}D")

    def _apply_instance_norm(self, input):
        return instance_norm(input, self.running_mean, self.running_var, self.weight, self.bias,
                             self.training or not self.track_running_stats,
                             self.momentum if self.momentum is not None else 0.0, self.eps)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs) -> None:
        version = local_metadata.get("version", None)
        if version is None and not self.track_running_stats:
            keys = [prefix + n for n in ("running_mean", "running_var") if prefix + n in state_dict]
            if keys:
                name = self.__class__.__name__
                error_msgs.append(
                    "Unexpected running stats buffer(s) {} for {} with track_running_stats=False. "
                    "Please remove these keys from state_dict, or set track_running_stats=True in {} "
                    "to use them.".format(" and ".join(f'"{k}"' for k in keys), name, name))
                for k in keys:
                    state_dict.pop(k)
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys,
                                      unexpected_keys, error_msgs)

    def forward(self, input):
        self._check_input_dim(input)
        feature_dim = input.dim() - self._get_no_batch_dim()
        if input.size(feature_dim) != self.num_features:
            if self.affine:
                raise self._input_error(
                    ValueError, f"got input of shape {tuple(input.shape)}: expected input's size at "
                    f"dim={feature_dim} to match num_features ({self.num_features}), but got: "
                    f"{input.size(feature_dim)}.")
            warnings.warn(f"input's size at dim={feature_dim} does not match num_features. You can "
                          "silence this warning by not passing in num_features, which is not used "
                          "because affine=False", stacklevel=2)
        if input.dim() == self._get_no_batch_dim():
            return self._apply_instance_norm(input.unsqueeze(0)).squeeze(0)
        return self._apply_instance_norm(input)


class InstanceNorm1d(_InstanceNorm):
    """Normalize each channel of each (C, L) sample over L (nn.InstanceNorm1d)."""

    _spatial = 1


class InstanceNorm2d(_InstanceNorm):
    """Normalize each channel of each (C, H, W) sample over H, W (nn.InstanceNorm2d)."""

    _spatial = 2


class InstanceNorm3d(_InstanceNorm):
    """Normalize each channel of each (C, D, H, W) sample over D, H, W (nn.InstanceNorm3d)."""

    _spatial = 3


class _LazyInstanceNorm(_LazyNormBase, _InstanceNorm):
    def __init__(self, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, device=None,
                 dtype=None, *, bias=True) -> None:
        super().__init__(eps, momentum, affine, track_running_stats, device, dtype, bias=bias)

    def initialize_parameters(self, input) -> None:
        if self.has_uninitialized_params():
            batched = input.dim() != self._get_no_batch_dim()
            self.num_features = input.shape[1 if batched else 0]
            super().initialize_parameters(input.unsqueeze(0) if not batched else input)


class LazyInstanceNorm1d(_LazyInstanceNorm):
    """InstanceNorm1d with num_features inferred from the first input (nn.LazyInstanceNorm1d)."""

    _spatial = 1
    cls_to_become = InstanceNorm1d


class LazyInstanceNorm2d(_LazyInstanceNorm):
    """InstanceNorm2d with num_features inferred from the first input (nn.LazyInstanceNorm2d)."""

    _spatial = 2
    cls_to_become = InstanceNorm2d


class LazyInstanceNorm3d(_LazyInstanceNorm):
    """InstanceNorm3d with num_features inferred from the first input (nn.LazyInstanceNorm3d)."""

    _spatial = 3
    cls_to_become = InstanceNorm3d
