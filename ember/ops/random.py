"""Random sampling: Generator, the default generator and seeding, the
samplers (rand, randn, randint, randperm, normal, bernoulli, multinomial,
poisson and their _like forms) and the in-place samplers (uniform_, normal_,
random_, exponential_, bernoulli_, geometric_, log_normal_, cauchy_).

A Generator wraps a NumPy ``Generator(PCG64)``: streams are reproducible per
seed and state, not bit-equal to torch's. Samples are drawn on the host and
moved to the tensor's device. Float32 samples are drawn as float32 (never
through float64 arrays). Ops whose inputs require grad record a node with a
zero gradient, as torch does.
"""
from __future__ import annotations

import numbers

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from .._device import as_device
from ._api import export, export_method
from .creation import _finish, _type_word, broadcast_shapes, parse_size
from .registry import KEEP, PROMOTE, defop, dispatch, dispatch_inplace, write_out

_DEFAULT_SEED = 67280421310721
# PCG64 state (16 bytes) + increment (16) + buffered-word flag (8) + word (8) + seed (8)
_STATE_BYTES = 56
_U64 = 1 << 64


def _check_seed(seed) -> int:
    seed = int(seed)
    if not -(1 << 63) <= seed < _U64:
        raise ValueError("Overflow when unpacking long long")
    return seed % _U64


class Generator:
    """A random number generator (torch.Generator) backed by NumPy's PCG64."""

    def __init__(self, device="cpu"):
        self._device = as_device(device)
        self.manual_seed(_DEFAULT_SEED)

    @property
    def device(self):
        return self._device

    def manual_seed(self, seed) -> "Generator":
        """Reset the stream from seed (an int in [-2**63, 2**64)); returns self."""
        self._seed = _check_seed(seed)
        self._numpy_rng = None
        return self

    @property
    def _rng(self):
        # built on first draw: numpy.random costs ~15 ms of `import ember` otherwise
        if self._numpy_rng is None:
            self._numpy_rng = np.random.Generator(np.random.PCG64(self._seed))
        return self._numpy_rng

    def seed(self) -> int:
        """Seed from system entropy and return that seed."""
        s = int(np.random.SeedSequence().entropy) % _U64
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        """The seed the stream was last started from."""
        return self._seed

    def get_state(self):
        """The generator's state as a uint8 tensor (for set_state)."""
        st = self._rng.bit_generator.state
        words = (st["state"]["state"], st["state"]["inc"])
        raw = b"".join(w.to_bytes(16, "little") for w in words)
        raw += int(st["has_uint32"]).to_bytes(8, "little")
        raw += int(st["uinteger"]).to_bytes(8, "little") + self._seed.to_bytes(8, "little")
        return _finish(np.frombuffer(raw, dtype=np.uint8).copy(), D.uint8, "cpu", False)

    def set_state(self, new_state) -> "Generator":
        """Restore a state returned by get_state; returns self."""
        if not isinstance(new_state, Tensor) or new_state._dtype is not D.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        raw = bytes(new_state._device.backend.to_numpy(new_state._data).reshape(-1))
        if len(raw) != _STATE_BYTES:
            raise RuntimeError(f"Invalid RNG state: expected {_STATE_BYTES} bytes, "
                               f"got {len(raw)}")
        bitgen = np.random.PCG64()
        bitgen.state = {
            "bit_generator": "PCG64",
            "state": {"state": int.from_bytes(raw[0:16], "little"),
                      "inc": int.from_bytes(raw[16:32], "little")},
            "has_uint32": int.from_bytes(raw[32:40], "little"),
            "uinteger": int.from_bytes(raw[40:48], "little"),
        }
        self._numpy_rng = np.random.Generator(bitgen)
        self._seed = int.from_bytes(raw[48:56], "little")
        return self

    def __repr__(self) -> str:
        return f"<ember.Generator object at {hex(id(self))}>"


default_generator = Generator()
_device_generators: dict = {"cpu": default_generator}
export("Generator", method=False)(Generator)
export("default_generator", method=False)(default_generator)


