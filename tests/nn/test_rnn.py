"""Oracle tests for the recurrent layers (RNN, LSTM, GRU and their cells).

The same weights are copied from torch into ember; outputs, final states,
gradients of the input, of the initial states and of every parameter are
compared over a grid of mode x num_layers x bidirectional x batch_first x
proj_size x input layout (padded, packed sorted, packed unsorted) in float32
(rtol 1e-4 / atol 1e-5: the recurrence accumulates rounding over time steps)
and float64 (1e-10). Cells and torch.*_cell functions go through the oracle
harness (second-order gradients and finite differences). Also: reprs,
state_dict keys and shapes, default init, dropout, errors.
"""
import itertools
import math
import warnings

import numpy as np
import pytest
import torch
import torch.nn.utils.rnn as TR

import ember
import ember.nn as enn
import ember.nn.utils.rnn as ER
from oracle import Sample, check, check_error, rand

TOL = {np.float32: (1e-4, 1e-5), np.float64: (1e-10, 1e-10)}
CLASSES = {"LSTM": (torch.nn.LSTM, enn.LSTM), "GRU": (torch.nn.GRU, enn.GRU),
           "RNN_TANH": (torch.nn.RNN, enn.RNN), "RNN_RELU": (torch.nn.RNN, enn.RNN)}
IN, HID, PROJ, T, B = 5, 6, 3, 4, 3
LENGTHS = {"padded": None, "packed": [4, 3, 2], "packed_unsorted": [2, 4, 3]}


def make_pair(mode, dtype=np.float64, **kw):
    """The same module in torch and ember (torch's initial weights copied)."""
    tcls, ecls = CLASSES[mode]
    if mode.startswith("RNN"):
        kw["nonlinearity"] = mode[4:].lower()
    torch.manual_seed(0)
    tdt = torch.float64 if dtype == np.float64 else torch.float32
    tm = tcls(IN, HID, dtype=tdt, **kw)
    em = ecls(IN, HID, dtype=ember.float64 if dtype == np.float64 else ember.float32, **kw)
    em.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    return tm, em


def np_of(t):
    return t.detach().numpy()


def close(e, t, rtol, atol, what):
    assert tuple(e.shape) == tuple(t.shape), f"{what}: {tuple(e.shape)} vs {tuple(t.shape)}"
    assert str(e.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], what
    np.testing.assert_allclose(np_of(e), np_of(t), rtol=rtol, atol=atol, err_msg=what)


def run_both(tm, em, x, layout, batch_first, states, seed=0):
    """Run both modules; return (torch outputs, ember outputs, torch leaves, ember leaves)
    where outputs are [padded output, *final states]."""
    results = []
    for lib, m in ((torch, tm), (ember, em)):
        R = TR if lib is torch else ER
        xl = lib.tensor(x, requires_grad=True)
        hx = [lib.tensor(s, requires_grad=True) for s in states] if states is not None else None
        lengths = LENGTHS[layout]
        inp = xl
        if lengths is not None:
            inp = R.pack_padded_sequence(xl, lengths, batch_first=batch_first,
                                         enforce_sorted=layout == "packed")
        h_arg = None if hx is None else (tuple(hx) if len(hx) == 2 else hx[0])
        out, h = m(inp, h_arg)
        if lengths is not None:
            assert isinstance(out, R.PackedSequence)
            out, lens = R.pad_packed_sequence(out, batch_first=batch_first)
            assert lens.tolist() == lengths
        finals = list(h) if isinstance(h, tuple) else [h]
        results.append(([out] + finals, [xl] + (hx or [])))
    return results


GRID = [(mode, layers, bidir, bf, proj, layout)
        for mode, layers, bidir, bf, proj, layout in itertools.product(
            CLASSES, (1, 2), (False, True), (False, True), (0, PROJ), LENGTHS)
        if proj == 0 or mode == "LSTM"]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("mode,layers,bidir,batch_first,proj,layout", GRID)
