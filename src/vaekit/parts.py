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
from vaekit.config import SECTIONS, Config, ModelConfig
from vaekit.config.train import check_heeded
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


def check_config(config: Config, unread_model_settings: bool = True) -> Config:
    """A ConfigError, in one line, for a config whose parts do not exist or do not go together; the config back.

    Checked: every setting that names a part names a registered one; a setting the chosen objective does not read
    is refused (objectives/settings.py); a class latent goes with an objective that declares it trains one; a
    discrete code's prior, objective and sizes go together (priors/discrete_code.py); with
    `unread_model_settings`, a model setting no chosen part reads is refused (check_unread), and a training setting
    whose option is off (config/train.py check_heeded): a run directory written before those checks keeps loading
    without them."""
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
    if unread_model_settings:
        check_unread(config.model)
        check_heeded(config.train)
    return config


def check_unread(model: ModelConfig) -> None:
    """A ConfigError naming a model setting that differs from its default although none of the chosen network,
    posterior, prior and likelihood reads it (flow_steps with a diagonal Gaussian posterior, conv_channels with an
    MLP), and the parts that do. A part still "auto" is not judged yet, nor are the settings of its kind: training
    calls this again once the data has settled it."""
    chosen = {"network": model.network, "posterior": model.posterior, "prior": model.prior,
              "likelihood": model.likelihood}
    judged = {kind: name for kind, name in chosen.items() if name != "auto"}
    read = set().union(*(REGISTRIES[kind].get(name).reads for kind, name in judged.items()), _read_beyond_parts(model))
    unsettled = set().union(*(_settings_of(kind) for kind in chosen if kind not in judged))
    defaults = ModelConfig()
    for kind in judged:
        registry = REGISTRIES[kind]
        for setting in sorted(_settings_of(kind) - read - unsettled):
            if getattr(model, setting) == getattr(defaults, setting):
                continue
            readers = ", ".join(n for n in registry.names() if setting in registry.get(n).reads)
            raise ConfigError(f"{setting} is not read by the chosen parts ({', '.join(judged.values())}; it would be "
                              f"ignored); it applies to {kind} {readers}: choose one of those or leave {setting} at "
                              f"{getattr(defaults, setting)}")


def _settings_of(kind: str) -> set[str]:
    """Every ModelConfig setting some registered part of this kind reads."""
    registry = REGISTRIES[kind]
    return set().union(*(registry.get(name).reads for name in registry.names()))


def _read_beyond_parts(model: ModelConfig) -> set[str]:
    """Settings the model reads itself rather than through a part: a class latent's classifier q(y|x) (an MLP of
    `hidden` widths) and a GMVAE's clusters (prior_components)."""
    beyond = {"hidden", "activation"} if model.class_latent != "none" else set()
    return beyond | ({"prior_components"} if model.class_latent == "gmvae" else set())
