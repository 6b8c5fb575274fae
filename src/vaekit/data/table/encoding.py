"""A table and the numbers a model of it reads, both ways, as its metadata says.

    coded = encode_table(frame, metadata)        # coded.x (N, D): one model column per modelled column, and one
                                                 # "name (null)" indicator per nullable number column
    coded.types, coded.values                    # for the mixed likelihood: mixture/continuous/binary/categorical
    frame = decode_table(samples, metadata)      # the input's columns, order and dtypes again

A number column's null is NaN in its own model column (left out of the likelihood: nothing to score) and 1 in its
indicator, which the model learns like any binary column, so nulls come back at their rate and where they fall.
A level column's null is a level of its own (the last). Identifier and constant columns are not modelled.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from vaekit.data.table.metadata import ColumnSpec, TableMetadata, as_numbers

if TYPE_CHECKING:
    import pandas as pd

NULL_SUFFIX = " (null)"
NULL = "null"  # a condition's cell that asks for a null (a blank cell leaves the column free)


@dataclass(frozen=True)
class CodedTable:
    """A table as model columns: x (N, D) float32, each model column's name, type and values (codes' meaning)."""

    x: np.ndarray
    columns: list[str]
    types: list[str]
    values: list[list | None]


def is_levels(spec: ColumnSpec) -> bool:
    """Whether the column is modelled as a choice among its values (categorical, boolean, few integers)."""
    return spec.type in ("categorical", "boolean") or spec.distribution == "levels"


def model_columns(spec: ColumnSpec) -> list[tuple[str, str, list | None]]:
    """(name, likelihood type, values) of the model columns that stand for one column."""
    if not spec.modelled:
        return []
    if is_levels(spec):
        levels = list(spec.values or []) + ([None] if spec.nullable else [])
        return [(spec.name, "binary" if len(levels) == 2 else "categorical", levels)]
    own = (spec.name, "continuous" if spec.distribution == "gaussian" else "mixture", None)
    return [own, (spec.name + NULL_SUFFIX, "binary", [False, True])] if spec.nullable else [own]


def first_columns(metadata: TableMetadata) -> dict[str, int]:
    """Each modelled column's first model column (its values; a nullable number's indicator follows it)."""
    found, at = {}, 0
    for spec in metadata.columns:
        width = len(model_columns(spec))
        if width:
            found[spec.name] = at
        at += width
    return found


def encode_table(frame: pd.DataFrame, metadata: TableMetadata) -> CodedTable:
    """The model columns of `frame` (which holds metadata's columns)."""
    arrays, columns, types, values = [], [], [], []
    for spec in metadata.columns:
        parts = model_columns(spec)
        if not parts:
            continue
        column = frame[spec.name]
        if is_levels(spec):
            arrays.append(_codes(column, spec))
        else:
            numbers = as_numbers(column, spec).to_numpy(float)
            arrays.append(numbers)
            if spec.nullable:
                arrays.append(np.isnan(numbers).astype(float))
        for name, kind, levels in parts:
            columns.append(name)
            types.append(kind)
            values.append(levels)
    x = np.stack(arrays, axis=1).astype(np.float32) if arrays else np.zeros((len(frame), 0), np.float32)
    return CodedTable(x, columns, types, values)


def _codes(column: pd.Series, spec: ColumnSpec) -> np.ndarray:
    levels = list(spec.values or [])
    lookup = {_key(v): i for i, v in enumerate(levels)}
    null = float(len(levels))
    return np.array([null if _is_null(v) else float(lookup[_key(v)]) for v in column.tolist()])


def _key(value: Any) -> Any:
    """A cell as its level: numpy scalars unwrapped, and 3 and 3.0 the same level (JSON keeps 3 as 3)."""
    value = value.item() if hasattr(value, "item") else value
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


def _is_null(value: Any) -> bool:
    try:
        return bool(value != value) or value is None
    except (TypeError, ValueError):
        return False


def decode_table(x: np.ndarray, metadata: TableMetadata, first_id: int = 0) -> pd.DataFrame:
    """Model columns (N, D) back to the table: metadata's columns in order, with their dtypes, integers whole,
    numbers within their bounds, nulls where the indicators say, identifiers numbered from `first_id`."""
    import pandas as pd

    n, out, at = len(x), {}, 0
    for spec in metadata.columns:
        width = len(model_columns(spec))
        block, at = x[:, at:at + width], at + width
        if spec.type == "identifier":
            out[spec.name] = np.arange(first_id, first_id + n) if "int" in spec.dtype else \
                np.array([f"row-{i}" for i in range(first_id, first_id + n)], dtype=object)
        elif spec.type == "constant":
            out[spec.name] = [spec.value] * n
        elif is_levels(spec):
            levels = list(spec.values or []) + [None]
            codes = np.clip(np.rint(block[:, 0]), 0, len(levels) - 1).astype(int)
            out[spec.name] = pd.Series([levels[c] for c in codes], dtype=object)
        else:
            out[spec.name] = _numbers_back(block, spec)
    frame = pd.DataFrame(out, columns=metadata.names)
    for spec in metadata.columns:
        frame[spec.name] = _as_dtype(frame[spec.name], spec.dtype)
    return frame


def _numbers_back(block: np.ndarray, spec: ColumnSpec) -> Any:
    import pandas as pd

    values = block[:, 0].astype(float)
    low, high = spec.bounds()
    values = np.clip(values, low, high)
    if spec.type == "integer":
        values = np.rint(values)
    elif spec.decimals is not None and spec.type == "continuous":
        values = np.round(values, spec.decimals)
    if spec.nullable:
        values[block[:, 1] >= 0.5] = np.nan
    if spec.type != "datetime":
        return values
    stamps = pd.to_datetime(pd.Series(values) * 1e9, unit="ns").dt.round("s")
    return stamps.dt.strftime(spec.format).where(stamps.notna(), None) if spec.format else stamps


def _as_dtype(column: pd.Series, dtype: str) -> pd.Series:
    """The column in the input's dtype where its values allow it (an int64 column with nulls stays float)."""
    if dtype == "object" or str(column.dtype) == dtype:
        return column
    try:
        return column.astype(dtype)
    except (TypeError, ValueError):
        return column.infer_objects()


def encode_given(conditions: pd.DataFrame, metadata: TableMetadata) -> np.ndarray:
    """(N, D) model columns holding each row's given values and NaN for the rest (what a sample draws), from a
    table of conditions whose columns are some of metadata's: a blank cell (None, NaN) leaves its column free,
    the text "null" asks for a null.
    A column that is not modelled, or a value the column never holds, is a DataError naming both."""
    from vaekit.core.errors import DataError
    from vaekit.core.schema import shown

    specs = {spec.name: spec for spec in metadata.columns}
    unknown = [str(c) for c in conditions.columns if str(c) not in specs]
    if unknown:
        raise DataError(f"condition on {unknown[0]!r}, which is not a column of this run's table; its columns: "
                        f"{', '.join(metadata.names[:12])}")
    x = np.full((len(conditions), sum(len(model_columns(s)) for s in metadata.columns)), np.nan)
    at = 0
    for spec in metadata.columns:
        width = len(model_columns(spec))
        if spec.name in conditions.columns:
            if not spec.modelled:
                raise DataError(f"column {spec.name!r} is of type {spec.type}, which is not modelled: it cannot be "
                                "a condition")
            column = conditions[spec.name]
            free = column.isna().to_numpy()
            levels = spec.values or []
            nulls = np.array([isinstance(v, str) and v.lower() == NULL and v not in levels for v in column], bool)
            if nulls.any() and not spec.nullable:
                raise DataError(f"condition asks for a null in column {spec.name!r}, which never holds one")
            column = column.mask(nulls, None)
            if is_levels(spec):
                known = {_key(v) for v in spec.values or []}
                odd = [v for v in column[~(free | nulls)].tolist() if _key(v) not in known]
                if odd:
                    raise DataError(f"condition {spec.name}={shown(odd[0])}: the column never holds that value; "
                                    f"its values: {', '.join(map(shown, (spec.values or [])[:10]))}")
                x[:, at] = np.where(free, np.nan, _codes(column, spec))
            else:
                numbers = as_numbers(column, spec).to_numpy(float)
                low, high = spec.bounds()
                outside = ~np.isnan(numbers) & ((numbers < low) | (numbers > high))
                if outside.any():
                    raise DataError(f"condition {spec.name}={shown(_key(column[outside].iloc[0]))} is outside the "
                                    f"column's range [{spec.low}, {spec.high}]")
                x[:, at] = numbers
                if spec.nullable:
                    x[:, at + 1] = np.where(free, np.nan, nulls.astype(float))
        at += width
    return x.astype(np.float32)
