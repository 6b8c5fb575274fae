"""Tables (.csv, .parquet) as vectors: every column is one dimension, with a type.

    ds = load_table(Path("adult.csv"), LoadOptions(label_column="income"))
    ds.columns        # the column names, in file order
    ds.column_types   # "continuous", "mixture", "binary" or "categorical" for each (COLUMN_TYPES)
    ds.column_values  # for binary and categorical columns, the values their codes 0..K-1 stand for
    ds.class_names    # sorted distinct values of the label column; train_y/test_y index into them

Types are inferred: columns with two distinct values are binary; other text, boolean and category columns are
categorical; other numbers (integers included) are continuous. `LoadOptions.column_types`
("sex:binary,age:continuous,price:mixture") overrides any column; "mixture" is a number column that the mixed
likelihood models with a mixture of Gaussians (a skewed or multi-modal column), read like a continuous one.

Missing values are an error rather than silently dropped rows or filled zeros: which of those is right
depends on the data, so the user decides. With `LoadOptions.missing` (data.missing: model) they are kept as NaN,
for a model of the observed entries (vaekit.likelihoods.observed) and imputation (vaekit.tasks.imputation).

A table's index gives the rows their ids and is never a feature: in a CSV, an unnamed first column (what
pandas' to_csv writes for the index); in Parquet or a DataFrame, an index other than the default 0..N-1.
Without one, a row's id is its number (0-based). Ids must be unique and present.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from vaekit.core.errors import DataError
from vaekit.core.schema import check_memory
from vaekit.core.schema import shown as quoted
from vaekit.data.common.convert import MISSING_HINT
from vaekit.data.common.options import LoadOptions
from vaekit.data.common.split import split_with_rows
from vaekit.data.dataset import Dataset

if TYPE_CHECKING:  # pandas is imported where a table is read (it takes a quarter second): not by `import vaekit`
    import pandas as pd

TABLE_SUFFIXES = (".csv", ".parquet")
UNNAMED_FIRST = "Unnamed: 0"  # what pandas calls a CSV's first column when its header is empty
ID_COLUMN = "id"  # the first column of vaekit's own table outputs (impute, denoise, score, embed): read back as ids
ID_FIRST = (UNNAMED_FIRST, ID_COLUMN)
MAX_CATEGORIES = 100  # more distinct values than this in a text column is an id or free text, not a category
# the types a column may have: numbers, modelled by one Gaussian (continuous) or a mixture of Gaussians (mixture,
# for skewed or multi-modal columns), and codes into the column's sorted values (binary, categorical)
NUMBER_TYPES = ("continuous", "mixture")
COLUMN_TYPES = (*NUMBER_TYPES, "binary", "categorical")


def load_table(path: Path, options: LoadOptions, name: str | None = None) -> Dataset:
    """A vector Dataset of the numeric columns, labelled by options.label_column if given, split by seed."""
    return table_dataset(read_table(path), options, name or str(path), str(path))


def table_dataset(table: pd.DataFrame, options: LoadOptions | None = None, name: str = "table",
                  where: str = "the table") -> Dataset:
    """A Dataset from a pandas DataFrame, with the same column typing and label handling as a file.

    >>> data = table_dataset(frame, LoadOptions(label_column="income"))
    >>> vaekit.train(config, data=data)
    """
    import pandas as pd

    options = options or LoadOptions()
    table, ids = _index_ids(table, where) if options.index_ids else (table, None)
    labels, class_names = None, None
    if options.label_column is not None:
        labels, class_names = _labels(table, options.label_column, where)
        table = table.drop(columns=[options.label_column])
    if options.numeric_only:  # a run from before typed tables: its model saw the numeric columns as they are
        table = table.select_dtypes(include=["number", "bool"])
        overrides = {str(column): "continuous" for column in table.columns}
    else:
        overrides = _parse_types(options.column_types, [str(c) for c in table.columns], where)
    if table.shape[1] == 0:
        raise DataError(f"{where} has no column to model besides the labels")
    for column in table.columns:
        _check_flat(table[column], where)
        missing = table[column].isna().to_numpy()
        if missing.any() and not options.missing:
            raise DataError(f"column {column!r} in {where} has {int(missing.sum())} missing values (first "
                            f"in data row {int(np.argmax(missing)) + 1}); fill or drop them first{MISSING_HINT}, or "
                            "keep them as nulls of a synthetic copy with --metadata auto")
        if pd.api.types.is_numeric_dtype(table[column]) and \
                np.isinf(table[column].to_numpy(float)).any():
            raise DataError(f"column {column!r} in {where} contains NaN or infinite values; remove or fill them "
                            "first")
    types, values, encoded = [], [], []
    for column in table.columns:
        if str(column) not in overrides:
            _check_not_numbers_with_junk(table[column], where)
        kind = overrides.get(str(column)) or infer_type(table[column])
        codes, column_values = encode_column(table[column], kind, where, strict=str(column) not in overrides)
        types.append(kind)
        values.append(column_values)
        encoded.append(codes)
    stacked = np.stack(encoded, axis=1)
    beyond = np.abs(np.nan_to_num(stacked, nan=0.0)) > FLOAT32_MAX  # finite in the file, infinite as float32
    if beyond.any():
        row, col = (int(i) for i in np.argwhere(beyond)[0])
        raise DataError(f"column {str(table.columns[col])!r} in {where} holds {stacked[row, col]:.3g} (first in data "
                        f"row {row + 1}), beyond float32's range (about 3.4e38) that vaekit computes in; rescale the "
                        "column or fix the value")
    x = stacked.astype(np.float32)
    train_x, test_x, train_y, test_y, rows = split_with_rows(x, labels, options.split_fraction, options.seed)
    return Dataset.from_arrays(name, train_x, test_x, train_y, test_y, kind="vector", source=where,
                               class_names=class_names, columns=[str(column) for column in table.columns],
                               column_types=types, column_values=values, rows=rows, ids=ids,
                               missing=options.missing)


def _index_ids(table: pd.DataFrame, where: str) -> tuple[pd.DataFrame, np.ndarray | None]:
    """The table without its index, and the index's values as ids (None when it has no index of its own)."""
    import pandas as pd

    if len(table.columns) and str(table.columns[0]) in ID_FIRST:
        values = table[table.columns[0]]
        what = "the unnamed first column (the index)" if str(table.columns[0]) == UNNAMED_FIRST else \
            f"the first column, {ID_COLUMN},"
        table = table.drop(columns=[table.columns[0]])
    elif not isinstance(table.index, pd.RangeIndex) or table.index.start != 0 or table.index.step != 1:
        values, what = table.index.to_series(), "the index"
    else:
        return table, None
    table = table.reset_index(drop=True)
    if values.isna().any():
        raise DataError(f"{what} of {where} has {int(values.isna().sum())} missing ids (first in data row "
                        f"{int(np.argmax(values.isna().to_numpy())) + 1}); give every row an id, or drop the index")
    repeated = values[values.duplicated()]
    if len(repeated):
        raise DataError(f"{what} of {where} repeats the id {_plain(repeated.iloc[0])!r}; ids must be unique "
                        "(drop the index to number the rows instead)")
    ids = values.to_numpy()
    # integer ids stay integers; anything else (names, dates) is written back as text
    return table, ids.astype(np.int64) if pd.api.types.is_integer_dtype(values) else ids.astype(str)


