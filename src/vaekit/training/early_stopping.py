"""Early stopping on the validation -ELBO, and the record of the best epoch behind model-best.safetensors.

    stopping = EarlyStopping(patience=5, min_delta=0.01)
    for epoch in ...:
        if stopping.update(epoch, row["val_neg_elbo"]):
            save_weights(model, run_dir / BEST_MODEL_FILE)   # a new best
        if stopping.stopped:
            break

A run with a Watch (training/watch.py) follows that figure instead: `figure` and `unit` name it in the reason.
It always tracks the best epoch, the lowest -ELBO by any margin (so a run without early stopping still keeps its
best weights); min_delta decides only what resets the patience; it stops only when `patience` is above 0. Its
state goes into the checkpoint's JSON metadata, so a resumed run stops at the same epoch as an uninterrupted one.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class EarlyStopping:
    patience: int             # epochs without improvement before stopping (0: never stop)
    min_delta: float = 0.0    # nats by which the -ELBO must fall to count as an improvement
    best: float = math.inf    # the lowest validation -ELBO so far
    best_epoch: int = 0       # the epoch that reached it (0: none yet)
    reference: float = math.inf  # the -ELBO at the last improvement by more than min_delta
    bad_epochs: int = 0       # epochs since then
    stopped_epoch: int = 0    # the epoch after which it stopped (0: still running)
    stopped_at_epochs: int = 0  # the run's planned epochs when it stopped; a resume that plans more goes on
    figure: str = field(default="the validation -ELBO", compare=False)  # what it follows, for the reason
    unit: str = field(default=" nats", compare=False)

    def update(self, epoch: int, value: float) -> bool:
        """Record epoch's validation -ELBO; True when it is a new best."""
        if value < self.reference - self.min_delta:
            self.reference, self.bad_epochs = value, 0
        else:
            self.bad_epochs += 1
        if value < self.best:
            self.best, self.best_epoch = value, epoch
            return True
        return False

    def should_stop(self, epoch: int, planned_epochs: int) -> bool:
        """True (and remembered) when patience has run out before the last planned epoch."""
        if self.patience > 0 and self.bad_epochs >= self.patience and epoch < planned_epochs:
            self.stopped_epoch, self.stopped_at_epochs = epoch, planned_epochs
        return self.stopped

    @property
    def stopped(self) -> bool:
        return self.stopped_epoch > 0

    def reason(self) -> str:
        """Why the run stopped early, in one line ('' while it has not)."""
        if not self.stopped:
            return ""
        best = f"{self.best:.2f}" if self.unit else f"{self.best:.4g}"
        return (f"stopped early after epoch {self.stopped_epoch}: {self.figure} has not improved by more than "
                f"{self.min_delta:g}{self.unit} for {self.bad_epochs} epochs; the best, {best}{self.unit}, was at "
                f"epoch {self.best_epoch}")

    def state_dict(self) -> dict[str, Any]:
        state = asdict(self)
        del state["figure"], state["unit"]  # the run's own, not its state
        return state

    def load_state_dict(self, state: dict[str, Any], planned_epochs: int) -> None:
        """Restore the counters; a stopped run resumed with more epochs than it had planned trains on, with its
        patience counted afresh (the stop stands for a resume that plans no more)."""
        self.best, self.best_epoch = float(state["best"]), int(state["best_epoch"])
        self.reference = float(state["reference"])
        self.bad_epochs, self.stopped_epoch = int(state["bad_epochs"]), int(state["stopped_epoch"])
        self.stopped_at_epochs = int(state["stopped_at_epochs"])
        if self.stopped and planned_epochs > self.stopped_at_epochs:
            self.bad_epochs = self.stopped_epoch = self.stopped_at_epochs = 0
