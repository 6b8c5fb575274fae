"""What each column of a table is, for synthetic copies of it: detected from the data, overridable in a JSON file,
written beside the run as metadata.json, and checked against the data it describes.

    metadata = detect_metadata(frame)                 # every column's type, dtype, nulls, bounds, levels
    metadata.columns[0]                               # ColumnSpec(name="carat", type="continuous", ...)
    metadata = read_metadata(Path("meta.json"), frame)   # a user's file: checked field by field, then against frame
    write_json(run_dir / "metadata.json", metadata.as_json())

Types (one per column):
    continuous   real numbers; `distribution` mixture (a learned mixture per column, for skewed or multi-modal
                 values) or gaussian
    integer      whole numbers, sampled as integers; few distinct values are modelled as levels
    categorical  any number of levels (`values`), numbers or text
    boolean      two values (`values`), as booleans or any two values of the column's dtype
    datetime     dates and times, modelled as seconds; text columns keep their `format`
    identifier   never modelled: generated anew (numbers 0..n-1, or text "row-0"...) so no real id leaks
    constant     one value, written back in every row
Every modelled column may hold nulls (`nullable`): they come back at their observed rate and pattern, because
the model learns where they fall. `low`/`high` are the observed (or declared) bounds a sample is kept within.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from vaekit.core.errors import DataError
from vaekit.core.json_file import read_json
from vaekit.core.schema import Field, check, shown

if TYPE_CHECKING:
    import pandas as pd

METADATA_FILE = "metadata.json"
COLUMN_TYPES = ("continuous", "integer", "categorical", "boolean", "datetime", "identifier", "constant")
DISTRIBUTIONS = ("mixture", "gaussian", "levels")
MAX_LEVELS = 10_000  # distinct values of a categorical column; more is an identifier or free text
MAX_DECIMALS = 12  # more digits after the point than this are not rounded (float64 holds about 15)
FEW_LEVELS = 30  # an integer column with at most this many distinct values is modelled as its levels
ID_NAME = re.compile(r"(^|[_\W])(id|key|uuid)$|^(id|index)([_\W]|$)", re.IGNORECASE)
Number = (int, float)

SPEC = {"name": Field(str, size=(0, 1000)),
        "type": Field(str, choices=COLUMN_TYPES),
        "dtype": Field(str, size=(1, 100)),
        "nullable": Field(bool),
        "distribution": Field((str, type(None)), choices=(*DISTRIBUTIONS, None)),
        "low": Field((*Number, str, type(None))),
        "high": Field((*Number, str, type(None))),
        "values": Field((list, type(None)), size=(0, MAX_LEVELS),
                        items=Field((str, *Number, bool, type(None)))),
        "format": Field((str, type(None)), size=(1, 100)),
        "value": Field((str, *Number, bool, type(None))),
        "decimals": Field((int, type(None)), low=0, high=MAX_DECIMALS)}
FILE = {"columns": Field(list, size=(1, 100_000), items=Field(dict, fields=SPEC,
                                                             optional=frozenset(SPEC) - {"name", "type"})),
        "version": Field(int, low=1, high=1)}


@dataclass(frozen=True)
class ColumnSpec:
    """One column: its type, the dtype written back, whether it holds nulls, and what its type needs."""

    name: str
    type: str
    dtype: str = "object"
    nullable: bool = False
    distribution: str | None = None  # continuous and integer columns: how their values are modelled
    low: Any = None  # bounds kept by samples (numbers; a datetime's as text)
    high: Any = None
    values: list | None = None  # categorical and boolean levels, sorted
    format: str | None = None  # a datetime held as text: its strftime format
    value: Any = None  # a constant column's value
    decimals: int | None = None  # a continuous column's digits after the point (prices in cents: 2), kept

    @property
    def modelled(self) -> bool:
        return self.type not in ("identifier", "constant")

    def bounds(self) -> tuple[float, float]:
        """(low, high) of a number column as numbers: a datetime's as seconds since 1970."""
        if self.type == "datetime":
            return date_seconds(self.low), date_seconds(self.high)
        return float(self.low), float(self.high)


@dataclass(frozen=True)
class TableMetadata:
    """The columns of a table, in order."""

    columns: list[ColumnSpec] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [spec.name for spec in self.columns]

    def as_json(self) -> dict[str, Any]:
        return {"version": 1, "columns": [{k: v for k, v in asdict(spec).items() if v is not None}
                                          for spec in self.columns]}

    def datetime_formats(self) -> dict[str, str]:
        """The strftime format of each datetime column held as text."""
        return {spec.name: spec.format for spec in self.columns if spec.type == "datetime" and spec.format}

    def sdtypes(self) -> dict[str, str]:
        """Each column's type in SDMetrics' words (numerical, categorical, boolean, datetime, id)."""
        words = {"continuous": "numerical", "integer": "numerical", "categorical": "categorical",
                 "boolean": "boolean", "datetime": "datetime", "identifier": "id", "constant": "categorical"}
        return {spec.name: "categorical" if spec.type == "boolean" and not _true_false(spec.values) else
                words[spec.type] for spec in self.columns}


