"""The latent discretisation of BB-ANS (Townsend, Bird & Barber 2019, section 3): each latent dimension is cut into
K = 2^P buckets of equal mass under the standard normal prior, and a bucket stands for its centre in mass,

    edge_j = Phi^-1(j / K)  (j = 0..K, edge_0 = -inf, edge_K = +inf),     z_j = Phi^-1((j + 1/2) / K),

so the prior gives every bucket probability 1/K (P bits each, a uniform code), and the posterior
q(z|x) = N(mu, sigma^2) gives bucket j the mass Q_j = Phi((edge_{j+1} - mu) / sigma) - Phi((edge_j - mu) / sigma).
As P grows, log Q_j - log(1/K) tends to log q(z_j|x) - log p(z_j), so the code length tends to the -ELBO.

    buckets = LatentBuckets(bits=10)
    buckets.posterior_masses(mean, std)   # (n, 1024) float64, each row sums to 1
    buckets.centres[index]                # the z a bucket index stands for
"""

from __future__ import annotations

import torch


class LatentBuckets:
    """Equal-prior-mass buckets of one latent dimension (the same for every dimension), in float64."""

    def __init__(self, bits: int) -> None:
        self.bits = bits
        self.count = 2 ** bits
        grid = torch.arange(self.count + 1, dtype=torch.float64) / self.count
        self.edges = torch.special.ndtri(grid)                 # -inf, ..., +inf
        self.centres = torch.special.ndtri((torch.arange(self.count, dtype=torch.float64) + 0.5) / self.count)

    def posterior_masses(self, mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
        """(n, K) masses of the buckets under N(mean, std^2) for n = mean.numel() one-dimensional Gaussians.

        Computed in float64 from the same float32 network outputs on both sides, so compress and decompress
        hand the coder bit-identical tables. A bucket above the mean is the difference of two upper tails
        Phi(-t), one below it of two lower tails Phi(t): never 1 - (1 - tiny), which would cancel to 0."""
        mean = mean.reshape(-1, 1).to(torch.float64)
        std = std.reshape(-1, 1).to(torch.float64)
        t = (self.edges - mean) / std                          # (n, K + 1), -inf and +inf at the ends
        lower = torch.special.ndtr(t)
        upper = torch.special.ndtr(-t)
        above = t[:, :-1] >= 0                                 # the whole bucket lies above the mean
        return torch.where(above, upper[:, :-1] - upper[:, 1:], lower[:, 1:] - lower[:, :-1])