def test_layer_matches_torch(mode, layers, bidir, batch_first, proj, layout, dtype):
    kw = dict(num_layers=layers, bidirectional=bidir, batch_first=batch_first)
    if proj:
        kw["proj_size"] = proj
    tm, em = make_pair(mode, dtype, **kw)
    rtol, atol = TOL[dtype]
    rng = np.random.default_rng(hash((mode, layers, bidir, batch_first, proj)) % 2**32)
    x = rng.uniform(-1.5, 1.5, (B, T, IN) if batch_first else (T, B, IN)).astype(dtype)
    d = 2 if bidir else 1
    states = [rng.uniform(-1, 1, (layers * d, B, proj or HID)).astype(dtype)]
    if mode == "LSTM":
        states.append(rng.uniform(-1, 1, (layers * d, B, HID)).astype(dtype))
    (t_outs, t_leaves), (e_outs, e_leaves) = run_both(tm, em, x, layout, batch_first, states)
    for k, (e, t) in enumerate(zip(e_outs, t_outs)):
        close(e, t, rtol, atol, f"output {k}")
    ws = [rng.standard_normal(tuple(t.shape)) for t in t_outs]
    # padded positions of a packed output are constant: their weights do not matter
    sum(((t * torch.tensor(w, dtype=t.dtype)).sum() for t, w in zip(t_outs, ws))).backward()
    sum(((e * ember.tensor(w, dtype=e.dtype)).sum() for e, w in zip(e_outs, ws))).backward()
    names = ["input", "h0", "c0"]
    for k, (e, t) in enumerate(zip(e_leaves, t_leaves)):
        close(e.grad, t.grad, rtol * 10, atol * 10, f"grad of {names[k]}")
    t_params = dict(tm.named_parameters())
    for name, p in em.named_parameters():
        close(p.grad, t_params[name].grad, rtol * 10, atol * 10, f"grad of {name}")


@pytest.mark.parametrize("mode", list(CLASSES))
@pytest.mark.parametrize("layout", list(LENGTHS))
def test_default_initial_state(mode, layout):
    tm, em = make_pair(mode, num_layers=2, bidirectional=True)
    x = rand(T, B, IN, seed=3)
    (t_outs, _), (e_outs, _) = run_both(tm, em, x, layout, False, None)
    for k, (e, t) in enumerate(zip(e_outs, t_outs)):
        close(e, t, 1e-10, 1e-10, f"output {k}")


@pytest.mark.parametrize("mode", list(CLASSES))
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("with_hx", [False, True])
def test_unbatched_input(mode, batch_first, with_hx):
    tm, em = make_pair(mode, num_layers=2, bidirectional=True, batch_first=batch_first)
    x = rand(T, IN, seed=4)
    hx = [rand(4, HID, seed=5 + k) for k in range(2 if mode == "LSTM" else 1)]
    outs = []
    for lib, m in ((torch, tm), (ember, em)):
        h = [lib.tensor(a) for a in hx]
        out, hn = m(lib.tensor(x), (tuple(h) if len(h) == 2 else h[0]) if with_hx else None)
        outs.append([out] + (list(hn) if isinstance(hn, tuple) else [hn]))
    for k, (e, t) in enumerate(zip(outs[1], outs[0])):
        close(e, t, 1e-10, 1e-10, f"output {k}")


# ---------------------------------------------- second order through a layer
@pytest.mark.parametrize("mode", list(CLASSES))
@pytest.mark.parametrize("packed", [False, True])
def test_layer_double_backward(mode, packed):
    """grad of <grad(output), v> w.r.t. the input and the weights, against torch."""
    kw = {"proj_size": 2} if mode == "LSTM" else {}
    tm, em = make_pair(mode, bidirectional=True, **kw)
    x = rand(3, 2, IN, seed=7)
    res = []
    for lib, m in ((torch, tm), (ember, em)):
        xl = lib.tensor(x, requires_grad=True)
        inp = xl
        if packed:
            R = TR if lib is torch else ER
            inp = R.pack_padded_sequence(xl, [3, 2])
        out, _ = m(inp)
        data = out.data if packed else out
        w = lib.tensor(rand(*data.shape, seed=8))
        params = [xl, m.weight_hh_l0, m.weight_ih_l0_reverse]
        g = lib.autograd.grad((data * w).sum(), params, create_graph=True)
        s = sum((gi * gi).sum() for gi in g)
        res.append(lib.autograd.grad(s, params))
    for k, (e, t) in enumerate(zip(res[1], res[0])):
        close(e, t, 1e-9, 1e-9, f"second-order grad {k}")


