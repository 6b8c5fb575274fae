"""Each column of a synthetic table beside the same column of the real table: a histogram of both on the same bins
for numbers and dates, bars side by side for categories and booleans (the SHOWN_LEVELS most frequent levels, the
rest as one "other" bar, a missing value as a bar of its own). Heights are shares of each table's rows, so tables
of different lengths compare.

    plot_marginals(real, synthetic, {"age": "numerical", "smoker": "boolean", "id": "id"}, "marginals.png")

Id columns are not drawn. The picture holds at most MAX_COLUMNS panels, PANELS_PER_ROW a row, each
PANEL_INCHES at DPI: about picture_pixels(n) pixels, never more than 1,440 x 3,200 (plots/bounds.py's limits are
far off).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

from vaekit.core.errors import ConfigError
from vaekit.plots.save import save_figure

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

PANELS_PER_ROW = 4
PANEL_INCHES = (3.6, 2.6)  # width, height of one column's panel
TITLE_INCHES = 0.6  # the figure's title and legend above the panels
DPI = 100
MAX_COLUMNS = 48  # 12 rows of 4 panels: past that a picture of columns is read no better
DEFAULT_COLUMNS = 24
HISTOGRAM_BINS = 30
SHOWN_LEVELS = 20  # bars of a categorical column; the other levels share one bar
LABEL_CHARACTERS = 14  # a level's name is cut to this many characters under its bars (its middle left out)
REAL_COLOUR, SYNTHETIC_COLOUR = "tab:blue", "tab:orange"
CONTINUOUS, DISCRETE = ("numerical", "datetime"), ("categorical", "boolean")


def picture_pixels(panels: int) -> tuple[int, int]:
    """About the (width, height) in pixels of a picture of `panels` columns (the saved file is cropped to its
    drawing: within a few per cent of this)."""
    per_row = min(PANELS_PER_ROW, panels)
    rows = math.ceil(panels / per_row)
    return round(per_row * PANEL_INCHES[0] * DPI), round((rows * PANEL_INCHES[1] + TITLE_INCHES) * DPI)


def _floats(values: pd.Series, sdtype: str, date_format: str | None) -> np.ndarray:
    """Numbers as floats, dates as matplotlib's day numbers; NaN where missing or unreadable."""
    import pandas as pd
    from matplotlib import dates

    if sdtype == "datetime":
        parsed = values if pd.api.types.is_datetime64_any_dtype(values) else \
            pd.to_datetime(values, format=date_format, errors="coerce")
        if getattr(parsed.dt, "tz", None) is not None:
            parsed = parsed.dt.tz_localize(None)
        days = np.full(len(parsed), np.nan)
        known = parsed.notna().to_numpy()
        days[known] = dates.date2num(parsed[known].to_numpy())
        return days
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _edges(real: np.ndarray, synthetic: np.ndarray) -> np.ndarray:
    """HISTOGRAM_BINS + 1 shared edges over the real range, widened to hold the synthetic values' 1st to 99th
    percentiles: a few wild synthetic values do not squeeze the real distribution into one bin."""
    reference = real if real.size else synthetic
    if not reference.size:
        return np.linspace(0.0, 1.0, HISTOGRAM_BINS + 1)
    low, high = float(reference.min()), float(reference.max())
    if synthetic.size:
        low, high = min(low, float(np.percentile(synthetic, 1))), max(high, float(np.percentile(synthetic, 99)))
    both = np.concatenate([real, synthetic])
    if np.all(both == np.round(both)) and high - low < HISTOGRAM_BINS:  # a few whole numbers (years): one bar each
        return np.arange(math.floor(low) - 0.5, math.ceil(high) + 1.0)
    if high <= low:  # one value: a bin around it
        low, high = low - 0.5, high + 0.5
    return np.linspace(low, high, HISTOGRAM_BINS + 1)


def _missing_text(real: pd.Series, synthetic: pd.Series) -> str:
    shares = real.isna().mean(), synthetic.isna().mean()
    return f"missing: real {shares[0]:.1%}, synthetic {shares[1]:.1%}" if max(shares) > 0 else ""


def _continuous_panel(axes: Axes, real: pd.Series, synthetic: pd.Series, sdtype: str,
                      date_format: str | None) -> str:
    """Both tables' histograms on the same bins; returns what the panel's note says (missing, out of range)."""
    real_values, synthetic_values = (_floats(values, sdtype, date_format) for values in (real, synthetic))
    real_known, synthetic_known = real_values[np.isfinite(real_values)], synthetic_values[np.isfinite(synthetic_values)]
    edges = _edges(real_known, synthetic_known)
    for values, rows, colour, label, style in ((real_known, len(real), REAL_COLOUR, "real", "stepfilled"),
                                                (synthetic_known, len(synthetic), SYNTHETIC_COLOUR, "synthetic",
                                                 "step")):
        if values.size:
            axes.hist(values, bins=edges, weights=np.full(values.size, 1 / max(rows, 1)), histtype=style,
                      color=colour, alpha=0.45 if style == "stepfilled" else 1.0, linewidth=1.5, label=label)
    if sdtype == "datetime":
        from matplotlib import dates

        locator = dates.AutoDateLocator()
        axes.xaxis.set_major_locator(locator)
        axes.xaxis.set_major_formatter(dates.ConciseDateFormatter(locator))
    elif edges[1] - edges[0] == 1.0:  # whole numbers: whole ticks
        from matplotlib.ticker import MaxNLocator

        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    outside = int(((synthetic_known < edges[0]) | (synthetic_known > edges[-1])).sum())
    notes = [_missing_text(real, synthetic)]
    if outside:
        notes.append(f"{outside:,} synthetic value{'s' if outside > 1 else ''} beyond the axis")
    return "\n".join(note for note in notes if note)


