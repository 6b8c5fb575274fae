"""The rate of each example, in nats: how far its posterior moves from the prior,

    rate(x) = KL(q(z|x) || p(z))

in closed form where torch has one, else a one-sample estimate at the example's first seeded draw.
"""

from __future__ import annotations

import torch

from vaekit.core.registry import SCORES
from vaekit.tasks.scoring.chunk import Chunk
from vaekit.tasks.scoring.kind import ScoreKind


@SCORES.register("rate")
class Rate(ScoreKind):
    def __call__(self, chunk: Chunk) -> torch.Tensor:
        return chunk.rate()
