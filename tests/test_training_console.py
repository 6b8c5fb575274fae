"""What training says and keeps while it trains: the objective's own bound first (IWAE), pretraining epochs named
as such, and pretraining epochs never taken for the best epoch (VaDE)."""

from __future__ import annotations

import csv

import pytest

import vaekit
from vaekit.training.console import epoch_line

ROW = {"epoch": 3, "train_loss": 95.1, "train_neg_elbo": 99.0, "val_neg_elbo": 99.87, "val_distortion": 90.0,
       "val_rate": 9.87, "examples_per_s": 1000.0, "beta": 1.0}


def test_an_objective_with_its_own_bound_is_shown_by_it_first():
    line = epoch_line({**ROW, "val_loss": 96.4}, bound="IW bound")
    assert line.startswith("epoch 3: train -IW bound 95.10  validation -IW bound 96.40 nats; -ELBO: validation 99.87")
    # while a KL warm-up weighs it, the training figure is no bound, and is not called one
    assert "train loss 95.10 (beta 0.5)" in epoch_line({**ROW, "val_loss": 96.4, "beta": 0.5}, bound="IW bound")
    assert epoch_line(ROW).startswith("epoch 3: train -ELBO 99.00  validation -ELBO 99.87")


def test_pretraining_epochs_are_named():
    line = epoch_line({**ROW, "epoch": 2}, pretraining=("pretraining an autoencoder", 5))
    assert line.startswith("pretraining epoch 2 of 5 (pretraining an autoencoder): train loss 95.10")


def test_an_iwae_run_logs_and_prints_its_bound(tmp_path, capsys):
    run = vaekit.train({"data": {"source": "digits"}, "model": {"hidden": [16], "latent_dim": 4},
                        "objective": {"name": "iwae", "iw_samples": 5},
                        "train": {"epochs": 2, "early_stopping": 0}}, tmp_path / "iw", pictures=False)
    rows = list(csv.DictReader((tmp_path / "iw" / "metrics.csv").open()))
    assert all(float(row["val_loss"]) > 0 for row in rows)
    # the IW bound is at least the ELBO (its -bound at most the -ELBO), up to the noise of one sample
    assert all(float(row["val_loss"]) <= float(row["val_neg_elbo"]) + 1.0 for row in rows)
    assert "validation -IW bound" in capsys.readouterr().out
    assert run.metrics[-1]["val_loss"] == pytest.approx(float(rows[-1]["val_loss"]))
    plain = vaekit.train({"data": {"source": "digits"}, "model": {"hidden": [16]},
                          "train": {"epochs": 1, "early_stopping": 0}}, tmp_path / "plain", pictures=False,
                         progress=False)
    assert "val_loss" not in plain.metrics[0]  # the ELBO is its own bound: nothing twice


def test_a_pretraining_epoch_is_never_the_best_epoch(tmp_path, capsys):
    run = vaekit.train({"data": {"source": "digits"}, "model": {"hidden": [16], "latent_dim": 4,
                                                               "prior": "mixture", "prior_components": 10},
                        "objective": {"name": "vade", "pretrain_epochs": 2},
                        "train": {"epochs": 4, "early_stopping": 1}}, tmp_path / "vade", pictures=False)
    said = capsys.readouterr().out
    assert "pretraining epoch 1 of 2 (pretraining an autoencoder)" in said
    assert "fitting the mixture prior to the training codes" in said
    assert [row["best_epoch"] for row in run.metrics][:2] == [0, 0]  # the autoencoder's -ELBO is not a best
    assert run.best_epoch >= 3 and len(run.metrics) >= 3  # patience 1 did not stop it on the pretraining


def _train_cli(*args: object) -> tuple[int, str]:
    from click.testing import CliRunner

    from vaekit.cli import main

    result = CliRunner().invoke(main, ["train", *map(str, args)])
    return result.exit_code, result.output


def test_train_ends_with_the_files_written_and_what_to_run_next(tmp_path):
    code, output = _train_cli("--data", "digits", "--class-latent", "m2", "--objective", "m2",
                              "--labels-per-class", "10", "--hidden", "16", "--epochs", "1", "--out", tmp_path / "m2")
    assert code == 0, output
    assert f"wrote {tmp_path / 'm2'}/: model.safetensors (weights)" in output and "reconstructions.png" in output
    assert f"next: vaekit evaluate {tmp_path / 'm2'}" in output and f"vaekit predict {tmp_path / 'm2'}" in output
    assert "vaekit cluster" not in output  # no cluster variable in this prior
    code, quiet = _train_cli("--data", "digits", "--hidden", "16", "--epochs", "1", "--out", tmp_path / "q",
                             "--quiet")
    assert code == 0 and "next:" not in quiet and "run saved in" in quiet


def test_a_language_model_reports_no_latent_units(tmp_path):
    (tmp_path / "lines.txt").write_text("the cat sat on the mat\na dog ran in the park\n" * 30)
    code, output = _train_cli("--data", tmp_path / "lines.txt", "--network", "rnn", "--language-model",
                              "--epochs", "1", "--out", tmp_path / "lm", "--quiet")
    assert code == 0, output
    assert "run saved in" in output and "latent units" not in output
    # nor a picture of codes that are all the prior's mean: one dot
    assert (tmp_path / "lm" / "loss.png").is_file() and not (tmp_path / "lm" / "latent.png").exists()


def test_the_loss_curves_lead_with_the_objectives_own_bound():
    from vaekit.plots.curves import loss_curves_figure

    rows = [{**ROW, "epoch": e, "val_loss": 96.0 - e} for e in (1, 2, 3)]
    left = loss_curves_figure(rows, bound="IW bound").axes[0]
    assert [line.get_label() for line in left.get_lines()] == ["train -IW bound", "validation -IW bound",
                                                              "validation -ELBO"]
    assert left.get_title() == "loss: -IW bound, nats per example (lower is better)"
    plain = loss_curves_figure([{**ROW, "epoch": e} for e in (1, 2)]).axes[0]
    assert [line.get_label() for line in plain.get_lines()] == ["train", "validation"]
