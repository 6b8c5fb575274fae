"""Split-conformal thresholds and p-values (vaekit.tasks.scoring.conformal) against exact values; their false-alarm
rate on normal data inside the binomial 95% interval of the asked rate, at 1% and 5%, for scores drawn i.i.d. and
for VAEAnomalyDetector(alarm_rate=) on held-out digits; PyOD's predict_proba and predict_confidence."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy.special import erf
from scipy.stats import betabinom, binom, binomtest
from sklearn.datasets import load_digits

from vaekit import VAEAnomalyDetector, VaekitError
from vaekit.tasks.scoring.conformal import (
    Calibration,
    alarm_threshold,
    conformal_p_values,
    conformal_threshold,
    rows_needed,
)
from vaekit.tasks.scoring.probability import label_confidence, outlier_probability

# a Gaussian learns enough in three epochs; the continuous Bernoulli that [0, 1] rows get by default needs its auto
# epochs to tell noise from digits (tests/test_unit_interval_default.py)
SMALL = {"latent_dim": 4, "hidden": (32,), "epochs": 3, "k": 8, "likelihood": "gaussian"}


@pytest.mark.parametrize(("n", "rate", "k"), [
    (4, 0.2, 4),      # ceil(5 * 0.8) = 4: the largest of four
    (19, 0.05, 19),   # the fewest rows 5% allows
    (99, 0.01, 99),   # the fewest rows 1% allows
    (100, 0.01, 100),  # ceil(101 * 0.99) = ceil(99.99)
    (199, 0.01, 198),
    (9, 0.1, 9),      # 10 * 0.9 is 9.000000000000002 in floats: the rank must still be 9, not 10
    (1000, 0.05, 951),  # ceil(1001 * 0.95) = ceil(950.95)
])
def test_threshold_is_the_ceil_n_plus_one_times_one_less_rate_th_smallest(n, rate, k) -> None:
    scores = np.random.default_rng(n).permutation(np.arange(1.0, n + 1))  # the k-th smallest is k
    assert conformal_threshold(scores, rate) == k
    threshold, calibration = alarm_threshold(scores, rate, kind="iw")
    assert threshold == k and calibration.n == n and calibration.kind == "iw"
    assert list(calibration.scores) == sorted(scores)


def test_too_few_rows_for_the_rate_are_refused_with_the_count_needed() -> None:
    assert (rows_needed(0.01), rows_needed(0.05), rows_needed(0.1), rows_needed(0.03)) == (99, 19, 9, 33)
    conformal_threshold(np.arange(33.0), 0.03)  # 34 * 0.03 = 1.02 >= 1
    with pytest.raises(VaekitError, match=r"^an alarm rate of 0\.03 needs at least 33 calibration rows of normal "
                                          r"data, got 32"):
        conformal_threshold(np.arange(32.0), 0.03)
    with pytest.raises(VaekitError, match="needs at least 99 calibration rows of normal data, got 0"):
        conformal_threshold([], 0.01)


def test_p_values_exact_and_an_alarm_is_a_p_value_at_most_the_rate() -> None:
    np.testing.assert_array_equal(conformal_p_values([1.0, 2.0, 3.0], [0.5, 2.0, 9.0]), [1.0, 0.75, 0.25])
    np.testing.assert_array_equal(conformal_p_values([1.0, 1.0, 2.0], [1.0, 1.5]), [1.0, 0.5])  # ties count as >=
    rng = np.random.default_rng(0)
    for n in (19, 57, 99, 250):
        calibration = rng.integers(0, 20, n).astype(float)  # many ties
        new = rng.integers(-2, 23, 500).astype(float)
        p = conformal_p_values(calibration, new)
        assert p.min() >= 1 / (n + 1) and p.max() <= 1
        for rate in (0.01, 0.05, 0.1, 0.2):
            if n >= rows_needed(rate):
                np.testing.assert_array_equal(new > conformal_threshold(calibration, rate), p <= rate)


def test_calibration_saves_as_json_and_loads_the_same(tmp_path) -> None:
    calibration = Calibration.of([3.0, 1.5, 2.25, -1.0], kind="iw+reconstruction")
    calibration.save(tmp_path / "c.json")
    saved = json.loads((tmp_path / "c.json").read_text())
    assert saved == {"format": "vaekit-calibration", "kind": "iw+reconstruction", "scores": [-1.0, 1.5, 2.25, 3.0]}
    loaded = Calibration.load(tmp_path / "c.json")
    assert loaded == calibration and loaded.threshold(0.2) == 3.0
    np.testing.assert_array_equal(loaded.p_values([2.0]), [0.6])


def _alarm_counts(n: int, repeats: int, rates: tuple[float, ...], seed: int) -> dict[float, int]:
    """Alarms among `repeats` new normal scores, each against a fresh draw of n calibration scores: independent
    Bernoulli trials whose chance is the marginal false-alarm rate the guarantee is about."""
    rng = np.random.default_rng(seed)
    counts = dict.fromkeys(rates, 0)
    for _ in range(repeats):
        calibration = rng.gamma(2.0, size=n)  # a skewed score distribution, like -log p(x)
        new = rng.gamma(2.0)
        for rate in rates:
            counts[rate] += int(new > conformal_threshold(calibration, rate))
    return counts


def test_false_alarm_rate_on_normal_data_is_within_the_binomial_interval_of_the_asked_rate() -> None:
    repeats = 8000
    # (n + 1) * rate a whole number: the rate is exactly the asked one for continuous scores
    for rate, count in _alarm_counts(199, repeats, (0.01, 0.05), seed=1).items():
        low, high = binom.interval(0.95, repeats, rate)
        assert low <= count <= high, (rate, count / repeats)
        assert binomtest(count, repeats).proportion_ci(0.95).low <= rate  # and the observed rate's interval holds it
    # otherwise between rate - 1/(n + 1) and the rate: floor(151 * 0.05) / 151 = 0.0464 at 5%
    for rate, count in _alarm_counts(150, repeats, (0.01, 0.05), seed=2).items():
        exact = math.floor(151 * rate) / 151
        low, high = binom.interval(0.95, repeats, exact)
        assert low <= count <= high and count <= binom.interval(0.95, repeats, rate)[1], (rate, count / repeats)


def test_probabilities_as_pyod_gives_them() -> None:
    train = np.array([0.0, 2.0, 4.0, 10.0])
    scores = np.array([-5.0, 5.0, 20.0, 4.0])
    np.testing.assert_allclose(outlier_probability(train, scores, "linear"), [0.0, 0.5, 1.0, 0.4])
    mean, std = train.mean(), train.std()
    np.testing.assert_allclose(outlier_probability(train, scores, "unify"),
                               np.clip(erf((scores - mean) / (std * np.sqrt(2))), 0, 1))
    assert outlier_probability(train, np.array([mean]), "unify")[0] == 0.0
    calibration = Calibration.of([1.0, 2.0, 3.0])
    np.testing.assert_allclose(outlier_probability(train, np.array([0.5, 2.0, 9.0]), "conformal", calibration),
                               [0.0, 0.25, 0.75])
    with pytest.raises(VaekitError, match="method='conformal' needs calibration scores"):
        outlier_probability(train, scores, "conformal")


def test_exceed_confidence() -> None:
    reference = np.arange(10.0)  # n = 10, rate 0.2: an outlier stays one while at most 8 of 10 draws fall below
    high, low = label_confidence(reference, np.array([9.0, 0.0]), 0.2, threshold=7.5)
    assert high == pytest.approx(binom.sf(8, 10, 11 / 12))  # 10 reference scores at or below 9
    assert low == pytest.approx(1 - binom.sf(8, 10, 2 / 12))  # labelled an inlier: one less its outlier confidence
    confidence = label_confidence(reference, np.linspace(-1, 12, 50), 0.2, threshold=7.5)
    assert confidence.min() >= 0 and confidence.max() <= 1
    outliers = confidence[np.linspace(-1, 12, 50) > 7.5]
    assert np.all(np.diff(outliers) >= 0)  # a higher score: surer of an outlier label


@pytest.fixture(scope="module")
def split() -> tuple[np.ndarray, np.ndarray]:
    """1,200 digits to fit (a share of them held out to calibrate) and 597 other digits: new normal rows."""
    x = load_digits().data.astype(np.float32) / 16
    order = np.random.default_rng(0).permutation(len(x))
    return x[order[:1200]], x[order[1200:]]


@pytest.fixture(scope="module")
def detector(split) -> VAEAnomalyDetector:
    return VAEAnomalyDetector(alarm_rate=0.05, calibration_fraction=0.3, **SMALL).fit(split[0])


def test_detector_alarm_rate_over_calibration_draws_is_within_the_binomial_interval(detector, split) -> None:
    """The guarantee is over the draw of the calibration rows: 4,000 random splits of the detector's own scores of
    957 normal rows it never trained on (its 360 calibration rows and 597 new ones) into 399 calibration rows and
    one new row make 4,000 independent trials whose chance of an alarm is exactly the asked rate (400 * rate is a
    whole number); their count must lie in the binomial 95% interval of the asked rate."""
    held_out = np.concatenate([detector.decision_scores_[detector.calibration_rows_],
                               detector.decision_function(split[1])])
    rng = np.random.default_rng(0)
    repeats, counts = 4000, {0.01: 0, 0.05: 0}
    for _ in range(repeats):
        drawn = rng.choice(len(held_out), 400, replace=False)
        calibration, new = held_out[drawn[:399]], held_out[drawn[399]]
        for rate in counts:
            counts[rate] += int(new > conformal_threshold(calibration, rate))
    for rate, count in counts.items():
        low, high = binom.interval(0.95, repeats, rate)
        assert low <= count <= high, (rate, count / repeats)


def test_detector_alarm_rate_on_held_out_normal_rows(detector, split) -> None:
    """One fitted detector is one calibration draw: its rate on many new rows scatters around the asked one by
    the calibration draw's error as well as the new rows' (Beta-binomial, l = floor(361 a) of 361 ranks above the
    cut: exact for continuous scores), wider than the binomial interval; inside that is what one fit must meet."""
    new_x = split[1]
    assert len(detector.calibration_rows_) == 360 and detector.calibration_.n == 360
    assert detector.threshold_ == conformal_threshold(detector.decision_scores_[detector.calibration_rows_], 0.05)
    assert detector.calibration_.kind == "iw+reconstruction"
    labels = detector.predict(new_x)
    p = detector.p_values(new_x)
    np.testing.assert_array_equal(labels, p <= 0.05)
    for rate, alarms in ((0.05, labels.sum()), (0.01, (p <= 0.01).sum())):
        ranks = math.floor(361 * rate)
        low, high = betabinom.interval(0.95, len(new_x), ranks, 361 - ranks)
        assert low <= alarms <= high, (rate, alarms / len(new_x))


def test_detector_probabilities_p_values_and_confidence(detector, split) -> None:
    new_x = split[1][:100]
    noise = np.random.default_rng(1).random((30, 64), dtype=np.float32)
    x = np.concatenate([new_x, noise])
    p = detector.p_values(x)
    assert p.min() > 0 and p.max() <= 1 and np.median(p[100:]) < 0.01 < np.median(p[:100])
    for method in ("linear", "unify", "conformal"):
        probabilities = detector.predict_proba(x, method=method)
        assert probabilities.shape == (130, 2) and probabilities.min() >= 0 and probabilities.max() <= 1
        np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)
    np.testing.assert_allclose(detector.predict_proba(x, method="conformal")[:, 1], 1 - p)
    confidence = detector.predict_confidence(x)
    assert confidence.shape == (130,) and confidence.min() >= 0 and confidence.max() <= 1
    labels, same = detector.predict(x, return_confidence=True)
    np.testing.assert_array_equal(same, confidence)
    assert labels[100:].mean() > 0.9 and confidence[100:].mean() > 0.9  # noise: outliers, and surely so


def test_without_an_alarm_rate_the_threshold_is_contaminations_and_calibrate_adds_p_values(split) -> None:
    """calibrate(X_normal): other normal rows give p-values; with an alarm rate set, the threshold too."""
    fit_x, new_x = split
    plain = VAEAnomalyDetector(contamination=0.1, **SMALL).fit(fit_x[:300])
    assert len(plain.calibration_rows_) == 0 and plain.calibration_ is None
    assert plain.threshold_ == pytest.approx(np.quantile(plain.decision_scores_, 0.9))
    with pytest.raises(VaekitError, match="needs calibration scores of normal rows the model was not trained on"):
        plain.p_values(new_x[:5])
    with pytest.raises(VaekitError, match="needs calibration scores"):
        plain.predict_proba(new_x[:5], method="conformal")
    threshold = plain.threshold_
    plain.calibrate(new_x[:100])
    assert plain.threshold_ == threshold and plain.calibration_.n == 100  # the contamination's cut stays
    p = plain.p_values(new_x[100:200])
    assert p.min() >= 1 / 101 and p.max() <= 1
    plain.set_params(alarm_rate=0.05).calibrate(fit_x[300:400])
    assert plain.threshold_ == conformal_threshold(plain.decision_function(fit_x[300:400]), 0.05)
    np.testing.assert_array_equal(plain.labels_, plain.decision_scores_ > plain.threshold_)
    with pytest.raises(VaekitError, match="needs at least 99 calibration rows of normal data, got 50"):
        plain.set_params(alarm_rate=0.01).calibrate(fit_x[300:350])
    assert plain.calibration_.n == 100  # a refused calibration leaves the one before
