"""A Watch: early stopping and the best epoch follow a figure of the use's own instead of the validation -ELBO.

A scripted figure (each epoch's value fixed in advance) makes the best epoch and the stop certain, while the
-ELBO goes where training takes it."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import vaekit
from vaekit.core.errors import ConfigError
from vaekit.data.dataset import Dataset
from vaekit.training import loop
from vaekit.training.early_stopping import EarlyStopping
from vaekit.training.watch import Watch

# the watched figure of epochs 1, 2, ...: best at epoch 3, then no improvement
SCRIPT = [0.9, 0.7, 0.5, 0.6, 0.65, 0.8, 0.9, 1.0, 1.1, 1.2]


def _scripted() -> tuple[Watch, list[bool]]:
    modes: list[bool] = []

    def measure(model: vaekit.VAE) -> float:
        modes.append(model.training)
        return SCRIPT[len(modes) - 1]
    return Watch("made_up", "the made-up figure", measure), modes


def _data(rows: int = 60) -> Dataset:
    x = np.random.default_rng(0).normal(size=(rows, 3)).astype(np.float32)
    return Dataset.from_arrays("array", x, x, None, None, "vector", "in-memory array")


def _config(epochs: int, early_stopping: int) -> vaekit.Config:
    return vaekit.Config.from_dict({"data": {"source": "array"}, "model": {"latent_dim": 2, "hidden": [8]},
                                    "train": {"epochs": epochs, "early_stopping": early_stopping, "batch_size": 20,
                                              "seed": 3}})


def test_the_best_epoch_and_the_stop_follow_the_watched_figure(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(loop, "write_pictures", lambda *args, **kwargs: [])
    watch, modes = _scripted()
    run = vaekit.train(_config(10, 3), tmp_path / "run", progress=False, data=_data(), watch=watch)
    assert [row["val_made_up"] for row in run.metrics] == SCRIPT[:6]
    assert run.best_epoch == 3 and [row["best_epoch"] for row in run.metrics] == [1, 2, 3, 3, 3, 3]
    assert run.stopped_early == ("stopped early after epoch 6: the made-up figure has not improved by more than 0 "
                                 "for 3 epochs; the best, 0.5, was at epoch 3")
    assert modes == [False] * 6  # measured in eval mode, and training went on in train mode after it
    # no validation rows were carved from the training split for early stopping: all 60 train (3 batches an epoch)
    assert [row["step"] for row in run.metrics] == [3, 6, 9, 12, 15, 18]


def test_the_epoch_line_says_the_watched_figure(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(loop, "write_pictures", lambda *args, **kwargs: [])
    vaekit.train(_config(2, 0), tmp_path / "run", progress=True, data=_data(), watch=_scripted()[0])
    printed = capsys.readouterr()
    lines = [line for line in (printed.out + printed.err).splitlines() if line.startswith("epoch ")]
    assert len(lines) == 2 and lines[0].endswith("examples/s; the made-up figure 0.9")
    assert lines[1].endswith("; the made-up figure 0.7")


def test_without_a_watch_the_same_run_follows_the_elbo(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(loop, "write_pictures", lambda *args, **kwargs: [])
    run = vaekit.train(_config(4, 0), tmp_path / "run", progress=False, data=_data())
    assert "val_made_up" not in run.metrics[0]
    best = min(run.metrics, key=lambda row: row["val_neg_elbo"])
    assert run.best_epoch == best["epoch"]


def test_the_figures_name_is_the_runs_own_not_the_checkpoints() -> None:
    stopping = EarlyStopping(2, figure="the made-up figure", unit="")
    stopping.update(1, 0.5)
    assert set(stopping.state_dict()) == set(EarlyStopping(2).state_dict())
    assert "figure" not in stopping.state_dict()


def test_a_watch_measures_without_gradients_and_restores_the_mode() -> None:
    model = torch.nn.Linear(2, 1)
    seen: list[bool] = []

    def measure(m: torch.nn.Module) -> float:
        seen.append(torch.is_grad_enabled())
        return float(m(torch.ones(1, 2)).sum())
    value = Watch("w", "w", measure)(model)
    assert seen == [False] and model.training and value == pytest.approx(float(model(torch.ones(1, 2)).sum()))


def test_a_watch_is_refused_for_several_processes(tmp_path, monkeypatch) -> None:
    from vaekit.training.distributed import Processes
    monkeypatch.setattr(loop, "launched", lambda: Processes(rank=0, world=2, local_rank=0, local_world=2))
    monkeypatch.setattr(loop, "check_processes", lambda *args: None)
    with pytest.raises(ConfigError, match=r"a watched figure \(.*\) steers a run of one process"):
        vaekit.train(_config(2, 0), tmp_path / "run", progress=False, data=_data(), watch=_scripted()[0])
    hidden_entries = _config(2, 0).with_overrides({"train": {"stop_on": "hidden-entries"}})
    with pytest.raises(ConfigError, match=r"a watched figure \(.*\) steers a run of one process"):
        vaekit.train(hidden_entries, tmp_path / "run", progress=False, data=_data())
    assert not (tmp_path / "run").exists()
