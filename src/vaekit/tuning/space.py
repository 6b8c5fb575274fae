"""The search space of `vaekit tune`: what the chosen parts declare tunable, and the few settings of no part.

    space = search_space(config, fixed={"lr"}, narrowed={"latent_dim": "2:16"})
    {"latent_dim": Span(2, 16, integer=True, log=True), "batch_size": Options(32, 64, 128, 256),
     "hidden": Widths(32, 512, layers=(1, 3)), "warmup_epochs": Span(0, 10)}

A setting the user gave (a flag, a config file's key) is fixed: it is not searched. `narrowed` replaces a declared
range by the user's ("LOW:HIGH", "a|b|c"); a setting no chosen part declares cannot be narrowed, and the error
names the ones that can.
"""

from __future__ import annotations

import dataclasses

from vaekit.config import SECTIONS, Config
from vaekit.core.errors import ConfigError
from vaekit.core.tunable import Options, Span, Tunable
from vaekit.parts import REGISTRIES

# Settings of no part, searched for every model: the optimizer's step and the code's size.
GENERAL: dict[str, Tunable] = {
    "lr": Span(1e-4, 3e-3, log=True),
    "batch_size": Options(32, 64, 128, 256),
    "latent_dim": Span(2, 64, log=True, integer=True),
}
# the section each setting lives in (names are unique across sections)
SECTION_OF = {item.name: section for section, kind in SECTIONS.items() for item in dataclasses.fields(kind)}


def declared_space(config: Config) -> dict[str, Tunable]:
    """Every setting the config's parts declare tunable, and the general ones, before the user's choices.
    The config's "auto" parts must be settled first (model.build.resolve_auto)."""
    chosen = {"network": config.model.network, "posterior": config.model.posterior, "prior": config.model.prior,
              "likelihood": config.model.likelihood, "objective": config.objective.name}
    space = dict(GENERAL)
    if REGISTRIES["posterior"].get(config.model.posterior).discrete_code:  # latent_dim is M * D: the codes' sizes
        space.pop("latent_dim")
    for kind, name in chosen.items():
        space.update(REGISTRIES[kind].get(name).tunable)
    return space


def search_space(config: Config, fixed: set[str] | frozenset[str] = frozenset(),
                 narrowed: dict[str, str] | None = None) -> dict[str, Tunable]:
    """The declared space less the `fixed` settings, with the `narrowed` ranges in place of the declared ones."""
    space = declared_space(config)
    for name, text in (narrowed or {}).items():
        if name not in space:
            raise ConfigError(f"--space names {name!r}, which this model does not search; it searches "
                              f"{', '.join(sorted(space))}")
        if name in fixed:
            raise ConfigError(f"{name} is both given (fixed) and narrowed in --space; give one or the other")
        space[name] = space[name].narrowed(text)
    return {name: tunable for name, tunable in space.items() if name not in fixed}


def parse_space(text: str | None) -> dict[str, str]:
    """--space "lr=1e-4:1e-3,batch_size=64|128" -> {"lr": "1e-4:1e-3", "batch_size": "64|128"}."""
    found: dict[str, str] = {}
    for item in (text or "").split(","):
        if not item.strip():
            continue
        name, sep, value = item.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or not name or not value.strip():
            raise ConfigError(f"--space takes NAME=LOW:HIGH or NAME=a|b items separated by commas, got {item!r}")
        if name in found:
            raise ConfigError(f"--space names {name} twice")
        found[name] = value.strip()
    return found


def trial_settings(values: dict[str, object]) -> dict[str, dict[str, object]]:
    """{setting: value} -> the config overrides {section: {setting: value}} of one trial."""
    overrides: dict[str, dict[str, object]] = {}
    for name, value in values.items():
        overrides.setdefault(SECTION_OF[name], {})[name] = value
    return overrides
