"""What a discrete latent code is, shared by the VQ-VAE and the Gumbel-softmax posteriors.

The code is M positions, each one of K codes; the decoder reads z (B, latent_dim) = the M code vectors side by side:

    vq:              latent_dim = M * D, position m holds codebook entry e_{k_m} (D numbers, learned)
    gumbel_softmax:  latent_dim = M * K, position m holds a (relaxed) one-hot over the K classes

Their prior is `codes` (priors/codes.py): uniform over the K^M codes in training, or a small autoregressive model
fitted afterwards (vaekit fit-prior). A discrete posterior subclasses posteriors/discrete.py's DiscretePosterior and
declares which objectives train it; check_code_settings (vaekit.parts.check_config) refuses what does not go
together. This module is the prior's side: it asks the registered posteriors what they declare, importing none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from vaekit.core.errors import ConfigError
from vaekit.core.registry import POSTERIORS

if TYPE_CHECKING:
    from vaekit.config import Config

CODE_PRIOR = "codes"  # the prior that every discrete posterior goes with (priors/codes.py)


def discrete_posterior(name: str) -> Any:
    """The posterior class registered as `name` when it declares a discrete code (posteriors/discrete.py's
    DiscretePosterior), else None."""
    part = POSTERIORS.get(name)
    return part if part.discrete_code else None


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
