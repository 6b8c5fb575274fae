"""The tables a synthetic-table report reads: checked against their sdtypes (one DataError naming the column and
the table that is wrong), put in one shape (the columns in the order of sdtypes, booleans as True and False) and cut
to a seeded draw of rows.

    real, synthetic, holdout = check_tables(real, synthetic, holdout, {"age": "numerical", "smoker": "boolean"}, {})
    real = draw_rows(real, MAX_ROWS, np.random.default_rng(seed))
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from vaekit.core.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

SDTYPES = ("numerical", "categorical", "boolean", "datetime", "id")
MODELLED = ("numerical", "categorical", "boolean", "datetime")  # the sdtypes SDMetrics compares; ids it only checks
MAX_ROWS = 5_000  # rows of each table a report reads (a seeded draw): scores to about +-0.01, in seconds


def check_sdtypes(sdtypes: Mapping[str, str], datetime_formats: Mapping[str, str] | None = None,
                  target: str | None = None) -> None:
    """A DataError when an sdtype, a date format or the target is not one the report can use."""
    if not isinstance(sdtypes, Mapping) or not sdtypes:
        raise DataError(f"sdtypes must map each column to one of {', '.join(SDTYPES)}; got {sdtypes!r}")
    for column, sdtype in sdtypes.items():
        if not isinstance(column, str):  # SDMetrics joins names with suffixes ("price_ref")
            raise DataError(f"column names must be text, got {column!r}: rename the columns "
                            "(frame.columns = frame.columns.astype(str)) and name them so in sdtypes")
        if sdtype not in SDTYPES:
            raise DataError(f"column {column!r} has sdtype {sdtype!r}: give one of {', '.join(SDTYPES)}")
    if not any(sdtype in MODELLED for sdtype in sdtypes.values()):
        raise DataError(f"sdtypes names no {', '.join(MODELLED)} column: there is nothing to compare")
    for column in datetime_formats or {}:
        if sdtypes.get(column) != "datetime":
            raise DataError(f"datetime_formats names {column!r}, which sdtypes does not call datetime")
    if target is not None and sdtypes.get(target) not in MODELLED:
        raise DataError(f"target {target!r} is not a {', '.join(MODELLED)} column of sdtypes")


def _problem(values: pd.Series, sdtype: str, date_format: str | None) -> str | None:
    """Why a column's values cannot be of `sdtype` (None when they can)."""
    import pandas as pd

    known = values.dropna()
    example = f" (e.g. {known.iloc[0]!r})" if len(known) else ""
    if sdtype == "numerical" and (not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)):
        return f"holds {values.dtype} values{example}: give numbers, or call it categorical"
    if sdtype == "boolean" and not known.isin([True, False]).all():
        odd = known[~known.isin([True, False])]
        return f"holds {odd.iloc[0]!r}, which is not True, False, 1 or 0"
    if sdtype == "datetime" and not pd.api.types.is_datetime64_any_dtype(values):
        if date_format is None:
            return f"holds {values.dtype} values{example}: give datetimes, or its format in datetime_formats"
        parsed = pd.to_datetime(known, format=date_format, errors="coerce")
        if parsed.isna().any():
            return f"holds {known[parsed.isna()].iloc[0]!r}, which is not a date in the format {date_format!r}"
    return None


def _check_table(name: str, frame: Any, sdtypes: Mapping[str, str], date_formats: Mapping[str, str],
                 real: pd.DataFrame | None) -> None:
    import pandas as pd

    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"the {name} table must be a pandas DataFrame, got {type(frame).__name__}")
    if frame.columns.duplicated().any():
        raise DataError(f"the {name} table has the column {frame.columns[frame.columns.duplicated()][0]!r} twice")
    if len(frame) == 0:
        raise DataError(f"the {name} table has no rows")
    missing = [str(column) for column in sdtypes if column not in frame.columns]
    if missing:
        raise DataError(f"the {name} table lacks the column(s) {', '.join(missing)} that sdtypes names")
    extra = [str(column) for column in frame.columns if column not in sdtypes]
    if extra:
        raise DataError(f"the {name} table has column(s) {', '.join(extra)} that sdtypes does not name: give each "
                        f"an sdtype ({', '.join(SDTYPES)}) or drop it")
    for column, sdtype in sdtypes.items():
        problem = _problem(frame[column], sdtype, date_formats.get(column))
        if problem is None and real is not None and sdtype == "categorical" and \
                pd.api.types.is_numeric_dtype(frame[column]) != pd.api.types.is_numeric_dtype(real[column]):
            kinds = {True: "numbers", False: "text"}
            problem = (f"holds {kinds[pd.api.types.is_numeric_dtype(frame[column])]} where the real table's "
                       f"holds {kinds[pd.api.types.is_numeric_dtype(real[column])]}: its categories never match")
        if problem is not None:
            raise DataError(f"column {column!r} of the {name} table is declared {sdtype} but {problem}")


def check_tables(real: Any, synthetic: Any, holdout: Any, sdtypes: Mapping[str, str],
             date_formats: Mapping[str, str]) -> list[pd.DataFrame | None]:
    """The three tables checked (one DataError for the first wrong one), their columns in the order of sdtypes
    and booleans made True and False (a synthetic 1.0 is the real True, for SDMetrics as for the models)."""
    _check_table("real", real, sdtypes, date_formats, None)
    _check_table("synthetic", synthetic, sdtypes, date_formats, real)
    if holdout is not None:
        _check_table("holdout", holdout, sdtypes, date_formats, real)
    tables = []
    for frame in (real, synthetic, holdout):
        if frame is not None:
            frame = frame[list(sdtypes)].reset_index(drop=True)  # its own index, whatever the caller's held
            for column, sdtype in sdtypes.items():
                if sdtype == "boolean":
                    frame[column] = _booleans(frame[column])
        tables.append(frame)
    return tables


def _booleans(values: pd.Series) -> pd.Series:
    """True and False (bool), or True, False and NaN (object) where some are missing, from bools, 0/1 or 0.0/1.0."""
    import pandas as pd

    flags = pd.Series([np.nan if pd.isna(value) else bool(value) for value in values.to_numpy()], index=values.index,
                      dtype=object)
    return flags.astype(bool) if flags.notna().all() else flags


def draw_rows(frame: pd.DataFrame, rows: int, rng: np.random.Generator) -> pd.DataFrame:
    """At most `rows` rows of `frame`, a seeded draw in their own order, indexed 0, 1, ..."""
    if len(frame) > rows:
        frame = frame.iloc[np.sort(rng.choice(len(frame), rows, replace=False))]
    return frame.reset_index(drop=True)


def _dates(values: pd.Series, date_format: str | None) -> pd.Series:
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(values):
        return values
    return pd.to_datetime(values, format=date_format, errors="coerce")


def column_floats(values: pd.Series, sdtype: str, date_format: str | None) -> np.ndarray:
    """A numerical, boolean or datetime column as floats (NaN where missing; dates as days since 1970)."""
    import pandas as pd

    if sdtype == "boolean":
        return np.array([np.nan if pd.isna(value) else float(bool(value)) for value in values.to_numpy()])
    if sdtype == "datetime":
        dates = _dates(values, date_format)
        values = (dates - pd.Timestamp(0, tz=getattr(dates.dt, "tz", None))) / pd.Timedelta(days=1)
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)



__all__ = ["MAX_ROWS", "MODELLED", "SDTYPES", "check_sdtypes", "check_tables", "column_floats", "draw_rows"]
