"""Continuous Bernoulli likelihood (Loaiza-Ganem & Cunningham 2019): the normalised version of BCE on [0, 1]."""

from __future__ import annotations

from torch.distributions import ContinuousBernoulli

from vaekit.core.registry import LIKELIHOODS
from vaekit.likelihoods.logits import LogitLikelihood


@LIKELIHOODS.register("continuous_bernoulli")
class ContinuousBernoulliLikelihood(LogitLikelihood):
    """p(x|z) = prod_i CB(x_i; sigmoid(logit_i)), a proper density on [0, 1] (torch handles the unstable
    region near probability 1/2 with a Taylor expansion of the normaliser)."""

    distribution = ContinuousBernoulli
