"""Training health: a NaN loss stops the run naming the step and keeps the last good state; collapse warns."""

from __future__ import annotations

import pytest
import torch
from safetensors.torch import load_file

import vaekit
from vaekit.core.errors import VaekitError
from vaekit.core.registry import OBJECTIVES
from vaekit.objectives.elbo import ELBO
from vaekit.training.checkpoint import load_checkpoint
from vaekit.training.health import PosteriorCollapseWarning


@OBJECTIVES.register("test_nan_at_step_20")
class NanAtStep20(ELBO):
    """The ELBO, except that the 20th training step returns a NaN loss (digits, batch 100: step 3 of epoch 2).
    Calls without gradients (the trial run on two examples before training) are not steps."""

    def __init__(self, cfg, dataset_size=None) -> None:
        super().__init__(cfg, dataset_size)
        self.calls = 0

    def __call__(self, model, x, beta=1.0, capacity=0.0):
        self.calls += torch.is_grad_enabled()
        out = super().__call__(model, x, beta, capacity)
        if self.calls == 20:
            out.loss = out.loss * float("nan")
        return out


def _config(**objective) -> vaekit.Config:
    return vaekit.Config.from_dict({"model": {"latent_dim": 3, "hidden": [32]}, "objective": objective,
                                    "train": {"epochs": 3, "batch_size": 100}})


def test_a_nan_loss_stops_naming_the_step_and_keeps_the_last_good_checkpoint(tmp_path) -> None:
    run = tmp_path / "run"
    with pytest.raises(VaekitError, match=r"NaN or infinite at step 20 \(epoch 2\).*last good checkpoint \(epoch 1\)"):
        vaekit.train(_config(name="test_nan_at_step_20"), run, progress=False)
    state = load_checkpoint(run / "checkpoint.safetensors")
    assert state.epoch == 1 and state.step == 17
    weights = load_file(str(run / "model.safetensors"))
    assert all(torch.isfinite(w).all() for w in weights.values())
    assert all(torch.equal(weights[k], state.model[k]) for k in weights)
    assert vaekit.load(run).sample(2).isfinite().all()


def test_posterior_collapse_is_reported_once_and_logged(tmp_path) -> None:
    with pytest.warns(PosteriorCollapseWarning, match="posterior collapse at epoch 3") as caught:
        run = vaekit.train(_config(beta=200.0), tmp_path / "run", progress=False)
    assert len([w for w in caught if w.category is PosteriorCollapseWarning]) == 1
    assert run.metrics[-1]["val_active_units"] == 0
    healthy = vaekit.train(_config(), tmp_path / "healthy", progress=False)
    assert healthy.metrics[-1]["val_active_units"] >= 1
