"""Objectives with trained state of their own, which the training loop saves with the run and restores on resume.

An objective whose loss needs a second network trained against the model (FactorVAE's discriminator of the
total correlation) subclasses StatefulObjective: it owns that network and its optimizer and steps them itself, so
the loop keeps one optimizer for the model. The loop asks `isinstance(objective, StatefulObjective)` and then
saves training_state() in the checkpoint (training/checkpoint.py) and load_training_state() on --resume.
"""

from __future__ import annotations

from typing import Any

import torch

from vaekit.core.errors import VaekitError
from vaekit.objectives.base import Objective


class StatefulObjective(Objective, torch.nn.Module):
    """A torch Module holding the objective's own networks, and `optimizer`, the optimizer that trains them."""

    optimizer: torch.optim.Optimizer | None = None

    def training_state(self) -> dict[str, Any]:
        """{"module": the objective's tensors by name, "optimizer": its optimizer's state_dict()}."""
        if self.optimizer is None:
            raise VaekitError(f"the {type(self).__name__} objective has not been called yet and has no state to save")
        return {"module": dict(self.state_dict()), "optimizer": self.optimizer.state_dict()}

    def load_training_state(self, state: dict[str, Any]) -> None:
        """Restore training_state(); the objective has been called once (on the training device) before."""
        if self.optimizer is None or not state:
            raise KeyError("the checkpoint holds no state of the objective")
        self.load_state_dict(state["module"])
        self.optimizer.load_state_dict(state["optimizer"])
