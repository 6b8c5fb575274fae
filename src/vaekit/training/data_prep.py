"""Putting a data set on the training device once, as tensors, with the chosen binarization."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from vaekit.config import DataConfig
from vaekit.data import Dataset


@dataclass
class DeviceData:
    train_x: torch.Tensor
    test_x: torch.Tensor
    test_y: torch.Tensor | None
    dynamic_binarization: bool


def prepare(data: Dataset, cfg: DataConfig, device: torch.device) -> DeviceData:
    """Tensors on `device`. Static binarization draws x ~ Bernoulli(pixel) once with a seeded generator; dynamic
    binarization redraws every training batch, while the test set is binarized once (seeded) so that validation
    numbers stay comparable between epochs and runs (it is seeded by the split seed, not the training seed)."""
    train_x = data.train_x.to(device)
    test_x = data.test_x.to(device)
    if cfg.binarize != "none":
        generator = torch.Generator().manual_seed(cfg.split_seed)
        test_x = torch.bernoulli(data.test_x, generator=generator).to(device)
        if cfg.binarize == "static":
            train_x = torch.bernoulli(data.train_x, generator=generator).to(device)
    test_y = None if data.test_y is None else data.test_y.to(device)
    return DeviceData(train_x, test_x, test_y, cfg.binarize == "dynamic")
