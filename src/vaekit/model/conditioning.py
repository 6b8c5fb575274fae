"""The conditional VAE (Sohn et al. 2015): a class label y conditions the encoder, the decoder and, optionally,
the prior,

    q(z | x, y),   p(x | z, y),   p(z | y) = N(mean_y, diag(scale_y^2))  (or the unconditional prior)

The label enters as a one-hot vector appended to the encoder's features and to z before the decoder; a learned
per-class mean and scale make the conditional prior. `model.given(y)` binds a batch's labels and returns a view
with the VAE's own interface (encode, decode, prior), so every objective and estimator works on a CVAE as it is.

    view = model.given(labels)        # labels: (B,) int64
    out = ELBO(cfg)(view, x)          # q(z|x, y), p(x|z, y), p(z|y)
    images = model.sample(16, labels=torch.full((16,), 3))
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.distributions import Distribution, Independent

from vaekit.core.errors import VaekitError
from vaekit.core.seeded import diagonal_normal
from vaekit.priors.sampling import gaussian_mixture


class LabelConditioning(nn.Module):
    """One-hot codes of labels and, with `conditional_prior`, the learned per-class prior (starting at N(0, I))."""

    def __init__(self, num_classes: int, latent_dim: int, conditional_prior: bool, in_decoder: bool = True) -> None:
        super().__init__()
        self.num_classes = num_classes
        self.in_decoder = in_decoder  # whether p(x|z, y) reads y (a GMVAE's decoder does not)
        self.prior_table = nn.Embedding(num_classes, 2 * latent_dim) if conditional_prior else None
        if self.prior_table is not None:
            nn.init.zeros_(self.prior_table.weight)

    def one_hot(self, y: torch.Tensor | None, like: torch.Tensor) -> torch.Tensor:
        """(..., B, C) one-hot codes matching `like`'s leading dims (..., B, ·); an error without labels."""
        if y is None:
            raise VaekitError("this model is conditional (a CVAE): give the class labels too (--label on the "
                              "command line)")
        y = y.to(like.device).long()
        # checked outside training only: the check reads the device, and training labels come from the data set
        if not self.training and bool(((y < 0) | (y >= self.num_classes)).any()):
            raise VaekitError(f"labels must be between 0 and {self.num_classes - 1}, got {y.min()}..{y.max()}")
        codes = F.one_hot(y, self.num_classes).to(like.dtype)
        return codes.expand(*like.shape[:-1], self.num_classes)

    def prior(self, y: torch.Tensor, like: torch.Tensor) -> Independent:
        """p(z | y) for labels (B,), a batch of diagonal Gaussians."""
        mean, log_scale = self.prior_table(y.to(like.device).long()).chunk(2, dim=-1)
        return diagonal_normal(mean, log_scale.clamp(-7, 5).exp())

    def mixture(self, like: torch.Tensor) -> Distribution:
        """sum_y p(y) p(z|y) with equal weights p(y) = 1/K: the marginal prior of a GMVAE."""
        mean, log_scale = self.prior_table.weight.to(like.device).chunk(2, dim=-1)
        return gaussian_mixture(mean, log_scale.clamp(-7, 5).exp())


class ConditionedVAE:
    """A VAE with a batch of labels bound: encode, decode and prior take them; everything else is the model's."""

    def __init__(self, model: nn.Module, y: torch.Tensor) -> None:
        self.model, self.y = model, y

    def encode(self, x: torch.Tensor) -> Distribution:
        return self.model.encode(x, self.y)

    def decode(self, z: torch.Tensor) -> Distribution:
        return self.model.decode(z, self.y)

    @property
    def prior(self) -> Distribution:
        return self.model.prior_given(self.y)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.model, name)
