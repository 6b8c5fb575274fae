"""The validation numbers of each epoch: mean -ELBO, distortion and rate of the test split, at beta = 1.

    val = validate(model, tensors.test_x, seed=0)     # {"neg_elbo", "distortion", "rate", "active_units", ...}
    val = validate(model, x, objective=iwae)          # ... and "loss": the objective's own at beta = 1 (-IW bound)

The rows are taken in chunks of VALIDATION_BATCH at fixed offsets, and chunk k draws its posterior samples from a
stream seeded by (seed, k) (chunk 0 by `seed` itself), so each example's sample does not depend on how the chunks
are shared out: with several processes (training/distributed.py) process r takes chunks r, r + W, ... and the sums
and posterior means are added across the processes, giving the numbers of one process up to the order of the sums.
"""

from __future__ import annotations

import torch

from vaekit.model.vae import VAE
from vaekit.objectives.base import Objective
from vaekit.tasks.evaluation.diagnostics import active_units, code_variance
from vaekit.training.distributed import Processes, add_across, noise_seed

VALIDATION_BATCH = 1000


@torch.no_grad()
def validate(model: VAE, x: torch.Tensor, seed: int = 0, kl: str = "auto", y: torch.Tensor | None = None,
             processes: Processes | None = None, objective: Objective | None = None) -> dict[str, float]:
    """Mean -ELBO, distortion and rate over x with beta = 1, one posterior sample each; with an `objective` that
    declares its own bound (objectives/base.py), its loss at beta = 1 as "loss" too (drawn after the ELBO's sample,
    which is the same with or without it).

    Runs on its own seeded random streams (fork_rng): the numbers are comparable between epochs, and validation
    does not change the training run's random draws. `processes`: the run's processes, which share the work.
    """
    processes = processes or Processes()
    was_training = model.training
    model.eval()
    devices = [x.device] if x.device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        # distortion, rate, chunks whose KL does not split, and the objective's own loss
        sums = torch.zeros(4, device=x.device)
        own = objective is not None and objective.own_bound is not None
        kl_sums = torch.zeros(model.latent_dim, device=x.device)
        means = torch.zeros(len(x), model.latent_dim, device=x.device)  # each process fills its chunks' rows
        starts = range(0, len(x), VALIDATION_BATCH)
        for chunk in range(processes.rank, len(starts), processes.world):
            start = starts[chunk]
            torch.manual_seed(seed if chunk == 0 else noise_seed(seed, 0, chunk, "validation"))
            batch = x[start:start + VALIDATION_BATCH]
            labels = None if y is None else y[start:start + VALIDATION_BATCH]
            out = model.elbo(batch, kl=kl, y=labels)
            loss = objective(model.given(labels), batch, 1.0).loss * len(batch) if own else torch.zeros(())
            unsplit = torch.tensor(float(out.kl_per_dim is None), device=x.device)
            sums += torch.stack([out.distortion.sum(), out.rate.sum(), unsplit, loss.to(x.device)])
            if out.kl_per_dim is not None:
                kl_sums += out.kl_per_dim.sum(0)
            means[start:start + len(batch)] = model.given(labels).encode(batch).mean
        if processes.several:  # one all-reduce of everything
            packed = add_across(torch.cat([sums, kl_sums, means.flatten()]), processes)
            sums, kl_sums = packed[:4], packed[4:4 + model.latent_dim]
            means = packed[4 + model.latent_dim:].view_as(means)
    model.train(was_training)
    distortion, rate = (sums[:2] / len(x)).tolist()
    split = float(sums[2]) == 0  # whether the KL splits by dimension (not for a mixture or VampPrior)
    active = active_units(code_variance(means.cpu()))
    found = {"neg_elbo": distortion + rate, "distortion": distortion, "rate": rate, "active_units": active,
             "kl_per_dim": (kl_sums / len(x)).tolist() if split else []}
    return {**found, "loss": float(sums[3]) / len(x)} if own else found
