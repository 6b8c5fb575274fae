"""Putting a data set on the training device once, as tensors, with the chosen binarization or dequantization."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from vaekit.config import DataConfig
from vaekit.core.errors import DataError
from vaekit.data import Dataset
from vaekit.data.image.quantization import dequantize, quantization_levels


@dataclass
class DeviceData:
    train_x: torch.Tensor
    test_x: torch.Tensor
    test_y: torch.Tensor | None
    dynamic_binarization: bool
    dequantize_levels: int | None = None  # set when training batches are dequantized: the pixels' level count
    train_y: torch.Tensor | None = None   # labels on the device, for a conditional VAE
    missing: bool = False                 # the data may hold NaN entries (data.missing: model)


def binarize(x: torch.Tensor, generator: torch.Generator, missing_values: bool = True) -> torch.Tensor:
    """x ~ Bernoulli(pixel) for every pixel, a missing (NaN) pixel staying missing. `missing_values=False` (data
    that cannot hold NaN) skips the mask: the trainer binarizes every batch, and the mask costs three passes."""
    if not missing_values:
        return torch.bernoulli(x, generator=generator)
    missing = torch.isnan(x)
    draws = torch.bernoulli(torch.where(missing, torch.zeros((), dtype=x.dtype, device=x.device), x),
                            generator=generator)
    return torch.where(missing, x, draws)


def observed_values(data: Dataset) -> torch.Tensor:
    """Every value of the train and test splits, flat, without the missing (NaN) ones."""
    values = torch.cat([data.train_x.flatten(), data.test_x.flatten()])
    return values[~torch.isnan(values)] if data.missing else values


def to_device(x: torch.Tensor, device: torch.device) -> torch.Tensor:
    """x on `device`. Host to GPU, the copy goes through pinned (page-locked) memory without blocking: the GPU's
    copy engine reads it directly (no staging copy by the driver) while the host goes on preparing the next
    split; work queued on the GPU later waits for it, and the pinned buffer is kept until the copy is done."""
    if device.type == "cuda" and x.device.type == "cpu":
        return x.pin_memory().to(device, non_blocking=True)
    return x.to(device)


def prepare(data: Dataset, cfg: DataConfig, device: torch.device) -> DeviceData:
    """Tensors on `device`. Static binarization draws x ~ Bernoulli(pixel) once with a seeded generator; dynamic
    binarization redraws every training batch, while the test set is binarized once (seeded) so that validation
    numbers stay comparable between epochs and runs (it is seeded by the split seed, not the training seed).
    Dequantization works the same way: fresh noise for every training batch, the test set dequantized once."""
    train_x = to_device(data.train_x, device)
    test_x = to_device(data.test_x, device)
    if cfg.binarize != "none":
        generator = torch.Generator().manual_seed(cfg.split_seed)
        test_x = to_device(binarize(data.test_x, generator), device)
        if cfg.binarize == "static":
            train_x = to_device(binarize(data.train_x, generator), device)
    levels = None
    if cfg.dequantize:
        levels = quantization_levels(observed_values(data))
        if levels is None:
            raise DataError(f"--dequantize needs discrete pixels (at most 256 evenly spaced levels in [0, 1]), but "
                            f"{data.name} has real values; train without --dequantize")
        generator = torch.Generator().manual_seed(cfg.split_seed)
        test_x = to_device(dequantize(data.test_x, levels, generator), device)
    test_y = None if data.test_y is None else to_device(data.test_y, device)
    train_y = None if data.train_y is None else to_device(data.train_y, device)
    return DeviceData(train_x, test_x, test_y, cfg.binarize == "dynamic", levels, train_y, data.missing)
