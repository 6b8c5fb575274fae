"""Rows whose every value lies in [0, 1] get the continuous Bernoulli by default (data/kinds.py VectorKind), on the
values as they are; other rows a Gaussian on standardized columns. A detector fitted on such rows scores a row
with a value the likelihood cannot produce as infinitely anomalous instead of refusing it."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.datasets import load_digits

from vaekit import VAEAnomalyDetector, VAEEmbedder
from vaekit.config import Config
from vaekit.data import Dataset
from vaekit.model.build import resolve_auto
from vaekit.training.loop import train


def _settled(x: np.ndarray) -> Config:
    data = Dataset.from_arrays("array", x, x[:10], None, None, "vector", "in-memory array")
    config = Config()
    resolve_auto(config.model, data.kind, data.column_types, tuple(data.shape), data.within_unit_interval)
    return config


def test_rows_within_the_unit_interval_get_the_continuous_bernoulli_others_a_standardized_gaussian():
    pixels = load_digits().data[:100].astype(np.float32) / 16
    settled = _settled(pixels)
    assert (settled.model.likelihood, settled.model.standardize) == ("continuous_bernoulli", "off")
    counts = _settled(load_digits().data[:100].astype(np.float32))  # the same pixels as counts 0-16
    assert (counts.model.likelihood, counts.model.standardize) == ("gaussian", "on")
    below = pixels.copy()
    below[3, 5] = -0.01  # one value outside [0, 1] is enough
    assert _settled(below).model.likelihood == "gaussian"
    gaps = pixels.copy()
    gaps[::7, 2] = np.nan  # missing values are not values
    data = Dataset.from_arrays("array", gaps, gaps[:10], None, None, "vector", "in-memory array", missing=True)
    assert data.within_unit_interval


def test_a_run_on_unit_interval_rows_records_the_likelihood_it_chose(tmp_path):
    pixels = load_digits().data[:300].astype(np.float32) / 16
    data = Dataset.from_arrays("array", pixels[:240], pixels[240:], None, None, "vector", "in-memory array")
    train({"data": {"source": "array"}, "model": {"hidden": [16], "latent_dim": 2}, "train": {"epochs": 1}},
          tmp_path / "run", progress=False, data=data, pictures=False)
    recorded = json.loads((tmp_path / "run" / "config.json").read_text())["config"]["model"]
    assert (recorded["likelihood"], recorded["standardize"]) == ("continuous_bernoulli", "off")
    given = tmp_path / "given"  # a likelihood the user names is kept
    train({"data": {"source": "array"}, "model": {"hidden": [16], "latent_dim": 2, "likelihood": "gaussian"},
           "train": {"epochs": 1}}, given, progress=False, data=data, pictures=False)
    assert json.loads((given / "config.json").read_text())["config"]["model"]["likelihood"] == "gaussian"


def test_the_estimators_read_unit_interval_rows_with_it():
    pixels = load_digits().data[:200].astype(np.float32) / 16
    embedder = VAEEmbedder(latent_dim=2, epochs=1, hidden=[16]).fit(pixels)
    assert type(embedder.model_.likelihood).__name__ == "ContinuousBernoulliLikelihood"


def test_a_detector_fitted_within_0_1_scores_a_row_beyond_it_as_the_most_anomalous():
    pixels = load_digits().data[:200].astype(np.float32) / 16
    detector = VAEAnomalyDetector(epochs=1, hidden=(16,), latent_dim=2).fit(pixels)
    rows = pixels[:4].copy()
    rows[1, 10] = 1.5  # a pixel brighter than any the model can draw
    rows[3] = 2.0
    scores = detector.decision_function(rows)
    assert np.isinf(scores[[1, 3]]).all() and scores[1] > 0
    assert np.isfinite(scores[[0, 2]]).all()
    # the rows within [0, 1] score as they do alone
    assert scores[[0, 2]] == pytest.approx(detector.decision_function(rows[[0, 2]]), rel=1e-5)
    assert detector.predict(rows)[[1, 3]].tolist() == [1, 1]


def test_with_its_auto_epochs_the_continuous_bernoulli_detector_flags_uniform_noise():
    pixels = load_digits().data[:200].astype(np.float32) / 16
    detector = VAEAnomalyDetector(latent_dim=4, hidden=(32,), k=8).fit(pixels)  # epochs auto: early stopping
    noise = np.random.default_rng(0).random((20, 64), dtype=np.float32)  # nothing like a digit
    assert detector.decision_function(noise).min() > detector.threshold_
    assert detector.predict(noise).tolist() == [1] * 20
