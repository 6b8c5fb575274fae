"""Sizes that fit the data: hidden widths, batch, epochs and early stopping left "auto" are settled once for the
training rows (training/auto_settings.py, model/auto_width.py), said in one notice, recorded in config.json, read
back (not settled again) by a resume; a value the user gives always wins."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import invoke
from vaekit.config import Config
from vaekit.core.errors import ConfigError
from vaekit.model import auto_width
from vaekit.model.auto_width import auto_hidden
from vaekit.model.build import build_model
from vaekit.training import auto_settings
from vaekit.training.auto_settings import auto_batch, auto_epochs, auto_patience, settle_sizes


def test_the_rule_for_a_small_table_small_images_and_big_images() -> None:
    # breast cancer's 569 rows less a test tenth: 4 steps an epoch, so the epoch cap, with a tenth of it as patience
    assert auto_hidden((30,), 512) == [64]
    assert auto_epochs(512, 128) == 1000 and auto_patience(1000) == 100
    # 1,617 8x8 digits: 13 steps an epoch, 770 epochs make the 10,000 steps
    assert auto_hidden((1, 8, 8), 1617) == [128]
    assert auto_epochs(1617, 128) == 770 and auto_patience(770) == 77
    # 60,000 28x28 images: the canonical width, 469 steps an epoch, 22 epochs
    assert auto_hidden((1, 28, 28), 60_000) == [400]
    assert auto_epochs(60_000, 128) == 22 and auto_patience(22) == 10
    # a million rows keep the old 10 epochs; rows unknown, the widths for plenty of data
    assert auto_epochs(1_000_000, 128) == 10 and auto_hidden((1, 28, 28)) == [400]
    # twice the inputs, to a power of two; few rows cap it
    assert auto_hidden((100,), 8_000) == [256] and auto_hidden((1, 28, 28), 500) == [128]
    assert auto_hidden((3,), 50) == [64]
    # an objective that pretrains (VaDE) leaves room after its pretraining epochs
    assert auto_epochs(1_000_000, 128, pretrain_epochs=15) == 25


def test_the_batch_makes_ten_steps_an_epoch_within_16_and_128() -> None:
    # 50 crabs: a batch of 16, 4 steps an epoch, where 128 made one (and 1,000 epochs 1,000 steps)
    assert auto_batch(50) == 16 and auto_epochs(50, auto_batch(50)) == 1000
    # breast cancer's 512 rows: 52 a batch, ten steps an epoch, so the 1,000 epochs make the 10,000 steps
    assert auto_batch(512) == 52 and auto_epochs(512, 52) == 1000
    # from 1,280 rows the old fixed 128
    assert auto_batch(1279) == 128 and auto_batch(1280) == 128 and auto_batch(60_000) == 128
    assert auto_batch(1) == 16


def _settled(**sections: dict) -> tuple[Config, str]:
    config = Config.from_dict(sections)
    line = settle_sizes(config, "vector", (30,), 512, reads_hidden=True)
    return config, line


def test_settling_writes_the_values_into_the_config_and_says_what_it_chose() -> None:
    config, line = _settled()
    assert (config.model.hidden, config.train.batch_size, config.train.epochs,
            config.train.early_stopping) == ([64], 52, 1000, 100)
    assert line == ("settings for 512 rows of 30 columns: hidden 64, batch 52, 1000 epochs with early stopping after "
                    "100 epochs without improvement (set them to choose others)")
    Config.from_dict(config.to_dict())  # what config.json holds is a valid config
    # settled once: nothing is left to settle, nothing is said
    assert settle_sizes(config, "vector", (30,), 99, reads_hidden=True) == "" and config.model.hidden == [64]


def test_an_explicit_value_wins_and_epochs_given_train_them_all() -> None:
    config, line = _settled(model={"hidden": "256,256"}, train={"epochs": "7", "batch_size": 128})
    assert (config.model.hidden, config.train.epochs, config.train.early_stopping) == ([256, 256], 7, 0)
    assert line == ""
    config, line = _settled(train={"early_stopping": 0})
    assert (config.train.epochs, config.train.early_stopping) == (1000, 0)
    assert line.endswith("hidden 64, batch 52, 1000 epochs without early stopping (set them to choose others)")
    config, _ = _settled(train={"epochs": 40, "early_stopping": 5})
    assert (config.train.epochs, config.train.early_stopping) == (40, 5)


def test_a_network_that_reads_no_hidden_widths_leaves_them_auto() -> None:
    config = Config.from_dict({"model": {"network": "conv"}, "train": {"epochs": 3, "batch_size": 64}})
    assert settle_sizes(config, "image", (1, 8, 8), 500, reads_hidden=False) == ""
    assert config.model.hidden == "auto"


def test_auto_is_a_word_of_the_settings_beside_numbers_and_lists() -> None:
    config = Config.from_dict({"model": {"hidden": "auto"}, "train": {"epochs": "auto", "early_stopping": "auto"}})
    assert (config.model.hidden, config.train.epochs, config.train.early_stopping) == ("auto", "auto", "auto")
    for bad, said in [({"train": {"epochs": "lots"}}, "train.epochs must be an integer or auto; got 'lots'"),
                      ({"model": {"hidden": "wide"}}, "model.hidden must be a list of integers or auto; got 'wide'"),
                      ({"train": {"early_stopping": "yes"}}, "train.early_stopping must be an integer or auto"),
                      ({"train": {"epochs": 0}}, "epochs must be at least 1, or auto"),
                      ({"train": {"batch_size": "big"}}, "train.batch_size must be an integer or auto; got 'big'"),
                      ({"train": {"batch_size": 0}}, "batch_size must be at least 1, or auto")]:
        with pytest.raises(ConfigError, match=said):
            Config.from_dict(bad)


def test_a_model_built_outside_training_takes_the_widths_for_its_shape() -> None:
    # the first linear layer of the MLP encoder
    assert build_model(Config().model, (1, 28, 28), "image").encoder.layers[0].out_features == 400
    assert build_model(Config().model, (7,), "vector").encoder.layers[0].out_features == 64


@pytest.fixture()
def few_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    """Auto epochs of a few steps, so that a run with every size on auto takes a second."""
    monkeypatch.setattr(auto_settings, "TARGET_STEPS", 12)  # 3 epochs of 4 batches of 16
    monkeypatch.setattr(auto_settings, "MIN_EPOCHS", 1)


def test_a_run_says_its_settings_once_records_them_and_a_resume_reads_them_back(tmp_path: Path, few_steps,
                                                                               monkeypatch) -> None:
    np.save(tmp_path / "table.npy", np.random.default_rng(0).normal(size=(60, 4)).astype(np.float32))
    run = tmp_path / "run"
    code, output = invoke("train", "--data", tmp_path / "table.npy", "--latent-dim", "2", "--out", run, "--quiet")
    assert code == 0, output
    assert output.count("notice: settings for") == 1
    assert ("notice: settings for 54 rows of 4 columns: hidden 64, batch 16, 3 epochs with early stopping after 10"
            in output)
    saved = json.loads((run / "config.json").read_text())["config"]
    assert (saved["model"]["hidden"], saved["train"]["batch_size"], saved["train"]["epochs"],
            saved["train"]["early_stopping"]) == ([64], 16, 3, 10)
    # a rule that would now choose otherwise changes nothing for the run: its config.json is read, not re-settled
    monkeypatch.setattr(auto_width, "MIN_WIDTH", 32)
    code, output = invoke("train", "--resume", run, "--epochs", "4", "--quiet")
    assert code == 0, output
    assert "notice: settings" not in output
    saved = json.loads((run / "config.json").read_text())["config"]
    assert (saved["model"]["hidden"], saved["train"]["epochs"], saved["train"]["early_stopping"]) == ([64], 4, 10)
    assert len((run / "metrics.csv").read_text().splitlines()) == 1 + 4


def test_flags_win_over_auto(tmp_path: Path) -> None:
    np.save(tmp_path / "table.npy", np.random.default_rng(0).normal(size=(60, 4)).astype(np.float32))
    run = tmp_path / "run"
    code, output = invoke("train", "--data", tmp_path / "table.npy", "--hidden", "16,8", "--epochs", "2",
                          "--batch-size", "32", "--out", run, "--quiet")
    assert code == 0, output
    assert "notice: settings" not in output
    saved = json.loads((run / "config.json").read_text())["config"]
    assert (saved["model"]["hidden"], saved["train"]["batch_size"], saved["train"]["epochs"],
            saved["train"]["early_stopping"]) == ([16, 8], 32, 2, 0)
