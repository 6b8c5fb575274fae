"""The anomaly detector's combined score, iw+reconstruction by default: each kind standardized by its median and IQR
on the training rows and summed; a spec of one kind is that kind's raw score, as before."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

import vaekit
from vaekit import VAEAnomalyDetector, VaekitError
from vaekit.tasks.scoring import combine, combined_kinds, fit_reference, score

# a Gaussian learns enough in three epochs; the continuous Bernoulli that these [0, 1] rows get by default needs its
# auto epochs to tell noise from digits (tests/test_unit_interval_default.py)
SMALL = {"latent_dim": 4, "hidden": (32,), "epochs": 3, "k": 8, "likelihood": "gaussian"}


@pytest.fixture(scope="module")
def digits() -> np.ndarray:
    return load_digits().data[:200].astype(np.float32) / 16


@pytest.fixture(scope="module")
def fitted(digits: np.ndarray) -> VAEAnomalyDetector:
    return VAEAnomalyDetector(**SMALL).fit(digits)


def _raw(detector: VAEAnomalyDetector, x: np.ndarray, kind: str) -> np.ndarray:
    return score(detector.model_, torch.from_numpy(x), kind=kind, k=8, seed=0).numpy()


def test_the_spec_is_kinds_joined_by_plus_each_checked() -> None:
    model = vaekit.build_model(vaekit.ModelConfig(latent_dim=2, hidden=[8]), (5,), "vector")
    assert combined_kinds("iw+reconstruction", model) == ["iw", "reconstruction"]
    assert combined_kinds(" rate + iw ", model) == ["rate", "iw"]
    assert combined_kinds("elbo", model) == ["elbo"]
    with pytest.raises(VaekitError, match=r"none empty; got 'iw\+'"):
        combined_kinds("iw+", model)
    with pytest.raises(VaekitError, match=r"named twice in 'iw\+iw'"):
        combined_kinds("iw+iw", model)
    with pytest.raises(VaekitError, match=r"unknown score kind 'nope'; choose one of: .*reconstruction"):
        combined_kinds("nope+iw", model)
    with pytest.raises(VaekitError, match=r"join the score kinds to combine with \+, not commas"):
        combined_kinds("iw,reconstruction", model)
    with pytest.raises(VaekitError, match="complexity score is for images"):
        combined_kinds("iw+complexity", model)  # the kind's own check, before any work


def test_the_reference_and_the_sum_by_hand() -> None:
    training = {"a": np.array([1.0, 2.0, 3.0, 4.0, 10.0]), "b": np.array([5.0, 5.0, 5.0, 5.0, 7.0])}
    reference = fit_reference(training)
    assert reference == {"a": (3.0, 2.0), "b": (5.0, 1.0)}  # b's IQR is 0: counted as 1
    new = {"a": np.array([3.0, 7.0]), "b": np.array([6.0, 4.0])}
    np.testing.assert_allclose(combine(new, reference), [0.0 + 1.0, 2.0 - 1.0])
    assert fit_reference({"a": training["a"]}) == {}
    np.testing.assert_array_equal(combine({"a": new["a"]}, {}), new["a"])  # one kind: raw
    with pytest.raises(VaekitError, match="reference is of"):
        combine({"a": new["a"], "c": new["b"]}, reference)


def test_the_default_is_the_standardized_sum_of_iw_and_reconstruction(fitted, digits) -> None:
    assert fitted.get_params()["score"] == "iw+reconstruction"
    training = {kind: _raw(fitted, digits, kind) for kind in ("iw", "reconstruction")}
    assert set(fitted.score_reference_) == {"iw", "reconstruction"}
    for kind, values in training.items():
        low, median, high = np.percentile(values, [25, 50, 75])
        assert fitted.score_reference_[kind] == pytest.approx((median, high - low), rel=1e-12)
        part = (values - median) / (high - low)
        assert abs(np.median(part)) < 1e-9  # each standardized part has median 0 on the training rows
    by_hand = sum((training[kind] - fitted.score_reference_[kind][0]) / fitted.score_reference_[kind][1]
                  for kind in training)
    np.testing.assert_allclose(fitted.decision_scores_, by_hand, rtol=1e-9, atol=1e-9)
    assert abs(np.median(fitted.decision_scores_)) < 1.0  # two parts of median 0: near 0, in IQR units
    assert fitted.threshold_ == pytest.approx(np.quantile(by_hand, 0.9))

    new = np.random.default_rng(0).random((20, 64), dtype=np.float32)  # uniform noise: nothing like a digit
    expected = sum((_raw(fitted, new, kind) - fitted.score_reference_[kind][0]) / fitted.score_reference_[kind][1]
                   for kind in training)
    np.testing.assert_allclose(fitted.decision_function(new), expected, rtol=1e-9, atol=1e-9)
    assert fitted.decision_function(new).min() > np.median(fitted.decision_scores_)


def test_a_single_kind_is_its_raw_score_as_before(digits) -> None:
    detector = VAEAnomalyDetector(score="iw", **SMALL).fit(digits)
    assert detector.score_reference_ == {}
    np.testing.assert_array_equal(detector.decision_scores_, _raw(detector, digits, "iw"))
    np.testing.assert_array_equal(detector.decision_function(digits[:30]), _raw(detector, digits[:30], "iw"))


def test_a_bad_spec_is_refused_before_training(digits, monkeypatch) -> None:
    def no_training(*args, **kwargs):
        raise AssertionError("trained before the score was checked")

    monkeypatch.setattr("vaekit.estimators.anomaly_detector.fit_model", no_training)
    with pytest.raises(VaekitError, match=r"named twice in 'iw\+iw'"):
        VAEAnomalyDetector(score="iw+iw").fit(digits)
    with pytest.raises(VaekitError, match=r"unknown score kind 'nope'"):
        VAEAnomalyDetector(score="nope+iw").fit(digits)
