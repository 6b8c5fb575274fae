"""Training the second-stage VAE of `vaekit fit-prior --method vae` (priors/second_stage.py) on a trained VAE's
codes: Adam on the negative ELBO per code, fresh weights and order from a seed.

    module = train_second_stage(codes, epochs=10)     # codes (N, d)
    SecondStagePrior(module).rsample_seeded(torch.Size([16]), generator)
"""

from __future__ import annotations

import math

import torch
from tqdm.auto import tqdm

from vaekit.core.progress import bars_drawn
from vaekit.priors.second_stage import SecondStageVAE

HIDDEN = 512  # Dai and Wipf's second stage is a few wide fully connected layers; d is 2 to a few hundred
BATCH = 1000


def train_second_stage(codes: torch.Tensor, epochs: int = 10, batch_size: int = 256, lr: float = 1e-3,
                       seed: int = 0, hidden: int = HIDDEN, progress: bool = False) -> SecondStageVAE:
    """A SecondStageVAE trained on codes (N, d), on their device, in eval mode with its weights frozen.
    `progress`: a line per epoch, and a bar over each epoch's steps on a terminal."""
    with torch.random.fork_rng(devices=[]):  # fresh weights from the seed, the caller's random state untouched
        torch.manual_seed(seed)
        module = SecondStageVAE(codes.shape[1], hidden).to(codes.device)
    optimizer = torch.optim.Adam(module.parameters(), lr=lr)
    order = torch.Generator().manual_seed(seed)
    noise = torch.Generator(device=codes.device).manual_seed(seed)
    steps = math.ceil(len(codes) / batch_size)
    module.train()
    for epoch in range(1, epochs + 1):
        total = 0.0
        with tqdm(total=steps, desc=f"second stage epoch {epoch}", leave=False,
                  disable=not (progress and bars_drawn())) as bar:
            for rows in torch.randperm(len(codes), generator=order).split(batch_size):
                loss = module.loss(codes[rows.to(codes.device)], noise).mean()
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                total += float(loss.detach()) * len(rows)
                bar.update(1)
        if progress:
            tqdm.write(f"second stage epoch {epoch} of {epochs}: -ELBO {total / len(codes):.2f} nats per code, "
                       f"gamma {float(module.log_gamma.detach().exp()):.3g}")
    return module.eval().requires_grad_(False)


@torch.no_grad()
def mean_elbo(module: SecondStageVAE, codes: torch.Tensor, seed: int = 0) -> float:
    """The second VAE's ELBO per code (nats, one draw each): a lower bound on log p(z) of its own model."""
    noise = torch.Generator(device=codes.device).manual_seed(seed)
    return -float(torch.cat([module.loss(batch, noise) for batch in codes.split(BATCH)]).mean())
