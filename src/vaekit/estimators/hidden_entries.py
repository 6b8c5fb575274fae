"""How many epochs VAEImputer trains, chosen by how well it fills in entries hidden from the rows it is given:

    run = fit_on_hidden_entries(config, x, columns=None, folder=Path(tmp), progress=False)
    run.model, run.config.train.epochs            # the model trained on every entry, and the epochs chosen

An imputer has no rows to spare for validation, and its -ELBO on rows it trained on does not say when it starts to
fill in worse. So a fifth of the observed entries (HIDDEN_SHARE, seeded by the run's seed; of WATCH_ROWS rows at
most) is hidden; the VAE trains on the rest for up to the data's step budget (training/auto_settings.py), and after
each epoch fills in the hidden entries (importance resampling, WATCH_SAMPLES draws): the best epoch is the one with
the lowest error (the mean squared error in each column's standard deviations), and training stops after
auto_patience epochs without a better one (training/watch.py). The same settings then train again on every entry for
that many epochs, as GridSearchCV refits what it chose. A table too small to spare MIN_HIDDEN entries (a fifth of
the observed entries of rows that have two or more) trains config's own epochs on every entry, as the imputer did
before.

Why: a fixed 200 epochs is 400 to 800 optimizer steps on a table of 105 to 233 rows, too few for some (crabs with a
fifth of the entries missing) and enough for others; 1,000 epochs for all helped some tables and hurt wine at half
missing (BENCHMARKS.md, "The imputer's epochs counted in steps: tried, not kept"). The right number is the table's.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from vaekit.config import Config
from vaekit.data.dataset import Dataset
from vaekit.model.vae import VAE
from vaekit.runs.run import Run
from vaekit.tasks.baselines.imputation import hide_entries, imputation_row_errors, scale_of
from vaekit.tasks.imputation import impute
from vaekit.training.auto_settings import auto_epochs, auto_patience
from vaekit.training.loop import train
from vaekit.training.watch import Watch

# of the observed entries, hidden to choose the epoch. A tenth was too few to choose by on small tables: the
# penguins' 60 hidden entries stopped at epoch 72, on a plateau that later epochs left, and the model filled in
# worse than 200 epochs did (0.741 against 0.665); a fifth chose 498 epochs (0.626). Read off entries hidden from
# the training rows of bench/untuned_data.py's tables, never its test rows: BENCHMARKS.md has the 14 cases.
HIDDEN_SHARE = 0.2
WATCH_SAMPLES = 50  # importance samples per row when filling them in after each epoch
MIN_HIDDEN = 20  # entries: fewer would choose the epoch by chance
# rows whose entries may be hidden: on 20,000 rows of 10 columns, filling all of them in after an epoch took 1.6 s
# against about 5 s for the epoch's fit, and an error over this many rows is already firm; the rest stay whole
WATCH_ROWS = 2000


def fit_on_hidden_entries(config: Config, x: np.ndarray, columns: list[str] | None, folder: Path,
                          progress: bool) -> Run:
    """Train `config`'s VAE on x (N, D), NaN where missing, for the epochs that fill in hidden entries best, then
    again on every entry for that many epochs; config's epochs and early stopping are replaced (unless the table
    cannot spare MIN_HIDDEN entries: then config is trained as it is)."""
    rows = np.arange(len(x))
    if len(x) > WATCH_ROWS:
        rows = np.sort(np.random.default_rng(config.train.seed).choice(len(x), WATCH_ROWS, replace=False))
    observed = ~np.isnan(x[rows])
    spare = observed[observed.sum(axis=1) > 1].sum()  # entries of rows that keep one when they lose another
    if spare * HIDDEN_SHARE < MIN_HIDDEN:
        return train(config, folder / "all", progress, data=gappy_rows(x, columns), pictures=False)
    hidden = np.zeros(x.shape, dtype=bool)
    hidden[rows] = hide_entries(torch.from_numpy(x[rows]), HIDDEN_SHARE, seed=config.train.seed).numpy()
    gappy = np.where(hidden, np.nan, x).astype(np.float32)
    epochs = auto_epochs(len(x), config.train.batch_size)
    watched = config.with_overrides({"train": {"epochs": epochs, "early_stopping": auto_patience(epochs)}})
    first = train(watched, folder / "hidden", progress, data=gappy_rows(gappy, columns), pictures=False,
                  watch=hidden_entries_watch(x, hidden))
    # the first run's config: its "auto" widths are settled, and said once
    again = first.config.with_overrides({"train": {"epochs": max(1, first.best_epoch), "early_stopping": 0}})
    if progress:  # the second run's lines would otherwise look like the first one's, begun again
        tqdm.write(f"training again on every entry for {again.train.epochs} epochs, the count that filled in the "
                   "hidden entries best")
    return train(again, folder / "all", progress, data=gappy_rows(x, columns), pictures=False)


def hidden_entries_watch(x: np.ndarray, hidden: np.ndarray) -> Watch:
    """The error of filling in x's `hidden` entries from the rest of their rows: the mean over those rows of
    imputation_row_errors (the tuning criterion's measure), in each column's standard deviations."""
    rows = hidden.any(axis=1)
    truth, mask = x[rows], torch.from_numpy(hidden[rows])
    given = np.where(hidden[rows], np.nan, truth).astype(np.float32)
    spread = scale_of(x, ["continuous"] * x.shape[1])

    def error(model: VAE) -> float:
        filled = impute(model, given, k=WATCH_SAMPLES, seed=0)
        return float(imputation_row_errors(truth, filled, mask, None, spread).mean())
    return Watch("hidden_entries_error", "the error on hidden entries", error)


def gappy_rows(x: np.ndarray, columns: list[str] | None) -> Dataset:
    """x (N, D), NaN where missing, as the imputer trains on it: every row trained on and validated on."""
    return Dataset.from_arrays("array", x, x, None, None, "vector", "in-memory array", columns=columns, missing=True)