def infer_type(values: pd.Series) -> str:
    """continuous, binary or categorical, from a column's dtype and distinct values."""
    import pandas as pd

    distinct = values.nunique()
    if distinct == 2:
        return "binary"
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return "categorical"
    # integers stay numbers (counts, years, ids of unknown meaning); override a coded column as categorical
    return "continuous"


def encode_column(values: pd.Series, kind: str, where: str, strict: bool = True) -> tuple[np.ndarray, list | None]:
    """The column as float numbers (continuous, mixture) or as codes into its sorted distinct values. `strict` (an
    inferred type) asks for at least two values; a type given explicitly (a run's own) takes a column that
    happens to hold one value in this file."""
    import pandas as pd

    if kind in NUMBER_TYPES:
        if not pd.api.types.is_numeric_dtype(values):
            raise DataError(f"column {values.name!r} in {where} is not numeric, so it cannot be {kind}")
        return values.to_numpy(dtype=np.float64, na_value=np.nan), None
    categories = pd.Categorical(values)
    if kind == "binary" and len(categories.categories) > 2 or strict and kind == "binary" and \
            len(categories.categories) != 2:
        raise DataError(f"column {values.name!r} in {where} has {len(categories.categories)} distinct values, "
                        "so it cannot be binary")
    if strict and len(categories.categories) < 2:
        raise DataError(f"column {values.name!r} in {where} has one value only; drop it")
    if len(categories.categories) > MAX_CATEGORIES:
        raise DataError(f"column {values.name!r} in {where} has {len(categories.categories)} distinct values, too "
                        f"many for a categorical column (at most {MAX_CATEGORIES}); drop it (an id or free text?) "
                        "or, if it is a number, set it continuous with column_types")
    codes = categories.codes.astype(np.float64)
    codes[categories.codes < 0] = np.nan  # a missing value has code -1: it stays missing
    return codes, [_plain(v) for v in categories.categories]


