"""What the scikit-learn estimators (VAEAnomalyDetector, VAEClassifier) accept as X: numbers, as a table or images.

    x = as_examples(X, "VAEClassifier", shape=model.data_shape)   # float32 (N, D) or (N, C, H, W), finite
"""

from __future__ import annotations

from typing import Any

import numpy as np

from vaekit.core.errors import VaekitError


def as_examples(X: Any, estimator: str, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """X as contiguous float32 (N, D) or (N, C, H, W), checked: finite, and of the fitted model's shape; the
    errors name the `estimator`."""
    try:
        x = np.asarray(X, dtype=np.float32)
    except (TypeError, ValueError):  # text columns of a DataFrame, ragged lists
        raise VaekitError(f"{estimator} takes numbers; code categories as numbers first (for example "
                          "pandas.get_dummies or scikit-learn's OneHotEncoder)") from None
    if x.ndim not in (2, 4) or len(x) == 0:
        raise VaekitError(f"expected a table (examples, features) or images (examples, channels, height, width), "
                          f"got shape {x.shape}")
    if shape is not None and tuple(x.shape[1:]) != tuple(shape):
        raise VaekitError(f"expected examples of shape {tuple(shape)} as in fit, got {tuple(x.shape[1:])}")
    if not np.isfinite(x).all():
        raise VaekitError("the array contains NaN or infinite values")
    return np.ascontiguousarray(x)
