"""Latent traversal pictures: what vaekit.tasks.traversals computed, drawn as an image grid (one row per latent
dimension) or, for tables, a line chart per data column. The computation and its formula are in
vaekit.tasks.traversals; this module knows no model.

    save_traversals(result, "traversals.png", order)          # images: a grid; tables: a chart per column
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from vaekit.core.errors import VaekitError
from vaekit.core.io import atomic_path
from vaekit.plots.grid import image_grid
from vaekit.plots.save import save_figure
from vaekit.plots.spectrograms import COLOUR_LABEL, SpectrogramScale, colour_map, colour_range, spectrogram_colours

SPREAD = 3.0  # prior standard deviations each side: 99.7% of a Gaussian prior's mass
STEPS = 9  # odd, so the middle column is the prior's mean
# layout of the image grid, in screen pixels: tiles drawn at a whole multiple of their size of at least TILE_PX,
# and margins for the row labels (left), the title (top) and the swept values (bottom)
TILE_PX, LEFT_PX, RIGHT_PX, TOP_PX, BOTTOM_PX, DPI = 64, 120, 10, 40, 30, 100
TITLE_CHAR_PX, TITLE_LINE_PX = 6, 12  # a title's character width and line height at 8 points
COLOUR_BAR_PX = 90  # a spectrogram grid's colour bar and its label, right of the grid
MAX_COLUMNS = 24  # table charts: the columns that change most, one panel each


@dataclass(frozen=True)
class DimensionOrder:
    """Latent dimensions, most informative first. `kl` is the mean KL per dimension over the data (nats; None when
    the prior does not factorise), `score` what ordered them (the KL, or else the variance of the posterior means),
    `collapsed` marks the inactive dimensions (posterior-mean variance at most the active-units threshold)."""

    dims: list[int]
    score: torch.Tensor
    kl: torch.Tensor | None
    collapsed: torch.Tensor

    def top(self, count: int | None = None, skip_collapsed: bool = False) -> list[int]:
        """The first `count` dimensions (all when None), without the collapsed ones when asked."""
        dims = [j for j in self.dims if not (skip_collapsed and bool(self.collapsed[j]))]
        if not dims:
            raise VaekitError("every latent dimension is collapsed (inactive) on these data: there is nothing to "
                              "traverse; leave out --hide-collapsed to see them anyway")
        return dims[:count]

    def label(self, j: int, sep: str = " ") -> str:
        """`z3 KL 2.31` (or `z3 var 0.84` when the prior does not factorise), `(collapsed)` when inactive, on as
        many lines as `sep` makes."""
        value = f"KL {float(self.score[j]):.2f}" if self.kl is not None else f"var {float(self.score[j]):.2f}"
        return f"z{j}{sep}{value}" + (f"{sep}(collapsed)" if bool(self.collapsed[j]) else "")


@dataclass(frozen=True)
class Traversal:
    """`decoded[i, r, c]` is the likelihood mean at example i's code with dimension dims[r] set to values[r, c]
    (values[i, r, c] when a CVAE's prior differs by class);
    `offsets` (steps,) are the values in prior standard deviations from the prior's mean (linspace(-R, R, steps));
    `codes` (n, d) the examples' posterior means and `reconstructions` (n, *data_shape) their decoded means."""

    dims: list[int]
    values: torch.Tensor
    offsets: torch.Tensor
    codes: torch.Tensor
    decoded: torch.Tensor
    reconstructions: torch.Tensor


def save_traversals(result: Traversal, path: str | Path, order: DimensionOrder | None = None,
                    columns: Sequence[str] | None = None, spectrogram: SpectrogramScale | None = None,
                    column_values: Sequence[list | None] | None = None) -> Path:
    """The traversal picture: for images a grid, one row per dimension (labelled with its index and KL from
    `order`) and one panel per example; for vectors a line chart per data column (`columns` names them).
    `spectrogram`, given, draws the tiles as log-mel spectrograms: magma over the decoded values' range (the
    scale's floor and top where it sets them), low mel bands at the bottom, with a colour bar.
    `column_values[c]`, a list, names the categories a table column's codes stand for (None: a number)."""
    if result.decoded.dim() == 6:  # (n, k, steps, C, H, W)
        return _save_grid(result, path, order, spectrogram)
    return save_figure(traversal_chart(result, order, columns, column_values), path)


def _row_label(order: DimensionOrder | None, j: int, sep: str = " ") -> str:
    return f"z{j}" if order is None else order.label(j, sep)


def _save_grid(result: Traversal, path: str | Path, order: DimensionOrder | None,
               spectrogram: SpectrogramScale | None = None) -> Path:
    """Exact pixel layout (no tight bounding box): each panel is LEFT_PX + the grid at `scale` + RIGHT_PX wide and
    TOP_PX + the grid + BOTTOM_PX high, so the picture's size follows from the data alone (a title too long for
    one line adds a line's height; a colour bar, COLOUR_BAR_PX on the right)."""
    n, k, steps = result.decoded.shape[:3]
    tiles, value_range = result.decoded, None
    if spectrogram is not None:
        value_range = colour_range(tiles.float(), spectrogram)
        values = tiles.detach().float().cpu().mean(3)  # (n, k, steps, n_mels, T), channels averaged
        fixed = SpectrogramScale(floor=value_range[0], top=value_range[1])
        tiles = spectrogram_colours(values, fixed).flip(-2)  # low mel bands at the bottom
    grids = [image_grid(tiles[i].reshape(k * steps, *tiles.shape[3:]), steps) for i in range(n)]
    height, width = grids[0].shape[:2]
    tile = (width - 1) // steps - 1  # a tile's side once image_grid enlarged it (1-pixel gaps between tiles)
    scale = max(1, round(TILE_PX / tile))  # the whole factor nearest to TILE_PX (a 33-frame spectrogram: 2)
    right = RIGHT_PX + (COLOUR_BAR_PX if value_range is not None else 0)
    panel_w = LEFT_PX + width * scale + right
    titles = [_grid_title(result, n, i, spectrogram is not None) for i in range(n)]
    lines = max(len(textwrap.wrap(title, width=panel_w // TITLE_CHAR_PX)) for title in titles)
    top = TOP_PX + TITLE_LINE_PX * (lines - 1)
    panel_h = top + height * scale + BOTTOM_PX
    fig = Figure(figsize=(n * panel_w / DPI, panel_h / DPI), dpi=DPI)
    same = result.values.dim() == 2  # one set of swept values for every example (not a per-class prior)
    for i, grid in enumerate(grids):
        left = (i * panel_w + LEFT_PX) / (n * panel_w)
        axes = fig.add_axes((left, BOTTOM_PX / panel_h, width * scale / (n * panel_w), height * scale / panel_h))
        axes.imshow(grid, interpolation="nearest", aspect="auto")
        axes.set_yticks([(r + 0.5) * height / k for r in range(k)], [_row_label(order, j, "\n") for j in result.dims],
                        fontsize=8)
        values = result.values if same else result.values[i]
        rows_equal = bool(torch.allclose(values, values[:1].expand_as(values)))
        centres = [(c + 0.5) * width / steps for c in range(steps)]
        axes.set_xticks(centres, [f"{float(v):.3g}" for v in values[0]] if rows_equal else
                        [f"{float(t):+.3g}sd" for t in result.offsets], fontsize=7)
        axes.tick_params(length=0)
        for side in axes.spines.values():
            side.set_visible(False)
        # the title over the whole panel (not only the grid, which starts after the row labels), wrapped to it
        fig.text((i + 0.5) / n, 1 - 6 / panel_h, "\n".join(textwrap.wrap(titles[i], width=panel_w // TITLE_CHAR_PX)),
                 ha="center", va="top", fontsize=8)
        if value_range is not None:
            bar = fig.add_axes(((i * panel_w + LEFT_PX + width * scale + 14) / (n * panel_w), BOTTOM_PX / panel_h,
                                12 / (n * panel_w), height * scale / panel_h))
            mappable = ScalarMappable(Normalize(*value_range), colour_map())
            fig.colorbar(mappable, cax=bar).set_label(COLOUR_LABEL, fontsize=7)
            bar.tick_params(labelsize=7)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=DPI)  # no bbox_inches="tight": the size is the one computed above
    return Path(path)


def _grid_title(result: Traversal, n: int, i: int, spectrogram: bool) -> str:
    sweep = f"{float(result.offsets[0]):+.3g}..{float(result.offsets[-1]):+.3g} sd"
    title = f"example {i}: z_j over the prior's mean {sweep}" if n > 1 else \
        f"each row: one z_j over the prior's mean {sweep}, the rest at the example's code"
    return title + ("; each tile a log-mel spectrogram, time across, low mel bands at the bottom"
                    if spectrogram else "")


def traversal_chart(result: Traversal, order: DimensionOrder | None = None, columns: Sequence[str] | None = None,
                    column_values: Sequence[list | None] | None = None) -> Figure:
    """One panel per data column (each in its own units), a line per latent dimension against the swept offset
    in prior standard deviations; a dot marks the example's own code and its reconstruction. Columns whose
    decoded mean changes most come first, at most MAX_COLUMNS of them. A categorical column (its categories in
    `column_values`) is drawn as steps between its categories, named on its y axis, not as a line over codes."""
    decoded = result.decoded.reshape(*result.decoded.shape[:3], -1).double()  # (n, k, steps, D)
    width = decoded.shape[-1]
    names = list(columns) if columns is not None and len(columns) == width else [f"x{c}" for c in range(width)]
    kinds = list(column_values) if column_values is not None and len(column_values) == width else [None] * width
    change = (decoded.amax(2) - decoded.amin(2)).amax(1).amax(0)  # (D,) largest swing over dims and examples
    shown = sorted(range(width), key=lambda c: (-float(change[c]), c))[:MAX_COLUMNS]
    panels = math.ceil(math.sqrt(len(shown)))
    rows = math.ceil(len(shown) / panels)
    fig = Figure(figsize=(3.2 * panels, 2.4 * rows + 0.6))
    offsets = result.offsets.numpy()
    n, k = decoded.shape[:2]
    colours = [f"C{r % 10}" for r in range(k)]
    styles = ["-", "--", ":", "-."]
    prior = _prior_of(result)
    for p, c in enumerate(shown):
        axes = fig.add_subplot(rows, panels, p + 1)
        for i in range(n):
            for r, j in enumerate(result.dims):
                axes.plot(offsets, decoded[i, r, :, c].numpy(), color=colours[r], linestyle=styles[i % len(styles)],
                          label=(_row_label(order, j) if i == 0 else None),
                          drawstyle="default" if kinds[c] is None else "steps-mid")
                mean, std = prior[i][r]
                axes.plot([(float(result.codes[i, j]) - mean) / std],
                          [float(result.reconstructions[i].reshape(-1)[c])], "o", color=colours[r], markersize=3)
        axes.set_title(names[c], fontsize=9)
        if kinds[c] is not None:  # the codes stand for categories: name them, and no value between two
            axes.set_yticks(range(len(kinds[c])), [str(value) for value in kinds[c]])
            axes.set_ylim(-0.5, len(kinds[c]) - 0.5)
        axes.tick_params(labelsize=7)
        axes.grid(alpha=0.3)
    fig.axes[0].legend(fontsize=7, loc="best")
    what = f"{len(shown)} of {width} columns (those that change most)" if len(shown) < width else "each column"
    fig.suptitle(f"decoded mean of {what} as one z_j moves over the prior's mean +-{float(offsets[-1]):.3g} sd "
                 "(x axis, in sd), the rest at the example's code; dots: the example itself"
                 + ("" if n == 1 else "; line style: example"), fontsize=9)
    fig.supxlabel("z_j - prior mean (prior standard deviations)", fontsize=8)
    fig.tight_layout()
    return fig


def _prior_of(result: Traversal) -> list[list[tuple[float, float]]]:
    """(mean, sd) of the prior of each shown dimension for each example, recovered from the swept values
    (value = mean + offset * sd), to place each example's own code on the offset axis."""
    values = result.values if result.values.dim() == 3 else result.values.expand(len(result.codes), -1, -1)
    first, last = result.offsets[0].item(), result.offsets[-1].item()
    out = []
    for i in range(len(values)):
        pairs = []
        for r in range(len(result.dims)):
            low, high = values[i, r, 0].item(), values[i, r, -1].item()
            std = (high - low) / (last - first)
            pairs.append((low - first * std, std if std > 0 else 1.0))
        out.append(pairs)
    return out


__all__ = ["SPREAD", "STEPS", "DimensionOrder", "Traversal", "save_traversals", "traversal_chart"]
