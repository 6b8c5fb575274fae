"""The posterior side of a discrete latent code (priors/discrete_code.py says what the code is): M positions of K
codes, q(k|x). The VQ-VAE and the Gumbel-softmax posteriors subclass DiscretePosterior.
"""

from __future__ import annotations

from typing import ClassVar

from vaekit.config import ModelConfig
from vaekit.core.errors import ConfigError
from vaekit.posteriors.base import Posterior
from vaekit.priors.discrete_code import CODE_PRIOR


class DiscretePosterior(Posterior):
    """q(k|x) over M positions of K codes. Subclasses set the class attributes and `code_width`."""

    discrete_code = True
    needs_prior = True  # model.encode passes the prior module: it holds the codebook and counts the codes used
    learned_codebook: ClassVar[bool]  # True: codes are learned vectors (vq); False: one-hots (gumbel_softmax)
    objectives: ClassVar[tuple[str, ...]]  # the objectives that can train it

    @classmethod
    def code_width(cls, cfg: ModelConfig) -> int:
        """The numbers one position takes in z: D for vq, K for gumbel_softmax."""
        raise NotImplementedError

    @classmethod
    def positions(cls, cfg: ModelConfig, name: str = "") -> int:
        """M, the code positions: latent_dim / code_width, refused when it does not divide."""
        if cfg.prior != CODE_PRIOR:  # the prior holds the codebook and the count of the codes used
            raise ConfigError(f"the {name or cls.__name__} posterior needs prior: {CODE_PRIOR}, not {cfg.prior}")
        width = cls.code_width(cfg)
        if cfg.latent_dim % width:
            raise ConfigError(f"the {name or cls.__name__} posterior's latent_dim ({cfg.latent_dim}) must be a "
                              f"multiple of {width} (latent_dim = M positions x {width} numbers per code)")
        return cfg.latent_dim // width
