"""A learned mixture-of-Gaussians prior: K components with learned means, scales and weights."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn
from torch.distributions import MixtureSameFamily

from vaekit.config import ModelConfig
from vaekit.priors.sampling import gaussian_mixture
from vaekit.registry import PRIORS


@PRIORS.register("mixture")
class MixturePrior(nn.Module):
    """p(z) = sum_k softmax(logits)_k N(z; mean_k, diag(exp(log_scale_k))^2). Its KL with a Gaussian posterior
    has no closed form, so objectives use the Monte Carlo estimate automatically.

    Means start spread (seeded by the run, N(0, I)), scales at 1, weights equal; with one component at 0 with
    scale 1 it is the standard normal prior.

    >>> prior = MixturePrior(latent_dim=2, components=10)
    >>> prior().log_prob(torch.zeros(3, 2)).shape
    torch.Size([3])
    """

    def __init__(self, latent_dim: int, components: int = 10) -> None:
        super().__init__()
        self.means = nn.Parameter(torch.randn(components, latent_dim))
        self.log_scales = nn.Parameter(torch.zeros(components, latent_dim))
        self.logits = nn.Parameter(torch.zeros(components))

    @classmethod
    def from_config(cls, cfg: ModelConfig, data_shape: tuple[int, ...]) -> MixturePrior:
        return cls(cfg.latent_dim, cfg.prior_components)

    def forward(self, encode: Callable[[torch.Tensor], object] | None = None) -> MixtureSameFamily:
        return gaussian_mixture(self.means, self.log_scales.clamp(-7, 5).exp(), self.logits)
