"""-log p(x) of each example, in nats, by the importance-weighted bound (Burda et al. 2015):

    -log p(x) ~ -IW_k(x) = -log (1/k) sum_i p(x, z_i) / q(z_i|x),   z_i ~ q(z|x), seeded per example

An upper bound on -log p(x) in expectation, tighter as k grows (evaluation/importance.py).
"""

from __future__ import annotations

import torch

from vaekit.core.registry import SCORES
from vaekit.tasks.scoring.chunk import Chunk
from vaekit.tasks.scoring.kind import ScoreKind


@SCORES.register("iw")
class NegativeLogLikelihood(ScoreKind):
    reads_likelihood = True  # log p(x), or a bound on it

    def __call__(self, chunk: Chunk) -> torch.Tensor:
        return -chunk.bound(chunk.k).log_likelihood
