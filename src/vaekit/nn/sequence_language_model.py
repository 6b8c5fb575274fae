"""The parts that turn a sequence VAE into the same-size language model without a latent code (model.language_model):
the baseline of Bowman et al. 2016 that tells whether a text VAE uses its code at all.

Its decoder ignores z (nn/sequence.py's LatentContext with language_model: a learned initial state, no code per
step), and its posterior is the prior itself, q(z|x) = p(z) = N(0, I), read from no encoder. Then

    KL(q || p) = 0 exactly,   -ELBO(x) = -log p(x|z) = -log p(x),
    IW_k(x) = log (1/k) sum_i p(x|z_i) p(z_i) / q(z_i) = log p(x)   for every k,

so `vaekit train`, the -ELBO and the importance-weighted estimate of `vaekit evaluate` all give the language
model's exact -log p(x), with every other part of the pipeline unchanged.

    encoder, posterior = language_model_parts(cfg, data_shape)
"""

from __future__ import annotations

import torch
from torch import nn

from vaekit.config import ModelConfig
from vaekit.core.errors import ConfigError
from vaekit.core.seeded import DiagonalNormal, diagonal_normal
from vaekit.posteriors.base import Posterior


class NoFeatures(nn.Module):
    """Reads nothing: (B, *data_shape) -> (B, 0)."""

    def __init__(self, data_shape: tuple[int, ...]) -> None:
        super().__init__()
        self.data_ndim = len(data_shape)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.new_zeros(*x.shape[:x.dim() - self.data_ndim], 0, dtype=torch.float32)


class PriorPosterior(Posterior):
    """q(z|x) = N(0, I) for every x: the standard normal prior's own parameters, broadcast to the batch."""

    carries_code = False  # no picture of codes, no active units: there is nothing of x in z

    def __init__(self, latent_dim: int) -> None:
        super().__init__()
        self.register_buffer("loc", torch.zeros(latent_dim), persistent=False)
        self.register_buffer("scale", torch.ones(latent_dim), persistent=False)

    def forward(self, features: torch.Tensor) -> DiagonalNormal:
        shape = (*features.shape[:-1], self.loc.shape[0])
        return diagonal_normal(self.loc.expand(shape), self.scale.expand(shape))


def language_model_parts(cfg: ModelConfig, data_shape: tuple[int, ...]) -> tuple[nn.Module, nn.Module]:
    """(encoder, posterior) of a language model: no features, q(z|x) = p(z). Refuses settings that would give
    the code a role (another prior or posterior, labels)."""
    plain = ModelConfig()  # the default N(0, I) prior and Gaussian posterior, which q(z|x) = p(z) stands in for
    if cfg.prior != plain.prior or cfg.posterior != plain.posterior:
        raise ConfigError(f"a language model (model.language_model) has no latent code: its q(z|x) is the prior "
                          f"N(0, I); leave prior: {plain.prior} and posterior: {plain.posterior}")
    if cfg.conditional or cfg.class_latent != "none":
        raise ConfigError("a language model (model.language_model) reads no labels; leave conditional and "
                          "class_latent off")
    return NoFeatures(data_shape), PriorPosterior(cfg.latent_dim)
