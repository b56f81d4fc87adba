"""The backward engine: walks the graph from the roots in dependency order,
runs each node's backward rule, and accumulates into leaves' ``.grad`` (for
``backward``) or captures the gradients of chosen inputs (for ``grad``)."""
from __future__ import annotations

import heapq

from . import anomaly, grad_mode
from .graph import Node

_Tensor = None  # set by ember._tensor
_make = None


def _root_edge(t, i):
    t._fresh()
    if t._grad_fn is not None:
        return (t._grad_fn, t._out_nr)
    if t._rg:
        return (t, 0)
    raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")


def _root_grads(tensors, grad_tensors, create_graph):
    grads = []
    for i, (t, g) in enumerate(zip(tensors, grad_tensors)):
        if g is None:
            if t._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if t._dtype.category < 2:
                raise RuntimeError(
                    f"grad can be implicitly created only for real scalar outputs but got {t._dtype}")
            xp = t._device.backend.xp
            g = _make(xp.ones(t._data.shape, dtype=t._dtype.np), t._dtype, t._device)
        else:
            if not isinstance(g, _Tensor):
                raise TypeError(f"gradients can be either Tensors or None, but got {type(g).__name__}")
            if g._data.shape != t._data.shape:
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and "
                    f"output[{i}] has a shape of {t.shape}.")
            if g._dtype.is_complex != t._dtype.is_complex:
                raise RuntimeError(
                    f"For complex Tensors, both grad_output and output are required to have the "
                    f"same dtype. Mismatch in dtype: grad_output[{i}] has a dtype of {g._dtype} "
                    f"and output[{i}] has a dtype of {t._dtype}.")
        grads.append(g)
    return grads


def _discover(root_nodes):
    """Number of incoming edges of every node reachable from the roots."""
    deps = {}
    seen = set()
    stack = list(root_nodes)
    order = []
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        order.append(node)
        for e in node.next:
            if e is not None and e[0].__class__ is not _Tensor and not isinstance(e[0], _Tensor):
                child = e[0]
                deps[child] = deps.get(child, 0) + 1
                if child not in seen:
                    stack.append(child)
    return deps, order


def _needed(order, is_target):
    """Nodes from which some target is reachable (only those run in grad())."""
    needed = {}
    # order is a DFS pre-order; iterate to a fixed point in reverse seq order
    for node in sorted(order, key=lambda n: n.seq):
        hit = False
        for e in node.next:
            if e is None:
                continue
            if is_target(e[0], e[1]) or needed.get(e[0], False):
                hit = True
                break
        needed[node] = hit
    return needed


def run_backward(tensors, grad_tensors, retain_graph=None, create_graph=False,
                 inputs=None, allow_unused=False, capture=False):
    """Shared engine for Tensor.backward, autograd.backward and autograd.grad.

    With ``capture`` the gradients of ``inputs`` are returned and no ``.grad``
    is touched; otherwise gradients accumulate into leaves (only into
    ``inputs`` when given)."""
    if retain_graph is None:
        retain_graph = create_graph
    roots = [_root_edge(t, i) for i, t in enumerate(tensors)]
    grads = _root_grads(tensors, grad_tensors, create_graph)

    targets = None
    if inputs is not None:
        targets = {}
        for k, t in enumerate(inputs):
            if not isinstance(t, _Tensor):
                raise TypeError(f"inputs must be Tensors, got {type(t).__name__}")
            if not t._rg:
                raise RuntimeError("One of the differentiated Tensors does not require grad")
            key = id(t) if t._grad_fn is None else (id(t._grad_fn), t._out_nr)
            targets.setdefault(key, []).append(k)
    captured = {}

    def target_key(obj, nr):
        if targets is None:
            return None
        key = id(obj) if isinstance(obj, _Tensor) else (id(obj), nr)
        return key if key in targets else None

    prev_mode = grad_mode._state[0]
    grad_mode._state[0] = create_graph
    try:
        buffers = {}
        handed_out = {id(g) for g in grads}  # user-given root grads are never stolen
        for (obj, nr), g in zip(roots, grads):
            if isinstance(obj, _Tensor):
                _deliver_leaf(obj, g, targets, target_key, captured, capture, create_graph, handed_out)
            else:
                buf = buffers.setdefault(obj, [None] * obj.num_outputs())
                buf[nr] = g if buf[nr] is None else buf[nr] + g
        root_nodes = [obj for obj, _ in roots if not isinstance(obj, _Tensor)]
        deps, order = _discover(root_nodes)
        needed = None
        if targets is not None:
            needed = _needed(order, lambda o, nr: target_key(o, nr) is not None)
        heap = [(-n.seq, n) for n in set(root_nodes) if deps.get(n, 0) == 0]
        heapq.heapify(heap)
        check_nan = anomaly.enabled[0] and anomaly.enabled[1]
        while heap:
            node = heapq.heappop(heap)[1]
            out_grads = buffers.pop(node, None)
            if out_grads is not None:
                if node.tensor_pre_hooks or node.retain_grads or node.pre_hooks:
                    out_grads = _pre_hooks(node, out_grads)
                if targets is not None:
                    for nr, g in enumerate(out_grads):
                        key = target_key(node, nr)
                        if key is not None and g is not None:
                            _capture(captured, key, g)
            run = out_grads is not None and (needed is None or needed.get(node))
            in_grads = _apply(node, out_grads, check_nan) if run else None
            if run and not retain_graph:
                node.release()
            k = -1
            for e in node.next:
                k += 1
                if e is None:
                    continue
                obj, nr, shape, dtype = e
                g = in_grads[k] if in_grads is not None else None
                if g is not None and (g._data.shape != shape or g._dtype is not dtype):
                    g = _conform(g, shape, dtype)
                if obj.__class__ is _Tensor or isinstance(obj, _Tensor):
                    if g is not None:
                        _deliver_leaf(obj, g, targets, target_key, captured, capture,
                                      create_graph, handed_out)
                    continue
                if g is not None:
                    buf = buffers.get(obj)
                    if buf is None:
                        buf = buffers[obj] = [None] * obj.num_outputs()
                    prev = buf[nr]
                    buf[nr] = g if prev is None else prev + g
                left = deps[obj] - 1
                deps[obj] = left
                if left == 0:
                    heapq.heappush(heap, (-obj.seq, obj))
    finally:
        grad_mode._state[0] = prev_mode

    if not capture:
        return None
    result = [None] * len(inputs)
    for key, positions in targets.items():
        g = captured.get(key)
        for k in positions:
            if g is None and not allow_unused:
                raise RuntimeError(
                    "One of the differentiated Tensors appears to not have been used in the graph. "
                    "Set allow_unused=True if this is the desired behavior.")
            result[k] = g
    return tuple(result)


