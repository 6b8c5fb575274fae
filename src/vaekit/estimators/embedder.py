"""A scikit-learn style transformer: a VAE as a learned, invertible dimensionality reduction.

    from vaekit import VAEEmbedder
    embedder = VAEEmbedder(latent_dim=2, epochs=50).fit(X)   # X: (N, D) array or DataFrame
    Z = embedder.transform(X)                                  # posterior means, (N, 2)
    X_hat = embedder.inverse_transform(Z)                      # likelihood means, (N, D)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from vaekit.config import Config
from vaekit.core.errors import VaekitError
from vaekit.data.common.split import split_arrays
from vaekit.data.dataset import Dataset
from vaekit.estimators.fitting import fit_model, place_settings
from vaekit.estimators.inputs import as_table, feature_names, numbers_of
from vaekit.model.vae import VAE
from vaekit.training.loop import train
from vaekit.tuning.criteria import criterion_of


class VAEEmbedder:
    """fit / transform / inverse_transform / fit_transform over arrays and tables of numbers.

    Keyword settings are those of vaekit's config sections (latent_dim, hidden, likelihood, beta, epochs,
    batch_size, lr, seed, ...); `out_dir` keeps the run directory (weights, config, metrics), otherwise the model
    lives in memory only. `tune_trials` / `tune_minutes`: a tuning budget; the search (vaekit.tuning) keeps
    latent_dim and the keyword settings, searches the rest on a validation share of X, and trains the settings
    kept again on all of X. `tune_criterion`: what the search scores (a criterion of `vaekit tune`): "nll"
    (validation -log p(x)), or "clustering", which needs labels, fit(X, y) with -1 for a row without one: k-means
    fitted on the codes of the rows a trial trained on, scored by the labelled validation rows' clusters. With it
    the best trial's own model is kept, trained on X less the validation share: a clustering does not survive
    training again. No figure without labels ranks settings by their clusters (bench/cluster_criteria.py), and
    -log p(x) kept settings that clustered the digits worse than the defaults.

    >>> embedder = VAEEmbedder(latent_dim=10, tune_minutes=2, tune_criterion="clustering").fit(X, y)
    """

    def __init__(self, latent_dim: int = 2, epochs: int | str = "auto", out_dir: str | Path | None = None,
                 progress: bool = False, tune_trials: int = 0, tune_minutes: float | None = None,
                 tune_criterion: str = "nll", **settings: Any) -> None:
        self.tune_trials = tune_trials
        self.tune_criterion = tune_criterion
        self.tune_minutes = tune_minutes
        self.latent_dim = latent_dim
        self.epochs = epochs
        self.out_dir = out_dir
        self.progress = progress
        self.settings = settings
        self.model_: VAE | None = None

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor's settings (scikit-learn's clone, grid search and pipelines use this)."""
        return {"latent_dim": self.latent_dim, "epochs": self.epochs, "out_dir": self.out_dir,
                "progress": self.progress, "tune_trials": self.tune_trials, "tune_minutes": self.tune_minutes,
                "tune_criterion": self.tune_criterion, **self.settings}

    def set_params(self, **params: Any) -> VAEEmbedder:
        for key, value in params.items():
            if key in ("latent_dim", "epochs", "out_dir", "progress", "tune_trials", "tune_minutes", "tune_criterion"):
                setattr(self, key, value)
            else:
                self.settings[key] = value
        return self

    def _config(self) -> Config:
        sections: dict[str, dict[str, Any]] = {"model": {"latent_dim": self.latent_dim},
                                               "train": {"epochs": self.epochs}, "data": {"source": "array"}}
        place_settings(sections, self.settings, "VAEEmbedder")
        config = Config.from_dict(sections)
        if config.model.conditional:  # transform() gets no labels, so a CVAE could not encode
            raise VaekitError("VAEEmbedder makes unconditional models; train a conditional VAE with vaekit.train")
        return config

    def fit(self, X: Any, y: Any = None) -> VAEEmbedder:
        config = self._config()
        tuned = bool(self.tune_trials or self.tune_minutes is not None)
        if tuned and criterion_of(self.tune_criterion).needs_labels and y is None:
            raise VaekitError(f"tune_criterion={self.tune_criterion!r} scores the validation rows' labels: give "
                              "them, fit(X, y), with -1 for a row that has none")
        x = _as_matrix(X)
        labels = None if y is None else np.asarray(y).astype(np.int64)
        train_x, test_x, train_y, test_y = split_arrays(x, labels, config.data.test_fraction, config.data.split_seed)
        names = feature_names(X)
        if names is not None:  # scikit-learn's record of a DataFrame's columns; inverse_transform gives them back
            self.feature_names_in_ = names
        else:  # fitted (again) on an array: no names, and none left from an earlier fit
            self.__dict__.pop("feature_names_in_", None)
        self.n_features_in_ = x.shape[1]
        data = Dataset.from_arrays("array", train_x, test_x, train_y, test_y, "vector", "in-memory array",
                                   columns=None if names is None else list(names))
        if self.out_dir is not None and not tuned:
            self.model_ = train(config, self.out_dir, self.progress, data=data).model
        else:  # with a tuning budget, the best trial's model (out_dir: the study's folder is temporary)
            self.model_ = fit_model(config, data, self.progress, self.tune_trials, self.tune_minutes,
                                    frozenset({"latent_dim", *self.settings}),  # the size asked for stays
                                    self.tune_criterion)
        self.model_.cpu()
        return self

    def _fitted(self) -> VAE:
        if self.model_ is None:
            raise VaekitError("this VAEEmbedder is not fitted yet; call fit(X) first")
        return self.model_

    @torch.no_grad()
    def transform(self, X: Any) -> np.ndarray:
        """(N, latent_dim) posterior means."""
        model = self._fitted()
        x = torch.from_numpy(_as_matrix(X, model.data_shape[0]))
        return model.encode(x).mean.numpy()

    def fit_transform(self, X: Any, y: Any = None) -> np.ndarray:
        return self.fit(X, y).transform(X)

    @torch.no_grad()
    def inverse_transform(self, Z: Any) -> Any:
        """(N, D) likelihood means decoded from latent codes: a DataFrame with the columns fit saw, where fit was
        given a DataFrame, else an array."""
        model = self._fitted()
        z = torch.as_tensor(np.asarray(Z, dtype=np.float32))
        if z.ndim != 2 or z.shape[1] != model.latent_dim:
            raise VaekitError(f"latent codes must have shape (N, {model.latent_dim}), got {tuple(z.shape)}")
        return as_table(model.decode(z).mean.numpy(), getattr(self, "feature_names_in_", None))


def _as_matrix(X: Any, width: int | None = None) -> np.ndarray:
    x = numbers_of(X, "VAEEmbedder")
    if x.ndim != 2:
        raise VaekitError(f"expected a 2-D array (examples, features), got shape {x.shape}")
    if width is not None and x.shape[1] != width:
        raise VaekitError(f"expected {width} features per example, got {x.shape[1]}")
    if not np.isfinite(x).all():
        raise VaekitError("the array contains NaN or infinite values")
    return x
