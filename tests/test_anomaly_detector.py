"""VAEAnomalyDetector: PyOD's fitted attributes and signs, the asked contamination on its training data, and its
place in scikit-learn (clone, get_params, Pipeline)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from vaekit import VAEAnomalyDetector, VaekitError
from vaekit.tasks.scoring import score

# a Gaussian learns enough in three epochs; the continuous Bernoulli that [0, 1] rows get by default needs its auto
# epochs to tell noise from digits (tests/test_unit_interval_default.py)
SMALL = {"latent_dim": 4, "hidden": (32,), "epochs": 3, "k": 8, "likelihood": "gaussian"}


@pytest.fixture(scope="module")
def digits() -> np.ndarray:
    return load_digits().data.astype(np.float32) / 16


@pytest.fixture(scope="module")
def fitted(digits: np.ndarray) -> VAEAnomalyDetector:
    return VAEAnomalyDetector(contamination=0.1, **SMALL).fit(digits)


def test_threshold_gives_the_asked_contamination_on_the_training_data(fitted, digits) -> None:
    n = len(digits)
    assert fitted.decision_scores_.shape == (n,) and fitted.labels_.shape == (n,)
    assert set(np.unique(fitted.labels_)) == {0, 1}
    assert abs(fitted.labels_.mean() - 0.1) <= 1 / n  # 180 of 1797 above the 90% quantile
    assert fitted.threshold_ == pytest.approx(np.quantile(fitted.decision_scores_, 0.9))
    np.testing.assert_allclose(fitted.decision_function(digits), fitted.decision_scores_, rtol=1e-6)


def test_predict_agrees_with_the_decision_function_and_the_signs_are_pyods(fitted, digits) -> None:
    rng = np.random.default_rng(0)
    noise = rng.random((50, 64), dtype=np.float32)  # uniform noise: nothing like a digit
    x = np.concatenate([digits[:200], noise])
    scores = fitted.decision_function(x)
    np.testing.assert_array_equal(fitted.predict(x), (scores > fitted.threshold_).astype(int))
    np.testing.assert_allclose(fitted.score_samples(x), -scores)
    assert scores[200:].min() > np.median(scores[:200])  # higher = more abnormal
    assert fitted.predict(noise).mean() > 0.9
    # the default score, iw+reconstruction: each kind less its training median, over its training IQR, summed
    expected = sum((score(fitted.model_, torch.from_numpy(x), kind=kind, k=8).numpy() - median) / iqr
                   for kind, (median, iqr) in fitted.score_reference_.items())
    assert set(fitted.score_reference_) == {"iw", "reconstruction"}
    np.testing.assert_allclose(scores, expected, rtol=1e-6)


def test_params_clone_and_pipeline(digits) -> None:
    detector = VAEAnomalyDetector(contamination=0.2, score="reconstruction", **SMALL)
    assert detector.get_params()["score"] == "reconstruction" and detector.get_params()["contamination"] == 0.2
    copy = clone(detector).set_params(contamination=0.05)
    assert copy.contamination == 0.05 and detector.contamination == 0.2
    pipeline = make_pipeline(MinMaxScaler(), copy).fit(digits * 16)
    labels = pipeline.predict(digits * 16)
    assert abs(labels.mean() - 0.05) <= 1 / len(digits)
    np.testing.assert_allclose(pipeline.score_samples(digits * 16), -copy.decision_scores_, rtol=1e-6)


def test_bad_inputs_are_one_line_errors(fitted, digits) -> None:
    with pytest.raises(VaekitError, match=r"contamination must be in \(0, 0.5\]"):
        VAEAnomalyDetector(contamination=0.7).fit(digits)
    with pytest.raises(VaekitError, match="not fitted yet"):
        VAEAnomalyDetector().predict(digits)
    with pytest.raises(VaekitError, match=r"expected examples of shape \(64,\) as in fit"):
        fitted.predict(digits[:, :10])
    with pytest.raises(VaekitError, match="complexity score is for images"):
        VAEAnomalyDetector(score="complexity", **SMALL).fit(digits)
