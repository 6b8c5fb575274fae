"""Weights & Biases logging: W&B's real offline mode writes the run into RUN/wandb and a resumed run keeps its id;
what is logged (the config, each epoch's metrics row, the best epoch) is read from a stand-in of wandb.init that
keeps every call, compared with the run directory's metrics.csv."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

import vaekit
from vaekit.core.errors import ConfigError
from vaekit.training import loop
from vaekit.training.metrics_log import read_metrics


@pytest.fixture(autouse=True)
def no_pictures(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loop, "write_pictures", lambda *args, **kwargs: [])


def _config(**train) -> vaekit.Config:
    return vaekit.Config.from_dict({"data": {"source": "digits"}, "model": {"latent_dim": 3, "hidden": [32]},
                                    "train": {"epochs": 2, "batch_size": 200, "wandb": True,
                                              "wandb_mode": "offline", **train}})


class _Run:
    """What a wandb Run does with vaekit's calls, kept."""

    def __init__(self, **settings) -> None:
        self.settings, self.id = settings, settings["id"] or "abc123"
        self.logged, self.summary, self.exit_code = [], {}, None

    def log(self, values: dict, step: int) -> None:
        self.logged.append((step, values))

    def finish(self, exit_code: int = 0) -> None:
        self.exit_code = exit_code


def test_each_epochs_metrics_and_the_config_reach_wandb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    wandb = pytest.importorskip("wandb")
    runs: list[_Run] = []
    monkeypatch.setattr(wandb, "init", lambda **settings: runs.append(_Run(**settings)) or runs[-1])
    vaekit.train(_config(epochs=3, early_stopping=2), tmp_path / "run", progress=False)
    (run,) = runs
    assert run.settings["project"] == "vaekit" and run.settings["name"] == "run" and run.settings["mode"] == "offline"
    assert run.settings["config"]["model.hidden"] == "32" and run.settings["config"]["train.lr"] == "0.001"
    rows = read_metrics(tmp_path / "run" / "metrics.csv")
    assert [step for step, _ in run.logged] == [int(row["epoch"]) for row in rows]
    for (_, values), row in zip(run.logged, rows):
        assert values["val_neg_elbo"] == pytest.approx(float(row["val_neg_elbo"]))
        assert values["train_rate"] == pytest.approx(float(row["train_rate"]))
    assert run.summary["vaekit.best_epoch"] == str(min(rows, key=lambda r: float(r["val_neg_elbo"]))["epoch"])
    assert run.exit_code == 0


def test_offline_mode_writes_the_run_and_a_resume_keeps_its_id(tmp_path: Path) -> None:
    pytest.importorskip("wandb")
    vaekit.train(_config(), tmp_path / "run", progress=False)
    first = sorted((tmp_path / "run" / "wandb").glob("offline-run-*"))
    assert len(first) == 1 and list(first[0].glob("run-*.wandb"))
    # offline-run-DATE_TIME-ID, and -1, -2 ... after it when a second one starts in the same second
    run_id = re.fullmatch(r"offline-run-\d+_\d+-([a-z0-9]+)(-\d+)?", first[0].name).group(1)
    vaekit.resume(tmp_path / "run", epochs=3, progress=False)
    both = sorted((tmp_path / "run" / "wandb").glob("offline-run-*"))
    ids = {re.fullmatch(r"offline-run-\d+_\d+-([a-z0-9]+)(-\d+)?", path.name).group(1) for path in both}
    assert len(both) == 2 and ids == {run_id}


def test_wandb_missing_is_one_line_naming_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "wandb", None)  # import wandb raises ImportError
    with pytest.raises(ConfigError, match=r"--wandb needs the wandb package; install it with pip install "
                                          r"'vaekit\[wandb\]'"):
        vaekit.train(_config(), tmp_path / "run", progress=False)
    assert not (tmp_path / "run" / "model.safetensors").exists()


def test_wandb_settings_without_wandb_are_refused() -> None:
    from vaekit.config.train import TrainConfig, check_heeded

    with pytest.raises(ConfigError, match="wandb_project is set to other but the option it modifies is off"):
        check_heeded(TrainConfig(wandb_project="other"))
    with pytest.raises(ConfigError, match="wandb_project must name a project"):
        TrainConfig(wandb=True, wandb_project=" ").validate()
