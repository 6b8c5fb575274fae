"""Residual convolutional encoder and decoder for square images, registered as the network ``resnet``.

The encoder is a 3x3 stem conv, then per stride-2 stage ``cfg.residual_blocks`` pre-activation residual blocks
followed by a downsampling conv; the decoder mirrors it with nearest-neighbour upsampling + 3x3 conv (no
checkerboard artifacts) and ends in a 3x3 conv to the likelihood parameters. Stage widths are ``conv_channels``
and the stage scheme is the one of the conv network: 28 -> 14 -> 7, 32 -> 16 -> 8 -> 4, 64 -> ... -> 4::

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
from vaekit.core.errors import ConfigError
from vaekit.core.registry import NETWORKS
from vaekit.nn.activations import ACTIVATIONS
from vaekit.nn.base import declares
from vaekit.nn.conv import STAGES


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
    """(..., C, H, W) -> (..., channels[-1] * s * s) features, s = H / 2**len(channels).

    Stage i runs ``blocks`` residual blocks at the width ``[channels[0], *channels][i]``, then a stride-2
    conv (after norm -> activation) to ``channels[i]``; the output is normalised, activated and flattened.
    """

    def __init__(self, in_channels: int, channels: list[int], blocks: int, activation: str) -> None:
        super().__init__()
        widths = [channels[0], *channels]
        layers: list[nn.Module] = [nn.Conv2d(in_channels, widths[0], 3, padding=1)]
        for c_in, c_out in zip(widths[:-1], widths[1:]):
            layers += [*_blocks(c_in, blocks, activation), *_pre_activation(c_in, activation),
                       nn.Conv2d(c_in, c_out, kernel_size=4, stride=2, padding=1)]
        layers += [*_pre_activation(widths[-1], activation), nn.Flatten()]
        self.layers = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        lead = x.shape[:-3]
        return self.layers(x.reshape(-1, *x.shape[-3:])).reshape(*lead, -1)


class ResNetDecoder(nn.Module):
    """(..., d) -> (..., P, C, H, W): the encoder in reverse.

    A linear layer to the smallest feature map, then per stage (after norm -> activation) nearest upsampling with
    a 3x3 conv and ``blocks`` residual blocks, and a last norm -> activation -> 3x3 conv to ``P * C`` channels.
    """

    def __init__(self, latent_dim: int, data_shape: tuple[int, ...], params_per_element: int, channels: list[int],
                 smallest_side: int, blocks: int, activation: str) -> None:
        super().__init__()
        self.data_shape = tuple(data_shape)
        self.params_per_element = params_per_element
        self.first_shape = (channels[-1], smallest_side, smallest_side)
        self.project = nn.Linear(latent_dim, channels[-1] * smallest_side**2)
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
        return self.layers(features).reshape(*lead, self.params_per_element, *self.data_shape)


@NETWORKS.register("resnet")
@declares(reads={"conv_channels", "activation", "residual_blocks"})
def build_resnet(data_shape: tuple[int, ...], latent_dim: int, params_per_element: int,
                 cfg: ModelConfig, encoder_input: tuple[int, ...] | None = None
                 ) -> tuple[nn.Module, int, nn.Module]:
    """(encoder, feature width, decoder) for 1- or 3-channel images of 28x28, 32x32 or 64x64; `encoder_input`,
    the encoder's input shape when it differs from the data's (twice the channels: the images beside their mask).

    Uses ``cfg.conv_channels`` (one width per stride-2 stage; extra entries are ignored), ``cfg.residual_blocks``
    and ``cfg.activation``::

        encoder, width, decoder = build_resnet((1, 28, 28), 16, 1, ModelConfig(conv_channels=[16, 32]))
        width  # 32 * 7 * 7
    """
    if len(data_shape) != 3 or data_shape[0] not in (1, 3) or data_shape[1] != data_shape[2] \
            or data_shape[1] not in STAGES:
        shape = "x".join(map(str, data_shape))
        raise ConfigError(f"the resnet network takes 1- or 3-channel images of 28x28, 32x32 or 64x64; this data is "
                          f"{shape} (use --network mlp)")
    side = data_shape[1]
    stages = STAGES[side]
    if len(cfg.conv_channels) < stages:
        raise ConfigError(f"the resnet network needs {stages} conv_channels (one per stride-2 stage) for {side}x{side} "
                          f"images, got {cfg.conv_channels}")
    channels = list(cfg.conv_channels[:stages])
    smallest = side // 2**stages
    encoder = ResNetEncoder((encoder_input or data_shape)[0], channels, cfg.residual_blocks, cfg.activation)
    decoder = ResNetDecoder(latent_dim, tuple(data_shape), params_per_element, channels, smallest,
                            cfg.residual_blocks, cfg.activation)
    return encoder, channels[-1] * smallest**2, decoder
