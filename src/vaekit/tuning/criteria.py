"""What a trial is scored by, on the validation split only (never the test split), lower is better for each:

    nll         -log p(x), the importance-weighted estimate (k = 100), mean per example: how well the model
                fits data it did not train on; the default (a model with a class latent, M2 or GMVAE: its
                -ELBO, an upper bound on the same)
    elbo        the validation -ELBO of the run's best epoch: cheaper, looser
    imputation  hide 20% of the validation rows' entries (seeded), fill them in with the model: the mean squared
                error of the continuous ones in training standard deviations, plus the share of categorical and
                binary ones filled in wrong; for models meant to impute

    values = CRITERIA["nll"].measure(run, held)   # held: the validation Dataset (its test split are its rows)
    float(values.mean())                          # the trial's figure; values: (rows,) where the criterion can
                                                  # say each row's part (nll, imputation), else one number
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from vaekit.data.dataset import Dataset
from vaekit.runs.run import Run
from vaekit.tasks.baselines.imputation import hide_entries, imputation_row_errors, scale_of
from vaekit.tasks.imputation import impute
from vaekit.tasks.scoring import score

HIDDEN_SHARE = 0.2  # the imputation criterion's share of entries hidden
IW_SAMPLES = 100


@dataclass(frozen=True)
class Criterion:
    label: str  # said in the history picture and the summary
    measure: Callable[[Run, Dataset], torch.Tensor]  # (rows,) each validation row's part, or () the whole


def _labels(run: Run, held: Dataset) -> torch.Tensor | None:
    return held.test_y if run.model.num_classes is not None else None


def negative_log_likelihood(run: Run, held: Dataset) -> torch.Tensor:
    if run.model.class_latent is not None:  # M2, GMVAE: the scores take no such model yet; its -ELBO sums y out
        return validation_elbo(run, held)
    return score(run.model, held.test_x, kind="iw", k=IW_SAMPLES, seed=0, y=_labels(run, held)).double()


def validation_elbo(run: Run, held: Dataset) -> torch.Tensor:
    rows = [row for row in run.metrics if row["epoch"] == run.best_epoch] or run.metrics[-1:]
    return torch.tensor(float(rows[0]["val_neg_elbo"]), dtype=torch.float64)


def imputation_error(run: Run, held: Dataset) -> torch.Tensor:
    """The squared RMSE of the hidden continuous entries (in training standard deviations) plus the
    share of hidden codes filled in wrong: one number to minimise, from the same measures as `impute --check`."""
    x = held.test_x
    hidden = hide_entries(x, HIDDEN_SHARE, seed=0)
    filled = impute(run.model, x.masked_fill(hidden, float("nan")), k=IW_SAMPLES, seed=0, y=_labels(run, held))
    kinds = held.column_types
    # every entry in units of its column's training spread (arrays too: one large column must not decide)
    spread = scale_of(held.train_x, kinds if kinds is not None else ["continuous"] * held.train_x[0].numel())
    return torch.from_numpy(imputation_row_errors(x, filled, hidden, kinds, spread))


CRITERIA = {
    "nll": Criterion("validation -log p(x) (nats)", negative_log_likelihood),
    "elbo": Criterion("validation -ELBO (nats)", validation_elbo),
    "imputation": Criterion("validation imputation error", imputation_error),
}
