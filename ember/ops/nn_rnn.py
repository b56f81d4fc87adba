"""Fused recurrent layers: one op runs a whole layer (one direction) over time.

Each op takes the input projections of every time step, already computed with
one matmul (``xg = x @ w_ih.T + biases``), and loops over time only: a step is
one matmul with the recurrent weight plus a handful of whole-array ufuncs on
the step's rows. Sequences are in the packed layout: ``xg`` holds the rows of
every step one after another, ``batch_sizes[t]`` rows at step ``t`` (padded
input is the case of equal batch sizes). Rows beyond a step's batch size keep
their state, so the final states are those at each sequence's true length.

The backward (back-propagation through time) is its own array kernel, run
when no graph of the gradient is wanted. With ``create_graph`` the rule
recomputes the layer step by step with ember ops (``_rnn_composite``) and
differentiates that, so higher-order gradients are exact.

Gate order as torch: LSTM (i, f, g, o); GRU (r, z, n) with the n gate's
hidden bias inside the r product.
"""
from __future__ import annotations

import numpy as np

from ._api import export
from .registry import BOTH, PROMOTE, defop, dispatch

# ------------------------------------------------------------ helpers


def _steps(batch_sizes, reverse):
    """(row offset, batch size) per step, in processing order."""
    offsets, s = [], 0
    for n in batch_sizes:
        offsets.append((s, n))
        s += n
    return offsets[::-1] if reverse else offsets


def _sigmoid_(xp, a, negated=False):
    """In-place logistic sigmoid through exp (NumPy's exp is faster than tanh);
    ``negated``: ``a`` already holds the negated argument."""
    if not negated:
        xp.negative(a, out=a)
    xp.exp(a, out=a)
    a += 1
    xp.reciprocal(a, out=a)
    return a


def _tanh_into(xp, a, out):
    """tanh(a) into ``out`` as 2 * sigmoid(2a) - 1."""
    xp.multiply(a, -2, out=out)
    xp.exp(out, out=out)
    out += 1
    xp.divide(2, out, out=out)
    out -= 1
    return out


def _empty(xp, like):
    return xp.zeros((0,), dtype=like.dtype)


# --------------------------------------------------------------- LSTM
@defop("_lstm_layer", dtypes=PROMOTE, saves=BOTH, nout=8, diff_outputs=(0, 1, 2))
def _lstm_layer(xp, xg, h0, c0, w_hh, w_hr, *, batch_sizes, reverse):
    n_rows, hidden = xg.shape[0], w_hh.shape[0] // 4
    h_out = h0.shape[1]
    dt = xg.dtype
    out = xp.empty((n_rows, h_out), dtype=dt)
    gates = xp.empty((n_rows, 4 * hidden), dtype=dt)
    c_prev = xp.empty((n_rows, hidden), dtype=dt)
    tanh_c = xp.empty((n_rows, hidden), dtype=dt)
    h_prev = xp.empty((n_rows, h_out), dtype=dt)
    hr = xp.empty((n_rows, hidden), dtype=dt) if w_hr is not None else _empty(xp, xg)
    h, c = h0.copy(), c0.copy()
    w_t = w_hh.T
    # sigmoid(a) for i, f, o; tanh(a) = 2 sigmoid(2a) - 1 for g (scale negates for exp)
    scale = xp.full(4 * hidden, -1, dtype=dt)
    scale[2 * hidden:3 * hidden] = -2
    tmp = xp.empty((h0.shape[0], hidden), dtype=dt)
    with np.errstate(over="ignore"):
        for s, n in _steps(batch_sizes, reverse):
            rows = slice(s, s + n)
            hp = h_prev[rows]
            hp[...] = h[:n]
            c_prev[rows] = c[:n]
            g = gates[rows]
            xp.matmul(hp, w_t, out=g)
            g += xg[rows]
            g *= scale
            _sigmoid_(xp, g, negated=True)
            gg = g[:, 2 * hidden:3 * hidden]
            gg *= 2
            gg -= 1
            cn = c[:n]
            cn *= g[:, hidden:2 * hidden]
            t = tmp[:n]
            xp.multiply(g[:, :hidden], gg, out=t)
            cn += t
            tc = tanh_c[rows]
            _tanh_into(xp, cn, tc)
            if w_hr is None:
                xp.multiply(g[:, 3 * hidden:], tc, out=out[rows])
            else:
                xp.multiply(g[:, 3 * hidden:], tc, out=hr[rows])
                xp.matmul(hr[rows], w_hr.T, out=out[rows])
            h[:n] = out[rows]
    return out, h, c, gates, c_prev, tanh_c, hr, h_prev


