"""Likelihoods read from one logit per data element (Bernoulli, continuous Bernoulli)."""

from __future__ import annotations

import torch
from torch.distributions import Distribution, Independent, constraints

from vaekit.config import ModelConfig
from vaekit.likelihoods.base import Likelihood


class LogitLikelihood(Likelihood):
    """p(x|z) = prod_i D(x_i; logit_i) for a torch distribution class D that takes `logits=`; data in [0, 1]."""

    params_per_element = 1
    data_support = constraints.unit_interval
    distribution: type[Distribution]

    def __init__(self, data_shape: tuple[int, ...]) -> None:
        super().__init__()
        self.event_ndim = len(data_shape)

    @classmethod
    def from_config(cls, data_shape: tuple[int, ...], cfg: ModelConfig) -> LogitLikelihood:
        return cls(data_shape)

    def forward(self, params: torch.Tensor) -> Independent:
        logits = params.select(-1 - self.event_ndim, 0)
        return Independent(self.distribution(logits=logits, validate_args=False), self.event_ndim,
                           validate_args=False)
