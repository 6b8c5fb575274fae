"""Objectives: (model, x, beta) -> ObjectiveOutput. Importing registers them."""

from vaekit.objectives import elbo  # noqa: F401
from vaekit.objectives.output import ObjectiveOutput

__all__ = ["ObjectiveOutput"]
