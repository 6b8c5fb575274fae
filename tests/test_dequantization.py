"""Uniform dequantization: finding discrete levels, the noise's bins, the discrete bound against an exact
probability, and training and evaluating a continuous likelihood on 8-bit-style pixels from the command line."""

from __future__ import annotations

import csv
import json
import math

import numpy as np
import pytest
import torch
from torch.distributions import Normal

from conftest import invoke
from test_ppca import GivenPosterior, LinearDecoder
from vaekit.data.image.quantization import dequantize, quantization_levels
from vaekit.likelihoods.gaussian import GaussianLikelihood
from vaekit.model.vae import VAE
from vaekit.priors.standard_normal import StandardNormalPrior
from vaekit.tasks.evaluation import evaluate


def test_levels_are_found_for_discrete_pixels_and_not_for_real_values() -> None:
    generator = torch.Generator().manual_seed(0)
    pixels = torch.randint(0, 256, (50, 784), generator=generator)
    assert quantization_levels(pixels.float() / 255) == 256
    assert quantization_levels(torch.tensor([0.0, 0.25, 1.0])) == 5  # the smallest grid that holds every value
    assert quantization_levels(torch.tensor([[0.0, 1.0], [1.0, 1.0]])) == 2
    from sklearn.datasets import load_digits

    assert quantization_levels(torch.from_numpy(load_digits().data / 16).float()) == 17
    assert quantization_levels(torch.rand(100, 3, generator=generator)) is None
    assert quantization_levels(torch.tensor([0.0, 2.0])) is None  # outside [0, 1]


def test_dequantized_values_fill_their_own_bin() -> None:
    pixels = torch.arange(256).repeat(40)
    y = dequantize(pixels.float() / 255, 256, torch.Generator().manual_seed(1))
    assert bool((torch.floor(y * 256) == pixels).all())
    assert float(y.min()) >= 0 and float(y.max()) < 1
    offsets = y * 256 - pixels  # uniform on [0, 1): mean 1/2, variance 1/12
    assert abs(float(offsets.mean()) - 0.5) < 0.01 and abs(float(offsets.var()) - 1 / 12) < 0.005


