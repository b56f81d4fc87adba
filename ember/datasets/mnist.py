"""Loading a folder of MNIST-format IDX files (MNIST, Fashion-MNIST, KMNIST, ...)."""
from __future__ import annotations

import os

import numpy as np

from .idx import read_idx

__all__ = ["load_mnist_folder", "find_idx_file"]

# the file name stems of the MNIST distribution; '.gz' variants are accepted too
_STEMS = {
    ("train", "images"): ("train-images-idx3-ubyte", "train-images.idx3-ubyte"),
    ("train", "labels"): ("train-labels-idx1-ubyte", "train-labels.idx1-ubyte"),
    ("test", "images"): ("t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"),
    ("test", "labels"): ("t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"),
}


def find_idx_file(folder, split: str, kind: str):
    """Path of the ``split`` ('train'/'test') ``kind`` ('images'/'labels') file in ``folder``, or None."""
    for stem in _STEMS[(split, kind)]:
        for name in (stem, stem + ".gz"):
            path = os.path.join(folder, name)
            if os.path.isfile(path):
                return path
    return None


def _load_pair(folder, split):
    img_path = find_idx_file(folder, split, "images")
    lab_path = find_idx_file(folder, split, "labels")
    if img_path is None and lab_path is None:
        return None
    if img_path is None or lab_path is None:
        missing = _STEMS[(split, "images" if img_path is None else "labels")][0]
        raise FileNotFoundError(f"{folder}: found the {split} "
                                f"{'labels' if img_path is None else 'images'} but not {missing}[.gz]")
    images, labels = read_idx(img_path), read_idx(lab_path)
    if images.ndim != 3:
        raise ValueError(f"{img_path}: images must have 3 dimensions (N, H, W), got shape {images.shape}")
    if labels.ndim != 1:
        raise ValueError(f"{lab_path}: labels must have 1 dimension, got shape {labels.shape}")
    if len(images) != len(labels):
        raise ValueError(f"{folder}: {len(images)} {split} images but {len(labels)} {split} labels")
    if not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"{lab_path}: labels must be integers, got {labels.dtype}")
    if len(labels) and labels.min() < 0:
        raise ValueError(f"{lab_path}: labels must be non-negative, found {int(labels.min())}")
    return images, labels.astype(np.int64)


def load_mnist_folder(folder, as_numpy: bool = False):
    """Load ``(train_images, train_labels, test_images, test_labels)`` from an MNIST-style folder.

    The folder holds ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
    ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte`` (each optionally
    gzip-compressed, ``.gz``). The test pair may be absent; then the last two
    are None. Images keep their stored dtype; labels are int64.
    """
    folder = os.fspath(folder)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"--data folder {folder!r} does not exist or is not a directory")
    train = _load_pair(folder, "train")
    if train is None:
        raise FileNotFoundError(f"{folder}: no train-images-idx3-ubyte[.gz] / train-labels-idx1-ubyte[.gz]")
    test = _load_pair(folder, "test")
    if test is not None and test[0].shape[1:] != train[0].shape[1:]:
        raise ValueError(f"{folder}: train images are {train[0].shape[1:]} but test images are "
                         f"{test[0].shape[1:]}")
    out = (*train, *(test if test is not None else (None, None)))
    if as_numpy:
        return out
    from .. import from_numpy
    return tuple(None if a is None else from_numpy(a) for a in out)
