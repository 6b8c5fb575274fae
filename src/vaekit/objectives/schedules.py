"""KL-weight and capacity schedules, run by the trainer (models never see the epoch).

Progress is counted in epochs as a float (2.5 = half-way through the third epoch), so the weights move every step.
"""

from __future__ import annotations

from vaekit.config import ObjectiveConfig


def linear_warmup(beta: float, warmup_epochs: float, epoch_progress: float) -> float:
    """beta * min(1, progress / warmup_epochs): rises linearly from 0 over the first warmup_epochs.

    >>> linear_warmup(1.0, 4, 1.0)
    0.25
    """
    if warmup_epochs <= 0:
        return beta
    return beta * min(1.0, epoch_progress / warmup_epochs)


def cyclical(beta: float, total_epochs: float, cycles: int, ramp: float, epoch_progress: float) -> float:
    """The cyclical schedule of Fu et al. (2019): the run is cut into `cycles` equal cycles; in each, beta rises
    linearly from 0 over the first `ramp` fraction and then stays at its value.

    >>> cyclical(1.0, total_epochs=8, cycles=2, ramp=0.5, epoch_progress=5.0)   # a quarter into cycle 2
    0.5
    """
    length = total_epochs / cycles
    within = (epoch_progress % length) / length
    return beta * min(1.0, within / ramp)


def kl_weight(cfg: ObjectiveConfig, total_epochs: float, epoch_progress: float) -> float:
    """beta at this point of the run, as the config's schedule sets it."""
    if cfg.beta_schedule == "cyclical":
        return cyclical(cfg.beta, total_epochs, cfg.cycles, cfg.cycle_ramp, epoch_progress)
    return linear_warmup(cfg.beta, cfg.warmup_epochs, epoch_progress)


def capacity(cfg: ObjectiveConfig, epoch_progress: float) -> float:
    """The KL target C of Burgess et al. (2018), rising linearly from 0 to cfg.capacity over capacity_epochs."""
    return linear_warmup(cfg.capacity, cfg.capacity_epochs, epoch_progress)
