"""What every objective returns: the scalar to minimise and the per-example terms to log."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch


@dataclass
class ObjectiveOutput:
    """Per-example terms in nats (summed over data or latent dimensions) and the loss the optimiser minimises.

    loss:        scalar, mean over the batch of distortion + beta * rate (with free bits, if set, applied
                 to the batch-mean KL of each latent dimension)
    distortion:  (B,) -log p(x|z) for one z ~ q(z|x)
    rate:        (B,) KL(q(z|x) || p(z)), analytic or a one-sample Monte Carlo estimate
    kl_per_dim:  (B, d) the rate split by latent dimension, when the posterior and prior factorise
    beta:        the KL weight used for this loss
    extras:      further batch-mean terms an objective reports (nats), logged as train_<name>: the
                 importance-weighted bound of iwae, beta-TCVAE's decomposition of the KL, info_vae's MMD
    """

    loss: torch.Tensor
    distortion: torch.Tensor
    rate: torch.Tensor
    kl_per_dim: torch.Tensor | None
    beta: float
    extras: dict[str, torch.Tensor] = field(default_factory=dict)

    @property
    def negative_elbo(self) -> torch.Tensor:
        """(B,) -ELBO = distortion + rate, an upper bound on -log p(x) (whatever beta was)."""
        return self.distortion + self.rate
