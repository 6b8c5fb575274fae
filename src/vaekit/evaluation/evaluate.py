"""One evaluation of a trained model on a data split: bounds, estimates, diagnostics, in one dictionary.

    results = vaekit.evaluate(model, vaekit.load_dataset("fashion-mnist"), k=5000)
    results["neg_log_likelihood"]["mean"]     # the k-sample importance-weighted estimate of -log p(x), nats
"""

from __future__ import annotations

import math
from typing import Any

import torch

from vaekit.data import Dataset
from vaekit.evaluation.diagnostics import ACTIVE_THRESHOLD, active_units, latent_statistics
from vaekit.evaluation.frechet import FEATURES, frechet_distance_for
from vaekit.evaluation.importance import importance_weighted_bound
from vaekit.evaluation.probe import linear_probe_accuracy
from vaekit.inference import embed
from vaekit.model import VAE


def _summary(values: torch.Tensor) -> dict[str, float]:
    """Mean and standard error of the mean of per-example values."""
    values = values.double()
    se = float(values.std() / math.sqrt(len(values))) if len(values) > 1 else float("nan")
    return {"mean": float(values.mean()), "se": se}


def protocol(likelihood: str, x: torch.Tensor) -> str:
    """Which quantity the likelihood numbers are, so that they are compared only with like numbers."""
    binary = bool(((x == 0) | (x == 1)).all())
    if likelihood == "bernoulli":
        return ("exact discrete log-likelihood of binary data" if binary else
                "Bernoulli cross-entropy of grey levels in [0, 1]: the classic VAE's objective, not a normalised "
                "density; comparable only with numbers computed the same way")
    return (f"{likelihood} density of the data as given (scaled to [0, 1] for images), without dequantization; "
            "not comparable with discrete (8-bit) likelihoods")


@torch.no_grad()
def evaluate(model: VAE, data: Dataset | torch.Tensor, k: int = 5000, batch_size: int = 100, seed: int = 0,
             split: str = "test", likelihood: str | None = None, progress: bool = False) -> dict[str, Any]:
    """Negative ELBO, the k-sample importance-weighted estimate of -log p(x) (nats and bits per dimension, with
    standard errors), active units, KL per latent dimension, reconstruction error and, for labelled data, a
    linear-probe accuracy, on the `split` of a Dataset (or on a tensor of examples)."""
    if isinstance(data, Dataset):
        x, y = (data.test_x, data.test_y) if split == "test" else (data.train_x, data.train_y)
    else:
        x, y = data, None
    x = x.cpu()  # batches go to the model's device one at a time
    estimate = importance_weighted_bound(model, x, k, batch_size, seed, progress=progress)
    stats = latent_statistics(model, x, seed=seed)
    dims = math.prod(model.data_shape)
    nll = _summary(-estimate.log_likelihood)
    squared = [((model.reconstruct(x[i:i + 1000].to(model.device)).cpu() - x[i:i + 1000]) ** 2).sum()
               for i in range(0, len(x), 1000)]
    results: dict[str, Any] = {
        "split": split, "examples": len(x), "k": k, "seed": seed,
        "protocol": protocol(likelihood or type(model.likelihood).__name__.removesuffix("Likelihood").lower(), x),
        "neg_elbo": _summary(-estimate.elbo), "distortion": _summary(estimate.distortion),
        "rate": _summary(estimate.rate), "neg_log_likelihood": nll,
        "bits_per_dim": {"mean": nll["mean"] / (dims * math.log(2)), "se": nll["se"] / (dims * math.log(2))},
        "active_units": active_units(stats["mean_variance"]), "active_threshold": ACTIVE_THRESHOLD,
        "latent_dim": model.latent_dim, "kl_per_dim": stats["kl_per_dim"].tolist(),
        "posterior_mean_variance": stats["mean_variance"].tolist(),
        "reconstruction_mse": float(sum(squared) / (len(x) * dims)),
    }
    # the probe is fitted on training codes and scored on test codes: only an evaluation of the test split has both
    if isinstance(data, Dataset) and split == "test" and data.train_y is not None and y is not None \
            and len(data.train_y.unique()) > 1:
        train_codes = embed(model, data.train_x[:20_000])
        results["linear_probe_accuracy"] = linear_probe_accuracy(
            train_codes.numpy(), data.train_y[:20_000].numpy(), stats["means"].numpy(), y.numpy(), seed=seed)
        if model.is_image and len(data.test_x) > FEATURES:
            # not comparable with Inception-based FID: features from vaekit's own classifier of this data set
            results["frechet_distance"] = frechet_distance_for(model, data, seed=seed)
    return results
