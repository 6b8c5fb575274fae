"""Priors p(z): modules that return a torch Distribution over z. Importing registers them."""

from vaekit.priors import standard_normal  # noqa: F401
