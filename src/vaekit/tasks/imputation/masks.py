"""Masks of missing pixels for inpainting, from a short description or a file.

    missing = image_mask("lower-half", (100, 1, 28, 28))            # True where a pixel is missing
    missing = image_mask("random:0.5", (100, 1, 28, 28), seed=1)     # each pixel missing with probability 0.5
    missing = image_mask("mask.npy", (100, 1, 28, 28))               # 1/True marks missing; (H, W) to (N, C, H, W)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from vaekit.core.errors import VaekitError
from vaekit.data.common.npy_header import check_array_file

NAMED = ("lower-half", "upper-half", "left-half", "right-half", "center")


def image_mask(spec: str, shape: tuple[int, ...], seed: int = 0) -> torch.Tensor:
    """A boolean mask of `shape` (N, C, H, W), True where pixels are missing, from `spec`: one of NAMED,
    random:P (each pixel missing with probability P, seeded; all channels of a pixel together), or a file (.npy
    of 0/1 or booleans, or a PNG whose non-black pixels are missing) of shape (H, W), (C, H, W) or
    (N, C, H, W)."""
    n, channels, height, width = shape
    if spec in NAMED:
        pixels = torch.zeros(height, width, dtype=torch.bool)
        if spec == "lower-half":
            pixels[height // 2:] = True
        elif spec == "upper-half":
            pixels[:height // 2] = True
        elif spec == "left-half":
            pixels[:, :width // 2] = True
        elif spec == "right-half":
            pixels[:, width // 2:] = True
        else:
            pixels[height // 4:height - height // 4, width // 4:width - width // 4] = True
        return pixels.expand(n, channels, height, width).clone()
    if spec.startswith("random:"):
        try:
            share = float(spec.removeprefix("random:"))
        except ValueError:
            share = -1.0
        if not 0 < share < 1:
            raise VaekitError(f"--mask {spec}: random:P needs a share P between 0 and 1, e.g. random:0.5")
        generator = torch.Generator().manual_seed(seed)
        return (torch.rand(n, 1, height, width, generator=generator) < share).expand(n, channels, height,
                                                                                      width).clone()
    return _from_file(Path(spec), shape)


def _from_file(path: Path, shape: tuple[int, ...]) -> torch.Tensor:
    if not path.is_file():
        raise VaekitError(f"--mask {path}: not lower-half, upper-half, left-half, right-half, center, random:P, "
                          "or an existing .npy or .png file")
    if path.suffix.lower() == ".npy":
        check_array_file(path)  # its header, before np.load allocates what it declares
        try:
            array = np.load(path, allow_pickle=False)
        except (ValueError, OSError) as error:
            raise VaekitError(f"--mask {path} is not a readable .npy file ({error})") from None
    elif path.suffix.lower() == ".png":
        from PIL import Image

        try:
            with Image.open(path) as picture:  # its header: the size is checked before a pixel is decoded
                if picture.size != (shape[3], shape[2]):
                    raise VaekitError(f"--mask {path} is {picture.size[0]}x{picture.size[1]}, but the images are "
                                      f"{shape[3]}x{shape[2]}; give a mask of their size")
                array = np.asarray(picture.convert("L")) > 0
        except (OSError, SyntaxError, Image.DecompressionBombError) as error:
            raise VaekitError(f"--mask {path} is not a readable .png file ({error})") from None
    else:
        raise VaekitError(f"--mask {path}: a mask file is a .npy array or a .png picture")
    if array.dtype.kind not in "biuf":
        raise VaekitError(f"--mask {path} holds {array.dtype} values; a mask is 0/1 or booleans")
    mask = torch.from_numpy(np.asarray(array) != 0)
    n, channels, height, width = shape
    wanted = [(height, width), (channels, height, width), (1, height, width), (n, channels, height, width),
              (n, 1, height, width)]
    if tuple(mask.shape) not in wanted:
        raise VaekitError(f"--mask {path} has shape {tuple(mask.shape)}, but the images are {height}x{width} "
                          f"({channels} channel{'s' if channels > 1 else ''}, {n} images): give a mask of shape "
                          f"({height}, {width}), ({channels}, {height}, {width}) or ({n}, {channels}, {height}, "
                          f"{width})")
    return mask.expand(n, channels, height, width).clone()
