"""InfoVAE / MMD-VAE (Zhao et al. 2017): the ELBO's terms plus a divergence between the aggregate posterior
q(z) and the prior, measured by MMD on samples, which keeps q(z) close to p(z) without forcing each q(z|x) to
the prior.

    loss = mean_x [distortion] + beta * rate penalty + mmd_weight * MMD(z ~ q(z), z ~ p(z))

In the paper's terms, beta = 1 - alpha and mmd_weight = alpha + lambda - 1; beta = 0 gives the MMD-VAE.
"""

from __future__ import annotations

import torch

from vaekit.config import ObjectiveConfig
from vaekit.core.registry import OBJECTIVES
from vaekit.core.tunable import Span
from vaekit.objectives.base import Objective
from vaekit.objectives.kl import kl_terms
from vaekit.objectives.mmd import mmd
from vaekit.objectives.output import ObjectiveOutput
from vaekit.objectives.penalties import rate_penalty
from vaekit.objectives.settings import RATE, SCHEDULE


@OBJECTIVES.register("info_vae")
class InfoVAE(Objective):
    """The MMD term is logged as `mmd`; distortion and rate are the ELBO's.

    >>> out = InfoVAE(ObjectiveConfig(name="info_vae", mmd_weight=100))(model, x)
    """

    honours = SCHEDULE | RATE | {"kl", "mmd_weight", "mmd_kernel"}
    per_example = False  # the MMD compares the batch's codes with the prior (training/distributed.py)
    # what `vaekit tune` may search (core/tunable.py)
    tunable = {"mmd_weight": Span(1, 1000, log=True)}

    def __init__(self, cfg: ObjectiveConfig, dataset_size: int | None = None) -> None:
        self.cfg = cfg

    def __call__(self, model: torch.nn.Module, x: torch.Tensor, beta: float = 1.0,
                 capacity: float = 0.0) -> ObjectiveOutput:
        q = model.encode(x)
        z = q.rsample()
        prior = model.prior
        distortion = -model.decode(z).log_prob(x)
        rate, kl_per_dim = kl_terms(q, prior, z, self.cfg.kl)
        # a batch of priors (a CVAE's p(z|y)) gives one draw per example; a single prior, len(z) draws
        draws = prior.sample() if prior.batch_shape else prior.sample((len(z),))
        divergence = mmd(z, draws, self.cfg.mmd_kernel)
        loss = (distortion.mean() + beta * rate_penalty(self.cfg, rate, kl_per_dim, z.shape[-1], capacity)
                + self.cfg.mmd_weight * divergence)
        return ObjectiveOutput(loss, distortion, rate, kl_per_dim, beta, extras={"mmd": divergence.detach()})
