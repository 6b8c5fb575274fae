"""Which settings an objective reads: each objective class declares the ObjectiveConfig fields it honours, and a
setting that the chosen objective would ignore is refused instead of silently doing nothing.

    @OBJECTIVES.register("elbo")
    class ELBO:
        honours = SCHEDULE | RATE | {"kl"}

    check_honoured(ObjectiveConfig(name="iwae", free_bits=1.0))   # ConfigError naming elbo and info_vae
"""

from __future__ import annotations

import dataclasses

from vaekit.config import ObjectiveConfig
from vaekit.core.errors import ConfigError
from vaekit.core.registry import OBJECTIVES

# beta and its schedule: the trainer computes beta every step and passes it to any objective that weighs with it
SCHEDULE = frozenset({"beta", "warmup_epochs", "beta_schedule", "cycles", "cycle_ramp"})
# how the rate enters the loss (objectives/penalties.py): free bits or a capacity target
RATE = frozenset({"free_bits", "capacity", "capacity_epochs"})
# the corruption of the inputs (vaekit.data.corruption): read by the denoising objective, refused by the others
CORRUPTION = frozenset({"corruption", "corruption_level", "denoising_target"})
# settings that are not one objective's own: every objective declares which of them it reads
# pretraining (an objective that honours it has `pretraining` and `after_pretraining`, see objectives/vade.py)
PRETRAIN = frozenset({"pretrain_epochs"})
SHARED = SCHEDULE | RATE | CORRUPTION | PRETRAIN | {"kl", "classifier_weight"}


def check_honoured(cfg: ObjectiveConfig) -> None:
    """A ConfigError when any setting differs from its default but the objective `cfg.name` does not read
    it; the message names the objectives that do."""
    honours = OBJECTIVES.get(cfg.name).honours
    defaults = ObjectiveConfig()
    for item in dataclasses.fields(ObjectiveConfig):
        name = item.name
        if name == "name" or name in honours or getattr(cfg, name) == getattr(defaults, name):
            continue
        readers = ", ".join(n for n in OBJECTIVES.names() if name in OBJECTIVES.get(n).honours)
        raise ConfigError(f"{name} is not read by the {cfg.name} objective (it would be ignored); it applies to "
                          f"{readers}: choose one of those or leave {name} at {getattr(defaults, name)}")
    if "corruption" in honours and cfg.corruption == "none":  # an objective of corrupted inputs, given none
        raise ConfigError(f"the {cfg.name} objective trains on corrupted inputs: set corruption (gaussian, "
                          "salt_pepper, mask or replace) and corruption_level, or choose another objective")
