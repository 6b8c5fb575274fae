"""What every imputation method shares: examples with missing (NaN) entries, checked, in batches, and the pieces of
p(x_obs | z) and q(z | x) they need.

    batch = PartialBatch.of(model, x)       # x (B, *shape), NaN where missing
    batch.encoder_input()                   # what q(z|x_obs) reads
    batch.log_px_observed(px)               # log p(x_obs | z) for decoded p(x|z) of shape (..., B, *shape)
    batch.complete(values)                  # x with its missing entries taken from values
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch.distributions import Distribution

from vaekit.core.errors import VaekitError
from vaekit.core.seeded import SeededPosterior, standard_noise
from vaekit.likelihoods.observed import ObservedEntries

# decoder outputs held at once per batch of examples (k draws each, floats): about 64 MB
BATCH_ELEMENTS = 16_000_000


@dataclass
class PartialBatch:
    """A batch x (B, *shape) on the model's device, its observed-entries mask, and the model (a CVAE bound to
    the batch's labels)."""

    model: torch.nn.Module
    x: torch.Tensor
    observed: torch.Tensor

    @classmethod
    def of(cls, model: torch.nn.Module, x: torch.Tensor) -> PartialBatch:
        return cls(model, x, ~torch.isnan(x))

    def encoder_input(self) -> torch.Tensor:
        """What the encoder reads: the data with NaN where missing, for a model of missing values (it sees the
        mask); for another model, the data with missing entries filled with the decoded mean at z = 0 (a
        complete-data encoder cannot read NaN; the importance weights or the chain correct the rough start)."""
        if self.model.encoder_mask:
            return self.x
        z = torch.zeros(self.model.latent_dim, dtype=self.x.dtype, device=self.x.device)
        return self.complete(self.model.decode(z.expand(len(self.x), -1)).mean)

    def log_px_observed(self, px: Distribution) -> torch.Tensor:
        """log p(x_obs | z): the observed entries' log-probabilities summed, shape (..., B)."""
        return (px if isinstance(px, ObservedEntries) else ObservedEntries(px)).log_prob(self.x)

    def complete(self, values: torch.Tensor) -> torch.Tensor:
        """x with its missing entries taken from `values` (broadcast over leading draw dimensions)."""
        return torch.where(self.observed, self.x, values)


def posterior_draws(q: Distribution, k: int, like: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(z, log q(z|x)) for k draws per example from the global random stream, shapes (k, B, d) and (k, B), as the
    posterior declares its reparameterization (a Gaussian's shift and scale, a flow's steps)."""
    if not isinstance(q, SeededPosterior):
        raise VaekitError(f"imputation needs a posterior that draws from noise; {type(q).__name__} does not")
    return q.reparameterize(standard_noise(q, torch.Size([k]), None, like))


def batch_size_for(model: torch.nn.Module, k: int, params: int = 1) -> int:
    """Examples per batch so that k decoded draws of each fit in BATCH_ELEMENTS floats."""
    elements = int(torch.tensor(model.data_shape).prod()) * max(1, params)
    return max(1, BATCH_ELEMENTS // (k * elements))
