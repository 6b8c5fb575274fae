"""Drawing z from a prior with a torch.Generator (torch Distributions take none), so samples repeat."""

from __future__ import annotations

import torch
from torch.distributions import Distribution, MixtureSameFamily

from vaekit.core.errors import VaekitError
from vaekit.core.seeded import SeededPrior
from vaekit.priors.gaussian_mixture import DiagonalGaussianMixture


def sample_prior(prior: Distribution, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """n draws (n, d) from a prior, repeatable with a generator: every prior distribution draws with one itself
    (vaekit.core.seeded)."""
    if not isinstance(prior, SeededPrior):
        raise VaekitError(f"cannot sample a {type(prior).__name__} prior with a generator (it has no rsample_seeded)")
    return prior.rsample_seeded(torch.Size([n]), generator)


def gaussian_mixture(loc: torch.Tensor, scale: torch.Tensor, logits: torch.Tensor | None = None
                     ) -> MixtureSameFamily:
    """p(z) = sum_k w_k N(z; loc_k, diag(scale_k^2)) for loc, scale (K, d); equal weights without logits."""
    return DiagonalGaussianMixture(loc, scale, logits)
