"""nn.MultiheadAttention (torch keeps it in torch/nn/modules/activation.py)."""
from __future__ import annotations

from ... import empty, is_grad_enabled
from ..functional import attention as FA
from ..init import constant_, xavier_normal_, xavier_uniform_
from ..parameter import Parameter
from .linear import Linear
from .module import Module

__all__ = ["MultiheadAttention"]

try:
    from .linear import NonDynamicallyQuantizableLinear
except ImportError:  # the linear family does not define it: the same Linear under torch's name
    class NonDynamicallyQuantizableLinear(Linear):
        """A Linear under the name torch gives MultiheadAttention.out_proj."""


class MultiheadAttention(Module):
    """Multi-head attention over (L, N, E) / (N, L, E) inputs with packed or separate
    q/k/v projections (torch.nn.MultiheadAttention). Returns (attn_output, attn_weights)."""

    __constants__ = ["batch_first"]

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
                 add_zero_attn=False, kdim=None, vdim=None, batch_first=False, device=None,
                 dtype=None) -> None:
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got embed_dim="
                             f"{embed_dim} and num_heads={num_heads} instead")
        factory = {"device": device, "dtype": dtype}
        super().__init__()
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != self.embed_dim:
            raise AssertionError("embed_dim must be divisible by num_heads")
        if not self._qkv_same_embed_dim:
            self.q_proj_weight = Parameter(empty((embed_dim, embed_dim), **factory))
            self.k_proj_weight = Parameter(empty((embed_dim, self.kdim), **factory))
            self.v_proj_weight = Parameter(empty((embed_dim, self.vdim), **factory))
            self.register_parameter("in_proj_weight", None)
        else:
            self.in_proj_weight = Parameter(empty((3 * embed_dim, embed_dim), **factory))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(empty(3 * embed_dim, **factory))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, **factory)
        if add_bias_kv:
            self.bias_k = Parameter(empty((1, 1, embed_dim), **factory))
            self.bias_v = Parameter(empty((1, 1, embed_dim), **factory))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        if self._qkv_same_embed_dim:
            xavier_uniform_(self.in_proj_weight)
        else:
            xavier_uniform_(self.q_proj_weight)
            xavier_uniform_(self.k_proj_weight)
            xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            constant_(self.in_proj_bias, 0.0)
            constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            xavier_normal_(self.bias_v)

    def __setstate__(self, state):
        state.setdefault("_qkv_same_embed_dim", True)
        super().__setstate__(state)

    def _check_inputs(self, query, key, value):
        qd = query.dim()
        if qd not in (2, 3):
            raise self._input_error(AssertionError, f"got query of shape {tuple(query.shape)}: "
                                    "expected 2-D (L, E) unbatched or 3-D batched input")
        for name, t, size in (("query", query, self.embed_dim), ("key", key, self.kdim),
                              ("value", value, self.vdim)):
            if t.dim() != qd:
                raise self._input_error(AssertionError, f"got {name} of shape {tuple(t.shape)}: "
                                        f"expected {qd}-D like query of shape {tuple(query.shape)}")
            if t.shape[-1] != size:
                dim = {"query": "embed_dim", "key": "kdim", "value": "vdim"}[name]
                raise self._input_error(AssertionError, f"got {name} of shape {tuple(t.shape)}: last "
                                        f"dimension must be {dim}={size}")

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True, is_causal=False):
        """Attend from query to key/value; returns (attn_output, attn_weights or None)."""
        self._check_inputs(query, key, value)
        float_masks = any(m is not None and m.dtype.is_floating_point
                          for m in (attn_mask, key_padding_mask))
        # where torch takes its native kernel, a fully masked row is NaN even without
        # weights, and the is_causal hint is ignored
        fast = not float_masks and self._native_fast_path(query, key, value)
        plain = fast and (attn_mask is not None or key_padding_mask is not None)
        is_causal = is_causal and not fast
        key_padding_mask = FA._canonical_mask(key_padding_mask, "key_padding_mask",
                                              FA._none_or_dtype(attn_mask), "attn_mask", query.dtype)
        attn_mask = FA._canonical_mask(attn_mask, "attn_mask", None, "", query.dtype,
                                       check_other=False)
        return self._attend(query, key, value, key_padding_mask, need_weights, attn_mask,
                            average_attn_weights, is_causal, plain)

    def _native_fast_path(self, query, key, value) -> bool:
        """Whether torch would run this call through its native (inference) kernel."""
        if self.training or query.dim() != 3 or not (query is key and key is value):
            return False
        if self.in_proj_weight is None or self.in_proj_bias is None or self.num_heads % 2:
            return False
        if not self.batch_first or self.bias_k is not None or self.add_zero_attn:
            return False
        if query.dtype != self.in_proj_weight.dtype:
            return False
        tensors = (query, self.in_proj_weight, self.in_proj_bias, self.out_proj.weight,
                   self.out_proj.bias)
        return not (is_grad_enabled() and any(t is not None and t.requires_grad for t in tensors))

    def _attend(self, query, key, value, key_padding_mask, need_weights, attn_mask,
                average_attn_weights, is_causal, plain_softmax=False):
        """The attention itself on canonical (float) masks; plain_softmax computes the
        weights explicitly (NaN for fully masked rows) even when they are not returned."""
        is_batched = query.dim() == 3
        if self.batch_first and is_batched:
            if key is value:
                if query is key:
                    query = key = value = query.transpose(1, 0)
                else:
                    query, key = (x.transpose(1, 0) for x in (query, key))
                    value = key
            else:
                query, key, value = (x.transpose(1, 0) for x in (query, key, value))
        separate = not self._qkv_same_embed_dim
        out, weights = FA.multi_head_attention_forward(
            query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight,
            self.in_proj_bias, self.bias_k, self.bias_v, self.add_zero_attn, self.dropout,
            self.out_proj.weight, self.out_proj.bias, training=self.training,
            key_padding_mask=key_padding_mask, need_weights=need_weights or plain_softmax,
            attn_mask=attn_mask, use_separate_proj_weight=separate,
            q_proj_weight=self.q_proj_weight, k_proj_weight=self.k_proj_weight,
            v_proj_weight=self.v_proj_weight, average_attn_weights=average_attn_weights,
            is_causal=is_causal and not plain_softmax)
        if not need_weights:
            weights = None
        if self.batch_first and is_batched:
            return out.transpose(1, 0), weights
        return out, weights

    def merge_masks(self, attn_mask, key_padding_mask, query):
        """Combine an (L, L) / (N*H, L, L) attn_mask and an (N, L) key_padding_mask into
        one (N, H, L, L) mask; returns (mask, mask_type) with torch's types 0, 1, 2."""
        mask_type = merged = None
        if key_padding_mask is not None:
            mask_type, merged = 1, key_padding_mask
        if attn_mask is not None:
            batch_size, seq_len, _ = query.shape
            mask_type = 2
            if attn_mask.dim() == 3:
                merged = attn_mask.view(batch_size, -1, seq_len, seq_len)
            else:
                merged = attn_mask.view(1, 1, seq_len, seq_len).expand(
                    batch_size, self.num_heads, -1, -1)
            if key_padding_mask is not None:
                merged = merged + key_padding_mask.view(batch_size, 1, 1, seq_len).expand(
                    -1, self.num_heads, -1, -1)
        return merged, mask_type