# ------------------------------------------------------------------- cells
CELL_CLASSES = {"LSTMCell": (torch.nn.LSTMCell, enn.LSTMCell), "GRUCell": (torch.nn.GRUCell,
                enn.GRUCell), "RNNCell": (torch.nn.RNNCell, enn.RNNCell)}
CELL_GRID = [("LSTMCell", {}), ("LSTMCell", {"bias": False}), ("GRUCell", {}),
             ("GRUCell", {"bias": False}), ("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu"}),
             ("RNNCell", {"bias": False, "nonlinearity": "relu"})]


def cell_pair(name, dtype, **kw):
    tcls, ecls = CELL_CLASSES[name]
    torch.manual_seed(1)
    tm = tcls(IN, HID, dtype=torch.float64 if dtype == np.float64 else torch.float32, **kw)
    em = ecls(IN, HID, dtype=ember.float64 if dtype == np.float64 else ember.float32, **kw)
    em.load_state_dict({k: ember.tensor(v.detach().numpy()) for k, v in tm.state_dict().items()})
    return tm, em


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("with_hx", [True, False])
@pytest.mark.parametrize("name,kw", CELL_GRID)
def test_cell_matches_torch(name, kw, with_hx, batched, dtype):
    tm, em = cell_pair(name, dtype, **kw)
    rtol, atol = TOL[dtype]
    lead = (B,) if batched else ()
    x = rand(*lead, IN, seed=11).astype(dtype)
    hx = [rand(*lead, HID, seed=12 + k).astype(dtype) for k in range(2 if name == "LSTMCell" else 1)]
    res = []
    for lib, m in ((torch, tm), (ember, em)):
        xl = lib.tensor(x, requires_grad=True)
        hl = [lib.tensor(h, requires_grad=True) for h in hx]
        arg = (tuple(hl) if len(hl) == 2 else hl[0]) if with_hx else None
        out = m(xl, arg)
        outs = list(out) if isinstance(out, tuple) else [out]
        sum((o * (k + 1.5)).sum() for k, o in enumerate(outs)).backward()
        res.append((outs, [xl.grad] + ([h.grad for h in hl] if with_hx else []),
                    [p.grad for _, p in m.named_parameters()]))
    for group, (e_list, t_list) in zip(("out", "input grads", "param grads"), zip(res[1], res[0])):
        for k, (e, t) in enumerate(zip(e_list, t_list)):
            close(e, t, rtol * 10, atol * 10, f"{group} {k}")


def _cell_fn(name, bias):
    def call(lib, x, h, c, w_ih, w_hh, b_ih, b_hh):
        hx = (h, c) if name == "lstm_cell" else h
        biases = (b_ih, b_hh) if bias else ()
        return getattr(lib, name)(x, hx, w_ih, w_hh, *biases)
    call.__name__ = name
    return call


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("name,chunks", [("lstm_cell", 4), ("gru_cell", 3), ("rnn_tanh_cell", 1),
                                         ("rnn_relu_cell", 1)])
def test_cell_functions_oracle(name, chunks, bias):
    """torch.lstm_cell & co: values, grads, second-order grads and finite differences."""
    h = 2
    args = (rand(2, 3, seed=1), rand(2, h, seed=2, low=-1, high=1), rand(2, h, seed=3),
            rand(chunks * h, 3, seed=4, low=-1, high=1), rand(chunks * h, h, seed=5, low=-1, high=1),
            rand(chunks * h, seed=6, low=-0.5, high=0.5), rand(chunks * h, seed=7, low=-0.5, high=0.5))
    # rnn_relu: random points avoid the kink at 0
    check(_cell_fn(name, bias), Sample(*args), rtol=1e-10, atol=1e-10)


