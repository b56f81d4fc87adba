"""ember.random: seeding and RNG state of the default generators (torch.random)."""
from __future__ import annotations

import contextlib

from .ops.random import (  # noqa: F401
    Generator, default_generator, get_rng_state, initial_seed, manual_seed, seed,
    set_rng_state,
)
from .ops.random import _device_generators

__all__ = ["Generator", "default_generator", "fork_rng", "get_rng_state", "initial_seed",
           "manual_seed", "seed", "set_rng_state"]


@contextlib.contextmanager
def fork_rng(devices=None, enabled: bool = True, _caller: str = "fork_rng",
             _devices_kw: str = "devices", device_type: str = "cuda"):
    """Run the body with forked RNG states: the states of the default CPU generator
    (and of the default generator of ``device_type`` when it was used) are restored
    on exit (torch.random.fork_rng)."""
    if not enabled:
        yield
        return
    kinds = ["cpu"] + ([device_type] if device_type in _device_generators else [])
    saved = {k: _device_generators[k].get_state() for k in kinds}
    try:
        yield
    finally:
        for k, state in saved.items():
            _device_generators[k].set_state(state)
