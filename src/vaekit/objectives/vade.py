"""VaDE (Jiang et al. 2017): the ELBO of a Gaussian-mixture VAE whose cluster c is a latent variable,

    p(c) p(z|c) p(x|z),  p(z|c) = N(z; mu_c, diag(sigma_c^2)),   q(z, c|x) = q(z|x) q(c|x),

    -L(x) = E_q(z|x)[-log p(x|z)] + sum_c gamma_c KL(q(z|x) || p(z|c)) + KL(gamma || p(c))
          = distortion + rate,

with gamma_c = q(c|x) = p(c|z), the cluster posterior by Bayes' rule at z ~ q(z|x) (the paper's eq. 16), and
each KL(q(z|x) || p(z|c)) between diagonal Gaussians in closed form. For any q(c|x) this bounds the mixture
ELBO from below, -L(x) >= E_q[-log p(x|z)] + KL(q(z|x) || p(z)); the two are equal when p(c|z) does not vary
over q(z|x) (components far apart compared with the posterior's width, or identical components).
"""

from __future__ import annotations

import torch
from torch.distributions import Independent, Normal, kl_divergence

from vaekit.config import ObjectiveConfig
from vaekit.core.errors import ConfigError
from vaekit.core.registry import OBJECTIVES
from vaekit.core.tunable import Span
from vaekit.objectives.base import Objective
from vaekit.objectives.output import ObjectiveOutput
from vaekit.objectives.settings import PRETRAIN, SCHEDULE


def _mixture(model: torch.nn.Module):  # type: ignore[no-untyped-def]
    """The model's prior, which must carry a cluster variable (priors/mixture.py)."""
    prior = model.prior_module
    if not prior.cluster_variable:
        raise ConfigError(f"the vade objective needs a prior with a cluster variable (prior: mixture), not "
                          f"{type(prior).__name__}; train with --prior mixture --prior-components K")
    return prior


def _gaussian(q: torch.distributions.Distribution) -> Normal:
    base = q.base_dist if isinstance(q, Independent) else q
    if not isinstance(base, Normal):
        raise ConfigError("the vade objective needs a diagonal Gaussian posterior (posterior: diagonal_gaussian)")
    return base


def vade_terms(q: Normal, z: torch.Tensor, prior: torch.nn.Module) -> tuple[torch.Tensor, torch.Tensor]:
    """(rate (B,), gamma (B, K)): the KL terms of VaDE's bound for a diagonal Gaussian q(z|x) with loc and scale
    (B, d), a draw z (B, d) and a mixture prior."""
    gamma = prior.cluster_posterior(z).probs                                           # (B, K)
    per_component = kl_divergence(Normal(q.loc.unsqueeze(-2), q.scale.unsqueeze(-2)),   # (B, K, d)
                                  Normal(prior.means, prior.scales)).sum(-1)
    log_gamma = torch.log(gamma.clamp_min(torch.finfo(gamma.dtype).tiny))
    log_weights = torch.log_softmax(prior.logits, -1)
    # gamma-weighted KL to each component, plus KL(gamma || p(c)); 0 log 0 = 0 through the clamp
    rate = (gamma * (per_component + log_gamma - log_weights)).sum(-1)
    return rate, gamma


@OBJECTIVES.register("vade")
class VaDE(Objective):
    """loss = mean_x distortion + beta * rate (VaDE's KL terms above). With objective.pretrain_epochs = N the
    trainer first runs N epochs of `pretraining` (an autoencoder: -log p(x|z) at the posterior mean, the
    paper's pretraining), then calls `after_pretraining`, which fits the mixture prior to the training codes
    with scikit-learn's GaussianMixture (the paper's initialisation), then trains this bound.

    >>> out = VaDE(ObjectiveConfig(name="vade"))(model, x)    # model built with prior: mixture
    >>> out.extras["cluster_entropy"]                           # mean entropy of q(c|x), nats
    """

    honours = SCHEDULE | PRETRAIN  # the KL terms are not one Gaussian KL: free bits and a capacity do not apply
    per_example = True  # a batch mean of per-example terms: splits over processes (training/distributed.py)
    # what `vaekit tune` may search (core/tunable.py)
    tunable = {"pretrain_epochs": Span(0, 30, integer=True)}
    phases = ("pretraining an autoencoder", "fitting the mixture prior to the training codes (GaussianMixture)")

    def __init__(self, cfg: ObjectiveConfig, dataset_size: int | None = None) -> None:
        self.cfg = cfg

    def __call__(self, model: torch.nn.Module, x: torch.Tensor, beta: float = 1.0,
                 capacity: float = 0.0) -> ObjectiveOutput:
        prior = _mixture(model)
        q = model.encode(x)
        z = q.rsample()
        distortion = -model.decode(z).log_prob(x)
        rate, gamma = vade_terms(_gaussian(q), z, prior)
        entropy = -(gamma * torch.log(gamma.clamp_min(torch.finfo(gamma.dtype).tiny))).sum(-1)
        return ObjectiveOutput(distortion.mean() + beta * rate.mean(), distortion, rate, None, beta,
                               extras={"cluster_entropy": entropy.detach().mean()})

    @staticmethod
    def pretraining(model: torch.nn.Module, x: torch.Tensor, beta: float = 1.0,
                    capacity: float = 0.0) -> ObjectiveOutput:
        """The autoencoder loss of the pretraining epochs: -log p(x|z) at z = E[z|x], no KL (logged rate 0)."""
        _mixture(model)
        distortion = -model.decode(model.encode(x).mean).log_prob(x)
        return ObjectiveOutput(distortion.mean(), distortion, torch.zeros_like(distortion), None, beta)

    @staticmethod
    @torch.no_grad()
    def after_pretraining(model: torch.nn.Module, codes: torch.Tensor, seed: int = 0) -> None:
        """Fit the mixture prior (means, scales, weights) to `codes` (N, d), the posterior means of the training
        data, which the trainer encodes (in eval mode) and passes here."""
        _mixture(model).fit(codes, seed)
