"""Score maps: each entry's share of a score, checked against the scores themselves and against rows whose
anomalous entry is known; `vaekit score --map`'s files and pictures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

import vaekit
from conftest import invoke
from vaekit.tasks.evaluation import importance_weighted_bound
from vaekit.tasks.scoring import score_many
from vaekit.tasks.scoring.maps import map_kinds, score_map


@pytest.fixture(scope="module")
def digits(digits_run: Path) -> tuple[vaekit.VAE, torch.Tensor]:
    return vaekit.load(digits_run), vaekit.load_dataset("digits").test_x[:30]


def test_an_elbo_map_sums_to_the_distortion_of_the_same_draws(digits) -> None:
    model, x = digits
    maps = score_map(model, x, "elbo", samples=3, seed=4)
    assert maps.shape == (30, 8, 8) and maps.dtype == torch.float64
    distortion = importance_weighted_bound(model, x, k=3, seed=4).distortion
    torch.testing.assert_close(maps.sum((1, 2)), distortion, rtol=1e-5, atol=1e-4)


def test_an_iw_map_of_one_draw_is_the_elbo_map_of_one_draw(digits) -> None:
    model, x = digits
    torch.testing.assert_close(score_map(model, x, "iw", k=1, seed=2), score_map(model, x, "elbo", seed=2))
    many = score_map(model, x, "iw", k=40, seed=2)
    assert not torch.allclose(many, score_map(model, x, "iw", k=1, seed=2))
    # chunks change nothing: each example's draws are its own
    torch.testing.assert_close(score_map(model, x, "iw", k=40, seed=2, batch_size=7), many, rtol=1e-5, atol=1e-6)


def test_a_reconstruction_map_sums_to_the_reconstruction_score(digits) -> None:
    model, x = digits
    maps = score_map(model, x, "reconstruction")
    torch.testing.assert_close(maps.sum((1, 2)), score_many(model, x, ["reconstruction"])["reconstruction"])
    recon = model.decode(model.encode(x).mean).mean.detach()
    torch.testing.assert_close(maps, (x - recon).pow(2)[:, 0].double(), rtol=1e-5, atol=1e-6)


def test_the_map_finds_the_corrupted_cell_of_a_table(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    base = rng.normal(size=(400, 1))
    # five columns that move together (in very different units), so a cell can be odd in its row alone
    rows = np.hstack([base * s + rng.normal(scale=0.1 * s, size=(400, 1)) for s in (1, 10, 100, 0.5, 1000)])
    frame = pd.DataFrame(rows, columns=list("abcde"))
    frame.to_csv(tmp_path / "t.csv", index=False)
    run = vaekit.train({"data": {"source": str(tmp_path / "t.csv")}, "model": {"latent_dim": 1, "hidden": [32]},
                        "train": {"epochs": 60, "seed": 0}}, tmp_path / "run", progress=False, pictures=False)
    model = run.model
    clean = torch.tensor(rows[:40], dtype=torch.float32)
    odd = clean.clone()
    column = torch.arange(40) % 5
    scale = torch.tensor([1, 10, 100, 0.5, 1000.0])
    odd[torch.arange(40), column] += 3 * scale[column]  # 3 sd off the row's own level, in that column's units
    maps = score_map(model, odd, "iw", k=20)
    assert maps.shape == (40, 5)
    found = maps.argmax(1)
    assert float((found == column).float().mean()) >= 0.9, (found, column)
    # the units of a column do not make it look anomalous in clean rows: each column tops some clean rows' maps
    assert set(score_map(model, clean, "iw", k=20).argmax(1).tolist()) >= {0, 1, 2, 3, 4} - {2}


def test_score_map_cli_writes_image_maps_and_a_picture(digits_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "s.csv"
    code, output = invoke("score", digits_run, "--kind", "iw,rate,reconstruction", "--map", "--k", "5",
                          "--out", out)
    assert code == 2 and "the rate score is a number of the whole example" in output
    assert not out.exists()  # refused before any work
    code, output = invoke("score", digits_run, "--kind", "iw", "--map", "--k", "5", "--out", out)
    assert code == 0, output
    maps = np.load(tmp_path / "s-map-iw.npy")
    ids = np.load(tmp_path / "s-map-iw-ids.npy")
    assert maps.shape == (len(ids), 8, 8) and len(ids) == len(pd.read_csv(out))
    assert (tmp_path / "s-map-iw.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    model = vaekit.load(digits_run)
    test_x = vaekit.load_dataset("digits").test_x
    np.testing.assert_allclose(maps[:5], score_map(model, test_x[:5], "iw", k=5).numpy(), rtol=1e-5, atol=1e-6)


def test_score_map_cli_writes_a_table_map_by_column(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    pd.DataFrame(rng.normal(size=(120, 3)), columns=["height", "width", "depth"]).to_csv(tmp_path / "t.csv",
                                                                                         index=False)
    code, output = invoke("train", "--data", tmp_path / "t.csv", "--epochs", "2", "--latent-dim", "2",
                          "--out", tmp_path / "run", "--quiet")
    assert code == 0, output
    code, output = invoke("score", tmp_path / "run", "--map", "--k", "4")
    assert code == 0, output
    table = pd.read_csv(tmp_path / "run" / "scores-map-iw.csv")
    assert list(table.columns) == ["id", "height", "width", "depth"]
    assert len(table) == len(pd.read_csv(tmp_path / "run" / "scores.csv"))
    for kind in map_kinds(vaekit.load(tmp_path / "run")):  # every kind that maps, each with its ranking picture
        assert (tmp_path / "run" / f"scores-map-{kind}.png").is_file()


def test_a_series_map_has_one_value_per_real_step(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    values = np.sin(np.linspace(0, 6, 16))[None, :, None] + rng.normal(scale=0.1, size=(40, 16, 1))
    values[::2, 12:] = np.nan  # half the series end at step 12
    np.save(tmp_path / "w.npy", values.astype(np.float32))
    run = vaekit.train({"data": {"source": f"series:path={tmp_path / 'w.npy'}"},
                        "model": {"latent_dim": 2, "rnn_hidden": 8, "network": "conv1d", "conv_channels": [4, 4]},
                        "train": {"epochs": 1}}, tmp_path / "run", progress=False, pictures=False)
    from vaekit.data.series.reader import padded_series

    x = torch.from_numpy(padded_series(values.astype(np.float32), "w.npy"))
    maps = score_map(run.model, x, "elbo", seed=1)
    assert maps.shape == x.shape[:2]
    assert bool((torch.isnan(maps) == (x[..., -1] < 0.5)).all())  # NaN exactly on the padding
    distortion = importance_weighted_bound(run.model, x, k=1, seed=1).distortion
    torch.testing.assert_close(maps.nansum(1), distortion, rtol=1e-5, atol=1e-4)


def test_the_detector_maps_each_rows_columns() -> None:
    rng = np.random.default_rng(3)
    base = rng.normal(size=(300, 1))
    rows = np.hstack([base * s + rng.normal(scale=0.1 * s, size=(300, 1)) for s in (1, 50, 0.2, 7)])
    detector = vaekit.VAEAnomalyDetector(latent_dim=1, hidden=(32,), epochs=60, k=20).fit(rows.astype(np.float32))
    odd = rows[:20].copy()
    column = np.arange(20) % 4
    odd[np.arange(20), column] += 4 * np.array([1, 50, 0.2, 7])[column]
    maps = detector.score_map(odd.astype(np.float32))
    assert maps.shape == (20, 4)
    assert (maps.argmax(1) == column).mean() >= 0.9
    np.testing.assert_allclose(detector.score_map(odd[:3].astype(np.float32), kind="reconstruction").sum(1),
                               score_many(detector.model_, torch.from_numpy(odd[:3].astype(np.float32)),
                                          ["reconstruction"])["reconstruction"].numpy(), rtol=1e-5)


def test_a_mixed_tables_map_leaves_out_each_columns_units(tmp_path: Path) -> None:
    from vaekit.likelihoods.observed import entry_log_prob, unit_free_entry_log_prob

    rng = np.random.default_rng(0)
    base = rng.normal(size=300)
    frame = pd.DataFrame({"small": base + rng.normal(scale=0.1, size=300),
                          "large": 1000 * base + rng.normal(scale=100, size=300),
                          "kind": np.where(base > 0, "up", "down")})
    frame.to_csv(tmp_path / "t.csv", index=False)
    run = vaekit.train({"data": {"source": str(tmp_path / "t.csv")}, "model": {"latent_dim": 1, "hidden": [16]},
                        "train": {"epochs": 3}}, tmp_path / "run", progress=False, pictures=False)
    model = run.model
    x = torch.tensor(frame.assign(kind=(frame.kind == "up").astype(float)).to_numpy()[:10], dtype=torch.float32)
    px = model.decode(model.encode(x).mean)
    scale = torch.tensor(model.likelihood.scale, dtype=torch.float64)  # the number columns' sd
    gap = (unit_free_entry_log_prob(px, x) - entry_log_prob(px, x)).double()
    torch.testing.assert_close(gap[:, :2], scale.log().expand(10, 2), rtol=1e-5, atol=1e-5)
    assert bool((gap[:, 2] == 0).all())  # a categorical column has no units
