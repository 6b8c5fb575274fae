"""Point scores of long series: the per-step scores of overlapping windows folded back onto each recording's steps.

    table = score_points(model, data, ["iw"], split="all", k=100)   # id, step[, time], iw: a row per step
    write_point_scores(Path("points.csv"), table)

    maps = {"iw": score_map(model, x, "iw")}                  # (M, W) per window and step (scoring/maps.py)
    table = point_table(data, maps, split="all")               # the same table from maps already computed
    steps = point_scores(maps["iw"], origins, lengths)         # [(T_0,), (T_1,), ...]: one score per time step

Each step's score is the mean of the scores it gets in the windows that cover it, not their maximum: an
autoregressive decoder predicts a window's first steps from z alone, without the steps before them, so every step
scores worse near the start of a window than in the middle of the next one. The maximum would take that edge
effect at every step (the noisiest context wins); the mean weighs each context once, and for a window stride of
W/2 gives every step the same number of contexts (two, but at a recording's ends).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from vaekit.core.errors import VaekitError
from vaekit.data.writers import write_frame

if TYPE_CHECKING:
    import pandas as pd

    from vaekit.data.dataset import Dataset


def point_scores(window_maps: np.ndarray | torch.Tensor, origins: np.ndarray, lengths: np.ndarray | list[int]
                 ) -> list[np.ndarray]:
    """(T_i,) float64 scores per recording: each step the mean of the finite scores of the windows covering it.

    window_maps (M, W): the score of each step of each window (NaN on padding, which is left out); origins (M, 2):
    each window's (recording, start step); lengths: each recording's steps. A step no window covers gets NaN.

    >>> point_scores(np.array([[1., 2.], [4., 6.]]), np.array([[0, 0], [0, 1]]), [3])
    [array([1., 3., 6.])]
    """
    maps = window_maps.detach().cpu().double().numpy() if isinstance(window_maps, torch.Tensor) else \
        np.asarray(window_maps, dtype=np.float64)
    origins = np.asarray(origins, dtype=np.int64)
    if maps.ndim != 2 or origins.shape != (len(maps), 2):
        raise VaekitError(f"point_scores takes window maps (M, W) and origins (M, 2); got {maps.shape} and "
                          f"{origins.shape}")
    totals = [np.zeros(int(n)) for n in lengths]
    counts = [np.zeros(int(n)) for n in lengths]
    for scores, (recording, start) in zip(maps, origins):
        width = min(len(scores), len(totals[recording]) - start)  # a whole recording's map is padded past its end
        part = scores[:width]
        finite = np.isfinite(part)
        totals[recording][start:start + width] += np.where(finite, part, 0.0)
        counts[recording][start:start + width] += finite
    with np.errstate(invalid="ignore", divide="ignore"):
        return [np.where(count > 0, total / count, np.nan) for total, count in zip(totals, counts)]


def smooth_points(steps: np.ndarray, width: int) -> np.ndarray:
    """A recording's point scores (T,) as the mean over a centred stretch of `width` steps (odd; 1: as they are),
    NaN left out. A step's own term says how unlikely it is given the steps just before it, so inside a burst of
    noise or a shift that lasts each step is only somewhat unlikely, and the evidence adds up over the stretch;
    a single odd step is shared with its neighbours.

    >>> smooth_points(np.array([0.0, 3.0, 0.0, np.nan]), 3)
    array([1.5, 1. , 1.5, 0. ])
    """
    if isinstance(width, bool) or not isinstance(width, int) or width < 1 or width % 2 == 0:
        raise VaekitError(f"a smoothing width is an odd number of steps (1: none), got {width!r}")
    values = np.asarray(steps, dtype=np.float64)
    finite = np.isfinite(values)
    kernel = np.ones(width)
    # "full" and cut, not "same": "same" is as long as the longer input, so a recording shorter than the stretch
    # would come back `width` long
    cut = slice(width // 2, width // 2 + len(values))
    totals = np.convolve(np.where(finite, values, 0.0), kernel, mode="full")[cut]
    counts = np.convolve(finite.astype(np.float64), kernel, mode="full")[cut]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, totals / counts, np.nan)


def multiscale_points(steps: np.ndarray, widths: tuple[int, ...] = (1, 9)) -> np.ndarray:
    """A recording's point scores (T,) smoothed over each of `widths` steps, each put on one scale (its median
    subtracted, divided by its median absolute deviation over the recording: anomalies are few, so neither moves
    with them), then the largest at each step. A single odd step stands out unsmoothed, a stretch smoothed, and
    neither is blurred by the other's setting.

    >>> multiscale_points(scores, (1, 9)).argmax()      # the most anomalous step, odd alone or in a stretch
    """
    scaled = []
    for width in widths:
        smoothed = smooth_points(steps, width)
        centre = np.nanmedian(smoothed)
        spread = np.nanmedian(np.abs(smoothed - centre))
        scaled.append((smoothed - centre) / (spread if spread > 0 else 1.0))
    return np.max(scaled, axis=0)


def _rows(data: Dataset, split: str) -> np.ndarray:
    train_rows, test_rows = data.rows()
    if split == "all":
        return np.arange(len(train_rows) + len(test_rows))
    if split in ("train", "test"):
        return train_rows if split == "train" else test_rows
    raise VaekitError(f"split must be train, test or all, got {split!r}")


def point_table(data: Dataset, maps: dict[str, Any], split: str = "all",
                labels: list[np.ndarray] | None = None) -> pd.DataFrame:
    """A long table of point scores: id (the recording's), step, the time column where the data had one, then one
    column per kind of `maps` ({kind: (M, W) map of the examples of data.examples(split), in that order}), and
    `label` when `labels` (each recording's (T_i,) 0/1 labels) are given. Only steps covered by a window of the
    split are rows (all of them for split "all")."""
    import pandas as pd

    windows = data.windows
    if windows is None:
        raise VaekitError(f"{data.name} is not series data read by vaekit's series kind: point scores need each "
                          "example's recording and start step")
    origins = windows.origins[_rows(data, split)]
    folded = {}
    for kind, found in maps.items():
        if len(found) != len(origins):
            raise VaekitError(f"the {kind} map has {len(found)} rows for the {len(origins)} examples of the "
                              f"{split} split")
        folded[kind] = point_scores(found, origins, windows.lengths)
    first = next(iter(folded.values()))
    columns: dict[str, list[np.ndarray]] = {"id": [], "step": []}
    if windows.times is not None:
        columns[windows.time_name or "time"] = []
    for kind in folded:
        columns[kind] = []
    if labels is not None:
        columns["label"] = []
    for recording, steps in enumerate(first):
        covered = np.flatnonzero(np.isfinite(steps))
        columns["id"].append(np.repeat(windows.recording_ids[recording:recording + 1], len(covered)))
        columns["step"].append(covered)
        if windows.times is not None:
            columns[windows.time_name or "time"].append(windows.times[recording][covered])
        for kind, scores in folded.items():
            columns[kind].append(scores[recording][covered])
        if labels is not None:
            columns["label"].append(np.asarray(labels[recording])[covered])
    return pd.DataFrame({name: np.concatenate(parts) for name, parts in columns.items()})


def score_points(model: torch.nn.Module, data: Dataset, kinds: list[str] | tuple[str, ...] = ("iw",),
                 split: str = "all", k: int = 100, seed: int = 0, batch_size: int = 100,
                 labels: list[np.ndarray] | None = None) -> pd.DataFrame:
    """point_table of the maps of `kinds` (elbo, iw, reconstruction: scoring/maps.py) of the examples of
    data.examples(split), a series model's windows (its run's data as select_data reads them)."""
    from vaekit.tasks.scoring.maps import score_map

    x, _, _ = data.examples(split)
    maps = {kind: score_map(model, x, kind, k=k, seed=seed, batch_size=batch_size) for kind in kinds}
    return point_table(data, maps, split, labels)


def write_point_scores(path: str | Path, table: pd.DataFrame) -> Path:
    """The table of point_table to a .csv or .parquet file, atomically.

    >>> write_point_scores("points.csv", point_table(data, {"iw": maps}))
    """
    path = Path(path)
    if path.suffix.lower() not in (".csv", ".parquet"):
        raise VaekitError(f"{path}: point scores are a long table; choose an output ending in .csv or .parquet")
    return write_frame(path, table)
