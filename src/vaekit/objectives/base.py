"""What an objective declares about itself, so that the config check and the trainer ask it instead of naming it.

    @OBJECTIVES.register("my_bound")
    class MyBound(Objective):
        honours = SCHEDULE | RATE | {"kl"}     # the ObjectiveConfig fields it reads (objectives/settings.py)
        per_example = True                      # a batch mean of per-example terms
"""

from __future__ import annotations

from vaekit.config import ObjectiveConfig
from vaekit.core.tunable import Tunable


class Objective:
    """The declarations every objective carries; a subclass overrides what is true of it."""

    honours: frozenset[str] = frozenset()  # the ObjectiveConfig fields it reads; any other one set is refused
    per_example: bool = False  # a batch mean of per-example terms: splits over processes (training/distributed.py)
    class_latent: bool = False  # it trains a model with a class latent (model.class_latent), given as a view
    draws_setting: str | None = None  # the ObjectiveConfig field holding its posterior draws per example (memory)
    # the bound on log p(x) whose negative its loss is (at beta = 1), where that is not the ELBO (IWAE: "IW bound"):
    # the console, the metrics (val_loss) and the curves show it first, since it, not the ELBO, is what improves
    own_bound: str | None = None
    # what its pretraining epochs train and what happens after them, as the console names the phases (VaDE)
    phases: tuple[str, str] = ("pretraining", "ending the pretraining")
    # the ObjectiveConfig settings `vaekit tune` may search, and their ranges (core/tunable.py)
    tunable: dict[str, Tunable] = {}  # read, never changed

    @classmethod
    def bound_of(cls, cfg: ObjectiveConfig) -> str | None:
        """own_bound under these settings: where the objective's bound depends on them, it says so here."""
        return cls.own_bound

    @classmethod
    def stops_on_own_bound(cls, cfg: ObjectiveConfig) -> bool:
        """Whether early stopping, the best epoch and a search's pruner follow this objective's own bound on the
        validation rows (their val_loss) instead of their -ELBO: where the ELBO of whole inputs is not what says
        how well it does its job (denoising with corruption hide, a model trained to fill in)."""
        return False

    @classmethod
    def followed_column(cls, cfg: ObjectiveConfig) -> str:
        """The metrics column that early stopping, the best epoch, the plateau schedule and a search's pruner
        follow under these settings: val_loss where stops_on_own_bound says so, else val_neg_elbo."""
        return "val_loss" if cls.stops_on_own_bound(cfg) else "val_neg_elbo"