@defop("_lstm_layer_backward", dtypes=PROMOTE, nout=5)
def _lstm_layer_backward(xp, d_out, d_hn, d_cn, gates, c_prev, tanh_c, hr, h_prev, w_hh,
                         w_hr, *, batch_sizes, reverse):
    hidden = w_hh.shape[0] // 4
    dt = gates.dtype
    d_gates = xp.empty_like(gates)
    dh = d_hn.copy()
    dc = d_cn.copy()
    d_hs = xp.empty_like(d_out) if w_hr is not None else None
    tmp = xp.empty((dh.shape[0], hidden), dtype=dt)
    tmp2 = xp.empty((dh.shape[0], hidden), dtype=dt)
    for s, n in _steps(batch_sizes, not reverse):
        rows = slice(s, s + n)
        dht = dh[:n]
        dht += d_out[rows]
        if w_hr is not None:
            d_hs[rows] = dht
            dhr = xp.matmul(dht, w_hr)
        else:
            dhr = dht
        g, dg = gates[rows], d_gates[rows]
        i, f, gg, o = (g[:, k * hidden:(k + 1) * hidden] for k in range(4))
        di, df, dgg, do = (dg[:, k * hidden:(k + 1) * hidden] for k in range(4))
        tc = tanh_c[rows]
        t, t2 = tmp[:n], tmp2[:n]
        # d o-gate pre-activation: dhr * tanh(c) * o (1 - o)
        xp.multiply(dhr, tc, out=do)
        xp.subtract(1, o, out=t)
        t *= o
        do *= t
        # dc += dhr * o * (1 - tanh(c)^2)
        xp.multiply(tc, tc, out=t)
        xp.subtract(1, t, out=t)
        t *= o
        t *= dhr
        dct = dc[:n]
        dct += t
        # i: dc * g * i (1 - i)
        xp.subtract(1, i, out=t)
        t *= i
        xp.multiply(dct, gg, out=di)
        di *= t
        # f: dc * c_prev * f (1 - f)
        xp.subtract(1, f, out=t)
        t *= f
        xp.multiply(dct, c_prev[rows], out=df)
        df *= t
        # g: dc * i * (1 - g^2)
        xp.multiply(gg, gg, out=t2)
        xp.subtract(1, t2, out=t2)
        xp.multiply(dct, i, out=dgg)
        dgg *= t2
        dct *= f
        xp.matmul(dg, w_hh, out=dht)
    dw_hh = xp.matmul(d_gates.T, h_prev)
    dw_hr = xp.matmul(d_hs.T, hr) if w_hr is not None else _empty(xp, gates)
    return d_gates, dh, dc, dw_hh, dw_hr


@_lstm_layer.defgrad
def _(ctx, d_out, d_hn, d_cn, *_ws):
    from .. import is_grad_enabled
    if is_grad_enabled():
        return _composite_grad(ctx, "lstm", (d_out, d_hn, d_cn))
    xg, h0, c0, w_hh, w_hr = ctx.inputs
    ws = [ctx.saved_output(k) for k in range(3, 8)]
    grads = dispatch(_lstm_layer_backward, (d_out, d_hn, d_cn, *ws, w_hh, w_hr), ctx.params)
    return grads[:4] + ((grads[4] if w_hr is not None else None),)


