"""The likelihood ratio against a background model (Ren et al. 2019, "Likelihood ratios for out-of-distribution
detection"), in nats:

    LLR(x) = log p(x) - log p_background(x),   score(x) = -LLR(x)

Both log-likelihoods are importance-weighted estimates with k samples. The background model is trained on
perturbed inputs (a random fraction of the pixels replaced by noise, say), so that it learns the population-level
statistics (background, simple textures) that both models share; the ratio cancels them and keeps what is
particular to the in-distribution data. Higher = more anomalous, like every score.
"""

from __future__ import annotations

import torch

from vaekit.core.registry import SCORES
from vaekit.tasks.scoring.chunk import Chunk
from vaekit.tasks.scoring.kind import ScoreKind


@SCORES.register("likelihood_ratio")
class LikelihoodRatio(ScoreKind):
    reads_likelihood = True  # log p(x), or a bound on it
    needs_background = True

    def __call__(self, chunk: Chunk) -> torch.Tensor:
        return chunk.bound(chunk.k, background=True).log_likelihood - chunk.bound(chunk.k).log_likelihood
