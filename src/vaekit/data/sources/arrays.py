"""Datasets stored as NumPy .npy / .npz files (never unpickled: allow_pickle=False; every array's header checked
first, data/common/npy_header.py, so that no header makes np.load allocate more than the file holds or the machine has).

    load_array_file(Path("faces.npy"), options)       # (N, ...) examples, split by options.seed
    load_array_file(Path("mnist.npz"), options)       # x_train, y_train, x_test, y_test: that split

.npz key conventions, first match wins:
  x_train, x_test (+ y_train, y_test)  -> the file's own split
  x (+ y)                              -> split here
  images or data (+ labels or targets) -> split here
  anything else                        -> the first array is x, unlabelled, split here
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from vaekit.core.errors import DataError
from vaekit.data.common.convert import as_examples, as_labels
from vaekit.data.common.npy_header import check_array_file
from vaekit.data.common.options import LoadOptions
from vaekit.data.common.split import split_with_rows
from vaekit.data.dataset import Dataset
from vaekit.data.image.dsprites import KEYS as DSPRITES_KEYS
from vaekit.data.image.dsprites import is_dsprites_file, load_dsprites_file


def load_array_file(path: Path, options: LoadOptions, name: str | None = None) -> Dataset:
    """A Dataset from a .npy (examples only) or .npz (examples, maybe labels and a split) file."""
    dsprites = path.suffix.lower() == ".npz" and is_dsprites_file(path)  # read from the zip's listing only
    # before anything is read: the headers of the arrays that will be, against the file's size and the memory
    check_array_file(path, DSPRITES_KEYS if dsprites else None)
    if dsprites:  # its arrays, with their factors
        return load_dsprites_file(path, options, name=name)
    arrays = _read(path)
    where = str(path)
    if "x_train" in arrays:
        return _presplit(arrays, where, name or where, options.missing)
    if "x" in arrays:
        x_key, y_key = "x", "y" if "y" in arrays else None
    elif "images" in arrays or "data" in arrays:
        x_key = "images" if "images" in arrays else "data"
        y_key = next((key for key in ("labels", "targets") if key in arrays), None)
    else:
        x_key, y_key = next(iter(arrays)), None
    x, kind = _examples(arrays[x_key], f"{where}[{x_key}]" if path.suffix == ".npz" else where, options.missing)
    y = None if y_key is None else as_labels(arrays[y_key], len(x), f"{where}[{y_key}]")
    train_x, test_x, train_y, test_y, rows = split_with_rows(x, y, options.split_fraction, options.seed)
    return Dataset.from_arrays(name or where, train_x, test_x, train_y, test_y, kind=kind, source=where, rows=rows,
                               missing=options.missing)


def _presplit(arrays: dict[str, np.ndarray], where: str, name: str, missing: bool = False) -> Dataset:
    if "x_test" not in arrays:
        raise DataError(f"{where} has x_train but no x_test; add x_test, or name the single array x to have "
                        f"vaekit split it")
    if ("y_train" in arrays) != ("y_test" in arrays):
        raise DataError(f"{where} has labels for one split only; store both y_train and y_test, or neither")
    train_x, kind = _examples(arrays["x_train"], f"{where}[x_train]", missing)
    test_x, test_kind = _examples(arrays["x_test"], f"{where}[x_test]", missing)
    if kind != test_kind:
        raise DataError(f"{where} holds {kind}s in x_train but {test_kind}s in x_test; store both alike")
    train_y = test_y = None
    if "y_train" in arrays:
        train_y = as_labels(arrays["y_train"], len(train_x), f"{where}[y_train]")
        test_y = as_labels(arrays["y_test"], len(test_x), f"{where}[y_test]")
    return Dataset.from_arrays(name, train_x, test_x, train_y, test_y, kind=kind, source=where, missing=missing)


def _examples(array: np.ndarray, where: str, missing: bool) -> tuple[np.ndarray, str]:
    """as_examples, after refusing examples of no values (shape (N, 0, ...)), which would have no finite value to
    check or learn."""
    if array.ndim > 1 and 0 in array.shape[1:]:
        raise DataError(f"{where} holds examples of shape {array.shape[1:]}, which have no values; save an array "
                        "of (N, ...) examples with at least one value each")
    return as_examples(array, where, missing)


def _read(path: Path) -> dict[str, np.ndarray]:
    """The file's arrays (its headers checked by check_array_file first)."""
    try:
        loaded = np.load(path, allow_pickle=False)
        if isinstance(loaded, np.ndarray):
            return {"x": loaded}
        with loaded:
            arrays = {key: loaded[key] for key in loaded.files}
    except ValueError as error:
        if "pickle" in str(error):
            raise DataError(f"{path} holds Python objects, which vaekit never unpickles (it could run "
                            f"code); save plain numeric arrays") from None
        raise DataError(f"cannot read {path}: {' '.join(str(error).split())}") from None
    except (OSError, EOFError, zipfile.BadZipFile) as error:
        raise DataError(f"cannot read {path}: it is damaged ({' '.join(str(error).split())})") from None
    if not arrays:
        raise DataError(f"{path} holds no arrays")
    return arrays
