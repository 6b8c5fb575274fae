"""The --prior option of `vaekit sample`: draw z from the prior fitted after training (vaekit fit-prior --method gmm
or vae; the default where there is one) or from the prior the model was trained with.

    @PRIOR
    def sample(..., prior_choice: str | None): ...
        model.sample(n, trained_prior=trained_prior(model, prior_choice))   # and one line saying which
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from vaekit.core.errors import VaekitError

if TYPE_CHECKING:
    from vaekit.model.vae import VAE

FITTED, TRAINED = "fitted", "trained"

PRIOR = click.option("--prior", "prior_choice", type=click.Choice([FITTED, TRAINED]), default=None,
                     help="where z is drawn from: fitted (the prior vaekit fit-prior fitted to the codes of the "
                     "training data) or trained (the prior the model was trained with, N(0, I) say) [default: "
                     "fitted where there is one]")


def trained_prior(model: VAE, choice: str | None) -> bool:
    """Whether model.sample should draw from the trained prior (its trained_prior argument); says in one line when
    the fitted one is used. A VaekitError where --prior does not apply or asks for a fit the run has not."""
    fitted = model.sampling_prior
    if choice is not None and model.posterior.discrete_code:
        raise VaekitError("--prior is for runs with continuous codes: a discrete code's fitted prior is part of its "
                          "weights (vaekit fit-prior replaces it there); leave --prior out")
    if choice == FITTED and fitted is None:
        raise VaekitError("this run has no fitted prior: run vaekit fit-prior RUN --method gmm (or vae) first, or "
                          "leave --prior out")
    if fitted is None or choice == TRAINED:
        return True
    if model.num_classes is None:
        click.echo(f"drawing z from {fitted.describe()}; --prior trained draws from the trained prior")
    return False
