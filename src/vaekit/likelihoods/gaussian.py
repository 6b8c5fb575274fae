"""Gaussian likelihood with a fixed, a learned global, or a learned per-dimension standard deviation."""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.distributions import Independent, Laplace, Normal

from vaekit.config import ModelConfig
from vaekit.core.registry import LIKELIHOODS
from vaekit.core.tunable import Options
from vaekit.likelihoods.base import Likelihood

# A learned scale that shrinks toward 0 on data with constant pixels would drive log_prob to +inf; a floor of
# exp(-7) ~ 1e-3 (far below one grey level, 1/255) keeps the density finite.
MIN_LOG_SCALE = -7.0


@LIKELIHOODS.register("gaussian")
class GaussianLikelihood(Likelihood):
    """p(x|z) = N(x; mean(z), sigma^2) with sigma fixed (`scale_mode="fixed"`), one learned number ("global")
    or one learned number per data dimension ("per_dim"); `scale` is the fixed or initial sigma.

    With a fixed sigma = 1, -log p(x|z) = 0.5 * ||x - mean||^2 + (D / 2) log(2 pi): squared error plus a constant.
    """

    reads = frozenset({"gaussian_scale", "fixed_scale"})  # the ModelConfig settings it reads
    # what `vaekit tune` may search (core/tunable.py)
    tunable = {"gaussian_scale": Options("global", "per_dim")}

    params_per_element = 1
    location_scale = True  # data on any scale: standardize may apply

    def __init__(self, data_shape: tuple[int, ...], scale_mode: str = "per_dim", scale: float = 1.0) -> None:
        super().__init__()
        self.event_ndim = len(data_shape)
        self.scale_mode = scale_mode
        initial = torch.full(data_shape if scale_mode == "per_dim" else (), math.log(scale))
        if scale_mode == "fixed":
            self.register_buffer("log_scale", initial)
        else:
            self.log_scale = nn.Parameter(initial)

    @classmethod
    def from_config(cls, data_shape: tuple[int, ...], cfg: ModelConfig) -> GaussianLikelihood:
        return cls(data_shape, cfg.gaussian_scale, cfg.fixed_scale)

    family: type = Normal  # a location-scale family of torch.distributions; Laplace below shares everything else

    def forward(self, params: torch.Tensor) -> Independent:
        mean = params.select(-1 - self.event_ndim, 0)
        scale = self.log_scale.clamp(min=MIN_LOG_SCALE).exp().expand_as(mean)
        return Independent(self.family(mean, scale, validate_args=False), self.event_ndim, validate_args=False)


@LIKELIHOODS.register("laplace")
class LaplaceLikelihood(GaussianLikelihood):
    """p(x|z) = Laplace(x; location(z), b) with b fixed, global or per dimension, as for the Gaussian: heavier
    tails, and -log p(x|z) grows with |x - location| (an L1 reconstruction error) instead of its square."""

    family = Laplace
