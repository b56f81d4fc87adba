"""The UCI optical handwritten digits, shipped inside ember.

Data: E. Alpaydin and C. Kaynak, "Optical Recognition of Handwritten Digits",
UCI Machine Learning Repository (https://doi.org/10.24432/C50P49), licensed
CC BY 4.0. 1797 images of 8x8 pixels with values 0-16, labels 0-9. See
``ember/datasets/data/README.md``.
"""
from __future__ import annotations

import os

import numpy as np

from .idx import read_idx

__all__ = ["load_digits", "digits_split", "DATA_DIR"]

DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
_IMAGES = "digits-images-idx3-ubyte.gz"
_LABELS = "digits-labels-idx1-ubyte.gz"


def load_digits(as_numpy: bool = False):
    """Return ``(images, labels)``: uint8 images of shape (1797, 8, 8), values 0-16, and int64 labels.

    The data are the UCI "Optical Recognition of Handwritten Digits" set by
    E. Alpaydin and C. Kaynak (UCI Machine Learning Repository, CC BY 4.0).
    They are ember tensors unless ``as_numpy`` is true.
    """
    images = read_idx(os.path.join(DATA_DIR, _IMAGES))
    labels = read_idx(os.path.join(DATA_DIR, _LABELS)).astype(np.int64)
    if images.shape != (1797, 8, 8) or labels.shape != (1797,):
        raise RuntimeError(f"embedded digits data are damaged: images {images.shape}, labels {labels.shape}")
    if as_numpy:
        return images, labels
    from .. import from_numpy
    return from_numpy(images), from_numpy(labels)


def digits_split(test_fraction: float = 0.2, seed: int = 0):
    """A deterministic stratified split: ``(train_images, train_labels, test_images, test_labels)``.

    Each class contributes ``round(test_fraction * count)`` images to the
    held-out part, chosen by a numpy generator seeded with ``seed``; the
    result depends only on the arguments. Returns ember tensors.
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must lie strictly between 0 and 1, got {test_fraction}")
    images, labels = load_digits(as_numpy=True)
    rng = np.random.default_rng(seed)
    test_idx = []
    for cls in range(10):
        members = np.flatnonzero(labels == cls)
        take = int(round(test_fraction * len(members)))
        test_idx.append(rng.permutation(members)[:take])
    test_mask = np.zeros(len(labels), dtype=bool)
    test_mask[np.concatenate(test_idx)] = True
    from .. import from_numpy
    return (from_numpy(images[~test_mask]), from_numpy(labels[~test_mask]),
            from_numpy(images[test_mask]), from_numpy(labels[test_mask]))
