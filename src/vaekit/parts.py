"""The parts index: the registries filled with every built-in part, and one check of a config against them.

    choices("likelihood", extra=("auto",))   # ['auto', 'bernoulli', 'categorical', ...]
    check_choice("posterior", "planar")      # a ConfigError listing the choices for an unknown name
    check_config(cfg)                        # names, settings the chosen parts do not read, combinations

vaekit.config is pure data and imports no part; what depends on the parts is checked here, once.
"""

from __future__ import annotations

import dataclasses

import vaekit.likelihoods  # noqa: F401  (importing a part package registers its parts)
import vaekit.nn  # noqa: F401
import vaekit.objectives  # noqa: F401
import vaekit.posteriors  # noqa: F401
import vaekit.priors  # noqa: F401
from vaekit.config import SECTIONS, Config
from vaekit.core.errors import ConfigError
from vaekit.core.registry import LIKELIHOODS, NETWORKS, OBJECTIVES, POSTERIORS, PRIORS, Registry
from vaekit.objectives.settings import check_honoured
from vaekit.priors.discrete_code import check_code_settings

REGISTRIES = {"network": NETWORKS, "posterior": POSTERIORS, "prior": PRIORS, "likelihood": LIKELIHOODS,
              "objective": OBJECTIVES}


def registry(kind: str) -> Registry:
    """The registry of one kind of part, with every built-in part registered."""
    return REGISTRIES[kind]


def choices(kind: str, extra: tuple[str, ...] = ()) -> list[str]:
    """The names a setting of this kind accepts: the registered ones and `extra` (such as "auto"), sorted."""
    return sorted({*registry(kind).names(), *extra})


def check_choice(kind: str, name: str, extra: tuple[str, ...] = ()) -> None:
    allowed = choices(kind, extra)
    if name not in allowed:
        raise ConfigError(f"unknown {kind} {name!r}; choose one of: {', '.join(allowed)}")


def check_config(config: Config) -> Config:
    """A ConfigError, in one line, for a config whose parts do not exist or do not go together; the config back.

    Checked: every setting that names a part names a registered one; a setting the chosen objective does not read
    is refused (objectives/settings.py); a class latent goes with an objective that declares it trains one; a
    discrete code's prior, objective and sizes go together (priors/discrete_code.py)."""
    for name, section in SECTIONS.items():
        for item in dataclasses.fields(section):
            kind = item.metadata.get("part")
            if kind is not None:
                check_choice(kind, getattr(getattr(config, name), item.name), item.metadata.get("choices") or ())
    check_honoured(config.objective)
    objective = OBJECTIVES.get(config.objective.name)
    if (config.model.class_latent != "none") != objective.class_latent:
        readers = [name for name in OBJECTIVES.names() if OBJECTIVES.get(name).class_latent]
        raise ConfigError(f"a class latent (model.class_latent m2 or gmvae) trains with objective "
                          f"{' or '.join(readers)}, and objective {' or '.join(readers)} needs one: set both "
                          f"--class-latent and --objective {readers[0]}")
    check_code_settings(config)
    return config