# ---------------------------------------------------------------- GRU
@defop("_gru_layer", dtypes=PROMOTE, saves=BOTH, nout=5, diff_outputs=(0, 1))
def _gru_layer(xp, xg, h0, w_hh, b_hh, *, batch_sizes, reverse):
    n_rows, hidden = xg.shape[0], w_hh.shape[1]
    dt = xg.dtype
    out = xp.empty((n_rows, hidden), dtype=dt)
    gates = xp.empty((n_rows, 3 * hidden), dtype=dt)   # r, z, n after activation
    gh_n = xp.empty((n_rows, hidden), dtype=dt)        # W_hn h + b_hn
    h_prev = xp.empty((n_rows, hidden), dtype=dt)
    h = h0.copy()
    w_t = w_hh.T
    gh = xp.empty((h0.shape[0], 3 * hidden), dtype=dt)
    with np.errstate(over="ignore"):
        for s, n in _steps(batch_sizes, reverse):
            rows = slice(s, s + n)
            hp = h_prev[rows]
            hp[...] = h[:n]
            ght = gh[:n]
            xp.matmul(hp, w_t, out=ght)
            if b_hh is not None:
                ght += b_hh
            g = gates[rows]
            rz = g[:, :2 * hidden]
            xp.add(xg[rows, :2 * hidden], ght[:, :2 * hidden], out=rz)
            _sigmoid_(xp, rz)
            ghn = gh_n[rows]
            ghn[...] = ght[:, 2 * hidden:]
            a = ght[:, 2 * hidden:]
            a *= g[:, :hidden]
            a += xg[rows, 2 * hidden:]
            nt = g[:, 2 * hidden:]
            _tanh_into(xp, a, nt)
            # h = n + z (h_prev - n)
            ht = out[rows]
            xp.subtract(hp, nt, out=ht)
            ht *= g[:, hidden:2 * hidden]
            ht += nt
            h[:n] = ht
    return out, h, gates, gh_n, h_prev


@defop("_gru_layer_backward", dtypes=PROMOTE, nout=4)
def _gru_layer_backward(xp, d_out, d_hn, gates, gh_n, h_prev, w_hh, *, batch_sizes, reverse,
                        bias):
    hidden = w_hh.shape[1]
    dt = gates.dtype
    d_gh = xp.empty_like(gates)      # gradient of the hidden projection W_hh h + b_hh
    d_xg = xp.empty_like(gates)
    dh = d_hn.copy()
    tmp = xp.empty((dh.shape[0], hidden), dtype=dt)
    for s, n in _steps(batch_sizes, not reverse):
        rows = slice(s, s + n)
        dht = dh[:n]
        dht += d_out[rows]
        g = gates[rows]
        r, z, nt = g[:, :hidden], g[:, hidden:2 * hidden], g[:, 2 * hidden:]
        dx = d_xg[rows]
        dr, dz, dn = dx[:, :hidden], dx[:, hidden:2 * hidden], dx[:, 2 * hidden:]
        t = tmp[:n]
        # dz = dh (h_prev - n) z (1 - z)
        xp.subtract(h_prev[rows], nt, out=dz)
        dz *= dht
        xp.subtract(1, z, out=t)
        t *= z
        dz *= t
        # dn = dh (1 - z) (1 - n^2)
        xp.subtract(1, z, out=dn)
        dn *= dht
        xp.multiply(nt, nt, out=t)
        xp.subtract(1, t, out=t)
        dn *= t
        # dr = dn * gh_n * r (1 - r)
        xp.multiply(dn, gh_n[rows], out=dr)
        xp.subtract(1, r, out=t)
        t *= r
        dr *= t
        dgh = d_gh[rows]
        dgh[:, :2 * hidden] = dx[:, :2 * hidden]
        xp.multiply(dn, r, out=dgh[:, 2 * hidden:])
        dht *= z
        dht += xp.matmul(dgh, w_hh)
    dw_hh = xp.matmul(d_gh.T, h_prev)
    db_hh = d_gh.sum(axis=0) if bias else _empty(xp, gates)
    return d_xg, dh, dw_hh, db_hh


@_gru_layer.defgrad
def _(ctx, d_out, d_hn, *_ws):
    from .. import is_grad_enabled
    if is_grad_enabled():
        return _composite_grad(ctx, "gru", (d_out, d_hn))
    xg, h0, w_hh, b_hh = ctx.inputs
    ws = [ctx.saved_output(k) for k in range(2, 5)]
    params = dict(ctx.params, bias=b_hh is not None)
    grads = dispatch(_gru_layer_backward, (d_out, d_hn, *ws, w_hh), params)
    return grads[:3] + ((grads[3] if b_hh is not None else None),)


