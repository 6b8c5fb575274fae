"""Latent traversals: one latent dimension swept while the others stay at an example's posterior mean.

For an example x with posterior mean mu = E[q(z|x)] and a dimension j, the traversal decodes

    z(t) = mu with z_j replaced by m_j + t * s_j,    t in linspace(-R, R, steps)      (R = `spread`, default 3)

where m_j and s_j are the mean and standard deviation of the prior's marginal p(z_j): -3..3 for N(0, I), the
range of the beta-VAE papers (Higgins et al. 2017). The sweep is over the prior's range rather than around the
example's own code so that every row spans the same, typical part of the latent space: rows are comparable, and a
dimension that changes nothing over the whole prior range is visibly unused. The example's own value is marked
in the table charts; its decoded image is the reconstruction.

Dimensions are ordered by their mean KL over a batch of data, KL_j = E_x[ KL(q(z_j|x) || p(z_j)) ], largest first:
the dimensions that carry information come first and collapsed ones last. A prior that does not factorise (a
mixture, the VampPrior, a ladder) has no KL per dimension; then the variance of the posterior means over the data
orders them instead (the active-units statistic of Burda et al. 2015), and the labels say so.

    order = dimension_order(model, data_x)                    # most informative first
    result = traversals(model, data_x[:1], dims=order.top(8), steps=9)
    result.decoded                                            # (1, 8, 9, *data_shape) likelihood means
    save_traversals(result, "traversals.png", order)          # images: a grid; tables: a chart per column
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from matplotlib.figure import Figure

from vaekit.checks import as_checked_data
from vaekit.errors import VaekitError
from vaekit.evaluation.diagnostics import ACTIVE_THRESHOLD, latent_statistics
from vaekit.io import atomic_path
from vaekit.model import VAE
from vaekit.plots.grid import image_grid
from vaekit.plots.save import save_figure

SPREAD = 3.0  # prior standard deviations each side: 99.7% of a Gaussian prior's mass
STEPS = 9  # odd, so the middle column is the prior's mean
PRIOR_DRAWS = 4096  # draws that estimate the marginal moments of a prior without closed-form ones
# layout of the image grid, in screen pixels: tiles drawn at a whole multiple of their size of at least TILE_PX,
# and margins for the row labels (left), the title (top) and the swept values (bottom)
TILE_PX, LEFT_PX, RIGHT_PX, TOP_PX, BOTTOM_PX, DPI = 64, 120, 10, 40, 30, 100
MAX_COLUMNS = 24  # table charts: the columns that change most, one panel each


@dataclass(frozen=True)
class DimensionOrder:
    """Latent dimensions, most informative first. `kl` is the mean KL per dimension over the data (nats; None when
    the prior does not factorise), `score` what ordered them (the KL, or else the variance of the posterior means),
    `collapsed` marks the inactive dimensions (posterior-mean variance <= ACTIVE_THRESHOLD)."""

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


@torch.no_grad()
def dimension_order(model: VAE, x: torch.Tensor, y: torch.Tensor | None = None, batch_size: int = 1000
                    ) -> DimensionOrder:
    """Order the latent dimensions by their mean KL over the data x (N, *data_shape), largest first (labels y for
    a conditional VAE). Ties keep index order."""
    if len(x) == 0:
        raise VaekitError("no examples to measure the KL of each latent dimension on")
    stats = latent_statistics(model, x, batch_size=batch_size, y=y)
    kl = stats["kl_per_dim"] if len(stats["kl_per_dim"]) else None
    score = (kl if kl is not None else stats["mean_variance"]).double().cpu()
    dims = sorted(range(model.latent_dim), key=lambda j: (-float(score[j]), j))
    return DimensionOrder(dims, score, kl, (stats["mean_variance"] <= ACTIVE_THRESHOLD).cpu())


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


def prior_moments(prior: torch.distributions.Distribution, device: torch.device, seed: int = 0
                  ) -> tuple[torch.Tensor, torch.Tensor]:
    """(mean, standard deviation) of each marginal p(z_j), (d,) each (or (B, d) for a batch of priors, a CVAE's
    per-class one): closed form where the distribution has one, else from PRIOR_DRAWS seeded draws."""
    try:
        return prior.mean, prior.stddev
    except NotImplementedError:  # torch's answer for a distribution without closed-form moments (a ladder)
        generator = torch.Generator(device=device).manual_seed(seed)
        draws = prior.rsample_seeded(torch.Size([PRIOR_DRAWS]), generator)
        return draws.mean(0), draws.std(0)


@torch.no_grad()
def traversals(model: VAE, x: torch.Tensor, dims: Sequence[int] | None = None, steps: int = STEPS,
               spread: float = SPREAD, y: torch.Tensor | None = None) -> Traversal:
    """Decode each dimension in `dims` (default: all, in index order) swept over the prior's mean +- `spread`
    standard deviations in `steps` values, the other dimensions at the posterior mean of each example in x
    (n, *data_shape); labels y (n,) for a conditional VAE, which encodes and decodes in the example's class.

    >>> result = traversals(model, test_x[:1], dims=[3, 0], steps=7)
    >>> result.decoded.shape          # (1, 2, 7, *data_shape)
    """
    if steps < 2:
        raise VaekitError(f"a traversal needs at least 2 steps, got {steps}")
    if not (spread > 0 and math.isfinite(spread)):
        raise VaekitError(f"the range of a traversal must be a positive number of prior standard deviations, got "
                          f"{spread}")
    if model.num_classes is not None and y is None:
        raise VaekitError("this run is a conditional VAE: a traversal needs the example's label")
    dims = list(range(model.latent_dim)) if dims is None else [int(j) for j in dims]
    bad = [j for j in dims if not 0 <= j < model.latent_dim]
    if not dims or bad:
        raise VaekitError(f"latent dimensions to traverse must be between 0 and {model.latent_dim - 1}, got "
                          f"{bad or 'none'}")
    x = as_checked_data(x, model)  # the model's shape, finite, inside the likelihood's support
    labels = None if y is None else y.to(model.device)
    codes = model.encode(x, labels).mean  # (n, d)
    mean, std = prior_moments(model.prior_given(labels), model.device)
    per_example = mean.dim() == 2  # a CVAE's prior per class: each example sweeps its own class's range
    mean, std = mean.expand_as(codes), std.expand_as(codes)
    offsets = torch.linspace(-spread, spread, steps, device=codes.device, dtype=codes.dtype)
    index = torch.tensor(dims, device=codes.device)
    values = mean[:, index, None] + offsets * std[:, index, None]  # (n, k, steps)
    z = codes[:, None, None, :].repeat(1, len(dims), steps, 1)  # (n, k, steps, d)
    rows = torch.arange(len(dims), device=codes.device)
    z[:, rows, :, index] = values.permute(1, 0, 2)  # advanced indices first: (k, n, steps)
    n = len(codes)
    decode_labels = None if labels is None else labels.repeat_interleave(len(dims) * steps)
    decoded = model.decode(z.reshape(-1, model.latent_dim), decode_labels).mean
    reconstructions = model.decode(codes, labels).mean
    return Traversal(dims, values.cpu() if per_example else values[0].cpu(), offsets.cpu(), codes.cpu(),
                     decoded.reshape(n, len(dims), steps, *model.data_shape).cpu(), reconstructions.cpu())


def save_traversals(result: Traversal, path: str | Path, order: DimensionOrder | None = None,
                    columns: Sequence[str] | None = None) -> Path:
    """The traversal picture: for images a grid, one row per dimension (labelled with its index and KL from
    `order`) and one panel per example; for vectors a line chart per data column (`columns` names them)."""
    if result.decoded.dim() == 6:  # (n, k, steps, C, H, W)
        return _save_grid(result, path, order)
    return _save_chart(result, path, order, columns)


def _row_label(order: DimensionOrder | None, j: int, sep: str = " ") -> str:
    return f"z{j}" if order is None else order.label(j, sep)


def _save_grid(result: Traversal, path: str | Path, order: DimensionOrder | None) -> Path:
    """Exact pixel layout (no tight bounding box): each panel is LEFT_PX + the grid at `scale` + RIGHT_PX wide and
    TOP_PX + the grid + BOTTOM_PX high, so the picture's size follows from the data alone."""
    n, k, steps = result.decoded.shape[:3]
    grids = [image_grid(result.decoded[i].reshape(k * steps, *result.decoded.shape[3:]), steps) for i in range(n)]
    height, width = grids[0].shape[:2]
    tile = (width - 1) // steps - 1  # a tile's side once image_grid enlarged it (1-pixel gaps between tiles)
    scale = max(1, TILE_PX // tile)
    panel_w, panel_h = LEFT_PX + width * scale + RIGHT_PX, TOP_PX + height * scale + BOTTOM_PX
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
        axes.set_title(f"example {i}: z_j over the prior's mean {float(result.offsets[0]):+.3g}.."
                       f"{float(result.offsets[-1]):+.3g} sd" if n > 1 else
                       f"each row: one z_j over the prior's mean {float(result.offsets[0]):+.3g}.."
                       f"{float(result.offsets[-1]):+.3g} sd, the rest at the example's code", fontsize=8)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=DPI)  # no bbox_inches="tight": the size is the one computed above
    return Path(path)


