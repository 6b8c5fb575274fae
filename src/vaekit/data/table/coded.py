"""A table read with its column metadata, for synthetic copies: the model columns of data/table/encoding.py as a
Dataset of kind "table", whose samples are written back as the input's columns, order and dtypes.

    data = load_coded_table(Path("males.csv"), LoadOptions(metadata="auto"))
    data = load_coded_table(Path("males.csv"), LoadOptions(metadata="meta.json"))   # declared types first
    data.table_metadata          # the metadata, as the run's metadata.json keeps it

Every row is a training example: no column is taken as an index or a label (an identifier column is detected as
such and generated anew, never modelled).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from vaekit.core.errors import DataError
from vaekit.data.common.options import LoadOptions
from vaekit.data.common.split import split_with_rows
from vaekit.data.dataset import Dataset
from vaekit.data.table.encoding import encode_table
from vaekit.data.table.metadata import TableMetadata, detect_metadata, read_metadata
from vaekit.data.table.reader import read_table

if TYPE_CHECKING:
    import pandas as pd

AUTO = "auto"


def load_coded_table(path: Path, options: LoadOptions, name: str | None = None) -> Dataset:
    """The table at `path`, typed by options.metadata ("auto" or a JSON file), as a Dataset of kind "table"."""
    return coded_dataset(read_table(path), options, name or str(path), str(path))


def table_metadata(frame: pd.DataFrame, metadata: str | TableMetadata | None) -> TableMetadata:
    """The metadata of `frame`: detected ("auto" or None), read from a JSON file and checked, or as given."""
    if isinstance(metadata, TableMetadata):
        if metadata.names != [str(c) for c in frame.columns]:
            raise DataError(f"the metadata's columns {metadata.names[:8]} differ from the table's "
                            f"{[str(c) for c in frame.columns][:8]}")
        return metadata
    if metadata in (None, AUTO):
        return detect_metadata(frame)
    return read_metadata(Path(metadata), frame)


def coded_dataset(frame: pd.DataFrame, options: LoadOptions, name: str = "table", where: str = "the table",
                  metadata: TableMetadata | None = None) -> Dataset:
    """A Dataset of kind "table" from a DataFrame and its metadata (given, or as options.metadata says)."""
    if options.label_column is not None:
        raise DataError("label_column does not apply to a table read with metadata (a synthetic copy models every "
                        "column); leave it unset, or leave data.metadata unset")
    if len(frame) < (1 if options.whole else 2):  # read whole, one row will do
        raise DataError(f"{where} has {len(frame)} rows; a model of it needs at least 2")
    frame = frame.reset_index(drop=True)
    frame.columns = [str(c) for c in frame.columns]
    spec = table_metadata(frame, metadata if metadata is not None else options.metadata)
    coded = encode_table(frame, spec)
    if not coded.columns:
        raise DataError(f"{where} has no column to model: every one is an identifier or a constant")
    train_x, test_x, _, _, rows = split_with_rows(coded.x, None, options.split_fraction, options.seed)
    return Dataset.from_arrays(name, train_x, test_x, None, None, kind="table", source=where,
                               columns=coded.columns, column_types=coded.types, column_values=coded.values,
                               rows=rows, missing=bool(np.isnan(coded.x).any()) or options.missing,
                               table_metadata=spec.as_json())

