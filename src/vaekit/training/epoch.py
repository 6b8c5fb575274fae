"""One training epoch: every batch of the source through one optimisation step, the terms summed on the device.

    terms, step, beta = train_epoch(model, objective, TrainStep(...), DeviceBatches(...), tensors, generator,
                                    config, epoch=1, step=0, stop=flag, progress=True)

With several processes (training/distributed.py) `shared` runs the objective through DistributedDataParallel,
weighting each process's gradient by its share of the global batch, and the epoch's sums are added across the
processes once at its end; `noise` is then the process's own generator of binarization and dequantization noise
(the data generator, shared by all processes, only shuffles).
"""

from __future__ import annotations

from typing import Any, Protocol

import torch
from tqdm.auto import tqdm

from vaekit.config import Config
from vaekit.core.progress import bars_drawn
from vaekit.data.image.quantization import dequantize
from vaekit.model.vae import VAE
from vaekit.objectives.schedules import capacity, kl_weight
from vaekit.training.batches import DeviceBatches
from vaekit.training.data_prep import DeviceData, binarize
from vaekit.training.distributed import SharedGradients, add_across, global_rows, max_across
from vaekit.training.health import TrainingDiverged
from vaekit.training.part_terms import epoch_terms
from vaekit.training.step import TrainStep


class StopRequest(Protocol):
    stop: bool  # set (by a signal handler) when the run should stop after the current step


def train_epoch(model: VAE, objective: Any, train_step: TrainStep, batches: DeviceBatches, tensors: DeviceData,
                generator: torch.Generator, config: Config, epoch: int, step: int, stop: StopRequest,
                progress: bool, shared: SharedGradients | None = None, noise: torch.Generator | None = None
                ) -> tuple[dict[str, float], int, float]:
    """One pass over a fresh permutation of the training rows; returns the epoch's mean terms, the step count
    after it and the last beta."""
    model.train()
    device = tensors.train_x.device
    n = len(batches)  # examples of the epoch in all processes: the KL schedule's progress and the terms' means
    if shared is not None:
        n = int(add_across(torch.tensor([n], device=device), shared.processes))
    noise = generator if noise is None else noise
    step_objective = objective if shared is None else shared.objective(objective)
    last: tuple[torch.Tensor, torch.Tensor | None] | None = None  # the last non-empty slice (see below)
    # sums of loss, distortion and rate stay on the device: no host sync inside the epoch but for the progress bar
    sums = torch.zeros(3, device=device)
    extras: dict[str, torch.Tensor] = {}  # the objective's own terms (iwae's bound, beta-TCVAE's parts), summed
    # the first step whose loss was NaN or infinite, found on the device too (-1: none); read once per epoch
    first_bad = torch.tensor(-1, device=device)
    steps = batches.steps
    # a bar only on a terminal: redrawn into a log or a CI console, each redraw would be a line of text
    progress = progress and bars_drawn()
    bar = tqdm(total=steps, desc=f"epoch {epoch}/{config.train.epochs}", disable=not progress, leave=False)
    refresh = max(1, steps // 10)
    beta = config.objective.beta
    for index, (start, x, y) in enumerate(batches.epoch(generator)):
        rows = len(x)
        if shared is not None:
            # a process with no rows of the last global batch still joins the gradients' all-reduce: it steps on
            # its previous slice with weight 0 (the first batch has rows for every process, check_processes)
            x, y = (x, y) if rows or last is None else last
            last = (x, y)
            shared.weigh(rows, global_rows(config.train.batch_size, n, start))
        # a conditional VAE sees the batch's labels through a view; an unconditional one is itself
        view = model.given(y)
        if tensors.dynamic_binarization:
            x = binarize(x, noise, tensors.missing)
        elif tensors.dequantize_levels is not None:
            x = dequantize(x, tensors.dequantize_levels, noise)
        progress_epochs = epoch - 1 + start / n
        beta = kl_weight(config.objective, config.train.epochs, progress_epochs)
        try:
            out = train_step(step_objective, view, x, beta, capacity(config.objective, progress_epochs))
        except ValueError as error:
            # torch's argument validation refusing a distribution built from NaN or infinite network outputs (an
            # overflowing step, weights gone to NaN) before the epoch's end could see a NaN loss: the same stop
            if "found invalid values" in str(error):
                raise TrainingDiverged(step + 1, epoch, "the model's outputs") from None
            raise
        step += 1
        if rows:
            with torch.no_grad():
                sums += torch.stack([out.loss.detach() * rows, out.distortion.sum(), out.rate.sum()])
                for name, value in out.extras.items():
                    extras[name] = extras.get(name, 0) + value * rows
                first_bad = torch.where((first_bad < 0) & ~torch.isfinite(out.loss.detach()), step, first_bad)
        bar.update(1)
        if progress and index % refresh == 0:  # .item() waits for the device: only when someone watches
            bar.set_postfix(loss=f"{out.loss.item():.2f}")
        if stop.stop:
            break
    bar.close()
    if shared is not None:  # one all-reduce of every sum, one of the first bad step
        names = list(extras)
        packed = add_across(torch.cat([sums, *(extras[name].reshape(1) for name in names)]), shared.processes)
        sums, extras = packed[:3], dict(zip(names, packed[3:], strict=True))
        first_bad = max_across(first_bad, shared.processes)
    loss, distortion, rate = (sums / n).tolist()
    if int(first_bad) >= 0:
        raise TrainingDiverged(int(first_bad), epoch)
    return {"train_loss": loss, "train_neg_elbo": distortion + rate, "train_distortion": distortion,
            "train_rate": rate, **{f"train_{name}": float(total) / n for name, total in extras.items()},
            **epoch_terms(model)}, step, beta  # what the parts log themselves (the codes' usage, say)



