"""Training curves from the metrics a run logs each epoch."""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from vaekit.plots.save import save_figure


def loss_curves_figure(metrics: list[dict[str, float]], bound: str | None = None) -> Figure:
    """Negative ELBO (train and validation) and its split into distortion and rate, per epoch (whole epochs on
    the x axis); for an objective with a `bound` of its own (objectives/base.py own_bound, logged as val_loss),
    that bound on the left, with the validation -ELBO beside it."""
    epochs = [row["epoch"] for row in metrics]
    fig = Figure(figsize=(11, 4))
    left, right = fig.add_subplot(121), fig.add_subplot(122)
    if bound is not None and all("val_loss" in row for row in metrics):
        # what the run trains first (an IWAE's bound may improve while its ELBO does not), the ELBO dashed beside
        left.plot(epochs, [row["train_loss"] for row in metrics], marker="o", label=f"train -{bound}")
        left.plot(epochs, [row["val_loss"] for row in metrics], marker="o", label=f"validation -{bound}")
        left.plot(epochs, [row["val_neg_elbo"] for row in metrics], linestyle="--", color="grey",
                  label="validation -ELBO")
        left.set_title(f"loss: -{bound}, nats per example (lower is better)")
    else:
        left.plot(epochs, [row["train_neg_elbo"] for row in metrics], marker="o", label="train")
        left.plot(epochs, [row["val_neg_elbo"] for row in metrics], marker="o", label="validation")
        left.set_title("loss: negative ELBO, nats per example (lower is better)")
    right.plot(epochs, [row["val_distortion"] for row in metrics], marker="o", label="distortion -log p(x|z)")
    right.plot(epochs, [row["val_rate"] for row in metrics], marker="o", label="rate KL(q||p)")
    right.set_title("validation -ELBO = distortion + rate (nats per example)")
    for axes in (left, right):
        axes.set_xlabel("epoch")
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole: no tick at 1.5 in a short run
        axes.legend()
        axes.grid(alpha=0.3)
    return fig


def save_loss_curves(metrics: list[dict[str, float]], path: str | Path, bound: str | None = None) -> Path:
    """loss_curves_figure written to `path`.

        save_loss_curves([{"epoch": 1, "train_neg_elbo": 40.1, ...}, ...], "run/loss.png")
    """
    return save_figure(loss_curves_figure(metrics, bound), path)
