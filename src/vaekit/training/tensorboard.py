"""TensorBoard scalars and image grids, once per epoch; the run's labelled pictures once, at its end."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
import torch

from vaekit.data.kinds import data_kind
from vaekit.model.vae import VAE

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
            kind = data_kind(model.data_kind)  # how this kind of data is drawn: images, spectrograms
            for tag, grid in (("reconstructions", kind.picture(recon, 8, inputs=examples)),
                              ("samples", kind.picture(samples, 8))):
                self.writer.file_writer.add_summary(_image_summary(tag, grid), row["epoch"])

    def pictures(self, paths: list[Path], step: int) -> None:
        """The run's final pictures (loss.png, reconstructions.png, ...: labelled, titled) under pictures/<name>,
        as written: the per-epoch grids above are unlabelled, to cost each epoch little."""
        from PIL import Image
        from tensorboard.compat.proto.summary_pb2 import Summary

        for path in paths:
            if Path(path).suffix.lower() != ".png":  # a text run's samples.txt, say
                continue
            with Image.open(path) as image:
                width, height = image.size
                colours = {"L": 1, "LA": 2, "RGB": 3}.get(image.mode, 4)
            png = Summary.Image(height=height, width=width, colorspace=colours,
                                encoded_image_string=Path(path).read_bytes())
            self.writer.file_writer.add_summary(Summary(value=[Summary.Value(tag=f"pictures/{Path(path).stem}",
                                                                             image=png)]), step)

    def close(self) -> None:
        self.writer.close()


def _image_summary(tag: str, grid: np.ndarray) -> Any:
    """An (H, W, 3) picture in [0, 1] as a TensorBoard image, as SummaryWriter.add_image makes it (the same uint8
    pixels) but cheaper to encode: one channel where the picture is grey, and zlib level 1. add_image's RGB PNG at
    the default level took 8 ms for a grid of 64 Fashion-MNIST images, most of the logging an epoch does; this
    takes 1.6 ms (and the file is half the size)."""
    from PIL import Image
    from tensorboard.compat.proto.summary_pb2 import Summary

    pixels = (grid.astype(np.float32) * 255).clip(0, 255).astype(np.uint8)  # add_image's scaling, truncated
    grey = bool((pixels[..., 0] == pixels[..., 1]).all() and (pixels[..., 1] == pixels[..., 2]).all())
    image, encoded = Image.fromarray(pixels[..., 0] if grey else pixels), io.BytesIO()
    image.save(encoded, format="PNG", compress_level=1)
    height, width = pixels.shape[:2]
    png = Summary.Image(height=height, width=width, colorspace=1 if grey else pixels.shape[-1],  # 4: RGBA
                        encoded_image_string=encoded.getvalue())
    return Summary(value=[Summary.Value(tag=tag, image=png)])
