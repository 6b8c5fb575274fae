"""The inputs as the simple methods read them: one row of numbers per example, and a PCA fitted on the data the
run was trained on.

    train = as_rows(data.train_x)                  # (N, D) float64: images flattened
    train, rows = fill_missing(train, rows)        # NaN -> the training column means (tables with gaps)
    pca = fit_pca(train)                           # enough components for 90% of the variance, at most 50
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

MAX_FIT_ROWS = 20_000  # a baseline fitted on more rows than this is slow and no better: a seeded subset
VARIANCE = 0.9  # PCA keeps enough components for this share of the training variance ...
MAX_COMPONENTS = 50  # ... and no more than this many: a baseline, not a search over its settings


def as_rows(x: torch.Tensor | np.ndarray) -> np.ndarray:
    """(N, D) float64 copy of examples of any shape (images flattened)."""
    array = x.numpy() if isinstance(x, torch.Tensor) else np.asarray(x)
    return array.reshape(len(array), -1).astype(np.float64)


def subset(rows: np.ndarray, *others: np.ndarray, seed: int = 0, limit: int = MAX_FIT_ROWS
           ) -> tuple[np.ndarray, ...]:
    """At most `limit` rows of `rows` (and the same rows of `others`), drawn seeded; all of them when fewer."""
    if len(rows) <= limit:
        return (rows, *others)
    keep = np.sort(np.random.default_rng(seed).choice(len(rows), limit, replace=False))
    return (rows[keep], *(other[keep] for other in others))


def fill_missing(train: np.ndarray, *rows: np.ndarray) -> tuple[np.ndarray, ...]:
    """Missing entries (NaN) of `train` and `rows` filled with the training column means (0 for a column with
    no observed training value): PCA, k-means and IsolationForest read complete rows."""
    if not np.isnan(train).any() and not any(np.isnan(r).any() for r in rows):
        return (train, *rows)
    observed = ~np.isnan(train)
    means = np.where(observed.any(0), np.nansum(train, 0) / np.maximum(observed.sum(0), 1), 0.0)
    return tuple(np.where(np.isnan(a), means, a) for a in (train, *rows))


def fit_pca(train: np.ndarray, seed: int = 0) -> Any:
    """A scikit-learn PCA fitted on complete training rows, with the fewest components that keep VARIANCE of
    their variance, capped at MAX_COMPONENTS (and at the rows and columns there are)."""
    from sklearn.decomposition import PCA

    train = subset(train, seed=seed)[0]
    most = min(MAX_COMPONENTS, train.shape[1], len(train))
    full = PCA(n_components=most, random_state=seed).fit(train)
    shares = np.cumsum(full.explained_variance_ratio_)
    # explained_variance_ratio_ is a share of all the variance, so the first `most` components may not reach it
    count = int(min(np.searchsorted(shares, VARIANCE) + 1, most))
    return PCA(n_components=count, random_state=seed).fit(train)


def pca_reconstruction(pca: Any, rows: np.ndarray) -> np.ndarray:
    """Each row projected on the principal subspace and mapped back: the PCA's reconstruction."""
    return pca.inverse_transform(pca.transform(rows))