def _generator(generator, device=None) -> Generator:
    if generator is None:
        kind = as_device(device).type
        if kind not in _device_generators:
            _device_generators[kind] = Generator(kind).manual_seed(default_generator._seed)
        return _device_generators[kind]
    if not isinstance(generator, Generator):
        raise TypeError(f"expected a Generator for argument 'generator', "
                        f"got {type(generator).__name__}")
    return generator


@export("manual_seed", method=False)
def manual_seed(seed) -> Generator:
    """Seed every default generator (torch.manual_seed); returns the CPU one."""
    s = _check_seed(seed)
    for g in _device_generators.values():
        g.manual_seed(s)
    return default_generator


@export("seed", method=False)
def seed() -> int:
    """Seed the default generators from system entropy and return the seed."""
    s = default_generator.seed()
    manual_seed(s)
    return s


@export("initial_seed", method=False)
def initial_seed() -> int:
    """The initial seed of the default CPU generator."""
    return default_generator.initial_seed()


@export("get_rng_state", method=False)
def get_rng_state():
    """The default CPU generator's state as a uint8 tensor."""
    return default_generator.get_state()


@export("set_rng_state", method=False)
def set_rng_state(new_state) -> None:
    """Restore the default CPU generator's state."""
    default_generator.set_state(new_state)


# ---------------------------------------------------------- host sampling
_UNIFORM_BITS = {"float16": 11, "bfloat16": 8}


def _uniform(rng, shape, dt: D.dtype) -> np.ndarray:
    """Uniform [0, 1) samples of a real float dtype, drawn at that precision."""
    if dt is D.float32 or dt is D.float64:
        return rng.random(shape, dtype=dt.np)
    bits = _UNIFORM_BITS[dt.name]
    return (rng.integers(0, 1 << bits, shape, dtype=np.int32).astype(np.float32)
            * np.float32(2.0 ** -bits)).astype(dt.np)


def _standard_normal(rng, shape, dt: D.dtype) -> np.ndarray:
    if dt is D.float32 or dt is D.float64:
        return rng.standard_normal(shape, dtype=dt.np)
    return rng.standard_normal(shape, dtype=np.float32).astype(dt.np)


def _complex_parts(fn, rng, shape, dt: D.dtype, scale=None) -> np.ndarray:
    real = dt.to_real()
    out = np.empty(shape, dtype=dt.np)
    out.real = fn(rng, shape, real)
    out.imag = fn(rng, shape, real)
    if scale is not None:
        out *= real.np.type(scale)
    return out


def _to_device(arr, xp):
    return arr if xp is np else xp.asarray(arr)


def _not_implemented(kernel: str, dt: D.dtype):
    return NotImplementedError(f"\"{kernel}\" not implemented for '{_type_word(dt)}'")


def _fmt(x) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def _result(arr, dt, device, requires_grad, out):
    if out is not None:
        return write_out(out, _finish(arr, dt, out._device, False))
    return _finish(arr, dt, device, requires_grad)


def _out_dtype(dtype, out):
    if dtype is not None:
        return dtype
    return out._dtype if out is not None else D.get_default_dtype()


# ------------------------------------------------------- rand, randn, ...
def _rand_array(rng, shape, dt):
    if dt.category == D.COMPLEX:
        return _complex_parts(_uniform, rng, shape, dt)
    if dt.category != D.FLOAT:
        raise _not_implemented("check_uniform_bounds", dt)
    return _uniform(rng, shape, dt)


def _randn_array(rng, shape, dt):
    if dt.category == D.COMPLEX:
        return _complex_parts(_standard_normal, rng, shape, dt, scale=np.sqrt(0.5))
    if dt.category != D.FLOAT:
        raise _not_implemented("normal_kernel_cpu", dt)
    return _standard_normal(rng, shape, dt)


def _sized(fname, size):
    if not size:
        raise TypeError(f"{fname}() missing 1 required positional arguments: \"size\"")
    return parse_size(size, fname)


