"""What a discrete latent code is, shared by the VQ-VAE and the Gumbel-softmax posteriors.

The code is M positions, each one of K codes; the decoder reads z (B, latent_dim) = the M code vectors side by side:

    vq:              latent_dim = M * D, position m holds codebook entry e_{k_m} (D numbers, learned)
    gumbel_softmax:  latent_dim = M * K, position m holds a (relaxed) one-hot over the K classes

Their prior is `codes` (priors/codes.py): uniform over the K^M codes in training, or a small autoregressive model
fitted afterwards (vaekit fit-prior). A discrete posterior subclasses DiscretePosterior and declares which
objectives train it; check_code_settings, called when a config is read, refuses what does not go together.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from torch import nn

from vaekit.core.errors import ConfigError
from vaekit.core.registry import POSTERIORS

if TYPE_CHECKING:
    from vaekit.config import Config, ModelConfig

CODE_PRIOR = "codes"  # the prior that every discrete posterior goes with (priors/codes.py)


class DiscretePosterior(nn.Module):
    """q(k|x) over M positions of K codes. Subclasses set the class attributes and `code_width`."""

    # the declarations of a posterior (posteriors/base.py), which this layer below the posteriors cannot import
    reads: frozenset[str] = frozenset()
    class_latent = False  # no class labels yet (check_code_settings says so)
    prior: str | None = None  # the codes prior, checked by check_code_settings
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


def discrete_posterior(name: str) -> type[DiscretePosterior] | None:
    """The posterior class registered as `name` when it is a discrete one, else None."""
    part = POSTERIORS.get(name)
    return part if isinstance(part, type) and issubclass(part, DiscretePosterior) else None


def check_code_settings(config: Config) -> None:
    """A ConfigError, in one line, for settings that do not go with a discrete code (or a code prior without one)."""
    model, objective = config.model, config.objective.name
    part = discrete_posterior(model.posterior)
    if part is None:
        if model.prior == CODE_PRIOR:
            raise ConfigError(f"prior {CODE_PRIOR} is a prior over discrete codes: use it with posterior vq or "
                              f"gumbel_softmax, not {model.posterior}")
        return
    if model.prior != CODE_PRIOR:
        raise ConfigError(f"the {model.posterior} posterior's code needs prior: {CODE_PRIOR} (uniform over the "
                          f"codes, or fitted after training), not {model.prior}")
    if objective not in part.objectives:
        raise ConfigError(f"the {model.posterior} posterior trains with objective {' or '.join(part.objectives)}, not "
                          f"{objective}: add --objective {part.objectives[0]}")
    if model.conditional or model.class_latent != "none":
        raise ConfigError(f"the {model.posterior} posterior does not take class labels (conditional, class_latent) "
                          "yet; train it unconditional")
    part.positions(model, model.posterior)
