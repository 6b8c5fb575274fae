"""The epoch early stopping kept, in the words `vaekit train`'s summary and `vaekit info` both print.

    kept_epoch(Run.open("runs/demo"))   # '; best epoch 12 (131.20 nats, in model.safetensors)', or ''
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vaekit.parts import REGISTRIES

if TYPE_CHECKING:
    from vaekit.runs.run import Run


def kept_epoch(run: Run) -> str:
    """'; best epoch N (FIGURE nats, in FILE)' where the best epoch is not the last one, else ''. The figure is
    the one early stopping chose it by: the -ELBO, or the objective's own bound where it follows that."""
    final = run.metrics[-1] if run.metrics else None
    best = next((row for row in run.metrics if row["epoch"] == run.best_epoch), None)
    if best is None or best is final:
        return ""
    settings = run.config.objective
    objective = REGISTRIES["objective"].get(settings.name)
    kept = "model.safetensors" if run.config.train.early_stopping > 0 else "model-best.safetensors"
    own = objective.followed_column(settings) == "val_loss" and "val_loss" in best
    figure = f"-{objective.bound_of(settings)} {best['val_loss']:.2f}" if own else f"{best['val_neg_elbo']:.2f}"
    return f"; best epoch {best['epoch']} ({figure} nats, in {kept})"
