"""Size bounds, inputs that used to crash, and command-line details (issue 8, items 4, 5 and 8): the values the
checks compute and the errors they give."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

import vaekit
from conftest import invoke
from vaekit.config import ModelConfig, load_config_file
from vaekit.core.errors import ConfigError, DataError, VaekitError
from vaekit.core.io import write_json
from vaekit.data import LoadOptions, load_dataset, table_dataset
from vaekit.data.common.fingerprint import data_fingerprint
from vaekit.data.dataset import MAX_CLASSES, Dataset
from vaekit.model.build import build_model
from vaekit.model.size import (
    FLOAT_BYTES,
    check_output_fits,
    check_training_fits,
    device_memory,
    parameter_count,
    training_bytes,
)
from vaekit.runs.directory import check_data_info
from vaekit.tasks.evaluation.frechet import frechet_distance
from vaekit.training.checkpoint import TrainingState, load_checkpoint, save_checkpoint


def _config(**sections) -> vaekit.Config:
    values = {"data": {"source": "digits"}, "model": {"latent_dim": 2, "hidden": [16]},
              "train": {"epochs": 2, "batch_size": 100}}
    for name, items in sections.items():
        values.setdefault(name, {}).update(items)
    return vaekit.Config.from_dict(values)


# --- item 4: sizes --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", [
    {"hidden": [16]}, {"prior": "vamp", "prior_components": 7}, {"prior": "mixture"}, {"posterior": "iaf"},
    {"posterior": "ladder", "prior": "ladder", "latent_dim": 4}, {"likelihood": "discretized_logistic"},
])
def test_the_meta_device_count_equals_the_real_models(model: dict) -> None:
    cfg = ModelConfig(**{"latent_dim": 2, "hidden": [16], **model})
    real = build_model(cfg, (1, 8, 8), "image")
    expected = sum(t.numel() for t in real.parameters()) + sum(t.numel() for t in real.buffers())
    assert parameter_count(cfg, (1, 8, 8), "image") == expected


def test_a_conditional_models_count_grows_with_the_classes() -> None:
    cfg = ModelConfig(latent_dim=2, hidden=[16], conditional=True, conditional_prior=True)
    three, four = (parameter_count(cfg, (5,), "vector", classes) for classes in (3, 4))
    # one more class: one more input to the posterior head (2 * 2 outputs) and to the decoder's first layer
    # (16 outputs), and one more row of the prior table (2 * 2)
    assert four - three == 4 + 16 + 4


def test_training_bytes_counts_weights_four_times_the_data_and_a_batch() -> None:
    config, data = _config(), load_dataset("digits")
    parameters = parameter_count(config.model, data.shape, data.kind)
    need = training_bytes(config, data, parameters)
    examples = len(data.train_x) + len(data.test_x)
    assert need == (4 * parameters + examples * 64 + 100 * (64 + 2)) * FLOAT_BYTES
    iwae = _config(objective={"name": "iwae", "iw_samples": 7})
    assert training_bytes(iwae, data, parameters) - need == 6 * 100 * (64 + 2) * FLOAT_BYTES


def test_training_that_does_not_fit_is_refused_with_both_sizes(monkeypatch: pytest.MonkeyPatch) -> None:
    config, data = _config(), load_dataset("digits")
    check_training_fits(config, data, None, torch.device("cpu"))  # a small model fits
    monkeypatch.setattr("vaekit.core.system.host_memory", lambda: 10**5)
    with pytest.raises(ConfigError, match=r"needs at least 0\.0 GB .*more than the 0\.0 GB of this machine"):
        check_training_fits(config, data, None, torch.device("cpu"))


def test_on_cuda_the_gpus_total_memory_is_the_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    # no GPU needed: the two torch.cuda calls the check makes are replaced
    monkeypatch.setattr(torch.cuda, "mem_get_info", lambda device: (10**4, 2 * 10**5))
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda device: "Test GPU")
    assert device_memory(torch.device("cuda")) == (2 * 10**5, "Test GPU's memory")
    with pytest.raises(ConfigError, match=r"more than the 0\.0 GB of Test GPU's memory"):
        check_training_fits(_config(), load_dataset("digits"), None, torch.device("cuda"))


def test_huge_widths_are_refused_before_any_file_or_allocation(tmp_path: Path) -> None:
    code, output = invoke("train", "--hidden", "2000000000", "--epochs", "1", "--out", tmp_path / "r")
    assert code == 2 and "parameters kept 4 times in float32" in output
    assert not (tmp_path / "r").exists()


def test_output_counts_beyond_memory_are_refused() -> None:
    check_output_fits(64, (1, 28, 28), "samples")
    with pytest.raises(VaekitError, match=r"10,000,000,000,000 samples of shape \(1, 28, 28\) need 31360000\.0 GB"):
        check_output_fits(10**13, (1, 28, 28), "samples")


def test_labels_are_class_indices_below_the_bound() -> None:
    x = np.zeros((2, 3), np.float32)
    data = Dataset.from_arrays("t", x, x, np.array([0, MAX_CLASSES - 1]), np.array([1, 0]), "vector", "here")
    assert data.num_classes == MAX_CLASSES
    for bad in (MAX_CLASSES, -2):  # -1 marks an unlabeled row (semi-supervised)
        with pytest.raises(DataError, match=f"include {bad}; class labels are indices 0..K-1"):
            Dataset.from_arrays("t", x, x, np.array([0, bad]), np.array([1, 0]), "vector", "here")


# --- item 5: inputs that crashed ------------------------------------------------------------------------------


def test_write_json_writes_null_for_nan_and_infinity(tmp_path: Path) -> None:
    write_json(tmp_path / "e.json", {"a": float("nan"), "b": [1.5, float("inf")], "c": {"d": np.float64("-inf")},
                                     "e": (2, "x")})
    text = (tmp_path / "e.json").read_text()
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text) == {"a": None, "b": [1.5, None], "c": {"d": None}, "e": [2, "x"]}


def test_frechet_distance_of_non_finite_features_is_nan_not_an_exception() -> None:
    real = np.random.default_rng(0).normal(size=(50, 3))
    fake = real.copy()
    fake[0, 0] = np.nan
    assert math.isnan(frechet_distance(real, fake))
    assert frechet_distance(real, real) == pytest.approx(0, abs=1e-6)


@pytest.mark.parametrize(("change", "message"), [
    ({"shape": "abc"}, "shape 'abc' is not a list of positive integers"),
    ({"shape": [1, 0, 8]}, r"shape \[1, 0, 8\]"),
    ({"shape": [64]}, r"shape \[64\]"),  # images have three dimensions
    ({"kind": "smell"}, "kind 'smell'"),
    ({"num_classes": 10**9}, "num_classes 1000000000"),
    ({"num_classes": True}, "num_classes True"),
    ({"columns": "a,b"}, "columns 'a,b' is not a list"),
])
def test_run_data_descriptions_are_checked(change: dict, message: str) -> None:
    data = {"source": "digits", "shape": [1, 8, 8], "kind": "image", "num_classes": 10}
    check_data_info(data)
    with pytest.raises(ValueError, match=message):
        check_data_info({**data, **change})


def test_a_table_runs_column_lists_must_match_its_width() -> None:
    data = {"source": "t.csv", "shape": [2], "kind": "vector", "columns": ["a", "b"],
            "column_types": ["continuous", "binary"], "column_values": [None, [0, 1]]}
    check_data_info(data)
    with pytest.raises(ValueError, match="column_types does not list the table's 2 columns"):
        check_data_info({**data, "column_types": ["continuous"]})


def test_checkpoint_counters_must_be_counts(tmp_path: Path) -> None:
    model = torch.nn.Linear(2, 2)
    state = TrainingState(3, 30, model.state_dict(), {"state": {}, "param_groups": []}, {}, "cpu")
    save_checkpoint(tmp_path / "ok.safetensors", state)
    assert load_checkpoint(tmp_path / "ok.safetensors").epoch == 3
    for epoch, step in ((-1, 0), (2, -5), (2, 0)):
        save_checkpoint(tmp_path / "bad.safetensors", TrainingState(epoch, step, model.state_dict(),
                                                                   {"state": {}, "param_groups": []}, {}, "cpu"))
        with pytest.raises(VaekitError, match=f"epoch {epoch} and step {step} are not counts"):
            load_checkpoint(tmp_path / "bad.safetensors")


def test_nested_table_cells_are_refused_naming_the_column_and_row() -> None:
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0], "tags": [1, [2, 3], 4]})
    with pytest.raises(DataError, match=r"column 'tags' in the table holds list values \(first in data row 2\)"):
        table_dataset(frame)


# --- item 8: command-line details -----------------------------------------------------------------------------


def test_a_number_column_with_junk_is_refused_unless_typed_categorical() -> None:
    ages = [str(20 + i) for i in range(40)]
    ages[5], ages[30] = "?", "n/a"
    frame = pd.DataFrame({"a": np.arange(40) * 0.5, "age": ages, "colour": ["red", "blue", "green", "5"] * 10})
    with pytest.raises(DataError, match=r"'age' .* 2 non-numeric entries: '\?', 'n/a' \(first in data row 6\)"):
        table_dataset(frame)
    data = table_dataset(frame, LoadOptions(column_types="age:categorical"))
    # colour is text with one number among its values: a real categorical column, left as it is
    assert data.column_types == ["continuous", "categorical", "categorical"]
    assert len(data.column_values[1]) == 40


def test_yaml_keys_given_twice_are_refused_at_any_depth(tmp_path: Path) -> None:
    (tmp_path / "ok.yaml").write_text("model:\n  latent_dim: 3\n  hidden: [8, 8]\ntrain: {epochs: 2}\n")
    config = load_config_file(tmp_path / "ok.yaml")
    assert (config.model.latent_dim, config.model.hidden, config.train.epochs) == (3, [8, 8], 2)
    (tmp_path / "top.yaml").write_text("model:\n  latent_dim: 3\ntrain:\n  epochs: 2\nmodel:\n  hidden: 4\n")
    with pytest.raises(ConfigError, match=r"gives the key 'model' twice in one mapping \(again on line 5\)"):
        load_config_file(tmp_path / "top.yaml")


def test_column_types_are_only_for_tables(tmp_path: Path) -> None:
    np.save(tmp_path / "v.npy", np.zeros((10, 3), np.float32))
    with pytest.raises(DataError, match="column_types applies to .csv and .parquet tables only"):
        load_dataset(tmp_path / "v.npy", column_types="a:binary")


def test_counts_are_checked_and_one_row_works(digits_run: Path, tmp_path: Path) -> None:
    code, output = invoke("reconstruct", digits_run, "-n", "1", "--out", tmp_path / "r.npy")
    assert code == 0, output
    assert np.load(tmp_path / "r.npy").shape == (1, 1, 8, 8)
    code, output = invoke("interpolate", digits_run, "--steps", "1", "--out", tmp_path / "i.png")
    assert code == 2 and "error: --steps must be at least 2, got 1" in output
    code, output = invoke("evaluate", digits_run, "--batch-size", "0")
    assert code == 2 and "error: --batch-size must be at least 1, got 0" in output


def test_resume_stops_early_extends_or_refuses_and_config_keeps_its_epochs(tmp_path: Path) -> None:
    run = tmp_path / "run"
    vaekit.train(_config(train={"epochs": 1}), run, progress=False, pictures=False)
    saved = json.loads((run / "config.json").read_text())
    assert saved["data"]["fingerprint"] == data_fingerprint(load_dataset("digits"))
    # a 4-epoch run stopped after 1 (as an interruption would leave it), resumed up to 2 only
    saved["config"]["train"]["epochs"] = 4
    (run / "config.json").write_text(json.dumps(saved))
    resumed = vaekit.resume(run, epochs=2, progress=False)
    assert [row["epoch"] for row in resumed.metrics] == [1, 2]
    assert json.loads((run / "config.json").read_text())["config"]["train"]["epochs"] == 4
    with pytest.raises(VaekitError, match="trained 2 epochs already .*give more than 2"):
        vaekit.resume(run, epochs=1, progress=False)
    extended = vaekit.resume(run, epochs=5, progress=False)
    assert [row["epoch"] for row in extended.metrics] == [1, 2, 3, 4, 5]
    assert json.loads((run / "config.json").read_text())["config"]["train"]["epochs"] == 5


def test_the_fingerprint_changes_with_any_value_or_label() -> None:
    data = load_dataset("digits")
    first = data_fingerprint(data)
    assert first == data_fingerprint(load_dataset("digits")) and first.startswith("sha256:")
    data.train_x[0, 0, 0, 0] += 1 / 255
    assert data_fingerprint(data) != first
    data.train_x[0, 0, 0, 0] -= 1 / 255
    data.test_y[0] = (data.test_y[0] + 1) % 10
    assert data_fingerprint(data) != first


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_every_run_file_gets_the_mode_the_umask_gives(tmp_path: Path, umask: int) -> None:
    previous = os.umask(umask)
    try:
        vaekit.train(_config(train={"epochs": 1}), tmp_path / "run", progress=False)
    finally:
        os.umask(previous)
    modes = {path.name: path.stat().st_mode & 0o777 for path in (tmp_path / "run").iterdir() if path.is_file()}
    assert {"model.safetensors", "checkpoint.safetensors", "config.json", "metrics.csv"} <= set(modes)
    assert set(modes.values()) == {0o666 & ~umask}, modes
