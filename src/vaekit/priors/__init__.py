"""Priors p(z): modules that return a torch Distribution over z. Importing registers them."""

from vaekit.priors import ladder, mixture, standard_normal, vamp  # noqa: F401
