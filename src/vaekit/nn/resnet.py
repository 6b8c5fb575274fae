"""Residual convolutional encoder and decoder for images of any size, registered as the network ``resnet``.

The encoder is a 3x3 stem conv, then per stride-2 stage ``cfg.residual_blocks`` pre-activation residual blocks
followed by a downsampling conv; the decoder mirrors it with nearest-neighbour upsampling + 3x3 conv (no
checkerboard artifacts) and ends in a 3x3 conv to the likelihood parameters. Stage widths are ``conv_channels``
and the stages are the conv network's (nn/image_stages.py): 28 -> 14 -> 7, 32 -> 16 -> 8 -> 4, 64 -> ... -> 4,
128x96 -> ... -> 8x6, a side that 2**stages does not divide padded before the encoder and cropped after the
decoder::

    cfg = ModelConfig(network="resnet", conv_channels=[32, 64, 128], latent_dim=64)
    encoder, width, decoder = build_resnet((3, 32, 32), cfg.latent_dim, 1, cfg)
    encoder(torch.rand(16, 3, 32, 32)).shape     # (16, width), width = 128 * 4 * 4
    decoder(torch.randn(5, 16, 64)).shape        # (5, 16, 1, 3, 32, 32)
"""

from __future__ import annotations

import math

import torch
from torch import nn

from vaekit.config import ModelConfig
from vaekit.core.registry import NETWORKS
from vaekit.nn.activations import ACTIVATIONS
from vaekit.nn.base import declares
from vaekit.nn.image_stages import ImageStages, image_stages, stage_widths


def group_norm(channels: int) -> nn.GroupNorm:
    """GroupNorm with up to 8 groups (a divisor of ``channels``).

    Unlike BatchNorm it normalises each example on its own, so a model evaluated in small batches (or one example
    at a time, or on k latent samples per example) behaves exactly as it did in training, with no running
    statistics to drift.
    """
    return nn.GroupNorm(math.gcd(channels, 8), channels)


def _pre_activation(channels: int, activation: str) -> list[nn.Module]:
    return [group_norm(channels), ACTIVATIONS[activation]()]


class ResidualBlock(nn.Module):
    """Pre-activation residual block at constant width and resolution: ``x + branch(x)``, where the branch is
    norm -> activation -> 3x3 conv -> norm -> activation -> 3x3 conv.

    The last conv starts at zero, so a new block is the identity::

        block = ResidualBlock(32, "relu")
        x = torch.randn(2, 32, 8, 8)
        torch.equal(block(x), x)  # True at initialisation
    """

    def __init__(self, channels: int, activation: str) -> None:
        super().__init__()
        self.branch = nn.Sequential(
            *_pre_activation(channels, activation), nn.Conv2d(channels, channels, 3, padding=1),
            *_pre_activation(channels, activation), nn.Conv2d(channels, channels, 3, padding=1))
        last = self.branch[-1]
        nn.init.zeros_(last.weight)
        nn.init.zeros_(last.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.branch(x)


def _blocks(channels: int, count: int, activation: str) -> list[nn.Module]:
    return [ResidualBlock(channels, activation) for _ in range(count)]


class ResNetEncoder(nn.Module):
    """(..., C, H, W) -> (..., channels[-1] * h * w) features, (h, w) the stages' smallest feature map.

    Stage i runs ``blocks`` residual blocks at the width ``[channels[0], *channels][i]``, then a stride-2
    conv (after norm -> activation) to ``channels[i]``; the output is normalised, activated and flattened.
    """

    def __init__(self, in_channels: int, channels: list[int], blocks: int, activation: str,
                 stages: ImageStages) -> None:
        super().__init__()
        self.stages = stages
        widths = [channels[0], *channels]
        layers: list[nn.Module] = [nn.Conv2d(in_channels, widths[0], 3, padding=1)]
        for c_in, c_out in zip(widths[:-1], widths[1:]):
            layers += [*_blocks(c_in, blocks, activation), *_pre_activation(c_in, activation),
                       nn.Conv2d(c_in, c_out, kernel_size=4, stride=2, padding=1)]
        layers += [*_pre_activation(widths[-1], activation), nn.Flatten()]
        self.layers = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        lead = x.shape[:-3]
        return self.layers(self.stages.pad(x.reshape(-1, *x.shape[-3:]))).reshape(*lead, -1)


class ResNetDecoder(nn.Module):
    """(..., d) -> (..., P, C, H, W): the encoder in reverse.

    A linear layer to the smallest feature map, then per stage (after norm -> activation) nearest upsampling with
    a 3x3 conv and ``blocks`` residual blocks, and a last norm -> activation -> 3x3 conv to ``P * C`` channels.
    """

    def __init__(self, latent_dim: int, data_shape: tuple[int, ...], params_per_element: int, channels: list[int],
                 stages: ImageStages, blocks: int, activation: str) -> None:
        super().__init__()
        self.data_shape = tuple(data_shape)
        self.params_per_element = params_per_element
        self.stages = stages
        self.first_shape = (channels[-1], *stages.smallest)
        self.project = nn.Linear(latent_dim, math.prod(self.first_shape))
        widths = [channels[0], *channels]
        layers: list[nn.Module] = []
        for c_in, c_out in zip(reversed(widths[1:]), reversed(widths[:-1])):
            layers += [*_pre_activation(c_in, activation), nn.Upsample(scale_factor=2, mode="nearest"),
                       nn.Conv2d(c_in, c_out, 3, padding=1), *_blocks(c_out, blocks, activation)]
        layers += [*_pre_activation(widths[0], activation),
                   nn.Conv2d(widths[0], params_per_element * data_shape[0], 3, padding=1)]
        self.layers = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        lead = z.shape[:-1]
        features = self.project(z.reshape(-1, z.shape[-1])).reshape(-1, *self.first_shape)
        return self.stages.crop(self.layers(features)).reshape(*lead, self.params_per_element, *self.data_shape)


@NETWORKS.register("resnet")
@declares(reads={"conv_channels", "activation", "residual_blocks"})
def build_resnet(data_shape: tuple[int, ...], latent_dim: int, params_per_element: int,
                 cfg: ModelConfig, encoder_input: tuple[int, ...] | None = None
                 ) -> tuple[nn.Module, int, nn.Module]:
    """(encoder, feature width, decoder) for images (C, H, W) of any channel count and at least 8x8 pixels;
    `encoder_input`, the encoder's input shape when it differs from the data's (twice the channels: the images
    beside their mask).

    Uses ``cfg.conv_channels`` (one width per stride-2 stage; extra entries are ignored, the last repeats where the
    images need more stages), ``cfg.residual_blocks`` and ``cfg.activation``::

        encoder, width, decoder = build_resnet((1, 28, 28), 16, 1, ModelConfig(conv_channels=[16, 32]))
        width  # 32 * 7 * 7
    """
    stages = image_stages(tuple(data_shape), "resnet")
    channels = stage_widths(cfg.conv_channels, stages.count)
    encoder = ResNetEncoder((encoder_input or data_shape)[0], channels, cfg.residual_blocks, cfg.activation, stages)
    decoder = ResNetDecoder(latent_dim, tuple(data_shape), params_per_element, channels, stages,
                            cfg.residual_blocks, cfg.activation)
    return encoder, channels[-1] * math.prod(stages.smallest), decoder
