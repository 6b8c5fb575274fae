"""A convolutional encoder and decoder over time for spectrograms (C, n_mels, T) of any length T.

The mel bands (times the channels) are the convolutions' channels and time is the one axis they slide along, so
a sound moved in time gives moved features, while a shift across mel bands is a different sound. Each encoder
stage halves the frames with a stride-2 convolution (kernel 5, padding 2: T -> ceil(T / 2)), for any T, not only
the powers of two an image network needs; the decoder doubles them back with transposed convolutions and cuts the
result to T frames.

    encoder, features, decoder = build_spectrogram((1, 40, 63), latent_dim=16, params_per_element=1, cfg)
    encoder(x)        # (B, 1 or 2, 40, 63) -> (B, features): conv_channels[-1] * ceil(63 / 2**stages)
    decoder(z)        # (..., 16) -> (..., 1, 1, 40, 63)

Recordings shorter than T arrive padded with NaN frames (data/audio.py). The model gives the encoder those frames
as 0 beside the 0/1 mask of real frames (the second input channel, model.encoder_mask) and scores real frames only
(likelihoods/observed.py), so the decoder's output at padding frames never enters a loss.
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
from vaekit.nn.conv import strided_stages


class TimeConvEncoder(nn.Module):
    """(..., C, M, T) -> (..., channels[-1] * ceil(T / 2**stages)) features."""

    def __init__(self, in_channels: int, channels: list[int], activation: str) -> None:
        super().__init__()
        self.layers = strided_stages(nn.Conv1d, in_channels, channels, activation, kernel_size=5, padding=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        lead = x.shape[:-3]
        channels, mels, frames = x.shape[-3:]
        return self.layers(x.reshape(-1, channels * mels, frames)).reshape(*lead, -1)


class TimeConvDecoder(nn.Module):
    """(..., d) -> (..., P, C, M, T): a linear layer to the shortest feature sequence, then transposed
    convolutions over time, cut to T frames."""

    def __init__(self, latent_dim: int, data_shape: tuple[int, ...], params_per_element: int, channels: list[int],
                 shortest: int, activation: str) -> None:
        super().__init__()
        self.data_shape = data_shape
        self.params_per_element = params_per_element
        self.first_shape = (channels[-1], shortest)
        self.project = nn.Sequential(nn.Linear(latent_dim, channels[-1] * shortest), ACTIVATIONS[activation]())
        outs = [*reversed(channels[:-1]), params_per_element * data_shape[0] * data_shape[1]]
        layers: list[nn.Module] = []
        for i, (c_in, c_out) in enumerate(zip(reversed(channels), outs)):
            layers.append(nn.ConvTranspose1d(c_in, c_out, kernel_size=4, stride=2, padding=1))
            if i < len(outs) - 1:
                layers.append(ACTIVATIONS[activation]())
        self.layers = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        lead = z.shape[:-1]
        features = self.project(z.reshape(-1, z.shape[-1])).reshape(-1, *self.first_shape)
        frames = self.data_shape[-1]
        out = self.layers(features)[..., :frames]  # 2**stages * ceil(T / 2**stages) >= T frames: cut the rest
        return out.reshape(*lead, self.params_per_element, *self.data_shape)


@NETWORKS.register("spectrogram")
@declares(reads={"conv_channels", "activation"})
def build_spectrogram(data_shape: tuple[int, ...], latent_dim: int, params_per_element: int, cfg: ModelConfig,
                      encoder_input: tuple[int, ...] | None = None) -> tuple[nn.Module, int, nn.Module]:
    """(encoder, feature width, decoder) for spectrograms (C, n_mels, T) of any T: one stride-2 stage over time
    per conv_channels entry; `encoder_input` is the encoder's input shape where it differs (the mask beside)."""
    if len(data_shape) != 3:
        raise ConfigError(f"the spectrogram network takes spectrograms (channels, mels, frames); this data is "
                          f"{'x'.join(map(str, data_shape))} (use --network mlp)")
    channels = list(cfg.conv_channels)
    shortest = math.ceil(data_shape[2] / 2 ** len(channels))
    inputs = encoder_input or data_shape
    encoder = TimeConvEncoder(inputs[0] * inputs[1], channels, cfg.activation)
    decoder = TimeConvDecoder(latent_dim, data_shape, params_per_element, channels, shortest, cfg.activation)
    return encoder, channels[-1] * shortest, decoder
