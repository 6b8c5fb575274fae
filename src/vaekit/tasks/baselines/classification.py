"""Classification baselines: a logistic regression on the labelled training inputs, and LabelSpreading, which
also reads the unlabelled training rows (what a semi-supervised run learns from), scored as accuracy on the
labelled rows vaekit predicted.

    found = classification_baselines(train_x, train_y, x, y, seed=0)
    found["logistic regression on the inputs"]        # 0.95
"""

from __future__ import annotations

import numpy as np
import torch

from vaekit.core.errors import VaekitError
from vaekit.tasks.baselines.inputs import as_rows, fill_missing, subset

LOGISTIC_NAME = "logistic regression on the inputs"
SPREADING_NAME = "LabelSpreading on the inputs"
# its neighbours measured in each column's standard deviations: what a user does first with table columns in
# other units (unscaled, the largest column decides every neighbour)
SCALED_SPREADING_NAME = "LabelSpreading on the standardized inputs"


def _numbers(values: torch.Tensor | np.ndarray) -> np.ndarray:
    return values.numpy() if isinstance(values, torch.Tensor) else np.asarray(values)


def logistic_regression(train: np.ndarray, train_y: np.ndarray, seed: int = 0):  # type: ignore[no-untyped-def]
    """A standardised logistic regression (the linear probe's own pipeline) fitted on (train, train_y)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    train, train_y = subset(train, train_y, seed=seed)
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(train, train_y)


def classification_baselines(train_x: torch.Tensor | np.ndarray, train_y: torch.Tensor | np.ndarray,
                             x: torch.Tensor | np.ndarray, y: torch.Tensor | np.ndarray, seed: int = 0,
                             which: tuple[str, ...] = (LOGISTIC_NAME, SPREADING_NAME, SCALED_SPREADING_NAME)
                             ) -> dict[str, float]:
    """{baseline: accuracy on the rows of x labelled in y (>= 0)}. The logistic regression fits the labelled
    training rows (train_y >= 0); LabelSpreading (k-nearest-neighbour kernel, k = 7) all training rows, the
    unlabelled ones (-1) included, at most 20,000 of them."""
    from sklearn.semi_supervised import LabelSpreading

    train, rows = fill_missing(as_rows(train_x), as_rows(x))
    train_labels, labels = _numbers(train_y).astype(np.int64), _numbers(y).astype(np.int64)
    known, scored = train_labels >= 0, labels >= 0
    if len(np.unique(train_labels[known])) < 2:
        raise VaekitError("the baselines need training rows of at least two classes; the run's training split "
                          "has labels of fewer")
    found = {}
    if LOGISTIC_NAME in which:
        fitted = logistic_regression(train[known], train_labels[known], seed)
        found[LOGISTIC_NAME] = float((fitted.predict(rows[scored]) == labels[scored]).mean())
    unknown = np.flatnonzero(~known)
    unknown = subset(unknown, seed=seed)[0]
    keep = np.sort(np.concatenate([np.flatnonzero(known), unknown]))
    for name, scaled in ((SPREADING_NAME, False), (SCALED_SPREADING_NAME, True)):
        if name not in which:
            continue
        fit_rows, scored_rows = train[keep], rows[scored]
        if scaled:
            centre, spread_of = fit_rows.mean(axis=0), fit_rows.std(axis=0)
            spread_of[~(spread_of > 0)] = 1.0
            fit_rows, scored_rows = (fit_rows - centre) / spread_of, (scored_rows - centre) / spread_of
        spread = LabelSpreading(kernel="knn", n_neighbors=min(7, len(keep) - 1)).fit(fit_rows, train_labels[keep])
        found[name] = float((spread.predict(scored_rows) == labels[scored]).mean())
    return found
