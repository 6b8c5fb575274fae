"""Convolutional encoder (stride-2 convolutions) and transposed-convolution decoder for square images.

Each stage halves (encoder) or doubles (decoder) the side: 28 -> 14 -> 7, 32 -> 16 -> 8 -> 4, 64 -> ... -> 4.
"""

from __future__ import annotations

import torch
from torch import nn

from vaekit.config import ModelConfig
from vaekit.core.errors import ConfigError
from vaekit.core.registry import NETWORKS
from vaekit.nn.activations import ACTIVATIONS
from vaekit.nn.base import declares

# image side -> number of stride-2 stages, chosen so the smallest feature map is 7x7 or 4x4
STAGES = {28: 2, 32: 3, 64: 4}


def strided_stages(layer: type[nn.Module], in_channels: int, channels: list[int], activation: str,
                   kernel_size: int, padding: int) -> nn.Sequential:
    """One stride-2 convolution (Conv2d over images, Conv1d over time) and activation per entry of `channels`,
    then the features flattened: the encoder stack of the image and spectrogram networks."""
    layers: list[nn.Module] = []
    for c_in, c_out in zip([in_channels, *channels[:-1]], channels):
        layers += [layer(c_in, c_out, kernel_size=kernel_size, stride=2, padding=padding), ACTIVATIONS[activation]()]
    return nn.Sequential(*layers, nn.Flatten())


class ConvEncoder(nn.Module):
    """(B, C, H, W) -> (B, channels[-1] * s * s) features."""

    def __init__(self, in_channels: int, channels: list[int], activation: str) -> None:
        super().__init__()
        self.layers = strided_stages(nn.Conv2d, in_channels, channels, activation, kernel_size=4, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        lead = x.shape[:-3]
        return self.layers(x.reshape(-1, *x.shape[-3:])).reshape(*lead, -1)


class ConvDecoder(nn.Module):
    """(..., d) -> (..., P, C, H, W): a linear layer to the smallest feature map, then transposed convolutions."""

    def __init__(self, latent_dim: int, data_shape: tuple[int, ...], params_per_element: int, channels: list[int],
                 smallest_side: int, activation: str) -> None:
        super().__init__()
        self.data_shape = data_shape
        self.params_per_element = params_per_element
        self.first_shape = (channels[-1], smallest_side, smallest_side)
        self.project = nn.Sequential(nn.Linear(latent_dim, channels[-1] * smallest_side**2),
                                     ACTIVATIONS[activation]())
        layers: list[nn.Module] = []
        outs = [*reversed(channels[:-1]), params_per_element * data_shape[0]]
        for i, (c_in, c_out) in enumerate(zip(reversed(channels), outs)):
            layers.append(nn.ConvTranspose2d(c_in, c_out, kernel_size=4, stride=2, padding=1))
            if i < len(outs) - 1:
                layers.append(ACTIVATIONS[activation]())
        self.layers = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        lead = z.shape[:-1]
        features = self.project(z.reshape(-1, z.shape[-1])).reshape(-1, *self.first_shape)
        return self.layers(features).reshape(*lead, self.params_per_element, *self.data_shape)


@NETWORKS.register("conv")
@declares(reads={"conv_channels", "activation"})
def build_conv(data_shape: tuple[int, ...], latent_dim: int, params_per_element: int,
               cfg: ModelConfig, encoder_input: tuple[int, ...] | None = None
               ) -> tuple[nn.Module, int, nn.Module]:
    """(encoder, feature width, decoder) for 1- or 3-channel images of 28x28, 32x32 or 64x64; `encoder_input`,
    the encoder's input shape when it differs from the data's (twice the channels: the images beside their mask)."""
    if len(data_shape) != 3 or data_shape[0] not in (1, 3) or data_shape[1] != data_shape[2] \
            or data_shape[1] not in STAGES:
        shape = "x".join(map(str, data_shape))
        raise ConfigError(f"the conv network takes 1- or 3-channel images of 28x28, 32x32 or 64x64; this data is "
                          f"{shape} (use --network mlp)")
    stages = STAGES[data_shape[1]]
    if len(cfg.conv_channels) < stages:
        raise ConfigError(f"{data_shape[1]}x{data_shape[1]} images need {stages} conv_channels, "
                          f"got {cfg.conv_channels}")
    channels = cfg.conv_channels[:stages]
    smallest = data_shape[1] // 2**stages
    encoder = ConvEncoder((encoder_input or data_shape)[0], channels, cfg.activation)
    decoder = ConvDecoder(latent_dim, data_shape, params_per_element, channels, smallest, cfg.activation)
    return encoder, channels[-1] * smallest**2, decoder
