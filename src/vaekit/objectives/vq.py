"""The VQ-VAE objective (van den Oord et al. 2017), with the codebook moved by moving averages (so the paper's
codebook term ||sg(z_e) - e||^2 is not in the loss: posteriors/vector_quantized.py updates the codes itself).

    loss = mean_x [ -log p(x | z_q) + commitment * ||z_e - sg(z_q)||^2 ]

The rate KL(q(k|x) || p(k)) is M log K under the uniform prior, a constant: it is logged (and enters the -ELBO)
but has no gradient, so a KL weight beta, its warm-up or cyclical schedule, free bits and a capacity target would
change nothing; they are refused when set (objectives/settings.py).
"""

from __future__ import annotations

import torch

from vaekit.config import ObjectiveConfig
from vaekit.core.errors import ConfigError
from vaekit.core.registry import OBJECTIVES
from vaekit.core.tunable import Span
from vaekit.objectives.base import Objective
from vaekit.objectives.kl import kl_terms
from vaekit.objectives.output import ObjectiveOutput
from vaekit.posteriors.vector_quantized import QuantizedCode


@OBJECTIVES.register("vq")
class VQObjective(Objective):
    """The commitment term is logged as `commitment` (nats-free: squared distance times the weight).

    >>> out = VQObjective(ObjectiveConfig(name="vq"))(model, x)   # model: posterior vq, prior codes
    >>> out.rate   # M log K for each example
    """

    honours = frozenset({"kl"})  # the rate is a constant: no beta, schedule, free bits or capacity to act on
    per_example = True  # a batch mean of per-example terms (the EMA statistics are each process's own)
    # what `vaekit tune` may search (core/tunable.py)
    tunable = {"commitment": Span(0.1, 1, log=True)}

    def __init__(self, cfg: ObjectiveConfig, dataset_size: int | None = None) -> None:
        self.cfg = cfg

    def __call__(self, model: torch.nn.Module, x: torch.Tensor, beta: float = 1.0,
                 capacity: float = 0.0) -> ObjectiveOutput:
        q = model.encode(x)
        if not isinstance(q, QuantizedCode):
            raise ConfigError("the vq objective trains a VQ-VAE: use it with --posterior vq --prior codes")
        z = q.rsample()
        distortion = -model.decode(z).log_prob(x)
        rate, kl_per_dim = kl_terms(q, model.prior, z, self.cfg.kl)
        commitment = q.commitment_loss
        return ObjectiveOutput(distortion.mean() + commitment.mean(), distortion, rate, kl_per_dim, beta,
                               extras={"commitment": commitment.detach().mean()})
