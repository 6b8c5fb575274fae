"""Log-mel spectrograms as pictures: a panel per recording with a time axis (seconds, or frames where the frame
rate is not known), a mel-band axis (low frequencies at the bottom), the recording's id over it, and one colour
bar for all of them; padding frames (NaN) are light grey, so the end of a recording shows. A tile grid without
axes (spectrogram_grid) stays for TensorBoard's image tab.

    scale = SpectrogramScale(floor=math.log(1e-6), seconds_per_frame=64 / 8000)
    fig = spectrogram_rows_figure(rows, "2 inputs and their reconstructions", scale=scale)   # rows: image_rows.Row
    save_spectrograms(Path("samples.png"), batch, ncol=8, floor=math.log(1e-6))
    picture = spectrogram_grid(batch, ncol=8, floor=math.log(1e-6))   # (N, C, n_mels, T) -> (rows, cols, 3) RGB

Every panel shares one colour scale (magma), from the floor (silence, black) to the loudest value shown, so
panels compare with each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from matplotlib.figure import Figure

from vaekit.plots.grid import image_grid
from vaekit.plots.image_rows import Row
from vaekit.plots.save import save_figure

PADDING_GREY = (0.85, 0.85, 0.85)
COLOUR_MAP = "magma"
PANEL_INCHES = (2.0, 1.5)  # width, height of one spectrogram panel: 200 x 150 pixels at 100 dpi
COLOUR_LABEL = "log-mel power (ln)"


@dataclass(frozen=True)
class SpectrogramScale:
    """How values and frames are read: `floor` (ln of the spectrogram's floor: silence, the bottom of the colour
    scale; None: the quietest value shown), `top` (the loudest colour; None: the loudest value shown) and
    `seconds_per_frame` (hop_length / sample_rate; None: the time axis counts frames)."""

    floor: float | None = None
    top: float | None = None
    seconds_per_frame: float | None = None


def colour_range(values: torch.Tensor, scale: SpectrogramScale) -> tuple[float, float]:
    """(lowest, highest) value of the colour scale: the scale's own, else the finite values' range."""
    finite = values[torch.isfinite(values)]
    low = scale.floor if scale.floor is not None else (float(finite.min()) if finite.numel() else 0.0)
    high = scale.top if scale.top is not None else (float(finite.max()) if finite.numel() else low + 1)
    return low, max(high, low + 1e-6)


def colour_map():  # type: ignore[no-untyped-def]
    """magma, with padding (NaN) drawn light grey."""
    import matplotlib

    return matplotlib.colormaps[COLOUR_MAP].with_extremes(bad=PADDING_GREY)


def spectrogram_rows_figure(rows: Sequence[Row], title: str, columns: Sequence[str] | None = None,
                            group: int = 1, column_breaks: Sequence[int] = (),
                            scale: SpectrogramScale | None = None) -> Figure:
    """The rows (their images (k, C, n_mels, T) log-mel values, channels averaged) as panels with axes: each
    panel titled with its example's name (row.names; else `columns`), each row's label beside its first panel,
    the time axis under the last row of each group of `group` rows, and one colour bar. `column_breaks` is
    accepted for plots.example_figures.Draw (the panels are apart already)."""
    scale = scale or SpectrogramScale()
    values = [row.images.detach().float().cpu() for row in rows]
    values = [v.mean(1) if v.ndim == 4 else v for v in values]  # (k, n_mels, T)
    low, high = colour_range(torch.cat([v.reshape(-1) for v in values]), scale)
    ncol = max(len(v) for v in values)
    fig = Figure(figsize=(PANEL_INCHES[0] * ncol + 1.6, PANEL_INCHES[1] * len(rows) + 0.9), layout="constrained")
    grid = fig.subplots(len(rows), ncol, squeeze=False)
    cmap, image = colour_map(), None
    for r, (row, batch) in enumerate(zip(rows, values)):
        for c, axes in enumerate(grid[r]):
            if c >= len(batch):
                axes.axis("off")
                continue
            bands, frames = batch[c].shape
            width = frames * scale.seconds_per_frame if scale.seconds_per_frame else frames
            image = axes.imshow(batch[c].numpy(), origin="lower", aspect="auto", cmap=cmap, vmin=low, vmax=high,
                                extent=(0, width, 0, bands), interpolation="nearest")
            name = row.names[c] if row.names is not None and c < len(row.names) else \
                (columns[c] if columns is not None and c < len(columns) else "")
            axes.set_title(name, fontsize=8)
            axes.tick_params(labelsize=7)
            if c == 0:
                axes.set_ylabel(f"{row.label}\nmel band" if row.label else "mel band", fontsize=8)
            else:
                axes.set_yticklabels([])
            if (r + 1) % group == 0 or r == len(rows) - 1:
                axes.set_xlabel("time (s)" if scale.seconds_per_frame else "time (frames)", fontsize=8)
            else:
                axes.set_xticklabels([])
    if image is not None:
        fig.colorbar(image, ax=grid, label=COLOUR_LABEL, shrink=min(1.0, 0.6 + 0.2 * len(rows)))
    fig.suptitle(title, fontsize=11, wrap=True)
    return fig


def save_spectrograms(path: str | Path, batch: torch.Tensor, ncol: int, floor: float,
                      names: Sequence[str] | None = None, seconds_per_frame: float | None = None,
                      title: str | None = None) -> Path:
    """(N, C, M, T) or (N, M, T) log-mel values as panels of `ncol` a row (spectrogram_rows_figure), from the
    floor (silence) up; `names` (N) title the panels (the recordings' ids)."""
    rows = [Row("", batch[start:start + ncol], None if names is None else list(names[start:start + ncol]))
            for start in range(0, len(batch), ncol)]
    scale = SpectrogramScale(floor=floor, seconds_per_frame=seconds_per_frame)
    return save_figure(spectrogram_rows_figure(rows, title or f"{len(batch)} log-mel spectrograms", scale=scale),
                       path)


def spectrogram_grid(batch: torch.Tensor, ncol: int, floor: float, zoom: int = 3, pad: int = 2) -> np.ndarray:
    """(N, C, M, T) or (N, M, T) log-mel values -> an RGB array of the tiles (channels averaged), each `zoom`
    pixels a value, tiled as plots.grid.image_grid tiles pictures (for TensorBoard, which shows arrays)."""
    values = batch.detach().float().cpu()
    if values.ndim == 4:
        values = values.mean(1)
    colours = spectrogram_colours(values, SpectrogramScale(floor=floor)).flip(2)  # low mels at the bottom
    colours = colours.repeat_interleave(zoom, dim=2).repeat_interleave(zoom, dim=3)
    return image_grid(colours, ncol, pad=pad)


def spectrogram_colours(values: torch.Tensor, scale: SpectrogramScale) -> torch.Tensor:
    """(..., M, T) log-mel values -> (..., 3, M, T) RGB in [0, 1] on the magma scale of colour_range, padding
    (NaN) light grey: how a picture without axes (a traversal grid, a TensorBoard tile) shows spectrograms."""
    low, high = colour_range(values, scale)
    scaled = ((values - low) / (high - low)).clamp(0, 1).numpy()
    rgb = colour_map()(np.ma.masked_invalid(scaled))[..., :3]  # masked (NaN) entries get the "bad" grey
    return torch.from_numpy(np.moveaxis(rgb, -1, -3)).float()


__all__ = ["SpectrogramScale", "colour_range", "save_spectrograms", "spectrogram_colours", "spectrogram_grid",
           "spectrogram_rows_figure"]
