"""Labelled rows of images: the one style of every picture of examples vaekit writes (reconstructions, samples,
interpolations, denoised and inpainted images, the manifold). Each row is named on the left ("input",
"reconstruction", a class name), a title in plain words sits on top, and columns that mean something (an
interpolation's end points, a manifold's z values) are named below.

    rows = paired_rows([("input", x), ("reconstruction", recon)], per_row=8)
    fig = image_rows_figure(rows, "8 test images and their reconstructions", group=2)
    save_image_rows("recon.png", rows, "8 test images and their reconstructions", group=2)
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from matplotlib.figure import Figure

from vaekit.plots.grid import image_grid
from vaekit.plots.save import save_figure

# Readable size, in screen pixels. An 8x8 digit drawn one screen pixel a pixel (the old 34-pixel strips) cannot be
# read, so every tile is enlarged by a whole factor (nearest neighbour: no blur) to at least TILE_PX a side; a
# picture of one or two rows (an interpolation, a few samples) is enlarged further until its tiles are at least
# MIN_GRID_PX tall together, unless that would make it wider than MAX_STRIP_PX (a long strip stays one line).
TILE_PX, MIN_GRID_PX, MAX_STRIP_PX = 64, 220, 1600
MIN_WIDTH_PX = 480  # room for a title of a few words over a narrow grid (one sample)
DPI = 100
FONT_PT, TITLE_PT = 9, 11
CHAR_PX = 7  # the width of a character at FONT_PT and DPI, near enough to leave room for the row labels
LINE_PX = 16  # the height of a line of text at FONT_PT
SEPARATOR = "0.45"  # the line between groups of rows (an input and its reconstruction): a mid grey


@dataclass(frozen=True)
class Row:
    """One row of a picture: its `label` ("input", a class name; "" for none) and its `images` (k, C, H, W) in
    [0, 1]; NaN pixels are drawn red (missing). `names` (k), given, name each example (spectrograms show them)."""

    label: str
    images: torch.Tensor
    names: Sequence[str] | None = None


def paired_rows(parts: Sequence[tuple[str, torch.Tensor]], per_row: int,
                names: Sequence[str] | None = None) -> list[Row]:
    """Rows of `per_row` examples with the parts interleaved: the first examples of each part in turn (input,
    then reconstruction), then the next ones, so that each example sits above what became of it. Every part
    holds the same examples in the same order; `names` name them."""
    count = len(parts[0][1])
    return [Row(label, batch[start:start + per_row], None if names is None else list(names[start:start + per_row]))
            for start in range(0, count, per_row) for label, batch in parts]


def image_rows_figure(rows: Sequence[Row], title: str, columns: Sequence[str] | None = None, group: int = 1,
                      column_breaks: Sequence[int] = (), xlabel: str | None = None, ylabel: str | None = None
                      ) -> Figure:
    """The rows as one grid of tiles at a readable size: each row's label on its left, `columns` (one per
    column) under the grid, `title` on top (wrapped), a grey line after every `group` rows (group > 1) and
    before each column of `column_breaks`. The figure's size in pixels follows from the data (a tight bounding
    box at savefig only trims the margins)."""
    ncol = max(len(row.images) for row in rows)
    tiles = []
    for row in rows:
        images = row.images.detach().float().cpu()
        blank = torch.ones(ncol - len(images), *images.shape[1:])  # a short last row is filled with white
        tiles.append(torch.cat([images, blank]))
    grid = image_grid(torch.cat(tiles), ncol)
    height, width = grid.shape[:2]
    tile_h, tile_w = (height - 1) // len(rows) - 1, (width - 1) // ncol - 1  # image_grid's 1-pixel gaps
    scale = max(1, math.ceil(TILE_PX / max(tile_h, tile_w)))
    if height * scale < MIN_GRID_PX:
        scale = max(scale, min(math.ceil(MIN_GRID_PX / height), MAX_STRIP_PX // width))
    grid_w, grid_h = width * scale, height * scale
    left = 14 + CHAR_PX * max(len(line) for row in rows for line in row.label.split("\n")) \
        + (LINE_PX + 8 if ylabel else 0)
    fig_w = max(MIN_WIDTH_PX, left + grid_w + 14)
    lines = textwrap.wrap(title, width=max(24, (fig_w - 24) // 8))  # about 8 pixels a character at TITLE_PT
    top = 14 + 19 * len(lines)
    label_lines = max((label.count("\n") + 1 for label in columns), default=0) if columns else 0
    bottom = 14 + LINE_PX * label_lines + (LINE_PX + 6 if xlabel else 0)
    fig_h = top + grid_h + bottom
    fig = Figure(figsize=(fig_w / DPI, fig_h / DPI), dpi=DPI)
    x0 = left + max(0, (fig_w - left - 14 - grid_w) // 2)  # a narrow grid in the middle, under its title
    axes = fig.add_axes((x0 / fig_w, bottom / fig_h, grid_w / fig_w, grid_h / fig_h))
    axes.imshow(grid, interpolation="nearest", aspect="auto")
    # tick positions in pixel coordinates of the grid: a tile's centre, past the 1-pixel gap before it
    axes.set_yticks([1 + r * (tile_h + 1) + (tile_h - 1) / 2 for r in range(len(rows))],
                    [row.label for row in rows], fontsize=FONT_PT)
    axes.set_xticks([1 + c * (tile_w + 1) + (tile_w - 1) / 2 for c in range(ncol)] if columns else [],
                    list(columns) if columns else [], fontsize=FONT_PT)
    axes.tick_params(length=0)
    for side in axes.spines.values():
        side.set_visible(False)
    for r in range(group, len(rows), group) if group > 1 else ():
        axes.axhline(r * (tile_h + 1), color=SEPARATOR, linewidth=1.5)
    for c in column_breaks:
        axes.axvline(c * (tile_w + 1), color=SEPARATOR, linewidth=1.5)
    if xlabel:
        axes.set_xlabel(xlabel, fontsize=FONT_PT)
    if ylabel:
        axes.set_ylabel(ylabel, fontsize=FONT_PT)
    fig.suptitle("\n".join(lines), y=1 - 8 / fig_h, va="top", fontsize=TITLE_PT)
    return fig


def save_image_rows(path: str | Path, rows: Sequence[Row], title: str, columns: Sequence[str] | None = None,
                    group: int = 1, column_breaks: Sequence[int] = (), xlabel: str | None = None,
                    ylabel: str | None = None) -> Path:
    """image_rows_figure written to `path` (atomically)."""
    return save_figure(image_rows_figure(rows, title, columns, group, column_breaks, xlabel, ylabel), path)


__all__ = ["Row", "image_rows_figure", "paired_rows", "save_image_rows"]
