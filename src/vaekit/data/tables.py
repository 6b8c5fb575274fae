"""Tables (.csv, .parquet) as vectors: every numeric column is one dimension; text columns are dropped.

    ds = load_table(Path("cells.csv"), LoadOptions(label_column="cell_type"))
    ds.columns        # the numeric column names, in file order
    ds.class_names    # sorted distinct values of cell_type; train_y/test_y index into them

Missing values are an error rather than silently dropped rows or filled zeros: which of those is right
depends on the data, so the user decides.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from vaekit.data.dataset import Dataset
from vaekit.data.options import LoadOptions
from vaekit.data.split import split_arrays
from vaekit.errors import DataError

TABLE_SUFFIXES = (".csv", ".parquet")


def load_table(path: Path, options: LoadOptions, name: str | None = None) -> Dataset:
    """A vector Dataset of the numeric columns, labelled by options.label_column if given, split by seed."""
    where = str(path)
    table = _read(path)
    labels, class_names = None, None
    if options.label_column is not None:
        labels, class_names = _labels(table, options.label_column, where)
        table = table.drop(columns=[options.label_column])
    numeric = table.select_dtypes(include=["number", "bool"])
    if numeric.shape[1] == 0:
        raise DataError(f"{where} has no numeric column (columns: {_names(table.columns)}); "
                        f"vaekit models numeric columns only")
    for column in numeric.columns:
        missing = numeric[column].isna().to_numpy()
        if missing.any():
            raise DataError(f"column {column!r} in {where} has {int(missing.sum())} missing values (first "
                            f"in data row {int(np.argmax(missing)) + 1}); fill or drop them first")
    x = numeric.to_numpy(dtype=np.float32)
    train_x, test_x, train_y, test_y = split_arrays(x, labels, options.test_fraction, options.seed)
    return Dataset.from_arrays(name or where, train_x, test_x, train_y, test_y, kind="vector", source=where,
                               class_names=class_names, columns=[str(column) for column in numeric.columns])


def _read(path: Path) -> pd.DataFrame:
    try:
        if path.suffix.lower() == ".parquet":
            return pd.read_parquet(path)
        return pd.read_csv(path)
    except (ValueError, OSError, ImportError) as error:  # pandas' and pyarrow's parse errors are ValueErrors
        reason = " ".join(str(error).split()) or type(error).__name__
        raise DataError(f"cannot read {path} as a {path.suffix.lstrip('.')} table: {reason}") from None


def _labels(table: pd.DataFrame, column: str, where: str) -> tuple[np.ndarray, list[str]]:
    if column not in table.columns:
        raise DataError(f"label column {column!r} is not in {where}; its columns are: "
                        f"{_names(table.columns)}")
    values = table[column]
    if values.isna().any():
        raise DataError(f"label column {column!r} in {where} has {int(values.isna().sum())} missing values; "
                        f"every row needs a label")
    categories = pd.Categorical(values)
    return categories.codes.astype(np.int64), [str(category) for category in categories.categories]


def _names(columns: pd.Index, limit: int = 12) -> str:
    names = [str(column) for column in columns]
    return ", ".join(names[:limit]) + (f", ... ({len(names)} in all)" if len(names) > limit else "")
