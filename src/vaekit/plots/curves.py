"""Training curves from the metrics a run logs each epoch."""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

from vaekit.plots.save import save_figure


def save_loss_curves(metrics: list[dict[str, float]], path: str | Path) -> Path:
    """Negative ELBO (train and validation) and its split into distortion and rate, per epoch."""
    epochs = [row["epoch"] for row in metrics]
    fig = Figure(figsize=(11, 4))
    left, right = fig.add_subplot(121), fig.add_subplot(122)
    left.plot(epochs, [row["train_neg_elbo"] for row in metrics], marker="o", label="train")
    left.plot(epochs, [row["val_neg_elbo"] for row in metrics], marker="o", label="validation")
    left.set_title("negative ELBO (nats per example)")
    right.plot(epochs, [row["val_distortion"] for row in metrics], marker="o", label="distortion -log p(x|z)")
    right.plot(epochs, [row["val_rate"] for row in metrics], marker="o", label="rate KL(q||p)")
    right.set_title("validation terms (nats per example)")
    for axes in (left, right):
        axes.set_xlabel("epoch")
        axes.legend()
        axes.grid(alpha=0.3)
    return save_figure(fig, path)
