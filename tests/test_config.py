"""Configs are strict: unknown keys, wrong types and out-of-range values are rejected with one clear line."""

from __future__ import annotations

import pytest

from vaekit.config import Config, load_config_file
from vaekit.core.errors import ConfigError


def test_round_trip_through_dict_keeps_every_setting() -> None:
    config = Config.from_dict({"model": {"latent_dim": 3, "hidden": [32, 16]}, "objective": {"beta": 4},
                               "train": {"epochs": 2}, "data": {"binarize": "dynamic"}})
    assert Config.from_dict(config.to_dict()) == config
    assert config.model.hidden == [32, 16] and config.objective.beta == 4.0 and config.data.binarize == "dynamic"


@pytest.mark.parametrize("values, message", [
    ({"model": {"latnt_dim": 2}}, "unknown setting model.latnt_dim; did you mean model.latent_dim?"),
    ({"modle": {}}, "unknown setting modle"),
    ({"objective": {"beta": -1}}, "beta must be zero or positive"),
    ({"model": {"latent_dim": 0}}, "latent_dim must be at least 1"),
    ({"train": {"epochs": "many"}}, "train.epochs must be an integer"),
    ({"train": {"lr": float("nan")}}, "train.lr must be a finite number"),
    ({"data": {"binarize": "sometimes"}}, "data.binarize must be one of none, dynamic, static"),
    ({"model": {"hidden": [64, 0]}}, "hidden must be one or more positive widths"),
])
def test_invalid_settings_are_rejected(values: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("?", r"\?").replace(".", r"\.")):
        Config.from_dict(values)


def test_strings_from_the_command_line_are_converted() -> None:
    config = Config().with_overrides({"model": {"latent_dim": "5", "hidden": "128,64"},
                                      "data": {"download": "false"}})
    assert config.model.latent_dim == 5 and config.model.hidden == [128, 64] and config.data.download is False


def test_yaml_and_toml_files(tmp_path) -> None:
    (tmp_path / "a.yaml").write_text("model:\n  latent_dim: 7\ntrain:\n  epochs: 3\n")
    (tmp_path / "b.toml").write_text("[objective]\nbeta = 2.5\n")
    assert load_config_file(tmp_path / "a.yaml").model.latent_dim == 7
    assert load_config_file(tmp_path / "b.toml").objective.beta == 2.5
    (tmp_path / "bad.yaml").write_text("model:\n  latent_dim: 7\n  depth: 3\n")
    with pytest.raises(ConfigError, match="unknown setting model.depth"):
        load_config_file(tmp_path / "bad.yaml")
    (tmp_path / "broken.toml").write_text("[objective\n")
    with pytest.raises(ConfigError, match="cannot parse config file"):
        load_config_file(tmp_path / "broken.toml")
