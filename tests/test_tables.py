"""Tables in their own units: the model standardizes inside and reports densities and samples in the data's units."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
import torch
from sklearn.datasets import load_wine
from torch.distributions import Independent, Normal

from conftest import invoke
from vaekit.likelihoods.affine import AffineDistribution


def test_affine_likelihood_adds_the_jacobian_and_maps_the_mean() -> None:
    base = Independent(Normal(torch.zeros(2, 3), torch.ones(2, 3)), 1)
    shift, scale = torch.tensor([10.0, -1.0, 0.0]), torch.tensor([100.0, 2.0, 0.5])
    px = AffineDistribution(base, shift, scale)
    x = torch.tensor([[110.0, 1.0, 0.5], [10.0, -1.0, 0.0]])
    expected = base.log_prob((x - shift) / scale) - torch.log(scale).sum()
    torch.testing.assert_close(px.log_prob(x), expected)
    torch.testing.assert_close(px.mean, shift.expand(2, 3))
    torch.testing.assert_close(px.stddev, scale.expand(2, 3))


@pytest.fixture(scope="module")
def wine_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    frame = load_wine(as_frame=True).frame
    frame["target"] = frame["target"].map({0: "barolo", 1: "grignolino", 2: "barbera"})
    path = tmp_path_factory.mktemp("tables") / "wine.csv"
    frame.to_csv(path, index=False)
    return path


def test_a_csv_table_trains_and_samples_in_its_own_units(wine_csv: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    code, output = invoke("train", "--data", wine_csv, "--label-column", "target", "--latent-dim", "2",
                          "--hidden", "32", "--epochs", "40", "--batch-size", "32", "--out", run, "--quiet")
    assert code == 0, output
    final = float(output.split("validation -ELBO ")[1].split()[0])
    assert final < 40  # standardized: tens of nats over 13 columns, not the 1e5 of raw proline values
    code, output = invoke("sample", run, "-n", "500", "--out", tmp_path / "samples.csv")
    assert code == 0, output
    real = pd.read_csv(wine_csv).drop(columns="target")
    samples = pd.read_csv(tmp_path / "samples.csv")
    assert list(samples.columns) == list(real.columns)
    # each column's sample mean lies within half a standard deviation of the real column's mean
    for column in real.columns:
        assert abs(samples[column].mean() - real[column].mean()) < 0.5 * real[column].std(), column
    assert math.isclose(samples["proline"].mean(), real["proline"].mean(), rel_tol=0.25)
