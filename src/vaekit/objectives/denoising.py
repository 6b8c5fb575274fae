"""The denoising variational bound (Im et al. 2017, "Denoising criterion for variational auto-encoding
framework"): the encoder sees a corrupted x~ ~ c(x~|x) (vaekit.data.corruption) and the decoder is scored on the
clean x,

    -L_dvae(x) = E_c(x~|x) E_q(z|x~) [-log p(x|z)] + KL(q(z|x~) || p(z)) = distortion + rate,

one draw of x~ and one of z per example and step. With denoising_target = corrupted the decoder is scored on x~
itself: the ELBO of perturbed data, a model of the "background" of Ren et al. 2019's likelihood-ratio score.

With corruption hide, x~ is x with entries made missing (a region of an image) and the model one of missing values
(its encoder reads which entries are there): trained to draw the whole x from what it sees, its q(z | x_obs) is a
conditional for filling in (VAEAC, Ivanov et al. 2019, without their separate prior network; `impute`'s method
encoder), and early stopping follows this loss on the validation rows, not their ELBO.
"""

from __future__ import annotations

import torch

from vaekit.config import ObjectiveConfig
from vaekit.core.registry import OBJECTIVES
from vaekit.core.tunable import Span
from vaekit.data.corruption import HIDING, corrupt_for
from vaekit.objectives.base import Objective
from vaekit.objectives.elbo import ELBO
from vaekit.objectives.output import ObjectiveOutput
from vaekit.objectives.settings import CORRUPTION, RATE, SCHEDULE


@OBJECTIVES.register("denoising")
class Denoising(Objective):
    """loss = mean_x distortion + beta * rate penalty, as the ELBO, with q(z|x~) for a corrupted x~. The corruption
    noise comes from torch's global random state, like rsample's, so the trainer's seeded stream repeats it.

    >>> out = Denoising(ObjectiveConfig(name="denoising", corruption="gaussian", corruption_level=0.3))(model, x)
    """

    honours = SCHEDULE | RATE | CORRUPTION | {"kl"}  # the ObjectiveConfig fields it reads (objectives/settings.py)
    per_example = True  # a batch mean of per-example terms: splits over processes (training/distributed.py)
    # what `vaekit tune` may search (core/tunable.py): the ELBO's, and how hard the training noise is, which need not
    # be the level of the noise the model will meet (the search's criterion, denoising:KIND:LEVEL, decides)
    tunable = {**ELBO.tunable, "corruption_level": Span(0.05, 0.5, log=True)}

    def __init__(self, cfg: ObjectiveConfig, dataset_size: int | None = None) -> None:
        self.cfg = cfg
        self.elbo = ELBO(cfg)
        self.own_bound = self.bound_of(cfg)

    @classmethod
    def bound_of(cls, cfg: ObjectiveConfig) -> str | None:
        return "ELBO with entries hidden" if cfg.corruption == HIDING else None

    @classmethod
    def stops_on_own_bound(cls, cfg: ObjectiveConfig) -> bool:
        return cfg.corruption == HIDING  # its job is filling in: judged by its bound on validation rows with holes

    def __call__(self, model: torch.nn.Module, x: torch.Tensor, beta: float = 1.0,
                 capacity: float = 0.0) -> ObjectiveOutput:
        x_tilde = corrupt_for(model, x, self.cfg.corruption, self.cfg.corruption_level)
        target = x if self.cfg.denoising_target == "clean" else x_tilde
        return self.elbo.bound(model, x_tilde, target, beta, capacity)