def test_cell_functions_float32():
    args = [a.astype(np.float32) for a in (rand(4, 5, seed=1), rand(4, 6, seed=2), rand(4, 6, seed=3),
                                           rand(24, 5, seed=4), rand(24, 6, seed=5), rand(24, seed=6),
                                           rand(24, seed=7))]
    check(_cell_fn("lstm_cell", True), Sample(*args), rtol=1e-4, atol=1e-5, gradgrad=False)


# ------------------------------------------------- construction, repr, init
REPR_GRID = [
    ("LSTM", (10, 20), dict(num_layers=2, batch_first=True, bidirectional=True)),
    ("LSTM", (10, 20), dict(proj_size=5, bias=False, dropout=0.25, num_layers=3)),
    ("LSTM", (10, 20), {}),
    ("GRU", (3, 4), dict(bidirectional=True)),
    ("GRU", (3, 4, 2), dict(dropout=0.5)),
    ("RNN_TANH", (3, 4), {}),
    ("RNN_RELU", (3, 4, 2), dict(bias=False, batch_first=True)),
]


def _build(lib, mode, args, kw):
    cls = {"LSTM": "LSTM", "GRU": "GRU"}.get(mode, "RNN")
    kw = dict(kw)
    if mode.startswith("RNN"):
        kw["nonlinearity"] = mode[4:].lower()
    return getattr(lib.nn, cls)(*args, **kw)


@pytest.mark.parametrize("mode,args,kw", REPR_GRID)
def test_repr_state_dict_and_attributes(mode, args, kw):
    tm, em = _build(torch, mode, args, kw), _build(ember, mode, args, kw)
    assert repr(em) == repr(tm)
    t_sd, e_sd = tm.state_dict(), em.state_dict()
    assert list(e_sd) == list(t_sd)
    assert [tuple(v.shape) for v in e_sd.values()] == [tuple(v.shape) for v in t_sd.values()]
    for attr in ("mode", "input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout",
                 "bidirectional", "proj_size", "_flat_weights_names", "_all_weights"):
        assert getattr(em, attr) == getattr(tm, attr), attr
    assert [[tuple(p.shape) for p in ws] for ws in em.all_weights] == \
        [[tuple(p.shape) for p in ws] for ws in tm.all_weights]
    # a state_dict moves from ember to torch
    tm.load_state_dict({k: torch.tensor(v.numpy()) for k, v in e_sd.items()})


@pytest.mark.parametrize("name,kw", CELL_GRID + [("LSTMCell", {"bias": True})])
def test_cell_repr_and_state_dict(name, kw):
    tm, em = cell_pair(name, np.float32, **kw)
    assert repr(em) == repr(tm)
    assert [(k, tuple(v.shape)) for k, v in em.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in tm.state_dict().items()]
    assert em.bias_ih is None if kw.get("bias") is False else em.bias_ih is not None


@pytest.mark.parametrize("cls", [enn.LSTM, enn.GRU, enn.RNN, enn.LSTMCell, enn.GRUCell, enn.RNNCell])
def test_default_init_is_uniform(cls):
    hidden = 64
    m = cls(48, hidden)
    bound = 1 / math.sqrt(hidden)
    values = np.concatenate([p.detach().numpy().ravel() for p in m.parameters()])
    assert values.min() >= -bound and values.max() <= bound
    assert abs(values.mean()) < 0.05 * bound
    assert abs(values.std() - bound / math.sqrt(3)) < 0.05 * bound
    for p in m.parameters():
        assert p.requires_grad and p.dtype is ember.float32