def _check_flat(values: pd.Series, where: str) -> None:
    """Each cell one value: Parquet can hold lists, arrays, maps and structs in a cell, which have no type here."""
    if values.dtype != object:
        return
    nested = values.map(lambda v: isinstance(v, (list, tuple, dict, set, np.ndarray))).to_numpy(bool)
    if nested.any():
        row = int(np.argmax(nested))
        raise DataError(f"column {values.name!r} in {where} holds {type(values.iloc[row]).__name__} values (first in "
                        f"data row {row + 1}), not one number or category per cell; flatten it into columns of its "
                        "own, or drop it")


def _check_not_numbers_with_junk(values: pd.Series, where: str) -> None:
    """A text column whose entries are mostly numbers is a number column with some bad entries (a "?" or
    "n/a" for a missing value, a typo): typed as categorical it would silently turn every distinct number into a
    category. That is refused, naming the entries, rather than guessed either way: the user knows whether the
    entries are errors to fix, or whether the column really is categorical (column_types name:categorical)."""
    import pandas as pd

    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values) or values.nunique() <= 2:
        return
    numbers = pd.to_numeric(values, errors="coerce")
    bad = numbers.isna().to_numpy() & values.notna().to_numpy()
    if bad.any() and numbers.notna().sum() > len(values) / 2:  # mostly numbers, so the rest are the odd ones
        shown = list(dict.fromkeys(values[bad].astype(str)))[:5]
        first = int(np.argmax(bad)) + 1
        raise DataError(f"column {values.name!r} in {where} holds numbers but also {int(bad.sum())} non-numeric "
                        f"entries: {', '.join(map(quoted, shown))} (first in data row {first}); fix or remove them, "
                        f"or set column_types {values.name}:categorical to model it as categories")


def _plain(value: Any) -> Any:
    """A JSON-safe value for the run directory: numbers and strings as they are, anything else (dates) as text."""
    value = value.item() if hasattr(value, "item") else value
    return value if isinstance(value, (str, int, float, bool)) else str(value)


def align_columns(data: Dataset, columns: list[str], values: list[list | None]) -> Dataset:
    """The dataset with its binary and categorical codes re-pointed at a run's saved values, so that code k
    means the same value it meant in training; a value the run never saw is an error."""
    if data.columns != columns:
        raise DataError(f"this table's columns {data.columns} differ from the run's {columns}")
    arrays = [data.train_x.clone(), data.test_x.clone()]  # rows and ids stay as they are
    for j, (saved, here) in enumerate(zip(values, data.column_values or [])):
        if saved is None or here is None or saved == here:
            continue
        unknown = [v for v in here if v not in saved]
        if unknown:
            raise DataError(f"column {columns[j]!r} has values the run never saw: {unknown[:5]}")
        lookup = torch.tensor([float(saved.index(v)) for v in here])
        for x in arrays:
            known = ~torch.isnan(x[:, j])  # a missing value stays missing
            x[known, j] = lookup[x[known, j].long()]
    return dataclasses.replace(data, train_x=arrays[0], test_x=arrays[1], column_values=list(values))


