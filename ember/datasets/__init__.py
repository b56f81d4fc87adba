"""ember.datasets: the embedded UCI digits and a reader for MNIST-format IDX files.

The digits are E. Alpaydin and C. Kaynak's "Optical Recognition of Handwritten
Digits" (UCI Machine Learning Repository, CC BY 4.0); see data/README.md.
"""
from .digits import DATA_DIR, digits_split, load_digits
from .idx import read_idx, write_idx
from .mnist import find_idx_file, load_mnist_folder

__all__ = ["load_digits", "digits_split", "DATA_DIR", "read_idx", "write_idx",
           "load_mnist_folder", "find_idx_file"]
