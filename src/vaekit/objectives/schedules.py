"""KL-weight schedules, run by the trainer (models never see the epoch)."""

from __future__ import annotations


def linear_warmup(beta: float, warmup_epochs: float, epoch_progress: float) -> float:
    """beta * min(1, progress / warmup_epochs): rises linearly from 0 over the first warmup_epochs.

    epoch_progress counts epochs as a float (2.5 = half-way through the third epoch), so beta moves every step.

    >>> linear_warmup(1.0, 4, 1.0)
    0.25
    """
    if warmup_epochs <= 0:
        return beta
    return beta * min(1.0, epoch_progress / warmup_epochs)
