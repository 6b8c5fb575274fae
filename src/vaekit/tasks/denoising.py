"""Denoising with a trained VAE: encode the noisy x~ and decode the posterior mean,

    x_hat = E_p(x|z)[x] at z = E_q(z|x~)[z],

what `model.reconstruct` gives, in batches over a whole data set; or, where the noise is known (`noise=`), the
posterior mean of the clean x under the model and that noise (tasks/known_noise.py), which keeps what the code
did not. A model trained with the denoising objective
(objective: denoising, Im et al. 2017) learned q(z|x~) from corrupted inputs and p(x|z) from clean targets; any
other model can be asked too (it reconstructs the noise as well, mostly). `add_noise` makes noisy inputs from
clean ones, seeded, to see the effect.

    model = vaekit.load("runs/denoiser")
    noisy = add_noise(model, x, "salt_pepper:0.1", seed=0)
    clean = denoise(model, noisy)                      # (N, *shape), on the CPU, in x's order
    clean = denoise(model, noisy, noise="salt_pepper:0.1")   # knowing the noise: untouched pixels kept
"""

from __future__ import annotations

import torch

from vaekit.config.fields import check_seed
from vaekit.data.corruption import corrupt_for, parse_noise
from vaekit.model.input_checks import as_checked_data
from vaekit.model.vae import VAE
from vaekit.tasks.known_noise import check_known, denoise_known
from vaekit.tasks.outputs import check_finite_outputs


@torch.no_grad()
def denoise(model: VAE, x: torch.Tensor, y: torch.Tensor | None = None, batch_size: int = 1000,
            noise: str | None = None, seed: int = 0) -> torch.Tensor:
    """(N, *shape) likelihood means of p(x|z) at the posterior mean of q(z|x~), for noisy inputs x~ = `x`
    (a tensor or numpy array of this model's shape, in its likelihood's data support); labels y for a CVAE.
    `noise`: the noise x~ carries ("gaussian:0.3", "salt_pepper:0.1", "mask:0.5"): the posterior mean of the
    clean x under the model and that noise instead (seeded by `seed`)."""
    if noise is not None:
        check_known(noise)
        check_seed("seed", seed)
    x = as_checked_data(x, model, move=False)  # batches go to the model's device one at a time
    model.eval()
    found = denoise_known(model, x, noise, y, seed) if noise is not None else _decoder_means(model, x, y, batch_size)
    check_finite_outputs(found, "denoised examples")
    return found


def _decoder_means(model: VAE, x: torch.Tensor, y: torch.Tensor | None, batch_size: int) -> torch.Tensor:
    parts = []
    for start in range(0, len(x), batch_size):
        labels = None if y is None else y[start:start + batch_size].to(model.device)
        parts.append(model.reconstruct(x[start:start + batch_size].to(model.device), y=labels).cpu())
    return torch.cat(parts)


@torch.no_grad()
def add_noise(model: VAE, x: torch.Tensor, noise: str, seed: int = 0) -> torch.Tensor:
    """x corrupted by `noise` ("gaussian:0.3", "salt_pepper:0.1", "mask:0.5", "replace:0.2"), within the model's
    likelihood's data support, repeatable with `seed` (a CPU generator: the same noise on any device)."""
    kind, level = parse_noise(noise)
    check_seed("seed", seed)
    x = as_checked_data(x, model, move=False).cpu()
    return corrupt_for(model, x, kind, level, torch.Generator().manual_seed(int(seed)))
