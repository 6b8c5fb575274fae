"""Classes from a model with a class latent: q(y|x) for every example, in batches, and its accuracy on labels.

    probs = class_probabilities(model, x)          # (N, K) rows of q(y|x), on the CPU
    probs = ensemble_probabilities([m2, m2_seed1, m2_seed2], x)   # their mean: a deep ensemble
    accuracy(probs, y)                              # over the labelled rows (-1: unlabelled, left out)
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from vaekit.core.errors import DataError
from vaekit.model.input_checks import as_checked_data
from vaekit.model.vae import VAE
from vaekit.tasks.outputs import check_finite_outputs


@torch.no_grad()
def class_probabilities(model: VAE, x: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """(N, K) q(y|x) of each example (each row sums to 1); a one-line error for a run with no class variable."""
    x = as_checked_data(x, model, move=False)  # batches go to the model's device one at a time
    model.class_posterior(x[:1].to(model.device))  # the run's own error when it has no class variable
    rows = [model.class_posterior(x[start:start + batch_size].to(model.device)).probs.cpu()
            for start in range(0, len(x), batch_size)]
    probs = torch.cat(rows)
    check_finite_outputs(probs, "class probabilities")
    return probs


def ensemble_probabilities(models: Sequence[VAE], x: torch.Tensor) -> torch.Tensor:
    """(N, K) the mean of the models' q(y|x) (Lakshminarayanan et al. 2017's deep ensembles: models of the same
    settings from other seeds, whose mistakes differ); one model gives its own."""
    return torch.stack([class_probabilities(model, x) for model in models]).mean(0)


def check_labels(y: torch.Tensor, num_classes: int, where: str) -> torch.Tensor:
    """The labelled rows' mask of labels y (N,), which must be -1 (unlabelled) or one of the model's classes."""
    outside = (y < -1) | (y >= num_classes)
    if bool(outside.any()):
        raise DataError(f"the labels of {where} include {int(y[outside][0])}, outside this model's classes "
                        f"0..{num_classes - 1} (-1: unlabelled); give data labelled with the run's classes")
    return y >= 0


def accuracy(probs: torch.Tensor, y: torch.Tensor) -> float:
    """The share of labelled rows (y >= 0) whose most probable class is their label; NaN with none labelled."""
    labelled = y >= 0
    if not bool(labelled.any()):
        return float("nan")
    return float((probs[labelled].argmax(1) == y[labelled]).float().mean())
