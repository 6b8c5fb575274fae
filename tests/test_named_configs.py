"""The configs that ship with vaekit: by name from any directory, each trains (on small stand-in data), a relative
data source is found beside its file, and `vaekit configs` lists and prints them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from vaekit.cli import main
from vaekit.config import load_config_file
from vaekit.config.files import named_configs
from vaekit.core.errors import ConfigError
from wav_files import write_digits

# the models the docs describe, each with a named config (issue 21)
DOCUMENTED = {"vae", "vade", "m2", "vq-vae", "text-vae", "fsdd-audio", "denoiser", "digits-2d", "tabular-vae"}
# stand-in data and a short length for each: the files name Fashion-MNIST, fortunes and FSDD
DIGITS = ["--data", "digits", "--epochs", "1"]
SHORT = {"vade": ["--data", "digits", "--epochs", "2", "--hidden", "32"],
         "vq-vae": ["--epochs", "1"],
         "fsdd-audio": ["--epochs", "1", "--conv-channels", "8,8,8", "--max-seconds", "0.3"],
         "text-vae": ["--epochs", "1"], "tabular-vae": ["--epochs", "1", "--hidden", "32"]}


def invoke(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.output


def test_every_documented_model_has_a_named_config():
    assert DOCUMENTED <= set(named_configs())


@pytest.mark.parametrize("name", sorted(named_configs()))
def test_a_named_config_trains_from_any_directory(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # not the checkout: the name alone finds the file
    extra = SHORT.get(name, [*DIGITS, "--hidden", "32"])
    if name == "text-vae":
        (tmp_path / "lines.txt").write_text("the cat sat on the mat\na dog ran in the park\n" * 40)
        extra = [*extra, "--data", "lines.txt"]
    if name == "vq-vae":  # its conv network takes 28x28 images, as Fashion-MNIST's
        images = np.random.default_rng(0).random((64, 1, 28, 28)).astype("float32")
        np.savez(tmp_path / "images.npz", x=images)
        extra = [*extra, "--data", "images.npz"]
    if name == "fsdd-audio":
        extra = [*extra, "--data", write_digits(tmp_path / "recordings", per_speaker=3)]
    code, output = invoke("train", "--config", name, *extra, "--out", tmp_path / "run", "--quiet")
    assert code == 0, output
    assert (tmp_path / "run" / "model.safetensors").is_file()
    rows = (tmp_path / "run" / "metrics.csv").read_text().splitlines()
    assert len(rows) >= 2 and "nan" not in rows[-1]


def test_a_data_file_beside_the_config_is_found_from_elsewhere(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = load_config_file("tabular-vae")
    assert Path(config.data.source).is_file() and config.data.source.endswith("diabetes-mixed.csv")
    # the same for a user's own file: data written relative to the config, read from another folder
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "points.csv").write_text("a,b\n1,2\n3,4\n")
    (tmp_path / "project" / "mine.yaml").write_text("data: {source: points.csv}\n")
    assert load_config_file(tmp_path / "project" / "mine.yaml").data.source == str(tmp_path / "project" /
                                                                                   "points.csv")
    # a source found from here wins; a name that is no file (digits) is left alone
    (tmp_path / "points.csv").write_text("a,b\n1,2\n")
    (tmp_path / "project" / "here.yaml").write_text("data: {source: points.csv}\n")
    assert load_config_file(tmp_path / "project" / "here.yaml").data.source == "points.csv"
    assert load_config_file("vade").data.source == "digits"


def test_an_unknown_name_lists_the_named_ones(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"'nope' is neither a file nor a named config; the named ones: .*vade"):
        load_config_file("nope")
    with pytest.raises(ConfigError, match="config file nope.yaml does not exist"):
        load_config_file("nope.yaml")
    code, output = invoke("train", "--config", "nope", "--out", tmp_path / "r")
    assert code == 2 and output.count("\n") == 1 and not (tmp_path / "r").exists()


def test_the_configs_command_lists_and_prints_them():
    code, output = invoke("configs")
    assert code == 0
    listed = {line.split()[0] for line in output.splitlines()[:len(named_configs())]}
    assert listed == set(named_configs())
    assert "VaDE: clustering" in output
    code, output = invoke("configs", "m2")
    assert code == 0 and output == named_configs()["m2"].read_text()
    code, output = invoke("configs", "zzz")
    assert code == 2 and "no named config 'zzz'" in output


def test_train_help_is_grouped_and_short_with_the_rest_one_flag_away():
    code, short = invoke("train", "--help")
    assert code == 0
    for group in ("Run and output options:", "Data options:", "Model options:", "Objective options:",
                  "Training options:"):
        assert group in short
    assert "--latent-dim" in short and "--epochs" in short and "\n  --compile" not in short
    assert "more options (schedules, network details, precision, logging, ...): vaekit train --help-all" in \
        " ".join(short.split())
    code, full = invoke("train", "--help-all")
    assert code == 0 and "--compile" in full and "--lr-schedule" in full and "more options" not in full
    assert full.count("\n") > 2 * short.count("\n")
    assert short.index("Data options:") < short.index("Model options:") < short.index("Training options:")
    code, tune_help = invoke("tune", "--help")
    assert code == 0 and "Training options:" in tune_help and "vaekit tune --help-all" in " ".join(tune_help.split())