# -------------------------------------------------------- Elman RNN
@defop("_rnn_layer", dtypes=PROMOTE, saves=BOTH, nout=3, diff_outputs=(0, 1))
def _rnn_layer(xp, xg, h0, w_hh, *, batch_sizes, reverse, relu):
    dt = xg.dtype
    out = xp.empty((xg.shape[0], w_hh.shape[0]), dtype=dt)
    h_prev = xp.empty_like(out)
    h = h0.copy()
    w_t = w_hh.T
    with np.errstate(over="ignore"):
        for s, n in _steps(batch_sizes, reverse):
            rows = slice(s, s + n)
            hp = h_prev[rows]
            hp[...] = h[:n]
            ht = out[rows]
            xp.matmul(hp, w_t, out=ht)
            ht += xg[rows]
            if relu:
                xp.maximum(ht, 0, out=ht)
            else:
                xp.tanh(ht, out=ht)
            h[:n] = ht
    return out, h, h_prev


@defop("_rnn_layer_backward", dtypes=PROMOTE, nout=3)
def _rnn_layer_backward(xp, d_out, d_hn, out, h_prev, w_hh, *, batch_sizes, reverse, relu):
    d_a = xp.empty_like(out)
    dh = d_hn.copy()
    for s, n in _steps(batch_sizes, not reverse):
        rows = slice(s, s + n)
        dht = dh[:n]
        dht += d_out[rows]
        da, ht = d_a[rows], out[rows]
        if relu:
            xp.multiply(dht, ht > 0, out=da)
        else:
            xp.multiply(ht, ht, out=da)
            xp.subtract(1, da, out=da)
            da *= dht
        xp.matmul(da, w_hh, out=dht)
    return d_a, dh, xp.matmul(d_a.T, h_prev)


@_rnn_layer.defgrad
def _(ctx, d_out, d_hn, *_ws):
    from .. import is_grad_enabled
    if is_grad_enabled():
        return _composite_grad(ctx, "rnn", (d_out, d_hn))
    xg, h0, w_hh = ctx.inputs
    out, h_prev = ctx.saved_output(0), ctx.saved_output(2)
    return dispatch(_rnn_layer_backward, (d_out, d_hn, out, h_prev, w_hh), ctx.params)


# ------------------------------------------ differentiable recomputation
def _composite_grad(ctx, kind, grads):
    """Gradients with a graph: rerun the layer with ember ops and differentiate it."""
    from ..autograd import grad as autograd_grad
    inputs = ctx.inputs
    outs = _layer_composite(kind, inputs, ctx.params)
    wanted = [k for k, need in enumerate(ctx.needs_input_grad) if need]
    pairs = [(o, g) for o, g in zip(outs, grads) if g is not None and o.requires_grad]
    found = autograd_grad([o for o, _ in pairs], [inputs[k] for k in wanted],
                          [g for _, g in pairs], create_graph=True, allow_unused=True)
    result = [None] * len(inputs)
    for k, gk in zip(wanted, found):
        result[k] = gk
    return tuple(result)


def _keep_rows(new, old, n):
    """The state after a step that updated the first ``n`` rows."""
    from .. import cat
    return new if n == old.shape[0] else cat([new, old[n:]])


def _layer_composite(kind, inputs, params):
    """The layer written with ember ops, step by step (differentiable to any order)."""
    from .. import cat
    c = w_hr = b_hh = None
    if kind == "lstm":
        xg, h, c, w_hh, w_hr = inputs
    elif kind == "gru":
        xg, h, w_hh, b_hh = inputs
    else:
        xg, h, w_hh = inputs
    w_t = w_hh.t()
    steps = _steps(params["batch_sizes"], params["reverse"])
    outs = {}
    for s, n in steps:
        x_t, hp = xg[s:s + n], h[:n]
        if kind == "lstm":
            i, f, g, o = (x_t + hp.matmul(w_t)).chunk(4, 1)
            c_new = f.sigmoid() * c[:n] + i.sigmoid() * g.tanh()
            h_new = o.sigmoid() * c_new.tanh()
            if w_hr is not None:
                h_new = h_new.matmul(w_hr.t())
            c = _keep_rows(c_new, c, n)
        elif kind == "gru":
            gh = hp.matmul(w_t)
            if b_hh is not None:
                gh = gh + b_hh
            xr, xz, xn = x_t.chunk(3, 1)
            hr, hz, hn = gh.chunk(3, 1)
            r, z = (xr + hr).sigmoid(), (xz + hz).sigmoid()
            nt = (xn + r * hn).tanh()
            h_new = nt + z * (hp - nt)
        else:
            a = x_t + hp.matmul(w_t)
            h_new = a.relu() if params["relu"] else a.tanh()
        outs[s] = h_new
        h = _keep_rows(h_new, h, n)
    out = cat([outs[s] for s in sorted(outs)])
    return (out, h, c) if kind == "lstm" else (out, h)


