"""The stride-2 stages of the image networks (conv, resnet), derived from the shape of the images (C, H, W).

Each stage halves the feature map; there are as many as it takes for the shorter side to come down to 4-7 pixels,
so 28 -> 14 -> 7, 32 -> 16 -> 8 -> 4, 64 -> ... -> 4 (the stages these networks have always had at those sizes)
and 128x96 -> 64x48 -> 32x24 -> 16x12 -> 8x6. A side that 2**stages does not divide is padded with zeros (split
between both edges) before the encoder, and the decoder's output is cropped back to the data's H x W, so the
decoder gives exactly data_shape::

    plan = image_stages((3, 96, 128), "conv")    # height 96, width 128
    plan.count, plan.smallest                    # 4, (6, 8)
    plan = image_stages((1, 30, 30), "conv")
    plan.count, plan.smallest                    # 3, (4, 4): 30 is padded to 32, the output cropped to 30
    plan.pad(torch.rand(2, 1, 30, 30)).shape     # (2, 1, 32, 32)
    stage_widths([32, 64], 3)                    # [32, 64, 64]: the last width repeats

Padding and cropping are functions, not modules, so that the networks' parameter names stay what they were.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from vaekit.core.errors import ConfigError

MIN_SIDE = 8  # one stage takes 8 pixels to 4; below that a conv network has nothing left to halve
LARGEST_SMALLEST = 7  # stages are added while the shorter side of the smallest feature map is above this


@dataclass(frozen=True)
class ImageStages:
    """How many stride-2 stages an image network has for images of height x width, and the padded size."""

    count: int
    height: int
    width: int

    @property
    def smallest(self) -> tuple[int, int]:
        """(height, width) of the smallest feature map: each side over 2**count, rounded up."""
        step = 2**self.count
        return -(-self.height // step), -(-self.width // step)

    @property
    def padding(self) -> tuple[int, int, int, int]:
        """(left, right, top, bottom) zero pixels that make both sides multiples of 2**count (F.pad's order)."""
        step = 2**self.count
        extra_h, extra_w = self.smallest[0] * step - self.height, self.smallest[1] * step - self.width
        return extra_w // 2, extra_w - extra_w // 2, extra_h // 2, extra_h - extra_h // 2

    def pad(self, x: torch.Tensor) -> torch.Tensor:
        """Images (B, C, H, W) padded to the stages' size; the same tensor when nothing is needed."""
        padding = self.padding
        return F.pad(x, padding) if any(padding) else x

    def crop(self, y: torch.Tensor) -> torch.Tensor:
        """The decoder's output (B, C', H', W') cut back to the data's H x W (the centre the padding surrounded)."""
        left, _, top, _ = self.padding
        return y[..., top:top + self.height, left:left + self.width]


def image_stages(data_shape: tuple[int, ...], network: str) -> ImageStages:
    """The stages for images of `data_shape` (C, H, W); a ConfigError, in one line, for anything else."""
    shape = "x".join(map(str, data_shape))
    if len(data_shape) != 3 or min(data_shape) < 1:
        raise ConfigError(f"the {network} network takes images (C, H, W); this data is {shape} (use --network mlp)")
    _, height, width = data_shape
    if min(height, width) < MIN_SIDE:
        raise ConfigError(f"the {network} network takes images of at least {MIN_SIDE}x{MIN_SIDE} pixels; this data "
                          f"is {shape} (use --network mlp, or --resize to a larger size)")
    count = 1
    while -(-min(height, width) // 2**count) > LARGEST_SMALLEST:
        count += 1
    return ImageStages(count, height, width)


def stage_widths(conv_channels: list[int], count: int) -> list[int]:
    """One width per stage: conv_channels' first `count`, the last repeated where the images need more stages
    than it lists (a 256x256 image needs 6), so that any size trains with the default widths."""
    widths = list(conv_channels[:count])
    return widths + [widths[-1]] * (count - len(widths))
