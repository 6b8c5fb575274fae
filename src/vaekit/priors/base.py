"""What a prior declares about itself, so that the model builder and the config check ask it instead of naming it.
Every registered prior derives from Prior and overrides what is true of it:

    @PRIORS.register("vamp")
    class VampPrior(Prior):
        reads = frozenset({"prior_components"})
        refuses_labels = "pseudo-inputs have no labels"
"""

from __future__ import annotations

from torch import nn

from vaekit.core.tunable import Tunable


class Prior(nn.Module):
    """Base of the prior modules: p(z), a torch Distribution over z (an nn.Module when it has parameters)."""

    reads: frozenset[str] = frozenset()  # the ModelConfig settings it reads (vaekit.parts refuses the others)
    # the ModelConfig settings `vaekit tune` may search, and their ranges (core/tunable.py)
    tunable: dict[str, Tunable] = {}  # read, never changed
    cluster_variable: bool = False  # it carries a categorical cluster c with p(c|z) (priors/mixture.py)
    # why a conditional VAE (labels conditioning encoder and decoder) cannot use it; "" where it can
    refuses_labels: str = ""
    # one learned Gaussian per class may stand in for it: conditional_prior, and a class latent's p(z|y)
    class_prior_replaces: bool = False
    posterior: str | None = None  # the posterior it shares its path with, where it needs one (a ladder)
