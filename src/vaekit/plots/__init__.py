"""Figures of a trained model: image grids, latent scatter, manifold, traversals, training curves (matplotlib,
Agg: plots/save.py sets it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vaekit.plots.curves import save_loss_curves
    from vaekit.plots.images import save_manifold, save_reconstructions, save_samples
    from vaekit.plots.latent import latent_directions, save_latent_scatter
    from vaekit.plots.traversals import dimension_order, save_traversals, traversals

__all__ = ["dimension_order", "latent_directions", "save_latent_scatter", "save_loss_curves", "save_manifold",
           "save_reconstructions", "save_samples", "save_traversals", "traversals"]

# Imported on first use (PEP 562): vaekit.plots.grid, which TensorBoard's image grids use every epoch, does not
# import matplotlib; the figures do, when a run draws them.
_LAZY = {"save_loss_curves": "curves", "save_manifold": "images", "save_reconstructions": "images",
         "save_samples": "images", "latent_directions": "latent", "save_latent_scatter": "latent",
         "dimension_order": "traversals", "save_traversals": "traversals", "traversals": "traversals"}


def __getattr__(name: str):  # type: ignore[no-untyped-def]
    if name in _LAZY:
        import importlib

        module = importlib.import_module(f"vaekit.plots.{_LAZY[name]}")
        # bind all of the module's names, as `from ... import` did: the function `traversals` then wins over the
        # submodule of the same name that the import just set on this package
        globals().update({key: getattr(module, key) for key, where in _LAZY.items() if where == _LAZY[name]})
        return globals()[name]
    raise AttributeError(f"module 'vaekit.plots' has no attribute {name!r}")