def _true_false(values: list | None) -> bool:
    """Whether a boolean column's two values are True/False or 1/0 (else they are two words: a category)."""
    return all(isinstance(v, bool) or v in (0, 1) for v in values or [])


def detect_metadata(frame: pd.DataFrame) -> TableMetadata:
    """Every column's spec, from its dtype and values."""
    return TableMetadata([_detect(frame[name], str(name)) for name in frame.columns])


def _detect(values: pd.Series, name: str) -> ColumnSpec:
    import pandas as pd

    present = values.dropna()
    nullable, dtype, distinct = bool(values.isna().any()), str(values.dtype), present.nunique()
    if len(present) == 0:
        raise DataError(f"column {name!r} holds nulls only; drop it")
    if distinct == 1 and not nullable:
        return ColumnSpec(name, "constant", dtype, value=_plain(present.iloc[0]))
    if pd.api.types.is_bool_dtype(values) or (distinct == 2 and not pd.api.types.is_float_dtype(values)):
        return ColumnSpec(name, "boolean", dtype, nullable, values=_levels(present))
    if pd.api.types.is_datetime64_any_dtype(values):
        return _bounded(ColumnSpec(name, "datetime", dtype, nullable, "mixture"), values)
    if pd.api.types.is_numeric_dtype(values):
        whole = pd.api.types.is_integer_dtype(values) or bool((present == present.round()).all())
        if whole and distinct == len(values) and ID_NAME.search(name):
            return ColumnSpec(name, "identifier", dtype)
        kind = "integer" if whole else "continuous"
        if whole and distinct <= FEW_LEVELS:
            return _bounded(ColumnSpec(name, kind, dtype, nullable, "levels", values=_levels(present)), values)
        return _bounded(ColumnSpec(name, kind, dtype, nullable, "mixture"), values)
    text = present.astype(str)
    date_format = _date_format(text)
    if date_format is not None:
        return _bounded(ColumnSpec(name, "datetime", dtype, nullable, "mixture", format=date_format), values)
    if distinct == len(values) or distinct > MAX_LEVELS:
        return ColumnSpec(name, "identifier", dtype)
    return ColumnSpec(name, "categorical", dtype, nullable, values=_levels(present))


def _date_format(text: pd.Series) -> str | None:
    """The strftime format that reads every entry, when the column holds dates as text; else None."""
    import pandas as pd
    from pandas.tseries.api import guess_datetime_format

    first = text.iloc[0]
    guessed = guess_datetime_format(first) if re.search(r"\d", first) and len(first) <= 40 else None
    if guessed is None:
        return None
    parsed = pd.to_datetime(text, format=guessed, errors="coerce")
    return guessed if bool(parsed.notna().all()) else None


def _bounded(spec: ColumnSpec, values: pd.Series) -> ColumnSpec:
    numbers = as_numbers(values, spec).dropna()
    low, high = float(numbers.min()), float(numbers.max())
    if spec.type == "datetime":
        return replace(spec, low=_plain_date(low), high=_plain_date(high))
    if spec.type == "integer":
        return replace(spec, low=int(low), high=int(high))
    return replace(spec, low=low, high=high, decimals=_decimals(numbers.to_numpy(float)))


def _decimals(numbers: np.ndarray) -> int | None:
    """The fewest digits after the point that write every value (2 for prices in cents), None past MAX_DECIMALS."""
    for digits in range(MAX_DECIMALS + 1):
        if np.allclose(np.round(numbers, digits), numbers, rtol=1e-12, atol=10.0 ** -(digits + 3)):
            return digits
    return None


def as_numbers(values: pd.Series, spec: ColumnSpec) -> pd.Series:
    """A continuous, integer or datetime column as float numbers (a datetime as seconds since 1970), NaN for
    nulls; a DataError naming the first entry its type cannot read."""
    import pandas as pd

    if spec.type == "datetime":
        parsed = pd.to_datetime(values, format=spec.format, errors="coerce") if spec.format else \
            pd.to_datetime(values, errors="coerce")
        numbers = pd.Series(parsed.to_numpy("datetime64[ns]").astype("int64") / 1e9, index=values.index)
        numbers[parsed.isna().to_numpy()] = np.nan
    else:
        numbers = pd.to_numeric(values, errors="coerce").astype(float)
    bad = numbers.isna().to_numpy() & values.notna().to_numpy()
    if bad.any():
        row = int(np.argmax(bad))
        raise DataError(f"column {spec.name!r} is declared {spec.type}"
                        f"{' with format ' + repr(spec.format) if spec.format else ''} but holds "
                        f"{shown(values.iloc[row])} (data row {row + 1})")
    return numbers


def date_seconds(bound: Any) -> float:
    """A datetime bound (text, as metadata.json holds it) as seconds since 1970."""
    import pandas as pd

    return pd.Timestamp(bound).value / 1e9


def _plain_date(seconds: float) -> str:
    import pandas as pd

    return pd.Timestamp(int(seconds * 1e9)).isoformat()


