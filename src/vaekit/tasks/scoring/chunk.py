"""One chunk of examples being scored, with the importance-weighted bounds of it computed once and shared.

Several kinds read the same bound (iw, complexity and likelihood_ratio read IW_k; elbo and rate read IW_1 or the
mean over a few samples), so a chunk keeps each bound it has computed. The noise of example j is seeded by
(seed, j) inside importance_weighted_bound: `first_index` says where the chunk starts, so the numbers do not depend
on how the examples were chunked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from vaekit.tasks.evaluation.importance import LikelihoodEstimate, importance_weighted_bound


@dataclass
class Chunk:
    """Examples x[first_index : first_index + len(x)] (on the model's device), their labels y for a conditional
    VAE, and the settings of the scores: k importance samples, `samples` posterior draws for the ELBO, the seed,
    and a background model (or None)."""

    model: torch.nn.Module
    x: torch.Tensor
    y: torch.Tensor | None
    first_index: int
    k: int
    samples: int
    seed: int
    background: torch.nn.Module | None = None
    _bounds: dict[tuple[bool, int], LikelihoodEstimate] = field(default_factory=dict, repr=False)

    def bound(self, k: int, background: bool = False) -> LikelihoodEstimate:
        """IW_k of each example (and the ELBO, distortion and rate over the same draws), under the model or the
        background model."""
        key = (background, k)
        if key not in self._bounds:
            model = self.background if background else self.model
            labels = None if background or self.y is None else self.y
            self._bounds[key] = importance_weighted_bound(model, self.x, k, batch_size=len(self.x), seed=self.seed,
                                                          first_index=self.first_index, y=labels)
        return self._bounds[key]

    def rate(self) -> torch.Tensor:
        """KL(q(z|x) || p(z)) of each example. Every bound takes it at the same first draw, so one already
        computed gives it; else IW_1, the cheapest."""
        known = next((bound for (background, _), bound in self._bounds.items() if not background), None)
        return (known or self.bound(1)).rate
