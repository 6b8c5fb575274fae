"""Disentanglement: the procedural sprites and their factors, dSprites' file format, and the four metrics on
hand-made codes whose answer is known (a perfect code scores 1, codes that ignore the factors about 0)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

import vaekit
from vaekit.core.errors import DataError, VaekitError
from vaekit.data.image.dsprites import FILE, KEYS
from vaekit.data.image.sprites import FACTOR_NAMES, render_sprites, sample_factors
from vaekit.tasks.evaluation.disentanglement import (
    _dci_disentanglement,
    dci,
    disentanglement_scores,
    factor_vae_score,
    mig,
    sap,
)
from vaekit.tasks.outputs import embed

N = 4000


@pytest.fixture(scope="module")
def factors() -> np.ndarray:
    return sample_factors(N, seed=0)


def perfect_codes(factors: np.ndarray) -> np.ndarray:
    """Each factor in its own dimension, permuted, rescaled (one sign flipped), beside 2 dimensions of noise."""
    rng = np.random.default_rng(1)
    return np.concatenate([factors[:, [3, 0, 4, 1, 2]] * np.array([2.0, -3.0, 0.5, 7.0, 1.5]),
                           rng.normal(size=(len(factors), 2))], axis=1)


def test_a_perfect_code_scores_one(factors: np.ndarray) -> None:
    scores = disentanglement_scores(perfect_codes(factors), factors)
    assert scores["mig"] > 0.97
    assert scores["factor_vae_score"] == 1.0
    assert scores["dci_disentanglement"] > 0.99 and scores["dci_completeness"] > 0.99
    assert scores["dci_informativeness"] > 0.99
    assert scores["sap"] > 0.99


def test_mig_is_one_when_factors_fit_in_the_bins() -> None:
    # 3, 6 and 10 evenly spaced values: each in its own bin, so I(z_k; v_k) = H(v_k) exactly and the others ~ 0
    rng = np.random.default_rng(0)
    factors = np.stack([rng.integers(3, size=20_000), rng.integers(6, size=20_000), rng.integers(10, size=20_000)], 1)
    assert mig(factors[:, ::-1] * 1.0, factors) == pytest.approx(1.0, abs=2e-3)


def test_codes_that_ignore_the_factors_score_about_zero(factors: np.ndarray) -> None:
    noise = np.random.default_rng(2).normal(size=(N, 8))
    scores = disentanglement_scores(noise, factors)
    assert scores["mig"] < 0.01 and scores["sap"] < 0.01
    assert scores["dci_disentanglement"] < 0.05 and scores["dci_informativeness"] < 0.02
    assert scores["factor_vae_score"] < 0.4  # chance is 1/5, and a majority vote over noise does a little better


def test_a_rotated_code_scores_between(factors: np.ndarray) -> None:
    # the same information, mixed across dimensions by a rotation: informative, but not disentangled
    rotation, _ = np.linalg.qr(np.random.default_rng(3).normal(size=(5, 5)))
    codes = (factors - factors.mean(0)) / factors.std(0) @ rotation
    result = dci(codes, factors)
    assert result["informativeness"] > 0.9
    assert 0.1 < result["disentanglement"] < 0.8
    assert 0.05 < mig(codes, factors) < 0.6


def test_dci_disentanglement_by_hand() -> None:
    # code 0 explains factor 0 alone (D_0 = 1); code 1 spreads evenly over both factors (D_1 = 0); weights 3:1
    importance = np.array([[3.0, 0.0], [0.5, 0.5]])
    assert _dci_disentanglement(importance) == pytest.approx(0.75)
    assert _dci_disentanglement(np.eye(3)) == pytest.approx(1.0)
    assert _dci_disentanglement(np.ones((3, 3))) == pytest.approx(0.0)


def test_sap_of_two_codes_of_one_factor_is_zero(factors: np.ndarray) -> None:
    # both codes predict the position equally well: no separation
    codes = np.stack([factors[:, 3], factors[:, 3] * 2.0], 1)
    assert sap(codes, factors[:, 3:4]) == pytest.approx(0.0, abs=1e-9)


def test_metrics_are_seeded(factors: np.ndarray) -> None:
    codes = perfect_codes(factors) + np.random.default_rng(5).normal(scale=3.0, size=(N, 7))
    assert factor_vae_score(codes, factors, seed=4) == factor_vae_score(codes, factors, seed=4)
    assert dci(codes, factors, seed=4) == dci(codes, factors, seed=4)


def test_constant_factors_are_left_out(factors: np.ndarray) -> None:
    with_colour = np.concatenate([np.ones((N, 1)), factors], axis=1)  # dSprites' colour never varies
    assert mig(perfect_codes(factors), with_colour) == mig(perfect_codes(factors), factors)


def test_metrics_refuse_mismatched_inputs(factors: np.ndarray) -> None:
    with pytest.raises(VaekitError, match="same examples"):
        mig(np.zeros((10, 2)), factors)
    # a collapsed code (no active dimension) is scored, at about chance (1/5)
    assert factor_vae_score(np.zeros((N, 3)), factors) < 0.35


def test_sprites_render_their_factors() -> None:
    factors = np.array([[0, 1.0, 0.0, 0.5, 0.5],     # a square in the middle, unrotated
                        [0, 1.0, np.pi / 4, 0.5, 0.5],  # the same square turned by 45 degrees
                        [2, 0.5, 0.0, 0.0, 1.0]])  # a small heart at the left bottom
    images = render_sprites(factors, size=64)
    assert images.shape == (3, 1, 64, 64) and set(np.unique(images)) == {0.0, 1.0}
    # the square's side is 2 * 0.8 * 0.18 * 64 = 18.4 pixels: 18 x 18 pixel centres inside
    assert images[0].sum() == 18 * 18
    assert images[1].sum() == pytest.approx((2 * 0.8 * 0.18 * 64) ** 2, rel=0.1)  # a rotation keeps the area
    assert not np.array_equal(images[0], images[1])
    rows, cols = np.nonzero(images[2, 0])
    assert cols.mean() < 20 and rows.mean() > 44  # x = 0 is the left, y = 1 the bottom


def test_sprites_source_carries_factors_in_order() -> None:
    data = vaekit.load_dataset("sprites:n=300,size=16,seed=2", test_fraction=0.2, seed=1)
    assert data.summary() == "sprites:n=300,size=16,seed=2: 240 train / 60 test, image (1, 16, 16), 3 classes"
    assert data.factor_names == FACTOR_NAMES and data.has_factors
    x, y, ids = data.examples("all")
    factors = data.factors("all")
    expected = sample_factors(300, seed=2)
    assert np.allclose(factors.numpy(), expected)  # the source's order, whatever the split
    assert torch.equal(x, torch.from_numpy(render_sprites(expected, 16)))
    assert torch.equal(y, torch.from_numpy(expected[:, 0].astype(np.int64)))
    assert torch.equal(data.factors("test"), factors[torch.from_numpy(data.rows()[1])])
    again = vaekit.load_dataset("sprites:n=300,size=16,seed=2", test_fraction=0.2, seed=1)
    assert torch.equal(again.train_x, data.train_x)


def test_sprites_settings_are_checked() -> None:
    with pytest.raises(DataError, match="keys among: n=10000, size=64, seed=0"):
        vaekit.load_dataset("sprites:count=5")
    with pytest.raises(DataError, match="size must be an integer"):
        vaekit.load_dataset("sprites:size=big")
    with pytest.raises(DataError, match="takes no settings"):
        vaekit.load_dataset("digits:n=5")
    with pytest.raises(DataError, match="carries no generative factors"):
        vaekit.load_dataset("digits").factors("test")


def write_fake_dsprites(path, n: int = 50) -> np.ndarray:
    """A file with dSprites' arrays (and a pickled metadata entry, as the real one has) of n examples."""
    factors = sample_factors(n, seed=7)
    classes = np.zeros((n, 6), dtype=np.int64)
    classes[:, 1] = factors[:, 0]
    values = np.concatenate([np.ones((n, 1)), factors], axis=1)
    values[:, 1] += 1  # dSprites numbers its shapes 1, 2, 3
    images = render_sprites(factors, 64)[:, 0].astype(np.uint8)
    np.savez(path, imgs=images, latents_values=values, latents_classes=classes,
             metadata=np.array([{"date": "April 2017"}], dtype=object))
    return factors


