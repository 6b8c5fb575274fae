"""Drawing z with a torch.Generator, declared by the distributions themselves (torch Distributions take none), so
that samples, seeded reconstructions and importance-weighted estimates repeat.

Every posterior distribution q(z|x) declares
    `reparameterize(noise) -> (z, log q(z|x))` for standard normal noise of shape (..., *batch_shape, d), and
    `rsample_seeded(sample_shape, generator) -> z`;
every prior distribution p(z) declares `rsample_seeded(sample_shape, generator) -> z`.

    q = model.encode(x)
    z = q.rsample_seeded(torch.Size(), torch.Generator().manual_seed(0))
    z, log_q = q.reparameterize(torch.randn(5, *q.batch_shape, *q.event_shape))   # 5 draws, scored

A new posterior or prior implements these on its distribution; nothing else asks what kind of distribution it is.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import torch
from torch.distributions import Distribution, Independent, Normal


@runtime_checkable
class SeededPrior(Protocol):
    def rsample_seeded(self, sample_shape: torch.Size, generator: torch.Generator | None = None) -> torch.Tensor:
        """Draws of shape sample_shape + batch_shape + event_shape; repeatable with a generator."""
        ...


@runtime_checkable
class SeededPosterior(SeededPrior, Protocol):
    def reparameterize(self, noise: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(z, log q(z|x)) for standard normal noise (..., *batch_shape, d): the reparameterization trick, scored
        without an inverse (a planar flow has none)."""
        ...


def standard_noise(distribution: Distribution, sample_shape: torch.Size, generator: torch.Generator | None,
                   like: torch.Tensor) -> torch.Tensor:
    """N(0, I) noise of shape sample_shape + batch_shape + event_shape, on like's device and in its dtype."""
    shape = torch.Size(sample_shape) + distribution.batch_shape + distribution.event_shape
    return torch.randn(shape, generator=generator, device=like.device, dtype=like.dtype)


class DiagonalNormal(Independent):
    """N(loc, diag(scale^2)) over the last axis: Independent(Normal(loc, scale), 1) that draws with a generator.

    >>> p = DiagonalNormal(Normal(torch.zeros(2), torch.ones(2), validate_args=False), 1, validate_args=False)
    >>> p.rsample_seeded(torch.Size([3]), torch.Generator().manual_seed(0)).shape
    torch.Size([3, 2])
    """

    def reparameterize(self, noise: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        z = self.base_dist.loc + self.base_dist.scale * noise
        return z, self.base_dist.log_prob(z).sum(-1)

    def rsample_seeded(self, sample_shape: torch.Size = torch.Size(), generator: torch.Generator | None = None
                       ) -> torch.Tensor:
        loc = self.base_dist.loc
        return loc + self.base_dist.scale * standard_noise(self, sample_shape, generator, loc)


def diagonal_normal(loc: torch.Tensor, scale: torch.Tensor) -> DiagonalNormal:
    """A batch of diagonal Gaussians over the last axis of loc and scale."""
    return DiagonalNormal(Normal(loc, scale, validate_args=False), 1, validate_args=False)
