"""The Python API as a newcomer meets it: a version, DataFrames accepted wherever arrays are and given back with
their column names and index, a one-line Run."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import torch

import vaekit
from vaekit.core.errors import VaekitError
from vaekit.tasks.imputation import impute

COLUMNS = ["alcohol", "malic acid", "ash", "magnesium"]


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    rows = np.random.default_rng(0).normal(size=(80, 4)) * [1.0, 2.0, 0.5, 10.0] + [13.0, 2.0, 2.4, 100.0]
    return pd.DataFrame(rows, columns=COLUMNS, index=np.arange(100, 180))


@pytest.fixture(scope="module")
def embedder(table: pd.DataFrame) -> vaekit.VAEEmbedder:
    return vaekit.VAEEmbedder(latent_dim=2, epochs=2, hidden=[8]).fit(table)


def test_the_package_says_its_version():
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", vaekit.__version__)
    from importlib.metadata import version

    assert vaekit.__version__ == version("vaekit")


def test_the_embedder_gives_a_dataframes_columns_back(embedder, table):
    assert list(embedder.feature_names_in_) == COLUMNS and embedder.n_features_in_ == 4
    decoded = embedder.inverse_transform(embedder.transform(table.iloc[:3]))
    assert isinstance(decoded, pd.DataFrame) and list(decoded.columns) == COLUMNS and decoded.shape == (3, 4)
    # fitted again on an array, the names are gone and arrays come back
    embedder_array = vaekit.VAEEmbedder(latent_dim=2, epochs=1, hidden=[8]).fit(table)
    embedder_array.fit(table.to_numpy())
    assert "feature_names_in_" not in vars(embedder_array)
    assert isinstance(embedder_array.inverse_transform(np.zeros((2, 2))), np.ndarray)


def test_impute_takes_a_dataframe_and_gives_one_back(embedder, table):
    gaps = table.iloc[:5].copy()
    gaps.iloc[0, 1] = gaps.iloc[3, 3] = np.nan
    filled = impute(embedder.model_, gaps, k=10)
    assert isinstance(filled, pd.DataFrame) and list(filled.columns) == COLUMNS
    assert list(filled.index) == list(gaps.index) and not filled.isna().to_numpy().any()
    observed = ~gaps.isna().to_numpy()
    assert np.array_equal(filled.to_numpy()[observed], gaps.to_numpy(dtype=np.float32)[observed])
    assert gaps.isna().to_numpy().sum() == 2  # the caller's frame is left as it was
    draws = impute(embedder.model_, gaps, k=10, draws=3)
    assert isinstance(draws, np.ndarray) and draws.shape == (3, 5, 4)


def test_scores_take_a_dataframe(embedder, table):
    from_frame = vaekit.score(embedder.model_, table.iloc[:4], kind="elbo")
    from_array = vaekit.score(embedder.model_, table.iloc[:4].to_numpy(), kind="elbo")
    assert torch.allclose(from_frame.float(), from_array.float())


def test_a_dataframe_of_text_is_refused_in_one_line(embedder):
    words = pd.DataFrame({"alcohol": ["high"] * 2, "malic acid": [1.0, 2.0], "ash": [1.0, 2.0],
                          "magnesium": [1.0, 2.0]})
    with pytest.raises(VaekitError, match="its columns alcohol do not") as caught:
        impute(embedder.model_, words)
    assert "\n" not in str(caught.value)


def test_the_imputer_fills_a_dataframe_keeping_its_index(table):
    gaps = table.copy()
    gaps.iloc[::7, 2] = np.nan
    imputer = vaekit.VAEImputer(epochs=2, hidden=(8,), k=10).fit(gaps)
    filled = imputer.transform(gaps)
    assert isinstance(filled, pd.DataFrame) and list(filled.index) == list(gaps.index)
    assert list(filled.columns) == COLUMNS and not filled.isna().to_numpy().any()
    assert list(imputer.feature_names_in_) == COLUMNS
    assert isinstance(imputer.transform(gaps.to_numpy()), np.ndarray)


def test_a_run_prints_as_one_line(tmp_path):
    run = vaekit.train({"data": {"source": "digits"}, "model": {"hidden": [8]},
                        "train": {"epochs": 1, "early_stopping": 0}}, tmp_path / "r", progress=False, pictures=False)
    assert repr(run) == f"Run({str(tmp_path / 'r')!r})" and "\n" not in str(run)


def test_other_data_with_a_split_of_its_own_is_read_as_the_runs_own(tmp_path):
    """`inpaint RUN --data fashion-mnist` filled training images while the help said the test split is the
    default: data with a split of its own give their test split unless --split says otherwise; a file without
    one is used whole."""
    from vaekit.tasks.outputs import select_data

    run = vaekit.train({"data": {"source": "digits"}, "model": {"hidden": [8]},
                        "train": {"epochs": 1, "early_stopping": 0}}, tmp_path / "r", progress=False, pictures=False)
    rng = np.random.default_rng(0)
    train, test = rng.random((30, 1, 8, 8)).astype(np.float32), rng.random((7, 1, 8, 8)).astype(np.float32)
    np.savez(tmp_path / "split.npz", x_train=train, x_test=test)
    np.save(tmp_path / "whole.npy", train)
    chosen = select_data(run, str(tmp_path / "split.npz"))
    assert chosen.split == "test" and torch.equal(chosen.x, torch.from_numpy(test))
    assert len(select_data(run, str(tmp_path / "split.npz"), "all").x) == 37
    whole = select_data(run, str(tmp_path / "whole.npy"))
    assert whole.split == "all" and len(whole.x) == 30
