"""The full training state in one safetensors file: weights, optimizer, random generators and counters.

Tensors go in the file's tensor table; everything else (epoch, step, optimizer hyper-parameters) goes in its JSON
metadata, so resuming never unpickles anything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save_file

from vaekit.core.errors import VaekitError
from vaekit.core.io import atomic_path
from vaekit.core.json_file import DEPTH
from vaekit.core.schema import loads


@dataclass
class TrainingState:
    epoch: int              # epochs completed
    step: int               # optimizer steps taken
    model: dict[str, torch.Tensor]
    optimizer: dict[str, Any]
    rng: dict[str, torch.Tensor]  # "torch" (global CPU), "data" (the shuffling generator), "cuda" if used
    device_type: str        # the data generator lives on the training device: its state fits only that type
    # early stopping's and the learning-rate schedule's state, the MLflow run: JSON (training/controls.py)
    controls: dict[str, Any] = field(default_factory=dict)
    # an objective's own trained state (objectives/stateful.py, FactorVAE's discriminator): {"module": tensors,
    # "optimizer": its optimizer's state_dict}; empty for the others
    objective: dict[str, Any] = field(default_factory=dict)
    # the fp16 gradient scaler's scale and growth counter (training/precision.py): JSON; empty unless fp16
    scaler: dict[str, Any] = field(default_factory=dict)


def save_checkpoint(path: str | Path, state: TrainingState) -> None:
    tensors = {f"model.{name}": value.detach().cpu().contiguous() for name, value in state.model.items()}
    tensors.update({f"rng.{name}": value.cpu() for name, value in state.rng.items()})
    scalar_state = _flatten_optimizer(state.optimizer, "optimizer.", tensors)
    meta = {"epoch": state.epoch, "step": state.step, "param_groups": state.optimizer["param_groups"],
            "optimizer_scalars": scalar_state, "device_type": state.device_type, "format": 1,
            "controls": state.controls}
    if state.scaler:
        meta["scaler"] = state.scaler
    if state.objective:
        tensors.update({f"objective.module.{name}": value.detach().cpu().contiguous()
                        for name, value in state.objective["module"].items()})
        meta["objective"] = {"param_groups": state.objective["optimizer"]["param_groups"],
                             "optimizer_scalars": _flatten_optimizer(state.objective["optimizer"],
                                                                     "objective.optimizer.", tensors)}
    with atomic_path(path) as tmp:
        save_file(tensors, str(tmp), metadata={"vaekit": json.dumps(meta)})


def load_checkpoint(path: str | Path) -> TrainingState:
    """The state on the CPU; load_state_dict moves it to the model's and optimizer's device."""
    path = Path(path)
    if not path.is_file():
        raise VaekitError(f"no checkpoint at {path}: this run stopped before its first checkpoint (or the file was "
                          f"removed) and cannot be resumed; delete {path.parent} and train again")
    try:
        tensors = load_file(str(path))
        with safe_open(str(path), framework="pt") as handle:
            meta = loads((handle.metadata() or {})["vaekit"].encode(), f"{path}'s metadata", DEPTH)
        epoch, step, device_type = int(meta["epoch"]), int(meta["step"]), str(meta["device_type"])
        param_groups, scalars = meta["param_groups"], dict(meta["optimizer_scalars"])
        controls = dict(meta.get("controls", {}))  # a checkpoint from before early stopping has none
        scaler = dict(meta.get("scaler", {}))  # only an fp16 run's checkpoint has one
        if epoch < 0 or step < 0 or (epoch > 0 and step == 0):  # every epoch takes at least one step
            raise ValueError(f"epoch {epoch} and step {step} are not counts of a run")
    except (SafetensorError, OSError, KeyError, ValueError, TypeError) as error:
        raise VaekitError(f"checkpoint {path} is corrupt or not a vaekit checkpoint "
                          f"({type(error).__name__}: {error})") from None
    _check_finite(tensors, path)
    model = {k.removeprefix("model."): v for k, v in tensors.items() if k.startswith("model.")}
    rng = {k.removeprefix("rng."): v for k, v in tensors.items() if k.startswith("rng.")}
    optimizer = _unflatten_optimizer(tensors, "optimizer.", param_groups, scalars)
    objective: dict[str, Any] = {}
    if "objective" in meta:
        objective = {"module": {k.removeprefix("objective.module."): v for k, v in tensors.items()
                                if k.startswith("objective.module.")},
                     "optimizer": _unflatten_optimizer(tensors, "objective.optimizer.",
                                                       meta["objective"]["param_groups"],
                                                       dict(meta["objective"]["optimizer_scalars"]))}
    return TrainingState(epoch, step, model, optimizer, rng, device_type, controls, objective, scaler)


def _check_finite(tensors: dict[str, torch.Tensor], path: Path) -> None:
    """Trained state (weights, optimizer moments, an objective's own) holding NaN or infinity is refused before
    anything is trained from it: every step from it would be NaN, and resume would write the NaN weights out. A
    run's own training never saves such a state (a NaN loss stops it first); a damaged or edited file does."""
    for name, value in tensors.items():
        if name.startswith(("model.", "optimizer.", "objective.")) and value.is_floating_point() \
                and not bool(torch.isfinite(value).all()):
            raise VaekitError(f"checkpoint {path} holds NaN or infinite values (in {name}): it is damaged and cannot "
                              "be resumed; restore the run's own checkpoint.safetensors from a copy, or train a new "
                              "run")


def _flatten_optimizer(optimizer: dict[str, Any], prefix: str, tensors: dict[str, torch.Tensor]
                       ) -> dict[str, dict[str, Any]]:
    """An optimizer's per-parameter state into `tensors` (as PREFIX<index>.<key>); its scalars, returned."""
    scalar_state: dict[str, dict[str, Any]] = {}
    for index, values in optimizer["state"].items():
        for key, value in values.items():
            if isinstance(value, torch.Tensor):
                tensors[f"{prefix}{index}.{key}"] = value.detach().cpu().contiguous()
            else:
                scalar_state.setdefault(str(index), {})[key] = value
    return scalar_state


def _unflatten_optimizer(tensors: dict[str, torch.Tensor], prefix: str, param_groups: list[dict[str, Any]],
                         scalars: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The optimizer state_dict that _flatten_optimizer took apart."""
    state: dict[int, dict[str, Any]] = {}
    for key, value in tensors.items():
        if key.startswith(prefix):
            index, name = key.removeprefix(prefix).split(".", 1)
            state.setdefault(int(index), {})[name] = value
    for index, values in scalars.items():
        state.setdefault(int(index), {}).update(values)
    return {"state": state, "param_groups": param_groups}
