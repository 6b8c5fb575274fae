"""`vaekit train --stop-on hidden-entries` (train.stop_on): the epochs chosen by a first run that fills in entries
hidden from the training rows, then the run trained on every entry for that count, from the command line and from
Python, with config.json recording the choice and `vaekit info` saying it."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import vaekit
import vaekit.training.hidden_entries as hidden_entries
import vaekit.training.loop as loop
from conftest import invoke
from vaekit.core.errors import ConfigError
from vaekit.training.hidden_entries import MIN_HIDDEN
from vaekit.training.watch import Watch

HIDE = hidden_entries.hide_training_entries  # the real one, for the fault below to wrap
MIXED = Path(__file__).parents[1] / "configs" / "data" / "diabetes-mixed.csv"
SMALL = ["--latent-dim", "3", "--hidden", "16", "--batch-size", "32"]


def _gappy_table(folder: Path, rows: int = 150) -> Path:
    table = pd.read_csv(MIXED).iloc[:rows]
    rng = np.random.default_rng(0)
    for column in table.columns[1:]:  # the first column stays whole: every row keeps an observed value
        table.loc[rng.random(len(table)) < 0.2, column] = np.nan
    table.to_csv(folder / "gaps.csv", index=False)
    return folder / "gaps.csv"


def _spy_on_runs(monkeypatch: pytest.MonkeyPatch) -> list:
    runs = []
    run_ = loop._run

    def spy(config, run_dir, state, progress, data=None, *args, **kwargs):  # type: ignore[no-untyped-def]
        run = run_(config, run_dir, state, progress, data, *args, **kwargs)
        runs.append((config.train, data.train_x.clone(), kwargs.get("watch"), run))
        return run
    monkeypatch.setattr(loop, "_run", spy)
    return runs


def test_the_command_line_trains_the_epochs_that_filled_in_hidden_entries_best(tmp_path: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    runs = _spy_on_runs(monkeypatch)
    table = _gappy_table(tmp_path)
    run_dir = tmp_path / "run"
    code, output = invoke("train", "--data", table, "--stop-on", "hidden-entries", "--epochs", "12", *SMALL,
                          "--out", run_dir)
    assert code == 0, output
    (probe, hid, watch, first), (final, every, no_watch, _) = runs
    saved = json.loads((run_dir / "config.json").read_text())
    chosen = saved["trained_with"]["epochs_chosen"]
    # the first run: the 12 epochs given, all trained (early stopping is off with epochs set), following the
    # error of filling in the entries it never saw; the best of them is the count the run trains
    errors = [row["val_hidden_entries_error"] for row in first.metrics]
    assert probe.epochs == 12 and len(errors) == 12 and watch is not None and no_watch is None
    assert first.best_epoch == 1 + int(np.argmin(errors)) == chosen["best_epoch"]
    whole = np.isnan(every.numpy())
    hidden = np.isnan(hid.numpy()) & ~whole
    assert chosen == {"by": "hidden entries", "entries_hidden": int(hidden.sum()), "epochs_tried": 12,
                      "best_epoch": first.best_epoch, "error": round(min(errors), 6)}
    assert 0.15 < hidden.sum() / (~whole).sum() < 0.25  # a fifth of the training rows' observed entries
    # the run: every entry, the chosen count, to the end; config.json records it as settings that train it again
    assert final.epochs == first.best_epoch and final.early_stopping == 0 and final.stop_on == "validation-elbo"
    assert saved["config"]["train"]["epochs"] == first.best_epoch and saved["config"]["data"]["missing"] == "model"
    assert len(pd.read_csv(run_dir / "metrics.csv")) == first.best_epoch
    assert (f"training again on every entry for {first.best_epoch} epochs, the count that filled in the "
            f"{hidden.sum()} hidden entries best") in output
    code, output = invoke("info", run_dir)
    assert code == 0, output
    assert (f"epochs chosen on {hidden.sum()} hidden entries: the first run's best epoch {first.best_epoch} of 12"
            in output)
    # a resume keeps the record
    code, output = invoke("train", "--resume", run_dir, "--epochs", str(first.best_epoch + 1), "--quiet")
    assert code == 0, output
    assert json.loads((run_dir / "config.json").read_text())["trained_with"]["epochs_chosen"] == chosen
    code, output = invoke("impute", run_dir, "--data", table, "--out", tmp_path / "filled.csv", "--k", "50")
    assert code == 0, output
    assert pd.read_csv(tmp_path / "filled.csv").notna().all().all()


def test_python_trains_the_same_run_as_the_command_line(tmp_path: Path) -> None:
    table = _gappy_table(tmp_path)
    code, output = invoke("train", "--data", table, "--stop-on", "hidden-entries", "--epochs", "6", *SMALL,
                          "--out", tmp_path / "cli", "--quiet")
    assert code == 0, output
    run = vaekit.train({"data": {"source": str(table)}, "model": {"latent_dim": 3, "hidden": [16]},
                        "train": {"stop_on": "hidden-entries", "epochs": 6, "batch_size": 32}},
                       tmp_path / "python", progress=False)
    cli = json.loads((tmp_path / "cli" / "config.json").read_text())
    assert run.config.train.epochs == cli["config"]["train"]["epochs"]
    assert (tmp_path / "python" / "model.safetensors").read_bytes() == \
        (tmp_path / "cli" / "model.safetensors").read_bytes()


def test_rows_too_few_to_hide_entries_from_stop_on_the_elbo_with_a_notice(tmp_path: Path) -> None:
    table = _gappy_table(tmp_path, rows=8)
    code, output = invoke("train", "--data", table, "--stop-on", "hidden-entries", "--epochs", "3", *SMALL,
                          "--out", tmp_path / "run")
    assert code == 0, output
    assert (f"stop_on: hidden-entries: the 7 training rows cannot spare {MIN_HIDDEN} observed entries to hide, so "
            "the epochs follow the validation -ELBO instead") in output
    saved = json.loads((tmp_path / "run" / "config.json").read_text())
    assert saved["config"]["train"]["stop_on"] == "validation-elbo" and "epochs_chosen" not in saved["trained_with"]
    assert len(pd.read_csv(tmp_path / "run" / "metrics.csv")) == 3


def test_an_interrupted_first_run_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt  # Ctrl-C while the first run fills in its hidden entries

    monkeypatch.setattr(hidden_entries, "hide_training_entries",
                        lambda data, seed: _hiding_that_stops(data, seed, interrupted))
    scratch = tmp_path / "scratch"  # where the first run trains (a temporary folder)
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    table = _gappy_table(tmp_path)
    code, output = invoke("train", "--data", table, "--stop-on", "hidden-entries", "--epochs", "3", *SMALL,
                          "--out", tmp_path / "run")
    assert code == 130 and "interrupted" in output
    left = [p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()]
    assert [name for name in left if not name.endswith(".lock")] == ["gaps.csv"]


def _hiding_that_stops(data, seed, measure):  # type: ignore[no-untyped-def]
    import dataclasses

    hiding = HIDE(data, seed)
    return dataclasses.replace(hiding, watch=Watch("hidden_entries_error", "the error on hidden entries", measure))


def test_stop_on_hidden_entries_and_a_watch_are_refused_together(tmp_path: Path) -> None:
    table = _gappy_table(tmp_path)
    config = {"data": {"source": str(table)}, "train": {"stop_on": "hidden-entries", "epochs": 2}}
    with pytest.raises(ConfigError, match="stop_on: hidden-entries and a Watch both choose the epochs"):
        vaekit.train(config, tmp_path / "run", progress=False, watch=Watch("w", "w", lambda model: 0.0))
    assert not (tmp_path / "run").exists()
