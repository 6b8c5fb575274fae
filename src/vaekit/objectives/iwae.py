"""The importance-weighted objective (IWAE, Burda et al. 2015): a tighter bound from k posterior samples.

    IW_k(x) = log (1/k) sum_i p(x|z_i) p(z_i)^beta' / q(z_i|x)^beta',   z_i ~ q(z|x)

With beta = 1 this is the bound of the paper; IW_1 is the ELBO with a Monte Carlo KL, and IW_k rises toward
log p(x) as k grows.
"""

from __future__ import annotations

import math

import torch
from torch.distributions import Independent

from vaekit.config import ObjectiveConfig
from vaekit.core.registry import OBJECTIVES
from vaekit.core.tunable import Span
from vaekit.objectives.base import Objective
from vaekit.objectives.kl import kl_terms
from vaekit.objectives.output import ObjectiveOutput
from vaekit.objectives.settings import SCHEDULE


@OBJECTIVES.register("iwae")
class IWAE(Objective):
    """loss = -mean_x IW_k(x), k = cfg.iw_samples; beta weighs log p(z) - log q(z|x) inside the weights.
    Logged distortion and rate are those of the first sample (an ELBO, comparable with other objectives); the
    bound itself is logged as `iw_bound` (nats, the negative of the loss at beta = 1).

    >>> out = IWAE(ObjectiveConfig(name="iwae", iw_samples=5))(model, x)
    """

    # beta weighs log p(z) - log q(z|x) inside the weights; free bits and a capacity act on a KL term, which the
    # bound does not have (kl only chooses how the logged rate is computed)
    honours = SCHEDULE | {"kl", "iw_samples"}
    draws_setting = "iw_samples"  # k decoder outputs per example: the memory check counts them
    own_bound = "IW bound"  # what training improves; its ELBO (the first sample's) may fall while the bound rises
    per_example = True  # a batch mean of per-example terms: splits over processes (training/distributed.py)
    # what `vaekit tune` may search (core/tunable.py)
    tunable = {"iw_samples": Span(2, 20, integer=True)}

    def __init__(self, cfg: ObjectiveConfig, dataset_size: int | None = None) -> None:
        self.cfg = cfg

    def __call__(self, model: torch.nn.Module, x: torch.Tensor, beta: float = 1.0,
                 capacity: float = 0.0) -> ObjectiveOutput:
        k = self.cfg.iw_samples
        q = model.encode(x)
        prior = model.prior                                  # once: a VampPrior runs the encoder to make it
        z = q.rsample((k,))                                  # (k, B, d)
        log_px = model.decode(z).log_prob(x)                 # (k, B): p(x|z) broadcasts over the samples
        log_ratio = prior.log_prob(z) - q.log_prob(z)        # (k, B): minus the one-sample KL estimates
        bound = torch.logsumexp(log_px + beta * log_ratio, dim=0) - math.log(k)
        if isinstance(q, Independent):  # closed form where torch has one
            rate, kl_per_dim = kl_terms(q, prior, z[0], self.cfg.kl)
        else:  # flows and ladders score only the samples they drew: the first sample's estimate
            rate, kl_per_dim = -log_ratio[0], None
        return ObjectiveOutput(-bound.mean(), -log_px[0], rate, kl_per_dim, beta,
                               extras={"iw_bound": bound.detach().mean()})
