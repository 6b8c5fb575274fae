"""Clustering baselines: k-means on the raw inputs and k-means on their PCA, fitted on the rows the run was
trained on and assigning the rows vaekit clustered, scored against the labels as vaekit's clusters are.

    found = clustering_baselines(train_x, x, y, clusters=10, seed=0)
    found["k-means on the inputs"]     # {"accuracy": 0.79, "nmi": 0.74, "ari": 0.65}

Accuracy is under the best one-to-one matching of clusters to classes (evaluation/clustering.py's).
"""

from __future__ import annotations

import numpy as np
import torch

from vaekit.tasks.baselines.inputs import as_rows, fill_missing, fit_pca, subset
from vaekit.tasks.evaluation.clustering import clustering_scores, fit_codes

INPUTS_NAME = "k-means on the inputs"
PCA_NAME = "k-means on PCA of the inputs"
SCALED_NAME = "k-means on the standardized inputs"  # what a user does first with table columns in other units


def kmeans_assignments(train_x: torch.Tensor | np.ndarray, x: torch.Tensor | np.ndarray, clusters: int,
                       seed: int = 0, pca: bool = False, standardize: bool = False) -> np.ndarray:
    """(N,) clusters of x under k-means (10 seeded starts, as vaekit's k-means on codes) fitted on train_x (at
    most 20,000 rows) or on its PCA (components for 90% of the training variance, at most 50); `standardize`
    puts each column in units of its training standard deviation first."""
    train, rows = fill_missing(as_rows(train_x), as_rows(x))
    train = subset(train, seed=seed)[0]
    if standardize:
        spread = train.std(axis=0)
        spread[~(spread > 0)] = 1.0
        centre = train.mean(axis=0)
        train, rows = (train - centre) / spread, (rows - centre) / spread
    if pca:
        fitted = fit_pca(train, seed)
        train, rows = fitted.transform(train), fitted.transform(rows)
    return fit_codes(train, "kmeans", clusters, seed).predict(rows)


def clustering_baselines(train_x: torch.Tensor | np.ndarray, x: torch.Tensor | np.ndarray,
                         labels: torch.Tensor | np.ndarray, clusters: int, seed: int = 0,
                         which: tuple[str, ...] = (INPUTS_NAME, PCA_NAME, SCALED_NAME)
                         ) -> dict[str, dict[str, float]]:
    """{baseline: {"accuracy", "nmi", "ari"}} of k-means on the inputs and on their PCA (`which` picks), against
    `labels` (rows labelled -1 are left out, as for vaekit's figure)."""
    truth = labels.numpy() if isinstance(labels, torch.Tensor) else np.asarray(labels)
    return {name: clustering_scores(truth, kmeans_assignments(train_x, x, clusters, seed, pca=name == PCA_NAME,
                                                              standardize=name == SCALED_NAME))
            for name in which}