@export("rand", method=False)
def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None,
         requires_grad: bool = False, pin_memory: bool = False):
    """Uniform samples on [0, 1) of the given size (torch.rand)."""
    shape = _sized("rand", size)
    dt = _out_dtype(dtype, out)
    arr = _rand_array(_generator(generator, device)._rng, shape, dt)
    return _result(arr, dt, device, requires_grad, out)


@export("randn", method=False)
def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None,
          requires_grad: bool = False, pin_memory: bool = False):
    """Standard normal samples of the given size (torch.randn)."""
    shape = _sized("randn", size)
    dt = _out_dtype(dtype, out)
    arr = _randn_array(_generator(generator, device)._rng, shape, dt)
    return _result(arr, dt, device, requires_grad, out)


def _like_args(fname, input, dtype, device):
    if not isinstance(input, Tensor):
        raise TypeError(f"{fname}(): argument 'input' (position 1) must be Tensor, "
                        f"not {type(input).__name__}")
    return input._data.shape, dtype or input._dtype, \
        device if device is not None else input._device


@export("rand_like", method=False)
def rand_like(input, *, generator=None, dtype=None, layout=None, device=None,
              requires_grad: bool = False, memory_format=None):
    """rand with the shape (and by default dtype and device) of input."""
    shape, dt, dev = _like_args("rand_like", input, dtype, device)
    arr = _rand_array(_generator(generator, dev)._rng, shape, dt)
    return _finish(arr, dt, dev, requires_grad)


@export("randn_like", method=False)
def randn_like(input, *, generator=None, dtype=None, layout=None, device=None,
               requires_grad: bool = False, memory_format=None):
    """randn with the shape (and by default dtype and device) of input."""
    shape, dt, dev = _like_args("randn_like", input, dtype, device)
    arr = _randn_array(_generator(generator, dev)._rng, shape, dt)
    return _finish(arr, dt, dev, requires_grad)


def _int_arg(fname, name, value, pos):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{fname}(): argument '{name}' (position {pos}) must be int, "
                        f"not {type(value).__name__}")
    return int(value)


def _check_int_range(low, high, dt):
    """torch's bounds checks for drawing integers in [low, high) into dtype dt."""
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got "
                           f"from={low} >= to={high}")
    if dt.category == D.INT:
        info = np.iinfo(dt.np)
        lo, hi = int(info.min), int(info.max)
    elif dt is D.bool_:
        lo, hi = 0, 1
    elif dt is D.float16 or dt is D.bfloat16:
        digits = _FLOAT_DIGITS[dt.name]
        lo, hi = -(1 << digits), 1 << digits
    else:
        return   # float32/float64: torch only warns about values beyond 2**mantissa
    if not lo <= low <= hi:
        raise RuntimeError(f"from is out of bounds for {dt.name}")
    if not lo <= high - 1 <= hi:
        raise RuntimeError(f"to - 1 is out of bounds for {dt.name}")


_FLOAT_DIGITS = {"float16": 11, "bfloat16": 8, "float32": 24, "float64": 53}


def _integers(rng, low, high, shape, dt):
    if dt.category == D.COMPLEX:
        raise _not_implemented("random_from_to", dt)
    if high - 1 > np.iinfo(np.int64).max:
        arr = rng.integers(low, high, shape, dtype=np.uint64)
    else:
        arr = rng.integers(low, high, shape, dtype=np.int64)
    return arr.astype(dt.np)


@export("randint", method=False)
def randint(low=0, high=None, size=None, *, generator=None, out=None, dtype=None, layout=None,
            device=None, requires_grad: bool = False, pin_memory: bool = False):
    """Integers drawn uniformly from [low, high): randint(high, size) or
    randint(low, high, size); int64 unless dtype is given (torch.randint)."""
    if size is None:
        if high is None:
            raise TypeError("randint() missing 1 required positional arguments: \"size\"")
        if isinstance(high, (tuple, list)):
            low, high, size = 0, low, high
        else:
            raise TypeError("randint() missing 1 required positional arguments: \"size\"")
    elif high is None:
        low, high = 0, low
    low = _int_arg("randint", "low", low, 1)
    high = _int_arg("randint", "high", high, 2)
    if not -(1 << 63) <= low or not high <= (1 << 63) - 1:
        raise ValueError("Overflow when unpacking long long")
    shape = parse_size((size,), "randint")
    dt = dtype or (out._dtype if out is not None else D.int64)
    _check_int_range(low, high, dt)
    arr = _integers(_generator(generator, device)._rng, low, high, shape, dt)
    return _result(arr, dt, device, requires_grad, out)


