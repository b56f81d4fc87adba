"""A training resumed from an ember.save checkpoint (model, optimizer, scheduler,
RNG state, epoch) continues with bit-identical losses."""
import numpy as np

import ember
import ember.nn as nn
import ember.nn.functional as F


def make(seed=0):
    ember.manual_seed(seed)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 3))
    opt = ember.optim.AdamW(model.parameters(), lr=1e-2)
    sched = ember.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)
    return model, opt, sched


def train(model, opt, sched, data, epochs, start=0):
    losses = []
    x, y = data
    for _ in range(start, epochs):
        for i in range(0, len(x), 8):
            # fresh randomness each step (dropout and a shuffle) comes from the global RNG
            perm = ember.randperm(8)
            xb, yb = x[i:i + 8][perm], y[i:i + 8][perm]
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        sched.step()
    return losses


def test_resume_is_bit_identical(tmp_path):
    rng = np.random.default_rng(0)
    data = (ember.tensor(rng.standard_normal((32, 8)).astype(np.float32)),
            ember.tensor(rng.integers(0, 3, 32)))
    model, opt, sched = make()
    full = train(model, opt, sched, data, epochs=6)

    model, opt, sched = make()
    first = train(model, opt, sched, data, epochs=3)
    path = tmp_path / "ckpt.pt"
    ember.save({"model": model.state_dict(), "optimizer": opt.state_dict(),
                "scheduler": sched.state_dict(), "rng": ember.get_rng_state(), "epoch": 3}, path)

    model, opt, sched = make(seed=123)  # different weights and RNG state before loading
    ckpt = ember.load(path)
    model.load_state_dict(ckpt["model"])
    opt.load_state_dict(ckpt["optimizer"])
    sched.load_state_dict(ckpt["scheduler"])
    ember.set_rng_state(ckpt["rng"])
    rest = train(model, opt, sched, data, epochs=6, start=ckpt["epoch"])
    assert first + rest == full  # exact equality of every loss
    assert opt.param_groups[0]["lr"] == 1e-2 * 0.5 ** 2
