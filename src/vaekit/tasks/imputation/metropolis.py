"""Imputation by Metropolis-within-Gibbs (Mattei and Frellsen 2018, "Leveraging the exact likelihood of deep
latent variable models"): a Gibbs sampler of p(z, x_miss | x_obs) whose z-move is a Metropolis-Hastings step
with the encoder as an independent proposal, so that the chain targets the exact conditional whatever q is:

    z' ~ q(z | x_t),   x_t = (x_obs, x_miss_t)
    accept with probability  min(1, [p(x_t | z') p(z') q(z_t | x_t)] / [p(x_t | z_t) p(z_t) q(z' | x_t)])
    x_miss_{t+1} ~ p(x_miss | z_{t+1})
"""

from __future__ import annotations

import torch

from vaekit.core.errors import VaekitError
from vaekit.tasks.imputation.chains import run_chains
from vaekit.tasks.imputation.partial import PartialBatch, posterior_draws


def metropolis_impute(batch: PartialBatch, draws: int, k: int, iterations: int) -> torch.Tensor:
    """(draws, B, *shape) after `iterations` Metropolis-within-Gibbs sweeps (see chains.run_chains)."""
    model = batch.model

    def step(completed: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        q = model.encode(completed)
        proposed, log_q_proposed = posterior_draws(q, 1, completed)
        current = z.reshape(-1, z.shape[-1])
        try:
            log_q_current = q.log_prob(current)
        except NotImplementedError:
            raise VaekitError(f"Metropolis-within-Gibbs needs the posterior's density at any z; "
                              f"{type(q).__name__} gives it only for its own draws: use method importance or "
                              "gibbs") from None
        prior = model.prior

        def log_joint(latent: torch.Tensor) -> torch.Tensor:
            return model.decode(latent).log_prob(completed) + prior.log_prob(latent)

        log_ratio = (log_joint(proposed[0]) - log_q_proposed[0]) - (log_joint(current) - log_q_current)
        accept = torch.rand_like(log_ratio).log() < log_ratio
        return torch.where(accept.unsqueeze(-1), proposed[0], current).reshape(z.shape)

    return run_chains(batch, draws, k, iterations, step)
