"""How many epochs VAEImputer trains, chosen by how well it fills in entries hidden from the rows it is given:

    run = fit_on_hidden_entries(config, x, columns=None, folder=Path(tmp), progress=False)
    run.model, run.config.train.epochs            # the model trained on every entry, and the epochs chosen

An imputer has no rows to spare for validation, so its run stops on hidden entries (train.stop_on: hidden-entries,
training/hidden_entries.py): a first run on every row with a fifth of the observed entries hidden, for up to the
data's step budget (training/auto_settings.py) with early stopping on the error of filling them in, then the same
settings on every entry for the best epoch's count. A table too small to spare the entries trains config's own
epochs (the imputer's capped budget) on every entry, as the imputer did before.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vaekit.config import Config
from vaekit.data.dataset import Dataset
from vaekit.runs.run import Run
from vaekit.training.auto_settings import auto_epochs, auto_patience
from vaekit.training.hidden_entries import spare_entries
from vaekit.training.loop import train


def fit_on_hidden_entries(config: Config, x: np.ndarray, columns: list[str] | None, folder: Path,
                          progress: bool) -> Run:
    """Train `config`'s VAE on x (N, D), NaN where missing, for the epochs that fill in hidden entries best, then
    again on every entry for that many epochs; config's epochs and early stopping are replaced (unless the table
    cannot spare the entries: then config is trained as it is)."""
    rows = gappy_rows(x, columns)
    if not spare_entries(rows.train_x, config.train.seed)[1]:
        return train(config, folder / "all", progress, data=rows, pictures=False)
    epochs = auto_epochs(len(x), config.train.batch_size)
    watched = config.with_overrides({"train": {"epochs": epochs, "early_stopping": auto_patience(epochs),
                                               "stop_on": "hidden-entries"}})
    return train(watched, folder / "all", progress, data=rows, pictures=False)


def gappy_rows(x: np.ndarray, columns: list[str] | None) -> Dataset:
    """x (N, D), NaN where missing, as the imputer trains on it: every row trained on and validated on."""
    return Dataset.from_arrays("array", x, x, None, None, "vector", "in-memory array", columns=columns, missing=True)
