"""A scikit-learn imputer: a VAE trained on the rows it is given, missing values and all (MIWAE), that fills in
missing values by importance resampling (or a Gibbs or Metropolis-within-Gibbs chain).

    from sklearn.pipeline import make_pipeline
    from vaekit import VAEImputer

    imputer = VAEImputer().fit(X)                              # X: (N, D) array or DataFrame, NaN where missing
    X_filled = imputer.transform(X)                            # observed values as they were
    make_pipeline(VAEImputer(), LogisticRegression()).fit(X, y)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin

from vaekit.config import Config
from vaekit.config.fields import check_importance_samples
from vaekit.core.errors import VaekitError
from vaekit.estimators.fitting import fit_model, widths
from vaekit.estimators.hidden_entries import fit_on_hidden_entries, gappy_rows
from vaekit.estimators.inputs import as_table, feature_names, frame_index, numbers_of
from vaekit.model.auto_latent import imputation_latent
from vaekit.model.vae import VAE
from vaekit.tasks.imputation import impute
from vaekit.tasks.imputation.ranges import observed_ranges
from vaekit.training.auto_settings import auto_epochs

# A search's trials with epochs="auto": the step budget every run gets (training/auto_settings.py), at most this
# many, and no early stopping. Early stopping on the -ELBO would carve a tenth of the rows (12 of wine's 124) and
# keep the epoch with the best -ELBO on them, a choice so noisy that it can keep a model that fills in little
# better than the column mean: penguins with half the entries missing, bench/untuned_data.py, RMSE 0.969 with
# early stopping (column mean 0.985), 0.728 with 200 epochs all kept (IterativeImputer 0.787). The model fit
# returns chooses its epochs on hidden entries instead (hidden_entries.py).
IMPUTER_EPOCHS = 200


class VAEImputer(TransformerMixin, BaseEstimator):
    """fit(X) trains a VAE on X with missing values (data.missing: model: observed entries only, the encoder
    reads the mask; objective iwae with `iw_samples` draws, which is the MIWAE bound); transform(X) returns X with
    its NaN entries filled by `vaekit.tasks.imputation.impute(method, k, iterations, seed)`.

    The VAE learns from every row it is given: an imputer has no held-out rows to spare, so epochs="auto" hides a
    fifth of the observed entries, trains on the rest until filling them in stops improving (at most the data's
    step budget), then trains the same settings on every entry for that many epochs (hidden_entries.py; the epochs
    chosen are `epochs_`); a number of epochs is trained as given, with no early stopping. latent_dim="auto" is a
    quarter of the columns, 4 to 16 (model/auto_latent.py: a code of 4 left the 30 and 64 columns of breast cancer
    and the digits filled in worse than IterativeImputer and KNNImputer did).
    Continuous columns only, as scikit-learn's imputers take (code categories as numbers).
    tune_trials / tune_minutes: a tuning budget (vaekit.tuning): each trial is scored by the error of filling in
    entries hidden from a validation share of the rows; latent_dim, hidden, lr and batch_size are searched, and
    the settings kept (trial 0's unless a trial clearly beat them) are trained again on all of X (with
    epochs="auto" the trials train IMPUTER_EPOCHS at most, and the settings kept choose theirs as above).

    keep_in_range (default on): a filled-in value is clipped to the range its column took in the rows given to
    fit (data_min_, data_max_), as IterativeImputer's min_value / max_value do. Why: a Gaussian decoder can
    extrapolate in a column that is nearly constant: on the 8x8 digits with half the entries missing, a model
    filled a pixel that is 0 in all but a few rows with 0.054, thirty of that column's standard deviations, and
    such entries decided the RMSE (BENCHMARKS.md: digits at 50%, 1.040 now against IterativeImputer's 1.092).
    """

    def __init__(self, latent_dim: int | str = "auto", hidden: tuple[int, ...] | str = "auto",
                 epochs: int | str = "auto",
                 batch_size: int = 64, lr: float = 1e-3, iw_samples: int = 20, likelihood: str = "gaussian",
                 method: str = "importance", k: int = 1000, iterations: int = 100, seed: int = 0,
                 tune_trials: int = 0, tune_minutes: float | None = None, keep_in_range: bool = True,
                 progress: bool = False) -> None:
        self.keep_in_range = keep_in_range
        self.tune_trials = tune_trials
        self.tune_minutes = tune_minutes
        self.latent_dim = latent_dim
        self.hidden = hidden
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.iw_samples = iw_samples
        self.likelihood = likelihood
        self.method = method
        self.k = k
        self.iterations = iterations
        self.seed = seed
        self.progress = progress

    def _config(self, rows: int, columns: int) -> Config:
        if isinstance(self.latent_dim, str) and self.latent_dim != "auto":  # a count is checked with the config
            raise VaekitError(f"latent_dim must be a positive integer or auto, got {self.latent_dim!r}")
        latent_dim = imputation_latent(columns) if self.latent_dim == "auto" else self.latent_dim
        epochs = self.epochs
        if epochs == "auto":  # a search's trials: the data's step budget, at most IMPUTER_EPOCHS, all trained
            epochs = min(IMPUTER_EPOCHS, auto_epochs(rows, self.batch_size))
        return Config.from_dict({
            "data": {"source": "array", "missing": "model"},
            "model": {"latent_dim": latent_dim, "hidden": widths(self.hidden), "likelihood": self.likelihood},
            "objective": {"name": "iwae" if self.iw_samples > 1 else "elbo", "iw_samples": self.iw_samples},
            "train": {"epochs": epochs, "early_stopping": 0, "batch_size": self.batch_size, "lr": self.lr,
                      "seed": self.seed}})

    def fit(self, X: Any, y: Any = None) -> VAEImputer:
        """Train the VAE on the rows of X (N, D), NaN where values are missing."""
        check_importance_samples("k", self.k)  # before training: transform would refuse it only after
        x = _as_matrix(X)
        config = self._config(*x.shape)
        names = feature_names(X)
        data = gappy_rows(x, None if names is None else list(names))
        # a search scores each trial by how well it fills in entries hidden from its validation rows
        self.epochs_ = config.train.epochs  # the epochs the model kept was trained for

        def on_hidden_entries(settings: Config, folder: Path) -> VAE:  # epochs="auto": chosen on hidden entries
            run = fit_on_hidden_entries(settings, x, None if names is None else list(names), folder, self.progress)
            self.epochs_ = run.config.train.epochs
            return run.model
        fit = on_hidden_entries if self.epochs == "auto" else None
        self.model_: VAE = fit_model(config, data, self.progress, self.tune_trials, self.tune_minutes,
                                     frozenset({"iw_samples"}), criterion="imputation", fit=fit).cpu()
        self.n_features_in_ = x.shape[1]
        if names is not None:  # scikit-learn's record of a DataFrame's columns
            self.feature_names_in_ = names
        else:  # fitted (again) on an array: no names, and none left from an earlier fit
            self.__dict__.pop("feature_names_in_", None)
        low, high = observed_ranges(torch.from_numpy(x))  # an all-NaN column: -inf, inf, never clipped
        self.data_min_, self.data_max_ = low.double().numpy(), high.double().numpy()
        return self

    def transform(self, X: Any) -> Any:
        """X (N, D) as float64 (as scikit-learn's imputers give it) with its missing values filled in; the observed
        values are X's own, not rounded through the model's float32. A DataFrame comes back as a DataFrame, with
        its columns and index."""
        if not hasattr(self, "model_"):
            raise VaekitError("this VAEImputer is not fitted yet; call fit(X) first")
        x = _as_matrix(X, self.n_features_in_)
        names, index = feature_names(X), frame_index(X)
        # a value far outside the rows given to fit (1e20) is refused naming its row and column, and an imputed
        # value that is not a number too: never a "filled" table with NaN left in it
        filled = impute(self.model_, x, method=self.method, k=self.k, iterations=self.iterations, seed=self.seed,
                        columns=None if names is None else list(names), ids=None if index is None else list(index))
        exact = np.array(X, dtype=np.float64)  # a copy: X itself is left as it was
        missing = np.isnan(exact)
        if self.keep_in_range:
            filled = np.clip(filled, self.data_min_, self.data_max_)
        exact[missing] = filled[missing]
        return as_table(exact, names, index)


def _as_matrix(X: Any, width: int | None = None) -> np.ndarray:
    x = numbers_of(X, "VAEImputer", " (NaN where missing)")
    if x.ndim != 2:
        raise VaekitError(f"expected a 2-D array (examples, features), got shape {x.shape}")
    if width is not None and x.shape[1] != width:
        raise VaekitError(f"expected {width} features per example, got {x.shape[1]}")
    if np.isinf(x).any():
        raise VaekitError("the array contains infinite values; only NaN marks a missing value")
    return x
