"""Anomaly scores as outlier probabilities and as confidences in a label, as PyOD's detectors give them.

    outlier_probability(train, s, "linear")        # min-max of the training scores, clipped to [0, 1]
    outlier_probability(train, s, "unify")         # erf((s - mean) / (std sqrt 2)), clipped (Kriegel et al. 2011)
    outlier_probability(train, s, "conformal", calibration)   # 1 - conformal p-value (conformal.py)
    label_confidence(reference, s, rate, threshold)           # ExCeeD (Perini et al. 2020)

"linear" and "unify" are PyOD's predict_proba: monotone maps of the score with no stated meaning as a frequency.
"conformal" is the one whose value means something: 1 - p(s), where p(s) <= alpha happens to a new normal
example with probability at most alpha.

ExCeeD: an example's outlier probability is estimated, with a uniform prior, from how many of the n reference
scores lie at or below its score, p = (1 + #{ref <= s}) / (2 + n); its label's confidence is how likely it would
stay an outlier if n other examples were drawn, P(Binomial(n, p) > n - floor(n * rate)), for an example labelled an
outlier, and one less that for an example labelled an inlier. The reference scores and the rate are those the
threshold came from: the training scores and the contamination, or the calibration scores and the alarm rate.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import erf
from scipy.stats import binom

from vaekit.core.errors import VaekitError
from vaekit.tasks.scoring.conformal import Calibration

__all__ = ["METHODS", "as_two_columns", "check_method", "label_confidence", "outlier_probability"]

METHODS = ("linear", "unify", "conformal")


def check_method(method: object) -> str:
    """method, when it is one of METHODS, else a VaekitError naming them."""
    if not isinstance(method, str) or method not in METHODS:
        raise VaekitError(f"unknown probability method {method!r}; choose one of: {', '.join(METHODS)}")
    return method


def outlier_probability(train_scores: np.ndarray, scores: np.ndarray, method: str = "linear",
                        calibration: Calibration | None = None) -> np.ndarray:
    """(M,) probabilities in [0, 1] that each score is an outlier's, by `method` (module docstring); "conformal"
    needs the `calibration` of held-out normal examples."""
    check_method(method)
    scores = np.asarray(scores, dtype=np.float64)
    train = np.asarray(train_scores, dtype=np.float64)
    if method == "conformal":
        if calibration is None:
            raise VaekitError("method='conformal' needs calibration scores of normal rows the model was not trained "
                              "on: fit with alarm_rate set, or call calibrate(X_normal) first")
        return 1.0 - calibration.p_values(scores)
    if method == "linear":
        low, high = float(train.min()), float(train.max())
        span = high - low if high > low else 1.0  # every training score equal: a step at that score
        return np.clip((scores - low) / span, 0.0, 1.0)
    spread = float(train.std())
    spread = spread if spread > 0 else 1.0
    return np.clip(erf((scores - float(train.mean())) / (spread * math.sqrt(2))), 0.0, 1.0)


def label_confidence(reference_scores: np.ndarray, scores: np.ndarray, rate: float, threshold: float) -> np.ndarray:
    """(M,) ExCeeD confidence in [0, 1] of each score's label (outlier when score > threshold), from the n
    reference scores and the rate of outliers the threshold stands for (module docstring)."""
    reference = np.sort(np.asarray(reference_scores, dtype=np.float64))
    scores = np.asarray(scores, dtype=np.float64)
    n = len(reference)
    at_or_below = np.searchsorted(reference, scores, side="right")
    p_outlier = (1.0 + at_or_below) / (2.0 + n)
    # how many of n fresh draws may outrank it before it falls inside the normal share
    outlier_confidence = binom.sf(n - math.floor(n * float(rate)), n, p_outlier)
    return np.where(scores > threshold, outlier_confidence, 1.0 - outlier_confidence)


def as_two_columns(p_outlier: np.ndarray) -> np.ndarray:
    """(M, 2): P(inlier), P(outlier) per row, PyOD's predict_proba layout."""
    return np.stack([1.0 - p_outlier, p_outlier], axis=1)
