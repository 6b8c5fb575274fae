"""The inference half of a ladder VAE (Sonderby et al. 2016): a bottom-up pass computes a Gaussian "message"
(mean_hat_i, sigma_hat_i) per layer from the encoder's features; a top-down pass merges each with the prior's
conditional p(z_i | z_{i+1}) by precision weighting,

    sigma_q^-2 = sigma_hat^-2 + sigma_p^-2,   mean_q = (mean_hat sigma_hat^-2 + mean_p sigma_p^-2) sigma_q^2,

so that q(z|x) = q(z_L|x) prod q(z_i | z_{i+1}, x) shares the generative model's top-down path. Works on any
encoder network's features (MLP or convolutional). The decoder reads the whole code [z_1, ..., z_L], a skip
from every layer (the paper decodes from z_1 alone).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.distributions import Distribution, Normal, constraints

from vaekit.config import ModelConfig
from vaekit.core.errors import ConfigError
from vaekit.core.registry import POSTERIORS
from vaekit.core.seeded import standard_noise
from vaekit.posteriors.base import Posterior
from vaekit.priors.ladder import GaussianLayer, LadderPrior, latent_layers


def _merge(mean_hat: torch.Tensor, scale_hat: torch.Tensor, mean_p: torch.Tensor, scale_p: torch.Tensor
           ) -> tuple[torch.Tensor, torch.Tensor]:
    precision_hat, precision_p = scale_hat.pow(-2), scale_p.pow(-2)
    variance = 1 / (precision_hat + precision_p)
    return (mean_hat * precision_hat + mean_p * precision_p) * variance, variance.sqrt()


class HierarchicalPosterior(Distribution):
    """q(z|x) of a ladder over the concatenated code; log_prob re-runs the top-down merge at the given z."""

    arg_constraints: dict = {}
    support = constraints.independent(constraints.real, 1)
    has_rsample = True

    def __init__(self, messages: list[tuple[torch.Tensor, torch.Tensor]], prior: LadderPrior) -> None:
        self.messages, self.prior = messages, prior
        batch = messages[0][0].shape[:-1]
        super().__init__(batch_shape=batch, event_shape=torch.Size([sum(prior.sizes)]), validate_args=False)

    def _layer(self, i: int, above: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        mean_hat, scale_hat = self.messages[i]
        if above is None:  # the top layer: the bottom-up message alone
            return mean_hat, scale_hat
        return _merge(mean_hat, scale_hat, *self.prior.conditional(i, above))

    def from_noise(self, noise: torch.Tensor) -> torch.Tensor:
        """z for standard normal noise (..., B, D): the reparameterization, top layer first."""
        chunks = noise.split(self.prior.sizes, dim=-1)
        parts: list[torch.Tensor] = []
        above = None
        for i in reversed(range(len(chunks))):
            mean, scale = self._layer(i, above)
            above = mean + scale * chunks[i]
            parts.insert(0, above)
        return torch.cat(parts, dim=-1)

    def rsample(self, sample_shape: torch.Size = torch.Size()) -> torch.Tensor:
        return self.rsample_seeded(sample_shape)

    def rsample_seeded(self, sample_shape: torch.Size = torch.Size(), generator: torch.Generator | None = None
                       ) -> torch.Tensor:
        return self.from_noise(standard_noise(self, sample_shape, generator, self.messages[0][0]))

    def reparameterize(self, noise: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        z = self.from_noise(noise)
        return z, self.log_prob(z)

    def log_prob(self, z: torch.Tensor) -> torch.Tensor:
        parts = z.split(self.prior.sizes, dim=-1)
        total = 0
        for i in range(len(parts)):
            above = parts[i + 1] if i + 1 < len(parts) else None
            mean, scale = self._layer(i, above)
            total = total + Normal(mean, scale).log_prob(parts[i]).sum(-1)
        return total

    @property
    def mean(self) -> torch.Tensor:
        """The top-down pass with every layer at its mean: a representative code, not the expectation of q."""
        return self.from_noise(torch.zeros(*self.batch_shape, *self.event_shape, device=self.messages[0][0].device,
                                           dtype=self.messages[0][0].dtype))


@POSTERIORS.register("ladder")
class LadderPosterior(Posterior):
    """Bottom-up deterministic layers on the encoder's features, one Gaussian message per stochastic layer;
    needs the ladder prior, whose top-down path it shares (VAE.encode passes it).

    >>> model = build_model(ModelConfig(posterior="ladder", prior="ladder", latent_layers=[10, 10],
    ...                                 latent_dim=20), (1, 28, 28))
    """

    reads = frozenset({"latent_layers"})  # the ModelConfig settings it reads
    prior = "ladder"  # the top-down path is the ladder prior's

    needs_prior = True

    def __init__(self, feature_dim: int, sizes: list[int], hidden: int = 128) -> None:
        super().__init__()
        self.sizes = list(sizes)
        self.bottom_up = nn.ModuleList()
        self.messages = nn.ModuleList()
        width = feature_dim
        for size in sizes:  # layer i's message comes from i + 1 deterministic steps above the features
            self.bottom_up.append(nn.Sequential(nn.Linear(width, hidden), nn.ELU()))
            self.messages.append(GaussianLayer(hidden, size, hidden))
            width = hidden

    @classmethod
    def from_config(cls, feature_dim: int, cfg: ModelConfig) -> LadderPosterior:
        return cls(feature_dim, latent_layers(cfg), cfg.hidden[-1])

    def forward(self, features: torch.Tensor, prior: nn.Module | None = None) -> HierarchicalPosterior:
        if not isinstance(prior, LadderPrior) or prior.sizes != self.sizes:
            raise ConfigError("the ladder posterior needs the ladder prior with the same latent_layers "
                              "(prior: ladder)")
        messages = []
        h = features
        for step, message in zip(self.bottom_up, self.messages):
            h = step(h)
            messages.append(message(h))
        return HierarchicalPosterior(messages, prior)
