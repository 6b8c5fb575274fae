"""The epochs chosen by how well the model fills in entries hidden from its own training rows (train.stop_on:
hidden-entries, which VAEImputer(epochs="auto") and `vaekit train --stop-on hidden-entries` use):

    config, data, record = epochs_on_hidden_entries(config, data, progress, train)   # what train() does first
    config.train.epochs                             # the best epoch's count, to train on every entry
    record                                          # how it was chosen: config.json's trained_with keeps it

An imputer's -ELBO on rows it trained on does not say when it starts to fill in worse, and rows carved off for
validation are rows it does not learn from. So a fifth of the observed entries (HIDDEN_SHARE, seeded by the run's
seed; of WATCH_ROWS rows at most) is hidden; the VAE trains on the rest, and after each epoch fills in the hidden
entries (importance resampling, WATCH_SAMPLES draws): the best epoch is the one with the lowest error (the mean
squared error in each column's standard deviations, and the share of category entries wrong), and early stopping
counts on it (training/watch.py). The same settings then train again on every entry for that many epochs, as
GridSearchCV refits what it chose. Data too small to spare MIN_HIDDEN entries (a fifth of the observed entries of
rows that have two or more) gets None: the caller trains it another way.

Why: a fixed 200 epochs is 400 to 800 optimizer steps on a table of 105 to 233 rows, too few for some (crabs with a
fifth of the entries missing) and enough for others; 1,000 epochs for all helped some tables and hurt wine at half
missing (BENCHMARKS.md, "The imputer's epochs counted in steps: tried, not kept"). The right number is the table's.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from vaekit.config import Config
from vaekit.core.notices import notice
from vaekit.data.dataset import Dataset
from vaekit.model.vae import VAE
from vaekit.runs.run import Run
from vaekit.tasks.baselines.imputation import hide_entries, imputation_row_errors, scale_of
from vaekit.tasks.imputation import impute
from vaekit.training.data_source import load_training_data
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


@dataclass(frozen=True)
class HiddenEntries:
    data: Dataset  # the training rows with the hidden entries missing (NaN)
    watch: Watch  # the error of filling them in: what the first run's best epoch and early stopping follow
    count: int  # entries hidden

    def record(self, first: Run) -> dict[str, Any]:
        """What config.json's trained_with keeps of the choice: `vaekit info` prints it."""
        best = next(row for row in first.metrics if row["epoch"] == first.best_epoch)
        return {"by": "hidden entries", "entries_hidden": self.count, "epochs_tried": len(first.metrics),
                "best_epoch": first.best_epoch, "error": round(float(best[self.watch.column]), 6)}


def epochs_on_hidden_entries(config: Config, data: Dataset | None, progress: bool,
                             train: Callable[..., Run]) -> tuple[Config, Dataset, dict[str, Any] | None]:
    """stop_on: hidden-entries, before the run: a first run, `train`ed (training/loop.py's) in a temporary folder
    on the training rows with a fifth of their observed entries hidden, for config's epochs with its early stopping,
    both following the error of filling those entries in. Returns that run's settings (its "auto" sizes settled)
    for every entry, with the best epoch's count and no early stopping; the data (loaded from config's source when
    None); and the record config.json keeps. Data that cannot spare the entries keep the validation -ELBO, with a
    notice."""
    if data is None:  # in memory: streaming refuses stop_on: hidden-entries (data_source.py)
        data, _ = load_training_data(config)
    plain = config.with_overrides({"train": {"stop_on": "validation-elbo"}})
    hiding = hide_training_entries(data, config.train.seed)
    if hiding is None:
        notice(f"stop_on: hidden-entries: the {len(data.train_x)} training rows cannot spare {MIN_HIDDEN} observed "
               "entries to hide, so the epochs follow the validation -ELBO instead")
        return plain, data, None
    with tempfile.TemporaryDirectory(prefix="vaekit-hidden-entries-") as folder:
        first = train(plain, Path(folder) / "run", progress, data=hiding.data, pictures=False, watch=hiding.watch)
    if first.interrupted:  # Ctrl-C in the first run: nothing of the run is written yet, so nothing to resume
        raise KeyboardInterrupt
    again = first.config.with_overrides({"train": {"epochs": max(1, first.best_epoch), "early_stopping": 0}})
    if progress:  # the second run's lines would otherwise look like the first one's, begun again
        tqdm.write(f"training again on every entry for {again.train.epochs} epochs, the count that filled in the "
                   f"{hiding.count} hidden entries best")
    return again, data, hiding.record(first)


def spare_entries(x: torch.Tensor, seed: int) -> tuple[np.ndarray, bool]:
    """The rows whose entries may be hidden (all, or a seeded sample of WATCH_ROWS), and whether they can spare
    MIN_HIDDEN entries: a fifth of the observed entries of the rows that keep one when they lose another."""
    rows = np.arange(len(x))
    if len(x) > WATCH_ROWS:
        rows = np.sort(np.random.default_rng(seed).choice(len(x), WATCH_ROWS, replace=False))
    observed = ~torch.isnan(x[torch.from_numpy(rows)]).flatten(1)
    spare = int(observed[observed.sum(1) > 1].sum())
    return rows, spare * HIDDEN_SHARE >= MIN_HIDDEN


def hide_training_entries(data: Dataset, seed: int) -> HiddenEntries | None:
    """`data` with a fifth of its training rows' observed entries hidden (at most WATCH_ROWS rows, drawn with
    `seed`), and the watch that scores filling them in; None where the rows cannot spare MIN_HIDDEN entries."""
    x = data.train_x
    rows, enough = spare_entries(x, seed)
    if not enough:
        return None
    hidden = torch.zeros(x.shape, dtype=torch.bool)
    hidden[torch.from_numpy(rows)] = hide_entries(x[torch.from_numpy(rows)], HIDDEN_SHARE, seed=seed)
    gappy = dataclasses.replace(data, train_x=x.masked_fill(hidden, float("nan")), missing=True)
    kinds = data.column_types
    if kinds is None and data.kind == "vector" and x.dim() == 2:  # an array's columns: each in its own spread
        kinds = ["continuous"] * x.shape[1]
    watch = hidden_entries_watch(x.numpy(), hidden.numpy(), kinds, data.train_y)
    return HiddenEntries(gappy, watch, int(hidden.sum()))


def hidden_entries_watch(x: np.ndarray, hidden: np.ndarray, kinds: list[str] | None = None,
                         y: torch.Tensor | None = None) -> Watch:
    """The error of filling in x's `hidden` entries from the rest of their rows: the mean over those rows of
    imputation_row_errors (the tuning criterion's measure), continuous columns in their standard deviations
    (`kinds`: each column's type; None: an image's or a series' entries, in the data's own units). `y`: the rows'
    labels, which a conditional VAE fills in by."""
    rows = hidden.reshape(len(hidden), -1).any(axis=1)
    truth, mask = x[rows], torch.from_numpy(hidden[rows])
    given = np.where(hidden[rows], np.nan, truth).astype(np.float32)
    labels = None if y is None else y[torch.from_numpy(rows)]
    spread = scale_of(x, kinds)

    def error(model: VAE) -> float:
        conditional = model.num_classes is not None  # a conditional VAE reads the labels; others have none to read
        filled = impute(model, given, k=WATCH_SAMPLES, seed=0, y=labels if conditional else None)
        return float(imputation_row_errors(truth, filled, mask, kinds, spread).mean())
    return Watch("hidden_entries_error", "the error on hidden entries", error)
