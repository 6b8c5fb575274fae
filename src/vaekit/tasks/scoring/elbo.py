"""The negative ELBO of each example, in nats.

    -ELBO(x) = (1/S) sum_s -log p(x|z_s) + KL(q(z|x) || p(z)),   z_s ~ q(z|x), seeded per example

S = `samples` posterior draws (1 by default; a few make it less noisy). The KL is in closed form where torch has
one, else a one-sample estimate (as in evaluation). Its map (`--map`): each entry's -log p(x_j|z_s), averaged
over the same draws (tasks/scoring/entries.py).
"""

from __future__ import annotations

import torch

from vaekit.core.registry import SCORES
from vaekit.tasks.scoring.chunk import Chunk
from vaekit.tasks.scoring.entries import entry_terms
from vaekit.tasks.scoring.kind import ScoreKind


@SCORES.register("elbo")
class NegativeELBO(ScoreKind):
    reads_likelihood = True  # log p(x), or a bound on it
    maps = True  # the distortion's share of each entry, over the same draws (the KL belongs to no entry)

    def __call__(self, chunk: Chunk) -> torch.Tensor:
        return -chunk.bound(chunk.samples).elbo

    def entries(self, chunk: Chunk) -> torch.Tensor:
        return entry_terms(chunk.model, chunk.x, chunk.y, chunk.samples, False, chunk.seed, chunk.first_index)
