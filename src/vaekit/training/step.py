"""One optimisation step: the objective's loss under the run's arithmetic, its gradient, clipping, the update.

    step = TrainStep(model, optimizer, config.train, device)
    out = step(objective, view, x, beta, capacity)     # the step's ObjectiveOutput, the weights updated
    step.compile_seconds                               # time spent in steps that compiled (train.compile)
"""

from __future__ import annotations

import time
from typing import Any

import torch

from vaekit.config import TrainConfig
from vaekit.core.notices import notice
from vaekit.model.vae import VAE
from vaekit.objectives import ObjectiveOutput
from vaekit.training.compiled import CompiledLoss, compile_unavailable
from vaekit.training.precision import Arithmetic, train_precision


class TrainStep:
    """The forward pass, backward pass and update of one batch, as the run's settings ask."""

    def __init__(self, model: VAE, optimizer: torch.optim.Optimizer, train: TrainConfig,
                 device: torch.device) -> None:
        self.model, self.optimizer, self.grad_clip, self.device = model, optimizer, train.grad_clip, device
        # bf16/fp16: the networks' matrix products in 16 bits; the model builds its distributions in float32 itself
        self.arithmetic = Arithmetic(train_precision(train.precision, device), device)
        self.loss: Any = None  # the compiled forward pass, when train.compile and this machine can compile
        if train.compile:
            why = compile_unavailable(device)
            if why:
                notice(f"{why}; training without --compile")
            else:
                self.loss = CompiledLoss(device)
        self.compile_seconds = 0.0
        self._compiled_for: set[tuple[Any, ...]] = set()  # (objective, shapes) seen: a new one compiles

    def __call__(self, objective: Any, view: VAE, x: torch.Tensor, beta: float, capacity: float) -> ObjectiveOutput:
        if self.loss is None:
            return self._step(objective, view, x, beta, capacity)
        key = (id(objective), x.shape, x.dtype)
        if key in self._compiled_for:
            return self._step(objective, view, x, beta, capacity)
        # a new graph compiles in this step: time it apart (its first backward compiles too)
        self._compiled_for.add(key)
        self._synchronize()
        started = time.perf_counter()
        try:
            out = self._step(objective, view, x, beta, capacity)
        except Exception as error:  # noqa: BLE001 - the backward graph compiles in the first backward pass
            if self.loss.failed:  # it failed uncompiled too: the objective's own error
                raise
            self.loss.give_up(error)
            out = self._step(objective, view, x, beta, capacity)
        self._synchronize()
        self.compile_seconds += time.perf_counter() - started
        return out

    def _step(self, objective: Any, view: VAE, x: torch.Tensor, beta: float, capacity: float) -> ObjectiveOutput:
        scaler = self.arithmetic.scaler  # fp16 only; otherwise each call below passes straight through
        # the last step's gradients go before the forward pass: with CUDA graphs they live in the graphs' memory,
        # which this step's replay reuses
        self.optimizer.zero_grad(set_to_none=True)
        with self.arithmetic.autocast:
            out: ObjectiveOutput = (objective(view, x, beta, capacity) if self.loss is None
                                    else self.loss(objective, view, x, beta, capacity))
        scaler.scale(out.loss).backward()
        if self.grad_clip > 0:
            scaler.unscale_(self.optimizer)  # clip the true gradients, not the scaled ones
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.grad_clip)
        scaler.step(self.optimizer)  # skipped when fp16 gradients overflowed
        scaler.update()
        return out

    def _synchronize(self) -> None:
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)

    def state_dict(self) -> dict[str, Any]:
        """What a checkpoint keeps of the step: the fp16 gradient scaler's state ({} otherwise)."""
        return self.arithmetic.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.arithmetic.load_state_dict(state)