def _labels(values: pd.Series, sdtype: str) -> pd.Series:
    """Each value's level as text, so that 3 and 3.0, or 1 and True, are one level; missing as "(missing)"."""
    import pandas as pd

    def label(value: object) -> str:
        if sdtype == "boolean" and value in (True, False):
            return str(bool(value))
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            return str(int(value))
        return str(value)

    return pd.Series([("(missing)" if pd.isna(value) else label(value)) for value in values.to_numpy()],
                     dtype=object)


def _short(name: str) -> str:
    """A level's name in at most LABEL_CHARACTERS characters, its start and its end kept ("level-…-17")."""
    if len(name) <= LABEL_CHARACTERS:
        return name
    half = (LABEL_CHARACTERS - 1) // 2
    return f"{name[:half]}…{name[-(LABEL_CHARACTERS - 1 - half):]}"


def _discrete_panel(axes: Axes, real: pd.Series, synthetic: pd.Series, sdtype: str) -> str:
    """Bars side by side, one pair a level (the SHOWN_LEVELS most frequent in both tables, then "other")."""
    real_shares = _labels(real, sdtype).value_counts(normalize=True)
    synthetic_shares = _labels(synthetic, sdtype).value_counts(normalize=True)
    together = real_shares.add(synthetic_shares, fill_value=0).sort_values(ascending=False, kind="stable")
    shown = list(together.index[:SHOWN_LEVELS])
    rest = len(together) - len(shown)
    heights = {"real": [real_shares.get(level, 0.0) for level in shown],
               "synthetic": [synthetic_shares.get(level, 0.0) for level in shown]}
    names = [_short(str(level)) for level in shown]
    if rest:
        heights["real"].append(1.0 - sum(heights["real"]))
        heights["synthetic"].append(1.0 - sum(heights["synthetic"]))
        names.append(f"other ({rest:,})")
    places = np.arange(len(names))
    axes.bar(places - 0.2, heights["real"], width=0.4, color=REAL_COLOUR, alpha=0.7, label="real")
    axes.bar(places + 0.2, heights["synthetic"], width=0.4, color=SYNTHETIC_COLOUR, alpha=0.9, label="synthetic")
    axes.set_xticks(places, names, rotation=90 if len(names) > 4 else 0, fontsize=6 if len(names) > 8 else 7)
    return f"{len(together):,} levels" if rest else ""


def marginals_figure(real: pd.DataFrame, synthetic: pd.DataFrame, sdtypes: Mapping[str, str],
                     max_columns: int = DEFAULT_COLUMNS, datetime_formats: Mapping[str, str] | None = None) -> Figure:
    """The figure plot_marginals saves: one panel a column that `sdtypes` calls numerical, datetime,
    categorical or boolean, in the order of `sdtypes`, the first `max_columns` (at most MAX_COLUMNS)."""
    if isinstance(max_columns, bool) or not isinstance(max_columns, int) or max_columns < 1:
        raise ConfigError(f"max_columns must be a whole number of 1 or more, got {max_columns!r}")
    drawn = [column for column, sdtype in sdtypes.items() if sdtype in CONTINUOUS + DISCRETE]
    if not drawn:
        raise ConfigError("no numerical, datetime, categorical or boolean column to draw")
    shown = drawn[:min(max_columns, MAX_COLUMNS)]
    per_row = min(PANELS_PER_ROW, len(shown))
    rows = math.ceil(len(shown) / per_row)
    fig = Figure(figsize=(per_row * PANEL_INCHES[0], rows * PANEL_INCHES[1] + TITLE_INCHES), layout="constrained")
    panels = list(fig.subplots(rows, per_row, squeeze=False).flat)
    formats = datetime_formats or {}
    for axes, column in zip(panels, shown):
        sdtype = sdtypes[column]
        if sdtype in CONTINUOUS:
            note = _continuous_panel(axes, real[column], synthetic[column], sdtype, formats.get(column))
        else:
            note = _discrete_panel(axes, real[column], synthetic[column], sdtype)
            missing = _missing_text(real[column], synthetic[column])
            note = "\n".join(text for text in (note, missing) if text)
        axes.set_title(f"{column} ({sdtype})" + (f"\n{note}" if note else ""), fontsize=8)
        axes.set_ylabel("share of rows", fontsize=7)
        axes.tick_params(labelsize=7)
        axes.grid(alpha=0.3, axis="y")
    for axes in panels[len(shown):]:  # the grid's unused places
        axes.set_visible(False)
    title = f"each column: real ({len(real):,} rows) and synthetic ({len(synthetic):,} rows)"
    if len(shown) < len(drawn):
        title += f", the first {len(shown)} of {len(drawn)} columns"
    fig.suptitle(title, fontsize=10)
    fig.legend(handles=[_patch(REAL_COLOUR, "real"), _patch(SYNTHETIC_COLOUR, "synthetic")], loc="outside upper right",
               ncols=2, fontsize=8)
    return fig


def _patch(colour: str, label: str):  # type: ignore[no-untyped-def]
    from matplotlib.patches import Patch

    return Patch(color=colour, label=label, alpha=0.7)


def plot_marginals(real: pd.DataFrame, synthetic: pd.DataFrame, sdtypes: Mapping[str, str], path: str | Path,
                   max_columns: int = DEFAULT_COLUMNS, datetime_formats: Mapping[str, str] | None = None) -> Path:
    """marginals_figure written to `path` (atomically); `datetime_formats` reads dates held as text."""
    return save_figure(marginals_figure(real, synthetic, sdtypes, max_columns, datetime_formats), path, dpi=DPI)


__all__ = ["DEFAULT_COLUMNS", "MAX_COLUMNS", "marginals_figure", "picture_pixels", "plot_marginals"]