@export("randint_like", method=False)
def randint_like(input, low=0, high=None, *, generator=None, dtype=None, layout=None,
                 device=None, requires_grad: bool = False, memory_format=None):
    """randint with the shape (and by default dtype and device) of input:
    randint_like(input, high) or randint_like(input, low, high)."""
    if high is None:
        low, high = 0, low
    low = _int_arg("randint_like", "low", low, 2)
    high = _int_arg("randint_like", "high", high, 3)
    shape, dt, dev = _like_args("randint_like", input, dtype, device)
    _check_int_range(low, high, dt)
    arr = _integers(_generator(generator, dev)._rng, low, high, shape, dt)
    return _finish(arr, dt, dev, requires_grad)


@export("randperm", method=False)
def randperm(n: int, *, generator=None, out=None, dtype=None, layout=None, device=None,
             requires_grad: bool = False, pin_memory: bool = False):
    """A random permutation of 0 .. n-1, int64 unless dtype is given (torch.randperm)."""
    n = _int_arg("randperm", "n", n, 1)
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    dt = dtype or (out._dtype if out is not None else D.int64)
    if n and (dt.category == D.INT or dt is D.float16 or dt is D.bfloat16):
        _check_int_range(0, n, dt)
    if n > 2 and dt is D.bool_:
        raise RuntimeError(f"n must be less than or equal to 2 for bool dtype, got {n}")
    arr = _generator(generator, device)._rng.permutation(n).astype(dt.np)
    return _result(arr, dt, device, requires_grad, out)


# -------------------------------------------------- samplers with inputs
def _zero_grads(ctx, g):
    from .creation import zeros_like
    return tuple(zeros_like(g) if need else None for need in ctx.needs_input_grad)


@defop("normal", dtypes=PROMOTE)
def _normal(xp, mean, std, generator, shape):
    dt = D.from_numpy_dtype(mean.dtype if hasattr(mean, "dtype") else std.dtype)
    z = _randn_array(generator._rng, shape, dt)
    return mean + std * _to_device(z, xp)


_normal.defgrad(_zero_grads)


def _check_std(std):
    if isinstance(std, Tensor):
        if std._data.size and bool((std._data < 0).any()):
            raise RuntimeError("normal expects all elements of std >= 0.0")
    elif std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_fmt(std)}")


@export("normal", method=False)
def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None,
           layout=None, device=None, requires_grad: bool = False, pin_memory: bool = False):
    """Normal samples: normal(mean, std) with either a tensor (broadcast together), or
    normal(mean, std, size) with two numbers (torch.normal)."""
    mt, st = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not (mt or st):
        if size is None:
            raise TypeError("normal() received an invalid combination of arguments - got "
                            "(float, float): give a size, or a Tensor mean or std")
        _check_std(std)
        shape = parse_size((size,), "normal")
        dt = _out_dtype(dtype, out)
        g = _generator(generator, device)
        z = _randn_array(g._rng, shape, dt)
        return _result(dt.np.type(mean) + dt.np.type(std) * z, dt, device, requires_grad, out)
    for t in (mean, std):
        if isinstance(t, Tensor) and t._dtype.category != D.FLOAT:
            raise _not_implemented("normal_kernel_cpu", t._dtype)
    _check_std(std)
    shape = broadcast_shapes(mean.shape if mt else (), std.shape if st else ())
    dev = (mean if mt else std)._device
    r = dispatch(_normal, (mean, std), {"generator": _generator(generator, dev), "shape": shape})
    return r if out is None else write_out(out, r)


def _probabilities_ok(arr) -> bool:
    return arr.size == 0 or bool(((arr >= 0) & (arr <= 1)).all())


_P_MSG = ("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")


