"""The inpainting picture: for each example, the input with its missing pixels in red, then each filled version,
then the original, as rows of up to 16 columns.

    picture = inpainting_grid(x, missing, [filled])      # (H, W, 3) floats in [0, 1]
"""

from __future__ import annotations

import numpy as np
import torch

from vaekit.plots.grid import image_grid

MISSING_COLOUR = (0.9, 0.2, 0.2)


def inpainting_grid(x: torch.Tensor, missing: torch.Tensor, filled: list[torch.Tensor], columns: int = 16
                    ) -> np.ndarray:
    """x (N, C, H, W) in [0, 1], missing (N, C, H, W) booleans, each of `filled` like x."""
    red = torch.tensor(MISSING_COLOUR).reshape(1, 3, 1, 1)
    rgb = x.expand(-1, 3, -1, -1) if x.shape[1] == 1 else x
    shown = torch.where(missing.any(1, keepdim=True), red, rgb)
    columns = min(len(x), columns)
    rows = []
    for start in range(0, len(x), columns):
        for part in (shown, *(f.expand(-1, 3, -1, -1) if f.shape[1] == 1 else f for f in filled), rgb):
            block = part[start:start + columns].float()
            rows.append(torch.cat([block, torch.ones(columns - len(block), *block.shape[1:])]))
    return image_grid(torch.cat(rows), columns)
