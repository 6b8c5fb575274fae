"""Figures of a trained model: image grids, latent scatter, manifold, traversals, training curves (matplotlib,
Agg)."""

import matplotlib

matplotlib.use("Agg")  # files only; never open a window or need a display

from vaekit.plots.curves import save_loss_curves  # noqa: E402
from vaekit.plots.images import save_manifold, save_reconstructions, save_samples  # noqa: E402
from vaekit.plots.latent import latent_directions, save_latent_scatter  # noqa: E402
from vaekit.plots.traversals import dimension_order, save_traversals, traversals  # noqa: E402

__all__ = ["dimension_order", "latent_directions", "save_latent_scatter", "save_loss_curves", "save_manifold",
           "save_reconstructions", "save_samples", "save_traversals", "traversals"]
