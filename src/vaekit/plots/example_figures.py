"""What each picture of examples shows, in words: the rows, their labels and the title of the reconstructions,
samples, interpolation, denoising and inpainting pictures. `draw` turns them into a figure: images as tiles
(plots.image_rows.image_rows_figure), log-mel spectrograms as panels with axes (plots.spectrograms), so every
kind of data gets the same labels.

    fig = reconstructions_figure(image_rows_figure, x, recon)                 # input / reconstruction rows
    fig = samples_figure(image_rows_figure, samples, 8, labels=y, class_names=["0", "1", ...])
    fig = interpolation_figure(image_rows_figure, path, x[3], x[8], "example 3\nid 53", "example 8\nid 91")
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import torch
from matplotlib.figure import Figure

from vaekit.plots.image_rows import Row, paired_rows


class Draw(Protocol):
    """Rows, a title, labels under the columns, how many rows form a group and the columns that start a new part
    (a line before each) -> a figure."""

    def __call__(self, rows: Sequence[Row], title: str, columns: Sequence[str] | None = None,
                 group: int = 1, column_breaks: Sequence[int] = ()) -> Figure: ...


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def reconstructions_figure(draw: Draw, x: torch.Tensor, recon: torch.Tensor, per_row: int = 8,
                           names: Sequence[str] | None = None, padded: bool = False) -> Figure:
    """Each row of inputs above the row of their reconstructions (the likelihood mean at the posterior mean).
    `padded` (NaN marks padding, as in recordings of different lengths): each reconstruction is cut to its
    input's length, since the padding was never scored."""
    if padded:
        recon = torch.where(torch.isnan(x.to(recon.device)), torch.full_like(recon, float("nan")), recon)
    rows = paired_rows([("input", x), ("reconstruction", recon)], per_row, names)
    return draw(rows, f"{_plural(len(x), 'input')} and their reconstructions (each input row above its "
                "reconstruction row)", group=2)


def samples_figure(draw: Draw, samples: torch.Tensor, per_row: int, labels: torch.Tensor | None = None,
                   class_names: Sequence[str] | None = None, what: str = "decoded from random points of the "
                   "prior p(z)") -> Figure:
    """New examples; with `labels` (a conditional model's), one or more rows per class, named by
    `class_names` (the data's; "class k" without them), in the order of the classes."""
    if labels is None:
        rows = [Row("", samples[start:start + per_row]) for start in range(0, len(samples), per_row)]
        return draw(rows, f"{_plural(len(samples), 'new example')} {what}")
    labels = labels.detach().cpu()
    rows = []
    for label in sorted(set(labels.tolist())):
        chosen = samples[labels.to(samples.device) == label]
        name = _class_name(label, class_names)
        rows += [Row(name, chosen[start:start + per_row]) for start in range(0, len(chosen), per_row)]
    classes = sorted(set(labels.tolist()))
    if len(classes) == 1:
        name = _class_name(classes[0], class_names)
        which = name if name.startswith(("class ", "cluster ")) else f"class {name}"
        return draw(rows, f"{_plural(len(samples), 'new example')} of {which}, {what}")
    return draw(rows, f"{_plural(len(samples), 'new example')} {what}, each row of the class named on its left")


def _class_name(label: int, class_names: Sequence[str] | None) -> str:
    """A class by its name ("7", "cat", "cluster 2"); "class k" where the data name none."""
    if class_names is not None and 0 <= label < len(class_names):
        return str(class_names[label])
    return f"class {label}"


def interpolation_figure(draw: Draw, path: torch.Tensor, start: torch.Tensor, end: torch.Tensor,
                         start_name: str, end_name: str, spherical: bool = False) -> Figure:
    """The decoded path (steps, *shape) between two inputs, with the inputs themselves at both ends: the end
    columns named by the inputs (`start_name`, `end_name`: which example and its id, on lines of their own under
    the picture, joined by commas in the title), the others by t, the fraction of the way along."""
    steps = len(path)
    fractions = [f"{t:.2f}" for t in torch.linspace(0, 1, steps).tolist()]
    row = Row("", torch.cat([start[None].to(path.device), path, end[None].to(path.device)]),
              [start_name, *[f"t={t}" for t in fractions], end_name])
    columns = [f"{start_name}\n(input)", *fractions, f"{end_name}\n(input)"]
    kind = "spherical (slerp)" if spherical else "straight"
    first, last = start_name.replace("\n", ", "), end_name.replace("\n", ", ")
    return draw([row], f"{steps} points on a {kind} line in latent space from the code of {first} to that of "
                f"{last}, decoded; the inputs themselves at both ends, t = the fraction of the way", columns,
                column_breaks=(1, steps + 1))


def denoising_figure(draw: Draw, noisy: torch.Tensor, denoised: torch.Tensor, clean: torch.Tensor | None = None,
                     per_row: int = 16, noise: str | None = None, names: Sequence[str] | None = None) -> Figure:
    """Rows of noisy inputs, their denoised outputs under them and, where known, the clean originals under
    those. `noise` names the noise that was added ("gaussian:0.3"); without it the inputs are the data given."""
    parts = [("noisy" if noise else "input", noisy), ("denoised", denoised)]
    if clean is not None:
        parts.append(("clean", clean))
    made = f" made noisy with {noise}" if noise else ""
    known = ", then the clean original" if clean is not None else ""
    return draw(paired_rows(parts, per_row, names), f"{_plural(len(noisy), 'input')}{made}, denoised by the model "
                f"(each {parts[0][0]} row above its denoised row{known})", group=len(parts))


def inpainting_figure(draw: Draw, x: torch.Tensor, missing: torch.Tensor, filled: torch.Tensor,
                      per_row: int = 16, method: str | None = None, names: Sequence[str] | None = None) -> Figure:
    """Rows of masked inputs (missing pixels red), the model's inpainting under them, the originals under those."""
    masked = x.float().masked_fill(missing, float("nan"))  # image_grid draws NaN pixels red
    rows = paired_rows([("masked", masked), ("inpainted", filled), ("original", x)], per_row, names)
    how = f" ({method})" if method else ""
    return draw(rows, f"{_plural(len(x), 'image')} with pixels masked (red), filled in by the model{how}, and the "
                "originals", group=3)


__all__ = ["Draw", "denoising_figure", "inpainting_figure", "interpolation_figure", "reconstructions_figure",
           "samples_figure"]
