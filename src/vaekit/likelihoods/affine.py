"""A likelihood learned on standardized data, expressed in the data's own units.

Tables come with columns in any units (a wine's proline is near 1000, its hue near 1). The networks see
standardized values x' = (x - shift) / scale; the likelihood is pushed back through x = shift + scale * x', so
log p(x|z) includes the Jacobian term -sum(log scale) and every reported number is in nats of the original data.
"""

from __future__ import annotations

import torch
from torch.distributions import AffineTransform, Distribution, TransformedDistribution

from vaekit.likelihoods.observed import entry_log_prob


class AffineDistribution(TransformedDistribution):
    """shift + scale * X for X ~ base, over the base's event dimensions, with mean, stddev and variance available."""

    def __init__(self, base: Distribution, shift: torch.Tensor, scale: torch.Tensor) -> None:
        transform = AffineTransform(shift, scale, event_dim=len(base.event_shape))
        super().__init__(base, transform, validate_args=False)
        self.shift, self.scale = shift, scale

    def entry_log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log p(x_i|z) of each entry in the data's units: the base's entry at (x_i - shift_i) / scale_i, minus
        log scale_i (its share of the Jacobian)."""
        return entry_log_prob(self.base_dist, (x - self.shift) / self.scale) - self.scale.log()

    def entry_log_scale(self) -> torch.Tensor:
        """log scale_i of each entry: its Jacobian term, the same for every example (score maps leave it out)."""
        return self.scale.log()

    @property
    def mean(self) -> torch.Tensor:
        return self.shift + self.scale * self.base_dist.mean

    @property
    def stddev(self) -> torch.Tensor:
        return self.scale * self.base_dist.stddev

    @property
    def variance(self) -> torch.Tensor:
        return self.scale**2 * self.base_dist.variance
