"""Learning-rate schedules by name: torch's own schedulers, stepped once per epoch after validation.

    schedule = make_schedule(optimizer, config.train)    # None for lr_schedule "none"
    step_schedule(schedule, row["val_neg_elbo"])           # after each epoch; row["lr"] was the epoch's rate

Their state is plain numbers (JSON in the checkpoint's metadata), so a resumed run follows the same rates as an
uninterrupted one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
from torch.optim.lr_scheduler import CosineAnnealingLR, LRScheduler, ReduceLROnPlateau, StepLR

from vaekit.config import TrainConfig

Schedule = LRScheduler | ReduceLROnPlateau

LR_SCHEDULES: dict[str, Callable[[torch.optim.Optimizer, TrainConfig], Schedule]] = {
    # epoch e (from 1) trains at lr * (1 + cos(pi (e - 1) / epochs)) / 2: from lr down toward 0
    "cosine": lambda optimizer, cfg: CosineAnnealingLR(optimizer, T_max=cfg.epochs),
    "step": lambda optimizer, cfg: StepLR(optimizer, step_size=cfg.lr_step_epochs, gamma=cfg.lr_gamma),
    # the validation -ELBO is what it watches: lower is better
    "plateau": lambda optimizer, cfg: ReduceLROnPlateau(optimizer, mode="min", factor=cfg.lr_gamma,
                                                        patience=cfg.lr_patience),
}


def make_schedule(optimizer: torch.optim.Optimizer, cfg: TrainConfig) -> Schedule | None:
    """The schedule that cfg.lr_schedule names, on a freshly made optimizer (before its state is loaded)."""
    if cfg.lr_schedule == "none":
        return None
    return LR_SCHEDULES[cfg.lr_schedule](optimizer, cfg)


def step_schedule(schedule: Schedule | None, val_neg_elbo: float) -> None:
    if isinstance(schedule, ReduceLROnPlateau):
        schedule.step(val_neg_elbo)
    elif schedule is not None:
        schedule.step()


def load_schedule(schedule: Schedule | None, state: dict[str, Any] | None, epochs: int) -> None:
    """Restore a schedule's state. A cosine of a run resumed with a different number of epochs is stretched to
    the new length: the rate jumps to where the longer (or shorter) cosine is at this epoch, then follows it."""
    if schedule is None or not state:
        return
    schedule.load_state_dict(state)
    if isinstance(schedule, CosineAnnealingLR) and schedule.T_max != epochs:
        schedule.T_max = epochs
        done = min(schedule.last_epoch, epochs)
        for group, base in zip(schedule.optimizer.param_groups, schedule.base_lrs):
            group["lr"] = schedule.eta_min + (base - schedule.eta_min) * (1 + math.cos(math.pi * done / epochs)) / 2
        schedule._last_lr = [group["lr"] for group in schedule.optimizer.param_groups]
