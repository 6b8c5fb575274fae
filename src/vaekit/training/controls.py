"""The training controls around the loop: early stopping with the best weights kept, the learning-rate schedule,
and the experiment trackers (MLflow, Weights & Biases), with one state for the checkpoint. loop.py calls it at
four places:

    controls = Controls(config, optimizer)                # right after the optimizer is made
    controls.load_state_dict(state.controls)              # resume: after the optimizer's state is loaded
    controls.start(run_dir)                               # before the run directory is written (trackers)
    stop = controls.end_epoch(row, model, run_dir)        # after validation: best weights, schedule; '' or why
    controls.finish(model, run_dir, "FINISHED")           # early stopping: the model becomes the best epoch's

Given a Watch (training/watch.py), the best epoch and early stopping follow its figure, measured after validation
and written into the row, instead of the -ELBO; the learning-rate schedule still steps on the -ELBO.

model-best.safetensors is written (atomically) whenever the figure followed improves, with or without early
stopping. model.safetensors is the last epoch's weights, except with early stopping on, where it is the best
epoch's (the point of stopping early); checkpoint.safetensors always holds the last epoch, for resuming.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file

from vaekit.config import Config
from vaekit.core.registry import OBJECTIVES
from vaekit.model.vae import VAE
from vaekit.runs.directory import BEST_MODEL_FILE, save_weights
from vaekit.training.early_stopping import EarlyStopping
from vaekit.training.lr_schedules import load_schedule, make_schedule, step_schedule
from vaekit.training.mlflow_log import MlflowLog
from vaekit.training.wandb_log import WandbLog
from vaekit.training.watch import Watch

# the trackers, by the train setting that turns each on (also its key in the checkpoint's state)
TRACKERS = {"mlflow": MlflowLog, "wandb": WandbLog}


class Controls:
    def __init__(self, config: Config, optimizer: torch.optim.Optimizer, watch: Watch | None = None) -> None:
        """Early stopping follows the validation -ELBO, or the objective's own bound where it says so (its
        val_loss: objectives/base.py followed_column); a `watch` comes before either."""
        self.config = config
        self.watch = watch
        objective = OBJECTIVES.get(config.objective.name)
        self.followed = objective.followed_column(config.objective)
        self.stopping = EarlyStopping(config.train.early_stopping, config.train.min_delta)
        if self.followed == "val_loss":
            self.stopping.figure = f"the validation -{objective.bound_of(config.objective)}"
        if watch is not None:
            self.stopping.figure, self.stopping.unit = watch.label, ""
        self.schedule = make_schedule(optimizer, config.train)
        self.trackers: dict[str, Any] = {}  # name -> a started tracker (MlflowLog, WandbLog)
        self._tracker_states: dict[str, dict[str, Any]] = {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """A checkpoint written before these controls existed has none: they start afresh."""
        if "early_stopping" in state:
            self.stopping.load_state_dict(state["early_stopping"], self.config.train.epochs)
        load_schedule(self.schedule, state.get("lr_schedule"), self.config.train.epochs)
        self._tracker_states = {name: state[name] for name in TRACKERS if state.get(name)}

    def state_dict(self) -> dict[str, Any]:
        state: dict[str, Any] = {"early_stopping": self.stopping.state_dict()}
        if self.schedule is not None:
            state["lr_schedule"] = self.schedule.state_dict()
        for name, tracker in self.trackers.items():
            state[name] = tracker.state_dict()
        return state

    def start(self, run_dir: Path) -> None:
        for name, tracker in TRACKERS.items():
            if getattr(self.config.train, name):  # train.mlflow, train.wandb: the setting that turns it on
                self.trackers[name] = tracker.start(self.config, run_dir, self._tracker_states.get(name))

    def end_epoch(self, row: dict[str, Any], model: VAE, run_dir: Path | None, pretraining: bool = False) -> str:
        """Track the best epoch (row gets "best_epoch"; a new best is saved, unless run_dir is None: a process
        other than 0 of several), step the schedule; returns why the run stops here ('' to go on).

        A pretraining epoch (VaDE's autoencoder) is neither a best nor a bad epoch: its -ELBO is of another model
        (an unfitted prior), often far lower than the bound trained after it, which early stopping would otherwise
        keep as "best" and stop on."""
        if self.watch is not None:
            row[self.watch.column] = self.watch(model)
        if not pretraining:
            followed = row[self.followed if self.watch is None else self.watch.column]
            if self.stopping.update(int(row["epoch"]), followed) and run_dir is not None:
                save_weights(model, run_dir / BEST_MODEL_FILE)
        row["best_epoch"] = self.stopping.best_epoch
        step_schedule(self.schedule, row[self.followed])  # the plateau schedule: the same figure
        if not pretraining:
            self.stopping.should_stop(int(row["epoch"]), self.config.train.epochs)
        return self.stopping.reason()

    def log_epoch(self, row: dict[str, Any]) -> None:
        """The trackers get the row once its checkpoint is saved."""
        for tracker in self.trackers.values():
            tracker.epoch(row)

    @property
    def stopped(self) -> bool:
        return self.stopping.stopped

    def finish(self, model: VAE, run_dir: Path, status: str = "FINISHED") -> None:
        """With early stopping, the model (and so model.safetensors and the pictures) becomes the best epoch's."""
        best = run_dir / BEST_MODEL_FILE
        if status == "FINISHED" and self.config.train.early_stopping > 0 and best.is_file():
            model.load_state_dict(load_file(str(best)))
        for tracker in self.trackers.values():
            if self.stopping.best_epoch:
                tracker.tag("vaekit.best_epoch", str(self.stopping.best_epoch))
            if self.stopping.stopped:
                tracker.tag("vaekit.stopped", self.stopping.reason())
            tracker.close(status)
        self.trackers = {}
