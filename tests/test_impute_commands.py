"""Imputation from the command line and from scikit-learn: `vaekit impute` keeps a mixed table's columns, types,
categories, ids and observed values; `vaekit inpaint` writes its picture and arrays; VAEImputer works in a
Pipeline."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from conftest import invoke

MIXED = Path(__file__).parents[1] / "configs" / "data" / "diabetes-mixed.csv"


@pytest.fixture(scope="module")
def gappy_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("impute")
    table = pd.read_csv(MIXED).iloc[:200]
    table["visits"] = np.arange(len(table)) % 7  # an integer column with no gaps: it stays integer
    rng = np.random.default_rng(0)
    for column in [c for c in table.columns if c != "visits"]:
        table.loc[rng.random(len(table)) < 0.2, column] = np.nan
    table["s5"] = table["s5"] + 1e-9  # more digits than float32 holds: observed values come back from the file
    table.index = [f"p{i}" for i in range(len(table))]
    table.to_csv(folder / "gaps.csv")
    run = folder / "run"
    code, output = invoke("train", "--data", folder / "gaps.csv", "--missing", "model", "--latent-dim", "3",
                          "--hidden", "32", "--epochs", "3", "--out", run, "--quiet")
    assert code == 0, output
    return run, folder / "gaps.csv"


def test_impute_keeps_columns_types_categories_ids_and_observed_values(gappy_run: tuple[Path, Path],
                                                                       tmp_path: Path) -> None:
    run, data = gappy_run
    code, output = invoke("impute", run, "--data", data, "--out", tmp_path / "filled.csv", "--k", "100")
    assert code == 0, output
    # the long step said as it starts, and what to run next to see how well it filled
    assert "impute: " in output and "by importance (100 importance samples each) ..." in output
    assert f"next: vaekit impute {run} --data {data} --check 0.2" in output
    source = pd.read_csv(data, index_col=0)
    filled = pd.read_csv(tmp_path / "filled.csv", index_col=0)
    assert list(filled.columns) == list(source.columns) and list(filled.index) == list(source.index)
    assert filled.notna().all().all()
    assert filled.dtypes.equals(source.dtypes)  # visits stays int64, the categories text
    observed = source.notna()
    for column in source.columns:
        assert (filled[column][observed[column]] == source[column][observed[column]]).all(), column
    assert set(filled["sex"]) == {"female", "male"}
    assert set(filled["age_band"]) <= set(source["age_band"].dropna())
    # the same seed, the same file
    invoke("impute", run, "--data", data, "--out", tmp_path / "again.csv", "--k", "100")
    assert (tmp_path / "again.csv").read_bytes() == (tmp_path / "filled.csv").read_bytes()


def test_multiple_imputation_writes_a_draw_column(gappy_run: tuple[Path, Path], tmp_path: Path) -> None:
    run, data = gappy_run
    code, output = invoke("impute", run, "--data", data, "--out", tmp_path / "draws.csv", "--draws", "3",
                          "--method", "metropolis", "--k", "5", "--iterations", "3")
    assert code == 0, output
    draws = pd.read_csv(tmp_path / "draws.csv")
    assert list(draws["draw"]) == [0] * 200 + [1] * 200 + [2] * 200
    assert list(draws["id"][:200]) == list(draws["id"][200:400])
    source = pd.read_csv(data, index_col=0)
    gaps = source["bmi"].isna().to_numpy()
    values = draws["bmi"].to_numpy().reshape(3, 200)
    assert (values[0, gaps] != values[1, gaps]).any()  # draws differ where values are missing ...
    assert (values[:, ~gaps] == source["bmi"].to_numpy()[~gaps]).all()  # ... and agree where observed


def test_inpaint_writes_the_picture_and_arrays(digits_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "inpainted.png"
    code, output = invoke("inpaint", digits_run, "--mask", "lower-half", "-n", "6", "--out", out, "--k", "50")
    assert code == 0, output
    filled, mask = np.load(tmp_path / "inpainted.npy"), np.load(tmp_path / "inpainted-mask.npy")
    assert filled.shape == (6, 1, 8, 8) and mask.shape == (6, 1, 8, 8)
    assert mask[:, :, 4:].all() and not mask[:, :, :4].any()
    assert np.isfinite(filled).all() and ((filled >= 0) & (filled <= 1)).all()
    from PIL import Image

    assert Image.open(out).size[1] > 3 * 28  # three rows: masked inputs, inpainted, originals
    np.save(tmp_path / "mask.npy", np.eye(8, dtype=bool))
    code, output = invoke("inpaint", digits_run, "--mask", tmp_path / "mask.npy", "-n", "2", "--out",
                          tmp_path / "diag.png", "--method", "gibbs", "--k", "5", "--iterations", "2")
    assert code == 0, output
    assert np.load(tmp_path / "diag-mask.npy")[:, 0].sum() == 16


def test_vae_imputer_in_a_pipeline() -> None:
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline

    from vaekit import VAEImputer

    x, y = load_diabetes(return_X_y=True)
    x, y = x[:150], y[:150]
    gaps = x.copy()
    gaps[np.random.default_rng(0).random(x.shape) < 0.2] = np.nan
    pipeline = make_pipeline(VAEImputer(latent_dim=3, hidden=(32,), epochs=5, k=50), Ridge())
    pipeline.fit(gaps, y)
    assert np.isfinite(pipeline.predict(gaps)).all()
    filled = pipeline[0].transform(gaps)
    observed = ~np.isnan(gaps)
    # float64 as scikit-learn's imputers give it, the observed values exactly the input's (not through float32)
    assert filled.dtype == np.float64 and not np.isnan(filled).any()
    assert np.array_equal(filled[observed], gaps[observed])
    assert pipeline[0].get_params()["latent_dim"] == 3


def test_a_table_run_records_its_columns_ranges_and_impute_keeps_fill_ins_within_them(
        gappy_run: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    import vaekit.tasks.baselines.imputation_check as imputation_check
    import vaekit.tasks.imputation as imputation
    from vaekit.runs.run import Run
    from vaekit.tasks.outputs import select_data

    run, data = gappy_run
    opened = Run.open(run)
    ranges = np.array(opened.data_info["column_ranges"])
    train = select_data(opened, None, "train", missing=True).x.numpy()
    assert np.array_equal(ranges, np.stack([np.nanmin(train, 0), np.nanmax(train, 0)], 1))  # the training rows'
    impute = imputation.impute

    def astray(*args, **kwargs):  # type: ignore[no-untyped-def]  # fill-ins far outside every column's range
        filled = impute(*args, **kwargs)
        return torch.where(torch.isnan(args[1]), filled * 1000 + 1e4, filled)
    monkeypatch.setattr(imputation, "impute", astray)
    monkeypatch.setattr(imputation_check, "impute", astray)  # bound when first imported, perhaps by another test
    source = pd.read_csv(data, index_col=0)
    code, output = invoke("impute", run, "--data", data, "--out", tmp_path / "kept.npy", "--k", "20")
    assert code == 0, output
    code, output = invoke("impute", run, "--data", data, "--out", tmp_path / "astray.npy", "--k", "20",
                          "--no-keep-in-range")
    assert code == 0, output
    kept, wild = np.load(tmp_path / "kept.npy"), np.load(tmp_path / "astray.npy")
    missing = source.isna().to_numpy()
    assert (wild[missing] > 1e3).all()  # as the model filled them, unclipped
    assert np.array_equal(kept[missing], np.broadcast_to(ranges[:, 1], kept.shape)[missing])  # each at its top
    assert np.array_equal(kept[~missing], wild[~missing])  # observed values as they were
    # --check scores what impute writes: kept in range, or not
    errors = {}
    for flag in ("--keep-in-range", "--no-keep-in-range"):
        code, output = invoke("impute", run, "--data", data, "--out", tmp_path / f"{flag}.csv", "--k", "20",
                              "--check", "0.2", flag)
        assert code == 0, output
        errors[flag] = json.loads((tmp_path / f"{flag}.check.json").read_text())["vaekit"]["rmse"]
    assert errors["--keep-in-range"] < 10 < 1000 < errors["--no-keep-in-range"]


def test_column_ranges_take_in_the_rows_carved_off_for_early_stopping(tmp_path: Path) -> None:
    from vaekit import Dataset, Run, train

    x = np.random.default_rng(0).normal(size=(60, 20)).astype(np.float32)  # 40 extremes over 60 rows
    data = Dataset.from_arrays("array", x, x[:10], None, None, "vector", "an array")
    train({"data": {"source": "array"}, "model": {"latent_dim": 2, "hidden": [8]},
           "train": {"epochs": 2, "early_stopping": 2}}, tmp_path / "run", progress=False, data=data, pictures=False)
    run = Run.open(tmp_path / "run")
    assert run.data_info["n_train"] < len(x)  # early stopping carved validation rows off the training split
    ranges = np.array(run.data_info["column_ranges"], dtype=np.float32)
    assert np.array_equal(ranges, np.stack([x.min(0), x.max(0)], 1))  # every training row's range, theirs too


def test_observed_ranges_leave_a_column_with_nothing_observed_unbounded() -> None:
    from vaekit.tasks.imputation.ranges import observed_ranges

    x = torch.tensor([[1.0, float("nan"), -2.0], [3.0, float("nan"), float("nan")]])
    low, high = observed_ranges(x)
    assert low.tolist() == [1.0, -float("inf"), -2.0] and high.tolist() == [3.0, float("inf"), -2.0]
