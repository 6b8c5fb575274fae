"""A sample-quality score: the Frechet distance between real and generated images in the feature space of a
small classifier that vaekit trains on the same data set and caches.

Like FID (Heusel et al. 2017) but with a feature extractor trained on the data at hand instead of Inception on
ImageNet, so the numbers are comparable between models scored on the same data set, and not with published FIDs.

    score = frechet_distance_for(model, dataset)   # lower is better; 0 for identical feature statistics
"""

from __future__ import annotations

import hashlib
import math
import os
import warnings
from pathlib import Path

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch import nn

from vaekit.core.io import atomic_path
from vaekit.data import Dataset
from vaekit.model.vae import VAE

FEATURES = 128
EPOCHS = 5


def frechet_distance(real: np.ndarray, fake: np.ndarray) -> float:
    """||mu_r - mu_f||^2 + Tr(S_r + S_f - 2 (S_r S_f)^(1/2)) between two (N, F) feature sets."""
    from scipy import linalg  # scipy takes most of a second to import: only a Frechet distance pays for it

    if not (np.isfinite(real).all() and np.isfinite(fake).all()):
        return float("nan")  # features of samples that overflowed: no distance (sqrtm would raise LinAlgError)
    mu_r, mu_f = real.mean(0), fake.mean(0)
    cov_r, cov_f = np.cov(real, rowvar=False), np.cov(fake, rowvar=False)
    with warnings.catch_warnings():  # a singular product is handled just below
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        root = linalg.sqrtm(cov_r @ cov_f)
    if not np.isfinite(root).all():  # a singular product: nudge both covariances, as FID implementations do
        offset = np.eye(len(cov_r)) * 1e-6
        root = linalg.sqrtm((cov_r + offset) @ (cov_f + offset))
    root = root.real  # rounding leaves a tiny imaginary part
    return float(((mu_r - mu_f) ** 2).sum() + np.trace(cov_r + cov_f - 2 * root))


class FeatureClassifier(nn.Module):
    """An MLP classifier whose last hidden layer gives the features."""

    def __init__(self, inputs: int, classes: int) -> None:
        super().__init__()
        self.features = nn.Sequential(nn.Flatten(), nn.Linear(inputs, 512), nn.ReLU(), nn.Linear(512, FEATURES),
                                      nn.ReLU())
        self.head = nn.Linear(FEATURES, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def _cache_path(data: Dataset) -> Path:
    """One cached classifier per data set content (name, shape and a fingerprint of the training images)."""
    fingerprint = hashlib.sha256(data.train_x[:2000].numpy().tobytes()).hexdigest()[:16]
    root = Path(os.environ.get("VAEKIT_CACHE", Path.home() / ".cache" / "vaekit"))
    name = "".join(c if c.isalnum() or c in "-_" else "_" for c in Path(data.name).name)
    classes = int(max(data.train_y.max(), data.test_y.max())) + 1
    return (root / "classifiers" /
            f"{name}-{'x'.join(map(str, data.shape))}-{classes}c-f{FEATURES}-e{EPOCHS}-{fingerprint}.safetensors")


def feature_classifier(data: Dataset, seed: int = 0) -> FeatureClassifier:
    """The data set's feature classifier: loaded from the cache, or trained (a few epochs of Adam) and cached."""
    classes = int(max(data.train_y.max(), data.test_y.max())) + 1
    classifier = FeatureClassifier(math.prod(data.shape), classes)
    path = _cache_path(data)
    if path.is_file():
        try:
            classifier.load_state_dict(load_file(str(path)))
            return classifier.eval()
        except (SafetensorError, RuntimeError, OSError):  # a damaged cache entry: train it again
            pass
    generator = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(), torch.enable_grad():  # callers may be under no_grad (evaluate is)
        torch.manual_seed(seed)
        classifier = FeatureClassifier(math.prod(data.shape), classes)
        optimizer = torch.optim.Adam(classifier.parameters(), lr=1e-3)
        for _ in range(EPOCHS):
            order = torch.randperm(len(data.train_x), generator=generator)
            for start in range(0, len(order), 256):
                index = order[start:start + 256]
                loss = nn.functional.cross_entropy(classifier(data.train_x[index]), data.train_y[index])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
    with atomic_path(path) as tmp:
        save_file({k: v.contiguous() for k, v in classifier.state_dict().items()}, str(tmp))
    return classifier.eval()


@torch.no_grad()
def features(classifier: FeatureClassifier, x: torch.Tensor, batch_size: int = 1000) -> np.ndarray:
    return torch.cat([classifier.features(x[i:i + batch_size]) for i in range(0, len(x), batch_size)]).numpy()


@torch.no_grad()
def frechet_distance_for(model: VAE, data: Dataset, samples: int = 10_000, seed: int = 0) -> float:
    """Frechet distance between the test images and as many decoded prior samples (likelihood means)."""
    classifier = feature_classifier(data, seed)
    real = data.test_x[:samples]
    generator = torch.Generator(device=model.device).manual_seed(seed)
    # a conditional VAE draws the test set's classes, one generated image per real one
    labels = data.test_y[:samples] if model.num_classes is not None else None
    fake = torch.cat([model.sample(min(1000, len(real) - i), generator=generator,
                                   labels=None if labels is None else labels[i:i + 1000]).cpu()
                      for i in range(0, len(real), 1000)])
    return frechet_distance(features(classifier, real), features(classifier, fake))
