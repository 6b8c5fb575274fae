"""Convolutional encoder (stride-2 convolutions) and transposed-convolution decoder for images of any size.

Each stage halves (encoder) or doubles (decoder) the sides: 28 -> 14 -> 7, 32 -> 16 -> 8 -> 4, 64 -> ... -> 4,
128x96 -> ... -> 8x6; the stages come from the shape (nn/image_stages.py), which pads a side that 2**stages does
not divide and crops the decoder's output back, so the decoder gives exactly the data's (C, H, W)::

    encoder, width, decoder = build_conv((4, 96, 128), 8, 1, ModelConfig(conv_channels=[16, 32, 64, 64]))
    width                                    # 64 * 6 * 8
    decoder(torch.randn(5, 8)).shape         # (5, 1, 4, 96, 128)
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


def strided_stages(layer: type[nn.Module], in_channels: int, channels: list[int], activation: str,
                   kernel_size: int, padding: int) -> nn.Sequential:
    """One stride-2 convolution (Conv2d over images, Conv1d over time) and activation per entry of `channels`,
    then the features flattened: the encoder stack of the image and spectrogram networks."""
    layers: list[nn.Module] = []
    for c_in, c_out in zip([in_channels, *channels[:-1]], channels):
        layers += [layer(c_in, c_out, kernel_size=kernel_size, stride=2, padding=padding), ACTIVATIONS[activation]()]
    return nn.Sequential(*layers, nn.Flatten())


class ConvEncoder(nn.Module):
    """(B, C, H, W) -> (B, channels[-1] * h * w) features, (h, w) the stages' smallest feature map."""

    def __init__(self, in_channels: int, channels: list[int], activation: str, stages: ImageStages) -> None:
        super().__init__()
        self.stages = stages
        self.layers = strided_stages(nn.Conv2d, in_channels, channels, activation, kernel_size=4, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        lead = x.shape[:-3]
        return self.layers(self.stages.pad(x.reshape(-1, *x.shape[-3:]))).reshape(*lead, -1)


class ConvDecoder(nn.Module):
    """(..., d) -> (..., P, C, H, W): a linear layer to the smallest feature map, then transposed convolutions."""

    def __init__(self, latent_dim: int, data_shape: tuple[int, ...], params_per_element: int, channels: list[int],
                 stages: ImageStages, activation: str) -> None:
        super().__init__()
        self.data_shape = data_shape
        self.params_per_element = params_per_element
        self.stages = stages
        self.first_shape = (channels[-1], *stages.smallest)
        self.project = nn.Sequential(nn.Linear(latent_dim, math.prod(self.first_shape)), ACTIVATIONS[activation]())
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
        return self.stages.crop(self.layers(features)).reshape(*lead, self.params_per_element, *self.data_shape)


@NETWORKS.register("conv")
@declares(reads={"conv_channels", "activation"})
def build_conv(data_shape: tuple[int, ...], latent_dim: int, params_per_element: int,
               cfg: ModelConfig, encoder_input: tuple[int, ...] | None = None
               ) -> tuple[nn.Module, int, nn.Module]:
    """(encoder, feature width, decoder) for images (C, H, W) of any channel count and at least 8x8 pixels;
    `encoder_input`, the encoder's input shape when it differs from the data's (twice the channels: the images
    beside their mask). One stage per entry of conv_channels, the last repeated where the images need more."""
    stages = image_stages(tuple(data_shape), "conv")
    channels = stage_widths(cfg.conv_channels, stages.count)
    encoder = ConvEncoder((encoder_input or data_shape)[0], channels, cfg.activation, stages)
    decoder = ConvDecoder(latent_dim, tuple(data_shape), params_per_element, channels, stages, cfg.activation)
    return encoder, channels[-1] * math.prod(stages.smallest), decoder
