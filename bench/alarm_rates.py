"""Thresholds with a stated false-alarm rate: VAEAnomalyDetector(alarm_rate=) on small real data it was not tuned
on, the false-alarm rate it gives on new normal rows against the rate asked, and what it detects there, beside the
contamination threshold (PyOD's: a quantile of the training rows' scores) of the same model.

Protocol, per data set: the normal rows are split 70/30 (seeded) into training and new normal rows; the anomalous
rows (all of them, or a seeded subset) are new anomalies. The detector (its defaults: iw+reconstruction, hidden and
epochs "auto" with early stopping; on Fashion-MNIST 20 epochs, to keep the run short on 2 cores) is fitted on the
training normal rows with alarm_rate set, which holds out calibration_fraction of them (0.2, or the share that
gives the 99 rows a 1% rate needs when 0.2 gives fewer) from training and early stopping; a 1% and a 5%
threshold come from the same calibration rows (an alarm at rate a is a p-value <= a). Measured on the new rows,
which nothing was chosen on:

    false alarms   the share of new normal rows flagged, with the Clopper-Pearson 95% interval of that share, and
                   the binomial 95% interval of the asked rate on that many rows (where the share should fall if
                   each row were an independent draw at exactly the asked rate) and the Beta-binomial one (where it
                   falls for one fitted detector: its calibration rows are one draw too, so it scatters more)
    over draws     the guarantee is over calibration draws: 4,000 random splits of the model's scores of every
                   normal row it did not train on (calibration and new) into n calibration rows (as many as the
                   detector had) and one new row, whose alarms are independent trials at the exact rate
                   floor((n + 1) a) / (n + 1) (at most a, at least a - 1/(n + 1)); their share and the binomial
                   95% interval of that exact rate
    detection      the share of new anomalous rows flagged (recall)
    contamination  the same model's threshold at the (1 - c) quantile of its training rows' scores, c = the asked
                   rate (PyOD's rule): its false alarms and detection on the same new rows

    python bench/alarm_rates.py              # digits, breast cancer, Fashion-MNIST class 0; writes BENCHMARKS.md
    python bench/alarm_rates.py --quick      # digits only, no writing
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
from scipy.stats import betabinom, binom, binomtest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import machine, write_results  # noqa: E402
from vaekit import VAEAnomalyDetector  # noqa: E402
from vaekit.tasks.scoring.conformal import conformal_threshold, rows_needed  # noqa: E402

RATES = (0.01, 0.05)
DRAWS = 4000


def _digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    data = load_digits()
    return (data.data / 16.0).astype(np.float32), data.target < 5  # normal: digits 0-4 (as bench/untuned_data.py)


def _breast_cancer() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_breast_cancer

    x, y = load_breast_cancer(return_X_y=True)
    return x.astype(np.float32), y == 1  # normal: benign, the larger class


def _fashion(train: int = 3000, anomalies: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """Fashion-MNIST class 0 (T-shirt/top) as normal: a seeded subset of its training images and every test one,
    with `anomalies` test images of the other classes; images (N, 1, 28, 28) in [0, 1]."""
    import vaekit

    data = vaekit.load_dataset("fashion-mnist", download=False)
    rng = np.random.default_rng(0)
    train_x = data.train_x.numpy()[data.train_y.numpy() == 0]
    test_x, test_y = data.test_x.numpy(), data.test_y.numpy()
    others = rng.choice(np.flatnonzero(test_y != 0), anomalies, replace=False)
    x = np.concatenate([train_x[rng.choice(len(train_x), train, replace=False)], test_x[test_y == 0],
                        test_x[others]])
    return x.astype(np.float32), np.arange(len(x)) < train + int((test_y == 0).sum())


def _interval(alarms: int, rows: int) -> list[float]:
    found = binomtest(alarms, rows).proportion_ci(0.95)
    return [float(found.low), float(found.high)]


def _over_draws(held_out: np.ndarray, n: int, rng: np.random.Generator) -> dict[float, float]:
    """The share of DRAWS random (n calibration, 1 new) splits of `held_out` scores whose new row is an alarm."""
    counts = dict.fromkeys(RATES, 0)
    for _ in range(DRAWS):
        drawn = rng.choice(len(held_out), n + 1, replace=False)
        for rate in RATES:
            counts[rate] += int(held_out[drawn[n]] > conformal_threshold(held_out[drawn[:n]], rate))
    return {rate: count / DRAWS for rate, count in counts.items()}


def measure(name: str, x: np.ndarray, normal: np.ndarray, settings: dict) -> dict:
    rng = np.random.default_rng(0)
    normal_rows = rng.permutation(np.flatnonzero(normal))
    cut = round(0.7 * len(normal_rows))
    train_x, new_normal, new_anomalous = x[normal_rows[:cut]], x[normal_rows[cut:]], x[~normal]
    fraction = max(0.2, math.ceil(rows_needed(min(RATES)) / len(train_x) * 1000) / 1000)
    started = time.perf_counter()
    detector = VAEAnomalyDetector(alarm_rate=max(RATES), calibration_fraction=fraction, **settings).fit(train_x)
    fit_seconds = time.perf_counter() - started
    normal_scores, anomalous_scores = detector.decision_function(new_normal), detector.decision_function(new_anomalous)
    calibration = detector.decision_scores_[detector.calibration_rows_]
    n = len(calibration)
    trained = np.setdiff1d(np.arange(len(train_x)), detector.calibration_rows_)
    over_draws = _over_draws(np.concatenate([calibration, normal_scores]), n, rng)
    found: dict = {"settings": settings, "rows": {"train": len(trained), "calibration": n,
                                                  "new normal": len(new_normal), "new anomalous": len(new_anomalous)},
                   "calibration_fraction": fraction, "fit_seconds": round(fit_seconds, 1), "rates": {}}
    m = len(new_normal)
    for rate in RATES:
        threshold = conformal_threshold(calibration, rate)
        alarms = int((normal_scores > threshold).sum())
        ranks = math.floor((n + 1) * rate)  # ranks above the threshold's, of n + 1
        quantile = float(np.quantile(detector.decision_scores_[trained], 1 - rate))
        found["rates"][str(rate)] = {
            "false_alarms": alarms / m, "false_alarms_interval": _interval(alarms, m),
            "binomial_interval": [float(v) / m for v in binom.interval(0.95, m, rate)],
            "beta_binomial_interval": [float(v) / m for v in betabinom.interval(0.95, m, ranks, n + 1 - ranks)],
            "over_draws": over_draws[rate], "exact_rate": ranks / (n + 1),
            "over_draws_interval": [float(v) / DRAWS for v in binom.interval(0.95, DRAWS, ranks / (n + 1))],
            "detection": float((anomalous_scores > threshold).mean()),
            "contamination_false_alarms": float((normal_scores > quantile).mean()),
            "contamination_detection": float((anomalous_scores > quantile).mean()),
        }
    print(name, found, flush=True)
    return found


def _pair(values: list[float]) -> str:
    return f"{values[0]:.3f}-{values[1]:.3f}"


def markdown(results: dict) -> str:
    lines = ["## Alarm rates: split-conformal thresholds (issue 24)", "",
             f"Command: `.venv/bin/python bench/alarm_rates.py`. Machine: {results['machine']}. Whole run: "
             f"{results['seconds']:.0f} s.", "",
             "VAEAnomalyDetector(alarm_rate=0.05) with its defaults, fitted on 70% of each set's normal rows, a "
             "share of which (calibration_fraction: 0.2, or enough for the 99 rows a 1% rate needs) is held out "
             "from training and early stopping to calibrate; 1% and 5% thresholds from the same calibration rows. "
             "Measured on the other 30% of the normal rows and on the anomalous rows, which nothing was chosen on. "
             "*false alarms*: share of new normal rows flagged, with its Clopper-Pearson 95% interval; *binomial* "
             "and *Beta-binomial*: the 95% intervals of the asked rate on that many rows, for independent draws and "
             "for one fitted detector (whose calibration rows are one draw too); *over draws*: the share of 4,000 "
             "random (n calibration rows, one new row) splits of the same held-out scores that alarm, with the "
             "binomial 95% interval of the exact rate floor((n + 1) a) / (n + 1) (at most a) it should fall in. "
             "Fashion-MNIST's model trains 20 epochs (the others: epochs auto, early stopping). *contamination*: "
             "the same model's threshold at the (1 - rate) quantile of its training rows' scores, PyOD's rule.", "",
             "| data (rows: trained and early stopping / calibration / new normal / new anomalous) | asked | "
             "false alarms (95% CI) | binomial | Beta-binomial | over draws (binomial) | detection | "
             "contamination: false alarms | contamination: detection |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name, found in results["data"].items():
        rows = " / ".join(str(v) for v in found["rows"].values())
        for rate, r in found["rates"].items():
            lines.append(
                f"| {name} ({rows}) | {float(rate):.0%} | {r['false_alarms']:.3f} ({_pair(r['false_alarms_interval'])})"
                f" | {_pair(r['binomial_interval'])} | {_pair(r['beta_binomial_interval'])} | {r['over_draws']:.4f} "
                f"({_pair(r['over_draws_interval'])}) | {r['detection']:.3f} | {r['contamination_false_alarms']:.3f}"
                f" | {r['contamination_detection']:.3f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="digits only; BENCHMARKS.md is not touched")
    args = parser.parse_args()
    started = time.perf_counter()
    sets = {"digits 0-4 normal": (_digits, {})}
    if not args.quick:
        sets |= {"breast cancer, benign normal": (_breast_cancer, {}),
                 "Fashion-MNIST, T-shirt/top normal": (_fashion, {"epochs": 20})}
    results = {"machine": machine(),
               "data": {name: measure(name, *load(), settings) for name, (load, settings) in sets.items()}}
    results["seconds"] = time.perf_counter() - started
    text = markdown(results)
    print(text)
    if not args.quick:
        write_results("alarm-rates", results, text)


if __name__ == "__main__":
    main()
