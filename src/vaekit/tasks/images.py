"""Pictures of what the model generates: reconstructions, samples and the 2-D latent manifold."""

from __future__ import annotations

import math
from pathlib import Path

import torch
from matplotlib.figure import Figure

from vaekit.data.kinds import data_kind
from vaekit.model.vae import VAE
from vaekit.plots.grid import rows_as_image
from vaekit.plots.save import save_figure


def _show(fig: Figure, picture, title: str, position: int = 111, image: bool = True) -> None:
    axes = fig.add_subplot(position)
    if image:
        axes.imshow(picture, interpolation="nearest")
    else:
        axes.imshow(picture, aspect="auto", cmap="viridis", interpolation="nearest")
        axes.set_ylabel("example")
        axes.set_xlabel("dimension")
    axes.set_title(title)
    if image:
        axes.axis("off")


@torch.no_grad()
def save_reconstructions(model: VAE, x: torch.Tensor, path: str | Path, ncol: int = 8,
                         y: torch.Tensor | None = None) -> Path:
    """Inputs (top rows) above their reconstructions at the posterior mean (bottom rows); labels y for a CVAE."""
    x = x.to(model.device)
    recon = model.reconstruct(x, y=y)
    if model.is_image:
        fig = Figure(figsize=(ncol, 2.4 * math.ceil(len(x) / ncol)))
        _show(fig, data_kind(model.data_kind).picture(recon, ncol, inputs=x), "inputs (top) and reconstructions "
              "(bottom)")
    else:
        fig = Figure(figsize=(8, 6))
        _show(fig, rows_as_image(x), "inputs", 211, image=False)
        _show(fig, rows_as_image(recon), "reconstructions", 212, image=False)
    return save_figure(fig, path)


@torch.no_grad()
def save_samples(model: VAE, path: str | Path, n: int = 64, seed: int = 0, ncol: int = 8,
                 label: int | None = None) -> Path:
    """Decoded prior samples (the likelihood mean at z ~ p(z)), repeatable through `seed`. A conditional VAE
    draws `n` of class `label`, or without one a grid with one row of `ncol` samples per class."""
    generator = torch.Generator(device=model.device).manual_seed(seed)
    labels, title = None, f"{n} samples from the prior"
    if model.num_classes is not None:
        if label is None:
            labels = torch.arange(model.num_classes).repeat_interleave(ncol)
            title = "samples, one row per class"
        else:
            labels, title = torch.full((n,), label), f"{n} samples of class {label}"
        n = len(labels)
    samples = model.sample(n, generator=generator, labels=labels)
    fig = Figure(figsize=(ncol, ncol * math.ceil(n / ncol) / ncol + 0.4))
    if model.is_image:
        _show(fig, data_kind(model.data_kind).picture(samples, ncol), title)
    else:
        _show(fig, rows_as_image(samples), title, image=False)
    return save_figure(fig, path)


@torch.no_grad()
def manifold_images(model: VAE, directions: torch.Tensor, steps: int = 15, label: int | None = None
                    ) -> torch.Tensor:
    """(steps*steps, C, H, W) decoded at z = a*u1 + b*u2 for a, b at norm.ppf(linspace(0.05, 0.95, steps)).

    Rows run from high b (top) to low b, columns from low a to high a, so the picture lines up with the latent
    scatter. With one latent dimension, one row of `steps` images. A conditional VAE decodes in class `label`
    (0 when none is given).
    """
    # norm.ppf as torch's ndtri, in float64 as scipy computes it (scipy.stats takes a second to import)
    quantiles = torch.special.ndtri(torch.linspace(0.05, 0.95, steps).double()).float()
    directions = directions.to(model.device)
    if directions.shape[0] == 1:
        z = quantiles.to(model.device)[:, None] * directions[0]
    else:
        b, a = torch.meshgrid(quantiles.flip(0), quantiles, indexing="ij")
        z = a.reshape(-1, 1).to(model.device) * directions[0] + b.reshape(-1, 1).to(model.device) * directions[1]
    labels = None if model.num_classes is None else torch.full((len(z),), label or 0)
    return model.decode(z, labels).mean


def save_manifold(model: VAE, directions: torch.Tensor, path: str | Path, steps: int = 15,
                  label: int | None = None) -> Path:
    """The 15x15 manifold of the classic VAE papers, along the given (1 or 2, d) unit latent directions; for a
    conditional VAE, in class `label` (0 when none is given)."""
    images = manifold_images(model, directions, steps, label)
    fig = Figure(figsize=(10, 10 if directions.shape[0] > 1 else 1.5))
    which = f", class {label or 0}" if model.num_classes is not None else ""
    _show(fig, data_kind(model.data_kind).picture(images, steps), "decoded at norm.ppf(linspace(0.05, 0.95, 15)) "
          f"along the leading latent directions{which}")
    return save_figure(fig, path)
