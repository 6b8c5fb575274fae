"""Bernoulli likelihood on logits: binary cross-entropy in its fused, numerically stable form."""

from __future__ import annotations

import torch
from torch import nn
from torch.distributions import Bernoulli, Independent

from vaekit.registry import LIKELIHOODS


@LIKELIHOODS.register("bernoulli")
class BernoulliLikelihood(nn.Module):
    """p(x|z) = prod_i Bernoulli(x_i; sigmoid(logit_i)).

    Also used on grey levels in [0, 1], as the classic VAE does: log_prob is then -BCE(logits, x), which is not a
    normalised density for non-binary x (so validation of the {0, 1} support is switched off on purpose).
    """

    params_per_element = 1

    def __init__(self, data_shape: tuple[int, ...], scale_mode: str = "fixed", scale: float = 1.0) -> None:
        super().__init__()
        self.event_ndim = len(data_shape)

    def forward(self, params: torch.Tensor) -> Independent:
        logits = params.select(-1 - self.event_ndim, 0)
        return Independent(Bernoulli(logits=logits, validate_args=False), self.event_ndim, validate_args=False)