@defop("bernoulli", dtypes=KEEP)
def _bernoulli(xp, x, generator, p=None):
    rng = generator._rng
    if p is None:
        u = rng.random(x.shape, dtype=np.float32 if x.dtype == np.float32 else np.float64)
        return (_to_device(u, xp) < x).astype(x.dtype)
    return _to_device(rng.random(x.shape) < p, xp).astype(x.dtype)


_bernoulli.defgrad(_zero_grads)


@export("bernoulli")
def bernoulli(input, p=None, *, generator=None, out=None):
    """0/1 samples with probabilities input (or the number p), of input's dtype."""
    params = {"generator": _generator(generator, input._device)}
    if p is None:
        if input._dtype.category != D.FLOAT:
            raise _not_implemented("bernoulli_tensor_cpu_p_", input._dtype)
        if not _probabilities_ok(input._device.backend.to_numpy(input._data)):
            raise RuntimeError(_P_MSG)
    else:
        _check_p(p)
        params["p"] = float(p)
    r = dispatch(_bernoulli, (input,), params)
    return r if out is None else write_out(out, r)


def _check_p(p):
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={_fmt(p)}")


@defop("poisson", dtypes=KEEP)
def _poisson(xp, rates, generator):
    host = rates if xp is np else xp.asnumpy(rates)
    return _to_device(generator._rng.poisson(host).astype(rates.dtype), xp)


_poisson.defgrad(_zero_grads)


@export("poisson", method=False)
def poisson(input, generator=None):
    """Poisson samples with rates input, of input's dtype (torch.poisson)."""
    if input._dtype.category != D.FLOAT:
        raise _not_implemented("poisson_cpu", input._dtype)
    host = input._device.backend.to_numpy(input._data)
    if host.size and not bool((host >= 0).all()):
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    return dispatch(_poisson, (input,), {"generator": _generator(generator, input._device)})


@export("multinomial")
def multinomial(input, num_samples: int, replacement: bool = False, *, generator=None,
                out=None):
    """Category indices drawn from the rows of input (non-negative weights), with or
    without replacement; int64 (torch.multinomial)."""
    if input._dtype.category != D.FLOAT:
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, "
                           f"got: {_type_word(input._dtype)}")
    if input.ndim not in (1, 2):
        raise RuntimeError(f"prob_dist must be 1 or 2 dim, got a {input.ndim}-dim tensor")
    if num_samples <= 0:
        raise RuntimeError(f"cannot sample n_sample <= 0 samples (got {num_samples})")
    k = input.shape[-1]
    if not replacement and num_samples > k:
        raise RuntimeError(f"cannot sample n_sample > prob_dist.size(-1) samples without "
                           f"replacement (n_sample={num_samples}, size(-1)={k})")
    probs = np.asarray(input._device.backend.to_numpy(input._data), dtype=np.float64)
    rows = probs.reshape(-1, k)
    if not (np.isfinite(rows).all() and (rows >= 0).all()):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    total = rows.sum(axis=1)
    if rows.shape[0] and not (total > 0).all():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    rng = _generator(generator, input._device)._rng
    if replacement:
        cdf = np.cumsum(rows, axis=1)
        cdf /= cdf[:, -1:]
        u = rng.random((rows.shape[0], num_samples))
        idx = np.stack([np.searchsorted(c, v, side="right") for c, v in zip(cdf, u)]) \
            if rows.shape[0] else np.empty((0, num_samples), np.int64)
        idx = np.minimum(idx, k - 1)
    else:
        # exponential race: the smallest Exp(1) / p come first, which is sequential
        # sampling without replacement; categories of probability 0 (key inf) come
        # last, in random order, as in torch
        with np.errstate(divide="ignore"):
            keys = rng.standard_exponential(rows.shape) / rows
        tie = rng.random(rows.shape)
        idx = np.lexsort((tie, keys), axis=-1)[:, :num_samples]
    idx = idx.astype(np.int64).reshape(input.shape[:-1] + (num_samples,))
    r = _finish(idx, D.int64, input._device, False)
    return r if out is None else write_out(out, r)


