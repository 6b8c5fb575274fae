"""Imputation by the encoder alone, for a model trained to fill in what it does not see (objective.corruption:
hide; VAEAC, Ivanov et al. 2019, with the encoder's q(z | x_obs) in the place of their prior network):

    z_1..z_k ~ q(z | x_obs)
    single imputation     x_miss = 1/k sum_j E[x_miss | z_j]          -> E_q(z|x_obs) E[x_miss | z]
    multiple imputation   j uniform, x_miss ~ p(x_miss | z_j)

Such a model's q(z | x_obs) was trained to explain the whole x from its visible part, so it is the model's
conditional. Importance weights p(x_obs | z) p(z) / q(z | x_obs) would pull the answer back to the joint model's
conditional, which a few thousand examples teach less well (BENCHMARKS.md, inpainting).
"""

from __future__ import annotations

import torch

from vaekit.core.errors import VaekitError
from vaekit.likelihoods.observed import unwrapped
from vaekit.tasks.imputation.partial import PartialBatch, posterior_draws


def encoder_impute(batch: PartialBatch, draws: int, k: int, iterations: int) -> torch.Tensor:
    """(draws, B, *shape): the single imputation (draws = 1) or `draws` draws of x_miss, each from its own z ~
    q(z | x_obs) (the observed entries are put back by the caller). `iterations` is unused (no chain here)."""
    model = batch.model
    if not model.encoder_mask:
        raise VaekitError("method encoder trusts q(z | x_obs) alone, which only a model of missing values reads "
                          "(train with --corruption hide or --missing model); use method importance")
    q = model.encode(batch.encoder_input())
    z, _ = posterior_draws(q, k if draws == 1 else draws, batch.x)             # (k or draws, B, d)
    px = unwrapped(model.decode(z))
    if draws == 1:
        return model.likelihood.weighted_mean(px, torch.full(z.shape[:2], 1.0 / k, device=z.device)).unsqueeze(0)
    return px.sample()