def test_dsprites_file_by_path_and_by_name(tmp_path) -> None:
    folder = tmp_path / "dsprites"
    folder.mkdir()
    factors = write_fake_dsprites(folder / FILE)
    data = vaekit.load_dataset(folder / FILE)  # by its path: the pickled metadata is never read
    assert data.factor_names == FACTOR_NAMES and len(data.factors("all")) == 50
    assert np.allclose(data.factors("all").numpy(), factors)
    subset = vaekit.load_dataset("dsprites:n=20,seed=3", data_dir=str(tmp_path))
    assert len(subset.examples("all")[0]) == 20
    rows = np.sort(np.random.default_rng(3).choice(50, size=20, replace=False))
    assert np.allclose(subset.factors("all").numpy(), factors[rows])
    assert set(KEYS) <= set(np.load(folder / FILE, allow_pickle=True).files)


def test_dsprites_missing_is_not_downloaded(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr("vaekit.data.common.locate.SYSTEM_DATA_DIR", tmp_path / "none")
    monkeypatch.delenv("VAEKIT_DATA", raising=False)
    with pytest.raises(DataError, match="vaekit does not download it"):
        vaekit.load_dataset("dsprites", data_dir=str(tmp_path))


def test_evaluate_reports_the_metrics_for_data_with_factors(tmp_path) -> None:
    from click.testing import CliRunner

    from vaekit.cli import main

    config = {"data": {"source": "sprites:n=400,size=16"}, "model": {"latent_dim": 3, "hidden": [32]},
              "train": {"epochs": 1, "batch_size": 50}}
    vaekit.train(config, tmp_path / "run", progress=False, pictures=False)
    result = CliRunner().invoke(main, ["evaluate", str(tmp_path / "run"), "--k", "2"])
    assert result.exit_code == 0, result.output
    evaluation = json.loads((tmp_path / "run" / "evaluation.json").read_text())
    model = vaekit.load(tmp_path / "run")
    data = vaekit.load_dataset("sprites:n=400,size=16")
    codes = embed(model, data.test_x).numpy()
    expected = disentanglement_scores(codes, data.factors("test").numpy(), seed=0)
    gaps = expected.pop("mig_per_factor")
    assert {key: evaluation[key] for key in expected} == pytest.approx(expected)
    assert evaluation["mig_per_factor"] == pytest.approx(gaps) and np.mean(gaps) == pytest.approx(expected["mig"])
    assert evaluation["factor_names"] == FACTOR_NAMES
    assert "MIG" in result.output and "FactorVAE score" in result.output
    compared = CliRunner().invoke(main, ["compare", str(tmp_path / "run")])
    assert f"{evaluation['mig']:.4g}" in compared.output.split("MIG")[1].splitlines()[0]
    off = CliRunner().invoke(main, ["evaluate", str(tmp_path / "run"), "--k", "2", "--disentanglement", "off",
                                    "--out", str(tmp_path / "off.json")])
    assert off.exit_code == 0 and "mig" not in json.loads((tmp_path / "off.json").read_text())