def _linear_gaussian_1d(levels: int) -> tuple[VAE, torch.Tensor, torch.Tensor]:
    """A 1-D linear-Gaussian VAE with its exact posterior (so the importance weights are constant and the
    estimate is log p(y) exactly), data quantized to `levels` levels, and the exact log P(k) of each value:
    the model's probability of the bin [k / L, (k + 1) / L), from the Gaussian marginal's CDF."""
    w, b, sigma = 0.3, 0.5, 0.1
    variance = w**2 + sigma**2
    weight, bias = torch.tensor([[w]], dtype=torch.float64), torch.tensor([b], dtype=torch.float64)
    posterior = GivenPosterior(torch.tensor([[w / variance]], dtype=torch.float64), bias,
                               torch.tensor([sigma**2 / variance], dtype=torch.float64))
    model = VAE(torch.nn.Identity(), posterior, StandardNormalPrior(1).double(), LinearDecoder(weight, bias),
                GaussianLikelihood((1,), "fixed", sigma).double(), (1,), 1)
    marginal = Normal(torch.tensor(b, dtype=torch.float64), torch.tensor(math.sqrt(variance), dtype=torch.float64))
    uniform = torch.rand(4000, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    samples = marginal.icdf(uniform)  # seeded draws from the marginal
    k = torch.floor(samples.clamp(0, 1 - 1e-9) * levels)
    exact = torch.log(marginal.cdf((k + 1) / levels) - marginal.cdf(k / levels))
    return model, (k / (levels - 1)).unsqueeze(1), exact


def test_the_dequantized_estimate_bounds_the_exact_discrete_likelihood_closely() -> None:
    model, x, exact = _linear_gaussian_1d(levels=16)
    results = evaluate(model, x, k=4, batch_size=500, seed=0, dequantize=True)  # vectors: asked for explicitly
    assert results["dequantization_levels"] == 16 and "uniform dequantization" in results["protocol"]
    exact_nll = float(-exact.mean())
    se = float(exact.std()) / math.sqrt(len(exact))
    reported = results["neg_log_likelihood"]["mean"]
    # an upper bound on -log P(k) (Jensen over the bin), and a close one: the density barely changes in a bin
    assert exact_nll - 3 * se < reported < exact_nll + 0.02, (reported, exact_nll)
    assert results["bits_per_dim"]["mean"] == pytest.approx(reported / math.log(2))
    # at the exact posterior the ELBO has no gap either: both get the same D log L correction
    assert results["neg_elbo"]["mean"] == pytest.approx(reported, abs=0.01)
    # without the correction the number is a density on [0, 1], not a probability: log 16 nats apart, roughly
    raw = evaluate(model, x, k=4, batch_size=500, seed=0, dequantize=False)
    assert raw["dequantization_levels"] is None
    assert abs(reported - raw["neg_log_likelihood"]["mean"] - math.log(16)) < 0.1


def test_dequantization_noise_follows_the_seed_not_the_batch_size() -> None:
    model, x, _ = _linear_gaussian_1d(levels=16)
    a = evaluate(model, x[:300], k=4, batch_size=100, seed=3, dequantize=True)["neg_log_likelihood"]["mean"]
    b = evaluate(model, x[:300], k=4, batch_size=7, seed=3, dequantize=True)["neg_log_likelihood"]["mean"]
    c = evaluate(model, x[:300], k=4, batch_size=100, seed=4, dequantize=True)["neg_log_likelihood"]["mean"]
    assert a == pytest.approx(b, abs=1e-9) and a != c


def test_train_and_evaluate_a_dequantized_gaussian_run_from_the_command_line(tmp_path) -> None:
    run = tmp_path / "run"
    code, output = invoke("train", "--likelihood", "gaussian", "--dequantize", "--hidden", "32", "--epochs", "3",
                          "--out", run, "--quiet")
    assert code == 0, output
    assert json.loads((run / "config.json").read_text())["config"]["data"]["dequantize"] is True
    code, output = invoke("evaluate", run, "--k", "20")
    assert code == 0, output
    results = json.loads((run / "evaluation.json").read_text())
    assert results["dequantization_levels"] == 17  # the bundled digits have 17 grey levels
    assert "uniform dequantization of 17-level data" in output
    # training's validation -ELBO is a density on [0, 1]; the evaluation's is the same bound, moved by 64 log 17
    # to the discrete data, and the importance-weighted estimate is tighter; a discrete bound is never negative
    validation = float(list(csv.DictReader(open(run / "metrics.csv")))[-1]["val_neg_elbo"])
    assert results["neg_elbo"]["mean"] == pytest.approx(validation + 64 * math.log(17), abs=2.0)
    assert 0 < results["neg_log_likelihood"]["mean"] < results["neg_elbo"]["mean"]


@pytest.mark.parametrize("args, message", [
    (["--dequantize", "--binarize", "static", "--likelihood", "gaussian"], "exclude each other"),
    (["--dequantize", "--likelihood", "bernoulli"], "for continuous likelihoods"),
])
def test_dequantize_with_the_wrong_settings_is_refused(tmp_path, args, message) -> None:
    code, output = invoke("train", *args, "--epochs", "1", "--out", tmp_path / "run", "--quiet")
    assert code == 2 and message in output and len(output.strip().splitlines()) == 1, output
    assert not (tmp_path / "run").exists()


def test_dequantize_on_real_valued_data_is_refused(tmp_path) -> None:
    path = tmp_path / "real.npy"
    np.save(path, np.random.default_rng(0).random((60, 5)).astype(np.float32))
    code, output = invoke("train", "--data", path, "--likelihood", "gaussian", "--dequantize", "--epochs", "1",
                          "--out", tmp_path / "run", "--quiet")
    assert code == 2 and "needs discrete pixels" in output, output
    assert not (tmp_path / "run").exists()


def test_evaluate_refuses_dequantization_for_a_bernoulli_run(digits_run) -> None:
    code, output = invoke("evaluate", digits_run, "--k", "2", "--dequantize", "on")
    assert code == 2 and "for continuous likelihoods" in output, output


def test_vectors_on_a_grid_are_not_dequantized_unless_asked() -> None:
    model, x, _ = _linear_gaussian_1d(levels=16)
    assert evaluate(model, x[:100], k=2, seed=0)["dequantization_levels"] is None  # a table, not pixels
