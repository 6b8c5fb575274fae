"""scikit-learn's bundled 8x8 handwritten digits: 1797 images, offline, small enough for tests and demos.

    ds = load_dataset("digits")     # 1617 train / 180 test, (1, 8, 8) in [0, 1], labels 0-9
"""

from __future__ import annotations

import numpy as np

from vaekit.data.dataset import Dataset
from vaekit.data.options import LoadOptions
from vaekit.data.split import split_with_rows
from vaekit.registry import DATASETS

# The split is part of the dataset, not of a training run: it uses this seed whatever options.seed is, so
# runs with different training seeds are scored on the same test images.
SPLIT_SEED = 0
MAX_PIXEL = 16  # the digits' pixel values are counts 0..16 from a 4x4 block of the original 32x32 bitmap


@DATASETS.register("digits")
def load_digits(options: LoadOptions) -> Dataset:
    """The 1797 digits split by a fixed seeded permutation (options.test_fraction held out)."""
    # Imported here, not at the top: scikit-learn takes a second to import.
    from sklearn.datasets import load_digits as sklearn_digits

    bunch = sklearn_digits()
    images = (bunch.data / MAX_PIXEL).astype(np.float32).reshape(-1, 1, 8, 8)
    labels = bunch.target.astype(np.int64)
    train_x, test_x, train_y, test_y, rows = split_with_rows(images, labels, options.test_fraction, SPLIT_SEED)
    # the fixed seed makes this split part of the data set, like MNIST's official one: own_split
    return Dataset.from_arrays("digits", train_x, test_x, train_y, test_y, kind="image",
                               source="sklearn.datasets.load_digits", class_names=[str(d) for d in range(10)],
                               rows=rows, own_split=True)
