"""Imputation by importance resampling (MIWAE, Mattei and Frellsen 2019):

    z_1..z_k ~ q(z | x_obs),   w_j ∝ p(x_obs | z_j) p(z_j) / q(z_j | x_obs),   sum_j w_j = 1
    single imputation     x_miss = sum_j w_j E[x_miss | z_j]          -> E[x_miss | x_obs] as k grows
    multiple imputation   j ~ Categorical(w), x_miss ~ p(x_miss | z_j)  (sampling importance resampling)

The weights make any proposal q right as k grows; a model trained on missing values (data.missing: model) has an
encoder that reads the mask, which makes q(z | x_obs) a good proposal and a small k enough.
"""

from __future__ import annotations

import torch

from vaekit.likelihoods.observed import unwrapped
from vaekit.tasks.imputation.partial import PartialBatch, posterior_draws


def importance_impute(batch: PartialBatch, draws: int, k: int, iterations: int) -> torch.Tensor:
    """(draws, B, *shape): the single imputation (draws = 1) or `draws` resampled draws of x_miss (the observed
    entries are put back by the caller). `iterations` is unused (no chain here)."""
    model = batch.model
    q = model.encode(batch.encoder_input())
    z, log_q = posterior_draws(q, k, batch.x)                                  # (k, B, d), (k, B)
    px = model.decode(z)
    log_w = batch.log_px_observed(px) + model.prior.log_prob(z) - log_q        # (k, B)
    weights = torch.softmax(log_w, dim=0)
    if draws == 1:
        return model.likelihood.weighted_mean(unwrapped(px), weights).unsqueeze(0)
    picked = torch.multinomial(weights.T, draws, replacement=True).T          # (draws, B): which z_j each draw takes
    z_picked = z.gather(0, picked.unsqueeze(-1).expand(draws, *z.shape[1:]))
    return unwrapped(model.decode(z_picked)).sample()
