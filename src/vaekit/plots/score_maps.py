"""Pictures of score maps (where in each example its anomaly score comes from), one kind of picture per data kind:

    save_image_maps(path, images, maps, names)          # each image above its map, laid over it as a heat map
    save_column_ranking(path, maps, columns)            # the columns ranked by their share of the score
    save_series_maps(path, values, maps, names)         # each series with its time shaded by the map

images (N, C, H, W) in [0, 1], maps (N, H, W); a table's maps (N, D); series values (N, T, C) and maps (N, T),
NaN where a step was not scored. The caller picks which examples to show (the most anomalous, say).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from vaekit.plots.save import save_figure

HEAT = "inferno"


def _shown(image: np.ndarray) -> tuple[np.ndarray, str | None]:
    """(H, W) grey or (H, W, 3) colour array for imshow from (C, H, W): grey for 1 channel, the first three as
    RGB for 3 or more (a fourth, alpha or otherwise, is left out of the picture, not of the map)."""
    if image.shape[0] >= 3:
        return np.clip(image[:3].transpose(1, 2, 0), 0, 1), None
    return np.clip(image[0], 0, 1), "gray"


def save_image_maps(path: str | Path, images: np.ndarray, maps: np.ndarray, names: Sequence[str],
                    what: str = "score") -> Path:
    """Two rows: the images, and each image in grey under its map (a heat map, one colour scale per image, its
    top pixels brightest)."""
    count = len(images)
    fig = Figure(figsize=(1.6 * count + 0.6, 3.6))
    axes = fig.subplots(2, count, squeeze=False)
    for i in range(count):
        shown, cmap = _shown(images[i])
        axes[0, i].imshow(shown, cmap=cmap, vmin=0, vmax=1, interpolation="nearest")
        axes[0, i].set_title(names[i], fontsize=7)
        grey = shown.mean(-1) if shown.ndim == 3 else shown
        axes[1, i].imshow(grey, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        heat = np.nan_to_num(maps[i], nan=np.nanmin(maps[i]) if np.isfinite(maps[i]).any() else 0.0)
        axes[1, i].imshow(heat, cmap=HEAT, alpha=0.6, interpolation="nearest")
        for row in (0, 1):
            axes[row, i].set_xticks([])
            axes[row, i].set_yticks([])
    axes[0, 0].set_ylabel("input", fontsize=8)
    axes[1, 0].set_ylabel(f"{what} map", fontsize=8)
    fig.suptitle(f"where each image's {what} comes from (bright: its pixels' largest shares)", fontsize=9)
    return save_figure(fig, path)


def save_column_ranking(path: str | Path, maps: np.ndarray, columns: Sequence[str], what: str = "score",
                        rows_text: str = "the rows scored") -> Path:
    """Horizontal bars: each column's mean share of the score over the rows given, largest on top (at most 30)."""
    share = np.nanmean(maps, axis=0) if len(maps) else np.zeros(len(columns))
    order = np.argsort(-np.nan_to_num(share, nan=-np.inf))[:30]
    fig = Figure(figsize=(6.4, 1.0 + 0.28 * len(order)))
    axes = fig.subplots()
    axes.barh(range(len(order)), share[order][::-1], color="#c0392b")
    axes.set_yticks(range(len(order)), [str(columns[j]) for j in order][::-1], fontsize=8)
    axes.set_xlabel(f"mean share of the {what} score")
    axes.set_title(f"which columns make {rows_text} anomalous", fontsize=9)
    return save_figure(fig, path)


def save_series_maps(path: str | Path, values: np.ndarray, maps: np.ndarray, names: Sequence[str],
                     what: str = "score") -> Path:
    """One panel per series: its channels as lines over the scored steps, the time behind them shaded by the
    map (darker red: a larger share of the score)."""
    count = len(values)
    ncol = min(2, count)
    nrow = math.ceil(count / ncol)
    fig = Figure(figsize=(6.0 * ncol, 2.0 * nrow))
    axes = np.atleast_1d(fig.subplots(nrow, ncol, squeeze=False)).ravel()
    for i in range(count):
        scored = np.isfinite(maps[i])
        steps = np.flatnonzero(scored)
        low, high = (np.nanmin(maps[i]), np.nanmax(maps[i])) if scored.any() else (0.0, 1.0)
        shade = (maps[i] - low) / (high - low) if high > low else np.zeros_like(maps[i])
        for t in steps:
            axes[i].axvspan(t - 0.5, t + 0.5, color="#c0392b", alpha=0.6 * float(shade[t]), linewidth=0)
        for c in range(values.shape[-1]):
            axes[i].plot(steps, values[i, steps, c], linewidth=0.8)
        axes[i].set_title(names[i], fontsize=8)
        axes[i].set_xlabel("step", fontsize=7)
    for extra in axes[count:]:
        extra.set_visible(False)
    fig.suptitle(f"where each series' {what} comes from (shaded: the steps' shares)", fontsize=9)
    fig.tight_layout()
    return save_figure(fig, path)
