"""Continuous Bernoulli likelihood (Loaiza-Ganem & Cunningham 2019): the normalised version of BCE on [0, 1]."""

from __future__ import annotations

import torch
from torch import nn
from torch.distributions import ContinuousBernoulli, Independent

from vaekit.registry import LIKELIHOODS


@LIKELIHOODS.register("continuous_bernoulli")
class ContinuousBernoulliLikelihood(nn.Module):
    """p(x|z) = prod_i CB(x_i; sigmoid(logit_i)), a proper density on [0, 1] (torch handles the unstable
    region near probability 1/2 with a Taylor expansion of the normaliser)."""

    params_per_element = 1

    def __init__(self, data_shape: tuple[int, ...], scale_mode: str = "fixed", scale: float = 1.0) -> None:
        super().__init__()
        self.event_ndim = len(data_shape)

    def forward(self, params: torch.Tensor) -> Independent:
        logits = params.select(-1 - self.event_ndim, 0)
        return Independent(ContinuousBernoulli(logits=logits, validate_args=False), self.event_ndim,
                           validate_args=False)
