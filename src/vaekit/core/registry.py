"""One place that maps names to parts: networks, posteriors, priors, likelihoods, objectives, datasets,
score kinds and data kinds.

Each kind of part has its own :class:`Registry`; a part registers itself with a decorator::

    @LIKELIHOODS.register("bernoulli")
    class BernoulliLikelihood(nn.Module): ...

    LIKELIHOODS.get("bernoulli")  # -> BernoulliLikelihood
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vaekit.core.errors import ConfigError


class Registry:
    """Names to parts of one kind, with an error that lists the choices for an unknown name."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._parts: dict[str, Any] = {}

    def register(self, name: str) -> Callable[[Any], Any]:
        def add(part: Any) -> Any:
            if name in self._parts:
                raise ValueError(f"{self.kind} {name!r} is registered twice")
            self._parts[name] = part
            return part

        return add

    def get(self, name: str) -> Any:
        try:
            return self._parts[name]
        except KeyError:
            choices = ", ".join(sorted(self._parts))
            raise ConfigError(f"unknown {self.kind} {name!r}; choose one of: {choices}") from None

    def name_of(self, part: Any) -> str | None:
        """The name a part (a class, or an instance of one) is registered under; None if it is not."""
        cls = part if isinstance(part, type) else type(part)
        return next((name for name, known in self._parts.items() if known is cls), None)

    def names(self) -> list[str]:
        return sorted(self._parts)

    def __contains__(self, name: str) -> bool:
        return name in self._parts


NETWORKS = Registry("network")
POSTERIORS = Registry("posterior")
PRIORS = Registry("prior")
LIKELIHOODS = Registry("likelihood")
OBJECTIVES = Registry("objective")
DATASETS = Registry("dataset")
SCORES = Registry("score kind")
DATA_KINDS = Registry("data kind")
