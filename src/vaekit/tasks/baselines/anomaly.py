"""Anomaly baselines: PCA reconstruction error and an IsolationForest, each fitted on the rows the run was
trained on and scored on the rows vaekit scored, as AUROC against which rows are anomalous.

    found = anomaly_scores(train_x, x, seed=0)      # {"PCA reconstruction error": (N,), "IsolationForest": (N,)}
    auroc(is_anomalous, found["IsolationForest"])   # 0.5: no better than chance, 1: every anomaly ranked first

Both are "higher = more anomalous", like vaekit's scores.
"""

from __future__ import annotations

import numpy as np
import torch

from vaekit.core.errors import VaekitError
from vaekit.tasks.baselines.inputs import as_rows, fill_missing, fit_pca, pca_reconstruction, subset

PCA_NAME = "PCA reconstruction error"
FOREST_NAME = "IsolationForest"


def anomaly_scores(train_x: torch.Tensor | np.ndarray, x: torch.Tensor | np.ndarray, seed: int = 0
                   ) -> dict[str, np.ndarray]:
    """{baseline: (N,) scores of x} from PCA (components for 90% of the training variance, at most 50: the
    squared distance of each row from its reconstruction) and an IsolationForest (200 trees, seeded: minus its
    score_samples), both fitted on train_x only."""
    from sklearn.ensemble import IsolationForest

    train, rows = fill_missing(as_rows(train_x), as_rows(x))
    pca = fit_pca(train, seed)
    error = ((rows - pca_reconstruction(pca, rows)) ** 2).sum(1)
    forest = IsolationForest(n_estimators=200, random_state=seed).fit(subset(train, seed=seed)[0])
    return {PCA_NAME: error, FOREST_NAME: -forest.score_samples(rows)}


def auroc(anomalous: np.ndarray, scores: np.ndarray) -> float:
    """The area under the ROC curve of `scores` (higher = more anomalous) against the boolean `anomalous`."""
    from sklearn.metrics import roc_auc_score

    anomalous = np.asarray(anomalous, dtype=bool)
    if anomalous.all() or not anomalous.any():
        raise VaekitError(f"an AUROC needs both normal and anomalous rows; all {len(anomalous)} rows are "
                          f"{'anomalous' if anomalous.any() else 'normal'}: choose anomalous classes that some "
                          "but not all rows have")
    return float(roc_auc_score(anomalous, np.asarray(scores, dtype=np.float64)))


def anomalous_rows(labels: np.ndarray, classes: list[int] | None) -> np.ndarray | None:
    """Which rows are anomalous: those whose label is one of `classes`; with no classes given, labels that are
    all 0 or 1 read as 1 = anomalous; None when neither applies (labels of many classes and no choice made)."""
    labels = np.asarray(labels)
    if classes is not None:
        return np.isin(labels, classes)
    if set(np.unique(labels).tolist()) <= {0, 1}:
        return labels == 1
    return None
