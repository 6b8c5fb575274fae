"""Thresholds with a stated false-alarm rate (vaekit.tasks.scoring.conformal, VAEAnomalyDetector(alarm_rate=)):
a rate outside (0, 1), too few calibration rows for the rate, a threshold asked with no calibration data, a
probability method that does not exist, a calibration file that is not one. Each refused in one line, the
detector's before any training."""

from __future__ import annotations

import numpy as np

from bad_inputs.case import Case, Workspace
from vaekit import VAEAnomalyDetector
from vaekit.tasks.scoring.conformal import Calibration, alarm_threshold, conformal_threshold

TINY = {"latent_dim": 2, "hidden": (8,), "epochs": 1, "k": 2}


def _rows(n: int = 40) -> np.ndarray:
    return np.random.default_rng(0).random((n, 3)).astype(np.float32)


def _uncalibrated(w: Workspace) -> None:
    """An alarm rate with calibration_fraction 0 and no calibrate(X_normal): there is no threshold to predict by."""
    VAEAnomalyDetector(alarm_rate=0.05, calibration_fraction=0, **TINY).fit(_rows()).predict(_rows(5))


CASES = [
    Case("alarm-rate-zero", r"^alarm rate must be a number between 0 and 1 \(exclusive\), e\.g\. 0\.01 .*got 0$",
         api=lambda w: VAEAnomalyDetector(alarm_rate=0, **TINY).fit(_rows())),
    Case("alarm-rate-above-one", r"^alarm rate must be a number between 0 and 1 .*got 1\.5$",
         api=lambda w: VAEAnomalyDetector(alarm_rate=1.5, **TINY).fit(_rows())),
    Case("alarm-rate-text", r"^alarm rate must be a number between 0 and 1 .*got '1%'$",
         api=lambda w: alarm_threshold([1.0, 2.0, 3.0], "1%")),  # type: ignore[arg-type]
    Case("alarm-rate-too-few-calibration-rows", r"^alarm_rate=0\.01 needs at least 99 calibration rows, but "
         r"calibration_fraction=0\.2 of 40 rows holds out 8: give more rows, a larger calibration_fraction",
         api=lambda w: VAEAnomalyDetector(alarm_rate=0.01, **TINY).fit(_rows())),
    Case("alarm-threshold-too-few-scores", r"^an alarm rate of 0\.05 needs at least 19 calibration rows of normal "
         r"data, got 10: give more calibration rows or ask a larger alarm rate$",
         api=lambda w: conformal_threshold(np.arange(10.0), 0.05)),
    Case("alarm-calibration-fraction-one", r"^calibration_fraction must be a number in \[0, 1\), got 1$",
         api=lambda w: VAEAnomalyDetector(alarm_rate=0.05, calibration_fraction=1, **TINY).fit(_rows())),
    Case("alarm-rate-without-calibration-data", r"^alarm_rate=0\.05 needs calibration data and this detector has "
         r"none: call calibrate\(X_normal\)", api=_uncalibrated),
    Case("alarm-calibration-scores-not-finite", r"^1 of the 3 calibration scores are not finite numbers",
         api=lambda w: alarm_threshold([1.0, float("nan"), 3.0], 0.5)),
    Case("detector-unknown-probability-method", r"^unknown probability method 'sigmoid'; choose one of: linear, "
         r"unify, conformal$", api=lambda w: VAEAnomalyDetector().predict_proba(_rows(5), method="sigmoid")),
    Case("calibration-file-of-another-kind", r"c\.json is not a vaekit calibration file",
         api=lambda w: Calibration.load(w.path("c.json")),
         setup=lambda w: w.write("c.json", '{"scores": [1, 2]}')),
    Case("calibration-file-without-scores", r"c\.json: \"scores\" must be a non-empty list of numbers",
         api=lambda w: Calibration.load(w.path("c.json")),
         setup=lambda w: w.write("c.json", '{"format": "vaekit-calibration", "scores": []}')),
]
