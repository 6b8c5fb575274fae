"""The validation numbers of each epoch: mean -ELBO, distortion and rate of the test split, at beta = 1.

    val = validate(model, tensors.test_x, seed=0)     # {"neg_elbo", "distortion", "rate", "active_units", ...}
"""

from __future__ import annotations

import torch

from vaekit.evaluation.diagnostics import active_units, code_variance
from vaekit.model import VAE

VALIDATION_BATCH = 1000


@torch.no_grad()
def validate(model: VAE, x: torch.Tensor, seed: int = 0, kl: str = "auto", y: torch.Tensor | None = None
             ) -> dict[str, float]:
    """Mean -ELBO, distortion and rate over x with beta = 1, one posterior sample each.

    Runs on its own seeded random stream (fork_rng): the numbers are comparable between epochs, and validation
    does not change the training run's random draws.
    """
    was_training = model.training
    model.eval()
    devices = [x.device] if x.device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        sums = torch.zeros(2, device=x.device)
        kl_sums = torch.zeros(model.latent_dim, device=x.device)
        split = True  # whether the KL splits by dimension (not for a mixture or VampPrior)
        means = []
        for start in range(0, len(x), VALIDATION_BATCH):
            batch = x[start:start + VALIDATION_BATCH]
            labels = None if y is None else y[start:start + VALIDATION_BATCH]
            out = model.elbo(batch, kl=kl, y=labels)
            sums += torch.stack([out.distortion.sum(), out.rate.sum()])
            if out.kl_per_dim is not None:
                kl_sums += out.kl_per_dim.sum(0)
            split = split and out.kl_per_dim is not None
            means.append(model.given(labels).encode(batch).mean)
    model.train(was_training)
    distortion, rate = (sums / len(x)).tolist()
    active = active_units(code_variance(torch.cat(means).cpu()))
    return {"neg_elbo": distortion + rate, "distortion": distortion, "rate": rate, "active_units": active,
            "kl_per_dim": (kl_sums / len(x)).tolist() if split else []}