# ---------------------------------------------------- public entry points
def lstm_layer(xg, h0, c0, w_hh, w_hr=None, *, batch_sizes, reverse=False):
    """One LSTM layer over a packed sequence of input projections: (out, h_n, c_n)."""
    r = dispatch(_lstm_layer, (xg, h0, c0, w_hh, w_hr),
                 {"batch_sizes": tuple(batch_sizes), "reverse": reverse})
    return r[0], r[1], r[2]


def gru_layer(xg, h0, w_hh, b_hh=None, *, batch_sizes, reverse=False):
    """One GRU layer over a packed sequence of input projections: (out, h_n)."""
    r = dispatch(_gru_layer, (xg, h0, w_hh, b_hh),
                 {"batch_sizes": tuple(batch_sizes), "reverse": reverse})
    return r[0], r[1]


def rnn_layer(xg, h0, w_hh, *, batch_sizes, reverse=False, relu=False):
    """One Elman RNN layer (tanh or relu) over packed input projections: (out, h_n)."""
    r = dispatch(_rnn_layer, (xg, h0, w_hh),
                 {"batch_sizes": tuple(batch_sizes), "reverse": reverse, "relu": relu})
    return r[0], r[1]


def _proj(input, w_ih, b_ih, extra_bias=None):
    xg = input.matmul(w_ih.t())
    if b_ih is not None:
        xg = xg + b_ih
    if extra_bias is not None:
        xg = xg + extra_bias
    return xg


@export("lstm_cell", method=False)
def lstm_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One LSTM step on a batch: returns (h', c') (torch.lstm_cell)."""
    h, c = hx
    xg = _proj(input, w_ih, b_ih, b_hh)
    _, h1, c1 = lstm_layer(xg, h, c, w_hh, batch_sizes=(input.shape[0],))
    return h1, c1


@export("gru_cell", method=False)
def gru_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One GRU step on a batch: returns h' (torch.gru_cell)."""
    xg = _proj(input, w_ih, b_ih)
    return gru_layer(xg, hx, w_hh, b_hh, batch_sizes=(input.shape[0],))[1]


@export("rnn_tanh_cell", method=False)
def rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One tanh RNN step on a batch: returns h' (torch.rnn_tanh_cell)."""
    xg = _proj(input, w_ih, b_ih, b_hh)
    return rnn_layer(xg, hx, w_hh, batch_sizes=(input.shape[0],))[1]


@export("rnn_relu_cell", method=False)
def rnn_relu_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One relu RNN step on a batch: returns h' (torch.rnn_relu_cell)."""
    xg = _proj(input, w_ih, b_ih, b_hh)
    return rnn_layer(xg, hx, w_hh, batch_sizes=(input.shape[0],), relu=True)[1]


# ------------------------------------------------- stacked, bidirectional
def rnn_stack(mode, data, batch_sizes, states, weights, num_layers, bidirectional, dropout=0.0,
              train=False):
    """Every layer and direction over packed ``data`` [N, input_size].

    ``states``: the initial states, (h0,) or (h0, c0) with shape [L*D, B, *];
    ``weights``: per layer and direction (w_ih, w_hh, b_ih, b_hh, w_hr), None
    where absent. Dropout (training only) goes between layers. Returns the
    output data [N, D*H] and the final states stacked like ``states``."""
    from .. import cat, dropout as _dropout, stack
    directions = 2 if bidirectional else 1
    final = [[] for _ in states]
    x = data
    for layer in range(num_layers):
        outs = []
        for d in range(directions):
            k = layer * directions + d
            result = _one_layer(mode, x, weights[k], [s[k] for s in states], batch_sizes, d == 1)
            outs.append(result[0])
            for lst, s in zip(final, result[1:]):
                lst.append(s)
        x = outs[0] if directions == 1 else cat(outs, 1)
        if dropout and train and layer < num_layers - 1:
            x = _dropout(x, dropout, True)
    return x, tuple(stack(lst) for lst in final)


