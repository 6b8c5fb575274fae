"""The generative half of a ladder VAE (Sonderby et al. 2016): a chain of stochastic layers, top to bottom,

    p(z) = p(z_L) prod_{i<L} p(z_i | z_{i+1}),   p(z_L) = N(0, I),   p(z_i | z_{i+1}) = N(mu_i(z_{i+1}), sigma_i^2)

over the concatenated code z = [z_1, ..., z_L] (bottom layer first), so the decoder and every objective see one
vector. The top-down networks live here; the ladder posterior borrows them for its precision-weighted merge.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.distributions import Distribution, Normal, constraints

from vaekit.config import ModelConfig
from vaekit.core.errors import ConfigError
from vaekit.core.registry import PRIORS
from vaekit.priors.base import Prior

LOG_VAR_MIN, LOG_VAR_MAX = -30.0, 20.0


def latent_layers(cfg: ModelConfig) -> list[int]:
    """The sizes of the stochastic layers, bottom first: cfg.latent_layers, or latent_dim split in two."""
    layers = list(cfg.latent_layers) or [cfg.latent_dim - cfg.latent_dim // 2, cfg.latent_dim // 2]
    if any(size < 1 for size in layers) or sum(layers) != cfg.latent_dim or len(layers) < 2:
        raise ConfigError(f"a ladder needs two or more latent layers of size >= 1 that add up to latent_dim "
                          f"({cfg.latent_dim}); got latent_layers {layers}")
    return layers


class GaussianLayer(nn.Module):
    """input -> (mean, scale) of a diagonal Gaussian over `size` dimensions, through one hidden layer."""

    def __init__(self, in_features: int, size: int, hidden: int) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(in_features, hidden), nn.ELU(), nn.Linear(hidden, 2 * size))

    def forward(self, inputs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mean, log_var = self.net(inputs).chunk(2, dim=-1)
        return mean, torch.exp(0.5 * log_var.clamp(LOG_VAR_MIN, LOG_VAR_MAX))


class HierarchicalPrior(Distribution):
    """p(z) of a ladder as one Distribution over the concatenated code, event shape (sum of layer sizes,)."""

    arg_constraints: dict = {}
    support = constraints.independent(constraints.real, 1)
    has_rsample = True

    def __init__(self, module: LadderPrior) -> None:
        self.module = module
        super().__init__(event_shape=torch.Size([sum(module.sizes)]), validate_args=False)

    def log_prob(self, z: torch.Tensor) -> torch.Tensor:
        parts = z.split(self.module.sizes, dim=-1)
        total = Normal(0.0, 1.0).log_prob(parts[-1]).sum(-1)
        for i in range(len(parts) - 1):
            mean, scale = self.module.conditional(i, parts[i + 1])
            total = total + Normal(mean, scale).log_prob(parts[i]).sum(-1)
        return total

    def rsample(self, sample_shape: torch.Size = torch.Size(), generator: torch.Generator | None = None
                ) -> torch.Tensor:
        """Ancestral sampling from the top layer down; repeatable with a generator."""
        reference = self.module.anchor
        sizes = self.module.sizes

        def noise(size: int) -> torch.Tensor:
            return torch.randn(*sample_shape, size, generator=generator, device=reference.device,
                               dtype=reference.dtype)

        parts = [noise(sizes[-1])]
        for i in reversed(range(len(sizes) - 1)):
            mean, scale = self.module.conditional(i, parts[0])
            parts.insert(0, mean + scale * noise(sizes[i]))
        return torch.cat(parts, dim=-1)

    def rsample_seeded(self, sample_shape: torch.Size = torch.Size(), generator: torch.Generator | None = None
                       ) -> torch.Tensor:
        return self.rsample(sample_shape, generator)

    def sample(self, sample_shape: torch.Size = torch.Size()) -> torch.Tensor:
        with torch.no_grad():
            return self.rsample(sample_shape)


@PRIORS.register("ladder")
class LadderPrior(Prior):
    """The top-down path: one small network per layer below the top, z_{i+1} -> (mean, scale) of z_i.

    >>> prior = LadderPrior([10, 10], hidden=64)
    >>> prior().log_prob(torch.zeros(3, 20)).shape
    torch.Size([3])
    """

    reads = frozenset({"latent_layers"})  # the ModelConfig settings it reads
    posterior = "ladder"  # its top-down pass is shared with the ladder posterior

    cluster_variable = False  # no categorical latent (see priors/mixture.py)

    def __init__(self, sizes: list[int], hidden: int = 128) -> None:
        super().__init__()
        self.sizes = list(sizes)
        self.top_down = nn.ModuleList(GaussianLayer(sizes[i + 1], sizes[i], hidden) for i in range(len(sizes) - 1))
        self.register_buffer("anchor", torch.zeros(()), persistent=False)  # the device and dtype of samples

    @classmethod
    def from_config(cls, cfg: ModelConfig, data_shape: tuple[int, ...]) -> LadderPrior:
        return cls(latent_layers(cfg), cfg.hidden[-1])

    def conditional(self, layer: int, above: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(mean, scale) of p(z_layer | z_{layer+1} = above)."""
        return self.top_down[layer](above)

    def forward(self, encode: object = None) -> HierarchicalPrior:
        return HierarchicalPrior(self)
