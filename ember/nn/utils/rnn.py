"""Variable-length sequences for the recurrent layers (torch.nn.utils.rnn).

A PackedSequence stores the rows of every time step one after another:
``batch_sizes[t]`` rows at step ``t``, sequences sorted by decreasing length.
Packing and padding are each one gather (``index_select``) with an index
built from the lengths on the host, so they are differentiable and cost the
same whatever the number of sequences.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

import ember

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence",
           "pad_sequence", "unpad_sequence", "pack_sequence", "unpack_sequence"]


def _long(values, device=None):
    return ember.tensor(np.asarray(values, dtype=np.int64), dtype=ember.int64, device=device)


def _host(t) -> np.ndarray:
    """A tensor or list of ints as a NumPy int64 array."""
    if isinstance(t, ember.Tensor):
        return np.asarray(t.detach().cpu().numpy()).astype(np.int64)
    return np.asarray(t, dtype=np.int64)


def invert_permutation(permutation):
    """The inverse of an index permutation (None stays None)."""
    if permutation is None:
        return None
    p = _host(permutation)
    inv = np.empty_like(p)
    inv[p] = np.arange(p.size, dtype=np.int64)
    return _long(inv, permutation.device if isinstance(permutation, ember.Tensor) else None)


_PackedBase = namedtuple("PackedSequence_", ["data", "batch_sizes", "sorted_indices",
                                             "unsorted_indices"])


class PackedSequence(_PackedBase):
    """The data and ``batch_sizes`` of a packed batch of sequences (see module docstring).

    ``sorted_indices[i]`` is the original batch position of the i-th longest
    sequence (None when the batch was already sorted); ``unsorted_indices``
    is its inverse. Build one with ``pack_padded_sequence`` or ``pack_sequence``.
    """

    __slots__ = ()

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:   # PackedSequence((data, batch_sizes))
            data, batch_sizes = data[0], data[1]
        if not isinstance(batch_sizes, ember.Tensor):
            batch_sizes = _long(batch_sizes)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        """Move or cast ``data`` (indices follow its device; batch_sizes stays on the CPU)."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        dev = data.device

        def move(t):
            return None if t is None else t.to(dev)
        return type(self)(data, self.batch_sizes, move(self.sorted_indices),
                          move(self.unsorted_indices))

    def cuda(self, *args, **kwargs):
        return self.to(*args, device="cuda", **kwargs)

    def cpu(self, *args, **kwargs):
        return self.to(*args, device="cpu", **kwargs)

    def double(self):
        return self.to(dtype=ember.float64)

    def float(self):
        return self.to(dtype=ember.float32)

    def half(self):
        return self.to(dtype=ember.float16)

    def long(self):
        return self.to(dtype=ember.int64)

    def int(self):
        return self.to(dtype=ember.int32)

    def short(self):
        return self.to(dtype=ember.int16)

    def char(self):
        return self.to(dtype=ember.int8)

    def byte(self):
        return self.to(dtype=ember.uint8)

    @property
    def is_cuda(self) -> bool:
        """Whether ``data`` lives on a CUDA device."""
        return self.data.device.type == "cuda"

    def is_pinned(self) -> bool:
        return bool(getattr(self.data, "is_pinned", lambda: False)())

    def pin_memory(self):
        return self


def _batch_sizes(lengths: np.ndarray) -> np.ndarray:
    """batch_sizes[t] = how many sorted lengths exceed t."""
    steps = np.arange(int(lengths[0]) if lengths.size else 0)
    return (lengths[None, :] > steps[:, None]).sum(axis=1).astype(np.int64)


def _row_offsets(batch_sizes: np.ndarray) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(batch_sizes)[:-1]]).astype(np.int64)


def pack_padded_sequence(input, lengths, batch_first: bool = False, enforce_sorted: bool = True):
    """Pack a padded batch ``[T, B, *]`` (``[B, T, *]`` if batch_first) of sequences
    with the given lengths into a PackedSequence."""
    lengths = _host(lengths).reshape(-1)
    batch = input.size(0 if batch_first else 1)
    steps = input.size(1 if batch_first else 0)
    if lengths.size != batch:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{lengths.size} (batch_size={batch})")
    if enforce_sorted:
        if np.any(lengths[1:] > lengths[:-1]):
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
                "pack_sequence to sidestep this requirement if you do not need ONNX "
                "exportability.")
        order = np.arange(batch, dtype=np.int64)
        sorted_indices = None
    else:
        order = np.argsort(-lengths, kind="stable").astype(np.int64)
        sorted_indices = _long(order, input.device)
    lengths = lengths[order]
    if lengths.size and lengths[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element "
                           "in 'lengths' that is <= 0")
    if lengths.size and lengths[0] > steps:
        raise RuntimeError(f"Length of all samples has to be at most the padded length {steps}, "
                           f"but found an element in 'lengths' that is {lengths[0]}")
    bs = _batch_sizes(lengths)
    t_idx = np.repeat(np.arange(bs.size), bs)
    p_idx = np.concatenate([np.arange(n) for n in bs]) if bs.size else np.zeros(0, np.int64)
    b_idx = order[p_idx]
    flat_rows = b_idx * steps + t_idx if batch_first else t_idx * batch + b_idx
    flat = input.reshape(steps * batch, *input.shape[2:])
    data = flat.index_select(0, _long(flat_rows, input.device))
    return PackedSequence(data, _long(bs), sorted_indices, None)


