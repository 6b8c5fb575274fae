"""Tiling a batch of images into one picture (vaekit does not depend on torchvision for its make_grid)."""

from __future__ import annotations

import math

import numpy as np
import torch


def image_grid(images: torch.Tensor, ncol: int, pad: int = 1, min_side: int = 28) -> np.ndarray:
    """(N, C, H, W) in [0, 1] -> an (rows*H', ncol*W', 3 or 4) float array, tiles separated by `pad` white pixels.

    Grey (C 1) and RGB (3) images give an RGB picture; images with alpha, grey and alpha (2) or RGBA (4), an RGBA
    one (the gaps opaque). Images of 5 or more channels (a multispectral stack) are drawn from their first three
    as RGB: one tile per image keeps every picture's layout (inputs above reconstructions, traversal steps).
    Tiles smaller than `min_side` are enlarged by whole pixels (nearest neighbour), so 8x8 digits stay visible.
    Missing pixels (NaN, in data trained with missing: model) are drawn red, so a gap never passes for black.
    """
    images = images.detach().float().clamp(0, 1).cpu()
    channels = images.shape[1]
    if channels in (1, 2):  # grey, and grey with alpha: the grey level in R, G and B
        images = torch.cat([images[:, :1].expand(-1, 3, -1, -1), images[:, 1:]], 1)
    elif channels > 4:
        images = images[:, :3]
    missing = torch.isnan(images).any(1, keepdim=True)
    if bool(missing.any()):
        red = torch.tensor([1.0, 0.0, 0.0, 1.0][:images.shape[1]]).view(1, -1, 1, 1)
        images = torch.where(missing, red, images)
    n, _, height, width = images.shape
    zoom = max(1, math.ceil(min_side / max(height, width)))
    if zoom > 1:
        images = images.repeat_interleave(zoom, dim=2).repeat_interleave(zoom, dim=3)
        height, width = height * zoom, width * zoom
    rows = math.ceil(n / ncol)
    grid = torch.ones(images.shape[1], rows * (height + pad) + pad, ncol * (width + pad) + pad)
    for index in range(n):
        top = pad + (index // ncol) * (height + pad)
        left = pad + (index % ncol) * (width + pad)
        grid[:, top:top + height, left:left + width] = images[index]
    return grid.permute(1, 2, 0).numpy()

