"""A seeded train/test split for data that comes without one.

    train_idx, test_idx = split_indices(1797, test_fraction=0.1, seed=0)   # 1617 and 180 indices
    train_idx, test_idx = split_indices(1, test_fraction=0, seed=0)        # read whole: [0] and []
    *parts, rows = split_with_rows(x, y, 0.1, seed=0)                     # rows: those indices, for a Dataset
"""

from __future__ import annotations

import numpy as np

from vaekit.core.errors import DataError


def split_indices(n: int, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Disjoint sorted train and test indices covering range(n); each split gets at least one example.
    test_fraction 0 reads the data whole: every example in train and no test split (a file a command is given in
    place of the run's own data, which may hold one example: LoadOptions.whole)."""
    if n < 1:
        raise DataError("the data hold no examples")
    if test_fraction == 0:
        return np.arange(n), np.zeros(0, dtype=np.int64)
    if n < 2:
        raise DataError("a single example cannot be split into train and test: give at least 2")
    n_test = min(n - 1, max(1, round(n * test_fraction)))
    # numpy's PCG64 generator gives the same permutation on every platform and numpy version, so a seed
    # names one split for good.
    order = np.random.default_rng(seed).permutation(n)
    return np.sort(order[n_test:]), np.sort(order[:n_test])


def split_arrays(x: np.ndarray, y: np.ndarray | None, test_fraction: float, seed: int
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
    """Split examples and their labels (or None) into train_x, test_x, train_y, test_y."""
    return split_with_rows(x, y, test_fraction, seed)[:4]  # type: ignore[return-value]


def split_with_rows(x: np.ndarray, y: np.ndarray | None, test_fraction: float, seed: int
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None,
                               tuple[np.ndarray, np.ndarray]]:
    """split_arrays, and the (train, test) source rows of the examples, which a Dataset keeps so that the data
    can be put back in the source's order."""
    train_idx, test_idx = split_indices(len(x), test_fraction, seed)
    rows = (train_idx, test_idx)
    if y is None:
        return x[train_idx], x[test_idx], None, None, rows
    return x[train_idx], x[test_idx], y[train_idx], y[test_idx], rows

