"""The VampPrior (Tomczak and Welling 2018): the prior is the posterior averaged over K learned pseudo-inputs,

    p(z) = (1/K) sum_k q(z | u_k)

so the prior follows the encoder instead of pulling every posterior toward N(0, I).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn
from torch.distributions import Independent, MixtureSameFamily, Normal

from vaekit.config import ModelConfig
from vaekit.core.errors import ConfigError
from vaekit.core.registry import PRIORS
from vaekit.core.tunable import Span
from vaekit.priors.base import Prior
from vaekit.priors.sampling import gaussian_mixture


@PRIORS.register("vamp")
class VampPrior(Prior):
    """K pseudo-inputs of the data's shape, learned with the model and passed through the encoder each time the
    prior is used. For images they live in [0, 1] (a sigmoid of free parameters), as pixels do.

    >>> model = build_model(ModelConfig(prior="vamp", prior_components=50), (1, 28, 28))
    >>> model.prior   # a MixtureSameFamily of 50 diagonal Gaussians
    """

    reads = frozenset({"prior_components"})  # the ModelConfig settings it reads
    # what `vaekit tune` may search (core/tunable.py)
    tunable = {"prior_components": Span(5, 100, log=True, integer=True)}
    refuses_labels = "pseudo-inputs have no labels"  # a conditional VAE takes another prior

    # the pseudo-inputs are components of a density, not clusters: K = 500 of them say nothing of the classes
    cluster_variable = False

    def __init__(self, latent_dim: int, data_shape: tuple[int, ...], components: int = 10) -> None:
        super().__init__()
        self.images = len(data_shape) == 3
        # small random values: images start near grey (sigmoid(0) = 0.5), vectors near the standardized mean
        self.pseudo_inputs = nn.Parameter(0.1 * torch.randn(components, *data_shape))

    @classmethod
    def from_config(cls, cfg: ModelConfig, data_shape: tuple[int, ...]) -> VampPrior:
        return cls(cfg.latent_dim, data_shape, cfg.prior_components)

    def forward(self, encode: Callable[[torch.Tensor], object] | None = None) -> MixtureSameFamily:
        if encode is None:
            raise ConfigError("the vamp prior needs the model's encoder; use it through a VAE")
        inputs = torch.sigmoid(self.pseudo_inputs) if self.images else self.pseudo_inputs
        q = encode(inputs)
        base = q.base_dist if isinstance(q, Independent) else q
        if not isinstance(base, Normal):
            raise ConfigError("the vamp prior needs a diagonal Gaussian posterior")
        return gaussian_mixture(base.loc, base.scale)
