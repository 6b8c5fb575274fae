"""The registered parts by kind, for settings and help texts: imports the part packages (which registers them)
only when asked, so that vaekit.config, which every part imports, does not import the parts.

    choices("likelihood", extra=("auto",))   # ['auto', 'bernoulli', 'categorical', ...]
    check_choice("posterior", "planar")      # a ConfigError listing the choices for an unknown name
"""

from __future__ import annotations

import importlib

from vaekit.errors import ConfigError
from vaekit.registry import LIKELIHOODS, NETWORKS, OBJECTIVES, POSTERIORS, PRIORS, Registry

REGISTRIES = {"network": NETWORKS, "posterior": POSTERIORS, "prior": PRIORS, "likelihood": LIKELIHOODS,
              "objective": OBJECTIVES}
_PACKAGES = ("vaekit.nn", "vaekit.posteriors", "vaekit.priors", "vaekit.likelihoods", "vaekit.objectives")


def registry(kind: str) -> Registry:
    """The registry of one kind of part, with every built-in part registered."""
    for package in _PACKAGES:
        importlib.import_module(package)
    return REGISTRIES[kind]


def choices(kind: str, extra: tuple[str, ...] = ()) -> list[str]:
    """The names a setting of this kind accepts: the registered ones and `extra` (such as "auto"), sorted."""
    return sorted({*registry(kind).names(), *extra})


def check_choice(kind: str, name: str, extra: tuple[str, ...] = ()) -> None:
    allowed = choices(kind, extra)
    if name not in allowed:
        raise ConfigError(f"unknown {kind} {name!r}; choose one of: {', '.join(allowed)}")
