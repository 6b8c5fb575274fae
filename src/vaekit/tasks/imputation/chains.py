"""Markov chains over (z, x_miss) that impute by alternating between the two, shared by pseudo-Gibbs and
Metropolis-within-Gibbs: c chains per example, run side by side as one batch of c * B completed examples."""

from __future__ import annotations

from collections.abc import Callable

import torch

from vaekit.likelihoods.observed import unwrapped
from vaekit.tasks.imputation.partial import PartialBatch, posterior_draws

# one move of the chains: (completed x (c*B, *shape), z (c, B, d)) -> the next z
Step = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def run_chains(batch: PartialBatch, draws: int, k: int, iterations: int, step: Step) -> torch.Tensor:
    """(draws, B, *shape). The chains start from z_0 ~ q(z | x_obs) and x_miss ~ p(x_miss | z_0); each iteration
    moves z with `step`, then draws x_miss ~ p(x_miss | z). For draws = 1, k chains run and the single imputation
    averages E[x_miss | z] over their last states (the most probable code of a table's categorical columns);
    otherwise `draws` chains run and each gives its last x_miss."""
    model = batch.model
    chains = k if draws == 1 else draws
    size = len(batch.x)
    repeated = PartialBatch.of(model, batch.x.repeat(chains, *[1] * (batch.x.dim() - 1)))
    z, _ = posterior_draws(model.encode(batch.encoder_input()), chains, batch.x)   # (c, B, d)
    completed = _redraw(repeated, model, z)
    for _ in range(iterations):
        z = step(completed, z)
        completed = _redraw(repeated, model, z)
    if draws > 1:
        return completed.reshape(chains, size, *batch.x.shape[1:])
    px = unwrapped(model.decode(z))
    uniform = torch.full((chains, size), 1.0 / chains, dtype=z.dtype, device=z.device)
    return model.likelihood.weighted_mean(px, uniform).unsqueeze(0)


def _redraw(repeated: PartialBatch, model: torch.nn.Module, z: torch.Tensor) -> torch.Tensor:
    """The completed examples (c*B, *shape) with x_miss ~ p(x_miss | z)."""
    sample = unwrapped(model.decode(z)).sample()
    return repeated.complete(sample.reshape(repeated.x.shape))
