"""Fitting a prior over a trained VAE's continuous codes, for better samples: the codes the encoder gives real
data do not fill N(0, I), and prior draws that land in its empty regions decode to examples unlike any.

    fit = fit_prior(model, train_x, method="gmm", components=10)   # or method="vae": a second-stage VAE
    model.sample(16)                       # now draws z from fit.prior (model.sampling_prior)
    model.sample(16, trained_prior=True)   # from N(0, I), as trained
    fit.report["train_log_p"], fit.report["standard_normal_train_log_p"]   # nats per code, fitted vs N(0, I)

gmm: a Gaussian mixture with full covariances (Ghosh et al. 2020's ex-post density estimation; tasks/latent_prior/
gmm.py). vae: a second VAE on the codes (Dai and Wipf 2019; priors/second_stage.py). Both are fitted to the
posterior means of the training split, not to one draw of q(z|x) each: the mean is the code the decoder
reconstructs each example best from, and the first decoder's blur around it (the posterior's spread) is not what
new samples should copy; the fit is also repeatable without drawing. `vaekit fit-prior` saves the fit in the run
(runs/latent_prior.py), and every later opening of the run gives the model back with it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import torch
from torch.distributions import Distribution

from vaekit.core.errors import VaekitError
from vaekit.core.progress import say_stage
from vaekit.model.vae import VAE
from vaekit.priors.fitted_mixture import FittedMixture
from vaekit.priors.second_stage import SecondStagePrior
from vaekit.tasks.latent_prior.gmm import fit_gaussian_mixture
from vaekit.tasks.latent_prior.second_stage import mean_elbo, train_second_stage
from vaekit.tasks.outputs import embed

METHODS = (FittedMixture.method, SecondStagePrior.method)


@dataclass
class LatentPriorFit:
    """A fitted prior (a Distribution over z with rsample_seeded) and what the fit measured (JSON values)."""

    prior: Distribution
    report: dict[str, Any] = field(default_factory=dict)


def check_continuous_codes(model: VAE) -> None:
    """A VaekitError, in one line, for a model whose codes a prior over continuous z cannot serve."""
    if model.posterior.discrete_code:
        raise VaekitError("this run's latent code is discrete: its prior over codes is fitted by vaekit fit-prior "
                          "without --method (or --method codes); gmm and vae are for continuous codes")
    if not model.has_code:
        raise VaekitError("this run's z carries nothing of x (its posterior is the prior): there are no codes to "
                          "fit a prior to")
    if model.num_classes is not None:
        raise VaekitError("this run is conditional (labels or a class latent): its samples draw z from p(z|y), and "
                          "a fitted prior over z is for unconditional runs")


def standard_normal_log_p(codes: torch.Tensor) -> float:
    """Mean log N(z; 0, I) of codes (N, d), nats."""
    return float((-0.5 * codes.double().pow(2).sum(-1)).mean()) - 0.5 * codes.shape[1] * math.log(2 * math.pi)


def fit_prior(model: VAE, train_x: torch.Tensor, method: str = "gmm", components: int = 10, epochs: int = 10,
              batch_size: int = 256, lr: float = 1e-3, seed: int = 0, test_x: torch.Tensor | None = None,
              progress: bool = False) -> LatentPriorFit:
    """Fit a prior to the posterior means of train_x and make it the one model.sample draws from.

    method "gmm": `components` Gaussians with full covariances (EM, seeded). method "vae": a second-stage VAE
    trained `epochs` passes of `batch_size` codes with Adam at `lr`. The report holds log p(z) per code of the
    training (and, given test_x, test) codes under the fit (the mixture's exact density; the second VAE's ELBO, a
    lower bound) beside N(0, I)'s, in nats.

    >>> fit = fit_prior(model, data.train_x, method="gmm", components=10)
    >>> model.sample(16, generator=torch.Generator().manual_seed(0)).shape   # drawn through fit.prior
    """
    if method not in METHODS:
        raise VaekitError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    for name, value in (("components", components), ("epochs", epochs), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise VaekitError(f"{name} must be a whole number of at least 1, got {value!r}")
    if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr > 0):
        raise VaekitError(f"lr must be a positive number, got {lr!r}")
    check_continuous_codes(model)
    if len(train_x) == 0:
        raise VaekitError("there are no training examples to fit the prior to")
    model.eval()
    say_stage(f"encoding {len(train_x)} training examples to their posterior means", progress)
    codes = {"train": embed(model, train_x).double()}
    if test_x is not None and len(test_x) > 0:
        codes["test"] = embed(model, test_x).double()
    report: dict[str, Any] = {"method": method, "fitted_to": "posterior means", "train_codes": len(codes["train"])}
    if method == FittedMixture.method:
        say_stage(f"fitting a Gaussian mixture of {components} components to the codes", progress)
        fitted = fit_gaussian_mixture(codes["train"].numpy(), components, seed)
        prior: Any = FittedMixture(*(torch.from_numpy(fitted[name]) for name in ("weights", "means", "covariances")))
        log_p = {split: float(prior.log_prob(z).mean()) for split, z in codes.items()}
        report.update(components=components, seed=seed, log_p="exact")
    else:
        module = train_second_stage(codes["train"].float().to(model.device), epochs, batch_size, lr, seed,
                                    progress=progress).cpu()
        prior = SecondStagePrior(module)
        log_p = {split: mean_elbo(module, z.float(), seed) for split, z in codes.items()}
        report.update(epochs=epochs, batch_size=batch_size, lr=lr, seed=seed, hidden=module.hidden,
                      gamma=float(module.log_gamma.exp()), log_p="ELBO (a lower bound)")
    for split, z in codes.items():
        report[f"{split}_log_p"] = log_p[split]
        report[f"standard_normal_{split}_log_p"] = standard_normal_log_p(z)
    model.sampling_prior = prior
    return LatentPriorFit(prior, report)