def pad_packed_sequence(sequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length=None):
    """Unpack a PackedSequence into a padded tensor and the lengths (in the
    original batch order)."""
    data, bs = sequence.data, _host(sequence.batch_sizes)
    batch, max_len = int(bs[0]), bs.size
    if total_length is not None:
        if total_length < max_len:
            raise ValueError(
                "Expected total_length to be at least the length of the longest sequence in "
                f"input, but got total_length={total_length} and max sequence length being "
                f"{max_len}")
        max_len = total_length
    lengths_sorted = (bs[None, :] > np.arange(batch)[:, None]).sum(axis=1)
    pos = (np.arange(batch) if sequence.unsorted_indices is None
           else _host(sequence.unsorted_indices))   # sorted position of original sequence b
    offsets = _row_offsets(bs)
    t = np.arange(max_len)[:, None]
    p = pos[None, :]
    valid = t < lengths_sorted[p]
    rows = np.where(valid, offsets[np.minimum(t, bs.size - 1)] + p, data.shape[0])
    if batch_first:
        rows = rows.T
    pad = ember.full((1, *data.shape[1:]), padding_value, dtype=data.dtype, device=data.device)
    ext = ember.cat([data, pad])
    out = ext.index_select(0, _long(rows.reshape(-1), data.device))
    out = out.reshape(*rows.shape, *data.shape[1:])
    return out, _long(lengths_sorted[pos])


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right"):
    """Stack tensors of shape ``[L_i, *]`` into ``[T, B, *]`` (``[B, T, *]`` if
    batch_first), padding each up to the longest with ``padding_value``."""
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got "
                           f"{padding_side}.")
    if isinstance(sequences, ember.Tensor):
        sequences = list(sequences.unbind(0))
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    trailing = tuple(sequences[0].shape[1:])
    for s in sequences[1:]:
        if tuple(s.shape[1:]) != trailing:
            ref, bad = (list(trailing), list(s.shape[1:]))
            dim = next((k for k, (a, b) in enumerate(zip(ref, bad)) if a != b), 0)
            raise RuntimeError(
                f"The size of tensor a ({ref[dim] if dim < len(ref) else 1}) must match the size "
                f"of tensor b ({bad[dim] if dim < len(bad) else 1}) at non-singleton dimension "
                f"{dim + 1}")
    lengths = np.array([s.shape[0] for s in sequences], dtype=np.int64)
    batch, max_len = lengths.size, int(lengths.max())
    starts = _row_offsets(lengths) if batch else lengths
    total = int(lengths.sum())
    t = np.arange(max_len)[:, None]
    b = np.arange(batch)[None, :]
    shift = (max_len - lengths)[None, :] if padding_side == "left" else 0
    k = t - shift                                   # position inside sequence b
    valid = (k >= 0) & (k < lengths[None, :])
    rows = np.where(valid, starts[b] + np.clip(k, 0, None), total)
    if batch_first:
        rows = rows.T
    ref = sequences[0]
    pad = ember.full((1, *trailing), padding_value, dtype=ref.dtype, device=ref.device)
    ext = ember.cat([*sequences, pad])
    out = ext.index_select(0, _long(rows.reshape(-1), ref.device))
    return out.reshape(*rows.shape, *trailing)


def unpad_sequence(padded_sequences, lengths, batch_first: bool = False):
    """Split a padded batch back into a list of its sequences (inverse of pad_sequence)."""
    x = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    return [x[b, :int(n)] for b, n in enumerate(_host(lengths).reshape(-1))]


def pack_sequence(sequences, enforce_sorted: bool = True):
    """Pack a list of tensors ``[L_i, *]`` (pad_sequence then pack_padded_sequence)."""
    lengths = [s.size(0) for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """The list of sequences held by a PackedSequence (inverse of pack_sequence)."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