# ---------------------------------------------------------- in-place samplers
def _inplace_op(name, sample):
    """Define the in-place sampler op ``name``: sample(rng, shape, dtype, **params)
    draws an array that is written into the target."""
    @defop(name, dtypes=KEEP)
    def forward(xp, x, *extra, generator, **params):
        arr = sample(generator._rng, x.shape, D.from_numpy_dtype(x.dtype), *extra, **params)
        return _to_device(np.asarray(arr, dtype=x.dtype), xp)
    forward.defgrad(_zero_grads)
    return forward


def _uniform_sample(rng, shape, dt, low, high):
    if dt.category == D.COMPLEX:
        base = _complex_parts(_uniform, rng, shape, dt)
        real = dt.to_real().np.type
        return base * real(high - low) + real(low) * (1 + 1j)
    u = _uniform(rng, shape, dt)
    return u * dt.np.type(high - low) + dt.np.type(low)


def _normal_sample(rng, shape, dt, mean, std):
    z = _randn_array(rng, shape, dt)
    return z * dt.to_real().np.type(std) + dt.np.type(mean)


def _random_sample(rng, shape, dt, low, high):
    return _integers(rng, low, high, shape, dt)


def _exponential_sample(rng, shape, dt, lambd):
    work = np.float64 if dt is D.float64 else np.float32
    return rng.standard_exponential(shape, dtype=work) / work(lambd)


def _bernoulli_sample(rng, shape, dt, p=None, p_tensor=None):
    probs = p if p_tensor is None else p_tensor
    return rng.random(shape) < probs


def _geometric_sample(rng, shape, dt, p):
    return rng.geometric(p, shape)


def _log_normal_sample(rng, shape, dt, mean, std):
    work = D.float64 if dt is D.float64 else D.float32
    z = _standard_normal(rng, shape, work)
    return np.exp(z * work.np.type(std) + work.np.type(mean))


def _cauchy_sample(rng, shape, dt, median, sigma):
    work = D.float64 if dt is D.float64 else D.float32
    u = _uniform(rng, shape, work)
    return np.tan(work.np.type(np.pi) * (u - work.np.type(0.5))) * work.np.type(sigma) + \
        work.np.type(median)


_uniform_ = _inplace_op("uniform_", _uniform_sample)
_normal_ = _inplace_op("normal_", _normal_sample)
_random_ = _inplace_op("random_", _random_sample)
_exponential_ = _inplace_op("exponential_", _exponential_sample)
_bernoulli_ = _inplace_op("bernoulli_", _bernoulli_sample)
_geometric_ = _inplace_op("geometric_", _geometric_sample)
_log_normal_ = _inplace_op("log_normal_", _log_normal_sample)
_cauchy_ = _inplace_op("cauchy_", _cauchy_sample)


def _sample_into(op, self, generator, args=(), **params):
    params["generator"] = _generator(generator, self._device)
    return dispatch_inplace(op, self, (self,) + args, params)


def _continuous_only(self, kernel, what=None):
    dt = self._dtype
    if dt.category < D.FLOAT:
        if what is not None:
            word = "long int" if what == "Cauchy" and dt is D.int64 else _type_word(dt)
            raise RuntimeError(f"{what} distribution is a continuous probability distribution. "
                               f"dtype must be a floating point but you specified {word}")
        raise _not_implemented(kernel, dt)


@export_method("uniform_")
def uniform_(self, from_: float = 0.0, to: float = 1.0, *, generator=None, **kwargs):
    """Fill with uniform samples on [from, to)."""
    from_ = kwargs.pop("from", from_)
    _continuous_only(self, "check_uniform_bounds")
    if from_ > to:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                           f"from={_fmt(from_)} > to={_fmt(to)}")
    return _sample_into(_uniform_, self, generator, low=float(from_), high=float(to))


@export_method("normal_")
def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator=None):
    """Fill with normal samples of the given mean and std."""
    _continuous_only(self, "normal_kernel_cpu")
    _check_std(std)
    return _sample_into(_normal_, self, generator, mean=float(mean), std=float(std))


