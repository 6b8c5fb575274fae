"""Semi-supervised data: keep N labels per class of the training split, drawn seeded, and mark the rest
unlabelled (-1, scikit-learn's convention). The test split keeps every label, to score on.

    data = keep_labels_per_class(load_dataset("fashion-mnist"), 10, seed=0)   # 100 labelled training images
"""

from __future__ import annotations

import dataclasses

import numpy as np
import torch

from vaekit.core.errors import DataError
from vaekit.data.common.convert import UNLABELLED
from vaekit.data.dataset import Dataset


def keep_labels_per_class(data: Dataset, per_class: int, seed: int = 0) -> Dataset:
    """`data` with `per_class` training labels of each class kept (chosen by a seeded permutation, the same for
    the same data and seed) and the others set to -1. Rows already unlabelled stay so."""
    if data.train_y is None:
        raise DataError(f"--labels-per-class needs labelled data, but {data.name} has no labels (a table names its "
                        "label column with --label-column)")
    labels = data.train_y.numpy()
    order = np.random.default_rng(seed).permutation(len(labels))
    kept = np.full_like(labels, UNLABELLED)
    for label in np.unique(labels[labels >= 0]):
        rows = order[labels[order] == label]  # this class's rows in the seeded order
        if len(rows) < per_class:
            name = data.class_names[label] if data.class_names else str(label)
            raise DataError(f"--labels-per-class {per_class} but class {name} has only {len(rows)} labelled "
                            f"training examples in {data.name}; ask for at most {len(rows)}")
        kept[rows[:per_class]] = label
    return dataclasses.replace(data, train_y=torch.from_numpy(kept))
