"""The evidence lower bound, with a KL weight beta, free bits or a capacity target.

    -ELBO(x) = E_q[-log p(x|z)] + KL(q(z|x) || p(z)) = distortion + rate
"""

from __future__ import annotations

import torch

from vaekit.config import ObjectiveConfig
from vaekit.core.registry import OBJECTIVES
from vaekit.core.tunable import Span
from vaekit.objectives.base import Objective
from vaekit.objectives.kl import kl_terms
from vaekit.objectives.output import ObjectiveOutput
from vaekit.objectives.penalties import rate_penalty
from vaekit.objectives.settings import RATE, SCHEDULE


@OBJECTIVES.register("elbo")
class ELBO(Objective):
    """loss = mean_x distortion + beta * rate penalty (the mean KL, with free bits or a capacity target when set;
    see `rate_penalty`). With beta > 1 this is the beta-VAE (Higgins et al. 2017).

    >>> out = ELBO(ObjectiveConfig())(model, x, beta=1.0)
    >>> out.loss.backward(); out.distortion.shape == (x.shape[0],)
    """

    honours = SCHEDULE | RATE | {"kl"}  # the ObjectiveConfig fields it reads (see objectives/settings.py)
    per_example = True  # a batch mean of per-example terms: splits over processes (training/distributed.py)
    # what `vaekit tune` may search (core/tunable.py)
    tunable = {"warmup_epochs": Span(0, 10)}

    def __init__(self, cfg: ObjectiveConfig, dataset_size: int | None = None) -> None:
        self.cfg = cfg

    def __call__(self, model: torch.nn.Module, x: torch.Tensor, beta: float = 1.0,
                 capacity: float = 0.0) -> ObjectiveOutput:
        return self.bound(model, x, x, beta, capacity)

    def bound(self, model: torch.nn.Module, inputs: torch.Tensor, target: torch.Tensor, beta: float = 1.0,
              capacity: float = 0.0) -> ObjectiveOutput:
        """The terms with q(z|inputs) and p(target|z): the ELBO when both are x; the denoising bound when the
        encoder reads a corrupted copy (objectives/denoising.py)."""
        q = model.encode(inputs)
        z = q.rsample()
        distortion = -model.decode(z).log_prob(target)
        rate, kl_per_dim = kl_terms(q, model.prior, z, self.cfg.kl)
        penalty = rate_penalty(self.cfg, rate, kl_per_dim, z.shape[-1], capacity)
        return ObjectiveOutput(distortion.mean() + beta * penalty, distortion, rate, kl_per_dim, beta)
