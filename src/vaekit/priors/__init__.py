"""Priors p(z): modules that return a torch Distribution over z. Importing registers them."""

from vaekit.priors import mixture, standard_normal, vamp  # noqa: F401