def test_flatten_parameters_and_to():
    tm, em = make_pair("LSTM", np.float32, num_layers=2)
    assert em.flatten_parameters() is None
    em.double()
    tm.double()
    x = rand(T, B, IN)
    close(em(ember.tensor(x))[0], tm(torch.tensor(x))[0], 1e-10, 1e-10, "after double()")


def test_packed_sequence_moves_with_to():
    p = ER.pack_sequence([ember.ones(3, 2), ember.ones(1, 2)])
    q = p.to(ember.float64)
    assert isinstance(q, ER.PackedSequence) and q.data.dtype is ember.float64
    assert q.batch_sizes.tolist() == [2, 1, 1]
    assert p.to(ember.float32) is p


# ------------------------------------------------------------------ dropout
@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN_TANH"])
def test_dropout_between_layers(mode):
    tm, em = make_pair(mode, num_layers=2, dropout=1.0)
    x = rand(T, B, IN)
    # dropout=1 zeroes the second layer's input: deterministic in training mode
    close(em(ember.tensor(x))[0], tm(torch.tensor(x))[0], 1e-10, 1e-10, "train, p=1")
    tm.eval()
    em.eval()
    close(em(ember.tensor(x))[0], tm(torch.tensor(x))[0], 1e-10, 1e-10, "eval")
    em.train()
    em.dropout = 0.5
    a, b = em(ember.tensor(x))[0], em(ember.tensor(x))[0]
    assert not np.allclose(np_of(a), np_of(b)), "dropout is random in training mode"
    em.eval()
    close(em(ember.tensor(x))[0], em(ember.tensor(x))[0], 0, 0, "eval is deterministic")


