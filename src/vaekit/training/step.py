"""One optimisation step: the objective's loss under the run's arithmetic, its gradient, clipping, the update.

    step = TrainStep(model, optimizer, config.train, device)
    out = step(objective, view, x, beta, capacity)     # the step's ObjectiveOutput, the weights updated
"""

from __future__ import annotations

from typing import Any

import torch

from vaekit.config import TrainConfig
from vaekit.model import VAE
from vaekit.objectives import ObjectiveOutput


class TrainStep:
    """The forward pass, backward pass and update of one batch, as the run's settings ask."""

    def __init__(self, model: VAE, optimizer: torch.optim.Optimizer, train: TrainConfig,
                 device: torch.device) -> None:
        self.model, self.optimizer, self.grad_clip = model, optimizer, train.grad_clip
        # bf16: the networks' matrix products in bfloat16; the model builds its distributions in float32 itself
        self.mixed_precision = torch.autocast(device.type, dtype=torch.bfloat16, enabled=train.precision == "bf16")

    def __call__(self, objective: Any, view: VAE, x: torch.Tensor, beta: float, capacity: float) -> ObjectiveOutput:
        with self.mixed_precision:
            out: ObjectiveOutput = objective(view, x, beta, capacity)
        self.optimizer.zero_grad(set_to_none=True)
        out.loss.backward()
        if self.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.grad_clip)
        self.optimizer.step()
        return out
