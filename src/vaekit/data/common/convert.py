"""Turn a numeric array from a file into examples: images (N, C, H, W) in [0, 1] or vectors (N, D).

    x, kind = as_examples(np.zeros((10, 28, 28), np.uint8), "a.npy")   # (10, 1, 28, 28), "image"
    y = as_labels(np.array([0, 1, 1]), 3, "a.npz")                     # int64

The rules, chosen so the common layouts need no options:
- integer arrays with values 0..255 of 3 dims (N, H, W) or 4 dims (N, H, W, C) / (N, C, H, W) are 8-bit images,
  divided by 255; the channel axis is the last or the second, whichever is 1 or 3, else 4 (the last axis
  first), else whichever is smaller than the two others (a 5-band (N, 5, 64, 64) stack);
- float (or bool) arrays of 3 or 4 dims with values in [0, 1] are images already scaled;
- any numeric array of 2 dims is vectors (N, D), kept as they are.
"""

from __future__ import annotations

import numpy as np

from vaekit.core.errors import DataError
from vaekit.data.dataset import MISSING_HINT

# how to keep NaN entries instead, said wherever missing values are refused


def as_examples(array: np.ndarray, where: str, missing: bool = False) -> tuple[np.ndarray, str]:
    """float32 examples and their kind ("image" or "vector") from a raw array read from `where`; `missing` keeps
    NaN entries (missing values, data.missing: model) in float arrays."""
    if array.dtype == np.bool_:
        array = array.astype(np.float32)
    if not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)):
        raise DataError(f"{where} holds {array.dtype} values; vaekit needs a numeric (int or float) array")
    if array.ndim == 2:
        return array.astype(np.float32), "vector"
    if array.ndim not in (3, 4):
        raise DataError(f"{where} holds an array of shape {array.shape}; expected vectors (N, D) or images "
                        f"(N, H, W), (N, H, W, C) or (N, C, H, W)")
    if not np.isfinite(array).all():  # checked before the range test, which NaN would confuse
        if not missing or np.isinf(array).any():
            raise DataError(f"data in {where} contains {'infinite' if missing else 'NaN or infinite'} values; "
                            f"remove or fill them first{'' if missing else MISSING_HINT}")
    observed = array[~np.isnan(array)] if missing and np.issubdtype(array.dtype, np.floating) else array
    low, high = (observed.min(), observed.max()) if observed.size else (0, 0)
    if np.issubdtype(array.dtype, np.integer):
        if low < 0 or high > 255:
            raise DataError(f"{where} holds integer images with values {low}..{high}; 8-bit images must "
                            f"be 0..255")
        images = array.astype(np.float32)
        images /= 255
    else:
        if low < 0 or high > 1:
            raise DataError(f"{where} holds float images with values {low:g}..{high:g}; scale them to "
                            f"[0, 1] or save them as uint8 0..255")
        images = array.astype(np.float32)
    return _channels_first(images, where), "image"


UNLABELLED = -1  # a row without a label (scikit-learn's semi-supervised convention)


def as_labels(array: np.ndarray, count: int, where: str) -> np.ndarray:
    """int64 class labels (N,) from integer (or integer-valued float) labels, checked against N examples."""
    labels = np.asarray(array)
    if labels.ndim != 1 or len(labels) != count:
        raise DataError(f"labels in {where} have shape {labels.shape} but there are {count} examples; "
                        f"expected shape ({count},)")
    if np.issubdtype(labels.dtype, np.floating):
        if not (np.isfinite(labels).all() and (labels == np.round(labels)).all()):
            raise DataError(f"labels in {where} are not whole numbers; class labels must be integers")
    elif not (np.issubdtype(labels.dtype, np.integer) or labels.dtype == np.bool_):
        raise DataError(f"labels in {where} are {labels.dtype}; class labels must be integers")
    if len(labels) and labels.min() < UNLABELLED:
        raise DataError(f"labels in {where} include {labels.min()}; class labels must be 0 or more (-1 marks an "
                        "unlabelled row)")
    return labels.astype(np.int64)


def _channels_first(images: np.ndarray, where: str) -> np.ndarray:
    if images.ndim == 3:
        return images[:, None]
    _, second, height, last = images.shape
    for counts in ((1, 3), (4,)):  # grey and RGB before RGBA: a (N, 3, 4, 4) stack is three channels of 4x4
        if last in counts:  # (N, H, W, C), the layout of Pillow, matplotlib and most .npy files
            return images.transpose(0, 3, 1, 2)
        if second in counts:
            return images
    if last < min(second, height):  # any other channel count: the axis smaller than the image's sides
        return images.transpose(0, 3, 1, 2)
    if second < min(height, last):
        return images
    raise DataError(f"{where} holds images of shape {images.shape}, whose channel axis cannot be told; save them "
                    f"as (N, C, H, W) with fewer channels C than pixels on a side")
