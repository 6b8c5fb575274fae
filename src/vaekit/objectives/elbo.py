"""The evidence lower bound, with a KL weight beta and optional free bits.

    -ELBO(x) = E_q[-log p(x|z)] + KL(q(z|x) || p(z)) = distortion + rate
"""

from __future__ import annotations

import torch

from vaekit.config import ObjectiveConfig
from vaekit.objectives.kl import kl_terms
from vaekit.objectives.output import ObjectiveOutput
from vaekit.registry import OBJECTIVES


@OBJECTIVES.register("elbo")
class ELBO:
    """loss = mean_x [distortion + beta * rate], rate with free bits (Kingma et al. 2016) when free_bits > 0:
    each latent dimension's batch-mean KL is counted as at least `free_bits` nats, so the optimiser gains nothing
    by pushing it lower.

    >>> out = ELBO(ObjectiveConfig())(model, x, beta=1.0)
    >>> out.loss.backward(); out.distortion.shape == (x.shape[0],)
    """

    def __init__(self, cfg: ObjectiveConfig) -> None:
        self.free_bits = cfg.free_bits
        self.kl_mode = cfg.kl

    def __call__(self, model: torch.nn.Module, x: torch.Tensor, beta: float = 1.0) -> ObjectiveOutput:
        q = model.encode(x)
        z = q.rsample()
        distortion = -model.decode(z).log_prob(x)
        rate, kl_per_dim = kl_terms(q, model.prior, z, self.kl_mode)
        if self.free_bits > 0:
            per_dim = kl_per_dim if kl_per_dim is not None else rate[:, None]
            bits = self.free_bits * (1 if kl_per_dim is not None else z.shape[-1])
            penalised = per_dim.mean(0).clamp(min=bits).sum()
        else:
            penalised = rate.mean()
        loss = distortion.mean() + beta * penalised
        return ObjectiveOutput(loss, distortion, rate, kl_per_dim, beta)
