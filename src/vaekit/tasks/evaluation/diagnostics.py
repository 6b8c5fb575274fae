"""Latent-space diagnostics: which dimensions the model uses, and how much information each carries."""

from __future__ import annotations

import torch

from vaekit.model.vae import VAE, rsample
from vaekit.objectives.kl import kl_terms

# Burda et al. (2015): a unit is active when the variance over the data of its posterior mean exceeds 0.01
ACTIVE_THRESHOLD = 0.01


@torch.no_grad()
def latent_statistics(model: VAE, x: torch.Tensor, batch_size: int = 1000, seed: int = 0,
                      y: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
    """Posterior means (N, d), their variance over the data per dimension, and the mean KL per dimension
    (empty when the prior does not factorise over dimensions, as a mixture or the VampPrior)."""
    generator = torch.Generator(device=model.device).manual_seed(seed)
    means, kl_sums, split = [], torch.zeros(model.latent_dim, dtype=torch.float64), True
    for start in range(0, len(x), batch_size):
        bound = model.given(None if y is None else y[start:start + batch_size].to(model.device))
        q = bound.encode(x[start:start + batch_size].to(model.device))
        rate, per_dim = kl_terms(q, bound.prior, rsample(q, generator))
        means.append(q.mean.cpu())
        if per_dim is not None:
            kl_sums += per_dim.sum(0).cpu().double()
        split = split and per_dim is not None
    means_all = torch.cat(means)
    kl_per_dim = kl_sums / len(x) if split else torch.zeros(0, dtype=torch.float64)
    return {"means": means_all, "mean_variance": code_variance(means_all), "kl_per_dim": kl_per_dim}


def code_variance(means: torch.Tensor) -> torch.Tensor:
    """The variance over the data (N, d) of each posterior mean, in float64; zeros for a single example, which
    has no variance to measure (so no unit counts as active) rather than NaN."""
    codes = means.double()
    return codes.var(0) if len(codes) > 1 else torch.zeros(codes.shape[1], dtype=codes.dtype, device=codes.device)


def active_units(mean_variance: torch.Tensor, threshold: float = ACTIVE_THRESHOLD) -> int:
    return int((mean_variance > threshold).sum())
