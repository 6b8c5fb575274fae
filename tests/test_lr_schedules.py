"""Learning-rate schedules: the rate each epoch trains at (metrics.csv's lr) against the schedule's formula, and a
run interrupted and resumed with a schedule on that ends bit for bit where an uninterrupted one ends."""

from __future__ import annotations

import math
import os
import signal

import pytest
import torch
from safetensors.torch import load_file

import vaekit
from vaekit.config import TrainConfig
from vaekit.training import loop
from vaekit.training.checkpoint import load_checkpoint
from vaekit.training.lr_schedules import LR_SCHEDULES
from vaekit.training.metrics_log import read_metrics

LR = 0.004


@pytest.fixture(autouse=True)
def no_pictures(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loop, "write_pictures", lambda *args, **kwargs: [])


def _config(**train) -> vaekit.Config:
    return vaekit.Config.from_dict({"data": {"source": "digits"}, "model": {"latent_dim": 3, "hidden": [32]},
                                    "train": {"epochs": 4, "batch_size": 200, "seed": 2, "lr": LR, **train}})


def _lrs(run: vaekit.Run) -> list[float]:
    return [row["lr"] for row in read_metrics(run.path / "metrics.csv")]


def test_every_schedule_name_in_the_settings_has_a_scheduler() -> None:
    import dataclasses

    choices = {f.name: f for f in dataclasses.fields(TrainConfig)}["lr_schedule"].metadata["choices"]
    assert set(choices) == {"none", *LR_SCHEDULES}


def test_cosine_and_step_follow_their_formulas(tmp_path) -> None:
    cosine = vaekit.train(_config(lr_schedule="cosine"), tmp_path / "cosine", progress=False)
    expected = [LR * (1 + math.cos(math.pi * (epoch - 1) / 4)) / 2 for epoch in (1, 2, 3, 4)]
    assert _lrs(cosine) == pytest.approx(expected, rel=1e-12)
    step = vaekit.train(_config(lr_schedule="step", lr_step_epochs=2, lr_gamma=0.5), tmp_path / "step",
                        progress=False)
    assert _lrs(step) == pytest.approx([LR, LR, LR / 2, LR / 2], rel=1e-12)
    none = vaekit.train(_config(epochs=2), tmp_path / "none", progress=False)
    assert _lrs(none) == [LR, LR]


def test_plateau_drops_the_rate_when_the_validation_loss_stalls(tmp_path, monkeypatch) -> None:
    real, values = loop.validate, iter([10.0, 9.0, 9.5, 9.6, 9.7])

    def scripted(model, x, *args, **kwargs):  # type: ignore[no-untyped-def]
        out = real(model, x, *args, **kwargs)
        out["neg_elbo"] = out["distortion"] = next(values)
        out["rate"] = 0.0
        return out

    monkeypatch.setattr(loop, "validate", scripted)
    run = vaekit.train(_config(epochs=5, lr_schedule="plateau", lr_patience=1, lr_gamma=0.1), tmp_path / "run",
                       progress=False)
    # epoch 3 is the first without improvement, epoch 4 the second (> patience 1): epoch 5 trains at lr / 10
    assert _lrs(run) == pytest.approx([LR, LR, LR, LR, LR / 10], rel=1e-12)
    state = load_checkpoint(run.path / "checkpoint.safetensors").controls["lr_schedule"]
    assert state["best"] == 9.0 and state["num_bad_epochs"] == 1


@pytest.mark.parametrize("schedule", ["cosine", "step", "plateau"])
def test_an_interrupted_run_resumes_to_the_same_weights_and_rates(tmp_path, schedule) -> None:
    own = {"cosine": {}, "step": {"lr_step_epochs": 1, "lr_gamma": 0.5}, "plateau": {"lr_patience": 0, "lr_gamma": 0.5}}
    config = _config(epochs=4, lr_schedule=schedule, **own[schedule])
    whole = vaekit.train(config, tmp_path / "whole", progress=False)

    def interrupt_after_2(row: dict[str, float]) -> None:
        if row["epoch"] == 2:
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C: the third epoch stops at its first step

    cut = vaekit.train(config, tmp_path / "cut", progress=False, on_epoch=interrupt_after_2)
    assert cut.interrupted and len(cut.metrics) == 2
    resumed = vaekit.resume(tmp_path / "cut", progress=False)
    assert [row["epoch"] for row in resumed.metrics] == [1, 2, 3, 4]
    assert _lrs(resumed) == _lrs(whole)
    assert len(set(_lrs(whole))) > 1 or schedule == "plateau"  # (a plateau may not come in 4 epochs)
    for name in ("model.safetensors", "checkpoint.safetensors"):
        a, b = load_file(str(whole.path / name)), load_file(str(resumed.path / name))
        assert all(torch.equal(a[k], b[k]) for k in a), name
    assert resumed.metrics[-1]["val_neg_elbo"] == whole.metrics[-1]["val_neg_elbo"]


def test_a_cosine_resumed_with_more_epochs_stretches_to_the_new_length(tmp_path) -> None:
    vaekit.train(_config(epochs=2, lr_schedule="cosine"), tmp_path / "run", progress=False)
    longer = vaekit.resume(tmp_path / "run", epochs=4, progress=False)
    # epochs 1-2 followed the 2-epoch cosine; epochs 3-4 follow the 4-epoch one from where it is at epoch 3
    expected = [LR, LR / 2, LR * (1 + math.cos(math.pi * 2 / 4)) / 2, LR * (1 + math.cos(math.pi * 3 / 4)) / 2]
    assert _lrs(longer) == pytest.approx(expected, rel=1e-9)
