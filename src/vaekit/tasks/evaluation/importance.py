"""The importance-weighted estimate of log p(x) (Burda et al. 2015), with memory bounded for any k.

    log p(x) >= IW_k(x) = log (1/k) sum_i p(x, z_i) / q(z_i|x),   z_i ~ q(z|x)

IW_1 is the ELBO; IW_k does not decrease in expectation as k grows and tends to log p(x). Samples are drawn in
chunks and combined with a running log-sum-exp, so memory depends on the chunk, not on k. The noise of example j
comes from a generator seeded by (seed, j): the numbers do not depend on the batch size, and a seed repeats them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch.distributions import Distribution

from vaekit.config.fields import check_importance_samples, check_seed
from vaekit.core.errors import VaekitError
from vaekit.core.progress import bars_drawn
from vaekit.core.seeded import SeededPosterior
from vaekit.model.vae import VAE
from vaekit.objectives.kl import kl_terms

BLOCK = 64  # samples drawn per seeded noise block
# decoder outputs held at once per chunk of samples (floats): 8 MB. Larger chunks are slower, not faster: glibc
# serves each one with fresh mmap'd pages, and at 100 MB chunks half of the time went to page faults.
CHUNK_ELEMENTS = 2_000_000


@dataclass
class LikelihoodEstimate:
    """Per-example values in nats (tensors of shape (N,) on the CPU)."""

    log_likelihood: torch.Tensor   # IW_k(x), the importance-weighted estimate (a lower bound in expectation)
    elbo: torch.Tensor             # mean over the k samples of log p(x|z) minus KL(q || p)
    distortion: torch.Tensor       # mean over the k samples of -log p(x|z)
    rate: torch.Tensor             # KL(q(z|x) || p(z)), closed form where torch has one


def noise_draws(indices: range, samples: range, dim: int, seed: int,
           blocks: dict[tuple[int, int], torch.Tensor] | None = None) -> torch.Tensor:
    """(len(samples), B, d) standard normal noise. Noise comes in blocks of BLOCK samples, each seeded by
    (seed, example, block), so example j's draws depend neither on the batch nor on the chunk size, and memory
    stays that of one chunk whatever k is. `blocks` keeps the blocks drawn so far, so that consecutive chunks
    that share a block do not draw it again; blocks before this chunk are dropped from it."""
    first, last = samples.start // BLOCK, (samples.stop - 1) // BLOCK
    blocks = {} if blocks is None else blocks
    for key in [key for key in blocks if key[1] < first]:
        del blocks[key]
    columns = []
    for index in indices:
        for block in range(first, last + 1):
            if (index, block) not in blocks:
                generator = torch.Generator().manual_seed((((seed * 1_000_003) + index) * 1_000_033 + block) % 2**63)
                blocks[index, block] = torch.randn(BLOCK, dim, generator=generator)
        column = torch.cat([blocks[index, block] for block in range(first, last + 1)])
        offset = samples.start - first * BLOCK
        columns.append(column[offset:offset + len(samples)])
    return torch.stack(columns, dim=1)


def reparameterization(q: Distribution) -> Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor]]:
    """noise -> (z, log q(z|x)), as the posterior distribution declares it (vaekit.core.seeded): a Gaussian's shift and
    scale, a flow's steps (change of variables, forward only: planar steps have no inverse), a ladder's top-down
    pass."""
    if not isinstance(q, SeededPosterior):
        raise VaekitError(f"the importance-weighted bound needs a posterior that draws from noise "
                          f"(reparameterize); {type(q).__name__} does not")
    return q.reparameterize


@torch.no_grad()
def importance_weighted_bound(model: VAE, x: torch.Tensor, k: int = 5000, batch_size: int = 100, seed: int = 0,
                              first_index: int = 0, progress: bool = False, y: torch.Tensor | None = None
                              ) -> LikelihoodEstimate:
    """IW_k and the ELBO of each example of x (N, *data_shape); labels y for a conditional VAE (log p(x|y)).

    >>> estimate = importance_weighted_bound(model, test_x, k=1000)
    >>> -estimate.log_likelihood.mean()   # the estimate of -log p(x) in nats per example
    """
    k = check_importance_samples("k", k)  # 1 to MAX_IMPORTANCE_SAMPLES (config/fields.py says why)
    check_seed("seed", seed)
    if batch_size < 1:
        raise VaekitError(f"batch_size must be at least 1, got {batch_size}")
    from tqdm.auto import tqdm

    was_training = model.training
    model.eval()
    device = model.device
    parts: dict[str, list[torch.Tensor]] = {"log_likelihood": [], "elbo": [], "distortion": [], "rate": []}
    elements = math.prod(model.data_shape)
    progress = progress and bars_drawn()  # no bar into a log or a pipe: its redraws would flood it
    for start in tqdm(range(0, len(x), batch_size), desc=f"IW bound, k={k}", disable=not progress, leave=False):
        batch = x[start:start + batch_size].to(device)
        bound = model.given(None if y is None else y[start:start + batch_size].to(device))
        q = bound.encode(batch)
        reparameterize = reparameterization(q)
        examples = range(first_index + start, first_index + start + len(batch))
        prior = bound.prior
        chunk = max(1, CHUNK_ELEMENTS // (len(batch) * elements))
        # running sums live on the CPU in float64 (some devices, MPS, have no float64)
        running = torch.full((len(batch),), -math.inf, dtype=torch.float64)
        log_px_sum = torch.zeros(len(batch), dtype=torch.float64)
        blocks: dict[tuple[int, int], torch.Tensor] = {}
        for s in range(0, k, chunk):
            noise = noise_draws(examples, range(s, min(k, s + chunk)), model.latent_dim, seed, blocks).to(device)
            z, log_q = reparameterize(noise)
            log_px = bound.decode(z).log_prob(batch)
            weights = (log_px + prior.log_prob(z) - log_q).cpu().double()
            running = torch.logaddexp(running, torch.logsumexp(weights, dim=0))
            log_px_sum += log_px.cpu().double().sum(0)
        first_draw, _ = reparameterize(noise_draws(examples, range(1), model.latent_dim, seed)[0].to(device))
        rate, _ = kl_terms(q, prior, first_draw)  # closed form where torch has one, else one-sample estimate
        rate = rate.cpu().double()
        distortion = -log_px_sum / k
        parts["log_likelihood"].append(running - math.log(k))
        parts["distortion"].append(distortion)
        parts["rate"].append(rate)
        parts["elbo"].append(-distortion - rate)
    model.train(was_training)
    return LikelihoodEstimate(**{name: torch.cat(values) for name, values in parts.items()})
