"""Denoising and inpainting baselines, scored by PSNR against the clean examples: a 3x3 median filter (images),
a PCA reconstruction and, for inpainting, where the missing pixels are known, a KNNImputer. PCA and the
KNNImputer are fitted on the clean rows the run was trained on.

    denoising_baselines(train_x, noisy, image=True)     # {"median filter 3x3": (N, ...), "PCA reconstruction": ...}
    inpainting_baselines(train_x, gaps, image=True)      # gaps: NaN where a pixel is missing
    psnr(clean, estimate, peak=1.0, where=missing)       # dB, over the missing pixels only
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import torch

from vaekit.tasks.baselines.inputs import as_rows, fill_missing, fit_pca, pca_reconstruction, subset

MEDIAN_NAME = "median filter 3x3"
PCA_NAME = "PCA reconstruction"
KNN_NAME = "KNNImputer (5 neighbours)"
PCA_ROUNDS = 30  # alternations of project-and-refill when PCA fills missing pixels


def _array(values: torch.Tensor | np.ndarray) -> np.ndarray:
    return (values.numpy() if isinstance(values, torch.Tensor) else np.asarray(values)).astype(np.float64)


def psnr(clean: torch.Tensor | np.ndarray, estimate: torch.Tensor | np.ndarray, peak: float = 1.0,
         where: torch.Tensor | np.ndarray | None = None) -> float:
    """Peak signal-to-noise ratio 10 log10(peak^2 / MSE), in dB, over every entry or those `where` marks."""
    error = (_array(clean) - _array(estimate)) ** 2
    if where is not None:
        error = error[_array(where).astype(bool)]
    mse = float(error.mean())
    return math.inf if mse == 0 else 10 * math.log10(peak ** 2 / mse)


def peak_of(train_x: torch.Tensor | np.ndarray, image: bool) -> float:
    """The peak of PSNR: 1 for images (pixels in [0, 1]), the training data's range for other data."""
    if image:
        return 1.0
    train = _array(train_x)
    return float(np.nanmax(train) - np.nanmin(train)) or 1.0


def median_filtered(noisy: np.ndarray) -> np.ndarray:
    """Each channel of each image (N, C, H, W) through a 3x3 median filter (edges mirrored)."""
    from scipy.ndimage import median_filter

    return median_filter(noisy, size=(1, 1, 3, 3), mode="mirror")


def median_filled(gaps: np.ndarray) -> np.ndarray:
    """Missing pixels (NaN) of images (N, C, H, W) filled by the median of their observed 3x3 neighbours, again
    and again inward until none is left (a hole's centre takes its value from the filled rim); observed pixels
    stay as they are. An image with nothing observed stays NaN and is then set to 0."""
    filled = gaps.copy()
    height, width = filled.shape[-2:]
    for _ in range(height + width):
        missing = np.isnan(filled)
        if not missing.any():
            break
        padded = np.pad(filled, ((0, 0), (0, 0), (1, 1), (1, 1)), constant_values=np.nan)
        around = np.stack([padded[..., i:i + height, j:j + width] for i in range(3) for j in range(3)])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN neighbourhood is filled a later round
            median = np.nanmedian(around, axis=0)
        filled = np.where(missing, median, filled)
    return np.nan_to_num(filled, nan=0.0)


def pca_filled(pca, gaps: np.ndarray, start: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Missing entries of rows (N, D) filled by alternating: project on the principal subspace, put the
    reconstruction where entries are missing, keep the observed ones (an EM-like PCA imputation)."""
    missing = np.isnan(gaps)
    filled = np.where(missing, start, gaps)
    for _ in range(PCA_ROUNDS):
        filled = np.where(missing, pca_reconstruction(pca, filled), gaps)
    return filled


def denoising_baselines(train_x: torch.Tensor | np.ndarray, noisy: torch.Tensor | np.ndarray, image: bool,
                        seed: int = 0) -> dict[str, np.ndarray]:
    """{baseline: estimates of the clean examples, shaped as `noisy`}: the median filter (images) and the PCA
    reconstruction (components for 90% of the clean training variance, at most 50)."""
    array = _array(noisy)
    found = {MEDIAN_NAME: median_filtered(array)} if image else {}
    train, rows = fill_missing(as_rows(train_x), as_rows(array))
    found[PCA_NAME] = pca_reconstruction(fit_pca(train, seed), rows).reshape(array.shape)
    return found


def inpainting_baselines(train_x: torch.Tensor | np.ndarray, gaps: torch.Tensor | np.ndarray, image: bool,
                         seed: int = 0) -> dict[str, np.ndarray]:
    """{baseline: `gaps` with its NaN entries filled}: the median of the observed neighbours (images), PCA
    fitted on the training rows (refilled until it settles) and a KNNImputer (5 nearest training rows, at most
    20,000 of them, by the entries observed in both)."""
    from sklearn.impute import KNNImputer

    array = _array(gaps)
    found = {MEDIAN_NAME: median_filled(array)} if image else {}
    train = fill_missing(as_rows(train_x))[0]
    rows = as_rows(array)
    means = train.mean(0)
    found[PCA_NAME] = pca_filled(fit_pca(train, seed), rows, np.broadcast_to(means, rows.shape)).reshape(array.shape)
    knn = KNNImputer(n_neighbors=5, keep_empty_features=True).fit(subset(train, seed=seed)[0])
    found[KNN_NAME] = np.where(np.isnan(rows), knn.transform(rows), rows).reshape(array.shape)
    return found
