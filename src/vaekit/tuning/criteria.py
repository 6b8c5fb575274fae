"""What a trial is scored by, on the validation split only (never the test split), lower is better for each:

    nll         -log p(x), the importance-weighted estimate (k = 100), mean per example: how well the model
                fits data it did not train on; the default (a model with a class latent, M2 or GMVAE: elbo)
    elbo        the validation -ELBO of the run's best epoch: cheaper, looser
    imputation  hide 20% of the validation rows' entries (seeded), fill them in with the model: the mean squared
                error of the continuous ones in training standard deviations, plus the share of categorical and
                binary ones filled in wrong; for models meant to impute

    CRITERIA["nll"].measure(run, held)   # held: the validation Dataset (its test split are the validation rows)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from vaekit.data.dataset import Dataset
from vaekit.runs.run import Run
from vaekit.tasks.imputation import impute
from vaekit.tasks.scoring import score

HIDDEN_SHARE = 0.2  # the imputation criterion's share of entries hidden
IW_SAMPLES = 100


@dataclass(frozen=True)
class Criterion:
    label: str  # said in the history picture and the summary
    measure: Callable[[Run, Dataset], float]


def _labels(run: Run, held: Dataset) -> torch.Tensor | None:
    return held.test_y if run.model.num_classes is not None else None


def negative_log_likelihood(run: Run, held: Dataset) -> float:
    if run.model.class_latent is not None:  # M2, GMVAE: the scores take no such model yet; its -ELBO sums y out
        return validation_elbo(run, held)
    values = score(run.model, held.test_x, kind="iw", k=IW_SAMPLES, seed=0, y=_labels(run, held))
    return float(values.mean())


def validation_elbo(run: Run, held: Dataset) -> float:
    rows = [row for row in run.metrics if row["epoch"] == run.best_epoch] or run.metrics[-1:]
    return float(rows[0]["val_neg_elbo"])


def imputation_error(run: Run, held: Dataset) -> float:
    x = held.test_x.numpy().astype(np.float64)
    flat = x.reshape(len(x), -1)
    rng = np.random.default_rng(0)
    hidden = (rng.random(flat.shape) < HIDDEN_SHARE) & ~np.isnan(flat)
    # every row keeps one observed entry at least: a row with nothing observed has nothing to impute from
    bare = hidden.all(axis=1) | (hidden | np.isnan(flat)).all(axis=1)
    hidden[bare] = False
    shown = flat.copy()
    shown[hidden] = np.nan
    filled = impute(run.model, torch.from_numpy(shown.reshape(x.shape)).float(), k=IW_SAMPLES, seed=0,
                    y=_labels(run, held)).numpy().reshape(len(x), -1)
    train = held.train_x.numpy().reshape(len(held.train_x), -1).astype(np.float64)
    scale = np.nanstd(train, axis=0)
    scale[~(scale > 0)] = 1.0
    coded = _coded_columns(held, flat.shape[1])
    errors = np.where(coded[None, :], filled != flat, ((filled - flat) / scale[None, :]) ** 2)
    return float(errors[hidden].mean()) if hidden.any() else float("nan")


def _coded_columns(held: Dataset, width: int) -> np.ndarray:
    """Whether each flattened entry holds a category's code (a table's binary or categorical column)."""
    types = held.column_types
    if types is None or len(types) != width:
        return np.zeros(width, dtype=bool)
    return np.array([kind != "continuous" for kind in types])


CRITERIA = {
    "nll": Criterion("validation -log p(x) (nats; -ELBO with a class latent)", negative_log_likelihood),
    "elbo": Criterion("validation -ELBO (nats)", validation_elbo),
    "imputation": Criterion("validation imputation error", imputation_error),
}
