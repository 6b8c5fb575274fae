"""Pictures of what the model generates: reconstructions, samples and the 2-D latent manifold, drawn in the one
labelled style of vaekit.plots.image_rows (spectrogram panels for audio), and the choice of that style by the
kind of data.

    draw = example_drawer("image")                       # None for kinds a picture cannot show (vectors, text)
    save_reconstructions(model, x, "recon.png")          # input rows above reconstruction rows, labelled
    fig = samples_picture(model, class_names=names)      # a conditional model: one row per class, by name
    save_samples(model, "samples.png", class_names=names)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

import torch
from matplotlib.figure import Figure

from vaekit.data.kinds import data_kind
from vaekit.model.size import check_picture_fits
from vaekit.model.vae import VAE
from vaekit.plots.example_figures import Draw, reconstructions_figure, samples_figure
from vaekit.plots.image_rows import Row, image_rows_figure
from vaekit.plots.save import save_figure
from vaekit.plots.spectrograms import SpectrogramScale, spectrogram_colours, spectrogram_rows_figure
from vaekit.plots.tables import table_figure

PER_ROW = 8  # examples in a row of the run's pictures


def example_drawer(kind: str, info: dict[str, Any] | None = None) -> Draw | None:
    """How examples of the data kind `kind` are drawn: images as labelled tiles, audio as spectrogram panels
    with axes (time from the run's spectrogram settings in `info`, the run's data description, where given);
    None for a kind whose examples are not pictures (vectors, text, series: the kind writes those itself).
    (Asking the kind itself, data/kinds.py, would be better: a new kind would bring its drawing.)"""
    if kind == "image":
        return image_rows_figure
    scale = spectrogram_scale(kind, info)
    return None if scale is None else partial(spectrogram_rows_figure, scale=scale)


def spectrogram_scale(kind: str, info: dict[str, Any] | None = None) -> SpectrogramScale | None:
    """For audio (log-mel spectrograms), how pictures read the values: the colour floor (ln of the spectrogram's
    floor) and seconds per frame of the run's settings (config.json's data "spectrogram"), or without them the
    values' own range and a time axis in frames; None for other kinds."""
    if kind != "audio":
        return None
    settings = (info or {}).get("spectrogram")
    if not settings:
        return SpectrogramScale()
    from vaekit.data.audio.kind import run_settings

    resolved = run_settings(info or {})
    rate = resolved.sample_rate
    return SpectrogramScale(floor=math.log(resolved.floor),
                            seconds_per_frame=resolved.hop_length / rate if rate else None)


def class_names_of(model: VAE, class_names: Sequence[str] | None) -> list[str] | None:
    """The names of a conditional model's classes: the data's, or "cluster k" for a GMVAE's clusters (which are
    not the data's labels); None for a model without classes."""
    if model.num_classes is None:
        return None
    if model.class_latent is not None and not model.class_latent.observed:
        return [f"cluster {k}" for k in range(model.num_classes)]
    if class_names is not None and len(class_names) == model.num_classes:
        return [str(name) for name in class_names]
    return [f"class {k}" for k in range(model.num_classes)]


def _table(parts: list[tuple[str, torch.Tensor]], title: str, info: dict[str, Any] | None,
           row_names: Sequence[str] | None = None) -> Figure:
    """Table rows (not images): each column on its own scale, named, categories by name (plots.tables)."""
    info = info or {}
    return table_figure([(name, values.cpu()) for name, values in parts], title, info.get("columns"),
                        info.get("column_values"), row_names)


@torch.no_grad()
def reconstructions_picture(model: VAE, x: torch.Tensor, ncol: int = PER_ROW, y: torch.Tensor | None = None,
                            info: dict[str, Any] | None = None) -> Figure:
    """Inputs, each row above the row of their reconstructions at the posterior mean; labels y for a CVAE.
    Table rows: the inputs beside their reconstructions, each column on its own scale (`info`: the run's data
    description, which names the columns and their categories)."""
    check_picture_fits(2 * len(x), "inputs and reconstructions", f"{len(x):,} examples", per_row=ncol,
                       tile_shape=model.data_shape)
    x = x.to(model.device)
    recon = model.reconstruct(x, y=y)
    draw = example_drawer(model.data_kind, info)
    if draw is not None:
        return reconstructions_figure(draw, x.cpu(), recon.cpu(), ncol, padded=data_kind(model.data_kind).padded)
    return _table([("input", x), ("reconstruction", recon)], f"{len(x)} inputs and their reconstructions", info)


def save_reconstructions(model: VAE, x: torch.Tensor, path: str | Path, ncol: int = PER_ROW,
                         y: torch.Tensor | None = None, info: dict[str, Any] | None = None) -> Path:
    """reconstructions_picture written to `path`."""
    return save_figure(reconstructions_picture(model, x, ncol, y, info), path)


@torch.no_grad()
def samples_picture(model: VAE, n: int = 64, seed: int = 0, ncol: int = PER_ROW, label: int | None = None,
                    class_names: Sequence[str] | None = None, info: dict[str, Any] | None = None) -> Figure:
    """Decoded prior samples (the likelihood mean at z ~ p(z)), repeatable through `seed`. A conditional VAE
    draws `n` of class `label`, or without one a grid with one row of `ncol` samples per class, each row named
    by `class_names`."""
    check_picture_fits(n if model.num_classes is None or label is not None else model.num_classes * ncol,
                       "samples", f"n={n:,}", per_row=ncol, tile_shape=model.data_shape)
    generator = torch.Generator(device=model.device).manual_seed(seed)
    labels = None
    if model.num_classes is not None:
        labels = torch.full((n,), label) if label is not None else \
            torch.arange(model.num_classes).repeat_interleave(ncol)
        n = len(labels)
    samples = model.sample(n, generator=generator, labels=labels)
    draw = example_drawer(model.data_kind, info)
    if draw is not None:
        return samples_figure(draw, samples.cpu(), ncol, labels, class_names_of(model, class_names))
    names = class_names_of(model, class_names)
    row_names = None if labels is None or names is None else [names[k] for k in labels.tolist()]
    return _table([("sample", samples)], f"{n} new rows decoded at random points z of the prior", info, row_names)


