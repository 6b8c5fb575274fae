"""A scikit-learn semi-supervised classifier: Kingma et al.'s M2 (2014), or M1+M2 with `m1=True`, trained on rows
of which only some are labelled (-1 marks an unlabelled row, as in sklearn.semi_supervised).

    from vaekit import VAEClassifier
    clf = VAEClassifier(epochs=50).fit(X, y)        # X: (N, D) or images (N, C, H, W); y: classes, -1 unlabelled
    clf.predict(X_test), clf.predict_proba(X_test)  # classes_[argmax q(y|x)], q(y|x) rows summing to 1
    clf.score(X_test, y_test)                       # accuracy
    make_pipeline(StandardScaler(), VAEClassifier(likelihood="gaussian")).fit(X, y)

M1+M2 first trains an unsupervised VAE (M1) on every row, then M2 on its posterior means: the classes separate
better in M1's code than in the pixels (the paper's 96.7% against M2's 88.0% on MNIST with 100 labels).

With few labels, M2's accuracy swings with its initial seed (breast cancer, 20 labels: 0.848 to 0.953 on one
split), so on small data it is an ensemble: `ensemble` M2s trained from successive seeds, q(y|x) their mean (deep
ensembles, Lakshminarayanan et al. 2017). "auto" trains ENSEMBLE_MEMBERS where the rows number at most
ENSEMBLE_ROWS, where one M2 takes seconds, and one above (bench/untuned_data.py --classifier-settings,
BENCHMARKS.md).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin

from vaekit.config import Config
from vaekit.core.errors import VaekitError
from vaekit.core.notices import notice
from vaekit.data.dataset import Dataset
from vaekit.estimators.fitting import config_keys, fit_members, fit_model, widths
from vaekit.estimators.inputs import as_examples
from vaekit.model.vae import VAE
from vaekit.tasks.class_predictions import ensemble_probabilities
from vaekit.tasks.outputs import embed

VALIDATION_ROWS = 1000  # rows copied (not held out) for the trainer's per-epoch validation numbers
# ensemble="auto": the deep ensembles paper's five members, on data where one M2 fits in seconds (398 rows of breast
# cancer: 16 s on 2 cores; 1,257 of the digits: 150 s, and there one M2 already beats the baselines)
ENSEMBLE_MEMBERS, ENSEMBLE_ROWS = 5, 1000


class VAEClassifier(ClassifierMixin, BaseEstimator):
    """fit(X, y) / predict / predict_proba / score for tables (N, D) or images (N, C, H, W) in [0, 1].

    y holds the classes of the labelled rows and -1 for the others (at least one labelled row of each of two
    classes or more). latent_dim, hidden, likelihood ("auto": Bernoulli for images, the continuous Bernoulli
    for rows whose every value lies in [0, 1], a Gaussian on standardized columns for other tables), epochs,
    batch_size and lr set M2 and its training; classifier_weight is the paper's alpha / N (0.1); ensemble is the
    number of M2s averaged (seeds seed, seed + 1, ...; "auto": 5 up to 1,000 rows, else 1). m1=True trains
    M1 first (m1_latent_dim, m1_hidden, m1_epochs, m1_likelihood) and M2 on its codes. `config` takes any
    other setting of M2 as config sections, e.g. {"train": {"lr_schedule": "cosine"}}.
    The VAEs learn from every row given to fit (their validation numbers are on a copy of some of them).
    tune_trials / tune_minutes: a tuning budget for each VAE trained (vaekit.tuning): M1 scored by validation
    -log p(x), M2 by the accuracy of q(y|x) on labelled validation rows (criterion classification: about a fifth
    of the labels are held out for it); `config`'s settings stay fixed; the settings kept (trial 0's, the ones
    given, unless a trial clearly beat them) are trained again on every row, with every label (each member of the
    ensemble; the search runs once).
    """

    def __init__(self, latent_dim: int = 50, hidden: tuple[int, ...] | str = "auto", likelihood: str = "auto",
                 epochs: int | str = "auto", batch_size: int = 100, lr: float = 1e-3, classifier_weight: float = 0.1,
                 m1: bool = False, m1_latent_dim: int = 50, m1_hidden: tuple[int, ...] | str = "auto",
                 m1_epochs: int | str | None = None, m1_likelihood: str = "auto", ensemble: int | str = "auto",
                 seed: int = 0, device: str = "auto",
                 config: dict[str, dict[str, Any]] | None = None, tune_trials: int = 0,
                 tune_minutes: float | None = None, progress: bool = False) -> None:
        self.tune_trials = tune_trials
        self.tune_minutes = tune_minutes
        self.latent_dim = latent_dim
        self.hidden = hidden
        self.likelihood = likelihood
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.classifier_weight = classifier_weight
        self.m1 = m1
        self.m1_latent_dim = m1_latent_dim
        self.m1_hidden = m1_hidden
        self.m1_epochs = m1_epochs
        self.m1_likelihood = m1_likelihood
        self.ensemble = ensemble
        self.seed = seed
        self.device = device
        self.config = config
        self.progress = progress

    def _m2_config(self, likelihood: str) -> Config:
        sections: dict[str, dict[str, Any]] = {name: dict(values) for name, values in (self.config or {}).items()}
        sections.setdefault("data", {})["source"] = "array"
        sections.setdefault("model", {}).update(latent_dim=self.latent_dim, hidden=widths(self.hidden),
                                                likelihood=likelihood, class_latent="m2")
        sections.setdefault("objective", {}).update(name="m2", classifier_weight=self.classifier_weight)
        sections.setdefault("train", {}).update(epochs=self.epochs, batch_size=self.batch_size, lr=self.lr,
                                                seed=self.seed, device=self.device)
        return Config.from_dict(sections)

    def _m1_config(self) -> Config:
        return Config.from_dict({
            "data": {"source": "array"},
            "model": {"latent_dim": self.m1_latent_dim, "hidden": widths(self.m1_hidden),
                      "likelihood": self.m1_likelihood},
            "train": {"epochs": self.m1_epochs or self.epochs, "batch_size": self.batch_size, "lr": self.lr,
                      "seed": self.seed, "device": self.device}})

    def fit(self, X: Any, y: Any) -> VAEClassifier:
        """Train on the rows of X, labelled by y where y is not -1."""
        x = _as_examples(X)
        labels = _as_labels(y, len(x))
        labelled = labels != -1
        self.classes_ = np.unique(labels[labelled])
        if len(self.classes_) < 2:
            raise VaekitError(f"VAEClassifier needs labelled rows of at least two classes (-1: unlabelled), got "
                              f"{len(self.classes_)} class{'' if len(self.classes_) == 1 else 'es'}")
        codes = np.where(labelled, np.searchsorted(self.classes_, labels), -1).astype(np.int64)
        m2_config = self._m2_config(self.likelihood)  # checked before any training
        members = self._members(len(x))
        self.n_features_in_ = int(np.prod(x.shape[1:]))
        self.m1_model_: VAE | None = None
        if self.m1:
            self.m1_model_ = fit_model(self._m1_config(), self._data(x, None), self.progress, self.tune_trials,
                                       self.tune_minutes, config_keys(self.config))
            x = self._codes(x)
            m2_config = self._m2_config("gaussian" if self.likelihood == "auto" else self.likelihood)
        # a search scores M2 by its accuracy on labelled validation rows: M2's -ELBO, the paper's objective, chose
        # models that classified worse than the defaults on two of three tables kept aside (bench/untuned_data.py
        # --kept-aside, BENCHMARKS.md)
        self.models_: list[VAE] = fit_members(m2_config, self._data(x, codes), self.progress, members,
                                              self.tune_trials, self.tune_minutes, config_keys(self.config),
                                              criterion="classification")
        return self

    def _members(self, rows: int) -> int:
        """The ensemble's size: `ensemble`, or for "auto" ENSEMBLE_MEMBERS up to ENSEMBLE_ROWS rows (said once)."""
        if self.ensemble != "auto":
            if isinstance(self.ensemble, bool) or not isinstance(self.ensemble, (int, np.integer)) \
                    or self.ensemble < 1:
                raise VaekitError(f"ensemble must be a whole number of M2s (1 or more) or 'auto', got "
                                  f"{self.ensemble!r}")
            return int(self.ensemble)
        if rows > ENSEMBLE_ROWS:
            return 1
        notice(f"VAEClassifier: an ensemble of {ENSEMBLE_MEMBERS} M2s (seeds {self.seed}-"
               f"{self.seed + ENSEMBLE_MEMBERS - 1}) for {rows} rows, as ensemble='auto' does up to {ENSEMBLE_ROWS}; "
               f"ensemble=1 trains one")
        return ENSEMBLE_MEMBERS

    def _data(self, x: np.ndarray, labels: np.ndarray | None) -> Dataset:
        """x as training data; validation numbers on a seeded copy of up to VALIDATION_ROWS rows, unlabelled."""
        rows = np.random.default_rng(self.seed).permutation(len(x))[:VALIDATION_ROWS]
        kind = "image" if x.ndim == 4 else "vector"
        valid_y = None if labels is None else np.full(len(rows), -1, dtype=np.int64)
        return Dataset.from_arrays("array", x, x[rows], labels, valid_y, kind, "in-memory array")

    def _codes(self, x: np.ndarray) -> np.ndarray:
        """M1's posterior means of x (M1+M2), or x itself."""
        if self.m1_model_ is None:
            return x
        return embed(self.m1_model_, torch.from_numpy(x)).numpy()

    def _fitted(self) -> list[VAE]:
        models = getattr(self, "models_", None)
        if models is None:
            raise VaekitError("this VAEClassifier is not fitted yet; call fit(X, y) first")
        return models

    def predict_proba(self, X: Any) -> np.ndarray:
        """(N, n_classes) q(y|x), the ensemble's mean, columns in the order of classes_, each row summing to 1."""
        models = self._fitted()
        shape = self.m1_model_.data_shape if self.m1_model_ is not None else models[0].data_shape
        x = torch.from_numpy(self._codes(_as_examples(X, shape)))
        probs = ensemble_probabilities(models, x).double().numpy()
        return probs / probs.sum(1, keepdims=True)  # float32 rounding: rows sum to 1 in float64

    def predict(self, X: Any) -> np.ndarray:
        """(N,) the most probable class of each row, from classes_."""
        probs = self.predict_proba(X)
        return self.classes_[probs.argmax(1)]


def _as_labels(y: Any, count: int) -> np.ndarray:
    """y as int64 (N,): class labels, -1 for unlabelled rows."""
    labels = np.asarray(y)
    if labels.ndim != 1 or len(labels) != count:
        raise VaekitError(f"y must hold one label per row of X ({count}), got shape {labels.shape}")
    if not (np.issubdtype(labels.dtype, np.integer) or
            (np.issubdtype(labels.dtype, np.floating) and np.all(labels == np.round(labels)))):
        raise VaekitError(f"y must hold whole-number class labels (-1: unlabelled), got {labels.dtype}")
    labels = labels.astype(np.int64)
    if labels.min() < -1:
        raise VaekitError(f"y includes {labels.min()}; class labels are 0 or more, and -1 marks an unlabelled row")
    return labels


def _as_examples(X: Any, shape: tuple[int, ...] | None = None) -> np.ndarray:
    return as_examples(X, "VAEClassifier", shape)
