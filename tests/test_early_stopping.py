"""Early stopping on the validation -ELBO: when it stops, which weights each file holds, and how a resume goes on.

A scripted validation -ELBO (the real one, with a fixed sequence of -ELBO values put in its place) makes the best
epoch and the stop certain; the weights themselves are real, and a run of fewer epochs with the same seed gives the
weights of an earlier epoch bit for bit.
"""

from __future__ import annotations

import math
import os
import signal
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner
from safetensors.torch import load_file

import vaekit
from vaekit.cli import main
from vaekit.core.errors import VaekitError
from vaekit.training import loop
from vaekit.training.checkpoint import load_checkpoint
from vaekit.training.early_stopping import EarlyStopping
from vaekit.training.metrics_log import read_metrics

# the -ELBO of epochs 1, 2, ...: best at epoch 2, then no improvement
SCRIPT = [10.0, 9.0, 9.5, 9.7, 9.8, 9.9, 10.0, 10.1]


def _config(**train) -> vaekit.Config:
    return vaekit.Config.from_dict({"data": {"source": "digits"}, "model": {"latent_dim": 3, "hidden": [32]},
                                    "train": {"epochs": 6, "batch_size": 200, "seed": 5, **train}})


@pytest.fixture(autouse=True)
def no_pictures(monkeypatch: pytest.MonkeyPatch) -> None:
    """The figures at the end of a run take longer than its training here, and are not what is tested."""
    monkeypatch.setattr(loop, "write_pictures", lambda *args, **kwargs: [])


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """validate() reports SCRIPT[epoch - 1] as the -ELBO (it counts its calls per run directory's epochs)."""
    real = loop.validate
    calls: list[float] = []

    def fake(model, x, *args, **kwargs):  # type: ignore[no-untyped-def]
        out = real(model, x, *args, **kwargs)
        value = SCRIPT[len(calls)]
        calls.append(value)
        out["distortion"], out["rate"], out["neg_elbo"] = value, 0.0, value
        return out

    monkeypatch.setattr(loop, "validate", fake)
    return calls


def _weights(path: Path) -> dict[str, torch.Tensor]:
    return load_file(str(path))


