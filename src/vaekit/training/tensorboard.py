"""TensorBoard scalars and image grids, once per epoch."""

from __future__ import annotations

from pathlib import Path

import torch

from vaekit.model import VAE
from vaekit.plots.grid import image_grid

SCALARS = {"loss/train": "train_loss", "neg_elbo/train": "train_neg_elbo", "neg_elbo/validation": "val_neg_elbo",
           "distortion/train": "train_distortion", "distortion/validation": "val_distortion",
           "rate/train": "train_rate", "rate/validation": "val_rate", "active_units/validation": "val_active_units",
           "beta": "beta", "lr": "lr",
           "examples_per_s": "examples_per_s"}


class TensorBoardLog:
    def __init__(self, path: Path) -> None:
        from torch.utils.tensorboard import SummaryWriter  # imports tensorboard: only when a run logs

        self.writer = SummaryWriter(str(path))

    @torch.no_grad()
    def epoch(self, row: dict[str, float], model: VAE, examples: torch.Tensor, kl_per_dim: list[float],
              labels: torch.Tensor | None = None) -> None:
        for tag, key in SCALARS.items():
            self.writer.add_scalar(tag, row[key], row["epoch"])
        known = set(SCALARS.values())
        for key, value in row.items():  # an objective's own terms: iw_bound, total_correlation, mmd, ...
            if key.startswith("train_") and key not in known:
                self.writer.add_scalar(f"objective/{key.removeprefix('train_')}", value, row["epoch"])
        for index, value in enumerate(kl_per_dim):
            self.writer.add_scalar(f"kl_per_dim/z{index}", value, row["epoch"])
        if model.is_image:
            was_training = model.training
            model.eval()
            labels = labels if model.num_classes is not None else None  # a CVAE draws the examples' classes
            recon = model.reconstruct(examples, y=labels)
            generator = torch.Generator(device=model.device).manual_seed(0)
            samples = model.sample(len(examples), generator=generator, labels=labels)
            model.train(was_training)
            self.writer.add_image("reconstructions", image_grid(torch.cat([examples, recon]), 8), row["epoch"],
                                  dataformats="HWC")
            self.writer.add_image("samples", image_grid(samples, 8), row["epoch"], dataformats="HWC")

    def close(self) -> None:
        self.writer.close()
