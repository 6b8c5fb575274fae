"""scikit-learn's bundled 8x8 handwritten digits: 1797 images, offline, small enough for tests and demos.

    ds = load_dataset("digits")     # 1617 train / 180 test, (1, 8, 8) in [0, 1], labels 0-9
"""

from __future__ import annotations

import gzip
import importlib.util
from pathlib import Path

import numpy as np

from vaekit.core.registry import DATASETS
from vaekit.data.common.options import LoadOptions
from vaekit.data.common.split import split_with_rows
from vaekit.data.dataset import Dataset

# The split is part of the dataset, not of a training run: it uses this seed whatever options.seed is, so
# runs with different training seeds are scored on the same test images.
SPLIT_SEED = 0
MAX_PIXEL = 16  # the digits' pixel values are counts 0..16 from a 4x4 block of the original 32x32 bitmap


@DATASETS.register("digits")
def load_digits(options: LoadOptions) -> Dataset:
    """The 1797 digits split by a fixed seeded permutation (options.test_fraction held out)."""
    table = _digits_table()
    images = (table[:, :-1] / MAX_PIXEL).astype(np.float32).reshape(-1, 1, 8, 8)
    labels = table[:, -1].astype(np.int64)
    train_x, test_x, train_y, test_y, rows = split_with_rows(images, labels, options.test_fraction, SPLIT_SEED)
    # the fixed seed makes this split part of the data set, like MNIST's official one: own_split
    return Dataset.from_arrays("digits", train_x, test_x, train_y, test_y, kind="image",
                               source="sklearn.datasets.load_digits", class_names=[str(d) for d in range(10)],
                               rows=rows, own_split=True)


def _digits_table() -> np.ndarray:
    """scikit-learn's digits.csv.gz, one row per digit: 64 pixel counts, then the label. Read as load_digits reads
    it, without importing scikit-learn (a second, most of a short run on the digits); through load_digits where the
    file is not where scikit-learn keeps it."""
    spec = importlib.util.find_spec("sklearn")  # finds the package without importing it
    if spec is not None and spec.origin is not None:
        path = Path(spec.origin).parent / "datasets" / "data" / "digits.csv.gz"
        if path.is_file():
            with gzip.open(path, "rt") as file:
                return np.loadtxt(file, delimiter=",")
    from sklearn.datasets import load_digits as sklearn_digits

    bunch = sklearn_digits()
    return np.column_stack([bunch.data, bunch.target])
