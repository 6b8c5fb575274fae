"""The standard normal prior N(0, I)."""

from __future__ import annotations

import torch

from vaekit.config import ModelConfig
from vaekit.core.registry import PRIORS
from vaekit.core.seeded import DiagonalNormal, diagonal_normal
from vaekit.priors.base import Prior


@PRIORS.register("standard_normal")
class StandardNormalPrior(Prior):
    """p(z) = N(0, I) over d dimensions. Buffers, not parameters: it follows the model's device, learns nothing.

    >>> prior = StandardNormalPrior(2)
    >>> prior().log_prob(torch.zeros(2))   # -log(2 pi)
    tensor(-1.8379)
    """

    reads: frozenset[str] = frozenset()  # the ModelConfig settings it reads (vaekit.parts refuses the others)
    class_prior_replaces = True  # N(0, I) gives way to one learned Gaussian per class where asked

    cluster_variable = False  # no categorical latent: VAE.class_posterior refuses (priors/mixture.py has one)

    def __init__(self, latent_dim: int) -> None:
        super().__init__()
        self.register_buffer("loc", torch.zeros(latent_dim), persistent=False)
        self.register_buffer("scale", torch.ones(latent_dim), persistent=False)

    @classmethod
    def from_config(cls, cfg: ModelConfig, data_shape: tuple[int, ...]) -> StandardNormalPrior:
        return cls(cfg.latent_dim)

    def forward(self, encode: object = None) -> DiagonalNormal:
        return diagonal_normal(self.loc, self.scale)

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """n draws of z, repeatable with a generator (torch Distributions take none)."""
        eps = torch.randn(n, self.loc.shape[0], generator=generator, device=self.loc.device)
        return self.loc + self.scale * eps
