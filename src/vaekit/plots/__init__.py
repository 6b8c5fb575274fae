"""Figures from arrays: image grids, latent scatter, traversal grids and charts, training curves (matplotlib, Agg:
plots/save.py sets it). This layer knows no model: vaekit.tasks computes what is drawn."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vaekit.plots.curves import save_loss_curves
    from vaekit.plots.latent import latent_directions, save_latent_scatter
    from vaekit.plots.traversals import save_traversals

__all__ = ["latent_directions", "save_latent_scatter", "save_loss_curves", "save_traversals"]

# Imported on first use (PEP 562): vaekit.plots.grid, which TensorBoard's image grids use every epoch, does not
# import matplotlib; the figures do, when a run draws them.
_LAZY = {"save_loss_curves": "curves", "latent_directions": "latent", "save_latent_scatter": "latent",
         "save_traversals": "traversals"}


def __getattr__(name: str):  # type: ignore[no-untyped-def]
    if name in _LAZY:
        import importlib

        module = importlib.import_module(f"vaekit.plots.{_LAZY[name]}")
        # bind all of the module's names, as `from ... import` did: the function `traversals` then wins over the
        # submodule of the same name that the import just set on this package
        globals().update({key: getattr(module, key) for key, where in _LAZY.items() if where == _LAZY[name]})
        return globals()[name]
    raise AttributeError(f"module 'vaekit.plots' has no attribute {name!r}")
