"""Writing model outputs to files a person asked for: a PNG grid, a .npy array, or a CSV/Parquet table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from vaekit.core.errors import VaekitError
from vaekit.core.io import atomic_path
from vaekit.plots.grid import image_grid

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
TABLE_SUFFIXES = (".csv", ".parquet")


def save_batch(path: str | Path, batch: torch.Tensor, ncol: int = 8, columns: list[str] | None = None,
               column_values: list | None = None) -> Path:
    """(N, *shape) examples to `path`: images as a grid picture, anything as .npy, vectors as a table (binary
    and categorical columns written as their original values, given `column_values`)."""
    path = Path(path)
    suffix = path.suffix.lower()
    batch = batch.detach().cpu()
    if suffix in IMAGE_SUFFIXES:
        if batch.ndim != 4:
            raise VaekitError(f"{path}: only image data can be saved as a picture; use .npy or .csv")
        import matplotlib.image

        with atomic_path(path) as tmp:
            matplotlib.image.imsave(tmp, image_grid(batch, ncol))
        return path
    if suffix in TABLE_SUFFIXES:
        return save_table(path, batch.reshape(len(batch), -1).numpy(), columns, column_values=column_values)
    if suffix == ".npy":
        with atomic_path(path) as tmp, tmp.open("wb") as handle:
            np.save(handle, batch.numpy())
        return path
    raise VaekitError(f"{path}: choose an output ending in .png, .npy, .csv or .parquet")


def beside(path: Path, what: str) -> Path:
    """The file beside an .npy output that holds its rows' `what` ("ids", "labels"): NAME-ids.npy."""
    return path.with_name(f"{path.stem}-{what}.npy")


def files_written(path: Path, labels: bool = False) -> list[Path]:
    """Every file an output named `path` writes: an .npy array has its ids beside it in NAME-ids.npy (and its
    labels in NAME-labels.npy), as save_array_with_ids names them; any other output is one file."""
    if path.suffix.lower() != ".npy":
        return [path]
    return [path, *(beside(path, what) for what in (["ids", "labels"] if labels else ["ids"]))]


def check_outputs_apart(outputs: dict[str, Path | None], labels: bool = False) -> None:
    """Refuse, before anything is written, two outputs of one call that would write the same file (a file beside
    an .npy included): `--out a.npy --noisy-out a-ids.npy` wrote the noisy inputs over the ids of the first.

        check_outputs_apart({"--out": Path(out), "--noisy-out": None if noisy_out is None else Path(noisy_out)})
    """
    seen: dict[Path, tuple[str, Path]] = {}
    for option, path in outputs.items():
        if path is None:
            continue
        for written in files_written(path, labels):
            key = written.resolve()
            if key in seen and seen[key][0] != option:
                other, first = seen[key]
                if first.resolve() == path.resolve():
                    raise VaekitError(f"{other} and {option} both name {path}: one would overwrite the other; give "
                                      "two files")
                raise VaekitError(f"{other} {first} and {option} {path} would both write {written} (an .npy's ids "
                                  "go beside it in NAME-ids.npy): one would overwrite the other; give names apart")
            seen.setdefault(key, (option, path))


def save_array_with_ids(path: Path, values: np.ndarray, ids: np.ndarray, labels: np.ndarray | None = None) -> Path:
    """`values` as NAME.npy, in row order, with the rows' ids in NAME-ids.npy and their labels (if any) in
    NAME-labels.npy beside it: an array has no column for them."""
    with atomic_path(path) as tmp, tmp.open("wb") as handle:
        np.save(handle, values)
    with atomic_path(beside(path, "ids")) as tmp, tmp.open("wb") as handle:
        np.save(handle, ids)
    if labels is not None:
        with atomic_path(beside(path, "labels")) as tmp, tmp.open("wb") as handle:
            np.save(handle, labels)
    return path


def save_table(path: Path, values: np.ndarray, columns: list[str] | None,
               extra: dict[str, np.ndarray] | None = None, column_values: list | None = None,
               ids: np.ndarray | None = None, dtypes: dict[str, Any] | None = None) -> Path:
    """`values` as a table with the given column names, then the `extra` columns; `ids`, given, as a first
    column "id". `dtypes` (a source table's) turns numeric columns back to their integer or boolean type where
    every value is whole."""
    frame = table_frame(values, columns, column_values, dtypes)
    for name, column in (extra or {}).items():
        frame[name] = column
    if ids is not None:
        frame.insert(0, "id", ids)
    return write_frame(path, frame)


def table_frame(values: np.ndarray, columns: list[str] | None, column_values: list | None = None,
                dtypes: dict[str, Any] | None = None) -> Any:
    """Rows of numbers (N, D) as a pandas DataFrame: the given column names (x0, x1, ... without them), the codes
    of binary and categorical columns back to the values they stand for, whole numbers back to `dtypes`."""
    import pandas as pd

    columns = columns if columns is not None and len(columns) == values.shape[1] else \
        [f"x{i}" for i in range(values.shape[1])]
    frame = pd.DataFrame(values, columns=columns)
    for column, known in zip(columns, column_values or []):
        if known:  # a binary or categorical column: codes back to the values they stand for
            codes = np.clip(np.rint(frame[column].to_numpy()), 0, len(known) - 1).astype(int)
            frame[column] = pd.Series(np.asarray(known, dtype=object)[codes]).infer_objects()
    for column, dtype in (dtypes or {}).items():
        whole = pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)
        if column in frame and whole and pd.api.types.is_float_dtype(frame[column]) and \
                bool((frame[column] == frame[column].round()).all()):
            frame[column] = frame[column].astype(dtype)
    return frame


def write_frame(path: Path, frame: Any) -> Path:
    """A pandas DataFrame to a .csv (without its index) or .parquet file, atomically."""
    with atomic_path(path) as tmp:
        if path.suffix.lower() == ".csv":
            frame.to_csv(tmp, index=False)
        else:
            try:
                frame.to_parquet(tmp, index=False)
            except ImportError:
                raise VaekitError("writing Parquet needs pyarrow: pip install 'vaekit[parquet]'") from None
    return path