def test_dropout_warning_and_value_errors():
    with pytest.warns(UserWarning, match="num_layers greater than 1"):
        enn.LSTM(3, 4, dropout=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        enn.LSTM(3, 4, dropout=0.5, num_layers=2)
    for bad in (1.5, -0.1, True, "0.5"):
        with pytest.raises(ValueError, match="dropout should be a number in range"):
            enn.GRU(3, 4, dropout=bad)


# ------------------------------------------------------------------- errors
CTOR_ERRORS = [
    ("LSTM", (3, 4), dict(proj_size=4), ValueError, "proj_size has to be smaller than hidden_size"),
    ("LSTM", (3, 4), dict(proj_size=-1), ValueError, "proj_size should be a positive integer"),
    ("GRU", (3, 4), dict(proj_size=2), ValueError, "only supported for LSTM"),
    ("RNN_TANH", (3, 4), dict(proj_size=2), ValueError, "only supported for LSTM"),
    ("LSTM", (3, 0), {}, ValueError, "hidden_size must be greater than zero"),
    ("LSTM", (0, 4), {}, ValueError, "input_size must be greater than zero"),
    ("LSTM", (3, 4.0), {}, TypeError, "hidden_size should be of type int"),
    ("LSTM", (3, 4, 0), {}, ValueError, "num_layers must be greater than zero"),
    ("GRU", (3, 4), dict(bias=1), TypeError, "bias should be of type bool"),
    ("GRU", (3, 4), dict(batch_first=None), TypeError, "batch_first should be of type bool"),
]


@pytest.mark.parametrize("mode,args,kw,exc,msg", CTOR_ERRORS)
def test_constructor_errors(mode, args, kw, exc, msg):
    with pytest.raises(exc):
        _build(torch, mode, args, kw)
    with pytest.raises(exc, match=msg):
        _build(ember, mode, args, kw)


def test_unknown_nonlinearity():
    for lib in (torch, ember):
        with pytest.raises(ValueError, match="Unknown nonlinearity 'gelu'"):
            lib.nn.RNN(3, 4, 1, "gelu")


def _layer_call(mode, input_shape, states_shapes, **kw):
    def call(lib):
        m = _build(lib, mode, (10, 20), kw)
        x = lib.zeros(*input_shape)
        hx = [lib.zeros(*s) for s in states_shapes]
        h = None if not hx else (tuple(hx) if len(hx) == 2 else hx[0])
        return m(x, h)
    return call


FORWARD_ERRORS = [
    ("LSTM", (5, 3, 7), [], {}, RuntimeError,
     ["LSTM(10, 20) got input of shape (5, 3, 7)",
      "input.size(-1) must be equal to input_size. Expected 10, got 7"]),
    ("GRU", (5, 3, 10), [(1, 3, 20)], dict(num_layers=2), RuntimeError,
     ["GRU(10, 20, num_layers=2) got hidden state of shape (1, 3, 20)",
      "Expected hidden size (2, 3, 20), got [1, 3, 20]"]),
    ("LSTM", (5, 3, 10), [(1, 3, 20), (1, 2, 20)], {}, RuntimeError,
     ["Expected hidden[1] size (1, 3, 20), got [1, 2, 20]"]),
    ("LSTM", (5, 3, 10), [(1, 3, 20), (1, 3, 20)], dict(proj_size=4), RuntimeError,
     ["Expected hidden[0] size (1, 3, 4), got [1, 3, 20]"]),
    ("RNN_TANH", (5, 3, 10, 1), [], {}, ValueError, ["RNN: Expected input to be 2D or 3D, got 4D"]),
    ("LSTM", (10,), [], {}, ValueError, ["LSTM: Expected input to be 2D or 3D, got 1D"]),
    ("GRU", (5, 3, 10), [(3, 20)], {}, RuntimeError,
     ["For batched 3-D input, hx should also be 3-D but got 2-D tensor"]),
    ("GRU", (5, 10), [(1, 3, 20)], {}, RuntimeError,
     ["For unbatched 2-D input, hx should also be 2-D but got 3-D tensor"]),
    ("LSTM", (5, 3, 10), [(1, 3, 20), (3, 20)], {}, RuntimeError,
     ["hx and cx should also be 3-D but got (3-D, 2-D) tensors"]),
]


@pytest.mark.parametrize("mode,shape,states,kw,exc,msgs", FORWARD_ERRORS)
def test_forward_shape_errors(mode, shape, states, kw, exc, msgs):
    check_error(_layer_call(mode, shape, states, **kw), [], exc, *msgs)


def test_batch_first_hidden_batch_is_dim0():
    # batch_first: the batch is input.size(0); a hidden state sized for dim 1 is refused
    check_error(_layer_call("RNN_TANH", (5, 3, 10), [(1, 3, 20)], batch_first=True), [],
                RuntimeError, "Expected hidden size (1, 5, 20), got [1, 3, 20]")


def test_error_names_module_path():
    class Net(enn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = enn.LSTM(10, 20, num_layers=2, batch_first=True, bidirectional=True)

        def forward(self, x):
            return self.encoder(x)
    with pytest.raises(RuntimeError) as info:
        Net()(ember.zeros(3, 5, 7))
    assert str(info.value).startswith(
        "LSTM(10, 20, num_layers=2, batch_first=True, bidirectional=True) at 'encoder' "
        "got input of shape (3, 5, 7)")


def test_dtype_mismatch_errors():
    m = enn.GRU(10, 20)
    with pytest.raises(ValueError, match="does not match weight dtype"):
        m(ember.zeros(5, 3, 10, dtype=ember.float64))
    with pytest.raises(RuntimeError, match="does not match input dtype"):
        m(ember.zeros(5, 3, 10), ember.zeros(1, 3, 20, dtype=ember.float64))


def test_packed_input_errors():
    m = enn.LSTM(10, 20)
    packed = ER.pack_sequence([ember.zeros(3, 7), ember.zeros(2, 7)])
    with pytest.raises(RuntimeError, match="Expected 10, got 7"):
        m(packed)
    packed = ER.pack_sequence([ember.zeros(3, 10), ember.zeros(2, 10)])
    with pytest.raises(RuntimeError, match=r"Expected hidden\[0\] size \(1, 2, 20\), got \[1, 3, 20\]"):
        m(packed, (ember.zeros(1, 3, 20), ember.zeros(1, 3, 20)))


CELL_ERRORS = [
    ("LSTMCell", (3, 7), None, RuntimeError, "input has inconsistent input_size: got 7 expected 10"),
    ("GRUCell", (3, 10), (2, 20), RuntimeError, "Input batch size 3 doesn't match hidden0 batch size 2"),
    ("RNNCell", (3, 10), (3, 5), RuntimeError, "hidden0 has inconsistent hidden_size: got 5, expected 20"),
    ("RNNCell", (2, 3, 10), None, ValueError, "RNNCell: Expected input to be 1D or 2D, got 3D instead"),
    ("GRUCell", (3, 10), (1, 3, 20), ValueError, "GRUCell: Expected hidden to be 1D or 2D, got 3D"),
    ("LSTMCell", (3, 10), (1, 3, 20), ValueError, "LSTMCell: Expected hx[0] to be 1D or 2D, got 3D"),
]


@pytest.mark.parametrize("name,shape,hshape,exc,msg", CELL_ERRORS)
def test_cell_errors(name, shape, hshape, exc, msg):
    def call(lib):
        m = getattr(lib.nn, name)(10, 20)
        hx = None if hshape is None else lib.zeros(*hshape)
        if hx is not None and name == "LSTMCell":
            hx = (hx, hx)
        return m(lib.zeros(*shape), hx)
    check_error(call, [], exc, msg, f"{name}(10, 20) got")


@pytest.mark.parametrize("mode", list(CLASSES))
def test_saturated_gates_stay_finite(mode):
    """Pre-activations of magnitude 1e4: no overflow to inf or NaN, as in torch."""
    tm, em = make_pair(mode, np.float32)
    x = rand(T, B, IN, dtype=np.float32, seed=21) * 1e4
    res = []
    for lib, m in ((torch, tm), (ember, em)):
        xl = lib.tensor(x, requires_grad=True)
        out = m(xl)[0]
        out.sum().backward()
        res.append((out, xl.grad))
    for k, (e, t) in enumerate(zip(res[1], res[0])):
        assert np.isfinite(np_of(e)).all()
        close(e, t, 1e-4, 1e-5, f"saturated {k}")


@pytest.mark.parametrize("mode,fname", [("LSTM", "lstm"), ("GRU", "gru"), ("RNN_TANH", "rnn_tanh"),
                                        ("RNN_RELU", "rnn_relu")])
@pytest.mark.parametrize("packed", [False, True])
def test_torch_namespace_functions(mode, fname, packed):
    """torch.lstm / gru / rnn_tanh / rnn_relu with a flat parameter list (both overloads)."""
    kw = {"proj_size": 2} if mode == "LSTM" else {}
    tm, em = make_pair(mode, num_layers=2, bidirectional=True, batch_first=not packed, **kw)
    x = rand(3, 4, IN, seed=31)
    res = []
    for lib, m in ((torch, tm), (ember, em)):
        batch = 4 if packed else 3   # x is [T=3, B=4] packed, [B=3, T=4] batch_first
        hx = [lib.tensor(rand(4, batch, 2 if mode == "LSTM" else HID, seed=32))]
        if mode == "LSTM":
            hx.append(lib.tensor(rand(4, batch, HID, seed=33)))
        h = hx if mode == "LSTM" else hx[0]
        params = [p for _, p in m.named_parameters()]
        if packed:
            p = R_(lib).pack_padded_sequence(lib.tensor(x), [3, 3, 2, 1])
            out = getattr(lib, fname)(p.data, p.batch_sizes, h, params, True, 2, 0.0, False, True)
        else:
            out = getattr(lib, fname)(lib.tensor(x), h, params, True, 2, 0.0, False, True, True)
        res.append(out)
    assert len(res[1]) == len(res[0])
    for k, (e, t) in enumerate(zip(res[1], res[0])):
        close(e, t, 1e-10, 1e-10, f"result {k}")


def R_(lib):
    return TR if lib is torch else ER