def _parse_types(spec: str | None, columns: list[str], where: str) -> dict[str, str]:
    overrides: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in (spec or "").split(","))):
        name, colon, kind = item.rpartition(":")
        if not colon:
            raise DataError(f"column_types items look like name:type, got {item!r}")
        if name not in columns:
            raise DataError(f"column_types names {name!r}, which is not a column of {where}")
        if kind not in COLUMN_TYPES:
            raise DataError(f"column type {kind!r} for {name!r}: choose {', '.join(COLUMN_TYPES[:-1])} or "
                            f"{COLUMN_TYPES[-1]}")
        overrides[name] = kind
    return overrides


# bytes a table cell takes at most while it is read: pandas' column (8: a float64 or an object's pointer), the
# float64 codes of encode_column (8) and the float32 array of the data set (4), with room for a copy
CELL_BYTES = 24


FLOAT32_MAX = float(np.finfo(np.float32).max)
CSV_EXPANSION = 4  # bytes in memory per byte of CSV, at least: numbers of 2 to 8 characters as float64


def check_parquet_metadata(path: Path) -> None:
    """A one-line DataError when a Parquet file's metadata (its footer: read alone, nothing else) declares more
    rows and columns than this machine's memory holds once read: a footer is believed by the reader, which
    allocates what it says."""
    try:
        import pyarrow.parquet as pq
    except ImportError:  # pandas then says which package it needs
        return
    with pq.ParquetFile(path) as file:
        metadata = file.metadata
        rows, columns = metadata.num_rows, metadata.num_columns
        stored = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
    check_memory(max(stored, 0) + max(rows, 0) * max(columns, 0) * CELL_BYTES,
                 f"{path}: its Parquet metadata's num_rows ({rows:,}) and num_columns ({columns:,})",
                 "use a smaller table (fewer rows), or stream it (data.streaming: on)")


def read_table(path: Path) -> pd.DataFrame:
    """A .csv or .parquet file as a DataFrame, its size checked against memory first."""
    import pandas as pd

    try:
        if path.suffix.lower() == ".parquet":
            check_parquet_metadata(path)
            return pd.read_parquet(path)
        # a CSV has no header of sizes: its bytes are the bound (a cell of text takes a few bytes, and pandas holds
        # it as 8 or more, with copies while it parses)
        check_memory(path.stat().st_size * CSV_EXPANSION, f"{path} ({path.stat().st_size:,} bytes of CSV)",
                     "use a smaller table, or save it as Parquet and stream it (data.streaming: on)")
        return pd.read_csv(path)
    except DataError:  # the metadata's own one line
        raise
    except (ValueError, OSError, ImportError) as error:  # pandas' and pyarrow's parse errors are ValueErrors
        reason = " ".join(str(error).split()) or type(error).__name__
        raise DataError(f"cannot read {path} as a {path.suffix.lstrip('.')} table: {reason}") from None


def _labels(table: pd.DataFrame, column: str, where: str) -> tuple[np.ndarray, list[str]]:
    import pandas as pd

    if column not in table.columns:
        raise DataError(f"label column {column!r} is not in {where}; its columns are: "
                        f"{_names(table.columns)}")
    values = table[column]
    _check_flat(values, where)
    # an empty cell is an unlabelled row: pandas codes it -1, scikit-learn's mark for one (semi-supervised
    # learning; the trainer takes such rows only for a model that sums the class out)
    categories = pd.Categorical(values)
    return categories.codes.astype(np.int64), [str(category) for category in categories.categories]


def _names(columns: pd.Index, limit: int = 12) -> str:
    names = [str(column) for column in columns]
    return ", ".join(names[:limit]) + (f", ... ({len(names)} in all)" if len(names) > limit else "")
