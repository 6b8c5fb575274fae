"""Per-example scores against direct computations, their seeding and batch-size invariance, and `vaekit score`'s
files (ids and order of the input kept)."""

from __future__ import annotations

import io
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from PIL import Image

import vaekit
from conftest import invoke
from vaekit.config import ModelConfig
from vaekit.model.build import build_model
from vaekit.tasks.evaluation import importance_weighted_bound
from vaekit.tasks.scoring import score, score_many

KINDS = ["elbo", "iw", "reconstruction", "rate", "complexity"]


@pytest.fixture(scope="module")
def model_and_x(digits_run: Path) -> tuple[vaekit.VAE, torch.Tensor]:
    return vaekit.load(digits_run), vaekit.load_dataset("digits").test_x[:40]


def test_iw_is_the_importance_weighted_bound(model_and_x) -> None:
    model, x = model_and_x
    expected = -importance_weighted_bound(model, x, k=64, seed=3).log_likelihood
    torch.testing.assert_close(score(model, x, kind="iw", k=64, seed=3), expected, rtol=0, atol=1e-5)


def test_elbo_of_many_samples_is_the_mean_of_model_elbo(model_and_x) -> None:
    model, x = model_and_x
    x = x[:10]
    found = score(model, x, kind="elbo", samples=4000)
    torch.manual_seed(0)
    repeats = 4000
    out = model.elbo(x.repeat(repeats, 1, 1, 1))  # one unseeded draw per copy
    draws = (out.distortion + out.rate).detach().double().reshape(repeats, len(x))
    standard_error = draws.std(0) / math.sqrt(repeats)
    assert bool(((found - draws.mean(0)).abs() < 5 * standard_error + 1e-3).all()), (found, draws.mean(0))
    single = score(model, x, kind="elbo")  # one draw: noisy, but the same expectation
    assert not torch.allclose(single, found)


def test_rate_is_the_analytic_kl(model_and_x) -> None:
    model, x = model_and_x
    q = model.encode(x)
    mean, variance = q.mean.detach().double(), q.variance.detach().double()
    kl = 0.5 * (mean.pow(2) + variance - 1 - variance.log()).sum(-1)  # KL(N(m, s^2) || N(0, 1)), by hand
    torch.testing.assert_close(score(model, x, kind="rate"), kl, rtol=1e-5, atol=1e-5)


def test_reconstruction_is_the_squared_error_at_the_posterior_mean(model_and_x) -> None:
    model, x = model_and_x
    recon = model.reconstruct(x).double()
    expected = (x.double() - recon).pow(2).sum((1, 2, 3))
    torch.testing.assert_close(score(model, x, kind="reconstruction"), expected, rtol=1e-6, atol=1e-6)


def test_complexity_is_iw_bits_minus_png_bits(model_and_x, tmp_path: Path) -> None:
    model, x = model_and_x
    png = []
    for i, image in enumerate(x):
        path = tmp_path / f"{i}.png"
        Image.fromarray((image[0].numpy() * 255).round().astype(np.uint8)).save(path, optimize=True,
                                                                               compress_level=9)
        png.append(8 * path.stat().st_size)
    nll = -importance_weighted_bound(model, x, k=32, seed=0).log_likelihood
    expected = nll / math.log(2) - torch.tensor(png, dtype=torch.float64)
    torch.testing.assert_close(score(model, x, kind="complexity", k=32), expected, rtol=0, atol=1e-4)


def test_likelihood_ratio_is_the_difference_of_the_two_iw_bounds(model_and_x) -> None:
    model, x = model_and_x
    torch.manual_seed(1)
    background = vaekit.build_model(vaekit.ModelConfig(latent_dim=2, hidden=[16]), (1, 8, 8))
    expected = (importance_weighted_bound(background, x, k=16, seed=2).log_likelihood
                - importance_weighted_bound(model, x, k=16, seed=2).log_likelihood)
    found = score(model, x, kind="likelihood_ratio", k=16, seed=2, background=background)
    torch.testing.assert_close(found, expected, rtol=0, atol=1e-4)
    assert bool((found.abs() > 1).all())  # two different models: far from zero
    self_ratio = score(model, x, kind="likelihood_ratio", k=16, background=model)
    torch.testing.assert_close(self_ratio, torch.zeros_like(self_ratio), rtol=0, atol=1e-9)


