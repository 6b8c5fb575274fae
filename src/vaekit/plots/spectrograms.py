"""Log-mel spectrograms as one picture: a grid of tiles, low frequencies at the bottom, time to the right.

    picture = spectrogram_grid(batch, ncol=8, floor=math.log(1e-6))   # (N, C, n_mels, T) -> (rows, cols, 3) RGB
    save_spectrograms(Path("samples.png"), batch, ncol=8, floor=...)

Every tile shares one colour scale (magma), from the floor (silence, black) to the loudest value in the batch, so
tiles compare with each other; padding frames (NaN) are drawn light grey, so the end of a recording shows.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from vaekit.core.io import atomic_path
from vaekit.plots.grid import image_grid

PADDING_GREY = (0.85, 0.85, 0.85)


def spectrogram_grid(batch: torch.Tensor, ncol: int, floor: float, zoom: int = 3, pad: int = 2) -> np.ndarray:
    """(N, C, M, T) or (N, M, T) log-mel values -> an RGB array of the tiles (channels averaged), each `zoom`
    pixels a value, tiled as plots.grid.image_grid tiles pictures."""
    import matplotlib

    values = batch.detach().float().cpu()
    if values.ndim == 4:
        values = values.mean(1)
    finite = values[torch.isfinite(values)]
    top = float(finite.max()) if finite.numel() else floor + 1
    scaled = ((values - floor) / max(top - floor, 1e-6)).clamp(0, 1).flip(1).numpy()  # low mels at the bottom
    colours = matplotlib.colormaps["magma"](np.nan_to_num(scaled))[..., :3]
    colours[np.isnan(scaled)] = PADDING_GREY
    colours = colours.repeat(zoom, axis=1).repeat(zoom, axis=2)
    return image_grid(torch.from_numpy(colours).permute(0, 3, 1, 2), ncol, pad=pad)


def save_spectrograms(path: str | Path, batch: torch.Tensor, ncol: int, floor: float) -> Path:
    """The grid picture of spectrogram_grid, written atomically."""
    import matplotlib.image

    with atomic_path(path) as tmp:
        matplotlib.image.imsave(tmp, spectrogram_grid(batch, ncol, floor), format=Path(path).suffix.lstrip(".")
                                or "png")
    return Path(path)
