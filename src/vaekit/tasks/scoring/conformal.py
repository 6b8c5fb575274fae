"""Split-conformal anomaly thresholds: a cut on the scores with a stated false-alarm rate, and conformal p-values.

Given n calibration scores s_1..s_n of normal examples that the model was NOT trained on (held out from training
and from early stopping), and an alarm rate alpha in (0, 1):

    threshold  = the k-th smallest calibration score,  k = ceil((n + 1)(1 - alpha))
    p(s)       = (1 + #{i : s_i >= s}) / (n + 1)             in [1/(n+1), 1]

An example is an alarm when its score is above the threshold, which is the same as p(s) <= alpha. The guarantee
(Vovk et al. 2005; Laxhammar & Falkman 2015; Bates et al. 2023): if the calibration scores and a new normal
example's score are exchangeable (drawn i.i.d. from one distribution is enough; the model is fixed before the
calibration rows are seen), then

    P(new normal example is an alarm) = P(p(s) <= alpha) <= alpha,

marginally: in expectation over the draw of the calibration rows and of the new example, not for every
calibration set; a single calibration set's false-alarm rate scatters around alpha, by a Beta distribution of
spread about sqrt(alpha (1 - alpha) / n). With continuous scores the rate is also at least alpha - 1/(n + 1).
The threshold exists only when k <= n, i.e. (n + 1) alpha >= 1: a 1% rate needs at least 99 calibration rows.

    threshold, calibration = alarm_threshold(calibration_scores, 0.01)   # what `vaekit score --alarm-rate` calls
    calibration.p_values(new_scores)                                      # (M,) in (0, 1]
    calibration.save("calibration.json"); Calibration.load("calibration.json")   # JSON, no pickle
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from vaekit.core.errors import DataError, VaekitError
from vaekit.core.io import write_json
from vaekit.core.json_file import read_json

__all__ = ["Calibration", "alarm_threshold", "check_alarm_rate", "conformal_p_values", "conformal_threshold",
           "rows_needed"]

FORMAT = "vaekit-calibration"


def check_alarm_rate(alarm_rate: Any) -> float:
    """alarm_rate as a float in the open interval (0, 1), or a VaekitError saying so."""
    if isinstance(alarm_rate, bool) or not isinstance(alarm_rate, (int, float, np.integer, np.floating)) \
            or not 0 < float(alarm_rate) < 1:
        raise VaekitError(f"alarm rate must be a number between 0 and 1 (exclusive), e.g. 0.01 for 1% false alarms; "
                          f"got {alarm_rate!r}")
    return float(alarm_rate)


def _exact(alarm_rate: float) -> Fraction:
    """The rate as the decimal the user wrote (0.01 is 1/100, not the float nearest it), so that (n + 1) * alpha
    is computed without rounding: ceil(100 * 0.99) must be 99, which float arithmetic does not promise."""
    return Fraction(str(alarm_rate))


def rows_needed(alarm_rate: float) -> int:
    """The fewest calibration scores that give a threshold at this rate: the least n with (n + 1) alpha >= 1."""
    return math.ceil(1 / _exact(check_alarm_rate(alarm_rate))) - 1


def _as_scores(scores: Any, what: str) -> np.ndarray:
    values = np.asarray(scores, dtype=np.float64)
    if values.ndim != 1:
        raise VaekitError(f"{what} must be a 1-D array of scores, one per example; got shape {list(values.shape)}")
    bad = int((~np.isfinite(values)).sum())
    if bad:
        raise VaekitError(f"{bad} of the {len(values)} {what} are not finite numbers (NaN or infinite); a conformal "
                          "threshold needs a finite score for every calibration example")
    return values


def conformal_threshold(calibration_scores: Any, alarm_rate: float) -> float:
    """The ceil((n + 1)(1 - alarm_rate))-th smallest of the n calibration scores: new normal examples score above
    it with probability at most alarm_rate (module docstring). A VaekitError when (n + 1) * alarm_rate < 1.

        conformal_threshold([3.0, 1.0, 2.0, 4.0], 0.2)   # 4.0: k = ceil(5 * 0.8) = 4
    """
    rate = check_alarm_rate(alarm_rate)
    scores = np.sort(_as_scores(calibration_scores, "calibration scores"))
    n = len(scores)
    alarms = math.floor((n + 1) * _exact(rate))  # n + 1 - k: how many ranks lie above the threshold's
    if alarms < 1:
        raise VaekitError(f"an alarm rate of {rate:g} needs at least {rows_needed(rate)} calibration rows of normal "
                          f"data, got {n}: give more calibration rows or ask a larger alarm rate")
    return float(scores[n - alarms])  # the k-th smallest, k = n + 1 - alarms


def conformal_p_values(calibration_scores: Any, scores: Any) -> np.ndarray:
    """(M,) conformal p-values (1 + #{calibration >= s}) / (n + 1) of `scores` against the n calibration scores:
    small for examples that score higher than most normal ones; P(p <= alpha) <= alpha for a new normal example.

        conformal_p_values([1.0, 2.0, 3.0], [0.5, 2.0, 9.0])   # [1.0, 0.75, 0.25]
    """
    calibration = np.sort(_as_scores(calibration_scores, "calibration scores"))
    if len(calibration) == 0:
        raise VaekitError("conformal p-values need at least one calibration score")
    values = np.asarray(scores, dtype=np.float64).reshape(-1)
    at_least = len(calibration) - np.searchsorted(calibration, values, side="left")  # #{cal >= s}
    p = (1.0 + at_least) / (len(calibration) + 1.0)
    return np.where(np.isnan(values), np.nan, p)  # a score that is no number gets no p-value


@dataclass(frozen=True)
class Calibration:
    """The sorted scores of normal calibration examples, and what they are scores of (`kind`, e.g. "iw" or
    "iw+reconstruction", so that a file is not used with another score). Saved as JSON, no pickle.

        calibration = Calibration.of(scores, kind="iw")
        calibration.threshold(0.05); calibration.p_values(new_scores)
    """

    scores: tuple[float, ...]
    kind: str = ""

    @classmethod
    def of(cls, scores: Any, kind: str = "") -> Calibration:
        values = np.sort(_as_scores(scores, "calibration scores"))
        if len(values) == 0:
            raise VaekitError("calibration needs at least one score of a normal example")
        return cls(tuple(float(v) for v in values), str(kind))

    @property
    def n(self) -> int:
        return len(self.scores)

    def threshold(self, alarm_rate: float) -> float:
        return conformal_threshold(self.scores, alarm_rate)

    def p_values(self, scores: Any) -> np.ndarray:
        return conformal_p_values(self.scores, scores)

    def to_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, "kind": self.kind, "scores": list(self.scores)}

    @classmethod
    def from_dict(cls, value: Any, where: str = "calibration") -> Calibration:
        if not isinstance(value, dict) or value.get("format") != FORMAT:
            raise DataError(f"{where} is not a vaekit calibration file (no \"format\": \"{FORMAT}\")")
        scores, kind = value.get("scores"), value.get("kind", "")
        if not isinstance(scores, list) or not scores or not isinstance(kind, str) \
                or not all(isinstance(s, (int, float)) and not isinstance(s, bool) for s in scores):
            raise DataError(f"{where}: \"scores\" must be a non-empty list of numbers and \"kind\" a string")
        try:
            return cls.of(scores, kind)
        except VaekitError as error:
            raise DataError(f"{where}: {error}") from None

    def save(self, path: str | Path) -> None:
        write_json(path, self.to_dict())

    @classmethod
    def load(cls, path: str | Path) -> Calibration:
        return cls.from_dict(read_json(path), str(path))


def alarm_threshold(calibration_scores: Any, alarm_rate: float, kind: str = "") -> tuple[float, Calibration]:
    """The conformal threshold at `alarm_rate` and the Calibration it came from, for a command that scores held-out
    normal rows and then new ones: alarms are new scores > threshold (equivalently p-value <= alarm_rate).

        threshold, calibration = alarm_threshold(score(model, normal_x, kind="iw").numpy(), 0.01, kind="iw")
    """
    calibration = Calibration.of(calibration_scores, kind)
    return calibration.threshold(alarm_rate), calibration
