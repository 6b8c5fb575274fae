"""The latent space: posterior means of a data set, coloured by label, and its leading directions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from matplotlib.figure import Figure

from vaekit.plots.save import save_figure


def latent_directions(means: torch.Tensor) -> torch.Tensor:
    """(k, d) orthonormal directions to show a d-dimensional latent space in k = min(d, 2) dimensions.

    For d <= 2 the latent axes themselves; for d > 2 the two leading principal directions of the posterior means.
    Any orthonormal pair is N(0, I) under the standard normal prior, so normal quantiles along them are valid.
    """
    dim = means.shape[1]
    if dim <= 2:
        return torch.eye(dim)
    if len(means) < 3:  # too few codes for two principal directions (a tiny test split): the first two axes
        return torch.eye(dim)[:2]
    centred = means.double() - means.double().mean(0)
    _, _, right = torch.linalg.svd(centred, full_matrices=False)
    directions = right[:2].float()
    # fix each direction's sign (largest component positive) so pictures do not flip between runs
    signs = torch.sign(directions.gather(1, directions.abs().argmax(1, keepdim=True)))
    return directions * signs


def save_latent_scatter(means: torch.Tensor, labels: torch.Tensor | None, path: str | Path,
                        class_names: list[str] | None = None) -> Path:
    """Scatter of posterior means (projected to 2-D by PCA when d > 2), coloured by label."""
    means = means.detach().float().cpu()
    dim = means.shape[1]
    directions = latent_directions(means)
    points = (means @ directions.T).numpy()
    if dim == 1:
        rng = np.random.default_rng(0)
        points = np.column_stack([points[:, 0], rng.uniform(-0.4, 0.4, len(points))])
    fig = Figure(figsize=(8, 7))
    axes = fig.add_subplot(111)
    colours = None if labels is None else labels.cpu().numpy()
    scatter = axes.scatter(points[:, 0], points[:, 1], c=colours, s=4, cmap="tab10" if colours is not None else None,
                           alpha=0.7)
    if colours is not None:
        bar = fig.colorbar(scatter, ax=axes, ticks=np.unique(colours))
        if class_names is not None and len(class_names) == len(np.unique(colours)):
            bar.ax.set_yticklabels(class_names)
    if dim > 2:
        axes.set_xlabel("first principal direction of the posterior means")
        axes.set_ylabel("second principal direction")
    else:
        axes.set_xlabel("z[0]")
        axes.set_ylabel("z[1]" if dim == 2 else "(jitter)")
    axes.set_title(f"posterior means of {len(means)} examples (latent dimension {dim})")
    return save_figure(fig, path)