def test_seeded_and_the_batch_size_changes_nothing(model_and_x) -> None:
    model, x = model_and_x
    whole = score_many(model, x, KINDS, k=40, samples=3, seed=5, batch_size=100)
    chunked = score_many(model, x, KINDS, k=40, samples=3, seed=5, batch_size=7)
    again = score_many(model, x, KINDS, k=40, samples=3, seed=5, batch_size=100)
    other = score_many(model, x, KINDS, k=40, samples=3, seed=6, batch_size=100)
    for kind in KINDS:
        torch.testing.assert_close(whole[kind], chunked[kind], rtol=1e-6, atol=1e-4)
        assert torch.equal(whole[kind], again[kind]), kind
        assert whole[kind].shape == (len(x),) and whole[kind].dtype == torch.float64
    for kind in ("elbo", "iw", "complexity"):  # the draws change with the seed; the others have none
        assert not torch.allclose(whole[kind], other[kind]), kind
    assert torch.equal(whole["reconstruction"], other["reconstruction"])


def test_png_bits_match_pillow_files() -> None:
    from vaekit.tasks.scoring.complexity import png_bits

    flat, noisy = torch.zeros(1, 1, 16, 16), torch.rand(1, 1, 16, 16, generator=torch.Generator().manual_seed(0))
    bits = png_bits(torch.cat([flat, noisy]))
    buffer = io.BytesIO()
    Image.fromarray((noisy[0, 0].numpy() * 255).round().astype(np.uint8)).save(buffer, "PNG", optimize=True,
                                                                              compress_level=9)
    assert bits[1] == 8 * len(buffer.getvalue())
    assert bits[0] < bits[1] / 2  # a plain image codes far shorter than noise


def _folder(root: Path) -> Path:
    """Eight digits as 8x8 PNGs whose sorted names are not their creation order."""
    folder = root / "images"
    folder.mkdir()
    x = vaekit.load_dataset("digits").test_x[:8]
    for name, image in zip(["h", "c", "a", "f", "b", "g", "e", "d"], x):
        Image.fromarray((image[0].numpy() * 16).round().astype(np.uint8) * 15).save(folder / f"{name}.png")
    return folder


def test_cli_writes_rows_in_the_inputs_order_with_its_ids(digits_run: Path, tmp_path: Path) -> None:
    from vaekit.tasks.outputs import select_data

    folder = _folder(tmp_path)
    code, output = invoke("score", digits_run, "--data", folder, "--kind", "iw,rate", "--k", "20",
                          "--out", tmp_path / "s.csv")
    assert code == 0, output
    table = pd.read_csv(tmp_path / "s.csv")
    assert list(table.columns) == ["id", "iw", "rate"]
    assert list(table["id"]) == [f"{c}.png" for c in "abcdefgh"]
    chosen = select_data(digits_run, str(folder))
    model = vaekit.load(digits_run)
    np.testing.assert_allclose(table["iw"], score(model, chosen.x, kind="iw", k=20).numpy(), rtol=1e-6)
    np.testing.assert_allclose(table["rate"], score(model, chosen.x, kind="rate").numpy(), rtol=1e-6)

    code, output = invoke("score", digits_run, "--data", folder, "--kind", "rate,iw", "--k", "20",
                          "--out", tmp_path / "s.npy")
    assert code == 0, output
    values, ids = np.load(tmp_path / "s.npy"), np.load(tmp_path / "s-ids.npy")
    assert values.shape == (8, 2) and list(ids) == list(table["id"])
    np.testing.assert_allclose(values[:, [1, 0]], table[["iw", "rate"]].to_numpy(), rtol=1e-12)


def test_cli_labels_and_the_default_file_in_the_run(digits_run: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(digits_run, run)
    code, output = invoke("score", run, "--k", "10")
    assert code == 0, output
    table = pd.read_csv(run / "scores.csv")
    assert list(table.columns) == ["id", "complexity", "elbo", "iw", "rate", "reconstruction", "label"]
    data = vaekit.load_dataset("digits")
    _, y, ids = data.examples("test")
    assert list(table["id"]) == list(ids) and list(table["label"]) == y.tolist()
    assert not (run / "vaekit-holder.lock").exists()  # the lock was let go


def test_reconstruction_score_of_a_missing_values_run_leaves_missing_entries_out() -> None:
    """A run trained with --missing model scores data with gaps: the reconstruction error sums the observed
    entries (it was NaN for every row with a gap, and the command blamed diverged weights)."""
    torch.manual_seed(0)
    model = build_model(ModelConfig(latent_dim=2, hidden=[8], encoder_mask=True, likelihood="gaussian"), (4,),
                        "vector")
    x = torch.tensor([[0.5, float("nan"), 2.0, -1.0], [1.0, 0.0, float("nan"), float("nan")]])
    scores = score_many(model, x, "reconstruction,elbo,iw", k=4)
    assert all(torch.isfinite(values).all() for values in scores.values())
    with torch.no_grad():
        recon = model.decode(model.encode(x).mean).mean
    observed = ~torch.isnan(x)
    expected = torch.where(observed, (x - recon) ** 2, torch.zeros(())).sum(1).double()
    assert torch.allclose(scores["reconstruction"], expected)
