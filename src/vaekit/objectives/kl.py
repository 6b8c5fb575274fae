"""KL(q || p): analytic where torch.distributions has a closed form, a Monte Carlo estimate otherwise."""

from __future__ import annotations

import torch
from torch.distributions import Distribution, Independent, kl_divergence

from vaekit.core.errors import ConfigError


def _factorised_bases(q: Distribution, p: Distribution) -> tuple[Distribution, Distribution] | None:
    """The per-dimension distributions when q and p are both Independent over the same single latent axis."""
    if isinstance(q, Independent) and isinstance(p, Independent) \
            and q.reinterpreted_batch_ndims == p.reinterpreted_batch_ndims == 1:
        return q.base_dist, p.base_dist
    return None


def kl_terms(q: Distribution, p: Distribution, z: torch.Tensor, mode: str = "auto"
             ) -> tuple[torch.Tensor, torch.Tensor | None]:
    """(rate (B,), kl_per_dim (B, d) or None) for a posterior q, a prior p and a sample z ~ q.

    mode "analytic" requires a registered closed form; "mc" uses log q(z) - log p(z) at the given z;
    "auto" takes the closed form when torch has one and falls back to Monte Carlo otherwise.
    """
    bases = _factorised_bases(q, p)
    if mode != "mc":
        try:
            if bases is not None:
                per_dim = kl_divergence(*bases)
                return per_dim.sum(-1), per_dim
            return kl_divergence(q, p), None
        except NotImplementedError:
            if mode == "analytic":
                raise ConfigError(f"no closed-form KL between {type(q).__name__} and {type(p).__name__}; "
                                  "use kl: mc or auto") from None
    if bases is not None:
        per_dim = bases[0].log_prob(z) - bases[1].log_prob(z)
        return per_dim.sum(-1), per_dim
    return q.log_prob(z) - p.log_prob(z), None
