"""Improved precision and recall of generated samples (Kynkaanniemi et al. 2019), in the feature space of the
Frechet distance's classifier (tasks/evaluation/frechet.py), so that the two are read side by side.

Each set of features approximates its manifold by the union of balls around its points, each ball reaching the
point's k-th nearest neighbour in the same set. Precision is the share of generated points inside the real
manifold (are samples realistic?); recall the share of real points inside the generated manifold (do samples cover
the data's variety?). A Frechet distance mixes both; these two say which one a model lacks.

    precision, recall = precision_recall(real_features, fake_features, k=3)    # each in [0, 1]
"""

from __future__ import annotations

import numpy as np
import torch

from vaekit.core.errors import VaekitError

NEIGHBOURS = 3  # Kynkaanniemi et al.'s k
CHUNK = 1000  # rows of the distance table computed at once: CHUNK x N floats


def _radii(points: torch.Tensor, k: int) -> torch.Tensor:
    """Each point's distance to its k-th nearest neighbour among the others."""
    return torch.cat([torch.cdist(points[start:start + CHUNK], points).topk(k + 1, largest=False).values[:, k]
                      for start in range(0, len(points), CHUNK)])  # the nearest, at distance 0, is the point itself


def _covered(queries: torch.Tensor, points: torch.Tensor, radii: torch.Tensor) -> torch.Tensor:
    """Whether each query lies in some point's ball (distance at most its radius)."""
    return torch.cat([(torch.cdist(queries[start:start + CHUNK], points) <= radii).any(1)
                      for start in range(0, len(queries), CHUNK)])


def precision_recall(real: np.ndarray, fake: np.ndarray, k: int = NEIGHBOURS) -> tuple[float, float]:
    """(precision, recall) of fake features (M, F) against real ones (N, F), with k-nearest-neighbour balls."""
    if real.ndim != 2 or fake.ndim != 2 or real.shape[1] != fake.shape[1]:
        raise VaekitError(f"precision and recall compare two (N, F) feature sets of the same width; got "
                          f"{real.shape} and {fake.shape}")
    if min(len(real), len(fake)) <= k:
        raise VaekitError(f"precision and recall with k = {k} need more than {k} real and generated examples, got "
                          f"{len(real)} and {len(fake)}")
    if not (np.isfinite(real).all() and np.isfinite(fake).all()):
        return float("nan"), float("nan")
    real_t, fake_t = torch.from_numpy(real).double(), torch.from_numpy(fake).double()
    precision = _covered(fake_t, real_t, _radii(real_t, k)).double().mean()
    recall = _covered(real_t, fake_t, _radii(fake_t, k)).double().mean()
    return float(precision), float(recall)