def _save_chart(result: Traversal, path: str | Path, order: DimensionOrder | None,
                columns: Sequence[str] | None) -> Path:
    """One panel per data column (each in its own units), a line per latent dimension against the swept offset
    in prior standard deviations; a dot marks the example's own code and its reconstruction. Columns whose
    decoded mean changes most come first, at most MAX_COLUMNS of them."""
    decoded = result.decoded.reshape(*result.decoded.shape[:3], -1).double()  # (n, k, steps, D)
    width = decoded.shape[-1]
    names = list(columns) if columns is not None and len(columns) == width else [f"x{c}" for c in range(width)]
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
                          label=(_row_label(order, j) if i == 0 else None))
                mean, std = prior[i][r]
                axes.plot([(float(result.codes[i, j]) - mean) / std],
                          [float(result.reconstructions[i].reshape(-1)[c])], "o", color=colours[r], markersize=3)
        axes.set_title(names[c], fontsize=9)
        axes.tick_params(labelsize=7)
        axes.grid(alpha=0.3)
    fig.axes[0].legend(fontsize=7, loc="best")
    what = f"{len(shown)} of {width} columns (those that change most)" if len(shown) < width else "each column"
    fig.suptitle(f"decoded mean of {what} as one z_j moves over the prior's mean +-{float(offsets[-1]):.3g} sd "
                 "(x axis, in sd), the rest at the example's code; dots: the example itself"
                 + ("" if n == 1 else "; line style: example"), fontsize=9)
    fig.supxlabel("z_j - prior mean (prior standard deviations)", fontsize=8)
    fig.tight_layout()
    return save_figure(fig, path)


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


__all__ = ["DimensionOrder", "Traversal", "dimension_order", "prior_moments", "save_traversals", "traversals"]
