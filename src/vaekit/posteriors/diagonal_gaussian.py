"""The classic VAE posterior: a diagonal Gaussian whose mean and log-variance come from two linear heads."""

from __future__ import annotations

import torch
from torch import nn

from vaekit.config import ModelConfig
from vaekit.core.registry import POSTERIORS
from vaekit.core.seeded import DiagonalNormal, diagonal_normal
from vaekit.posteriors.base import Posterior

# exp(0.5 * log_var) overflows float32 near log_var = 177 and underflows to a zero scale near -207; the clamp keeps
# a diverging encoder from producing inf/0 scales (and NaN log-probs) long before that.
LOG_VAR_MIN, LOG_VAR_MAX = -30.0, 20.0


@POSTERIORS.register("diagonal_gaussian")
class DiagonalGaussianPosterior(Posterior):
    """features (B, F) -> q(z|x) = N(mean, diag(exp(log_var))), event shape (d,).

    >>> q = DiagonalGaussianPosterior(400, 20)(torch.randn(8, 400))
    >>> q.rsample().shape   # reparameterized: z = mean + exp(log_var / 2) * eps
    torch.Size([8, 20])
    """

    reads: frozenset[str] = frozenset()  # the ModelConfig settings it reads (vaekit.parts refuses the others)
    class_latent = True  # q(z|x, y): the class code joins its features (M2, GMVAE)
    gaussian_code = True  # N(mean, stddev^2), as an exported graph rebuilds it

    def __init__(self, feature_dim: int, latent_dim: int) -> None:
        super().__init__()
        self.mean_head = nn.Linear(feature_dim, latent_dim)
        self.log_var_head = nn.Linear(feature_dim, latent_dim)

    @classmethod
    def from_config(cls, feature_dim: int, cfg: ModelConfig) -> DiagonalGaussianPosterior:
        return cls(feature_dim, cfg.latent_dim)

    def forward(self, features: torch.Tensor) -> DiagonalNormal:
        mean = self.mean_head(features)
        log_var = self.log_var_head(features).clamp(LOG_VAR_MIN, LOG_VAR_MAX)
        return diagonal_normal(mean, torch.exp(0.5 * log_var))  # Independent(Normal), drawing with a generator
