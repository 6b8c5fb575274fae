"""What a conditional sample is given: `--given "cut=Ideal,color=E"` (the same for every row) or a table of
conditions (one row per wanted sample, blank cells free), as a DataFrame of the run's column names.

    conditions = parse_given("cut=Ideal,carat=0.5", metadata, count=100)   # 100 rows asking for the same
    conditions = read_conditions(Path("wanted.csv"), metadata)               # one sample per row
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vaekit.core.errors import DataError
from vaekit.data.table.encoding import NULL, is_levels
from vaekit.data.table.metadata import TableMetadata
from vaekit.data.table.reader import TABLE_SUFFIXES, read_table

if TYPE_CHECKING:
    import pandas as pd

NULL_WORDS = ("", "null", "none", "nan", "na")


def parse_given(text: str, metadata: TableMetadata, count: int) -> pd.DataFrame:
    """`count` rows of the conditions `name=value,name=value`; a value may hold commas (it runs to the next
    `,name=` of a known column). A value is read as its column's type; `name=null` asks for a null."""
    import pandas as pd

    names = sorted(metadata.names, key=len, reverse=True)
    starts = "|".join(re.escape(name) for name in names)
    items = re.split(rf",\s*(?=(?:{starts})\s*=)", text.strip()) if text.strip() else []
    row: dict[str, Any] = {}
    specs = {spec.name: spec for spec in metadata.columns}
    for item in items:
        name, equals, value = item.partition("=")
        name = name.strip()
        if not equals or not name:
            raise DataError(f"--given items look like column=value, got {item!r}")
        if name not in specs:
            raise DataError(f"--given names {name!r}, which is not a column of this run's table; its columns: "
                            f"{', '.join(metadata.names[:12])}")
        if name in row:
            raise DataError(f"--given names {name!r} twice")
        row[name] = _typed(value.strip(), specs[name])
    if not row:
        raise DataError("--given is empty; give column=value items, e.g. --given \"cut=Ideal,color=E\"")
    return pd.DataFrame([row] * count)


def _typed(value: str, spec: Any) -> Any:
    """A value from the command line as the column holds it: a number, a level (3 matches 3.0), or None."""
    if value.lower() in NULL_WORDS:
        return NULL
    if is_levels(spec):
        for level in spec.values or []:
            if str(level) == value or _number(value) is not None and _number(str(level)) == _number(value):
                return level
        return value  # not a level: the check against the metadata names it
    if spec.type == "datetime":
        return value
    number = _number(value)
    if number is None:
        raise DataError(f"--given {spec.name}={value!r}: the column holds {spec.type} numbers")
    return number


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def read_conditions(path: Path, metadata: TableMetadata) -> pd.DataFrame:
    """A .csv or .parquet table of conditions: its columns some of the run's, one wanted sample per row; a blank
    cell leaves its column free, the word null asks for a null."""
    if path.suffix.lower() not in TABLE_SUFFIXES:
        raise DataError(f"{path}: conditions come as a .csv or .parquet table, or as text like \"cut=Ideal\"")
    frame = read_table(path)
    if len(frame) == 0:
        raise DataError(f"{path} has no rows: one row per wanted sample")
    frame.columns = [str(c) for c in frame.columns]
    return frame
