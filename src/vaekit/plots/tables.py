"""Pictures of table rows (vectors): a grid with one row per example and one column per data column, each column
coloured on its own scale (a column of incomes and one of ages in one colour scale would show only the incomes),
named by the data's column names, categories drawn as categories (a colour each, their names written in), and the
values themselves written in the cells while the grid is small enough to read them.

    fig = table_figure([("input", x), ("reconstruction", recon)], "32 inputs and their reconstructions",
                       columns=["age", "smoker"], column_values=[None, ["no", "yes"]])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from matplotlib.figure import Figure

NUMBER_MAP, CATEGORY_MAP = "viridis", "Set3"  # a column's low to high values; a category's own colour
WRITTEN_ROWS, WRITTEN_COLUMNS = 40, 16  # up to this many rows and columns a grid shows the values themselves
LEGEND_ENTRIES = 36  # categories named in the legend of a grid too large to write them in its cells
SHOWN_COLUMNS = 64  # columns a picture of a table shows, at most (the title says how many there are)
SIDE_BY_SIDE_COLUMNS = 16  # parts (inputs, reconstructions) side by side up to this many columns; else stacked


def _column_label(name: str, values: list | None, low: float, high: float) -> str:
    if values is not None:
        return f"{name}\n(categories)"
    return f"{name}\n{low:.3g} to {high:.3g}"


def _cell_text(value: float, values: list | None) -> str:
    if not np.isfinite(value):
        return "missing"
    if values is not None:
        code = int(round(value))
        return str(values[code]) if 0 <= code < len(values) else str(code)
    return f"{value:.3g}"


def table_figure(parts: Sequence[tuple[str, torch.Tensor]], title: str, columns: Sequence[str] | None = None,
                 column_values: Sequence[list | None] | None = None, row_names: Sequence[str] | None = None
                 ) -> Figure:
    """Each part (a name, values (N, D)) as a grid, one row per example and one column per data column, the
    parts side by side (stacked when D > SIDE_BY_SIDE_COLUMNS). A numeric column runs from dark (its lowest
    value in any part) to yellow (its highest), its range under its name; a column whose codes stand for
    categories (`column_values[c]` lists them, as a run records) gives each category a colour and writes its
    name. Missing values (NaN) are white. `row_names` (N), given, name the rows (ids, class names)."""
    import matplotlib

    arrays = [values.detach().float().cpu().reshape(len(values), -1).numpy() for _, values in parts]
    all_columns = arrays[0].shape[1]
    names = list(columns) if columns is not None and len(columns) == all_columns else \
        [f"x{c}" for c in range(all_columns)]
    kinds = list(column_values) if column_values is not None and len(column_values) == all_columns else \
        [None] * all_columns
    width = min(all_columns, SHOWN_COLUMNS)  # a column is a labelled tick: 100,000 of them never finish drawing
    arrays, names, kinds = [a[:, :width] for a in arrays], names[:width], kinds[:width]
    if width < all_columns:
        title = f"{title} (the first {width} of {all_columns:,} columns)"
    stacked = np.concatenate(arrays)
    numbers, categories = matplotlib.colormaps[NUMBER_MAP], matplotlib.colormaps[CATEGORY_MAP]
    lows, highs = [], []
    for c in range(width):
        finite = stacked[:, c][np.isfinite(stacked[:, c])]
        lows.append(float(finite.min()) if finite.size else 0.0)
        highs.append(float(finite.max()) if finite.size else 1.0)
    # each categorical column's categories get colours of their own (column 2's first category is not column 1's)
    offsets = np.cumsum([0] + [len(values) if values is not None else 0 for values in kinds])[:-1]
    rows = max(len(a) for a in arrays)
    written = rows <= WRITTEN_ROWS and width <= WRITTEN_COLUMNS
    beside = width <= SIDE_BY_SIDE_COLUMNS
    cell_w, cell_h = (0.9 if written else 0.3), (0.22 if written else 0.12)
    grid_w, grid_h = max(2.5, cell_w * width), max(1.0, cell_h * rows)
    fig = Figure(figsize=((grid_w + 0.8) * (len(parts) if beside else 1) + 0.4,
                          (grid_h + 1.2) * (1 if beside else len(parts)) + 0.6), layout="constrained")
    grid = fig.subplots(1 if beside else len(parts), len(parts) if beside else 1, squeeze=False).flat
    for axes, (part, _), values in zip(grid, parts, arrays):
        colours = np.ones((len(values), width, 3))
        for c in range(width):
            column = values[:, c]
            finite = np.isfinite(column)
            if kinds[c] is not None:
                codes = np.round(column[finite]).astype(int) + offsets[c]
                colours[finite, c] = categories(codes % categories.N)[:, :3]
            else:
                scaled = (column[finite] - lows[c]) / max(highs[c] - lows[c], 1e-12)
                colours[finite, c] = numbers(scaled)[:, :3]
        axes.imshow(colours, aspect="auto", interpolation="nearest")
        axes.set_xticks(range(width), [_column_label(names[c], kinds[c], lows[c], highs[c]) for c in range(width)],
                        fontsize=7, rotation=0 if written else 90)
        axes.set_ylabel("example (row)", fontsize=8)
        if row_names is not None:
            axes.set_yticks(range(len(values)), [str(name) for name in row_names][:len(values)], fontsize=7)
        axes.tick_params(labelsize=7)
        axes.set_title(part, fontsize=10)
        if written:
            for r in range(len(values)):
                for c in range(width):
                    dark = kinds[c] is None and np.isfinite(values[r, c]) and \
                        (values[r, c] - lows[c]) / max(highs[c] - lows[c], 1e-12) < 0.6
                    axes.text(c, r, _cell_text(float(values[r, c]), kinds[c]), ha="center", va="center",
                              fontsize=6, color="white" if dark else "black")
    scale = "each numeric column from dark (its lowest value) to yellow (its highest), categories in colours"
    fig.suptitle(f"{title}\n({scale})", fontsize=10)
    if not written:  # the categories' names are not in the cells: a legend says which colour is which
        _category_legend(fig, names, kinds, offsets, categories)
    return fig


def _category_legend(fig: Figure, names: list[str], kinds: list[list | None], offsets: np.ndarray,
                     categories) -> None:  # type: ignore[no-untyped-def]
    from matplotlib.patches import Patch

    handles = [Patch(color=categories((offsets[c] + code) % categories.N), label=f"{names[c]}: {value}")
               for c, values in enumerate(kinds) if values is not None for code, value in enumerate(values)]
    if handles:
        fig.legend(handles=handles[:LEGEND_ENTRIES], loc="outside lower center", fontsize=7,
                   ncols=min(4, len(handles)),
                   title="categories" if len(handles) <= LEGEND_ENTRIES else
                   f"categories (the first {LEGEND_ENTRIES})", title_fontsize=8)


__all__ = ["table_figure"]
