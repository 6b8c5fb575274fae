"""Imputation baselines and the check that scores them: hide some observed entries, fill them in, and compare
with the values hidden. Column mean (the mode for binary and categorical columns) and scikit-learn's
IterativeImputer and KNNImputer, all fitted on the rows the run was trained on.

    hidden = hide_entries(x, fraction=0.2, seed=0)             # (N, ...) bool: observed entries to hide
    gaps = x.masked_fill(hidden, float("nan"))
    filled = imputation_baselines(train_x, gaps, kinds=None)   # {"column mean ...": (N, D), "IterativeImputer": ...,
                                                               #  "KNNImputer (5 neighbours)": ...}
    imputation_errors(x, filled["IterativeImputer"], hidden, kinds=None, scale=scale_of(train_x))
    # {"rmse": 0.21, "accuracy": None, "continuous_entries": 2300, "categorical_entries": 0}
    imputation_row_errors(x, filled["IterativeImputer"], hidden)   # (N,): their mean is rmse² + (1 - accuracy)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from vaekit.core.errors import VaekitError
from vaekit.tasks.baselines.denoising import KNN_NAME  # the same KNNImputer as inpainting's baseline
from vaekit.tasks.baselines.inputs import as_rows, subset

MEAN_NAME = "column mean (mode for categories)"
ITERATIVE_NAME = "IterativeImputer"
DISCRETE = ("binary", "categorical")  # column types whose entries are codes: scored by accuracy, filled by mode
MAX_ITERATIVE_ROWS = 5_000  # IterativeImputer fits one regression per column per round: a subset of the rows
NEAREST_FEATURES = 50  # ... and each regression reads at most this many other columns (images have hundreds)


def hide_entries(x: torch.Tensor, fraction: float, seed: int = 0) -> torch.Tensor:
    """A boolean mask of x's shape: each observed (non-NaN) entry hidden with probability `fraction`, drawn by a
    seeded generator, except that every row keeps one observed entry (a row with none left has nothing to be
    imputed from). Refused when nothing would be hidden."""
    if not 0 < fraction < 1:
        raise VaekitError(f"--check must be a fraction of the observed entries between 0 and 1, got {fraction}")
    observed = ~torch.isnan(x)
    if not bool(observed.any()):
        raise VaekitError("--check hides observed entries to score the imputation, but these rows have none")
    hidden = observed & (torch.rand(x.shape, generator=torch.Generator().manual_seed(seed)) < fraction)
    seen, gone = observed.flatten(1), hidden.flatten(1)
    emptied = (seen & ~gone).sum(1) == 0
    gone[emptied, seen[emptied].to(torch.int8).argmax(1)] = False  # the row's first observed entry stays
    hidden = gone.reshape(x.shape)
    if not bool(hidden.any()):
        raise VaekitError(f"--check {fraction} hides none of the {int(observed.sum())} observed values (every row "
                          "keeps one to be imputed from); hide a larger fraction or check rows with more values")
    return hidden


def _discrete(kinds: list[str] | None, width: int) -> np.ndarray:
    """(D,) whether each column holds codes (binary, categorical); none for images and plain arrays."""
    return np.zeros(width, dtype=bool) if kinds is None else np.isin(np.asarray(kinds), DISCRETE)


def _column_fill(train: np.ndarray, discrete: np.ndarray) -> np.ndarray:
    """(D,) the training mean of each column, or its most frequent value for codes (0 when never observed)."""
    fill = np.zeros(train.shape[1])
    for j in range(train.shape[1]):
        seen = train[:, j][~np.isnan(train[:, j])]
        if len(seen) == 0:
            continue
        if discrete[j]:
            values, counts = np.unique(seen, return_counts=True)
            fill[j] = values[counts.argmax()]
        else:
            fill[j] = seen.mean()
    return fill


def imputation_baselines(train_x: torch.Tensor | np.ndarray, gaps: torch.Tensor | np.ndarray,
                         kinds: list[str] | None = None, seed: int = 0) -> dict[str, np.ndarray]:
    """{baseline: (N, D) rows of `gaps` with their NaN entries filled}: the column mean / mode, an IterativeImputer
    (10 rounds, seeded) and a KNNImputer (the mean of the 5 nearest training rows; a table's columns in units of
    their training spread, so that no column's units decide the distance), all fitted on train_x as given, gaps
    and all; codes rounded to the nearest value seen in training. `kinds`: each column's type ("continuous",
    "binary", "categorical") for a table, None for images and arrays."""
    from sklearn.experimental import enable_iterative_imputer  # noqa: F401  (the class is still experimental)
    from sklearn.impute import IterativeImputer, KNNImputer

    train, rows = as_rows(train_x), as_rows(gaps)
    discrete = _discrete(kinds, train.shape[1])
    fill = _column_fill(train, discrete)
    missing = np.isnan(rows)
    found = {MEAN_NAME: np.where(missing, fill, rows)}
    fit_rows = subset(train, seed=seed, limit=MAX_ITERATIVE_ROWS)[0]
    imputer = IterativeImputer(max_iter=10, random_state=seed, keep_empty_features=True,
                               n_nearest_features=min(NEAREST_FEATURES, train.shape[1]))
    found[ITERATIVE_NAME] = np.where(missing, imputer.fit(fit_rows).transform(rows), rows)
    # the columns' training mean and spread (1 for images and arrays, whose pixels share one scale)
    centre = fill if kinds is not None else 0.0  # _column_fill: 0 for a column never observed
    spread = scale_of(train, kinds) if kinds is not None else 1.0
    nearest = KNNImputer(n_neighbors=5, keep_empty_features=True).fit((fit_rows - centre) / spread)
    found[KNN_NAME] = np.where(missing, nearest.transform((rows - centre) / spread) * spread + centre, rows)
    for filled in (found[ITERATIVE_NAME], found[KNN_NAME]):
        for j in np.flatnonzero(discrete):  # a code is one of the values the column takes, not a number between
            seen = np.unique(train[:, j][~np.isnan(train[:, j])])
            if len(seen):
                filled[:, j] = seen[np.abs(filled[:, j][:, None] - seen[None, :]).argmin(1)]
    return found


def scale_of(train_x: torch.Tensor | np.ndarray, kinds: list[str] | None) -> np.ndarray | None:
    """(D,) the training standard deviation of each table column, so that an RMSE over columns in other units
    is in units of each column's spread; None for images and arrays (their RMSE is in the data's own units)."""
    if kinds is None:
        return None
    train = as_rows(train_x)
    spread = np.nanstd(train, axis=0)
    return np.where(np.isfinite(spread) & (spread > 0), spread, 1.0)


def imputation_row_errors(x: torch.Tensor | np.ndarray, filled: torch.Tensor | np.ndarray, hidden: torch.Tensor,
                          kinds: list[str] | None = None, scale: np.ndarray | None = None) -> np.ndarray:
    """(N,) each row's share of rmse² + (1 - accuracy) (imputation_errors' two figures, as one error to minimise),
    times N: their mean is that error, and two models' rows can be compared pairwise."""
    truth, guess = as_rows(x), as_rows(filled)
    mask = as_rows(hidden).astype(bool)
    discrete = np.broadcast_to(_discrete(kinds, truth.shape[1]), truth.shape)
    continuous, codes = mask & ~discrete, mask & discrete
    squared = np.where(continuous, ((guess - truth) / (1.0 if scale is None else scale)) ** 2, 0.0)
    wrong = np.where(codes, np.round(guess) != truth, False)
    rows = np.zeros(len(truth))
    if continuous.any():
        rows += squared.sum(1) / continuous.sum()
    if codes.any():
        rows += wrong.sum(1) / codes.sum()
    return rows * len(truth)


def imputation_errors(x: torch.Tensor | np.ndarray, filled: torch.Tensor | np.ndarray, hidden: torch.Tensor,
                      kinds: list[str] | None = None, scale: np.ndarray | None = None) -> dict[str, Any]:
    """The RMSE over the hidden continuous entries (divided by `scale` per column when given) and the accuracy
    over the hidden binary and categorical entries (None where there are none of a sort)."""
    truth, guess = as_rows(x), as_rows(filled)
    mask = as_rows(hidden).astype(bool)
    discrete = np.broadcast_to(_discrete(kinds, truth.shape[1]), truth.shape)
    continuous, codes = mask & ~discrete, mask & discrete
    error = (guess - truth) / (1.0 if scale is None else scale)
    return {"rmse": float(np.sqrt((error[continuous] ** 2).mean())) if continuous.any() else None,
            "accuracy": float((np.round(guess[codes]) == truth[codes]).mean()) if codes.any() else None,
            "continuous_entries": int(continuous.sum()), "categorical_entries": int(codes.sum())}