def _conform(g, shape, dtype):
    """Reduce a broadcast gradient to its input's shape and cast it to its dtype."""
    if g._data.shape != shape:
        g = g.sum_to_size(shape)
    if g._dtype is not dtype:
        if g._dtype.is_complex and not dtype.is_complex:
            g = g.real
        g = g.to(dtype)
    return g


def _pre_hooks(node, out_grads):
    if node.tensor_pre_hooks:
        for nr, hooks in node.tensor_pre_hooks.items():
            for hook in list(hooks):
                if out_grads[nr] is None:
                    continue
                new = hook(out_grads[nr])
                if new is not None:
                    out_grads[nr] = new
    if node.retain_grads:
        for nr, ref in node.retain_grads.items():
            t = ref()
            g = out_grads[nr]
            if t is not None and g is not None:
                if t._grad is None:
                    t._grad = g.detach().clone() if not grad_mode._state[0] else g.clone()
                else:
                    t._grad = t._grad + g
    if node.pre_hooks:
        for hook in node.pre_hooks:
            new = hook(tuple(out_grads))
            if new is not None:
                out_grads = list(new)
    return out_grads


def _apply(node, out_grads, check_nan):
    if len(out_grads) > 1 or out_grads[0] is None:
        out_grads = _materialize(node, out_grads)
    in_grads = node.apply(out_grads)
    if not isinstance(in_grads, (tuple, list)):
        in_grads = (in_grads,)
    if len(in_grads) != len(node.next):
        raise RuntimeError(
            f"function {node.name()} returned an incorrect number of gradients "
            f"(expected {len(node.next)}, got {len(in_grads)})")
    if node.hooks:
        for hook in node.hooks:
            new = hook(tuple(in_grads), tuple(out_grads))
            if new is not None:
                in_grads = new
    if check_nan:
        anomaly.check_outputs(node, in_grads)
    return in_grads


def _materialize(node, out_grads):
    meta = node.out_meta
    if meta is None:
        return out_grads
    out = list(out_grads)
    for i, g in enumerate(out):
        if g is None and meta[i] is not None:
            shape, dtype, device = meta[i]
            out[i] = _make(device.backend.xp.zeros(shape, dtype=dtype.np), dtype, device)
    return out


def _capture(captured, key, g):
    prev = captured.get(key)
    captured[key] = g if prev is None else prev + g


def _deliver_leaf(leaf, g, targets, target_key, captured, capture, create_graph, handed_out):
    hooks = leaf._hooks
    if hooks:
        for hook in list(hooks.values()):
            new = hook(g)
            if new is not None:
                g = new
    if targets is not None:
        key = target_key(leaf, 0)
        if key is None:
            return
        if capture:
            _capture(captured, key, g)
            return
    _accumulate(leaf, g, create_graph, handed_out)
    post = leaf._post_acc_hooks
    if post:
        for hook in list(post.values()):
            hook(leaf)


def _accumulate(leaf, g, create_graph, handed_out):
    """leaf.grad += g, stealing g's buffer only when nothing else can see it."""
    if leaf._grad is None:
        if create_graph:
            leaf._grad = g
        elif g._grad_fn is None and g._data.base is None and id(g) not in handed_out \
                and not g._rg:
            handed_out.add(id(g))
            leaf._grad = g
        else:
            leaf._grad = _make(g._data.copy(), g._dtype, g._device)
    elif create_graph or leaf._grad._rg:
        leaf._grad = leaf._grad + g
    else:
        leaf._grad._data += g._data
        leaf._grad._vc[0] += 1


def node_of(t):
    return t._grad_fn if isinstance(t._grad_fn, Node) else None
