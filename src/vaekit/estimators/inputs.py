"""What the scikit-learn estimators (VAEAnomalyDetector, VAEClassifier) accept as X: numbers, as a table or images.

    x = as_examples(X, "VAEClassifier", shape=model.data_shape)   # float32 (N, D) or (N, C, H, W), finite
    names = feature_names(X)               # a DataFrame's column names (scikit-learn's feature_names_in_), or None
    as_table(values, names, index=X.index) # values as a DataFrame with those names, where there are names
"""

from __future__ import annotations

from typing import Any

import numpy as np

from vaekit.core.errors import VaekitError
from vaekit.model.input_checks import is_frame


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


def feature_names(X: Any) -> np.ndarray | None:
    """X's column names, as strings, where X is a pandas DataFrame; None for arrays (pandas is not imported for
    them: a caller who never loaded it did not pass a DataFrame)."""
    if not is_frame(X):
        return None
    return np.asarray([str(name) for name in X.columns], dtype=object)


def as_table(values: np.ndarray, names: np.ndarray | None, index: Any = None) -> Any:
    """`values` (N, D) as a DataFrame with columns `names` (and `index`), so that a table given as a DataFrame
    comes back as one; the array itself where there are no names."""
    if names is None:
        return values
    import pandas

    return pandas.DataFrame(values, columns=list(names), index=index)


def frame_index(X: Any) -> Any:
    """X's row index where X is a DataFrame, else None (a new DataFrame numbers its rows)."""
    return X.index if feature_names(X) is not None else None