def _one_layer(mode, x, w, init_states, batch_sizes, reverse):
    w_ih, w_hh, b_ih, b_hh, w_hr = w
    if mode == "GRU":
        xg = _project(x, w_ih, b_ih)
        return gru_layer(xg, init_states[0], w_hh, b_hh, batch_sizes=batch_sizes, reverse=reverse)
    xg = _project(x, w_ih, None if b_ih is None else b_ih + b_hh)
    if mode == "LSTM":
        return lstm_layer(xg, init_states[0], init_states[1], w_hh, w_hr,
                          batch_sizes=batch_sizes, reverse=reverse)
    return rnn_layer(xg, init_states[0], w_hh, batch_sizes=batch_sizes, reverse=reverse,
                     relu=mode == "RNN_RELU")


def _project(x, w_ih, bias):
    """Input projections of every time step: one matmul (x @ w_ih.T + bias)."""
    from .. import addmm
    return x.matmul(w_ih.t()) if bias is None else addmm(bias, x, w_ih.t())


def _group_params(params, has_biases, num_layers, bidirectional):
    """torch's flat parameter list as (w_ih, w_hh, b_ih, b_hh, w_hr) per layer and direction."""
    params = list(params)
    groups = num_layers * (2 if bidirectional else 1)
    per = len(params) // groups
    base = 4 if has_biases else 2
    if per not in (base, base + 1) or per * groups != len(params):
        raise RuntimeError(f"got {len(params)} parameters for {groups} layers and directions "
                           f"with has_biases={has_biases}")
    out = []
    for k in range(groups):
        p = params[k * per:(k + 1) * per]
        biases = (p[2], p[3]) if has_biases else (None, None)
        out.append((p[0], p[1], *biases, p[base] if per > base else None))
    return out


def _functional(mode, args):
    """torch.lstm & co: the padded overload (input, hx, params, has_biases, num_layers,
    dropout, train, bidirectional, batch_first) or the packed one (data, batch_sizes,
    hx, params, has_biases, num_layers, dropout, train, bidirectional)."""
    from .registry import _Tensor
    packed = isinstance(args[1], _Tensor) if mode == "LSTM" else isinstance(args[2], _Tensor)
    if packed:
        data, batch_sizes, hx, params, has_biases, num_layers, dropout, train, bidir = args
        sizes = [int(n) for n in batch_sizes.tolist()]
        batch_first = False
    else:
        data, hx, params, has_biases, num_layers, dropout, train, bidir, batch_first = args
        if batch_first:
            data = data.transpose(0, 1)
        steps, batch = data.shape[0], data.shape[1]
        sizes = [batch] * steps
        data = data.reshape(steps * batch, data.shape[2])
    states = tuple(hx) if isinstance(hx, (list, tuple)) else (hx,)
    weights = _group_params(params, has_biases, num_layers, bidir)
    out, final = rnn_stack(mode, data, sizes, states, weights, num_layers, bidir, dropout, train)
    if not packed:
        out = out.reshape(steps, batch, out.shape[-1])
        if batch_first:
            out = out.transpose(0, 1)
    return (out, *final)


@export("lstm", method=False)
def lstm(*args):
    """A stacked LSTM over padded or packed data with a flat parameter list:
    returns (output, h_n, c_n) (torch.lstm, as nn.LSTM calls it)."""
    return _functional("LSTM", args)


@export("gru", method=False)
def gru(*args):
    """A stacked GRU with a flat parameter list: returns (output, h_n) (torch.gru)."""
    return _functional("GRU", args)


@export("rnn_tanh", method=False)
def rnn_tanh(*args):
    """A stacked tanh RNN with a flat parameter list: (output, h_n) (torch.rnn_tanh)."""
    return _functional("RNN_TANH", args)


@export("rnn_relu", method=False)
def rnn_relu(*args):
    """A stacked relu RNN with a flat parameter list: (output, h_n) (torch.rnn_relu)."""
    return _functional("RNN_RELU", args)