def _levels(present: pd.Series) -> list:
    return sorted({_plain(v) for v in present}, key=lambda v: (str(type(v)), v))


def _plain(value: Any) -> Any:
    """A JSON value for a cell: numbers and strings as they are, numpy scalars unwrapped, others as text."""
    value = value.item() if hasattr(value, "item") else value
    return value if isinstance(value, (str, int, float, bool)) else str(value)


def read_metadata(path: Path, frame: pd.DataFrame) -> TableMetadata:
    """A metadata JSON file, checked field by field and then against `frame`, the table it describes. A column
    the file leaves out is detected; a declaration the data contradicts is a DataError naming the column."""
    where = str(path)
    value = read_json(path, depth=6)
    if not isinstance(value, dict):
        raise DataError(f"{where} must hold a JSON object with a list of columns, got {shown(value)}")
    check({"version": 1, **value}, FILE, where)
    declared = {item["name"]: item for item in value["columns"]}
    if len(declared) != len(value["columns"]):
        raise DataError(f"{where} declares a column twice")
    unknown = [name for name in declared if name not in frame.columns]
    if unknown:
        raise DataError(f"{where} declares column {unknown[0]!r}, which the table does not have; its columns: "
                        f"{', '.join(map(str, frame.columns[:12]))}")
    detected = detect_metadata(frame[[c for c in frame.columns if str(c) not in declared]])
    specs = {spec.name: spec for spec in detected.columns}
    for name, item in declared.items():
        specs[name] = _declared(frame[name], item, where)
    return TableMetadata([specs[str(name)] for name in frame.columns])


def _declared(values: pd.Series, item: dict[str, Any], where: str) -> ColumnSpec:
    """A declared column, completed from the data (dtype, nulls, levels, bounds) and checked against it."""
    name, kind = item["name"], item["type"]
    present = values.dropna()
    spec = ColumnSpec(name, kind, item.get("dtype", str(values.dtype)),
                      item.get("nullable", bool(values.isna().any())), item.get("distribution"),
                      item.get("low"), item.get("high"), item.get("values"), item.get("format"), item.get("value"),
                      item.get("decimals"))
    if values.isna().any() and not spec.nullable:
        raise DataError(f"{where} declares column {name!r} not nullable, but it holds "
                        f"{int(values.isna().sum())} nulls")
    if kind in ("continuous", "integer", "datetime"):
        if spec.distribution is None:
            spec = replace(spec, distribution="mixture")
        numbers = as_numbers(values, spec).dropna()
        if kind == "integer" and not bool((numbers == numbers.round()).all()):
            raise DataError(f"{where} declares column {name!r} integer, but it holds "
                            f"{shown(present[numbers != numbers.round()].iloc[0])}")
        observed = _bounded(spec, values)
        spec = replace(spec, low=observed.low if spec.low is None else spec.low,
                       high=observed.high if spec.high is None else spec.high,
                       decimals=observed.decimals if "decimals" not in item else spec.decimals)
        low, high = spec.bounds()
        if spec.distribution == "levels":
            seen = _levels(present)
            spec = replace(spec, values=seen if spec.values is None else spec.values)
            if any(v not in spec.values for v in seen):
                raise DataError(f"{where} lists the values of column {name!r}, but the data also holds "
                                f"{shown([v for v in seen if v not in spec.values][0])}")
        if low > high or float(numbers.min()) < low or float(numbers.max()) > high:
            raise DataError(f"{where} declares column {name!r} within [{spec.low}, {spec.high}], but its values "
                            f"run from {_plain(numbers.min())} to {_plain(numbers.max())}")
    elif kind in ("categorical", "boolean"):
        seen = _levels(present)
        levels = seen if spec.values is None else spec.values
        outside = [v for v in seen if v not in levels]
        if outside:
            raise DataError(f"{where} lists the values of column {name!r}, but the data also holds "
                            f"{shown(outside[0])}")
        if kind == "boolean" and len(levels) != 2:
            raise DataError(f"{where} declares column {name!r} boolean, but it has {len(levels)} values")
        if len(levels) > MAX_LEVELS:
            raise DataError(f"column {name!r} has {len(levels):,} levels, more than {MAX_LEVELS:,}; declare it an "
                            "identifier")
        spec = replace(spec, values=levels)
    elif kind == "constant":
        if present.nunique() > 1:
            raise DataError(f"{where} declares column {name!r} constant, but it holds {present.nunique()} values")
        spec = replace(spec, value=spec.value if spec.value is not None else _plain(present.iloc[0]))
    elif kind == "identifier" and present.duplicated().any():
        raise DataError(f"{where} declares column {name!r} an identifier, but it repeats "
                        f"{shown(present[present.duplicated()].iloc[0])}")
    return spec


def metadata_of(saved: dict[str, Any], where: str) -> TableMetadata:
    """TableMetadata from its JSON form (a run's metadata.json, already read), checked as a stranger's file."""
    check(saved, FILE, where)
    return TableMetadata([ColumnSpec(**item) for item in saved["columns"]])


def dumps(metadata: TableMetadata) -> str:
    return json.dumps(metadata.as_json(), indent=1)
