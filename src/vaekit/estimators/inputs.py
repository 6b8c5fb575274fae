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
    x = numbers_of(X, estimator)
    if x.ndim not in (2, 4) or len(x) == 0:
        raise VaekitError(f"expected a table (examples, features) or images (examples, channels, height, width), "
                          f"got shape {x.shape}")
    if shape is not None and tuple(x.shape[1:]) != tuple(shape):
        raise VaekitError(f"expected examples of shape {tuple(shape)} as in fit, got {tuple(x.shape[1:])}")
    if not np.isfinite(x).all():
        raise VaekitError("the array contains NaN or infinite values")
    return np.ascontiguousarray(x)


def numbers_of(X: Any, estimator: str, hint: str = "") -> np.ndarray:
    """X as float32, refused unless its values are real numbers (ints, floats, bools): a complex array would lose
    its imaginary part and a text one ("1.5") be parsed, both silently, by numpy's conversion; the CLI refuses
    such a .npy the same way (data/common/convert.py)."""
    try:
        raw = np.asarray(X)
    except (TypeError, ValueError):  # ragged lists
        raw = None
    if raw is not None and raw.dtype.kind in "cmMSUV":
        what = "text" if raw.dtype.kind in "SU" else str(raw.dtype)
        raise VaekitError(f"X holds {what} values; {estimator} needs a numeric (int or float) array")
    if raw is not None and raw.dtype.kind == "O" and any(isinstance(value, str | bytes | complex | np.complexfloating)
                                                         for value in raw.flat):
        raise VaekitError(f"{estimator} takes numbers{hint}; code categories as numbers first (for example "
                          "pandas.get_dummies or scikit-learn's OneHotEncoder): X holds text or complex values")
    try:
        return np.asarray(X, dtype=np.float32)
    except (TypeError, ValueError):  # text columns of a DataFrame, ragged lists
        raise VaekitError(f"{estimator} takes numbers{hint}; code categories as numbers first (for example "
                          "pandas.get_dummies or scikit-learn's OneHotEncoder)") from None


def far_outside(x: np.ndarray, low: float, high: float) -> str | None:
    """Why scores of x were not finite numbers when x lies far outside the values the model was trained on
    (low..high): the values are the cause, not the weights; None when x lies near that range."""
    reach = 1e3 * max(high - low, 1.0)  # generous: an outlier should score, only an absurd scale overflows
    outside = (x < low - reach) | (x > high + reach)
    if not outside.any():
        return None
    row = int(np.argwhere(outside.reshape(len(x), -1).any(1))[0][0])
    value = float(np.abs(x[row]).max())
    return (f"X holds values far outside those the model was trained on ({low:g} to {high:g}): {value:g} in row "
            f"{row}, where its scores overflow; give X on the scale of the training data")


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