def save_samples(model: VAE, path: str | Path, n: int = 64, seed: int = 0, ncol: int = PER_ROW,
                 label: int | None = None, class_names: Sequence[str] | None = None,
                 info: dict[str, Any] | None = None) -> Path:
    """samples_picture written to `path`."""
    return save_figure(samples_picture(model, n, seed, ncol, label, class_names, info), path)


def manifold_values(steps: int) -> torch.Tensor:
    """The `steps` values along each direction: norm.ppf(linspace(0.05, 0.95, steps)), the middle 90% of a
    standard normal prior (torch's ndtri in float64, as scipy computes it; scipy.stats takes a second to import)."""
    return torch.special.ndtri(torch.linspace(0.05, 0.95, steps).double()).float()


@torch.no_grad()
def manifold_images(model: VAE, directions: torch.Tensor, steps: int = 15, label: int | None = None
                    ) -> torch.Tensor:
    """(steps*steps, C, H, W) decoded at z = a*u1 + b*u2 for a, b in manifold_values(steps).

    Rows run from high b (top) to low b, columns from low a to high a, so the picture lines up with the latent
    scatter. With one latent dimension, one row of `steps` images. A conditional VAE decodes in class `label`
    (0 when none is given).
    """
    quantiles = manifold_values(steps)
    directions = directions.to(model.device)
    if directions.shape[0] == 1:
        z = quantiles.to(model.device)[:, None] * directions[0]
    else:
        b, a = torch.meshgrid(quantiles.flip(0), quantiles, indexing="ij")
        z = a.reshape(-1, 1).to(model.device) * directions[0] + b.reshape(-1, 1).to(model.device) * directions[1]
    labels = None if model.num_classes is None else torch.full((len(z),), label or 0)
    return model.decode(z, labels).mean


def _direction_names(directions: torch.Tensor) -> list[str]:
    """A latent axis by its name (z3); another direction (a principal direction of the codes) by its rank."""
    names = []
    for rank, direction in enumerate(directions):
        axis = int(direction.abs().argmax())
        one_hot = bool(torch.isclose(direction.abs()[axis], torch.tensor(1.0))) and \
            int((direction.abs() > 1e-6).sum()) == 1
        names.append(f"z{axis}" if one_hot else f"direction {rank + 1}")
    return names


# a manifold tile's longer side at most: 225 tiles of 256x256 photos made a 3840-pixel picture that took half of a
# short run's time to draw, and a tile that small still shows how the decoding changes across the grid
MANIFOLD_SIDE = 64


def _at_most(images: torch.Tensor, side: int) -> torch.Tensor:
    """Images (N, C, H, W) shrunk (area average) so that their longer side is at most `side`; smaller ones as they
    are."""
    longer = max(images.shape[-2:])
    if longer <= side:
        return images
    size = (max(1, round(images.shape[-2] * side / longer)), max(1, round(images.shape[-1] * side / longer)))
    return torch.nn.functional.interpolate(images.float(), size=size, mode="area")


def manifold_figure(model: VAE, directions: torch.Tensor, steps: int = 15, label: int | None = None,
                    class_names: Sequence[str] | None = None) -> Figure:
    """The manifold picture: images decoded on a grid of latent points, the value along each direction written
    under the columns and beside the rows."""
    check_picture_fits(steps * steps if directions.shape[0] > 1 else steps, "manifold images", f"steps={steps:,}",
                       per_row=steps, tile_shape=model.data_shape)
    images = manifold_images(model, directions, steps, label).cpu()
    if spectrogram_scale(model.data_kind) is not None:  # log-mel values: magma over their own range, not grey
        images = spectrogram_colours(images.float().mean(1), SpectrogramScale()).flip(-2)  # low bands at the bottom
    else:
        images = _at_most(images, MANIFOLD_SIDE)
    values = manifold_values(steps).tolist()
    names = _direction_names(directions.cpu())
    rows = [Row(f"{b:+.2f}" if len(names) > 1 else "", images[r * steps:(r + 1) * steps])
            for r, b in enumerate(values[::-1] if len(names) > 1 else values[:1])]
    names_of = class_names_of(model, class_names)
    which = "" if names_of is None else f", in {names_of[label or 0]}"
    grid = f"a {steps} x {steps} grid" if len(names) > 1 else f"{steps} points"
    along = f"{names[0]} (across) and {names[1]} (down)" if len(names) > 1 else names[0]
    title = (f"What the decoder draws at {grid} of latent points{which}: {along}, each from {values[0]:+.2f} to "
             f"{values[-1]:+.2f} (the middle 90% of the prior), z 0 elsewhere")
    if not names[0].startswith("z"):
        title += "; directions 1 and 2 are those in which the codes of the data vary most"
    return image_rows_figure(rows, title, [f"{a:+.2f}" for a in values], xlabel=f"value along {names[0]}",
                             ylabel=f"value along {names[1]}" if len(names) > 1 else None)


def save_manifold(model: VAE, directions: torch.Tensor, path: str | Path, steps: int = 15,
                  label: int | None = None, class_names: Sequence[str] | None = None) -> Path:
    """The 15x15 manifold of the classic VAE papers, along the given (1 or 2, d) unit latent directions; for a
    conditional VAE, in class `label` (0 when none is given)."""
    return save_figure(manifold_figure(model, directions, steps, label, class_names), path)