def _same(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_improvement_by_min_delta_resets_patience_but_the_best_is_the_lowest() -> None:
    stopping = EarlyStopping(patience=2, min_delta=0.5)
    assert stopping.update(1, 10.0) and stopping.best_epoch == 1 and stopping.bad_epochs == 0
    assert stopping.update(2, 9.8)  # lower, so the new best, but by less than min_delta: patience runs on
    assert stopping.best_epoch == 2 and stopping.best == 9.8 and stopping.bad_epochs == 1
    assert not stopping.should_stop(2, planned_epochs=10)
    assert not stopping.update(3, 9.9) and stopping.bad_epochs == 2
    assert stopping.should_stop(3, planned_epochs=10) and stopping.stopped_epoch == 3
    assert "after epoch 3" in stopping.reason() and "9.80 nats, was at epoch 2" in stopping.reason()
    never = EarlyStopping(patience=0)
    for epoch, value in enumerate([3.0, 4.0, 5.0, 6.0], 1):
        never.update(epoch, value)
        assert not never.should_stop(epoch, 10)
    assert never.best_epoch == 1 and never.reason() == ""
    # the last planned epoch ends the run anyway: that is not an early stop
    last = EarlyStopping(patience=1)
    last.update(1, 1.0), last.update(2, 2.0)
    assert not last.should_stop(2, planned_epochs=2)


def test_stops_after_patience_and_keeps_the_best_weights(tmp_path, scripted) -> None:
    run = vaekit.train(_config(early_stopping=2), tmp_path / "run", progress=False)
    # best at epoch 2; epochs 3 and 4 do not improve: it stops after epoch 4 of 6
    assert [row["epoch"] for row in run.metrics] == [1, 2, 3, 4]
    assert run.best_epoch == 2 and "stopped early after epoch 4" in run.stopped_early
    assert [row["best_epoch"] for row in read_metrics(run.path / "metrics.csv")] == [1, 2, 2, 2]
    # the epoch is chosen on a tenth of the training split, held out (not on the test split): 1455 of the 1617
    # training digits train, 8 steps of 200 an epoch instead of 9
    assert run.metrics[0]["step"] == 8
    best, final = _weights(run.path / "model-best.safetensors"), _weights(run.path / "model.safetensors")
    assert _same(best, final)  # with early stopping the run's model is the best epoch's
    checkpoint = load_checkpoint(run.path / "checkpoint.safetensors")
    assert checkpoint.epoch == 4 and not _same(checkpoint.model, best)  # the checkpoint keeps the last epoch
    assert checkpoint.controls["early_stopping"]["stopped_epoch"] == 4
    # the best weights are epoch 2's: a 2-epoch run of the same seed (and the same held-out rows) ends with them
    # in its checkpoint (its model.safetensors is the best of its own scripted epochs)
    two = vaekit.train(_config(epochs=2, early_stopping=10), tmp_path / "two", progress=False)
    assert _same(load_checkpoint(two.path / "checkpoint.safetensors").model, best)
    model = vaekit.load(run.path, weights="best")
    assert all(torch.equal(model.state_dict()[k], best[k]) for k in best)
    # a run read back from its directory knows the epoch it kept (metrics.csv's best_epoch), and info says it
    assert vaekit.Run.open(run.path).best_epoch == 2
    shown = CliRunner().invoke(main, ["info", str(run.path)])
    assert shown.exit_code == 0 and "\n  best epoch 2 (9.00 nats, in model.safetensors)\n" in shown.output


def test_without_early_stopping_the_model_is_the_last_epoch_and_the_best_is_kept_beside_it(tmp_path, scripted):
    run = vaekit.train(_config(epochs=3), tmp_path / "run", progress=False)
    assert len(run.metrics) == 3 and run.best_epoch == 2 and run.stopped_early == ""
    final = _weights(run.path / "model.safetensors")
    assert _same(final, load_checkpoint(run.path / "checkpoint.safetensors").model)
    two = vaekit.train(_config(epochs=2), tmp_path / "two", progress=False)
    assert _same(_weights(run.path / "model-best.safetensors"), _weights(two.path / "model.safetensors"))
    assert not _same(final, _weights(run.path / "model-best.safetensors"))


def _interrupt_after(epoch: int):  # type: ignore[no-untyped-def]
    """An on_epoch callback that presses Ctrl-C once `epoch` is saved: the next epoch stops at its first step."""
    def callback(row: dict[str, float]) -> None:
        if row["epoch"] == epoch:
            os.kill(os.getpid(), signal.SIGINT)
    return callback


def test_an_interrupted_and_resumed_run_stops_where_an_uninterrupted_one_does(tmp_path, scripted) -> None:
    config = _config(early_stopping=2)
    whole = vaekit.train(config, tmp_path / "whole", progress=False)
    scripted.clear()
    cut = vaekit.train(config, tmp_path / "cut", progress=False, on_epoch=_interrupt_after(3))
    assert cut.interrupted and len(cut.metrics) == 3
    del scripted[3:]  # the interrupted 4th epoch never reached validation; the resumed run validates it
    resumed = vaekit.resume(tmp_path / "cut", progress=False)
    assert [row["epoch"] for row in resumed.metrics] == [1, 2, 3, 4]
    assert resumed.best_epoch == 2 and resumed.stopped_early == whole.stopped_early
    for name in ("model.safetensors", "model-best.safetensors", "checkpoint.safetensors"):
        assert _same(_weights(whole.path / name), _weights(tmp_path / "cut" / name)), name


def test_resuming_a_stopped_run_trains_on_only_when_given_more_epochs(tmp_path, scripted) -> None:
    run = vaekit.train(_config(early_stopping=2), tmp_path / "run", progress=False)
    before = _weights(run.path / "checkpoint.safetensors")
    again = vaekit.resume(run.path, progress=False)  # the same plan: the stop stands, nothing trains
    assert [row["epoch"] for row in again.metrics] == [1, 2, 3, 4] and again.stopped_early == run.stopped_early
    assert _same(before, _weights(run.path / "checkpoint.safetensors"))
    assert _same(_weights(run.path / "model.safetensors"), _weights(run.path / "model-best.safetensors"))
    longer = vaekit.resume(run.path, epochs=8, progress=False)  # more epochs: patience counts afresh
    assert [row["epoch"] for row in longer.metrics] == [1, 2, 3, 4, 5, 6]
    assert longer.best_epoch == 2 and "stopped early after epoch 6" in longer.stopped_early


def test_the_command_line_says_which_epoch_was_best_and_why_it_stopped(tmp_path, scripted) -> None:
    from click.testing import CliRunner

    from vaekit.cli import main

    result = CliRunner().invoke(main, ["train", "--latent-dim", "3", "--hidden", "32", "--epochs", "6",
                                       "--batch-size", "200", "--early-stopping", "2", "--min-delta", "0.25",
                                       "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    assert "best epoch 2 (9.00 nats, in model.safetensors)" in result.output
    assert "stopped early (no improvement by more than 0.25 nats for 2 epochs)" in result.output
    assert "stopped early after epoch 4" in result.output  # the per-epoch lines end with the reason


def test_load_best_of_a_run_without_one_names_the_remedy(tmp_path, digits_run) -> None:
    import shutil

    run = shutil.copytree(digits_run, tmp_path / "old")
    (run / "model-best.safetensors").unlink()
    with pytest.raises(VaekitError, match=r"has no model-best\.safetensors.*weights=\"final\""):
        vaekit.load(run, weights="best")
    assert math.isfinite(float(vaekit.load(run).sample(1).sum()))


def test_the_state_before_any_epoch_survives_the_checkpoint_json(tmp_path) -> None:
    """The epoch-0 checkpoint holds infinite bests (early stopping's and the plateau schedule's)."""
    from vaekit.training.checkpoint import TrainingState, save_checkpoint
    from vaekit.training.controls import Controls

    config = _config(early_stopping=3, lr_schedule="plateau")
    model = torch.nn.Linear(2, 2)
    optimizer = torch.optim.Adam(model.parameters())
    controls = Controls(config, optimizer)
    save_checkpoint(tmp_path / "c.safetensors", TrainingState(0, 0, model.state_dict(), optimizer.state_dict(), {},
                                                              "cpu", controls.state_dict()))
    saved = load_checkpoint(tmp_path / "c.safetensors").controls
    assert saved["early_stopping"]["best"] == math.inf and saved["lr_schedule"]["best"] == math.inf
    again = Controls(config, torch.optim.Adam(model.parameters()))
    again.load_state_dict(saved)
    assert again.state_dict() == controls.state_dict()
