"""Imputation by pseudo-Gibbs sampling (Rezende et al. 2014): alternate

    z ~ q(z | x_obs, x_miss),   x_miss ~ p(x_miss | z)

with the encoder in place of the intractable p(z | x). The chain's stationary distribution is p(x_miss | x_obs)
only when q is the exact posterior; Metropolis-within-Gibbs (metropolis.py) corrects for the difference.
"""

from __future__ import annotations

import torch

from vaekit.tasks.imputation.chains import run_chains
from vaekit.tasks.imputation.partial import PartialBatch, posterior_draws


def gibbs_impute(batch: PartialBatch, draws: int, k: int, iterations: int) -> torch.Tensor:
    """(draws, B, *shape) after `iterations` pseudo-Gibbs sweeps (see chains.run_chains)."""
    model = batch.model

    def step(completed: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        z_new, _ = posterior_draws(model.encode(completed), 1, completed)
        return z_new[0].reshape(z.shape)

    return run_chains(batch, draws, k, iterations, step)
