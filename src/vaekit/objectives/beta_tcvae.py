"""beta-TCVAE (Chen et al. 2018): the KL split into index-code mutual information, total correlation and
dimension-wise KL, each with its own weight, estimated by minibatch-weighted sampling.

    E_x KL(q(z|x) || p(z)) = I_q(x; z) + KL(q(z) || prod_j q(z_j)) + sum_j KL(q(z_j) || p(z_j))
                             index-code MI   total correlation          dimension-wise KL

For each z_i ~ q(z|x_i) in a batch of M drawn from N examples, the aggregate posterior q(z) = (1/N) sum_n q(z|x_n)
is estimated from the batch, and likewise per dimension for q(z_ij):

- "mws", minibatch-weighted sampling as the paper prints it: log q(z_i) ~ logsumexp_m log q(z_i|x_m) - log(N M).
  It trains as in the paper, but its values are biased: between -log N (broad posteriors) and -log M (narrow
  ones) off log q(z), so the logged MI is too high and the TC too high by up to (d - 1) log N.
- "stratified": the own example x_i weighs 1/N, each of the M - 1 others (N - 1) / (N (M - 1)), an unbiased
  estimate of q(z_i) when the batch is a uniform draw; its logged terms are close to the true ones.

Either way the three per-example terms add up to log q(z_i|x_i) - log p(z_i), the one-sample estimate of the
KL, exactly.
"""

from __future__ import annotations

import math

import torch
from torch.distributions import Independent, Normal

from vaekit.config import ObjectiveConfig
from vaekit.core.errors import ConfigError
from vaekit.core.registry import OBJECTIVES
from vaekit.core.tunable import Span
from vaekit.objectives.base import Objective
from vaekit.objectives.kl import kl_terms
from vaekit.objectives.output import ObjectiveOutput
from vaekit.objectives.settings import SCHEDULE


def _log_weights(batch: int, dataset_size: int, estimator: str, like: torch.Tensor) -> torch.Tensor:
    """(B, B) log weight of q(z_i | x_m) in the estimate of q(z_i)."""
    if estimator == "mws":
        return torch.full((batch, batch), -math.log(dataset_size * batch), dtype=like.dtype, device=like.device)
    if estimator != "stratified":
        raise ConfigError(f"unknown total-correlation estimator {estimator!r}; choose mws or stratified")
    if batch == 1:
        return torch.zeros(1, 1, dtype=like.dtype, device=like.device)
    others = math.log(max(dataset_size - 1, 1) / (dataset_size * (batch - 1)))
    weights = torch.full((batch, batch), others, dtype=like.dtype, device=like.device)
    return weights.fill_diagonal_(-math.log(dataset_size))


def kl_decomposition(q: Independent, prior: torch.distributions.Distribution, z: torch.Tensor,
                     dataset_size: int, estimator: str = "stratified") -> dict[str, torch.Tensor]:
    """Per-example (B,) estimates of the three terms for z (B, d) ~ q (a batch of diagonal Gaussians)."""
    base = q.base_dist if isinstance(q, Independent) else None
    if not isinstance(base, Normal):
        raise ConfigError("beta_tcvae needs a diagonal Gaussian posterior")
    batch = z.shape[0]
    # log q(z_i | x_m) per dimension: (B_i, B_m, d)
    pairwise = Normal(base.loc.unsqueeze(0), base.scale.unsqueeze(0)).log_prob(z.unsqueeze(1))
    weights = _log_weights(batch, dataset_size, estimator, z)
    log_qz = torch.logsumexp(pairwise.sum(-1) + weights, dim=1)
    log_prod_qzj = torch.logsumexp(pairwise + weights.unsqueeze(-1), dim=1).sum(-1)
    log_qz_given_x = q.log_prob(z)
    return {"mutual_information": log_qz_given_x - log_qz, "total_correlation": log_qz - log_prod_qzj,
            "dimension_kl": log_prod_qzj - prior.log_prob(z)}


@OBJECTIVES.register("beta_tcvae")
class BetaTCVAE(Objective):
    """loss = mean_x [distortion + mi_weight * MI + beta * TC + dim_kl_weight * dimension-wise KL].
    The three terms are logged as mutual_information, total_correlation and dimension_kl (nats); the logged
    rate is the usual KL, so the -ELBO stays comparable with other objectives.

    >>> out = BetaTCVAE(ObjectiveConfig(name="beta_tcvae", beta=6), dataset_size=60000)(model, x, beta=6)
    """

    # beta weighs the total correlation; the KL is split in three weighted terms, so free bits and a capacity (which
    # act on the whole KL) have no one meaning here (kl only chooses how the logged rate is computed)
    honours = SCHEDULE | {"kl", "mi_weight", "dim_kl_weight", "tc_estimator"}
    # not a mean of per-example terms (training/distributed.py): each example's q(z) estimate reads the batch
    per_example = False
    # what `vaekit tune` may search (core/tunable.py)
    tunable = {"beta": Span(1, 10, log=True)}

    def __init__(self, cfg: ObjectiveConfig, dataset_size: int | None = None) -> None:
        if dataset_size is None or dataset_size < 1:
            raise ConfigError("beta_tcvae needs the training set size (minibatch-weighted sampling)")
        self.cfg = cfg
        self.dataset_size = dataset_size

    def __call__(self, model: torch.nn.Module, x: torch.Tensor, beta: float = 1.0,
                 capacity: float = 0.0) -> ObjectiveOutput:
        q = model.encode(x)
        z = q.rsample()
        prior = model.prior
        distortion = -model.decode(z).log_prob(x)
        terms = kl_decomposition(q, prior, z, self.dataset_size, self.cfg.tc_estimator)
        penalty = (self.cfg.mi_weight * terms["mutual_information"] + beta * terms["total_correlation"]
                   + self.cfg.dim_kl_weight * terms["dimension_kl"])
        rate, kl_per_dim = kl_terms(q, prior, z, self.cfg.kl)
        return ObjectiveOutput((distortion + penalty).mean(), distortion, rate, kl_per_dim, beta,
                               extras={name: value.detach().mean() for name, value in terms.items()})
