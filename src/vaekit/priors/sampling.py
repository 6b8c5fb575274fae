"""Drawing z from a prior with a torch.Generator (torch Distributions take none), so samples repeat."""

from __future__ import annotations

import torch
from torch.distributions import Distribution, Independent, MixtureSameFamily, Normal

from vaekit.errors import VaekitError
from vaekit.priors.gaussian_mixture import DiagonalGaussianMixture
from vaekit.priors.ladder import HierarchicalPrior


def sample_prior(prior: Distribution, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """n draws (n, d) from a diagonal Gaussian, a mixture of diagonal Gaussians, or a prior that samples with a
    generator itself (the ladder's)."""
    if isinstance(prior, HierarchicalPrior):
        return prior.rsample(torch.Size([n]), generator=generator)
    if isinstance(prior, MixtureSameFamily):
        weights = prior.mixture_distribution.probs
        index = torch.multinomial(weights, n, replacement=True, generator=generator)
        components = prior.component_distribution.base_dist  # Normal with batch (K, d)
        loc, scale = components.loc[index], components.scale[index]
    else:
        base = prior.base_dist if isinstance(prior, Independent) else prior
        if not isinstance(base, Normal):
            raise VaekitError(f"cannot sample a {type(base).__name__} prior with a generator")
        loc, scale = base.loc.expand(n, -1), base.scale.expand(n, -1)
    eps = torch.randn(loc.shape, generator=generator, device=loc.device, dtype=loc.dtype)
    return loc + scale * eps


def gaussian_mixture(loc: torch.Tensor, scale: torch.Tensor, logits: torch.Tensor | None = None
                     ) -> MixtureSameFamily:
    """p(z) = sum_k w_k N(z; loc_k, diag(scale_k^2)) for loc, scale (K, d); equal weights without logits."""
    return DiagonalGaussianMixture(loc, scale, logits)
