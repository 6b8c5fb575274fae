"""Pictures of time series (T, C + 1), the mask channel last: one panel per series, a line per channel over its
real steps; reconstructions drawn over their inputs (dashed).

    save_series_picture(Path("samples.png"), samples, ncol=4)
    save_series_picture(Path("recon.png"), recon, ncol=4, inputs=x)
"""

from __future__ import annotations

import math
from pathlib import Path

import torch

from vaekit.plots.save import save_figure


def save_series_picture(path: Path, batch: torch.Tensor, ncol: int = 8, inputs: torch.Tensor | None = None) -> Path:
    """A grid of panels, one per series of batch (N, T, C + 1) (at most 64), each channel a line over the real
    steps; `inputs` (N, T, C + 1), given, dashed beneath in the same colours."""
    from matplotlib.figure import Figure

    batch = batch.detach().cpu()[:64]
    ncol = max(1, min(ncol, len(batch)))
    nrow = math.ceil(len(batch) / ncol)
    fig = Figure(figsize=(2.2 * ncol, 1.6 * nrow))
    axes = fig.subplots(nrow, ncol, squeeze=False)
    for index, ax in enumerate(axes.flat):
        if index >= len(batch):
            ax.axis("off")
            continue
        for series, style in ((None if inputs is None else inputs.detach().cpu()[index], "--"), (batch[index], "-")):
            if series is None:
                continue
            steps = int((series[:, -1] > 0.5).sum())
            for channel in range(series.shape[1] - 1):
                ax.plot(range(steps), series[:steps, channel].numpy(), style, color=f"C{channel}", linewidth=1)
        ax.set_title(f"series {index}", fontsize=7)
        ax.tick_params(labelsize=6)
    channels = batch.shape[-1] - 1
    lines = f"one colour per channel ({channels})" if channels > 1 else "one line per series"
    what = f"{len(batch)} reconstructed series (solid) over their inputs (dashed)" if inputs is not None else \
        f"{len(batch)} series"
    fig.suptitle(f"{what}; {lines}", fontsize=9)
    fig.supxlabel("time step", fontsize=8)
    fig.supylabel("value", fontsize=8)
    return save_figure(fig, path)
