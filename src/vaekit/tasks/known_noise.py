"""Denoising when the noise is known: the posterior mean of the clean x under the model and the noise c(x~|x),

    E[x | x~] = E_{p(z|x~)} E[x | z, x~],   p(x | z, x~) ∝ p(x|z) c(x~|x)

not the decoder's mean alone, which throws away whatever of x~ the code did not keep.

    gaussian:SIGMA   x~ = x + SIGMA e. With p(x|z) taken by its mean mu(z) and variance v(z) (a Gaussian's own;
                     the moment-matched one for the others), each entry's clean value is the precision-weighted
                     blend  E[x | z, x~] = (v x~ + SIGMA^2 mu) / (v + SIGMA^2),  and z is weighted by importance,
                     w_j ∝ N(x~; mu(z_j), v(z_j) + SIGMA^2) p(z_j) / q(z_j|x~), over k draws of q(z|x~).
    salt_pepper:P    an entry strictly between the data's bounds was not hit (the noise writes only the bounds):
                     it is kept as it is; an entry at a bound takes the decoder's mean at q(z|x~)'s mean.
    mask:P           as salt_pepper, with the lower bound only (masking writes zeros).

On held-out images of three sets (BENCHMARKS.md, "Restoring images of three sets") it beats the median filter and
PCA in all six cases of gaussian and salt-and-pepper noise; the decoder's mean had lost three of the four measured.

    clean = denoise_known(model, noisy, "gaussian:0.3")      # (N, *shape), what `vaekit denoise --noise` prints
"""

from __future__ import annotations

import torch

from vaekit.core.errors import VaekitError
from vaekit.data.corruption import parse_noise, support_bounds
from vaekit.likelihoods.observed import unwrapped
from vaekit.tasks.imputation.partial import batch_size_for, posterior_draws

KNOWN = ("gaussian", "salt_pepper", "mask")  # the noises whose posterior is worked out here
DRAWS = 100  # importance draws of z per example (gaussian noise), as many as the nll criterion takes


def undoable(added: str | None) -> str | None:
    """The noise to denoise under for inputs that the noise `added` made ("salt_pepper:0.1"): itself where its
    posterior is worked out here, else None (the decoder's mean): what `vaekit denoise --add-noise` and the
    denoising criterion of `vaekit tune` do by default."""
    return added if added is not None and parse_noise(added)[0] in KNOWN else None


def check_known(noise: str) -> tuple[str, float]:
    """(kind, level) of a noise this module can undo, else a VaekitError naming the ones it can."""
    kind, level = parse_noise(noise, "--noise")
    if kind not in KNOWN:
        raise VaekitError(f"denoising under known noise works out {', '.join(KNOWN)}; {kind} replaces values with "
                          "draws that say nothing of them: leave out the noise to take the decoder's mean")
    return kind, level


@torch.no_grad()
def denoise_known(model: torch.nn.Module, x: torch.Tensor, noise: str, y: torch.Tensor | None = None,
                  seed: int = 0) -> torch.Tensor:
    """(N, *shape) posterior means of the clean examples for noisy x (checked data on the CPU), under `noise`
    ("gaussian:0.3", "salt_pepper:0.1", "mask:0.5"); labels y for a CVAE. Seeded: the same answer every call."""
    kind, level = check_known(noise)
    if model.likelihood.needs_vocabulary:  # refused here, not by the NaNs a blend of word ids would give
        raise VaekitError("denoising knowing the noise undoes noise on values, and a text model's token ids are "
                          "names of words; leave out the noise to take the decoder's mean")
    # where the support has no bound, the noise wrote the data's own smallest and largest values (data/corruption.py)
    low, high = support_bounds(model.likelihood.data_support)
    bounds = (float(x.amin()) if low is None else low, float(x.amax()) if high is None else high)
    parts = []
    chunk = batch_size_for(model, DRAWS if kind == "gaussian" else 1, 2)
    with torch.random.fork_rng(devices=[model.device] if model.device.type == "cuda" else []):
        torch.manual_seed(seed)
        for start in range(0, len(x), chunk):
            rows = x[start:start + chunk].to(model.device)
            bound = model.given(None if y is None else y[start:start + chunk].to(model.device))
            estimate = _blend(bound, rows, level) if kind == "gaussian" else _keep_untouched(bound, rows, kind, bounds)
            parts.append(estimate.cpu())
    return torch.cat(parts)


def _blend(model: torch.nn.Module, noisy: torch.Tensor, sigma: float) -> torch.Tensor:
    q = model.encode(noisy)
    z, log_q = posterior_draws(q, DRAWS, noisy)                                   # (k, B, d), (k, B)
    px = unwrapped(model.decode(z))
    mean, variance = px.mean, _variance(px)                                       # (k, B, *shape)
    spread = variance + sigma ** 2
    log_noisy = -0.5 * ((noisy - mean) ** 2 / spread + spread.log()).flatten(2).sum(-1)
    weights = torch.softmax(log_noisy + model.prior.log_prob(z) - log_q, dim=0)  # (k, B)
    clean = (variance * noisy + sigma ** 2 * mean) / spread
    return (weights.reshape(*weights.shape, *[1] * (clean.dim() - 2)) * clean).sum(0)


def _keep_untouched(model: torch.nn.Module, noisy: torch.Tensor, kind: str,
                    bounds: tuple[float, float]) -> torch.Tensor:
    low, high = bounds
    written = noisy == low if kind == "mask" else (noisy == low) | (noisy == high)
    decoded = model.decode(model.encode(noisy).mean).mean
    return torch.where(written, decoded, noisy)


def _variance(px: torch.distributions.Distribution) -> torch.Tensor:
    try:
        return px.variance
    except NotImplementedError:
        raise VaekitError(f"this model's p(x|z) ({type(px).__name__}) gives no variance, which denoising under "
                          "gaussian noise weighs the noisy input by; leave out the noise to take the decoder's "
                          "mean") from None
