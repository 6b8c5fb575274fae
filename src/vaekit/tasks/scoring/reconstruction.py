"""The reconstruction error of each example: the squared error of the likelihood mean decoded at the posterior mean,

    reconstruction(x) = sum_j (x_j - E[x_j | z = E_q[z|x]])^2

summed over the data dimensions (in the data's units); a missing (NaN) entry of a run trained with missing
values adds nothing, as in evaluate's reconstruction_mse. Deterministic: no draws. It applies where the data's
values are measurements (not to text, whose token ids name words: id 7 is no nearer id 8 than id 900).
"""

from __future__ import annotations

import torch

from vaekit.core.registry import SCORES
from vaekit.tasks.scoring.chunk import Chunk
from vaekit.tasks.scoring.kind import ScoreKind


@SCORES.register("reconstruction")
class ReconstructionError(ScoreKind):
    compares_values = True
    maps = True  # each entry's squared error
    seeded = False  # no draws: decoded at the posterior mean

    @torch.no_grad()
    def __call__(self, chunk: Chunk) -> torch.Tensor:
        return self.entries(chunk).flatten(1).nansum(1)  # NaN: a missing entry, which adds nothing

    @torch.no_grad()
    def entries(self, chunk: Chunk) -> torch.Tensor:
        model = chunk.model
        recon = model.decode(model.encode(chunk.x, chunk.y).mean, chunk.y).mean
        return (chunk.x - recon).pow(2).cpu().double()