@export_method("random_")
def random_(self, *args, generator=None, **kwargs):
    """Fill with integers: random_() over the dtype's range (for floats [0, 2**mantissa]),
    random_(to) over [0, to), random_(from, to) over [from, to); to=None means up to the
    dtype's maximum."""
    if len(args) > 2 or set(kwargs) - {"from", "to"}:
        raise TypeError(f"random_() received an invalid combination of arguments: "
                        f"{len(args)} positional, keywords {sorted(kwargs)}")
    if len(args) == 1 and "to" not in kwargs:
        low, to = 0, args[0]
        if to is None:
            raise TypeError("random_(): argument 'to' must be int, not NoneType")
    else:
        low, to = (tuple(args) + (None, None))[:2] if args else (None, None)
        low = kwargs.get("from", low)
        to = kwargs.get("to", to)
        low = 0 if low is None else low
    dt = self._dtype
    if dt.category == D.COMPLEX:
        raise _not_implemented("random_", dt)
    for v in (low, to):
        if v is not None and (isinstance(v, bool) or not isinstance(v, numbers.Integral)):
            raise TypeError(f"random_(): arguments 'from' and 'to' must be int, "
                            f"not {type(v).__name__}")
    if to is not None:
        _check_int_range(int(low), int(to), dt)
        high = int(to)
    else:
        top = _dtype_max(dt)
        if low > top:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got "
                               f"from={low} >= to={top + 1}")
        _check_int_range(int(low), int(low) + 1, dt)
        high = top + 1
    return _sample_into(_random_, self, generator, low=int(low), high=high)


def _dtype_max(dt) -> int:
    if dt.category == D.INT:
        return int(np.iinfo(dt.np).max)
    if dt is D.bool_:
        return 1
    return 1 << _FLOAT_DIGITS[dt.name]


@export_method("exponential_")
def exponential_(self, lambd: float = 1.0, *, generator=None):
    """Fill with exponential samples of rate lambd."""
    _continuous_only(self, "exponential", "Exponential")
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={_fmt(lambd)}")
    return _sample_into(_exponential_, self, generator, lambd=float(lambd))


@export_method("bernoulli_")
def bernoulli_(self, p=0.5, *, generator=None):
    """Fill with 0/1 samples of probability p (a number or a broadcastable tensor)."""
    if self._dtype.category == D.COMPLEX:
        raise _not_implemented("bernoulli_scalar_cpu_", self._dtype)
    if isinstance(p, Tensor):
        if p._dtype.category != D.FLOAT:
            raise _not_implemented("bernoulli_tensor_cpu_p_", p._dtype)
        host = p._device.backend.to_numpy(p._data)
        if not _probabilities_ok(host):
            raise RuntimeError(_P_MSG)
        np.broadcast_shapes(host.shape, self._data.shape)
        return _sample_into(_bernoulli_, self, generator, p_tensor=host)
    _check_p(p)
    return _sample_into(_bernoulli_, self, generator, p=float(p))


@export_method("geometric_")
def geometric_(self, p: float, *, generator=None):
    """Fill with geometric samples (trials until the first success, from 1)."""
    if self._dtype is D.bool_ or self._dtype.category == D.COMPLEX:
        raise _not_implemented("geometric_cpu", self._dtype)
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={_fmt(p)}")
    return _sample_into(_geometric_, self, generator, p=float(p))


@export_method("log_normal_")
def log_normal_(self, mean: float = 1.0, std: float = 2.0, *, generator=None):
    """Fill with exp(N(mean, std)) samples."""
    _continuous_only(self, "log_normal_cpu")
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={_fmt(std)}")
    return _sample_into(_log_normal_, self, generator, mean=float(mean), std=float(std))


@export_method("cauchy_")
def cauchy_(self, median: float = 0.0, sigma: float = 1.0, *, generator=None):
    """Fill with Cauchy samples of the given median and scale sigma."""
    _continuous_only(self, "cauchy", "Cauchy")
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={_fmt(sigma)}")
    return _sample_into(_cauchy_, self, generator, median=float(median), sigma=float(sigma))
