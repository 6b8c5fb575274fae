"""How the rate enters a loss: weighted KL with free bits, or the distance to a capacity target."""

from __future__ import annotations

import torch

from vaekit.config import ObjectiveConfig


def rate_penalty(cfg: ObjectiveConfig, rate: torch.Tensor, kl_per_dim: torch.Tensor | None, latent_dim: int,
                 capacity: float = 0.0) -> torch.Tensor:
    """The scalar that beta multiplies in the loss.

    capacity (Burgess et al. 2018, on when cfg.capacity > 0): |mean KL - C|, so the rate is pulled toward the
    current target C instead of toward 0. Free bits (Kingma et al. 2016, cfg.free_bits > 0): each latent
    dimension's batch-mean KL counts as at least free_bits nats, so the optimiser gains nothing by pushing it
    lower (when the KL does not split by dimension, the whole rate counts as at least latent_dim * free_bits).
    Otherwise: the mean KL.
    """
    if cfg.capacity > 0:
        return (rate.mean() - capacity).abs()
    if cfg.free_bits > 0:
        if kl_per_dim is None:
            return rate.mean().clamp(min=cfg.free_bits * latent_dim)
        return kl_per_dim.mean(0).clamp(min=cfg.free_bits).sum()
    return rate.mean()
