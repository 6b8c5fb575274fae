"""Mixed-type tables: column types inferred and overridden, the per-column likelihood against scipy, and a
table in, a table with the same columns and types out, from the command line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from scipy import stats

from conftest import invoke
from vaekit.core.errors import DataError
from vaekit.data import load_dataset
from vaekit.likelihoods.mixed import MixedLikelihood


@pytest.fixture
def table(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    n = 300
    group = rng.choice(["red", "green", "blue"], n)
    frame = pd.DataFrame({
        "height": rng.normal(170, 10, n) + (group == "red") * 15,   # depends on the colour
        "smoker": rng.random(n) < 0.3,                               # boolean
        "colour": group,                                             # text, 3 values
        "children": rng.integers(0, 4, n),                           # integer, 4 values
        "visits": rng.poisson(30, n),                                # integer, many values
        "sex": rng.choice(["f", "m"], n),                            # text, 2 values
    })
    path = tmp_path / "people.csv"
    frame.to_csv(path, index=False)
    return path


def test_column_types_are_inferred_and_can_be_overridden(table: Path) -> None:
    data = load_dataset(str(table), column_types="children:categorical")
    assert data.column_types == ["continuous", "binary", "categorical", "categorical", "continuous", "binary"]
    assert data.column_values[2] == ["blue", "green", "red"] and data.column_values[5] == ["f", "m"]
    assert data.column_values[1] == [False, True] and data.column_values[3] == [0, 1, 2, 3]
    codes = torch.cat([data.train_x, data.test_x])[:, 2]
    assert set(codes.unique().tolist()) == {0.0, 1.0, 2.0}
    data = load_dataset(str(table), column_types="visits:categorical")
    assert data.column_types[3] == "continuous" and data.column_types[4] == "categorical"  # integers: numbers
    with pytest.raises(DataError, match="cannot be binary"):
        load_dataset(str(table), column_types="colour:binary")
    with pytest.raises(DataError, match="not a column"):
        load_dataset(str(table), column_types="weight:continuous")
    with pytest.raises(DataError, match="cannot be continuous"):
        load_dataset(str(table), column_types="colour:continuous")


def test_mixed_log_prob_is_the_sum_of_each_columns_log_prob() -> None:
    likelihood = MixedLikelihood(["continuous", "binary", "categorical"], [None, ["n", "y"], ["a", "b", "c"]])
    with torch.no_grad():
        likelihood.shift.fill_(10.0)
        likelihood.scale.fill_(2.0)
        likelihood.log_scale.fill_(np.log(0.5))
    params = torch.randn(4, 3, 3, generator=torch.Generator().manual_seed(0))
    x = torch.tensor([[11.0, 1.0, 2.0], [9.0, 0.0, 0.0], [10.0, 1.0, 1.0], [14.0, 0.0, 2.0]])
    px = likelihood(params)
    mean, sd = 10 + 2 * params[:, 0, 0], 2 * 0.5
    p_yes = torch.sigmoid(params[:, 0, 1])
    log_softmax = torch.log_softmax(params[:, :, 2], dim=-1)
    expected = (stats.norm.logpdf(x[:, 0], mean, sd)
                + stats.bernoulli.logpmf(x[:, 1], p_yes)
                + log_softmax[torch.arange(4), x[:, 2].long()].numpy())
    np.testing.assert_allclose(px.log_prob(x).detach().numpy(), expected, rtol=1e-5)
    assert px.log_prob(x.expand(5, 4, 3)).shape == (5, 4)
    draws = px.sample()
    assert draws.shape == (4, 3) and set(draws[:, 1].tolist()) <= {0.0, 1.0}
    assert set(draws[:, 2].tolist()) <= {0.0, 1.0, 2.0}
    torch.testing.assert_close(px.mean[:, 2], params[:, :, 2].argmax(-1).float())


def test_a_mixed_table_trains_and_samples_the_same_columns_and_types(table: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    code, output = invoke("train", "--data", table, "--column-types", "children:categorical", "--latent-dim", "2",
                          "--hidden", "32", "--epochs", "30",
                          "--batch-size", "32", "--out", run, "--quiet")
    assert code == 0, output
    code, output = invoke("sample", run, "-n", "600", "--draw", "--out", tmp_path / "samples.csv")
    assert code == 0, output
    real, samples = pd.read_csv(table), pd.read_csv(tmp_path / "samples.csv")
    assert list(samples.columns) == list(real.columns)
    assert set(samples["colour"]) <= {"red", "green", "blue"} and set(samples["sex"]) <= {"f", "m"}
    assert samples["smoker"].dtype == bool and set(samples["children"]) <= {0, 1, 2, 3}
    # the marginals are learned: category frequencies within 0.1, continuous means within half a sd
    for column in ("colour", "sex", "smoker"):
        frequencies = real[column].value_counts(normalize=True)
        drawn = samples[column].value_counts(normalize=True).reindex(frequencies.index, fill_value=0)
        assert (frequencies - drawn).abs().max() < 0.1, column
    for column in ("height", "visits"):
        assert abs(samples[column].mean() - real[column].mean()) < 0.5 * real[column].std(), column
    code, output = invoke("evaluate", run, "--k", "10")
    assert code == 0 and "mixed table" in output, output


def test_a_dataframe_becomes_a_typed_dataset_and_trains(table: Path, tmp_path: Path) -> None:
    import vaekit
    from vaekit.data import LoadOptions, table_dataset

    frame = pd.read_csv(table)
    data = table_dataset(frame, LoadOptions(label_column="sex"))
    assert data.class_names == ["f", "m"] and data.columns == ["height", "smoker", "colour", "children", "visits"]
    assert data.column_types == ["continuous", "binary", "categorical", "continuous", "continuous"]
    run = vaekit.train({"model": {"latent_dim": 2, "hidden": [16]}, "train": {"epochs": 2}}, tmp_path / "run",
                       data=data, progress=False, pictures=False)
    assert run.config.model.likelihood == "mixed" and type(run.model.likelihood).__name__ == "MixedLikelihood"
    assert vaekit.load(tmp_path / "run").likelihood.types == data.column_types


def test_codes_keep_their_meaning_on_other_files_and_old_runs_read_numbers_only(table: Path, tmp_path: Path) -> None:
    import json

    run = tmp_path / "run"
    assert invoke("train", "--data", table, "--hidden", "16", "--epochs", "1", "--out", run, "--quiet")[0] == 0
    blue_less = tmp_path / "no-blue.csv"
    frame = pd.read_csv(table)
    frame[frame["colour"] != "blue"].to_csv(blue_less, index=False)
    from vaekit.tasks.outputs import run_data

    _, x, _ = run_data(run, str(blue_less), "all")
    codes = x[:, 2].unique().tolist()
    assert sorted(codes) == [1.0, 2.0]  # green and red keep codes 1 and 2 of the run's blue, green, red
    frame.assign(colour=["purple", "red"] * (len(frame) // 2)).to_csv(tmp_path / "purple.csv", index=False)
    code, output = invoke("reconstruct", run, "--data", tmp_path / "purple.csv", "--out", tmp_path / "r.csv")
    assert code == 2 and "values the run never saw: ['purple']" in output

    # a run written before typed tables modelled the numeric columns only, uncoded; it still loads and evaluates
    numeric = tmp_path / "numbers.csv"
    frame[["height", "visits"]].assign(flag=[1, 2] * (len(frame) // 2)).to_csv(numeric, index=False)
    old = tmp_path / "old"
    assert invoke("train", "--data", numeric, "--likelihood", "gaussian", "--hidden", "16", "--epochs", "1",
                  "--out", old, "--quiet")[0] == 0
    saved = json.loads((old / "config.json").read_text())
    for key in ("column_types", "column_values", "num_classes", "fingerprint"):  # none of these existed then
        saved["data"].pop(key)
    saved.pop("fingerprints")  # nor did the fingerprints of the run's files
    (old / "config.json").write_text(json.dumps(saved))
    frame[["height", "visits"]].assign(flag=[1, 2] * (len(frame) // 2), note="x").to_csv(numeric, index=False)
    _, x, _ = run_data(old, None, "all")
    assert x.shape[1] == 3 and set(x[:, 2].tolist()) == {1.0, 2.0}  # the text column is left out, 1/2 stay 1/2
    assert invoke("evaluate", old, "--k", "2")[0] == 0


def test_bad_table_settings_are_refused(tmp_path: Path) -> None:
    # (a first column named id would be read as the rows' ids: the refusal is of any other text column)
    ids = pd.DataFrame({"name": [f"row{i}" for i in range(150)], "x": np.arange(150.0)})
    ids.to_csv(tmp_path / "ids.csv", index=False)
    with pytest.raises(DataError, match="too many for a categorical column"):
        load_dataset(str(tmp_path / "ids.csv"))
    code, output = invoke("train", "--likelihood", "categorical", "--epochs", "1", "--out", tmp_path / "r",
                          "--quiet")
    assert code == 2 and "models 8-bit pixels" in output and "17 levels" in output
    assert not (tmp_path / "r").exists()
