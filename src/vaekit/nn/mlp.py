"""Fully connected encoder and decoder of any depth and width (784-400-20 is the classic VAE)."""

from __future__ import annotations

import math

import torch
from torch import nn

from vaekit.config import ModelConfig
from vaekit.core.registry import NETWORKS
from vaekit.core.tunable import Widths
from vaekit.nn.activations import ACTIVATIONS
from vaekit.nn.base import declares


def _stack(widths: list[int], activation: str) -> list[nn.Module]:
    layers: list[nn.Module] = []
    for width_in, width_out in zip(widths[:-1], widths[1:]):
        layers += [nn.Linear(width_in, width_out), ACTIVATIONS[activation]()]
    return layers


class MLPEncoder(nn.Module):
    """Flattens each example and maps it through the hidden layers: (B, *shape) -> (B, hidden[-1])."""

    def __init__(self, data_shape: tuple[int, ...], hidden: list[int], activation: str) -> None:
        super().__init__()
        self.data_ndim = len(data_shape)
        self.layers = nn.Sequential(*_stack([math.prod(data_shape), *hidden], activation))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x.flatten(start_dim=x.dim() - self.data_ndim))


class MLPDecoder(nn.Module):
    """Maps z through the mirrored hidden layers to likelihood parameters: (..., d) -> (..., P, *shape)."""

    def __init__(self, latent_dim: int, hidden: list[int], data_shape: tuple[int, ...], params_per_element: int,
                 activation: str) -> None:
        super().__init__()
        self.out_shape = (params_per_element, *data_shape)
        widths = [latent_dim, *reversed(hidden)]
        self.layers = nn.Sequential(*_stack(widths, activation), nn.Linear(widths[-1], math.prod(self.out_shape)))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.layers(z).reshape(*z.shape[:-1], *self.out_shape)


@NETWORKS.register("mlp")
@declares(reads={"hidden", "activation"}, reads_codes=True, tunable={"hidden": Widths(32, 512, layers=(1, 3))})
def build_mlp(data_shape: tuple[int, ...], latent_dim: int, params_per_element: int,
              cfg: ModelConfig, encoder_input: tuple[int, ...] | None = None
              ) -> tuple[nn.Module, int, nn.Module]:
    """(encoder, encoder feature width, decoder) for any data shape; `encoder_input`, the encoder's input shape
    when it differs from the data's (twice the width: the data beside their mask)."""
    encoder = MLPEncoder(encoder_input or data_shape, cfg.hidden, cfg.activation)
    decoder = MLPDecoder(latent_dim, cfg.hidden, data_shape, params_per_element, cfg.activation)
    return encoder, cfg.hidden[-1], decoder
