"""Priors p(z): modules that return a torch Distribution over z. Importing registers them."""

from vaekit.priors import codes, ladder, mixture, standard_normal, vamp  # noqa: F401
