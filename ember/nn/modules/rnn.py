"""Recurrent layers: RNN, LSTM, GRU and their one-step cells (torch.nn).

Each layer and direction runs as one fused op (``ember/ops/nn_rnn.py``) over
the input projections of all time steps, computed with a single matmul.
Padded and packed input share one path: padded input is the packed layout
with equal batch sizes.
"""
from __future__ import annotations

import math
import numbers
import warnings

import ember

from ...ops import nn_rnn as K
from .. import init
from ..parameter import Parameter
from ..utils.rnn import PackedSequence
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


def _shape(t) -> str:
    return str(tuple(t.shape))


class RNNBase(Module):
    """Shared construction, parameters and checks of RNN, LSTM and GRU."""

    __constants__ = ["mode", "input_size", "hidden_size", "num_layers", "bias", "batch_first",
                     "dropout", "bidirectional", "proj_size"]

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device=None, dtype=None):
        super().__init__()
        if (not isinstance(dropout, numbers.Number) or isinstance(dropout, bool)
                or not 0 <= dropout <= 1):
            raise ValueError("dropout should be a number in range [0, 1] representing the "
                             "probability of an element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=2)
        for name, value in (("bias", bias), ("batch_first", batch_first)):
            if not isinstance(value, bool):
                raise TypeError(f"{name} should be of type bool, got: {type(value).__name__}")
        for name, value in (("input_size", input_size), ("hidden_size", hidden_size)):
            if not isinstance(value, int):
                raise TypeError(f"{name} should be of type int, got: {type(value).__name__}")
            if value <= 0:
                raise ValueError(f"{name} must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in _GATES:
            raise ValueError("Unrecognized RNN mode: " + mode)
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        directions = 2 if bidirectional else 1
        real_hidden = proj_size if proj_size > 0 else hidden_size
        gate_size = _GATES[mode] * hidden_size
        kw = {"device": device, "dtype": dtype}
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            for direction in range(directions):
                layer_in = input_size if layer == 0 else real_hidden * directions
                shapes = [("weight_ih", (gate_size, layer_in)), ("weight_hh", (gate_size, real_hidden))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size > 0:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                suffix = "_reverse" if direction == 1 else ""
                names = []
                for base, shape in shapes:
                    name = f"{base}_l{layer}{suffix}"
                    setattr(self, name, Parameter(ember.empty(*shape, **kw)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def flatten_parameters(self) -> None:
        """A no-op: the weights are always used in place (no cuDNN buffer)."""

    @property
    def _flat_weights(self):
        return [getattr(self, n, None) for n in self._flat_weights_names]

    @property
    def all_weights(self):
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # ------------------------------------------------------------ checks
    def _real_hidden(self) -> int:
        return self.proj_size if self.proj_size > 0 else self.hidden_size

    def check_input(self, input, batch_sizes) -> None:
        weight_dtype = self.weight_ih_l0.dtype
        if input.dtype != weight_dtype:
            raise ValueError(
                f"RNN input dtype ({input.dtype}) does not match weight dtype ({weight_dtype}). "
                f"Convert input: input.to({weight_dtype}), or convert model: "
                f"model.to({input.dtype})")
        expected = 2 if batch_sizes is not None else 3
        if input.dim() != expected:
            raise self._input_error(RuntimeError, f"got input of shape {_shape(input)}: input "
                                    f"must have {expected} dimensions, got {input.dim()}")
        if input.size(-1) != self.input_size:
            raise self._input_error(
                RuntimeError, f"got input of shape {_shape(input)}: input.size(-1) must be equal "
                f"to input_size. Expected {self.input_size}, got {input.size(-1)}")

    def get_expected_hidden_size(self, input, batch_sizes) -> tuple:
        if batch_sizes is not None:
            batch = int(batch_sizes[0])
        else:
            batch = input.size(0) if self.batch_first else input.size(1)
        directions = 2 if self.bidirectional else 1
        return (self.num_layers * directions, batch, self._real_hidden())

    def check_hidden_size(self, hx, expected, msg: str = "Expected hidden size {}, got {}") -> None:
        if tuple(hx.shape) != tuple(expected):
            raise self._input_error(RuntimeError, f"got hidden state of shape {_shape(hx)}: "
                                    + msg.format(tuple(expected), list(hx.shape)))

    def _check_hidden_dtype(self, input, hx) -> None:
        if hx.dtype != input.dtype:
            raise RuntimeError(f"hidden state dtype ({hx.dtype}) does not match input dtype "
                               f"({input.dtype})")

    # ----------------------------------------------------------- forward
    def _prepare(self, input, hx, n_states):
        """Common front half of forward: (data [N, in], batch_sizes, states sorted
        like the data, how to rebuild the output)."""
        name = type(self).__name__
        if isinstance(input, PackedSequence):
            data, bs_tensor, sorted_idx, unsorted_idx = input
            batch_sizes = [int(n) for n in bs_tensor.tolist()]
            self.check_input(data, batch_sizes)
            states = self._default_states(data, batch_sizes[0]) if hx is None else self._as_tuple(hx)
            self._check_states(data, states, batch_sizes)
            if sorted_idx is not None and hx is not None:
                states = tuple(s.index_select(1, sorted_idx) for s in states)
            layout = ("packed", bs_tensor, sorted_idx, unsorted_idx)
            return data, batch_sizes, states, layout
        if input.dim() not in (2, 3):
            raise self._input_error(ValueError, f"got input of shape {_shape(input)}: {name}: "
                                    f"Expected input to be 2D or 3D, got {input.dim()}D "
                                    f"{'instead' if n_states == 1 else 'input instead'}")
        batched = input.dim() == 3
        batch_dim = 0 if self.batch_first else 1
        if not batched:
            input = input.unsqueeze(batch_dim)
        if hx is not None:
            states = self._as_tuple(hx)
            want = 3 if batched else 2
            if any(s.dim() != want for s in states):
                kind = "batched 3-D" if batched else "unbatched 2-D"
                if n_states == 1:
                    msg = (f"For {kind} input, hx should also be {want}-D but got "
                           f"{states[0].dim()}-D tensor")
                else:
                    msg = (f"For {kind} input, hx and cx should also be {want}-D but got "
                           f"({states[0].dim()}-D, {states[1].dim()}-D) tensors")
                raise RuntimeError(msg)
            if not batched:
                states = tuple(s.unsqueeze(1) for s in states)
        self.check_input(input, None)
        steps, batch = (input.size(1), input.size(0)) if self.batch_first else input.shape[:2]
        if hx is None:
            states = self._default_states(input, batch)
        self._check_states(input, states, None)
        if self.batch_first:
            input = input.transpose(0, 1)
        data = input.reshape(steps * batch, self.input_size)
        return data, [batch] * steps, states, ("padded", steps, batch, batched)

    @staticmethod
    def _as_tuple(hx):
        return tuple(hx) if isinstance(hx, (tuple, list)) else (hx,)

    def _default_states(self, data, batch):
        directions = 2 if self.bidirectional else 1
        sizes = [self._real_hidden()] + ([self.hidden_size] if self.mode == "LSTM" else [])
        return tuple(ember.zeros(self.num_layers * directions, batch, n, dtype=data.dtype,
                                 device=data.device) for n in sizes)

    def _check_states(self, data, states, batch_sizes):
        expected = self.get_expected_hidden_size(data, batch_sizes)
        if self.mode == "LSTM":
            self.check_hidden_size(states[0], expected, "Expected hidden[0] size {}, got {}")
            cell = (expected[0], expected[1], self.hidden_size)
            self.check_hidden_size(states[1], cell, "Expected hidden[1] size {}, got {}")
        else:
            self.check_hidden_size(states[0], expected)
        for s in states:
            self._check_hidden_dtype(data, s)

    def _finish(self, out, states, layout):
        if layout[0] == "packed":
            _, bs_tensor, sorted_idx, unsorted_idx = layout
            if unsorted_idx is not None:
                states = tuple(s.index_select(1, unsorted_idx) for s in states)
            return PackedSequence(out, bs_tensor, sorted_idx, unsorted_idx), states
        _, steps, batch, batched = layout
        out = out.reshape(steps, batch, out.shape[-1])
        if self.batch_first:
            out = out.transpose(0, 1)
        if not batched:
            out = out.squeeze(0 if self.batch_first else 1)
            states = tuple(s.squeeze(1) for s in states)
        return out, states

    def _layer_weights(self):
        """(w_ih, w_hh, b_ih, b_hh, w_hr) per layer and direction, None where absent."""
        keys = ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")
        out = []
        for names in self._all_weights:
            w = {n.split("_l")[0]: getattr(self, n) for n in names}
            out.append(tuple(w.get(k) for k in keys))
        return out

    def forward(self, input, hx=None):
        n_states = 2 if self.mode == "LSTM" else 1
        data, batch_sizes, states, layout = self._prepare(input, hx, n_states)
        out, final = K.rnn_stack(self.mode, data, batch_sizes, states, self._layer_weights(),
                                 self.num_layers, self.bidirectional, self.dropout, self.training)
        out, final = self._finish(out, final, layout)
        return out, (final if n_states == 2 else final[0])


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh) (or relu).

    RNN(input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True,
    batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None)
    """

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self.__dict__["nonlinearity"] = args[3]
            args = args[:3] + args[4:]
        else:
            self.__dict__["nonlinearity"] = kwargs.pop("nonlinearity", "tanh")
        if self.nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif self.nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' or "
                             "'relu'.")
        super().__init__(mode, *args, **kwargs)


class LSTM(RNNBase):
    """Long short-term memory, gates (i, f, g, o); optional projection of h
    (proj_size). forward(input, (h_0, c_0)=None) -> output, (h_n, c_n)."""

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    """Gated recurrent unit, gates (r, z, n); forward(input, h_0=None) -> output, h_n."""

    def __init__(self, *args, **kwargs):
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)


# --------------------------------------------------------------- cells
class RNNCellBase(Module):
    """Parameters and checks shared by the one-step cells."""

    __constants__ = ["input_size", "hidden_size", "bias"]

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device=None, dtype=None):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        kw = {"device": device, "dtype": dtype}
        self.weight_ih = Parameter(ember.empty(num_chunks * hidden_size, input_size, **kw))
        self.weight_hh = Parameter(ember.empty(num_chunks * hidden_size, hidden_size, **kw))
        if bias:
            self.bias_ih = Parameter(ember.empty(num_chunks * hidden_size, **kw))
            self.bias_hh = Parameter(ember.empty(num_chunks * hidden_size, **kw))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if "bias" in self.__dict__ and self.bias is not True:
            s += f", bias={self.bias}"
        if "nonlinearity" in self.__dict__ and self.nonlinearity != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def reset_parameters(self) -> None:
        """Every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _begin(self, input, states, hx_given):
        """Checks; batch an unbatched call; default zero states. Returns
        (input, states, batched)."""
        name = type(self).__name__
        if input.dim() not in (1, 2):
            raise self._input_error(ValueError, f"got input of shape {_shape(input)}: {name}: "
                                    f"Expected input to be 1D or 2D, got {input.dim()}D instead")
        if hx_given:
            for k, s in enumerate(states):
                if s.dim() not in (1, 2):
                    what = "hidden" if len(states) == 1 else f"hx[{k}]"
                    raise self._input_error(
                        ValueError, f"got {what} of shape {_shape(s)}: {name}: Expected "
                        f"{what} to be 1D or 2D, got {s.dim()}D instead")
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
            if hx_given:
                states = tuple(s.unsqueeze(0) for s in states)
        if input.size(1) != self.input_size:
            raise self._input_error(
                RuntimeError, f"got input of shape {_shape(input)}: input has inconsistent "
                f"input_size: got {input.size(1)} expected {self.input_size}")
        if not hx_given:
            zeros = ember.zeros(input.size(0), self.hidden_size, dtype=input.dtype,
                                device=input.device)
            states = (zeros,) * len(states)
        for s in states:
            if s.size(0) != input.size(0):
                raise self._input_error(
                    RuntimeError, f"got hidden state of shape {_shape(s)}: Input batch size "
                    f"{input.size(0)} doesn't match hidden0 batch size {s.size(0)}")
            if s.size(1) != self.hidden_size:
                raise self._input_error(
                    RuntimeError, f"got hidden state of shape {_shape(s)}: hidden0 has "
                    f"inconsistent hidden_size: got {s.size(1)}, expected {self.hidden_size}")
        return input, states, batched

    def _weights(self):
        return self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh


class RNNCell(RNNCellBase):
    """One Elman RNN step: h' = tanh(W_ih x + b_ih + W_hh h + b_hh) (or relu)."""

    __constants__ = ["input_size", "hidden_size", "bias", "nonlinearity"]

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        input, (h,), batched = self._begin(input, (hx,), hx is not None)
        cell = K.rnn_tanh_cell if self.nonlinearity == "tanh" else K.rnn_relu_cell
        out = cell(input, h, *self._weights())
        return out if batched else out.squeeze(0)


class LSTMCell(RNNCellBase):
    """One LSTM step: (h', c') from input and (h, c), gates (i, f, g, o)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        states = (None, None) if hx is None else tuple(hx)
        input, states, batched = self._begin(input, states, hx is not None)
        h, c = K.lstm_cell(input, states, *self._weights())
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """One GRU step: h' from input and h, gates (r, z, n)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        input, (h,), batched = self._begin(input, (hx,), hx is not None)
        out = K.gru_cell(input, h, *self._weights())
        return out if batched else out.squeeze(0)
