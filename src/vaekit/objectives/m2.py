"""The bound of a model with a categorical latent class y (Kingma et al. 2014, M2; the GMVAE uses it with no labels).

A labelled row (x, y) is scored by the ELBO of the pair, p(y) = 1/K uniform:

    -L(x, y) = E_q(z|x,y)[-log p(x|z,y)] + KL(q(z|x,y) || p(z|y)) - log p(y)

an unlabelled row (label -1, or no labels) sums the class out under the classifier q(y|x):

    -U(x) = sum_y q(y|x) (-L(x, y)) - H(q(y|x))
          = sum_y q(y|x) [distortion_y + KL_y] + KL(q(y|x) || p(y))

and the classifier also learns from the labels (the paper's J^alpha):

    loss = mean over rows of [ -L(x, y) + alpha (-log q(y|x))  labelled;  -U(x)  unlabelled ]
    alpha = classifier_weight * N / N_labelled      (the paper's alpha = 0.1 N, per labelled example)

-U(x) >= -log p(x) and -L(x, y) >= -log p(x, y). The K terms of the sum come from one batched pass: the encoder
and classifier read x once, the posterior head and the decoder run on (K, B) at once (VAE.encode_classes).
beta weighs both KL terms (its warm-up and schedules apply); the logged rate of an unlabelled row is
sum_y q(y|x) KL_y + KL(q(y|x) || p(y)), of a labelled row KL + log K, so that distortion + rate is the bound.
The trainer's validation -ELBO of an M2 run is -L(x, y) on labelled test rows and -U(x) on the others (a GMVAE's:
-U(x) everywhere, its clusters not being the data's labels).
"""

from __future__ import annotations

import math

import torch

from vaekit.config import ObjectiveConfig
from vaekit.core.errors import ConfigError
from vaekit.core.registry import OBJECTIVES
from vaekit.core.tunable import Span
from vaekit.objectives.base import Objective
from vaekit.objectives.kl import kl_terms
from vaekit.objectives.output import ObjectiveOutput
from vaekit.objectives.settings import SCHEDULE


@OBJECTIVES.register("m2")
class M2(Objective):
    """loss = mean over the batch of -L(x, y) + alpha (-log q(y|x)) for labelled rows and -U(x) for the others;
    for a model with a class latent (model.class_latent m2 or gmvae).

    >>> out = M2(ObjectiveConfig(name="m2"))(model.given(y), x)     # y: (B,) classes, -1 where unlabelled
    >>> out.extras["classification"]                                # batch mean of alpha (-log q(y|x)) terms
    """

    honours = SCHEDULE | {"kl", "classifier_weight"}
    per_example = True  # a batch mean of per-example terms: splits over processes (training/distributed.py)
    # what `vaekit tune` may search (core/tunable.py)
    tunable = {"classifier_weight": Span(0.01, 10, log=True)}
    class_latent = True  # it needs a model with a class latent (model.class_latent), which it is given as a view

    def __init__(self, cfg: ObjectiveConfig, dataset_size: int | None = None) -> None:
        self.cfg = cfg

    def __call__(self, model: torch.nn.Module, x: torch.Tensor, beta: float = 1.0,
                 capacity: float = 0.0) -> ObjectiveOutput:
        if model.class_latent is None:
            raise ConfigError("objective m2 needs a model with a class latent: set --class-latent m2 or gmvae")
        # the share N_labelled / N of the training split, which the trainer records on the model
        alpha = self.cfg.classifier_weight / float(model.class_latent.labelled_share.clamp_min(1e-12))
        # `model` is the view model.given(y) that the trainer passes: the VAE and the batch's labels
        return class_bound(model.model, x, model.y, beta, self.cfg.kl, alpha)


def class_bound(model: torch.nn.Module, x: torch.Tensor, labels: torch.Tensor | None, beta: float = 1.0,
                kl: str = "auto", alpha: float = 0.0) -> ObjectiveOutput:
    """The terms above for a VAE with a class latent and labels (B,) (-1, or None for all: unlabelled rows).
    distortion + rate is -L(x, y) for a labelled row and -U(x) for an unlabelled one."""
    if not model.class_latent.observed:  # a GMVAE's clusters are never the data's labels
        labels = None
    k = model.class_latent.num_classes
    batch = x.shape[0]
    labelled = torch.zeros(batch, dtype=torch.bool, device=x.device) if labels is None else \
        labels.to(x.device) >= 0
    distortion = x.new_zeros(batch)
    rate = x.new_zeros(batch)
    penalised = x.new_zeros(batch)  # the loss per row: distortion + beta * rate (+ alpha * classification)
    classification = x.new_zeros(())
    if not bool(labelled.all()):
        xu = x[~labelled]
        q, qy = model.encode_classes(xu)                                 # batch (K, B_u); (B_u,)
        z = q.rsample()                                                  # (K, B_u, d)
        classes = torch.arange(k, device=x.device)[:, None].expand(k, xu.shape[0])
        distortion_y = -model.decode(z, classes).log_prob(xu)            # (K, B_u)
        rate_y, _ = kl_terms(q, model.prior_given(classes), z, kl)       # (K, B_u)
        weights = qy.probs.T                                             # (K, B_u): q(y|x)
        class_kl = (qy.probs * qy.logits).sum(-1) + math.log(k)          # KL(q(y|x) || uniform) = log K - H
        distortion[~labelled] = (weights * distortion_y).sum(0)
        rate[~labelled] = (weights * rate_y).sum(0) + class_kl
    if bool(labelled.any()):
        xl, yl = x[labelled], labels.to(x.device)[labelled]
        q = model.encode(xl, yl)
        z = q.rsample()
        distortion[labelled] = -model.decode(z, yl).log_prob(xl)
        rate_l, _ = kl_terms(q, model.prior_given(yl), z, kl)
        rate[labelled] = rate_l + math.log(k)                            # -log p(y), p(y) = 1/K
        if alpha > 0:
            cross_entropy = -model.class_posterior(xl).log_prob(yl)
            penalised[labelled] = alpha * cross_entropy
            classification = penalised.detach().sum() / batch
    penalised = penalised + distortion + beta * rate
    return ObjectiveOutput(penalised.mean(), distortion, rate, None, beta,
                           extras={"classification": classification})
