"""Training on data with missing values (data.missing: model, MIWAE): NaN entries are kept, p(x|z) scores the
observed entries only, the encoder reads the mask, and the run records it so that it loads again."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from torch.distributions import Normal

import vaekit
from conftest import invoke
from vaekit.config import Config, ModelConfig
from vaekit.core.errors import DataError
from vaekit.data import load_dataset
from vaekit.model.build import build_model

MIXED = Path(__file__).parents[1] / "configs" / "data" / "diabetes-mixed.csv"


def _gappy_digits(tmp_path: Path, share: float = 0.3) -> tuple[Path, np.ndarray]:
    from sklearn.datasets import load_digits

    images = (load_digits().images[:400] / 16).astype(np.float32)
    images[np.random.default_rng(0).random(images.shape) < share] = np.nan
    np.save(tmp_path / "gaps.npy", images)
    return tmp_path / "gaps.npy", images


def _gappy_table(tmp_path: Path, share: float = 0.2) -> Path:
    table = pd.read_csv(MIXED).iloc[:300]
    rng = np.random.default_rng(1)
    table = table.mask(rng.random(table.shape) < share)
    table.index = [f"p{i}" for i in range(len(table))]  # ids that must come back
    table.to_csv(tmp_path / "gaps.csv")
    return tmp_path / "gaps.csv"


def test_observed_entries_score_the_observed_subvector() -> None:
    model = build_model(ModelConfig(latent_dim=2, hidden=[8], encoder_mask=True, standardize="on",
                                    likelihood="gaussian"), (5,), "vector")
    model.set_standardization(torch.tensor([[0.0, 1, 2, 3, 4], [2, 5, float("nan"), 1, 0], [1, 1, 1, 7, 2]]))
    assert torch.allclose(model.data_shift, torch.tensor([1.0, 7 / 3, 1.5, 11 / 3, 2]))  # NaN left out
    x = torch.tensor([[0.5, float("nan"), 2.0, float("nan"), -1.0]])
    px = model.decode(torch.randn(3, 1, 2))
    observed = [0, 2, 4]
    sub = Normal(px.mean[..., observed], px.stddev[..., observed]).log_prob(x[..., observed]).sum(-1)
    assert torch.allclose(px.log_prob(x), sub, atol=1e-5)
    complete = torch.tensor([[0.5, 1.0, 2.0, 3.0, -1.0]])
    assert torch.allclose(px.log_prob(complete), px.base.log_prob(complete), atol=1e-5)
    # the encoder reads the inputs beside the mask: width doubled, missing entries at 0
    assert model.encoder.layers[0].in_features == 10
    assert torch.isfinite(model.encode(x).mean).all()


def test_mixed_table_scores_observed_columns_and_masks_one_hot_inputs(tmp_path: Path) -> None:
    data = load_dataset(_gappy_table(tmp_path), missing=True)
    schema = (data.column_types, data.column_values)
    model = build_model(ModelConfig(latent_dim=2, hidden=[8], encoder_mask=True), data.shape, "vector", schema=schema)
    model.likelihood.fit_data(data.train_x)
    assert torch.isfinite(model.likelihood.shift).all()
    x = data.train_x[:4]
    px = model.decode(torch.randn(4, 2))
    per_column = px.base.entry_log_prob(torch.nan_to_num(x))
    expected = torch.where(torch.isnan(x), 0.0, per_column).sum(-1)
    assert torch.allclose(px.log_prob(x), expected)
    inputs = model._with_mask(x)
    assert inputs.shape[-1] == model.likelihood.input_width + x.shape[-1]
    column = data.column_types.index("categorical")
    row = int(torch.isnan(data.train_x[:, column]).nonzero()[0])  # a row whose category is missing
    inputs = model._with_mask(data.train_x[row:row + 1])[0, :model.likelihood.input_width]
    mask = model.likelihood.input_mask(~torch.isnan(data.train_x[row]))
    assert int((~mask).sum()) >= 2 and float(inputs[~mask].abs().sum()) == 0  # its one-hot block all 0, not code 0


def test_training_with_nan_images_records_the_mask_and_loads_again(tmp_path: Path) -> None:
    path, images = _gappy_digits(tmp_path)
    run = tmp_path / "run"
    code, output = invoke("train", "--data", path, "--missing", "model", "--latent-dim", "4", "--hidden", "32",
                          "--epochs", "2", "--objective", "iwae", "--iw-samples", "3", "--out", run, "--quiet")
    assert code == 0, output
    saved = json.loads((run / "config.json").read_text())["config"]
    assert saved["data"]["missing"] == "model" and saved["model"]["encoder_mask"] is True
    metrics = pd.read_csv(run / "metrics.csv")
    assert np.isfinite(metrics["train_loss"]).all() and np.isfinite(metrics["val_neg_elbo"]).all()
    model = vaekit.load(run)
    assert model.encoder_mask and model.encoder.layers[0].in_features == 2 * 64
    elbo = model.elbo(torch.from_numpy(images[:10, None])).negative_elbo
    assert torch.isfinite(elbo).all()
    # fewer observed entries, fewer nats: the likelihood leaves the missing ones out
    more_gaps = torch.from_numpy(images[:10, None]).clone()
    more_gaps[:, :, :4] = float("nan")
    torch.manual_seed(0)
    assert float(model.elbo(more_gaps).distortion.mean()) < float(elbo.mean())


def test_conv_network_reads_the_mask_as_channels() -> None:
    model = build_model(ModelConfig(latent_dim=2, network="conv", conv_channels=[4, 8], encoder_mask=True),
                        (1, 28, 28), "image")
    assert model.encoder.layers[0].in_channels == 2
    x = torch.rand(3, 1, 28, 28)
    x[:, :, 14:] = float("nan")
    assert torch.isfinite(model.elbo(x).negative_elbo).all()


def test_training_on_a_gappy_mixed_table(tmp_path: Path) -> None:
    config = Config.from_dict({"data": {"source": str(_gappy_table(tmp_path)), "missing": "model"},
                               "model": {"latent_dim": 2, "hidden": [16]}, "train": {"epochs": 2}})
    run = vaekit.train(config, tmp_path / "run", progress=False, pictures=False)
    assert np.isfinite(run.metrics[-1]["val_neg_elbo"])


def test_nan_refused_by_default_naming_the_setting(tmp_path: Path) -> None:
    path, _ = _gappy_digits(tmp_path)
    with pytest.raises(DataError, match="--missing model"):
        load_dataset(path)
    with pytest.raises(DataError, match=r"missing values.*--missing model"):
        load_dataset(_gappy_table(tmp_path))


def test_a_row_or_column_with_every_value_missing_is_named(tmp_path: Path) -> None:
    table = pd.read_csv(MIXED).iloc[:50]
    table.loc[7] = np.nan
    table.to_csv(tmp_path / "row.csv", index=False)
    with pytest.raises(DataError, match="data row 8"):
        load_dataset(tmp_path / "row.csv", missing=True)
    table = pd.read_csv(MIXED).iloc[:50]
    table["bmi"] = np.nan
    table.to_csv(tmp_path / "column.csv", index=False)
    with pytest.raises(DataError, match="column 'bmi'"):
        load_dataset(tmp_path / "column.csv", missing=True, column_types="bmi:continuous")


def test_missing_pixels_are_drawn_red_in_picture_grids() -> None:
    """A gap must not pass for a black pixel (nor reach TensorBoard's uint8 cast as NaN)."""
    import warnings

    from vaekit.plots.grid import image_grid

    images = torch.full((2, 1, 4, 4), 0.5)
    images[0, 0, 1, 2] = float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        grid = image_grid(images, ncol=2, min_side=4)
    assert np.isfinite(grid).all()
    assert grid[1 + 1, 1 + 2].tolist() == [1.0, 0.0, 0.0]          # the missing pixel of the first tile
    assert grid[1 + 1, 1 + 4 + 1 + 2].tolist() == [0.5, 0.5, 0.5]  # the same place in the second tile
