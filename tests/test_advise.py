"""vaekit advise: the settings to start from for data and a goal, each with a reason, the sizes training would
choose, and next commands; every advised command is one vaekit train takes as it is."""

from __future__ import annotations

import json
import shlex

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from vaekit.advice import GOALS, advise, profile_of
from vaekit.cli import main
from vaekit.data import Dataset, load_dataset


def invoke(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.output


def _images(values: np.ndarray) -> Dataset:
    return Dataset.from_arrays("array", values, values[:5], None, None, "image", "in-memory array")


def test_the_profile_tells_what_the_values_are():
    digits = profile_of(load_dataset("digits"))
    assert (digits.kind, digits.values, digits.classes, digits.rows, digits.shape) == ("image", "unit", 10, 1617,
                                                                                      (1, 8, 8))
    assert "1617 training images of 1x8x8, grey levels in [0, 1], 10 classes" == digits.describe()
    rng = np.random.default_rng(0)
    assert profile_of(_images((rng.random((30, 1, 4, 4)) > 0.5).astype(np.float32))).values == "binary"
    assert profile_of(_images(rng.integers(0, 256, (30, 1, 4, 4)).astype(np.float32) / 255)).values == "8-bit"


@pytest.mark.parametrize("goal", GOALS)
def test_every_goal_prints_settings_reasons_sizes_and_next_steps(goal):
    code, output = invoke("advise", "--data", "digits", "--goal", goal)
    assert code == 0, output
    assert output.startswith("data: digits: 1617 training images of 1x8x8, grey levels in [0, 1], 10 classes\n")
    assert "\nstart from:\n  vaekit train --data digits" in output and f"--out runs/{goal}" in output
    # what training would settle on these rows (complete images to impute: inpainting, early stopping on its bound)
    assert "hidden 128, batch 128, 770 epochs with early stopping" in output
    assert "\nthen:\n" in output and "vaekit tune --data digits" in output  # 1617 rows: small


@pytest.mark.parametrize("goal, extra", [("anomaly", []), ("impute", []), ("compress", []),
                                         ("cluster", ["--pretrain-epochs", "1", "--epochs", "2"])])
def test_the_advised_command_trains_as_printed(goal, extra, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, output = invoke("advise", "--data", "digits", "--goal", goal)
    command = shlex.split(output.split("start from:\n")[1].splitlines()[0])
    assert command[:2] == ["vaekit", "train"]
    code, trained = invoke(*command[1:], "--epochs", "1", "--hidden", "16", *extra, "--quiet")
    assert code == 0, trained
    assert (tmp_path / "runs" / goal / "model.safetensors").is_file()


def test_goal_advice_follows_the_data():
    digits = profile_of(load_dataset("digits"))
    assert advise(digits, "anomaly").settings["likelihood"] == "continuous_bernoulli"
    assert advise(digits, "cluster").settings["prior_components"] == 10
    # labelled data: a search for clusters is scored by the labelled validation rows' clusters, not -log p(x)
    assert advise(digits, "cluster").criterion == "clustering"
    # complete images to impute: holes to fill in later, by a model trained to fill in (--corruption hide)
    impute = advise(digits, "impute")
    assert impute.settings["missing"] == "model" and impute.criterion == "inpainting:lower-half"
    assert {name: impute.settings[name] for name in ("objective", "corruption", "corruption_level")} == \
        {"objective": "denoising", "corruption": "hide", "corruption_level": 0.5}
    assert "stop_on" not in impute.settings and "iw_samples" not in impute.settings
    assert any(line.startswith("vaekit inpaint RUN --mask lower-half") for line in impute.then)
    frame = pd.DataFrame({"age": np.arange(40.0), "smoker": [0.0, 1.0] * 20})
    frame.loc[3, "age"] = np.nan
    table = Dataset.from_arrays("array", frame.to_numpy(np.float32), frame.to_numpy(np.float32)[:4], None, None,
                                "vector", "in-memory array", columns=["age", "smoker"],
                                column_types=["continuous", "binary"], missing=True)
    profile = profile_of(table)
    assert profile.missing and profile.values == "real"
    generate = advise(profile, "generate")
    assert generate.settings["likelihood"] == "mixed" and generate.settings["missing"] == "model"
    assert advise(profile, "compress").warnings  # nothing to code exactly in real numbers
    assert any(flag.startswith("--likelihood mixed") for flag, _ in generate.reasons)
    # a table to impute gets VAEImputer's code: a quarter of the columns, 4 to 16; images keep training's default
    assert advise(profile, "impute").settings["latent_dim"] == 4
    wide = np.random.default_rng(0).normal(size=(40, 30)).astype(np.float32)
    wide_table = Dataset.from_arrays("array", wide, wide[:4], None, None, "vector", "in-memory array")
    assert advise(profile_of(wide_table), "impute").settings["latent_dim"] == 8
    assert "latent_dim" not in impute.settings


def test_text_gets_the_sentence_vae_settings(tmp_path):
    (tmp_path / "lines.txt").write_text("the cat sat on the mat\na dog ran in the park\n" * 20)
    code, output = invoke("advise", "--data", tmp_path / "lines.txt")
    assert code == 0, output
    assert "--network rnn --word-dropout 0.1 --free-bits 0.07 --warmup-epochs 3" in output


def test_bad_input_is_one_line():
    code, output = invoke("advise", "--data", "no-such-file.csv")
    assert code == 2 and output.startswith("error: ") and output.count("\n") == 1
    code, output = invoke("advise", "--data", "digits", "--goal", "dance")
    assert code == 2 and "dance" in output


@pytest.mark.parametrize("kind, shape, values, column_types", [
    ("image", (1, 8, 8), "unit", None), ("image", (1, 28, 28), "binary", None), ("image", (3, 32, 32), "8-bit", None),
    ("vector", (5,), "real", None), ("vector", (3,), "real", ("continuous", "binary", "categorical")),
    ("text", (20,), "real", None), ("audio", (1, 40, 63), "real", None), ("series", (20, 2), "real", None)])
def test_every_goals_settings_name_registered_parts(kind, shape, values, column_types):
    """What advice recommends by name is checked against the registries, for every goal and kind of data."""
    from vaekit.advice import DataProfile
    from vaekit.advice.sizes import settings_config

    profile = DataProfile("x", kind, shape, 500, 3, False, values, column_types)
    for goal in GOALS:
        settings_config(advise(profile, goal).settings)  # a ConfigError for an unknown name or a bad pairing


def test_a_table_with_gaps_is_read_and_its_advice_trains(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=80), "b": rng.normal(size=80), "c": rng.normal(size=80)})
    frame.loc[::4, "b"] = np.nan
    frame.loc[1::5, "c"] = np.nan
    frame.to_csv("gaps.csv", index=False)
    code, output = invoke("advise", "--data", "gaps.csv", "--goal", "impute")
    assert code == 0, output  # read gaps and all: refusing them is training's business, not advice's
    assert output.startswith("data: gaps.csv: 72 training rows of 3, real numbers, 3 continuous columns, missing "
                             "values\n")
    command = shlex.split(output.split("start from:\n")[1].splitlines()[0])
    assert "--stop-on hidden-entries" in " ".join(command) and "--missing model" in " ".join(command)
    assert "epochs at most for the first run, with early stopping after" in output  # the run trains its best count
    code, trained = invoke(*command[1:], "--epochs", "2", "--hidden", "8", "--quiet")
    assert code == 0, trained
    saved = json.loads((tmp_path / "runs" / "impute" / "config.json").read_text())
    assert saved["trained_with"]["epochs_chosen"]["epochs_tried"] == 2


def test_a_table_in_the_unit_interval_is_advised_a_gaussian_to_fill_in():
    x = np.random.default_rng(0).random((50, 4)).astype(np.float32)
    profile = profile_of(Dataset.from_arrays("array", x, x[:5], None, None, "vector", "in-memory array"))
    assert advise(profile, "generate").settings["likelihood"] == "continuous_bernoulli"  # the density on [0, 1]
    impute = advise(profile, "impute")
    # the continuous Bernoulli's mean cannot come near 0 or 1; the goal's advice replaces the data's, reason too
    assert impute.settings["likelihood"] == "gaussian"
    assert [flag for flag, _ in impute.reasons if flag.startswith("--likelihood")] == ["--likelihood gaussian"]
