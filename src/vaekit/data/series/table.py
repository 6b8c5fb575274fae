"""Long recordings from a CSV or Parquet table: one row a time step, the numeric columns its channels.

    found = read_recordings(Path("log.csv"), id_column="", time_column="")
    found.values[0].shape          # (T_0, C): the first recording's steps, in time order
    found.channels                 # ['temperature', 'pressure']
    found.times[0][:2]             # its timestamps, as read (datetime64 or numbers), or found.times is None

A time column is the one named by `time=` or, unless told, a column named time, timestamp, date or datetime (any
case), or one of dates (a datetime column of a Parquet file, or text that pandas reads as dates in every row). It
orders each recording's steps (a stable sort) and is written back beside point scores; it is not a channel.
A recording id column is the one named by `id=` or else a column named id: each of its values is one recording, in
the order they first appear. Every other column must be numeric: those are the channels.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from vaekit.core.errors import DataError
from vaekit.data.table.reader import read_table

if TYPE_CHECKING:
    import pandas as pd

TIME_NAMES = ("time", "timestamp", "date", "datetime")


@dataclass(eq=False)
class Recordings:
    """The recordings of a table: values (T_i, C) float32 each, their ids, timestamps (None without a time
    column), the time column's name and the channels' names."""

    values: list[np.ndarray]
    ids: np.ndarray
    times: list[np.ndarray] | None
    time_name: str | None
    channels: list[str]


def _named(table: pd.DataFrame, name: str, what: str, where: str) -> str | None:
    if not name:
        return None
    if name not in table.columns:
        raise DataError(f"{where} has no column {name!r} to read as the {what}; its columns are: "
                        f"{', '.join(map(str, table.columns[:12]))}")
    return name


def _as_dates(values: pd.Series) -> pd.Series | None:
    """The column as datetimes when every value reads as one, else None."""
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(values):
        return values
    if not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)):
        return None
    import warnings

    for layout in ("ISO8601", None):  # ISO dates first; else pandas infers the layout from the first value
        try:
            with warnings.catch_warnings():  # "could not infer format": then it is not a column of dates
                warnings.simplefilter("ignore", UserWarning)
                parsed = pd.to_datetime(values, format=layout)
        except (ValueError, TypeError, OverflowError):
            continue
        return None if parsed.isna().any() else parsed
    return None


def _time_column(table: pd.DataFrame, told: str, where: str) -> str | None:
    named = _named(table, told, "time column", where)
    if named is not None:
        return named
    for column in table.columns:
        if str(column).lower() in TIME_NAMES:
            return column
    for column in table.columns:
        if _as_dates(table[column]) is not None:
            return column
    return None


def read_recordings(path: Path, id_column: str = "", time_column: str = "") -> Recordings:
    """The recordings of the table in `path` (.csv or .parquet); a DataError naming what is wrong: no numeric
    column, a column that is not numeric, NaN or infinite values inside a recording, an empty table."""
    import pandas as pd

    where = str(path)
    table = read_table(path)
    if len(table) == 0:
        raise DataError(f"{where} has no rows; a series table holds one row per time step")
    ids_name = _named(table, id_column, "recording id column", where)
    if ids_name is None and "id" in table.columns:
        ids_name = "id"
    time_name = _time_column(table.drop(columns=[ids_name]) if ids_name else table, time_column, where)
    channels = [column for column in table.columns if column not in (ids_name, time_name)]
    if not channels:
        raise DataError(f"{where} has no numeric column besides its time and id columns; a series table holds "
                        "one numeric column per channel")
    for column in channels:
        if not pd.api.types.is_numeric_dtype(table[column]) or pd.api.types.is_bool_dtype(table[column]):
            raise DataError(f"column {column!r} of {where} is not numeric ({table[column].dtype}); a series table "
                            "holds a time column, a recording id column and numeric channels: drop it, or name "
                            "the time or id column with series:path=FILE,time=COLUMN,id=COLUMN")
    if time_name is not None:
        dates = _as_dates(table[time_name])
        stamps = dates if dates is not None else table[time_name]
        if not pd.api.types.is_numeric_dtype(stamps) and dates is None:
            raise DataError(f"the time column {time_name!r} of {where} holds values that are neither dates nor "
                            "numbers; fix them, or name another column with series:path=FILE,time=COLUMN")
        if stamps.isna().any():
            raise DataError(f"the time column {time_name!r} of {where} is empty in row "
                            f"{int(np.flatnonzero(stamps.isna())[0]) + 2} (the header is row 1); fill it or drop "
                            "the row")
        table = table.assign(**{time_name: stamps})
    groups = [(None, table)] if ids_name is None else list(table.groupby(ids_name, sort=False, dropna=False))
    values, names, stamps_of = [], [], []
    for name, part in groups:
        if time_name is not None:
            part = part.sort_values(time_name, kind="stable")  # steps in time order, ties as in the file
        numbers = part[channels].to_numpy(dtype=np.float64)
        bad = ~np.isfinite(numbers)
        if bad.any():
            row, column = (int(i) for i in np.argwhere(bad)[0])
            which = "" if ids_name is None else f" of recording {name!r}"
            raise DataError(f"{where}: column {channels[column]!r}{which} is NaN, empty or infinite at step {row}; "
                            "a series has no gaps inside it: fill them first (interpolate, or cut the recording "
                            "there)")
        values.append(numbers.astype(np.float32))
        names.append(0 if name is None else name)
        if time_name is not None:
            stamps_of.append(part[time_name].to_numpy())
    return Recordings(values, np.asarray(names), stamps_of if time_name is not None else None, time_name,
                      [str(column) for column in channels])
