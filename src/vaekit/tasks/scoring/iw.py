"""-log p(x) of each example, in nats, by the importance-weighted bound (Burda et al. 2015):

    -log p(x) ~ -IW_k(x) = -log (1/k) sum_i p(x, z_i) / q(z_i|x),   z_i ~ q(z|x), seeded per example

An upper bound on -log p(x) in expectation, tighter as k grows (evaluation/importance.py). Its map (`--map`):
each entry's -log p(x_j|z_i) weighted by the normalised importance weights of the same draws (scoring/entries.py).
"""

from __future__ import annotations

import torch

from vaekit.core.registry import SCORES
from vaekit.tasks.scoring.chunk import Chunk
from vaekit.tasks.scoring.entries import entry_terms
from vaekit.tasks.scoring.kind import ScoreKind


@SCORES.register("iw")
class NegativeLogLikelihood(ScoreKind):
    reads_likelihood = True  # log p(x), or a bound on it
    maps = True  # each entry's -log p(x_j|z) under the importance-weighted posterior, over the same k draws

    def __call__(self, chunk: Chunk) -> torch.Tensor:
        return -chunk.bound(chunk.k).log_likelihood

    def entries(self, chunk: Chunk) -> torch.Tensor:
        return entry_terms(chunk.model, chunk.x, chunk.y, chunk.k, True, chunk.seed, chunk.first_index)
