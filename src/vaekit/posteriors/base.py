"""What a posterior declares about itself, so that the model builder and the config check ask it instead of naming
it. Every registered posterior derives from Posterior (the discrete ones through posteriors/discrete.py) and
overrides what is true of it:

    @POSTERIORS.register("planar")
    class PlanarFlowPosterior(Posterior):
        reads = frozenset({"flow_steps"})
"""

from __future__ import annotations

from torch import nn

from vaekit.core.tunable import Tunable


class Posterior(nn.Module):
    """Base of the posterior modules: encoder features -> q(z|x), a torch Distribution over z."""

    reads: frozenset[str] = frozenset()  # the ModelConfig settings it reads (vaekit.parts refuses the others)
    # the ModelConfig settings `vaekit tune` may search, and their ranges (core/tunable.py)
    tunable: dict[str, Tunable] = {}  # read, never changed
    class_latent: bool = False  # it takes a class latent's one-hot code among its features: q(z|x, y) (M2, GMVAE)
    prior: str | None = None  # the prior it shares its path with, where it needs one (a ladder's top-down pass)
    needs_prior: bool = False  # model.encode passes it the prior module (a ladder's path, a VQ codebook)
    discrete_code: bool = False  # its z is a discrete code over the codes prior (posteriors/discrete.py)
    # q(z|x) is a diagonal Gaussian N(mean, stddev^2) and nothing more: an exported graph (tasks/onnx_export.py)
    # rebuilds it from those two
    gaussian_code: bool = False
    carries_code: bool = True  # whether z says anything of x (a language model's q(z|x) is the prior: nothing)
