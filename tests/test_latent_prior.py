"""Priors fitted after training to continuous codes (vaekit fit-prior --method gmm | vae, vaekit.fit_prior): the
distributions against reference formulas, the files fit-prior writes and `vaekit sample` reads, and the fit
removed when training resumes. Fitted files that are edited, missing or stale: tests/bad_inputs/
cases_latent_prior.py."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

import vaekit
from conftest import invoke
from vaekit.priors.fitted_mixture import FittedMixture
from vaekit.priors.second_stage import SecondStagePrior, SecondStageVAE
from vaekit.runs.latent_prior import save_latent_prior
from vaekit.tasks.evaluation.precision_recall import precision_recall
from vaekit.tasks.latent_prior.gmm import fit_gaussian_mixture
from vaekit.tasks.outputs import embed

TINY = {"data": {"source": "digits"}, "model": {"latent_dim": 3, "hidden": [32]},
        "train": {"epochs": 2, "batch_size": 64, "seed": 0}}


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("latent-prior") / "run"
    vaekit.train(TINY, path, progress=False, pictures=False)
    return path


@pytest.fixture
def run(trained: Path, tmp_path: Path) -> Path:
    """A fresh copy of the trained run, which a test may fit a prior to."""
    return Path(shutil.copytree(trained, tmp_path / "run"))


def _seeded(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def test_the_fitted_mixture_scores_as_scikit_learn_and_draws_its_moments() -> None:
    from sklearn.mixture import GaussianMixture

    codes = np.random.default_rng(0).normal(size=(400, 3)) * [1.0, 0.5, 2.0] + [0.0, 1.0, -1.0]
    fitted = fit_gaussian_mixture(codes, components=3, seed=0)
    prior = FittedMixture(*(torch.from_numpy(fitted[name]) for name in ("weights", "means", "covariances")))
    reference = GaussianMixture(3, covariance_type="full", reg_covar=1e-4, random_state=0).fit(codes)
    z = torch.randn(50, 3, generator=_seeded())
    np.testing.assert_allclose(prior.log_prob(z.double()).numpy(), reference.score_samples(z.double().numpy()),
                               rtol=1e-9)
    draws = prior.rsample_seeded(torch.Size([200_000]), _seeded()).double()
    weights, means = fitted["weights"], fitted["means"]
    mean = weights @ means  # the mixture's mean and covariance: sum_k w_k (Sigma_k + mu_k mu_k^T) - mu mu^T
    second = np.einsum("k,kij->ij", weights, fitted["covariances"] + np.einsum("ki,kj->kij", means, means))
    np.testing.assert_allclose(draws.mean(0).numpy(), mean, atol=0.02)
    np.testing.assert_allclose(np.cov(draws.numpy(), rowvar=False), second - np.outer(mean, mean), atol=0.03)
    torch.testing.assert_close(prior.rsample_seeded(torch.Size([5]), _seeded(1)),
                               prior.rsample_seeded(torch.Size([5]), _seeded(1)))  # repeatable with a generator


def test_the_second_stage_loss_is_the_negative_elbo_of_its_model() -> None:
    torch.manual_seed(0)
    vae = SecondStageVAE(dim=2, hidden=8)
    with torch.no_grad():
        vae.log_gamma.fill_(math.log(0.3))
    z = torch.randn(4, 2)
    loss = vae.loss(z, _seeded(5))
    loc, log_var = vae.encoder(z).chunk(2, dim=-1)
    u = loc + (0.5 * log_var).exp() * torch.randn(loc.shape, generator=_seeded(5))
    q = torch.distributions.Normal(loc, (0.5 * log_var).exp())
    kl = torch.distributions.kl_divergence(q, torch.distributions.Normal(0.0, 1.0)).sum(-1)
    nll = -torch.distributions.Normal(vae.decoder(u), math.sqrt(0.3)).log_prob(z).sum(-1)
    torch.testing.assert_close(loss, kl + nll)
    prior = SecondStagePrior(vae)  # its draws are the second decoder's means at u ~ N(0, I)
    expected = vae.decode(torch.randn(3, 2, generator=_seeded(2)))
    torch.testing.assert_close(prior.rsample_seeded(torch.Size([3]), _seeded(2)), expected)


def test_precision_and_recall_count_points_inside_the_other_sets_balls() -> None:
    real = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    # radii with k = 1: every real point's nearest neighbour is 1 away; fakes 0.5 away are in, 3 away are out
    fake = np.array([[0.5, 0.0], [3.0, 3.0], [0.0, 0.5], [4.0, 4.0]])
    precision, recall = precision_recall(real, fake, k=1)
    assert precision == 0.5
    # the fakes' own radii: [0.5, 0] to [0, 0.5] is 0.71 apart, [3, 3] to [4, 4] 1.41; [0, 0], [1, 0] and [0, 1]
    # lie 0.5 from a fake with radius 0.71, [1, 1] 1.12 from the nearest
    assert recall == 0.75
    assert precision_recall(real, real, k=1) == (1.0, 1.0)


def test_fit_prior_gmm_from_the_command_line_is_what_sample_draws(run: Path, tmp_path: Path) -> None:
    code, output = invoke("fit-prior", run, "--method", "gmm", "--components", "3")
    assert code == 0, output
    assert "fitted a Gaussian mixture of 3 components (vaekit fit-prior --method gmm) to the posterior means" in output
    saved = json.loads((run / "latent-prior.json").read_text())
    assert saved["method"] == "gmm" and saved["settings"] == {"components": 3}
    report = saved["report"]  # the mixture is fitted by maximum likelihood: it beats N(0, I) on its own codes
    assert report["train_log_p"] > report["standard_normal_train_log_p"] and "test_log_p" in report
    fingerprints = json.loads((run / "config.json").read_text())["fingerprints"]
    assert {"latent-prior.safetensors", "latent-prior.json"} <= set(fingerprints)
    code, output = invoke("sample", run, "-n", "6", "--seed", "4", "--out", tmp_path / "fitted.npy")
    assert code == 0 and "drawing z from a Gaussian mixture of 3 components" in output, output
    code, output = invoke("sample", run, "-n", "6", "--seed", "4", "--prior", "trained", "--out", tmp_path / "n.npy")
    assert code == 0 and "drawing z from" not in output, output
    model = vaekit.load(run)  # opening the run gives the model back with its fitted prior
    assert isinstance(model.sampling_prior, FittedMixture)
    z = model.sampling_prior.rsample_seeded(torch.Size([6]), _seeded(4))
    fitted, standard = np.load(tmp_path / "fitted.npy"), np.load(tmp_path / "n.npy")
    np.testing.assert_allclose(fitted.reshape(6, -1), model.decode(z).mean.detach().reshape(6, -1).numpy(),
                               atol=1e-6)
    expected = model.sample(6, generator=_seeded(4), trained_prior=True)
    np.testing.assert_allclose(standard.reshape(6, -1), expected.reshape(6, -1).numpy(), atol=1e-6)
    assert not np.allclose(fitted, standard)


def test_fit_prior_vae_from_python_is_saved_and_read_back(run: Path) -> None:
    model = vaekit.load(run)
    before = model.sample(5, generator=_seeded())
    fit = vaekit.fit_prior(model, vaekit.load_dataset("digits").train_x, method="vae", epochs=1, seed=0)
    assert model.sampling_prior is fit.prior and fit.report["method"] == "vae"
    drawn = model.sample(5, generator=_seeded())
    assert not torch.allclose(drawn, before)
    torch.testing.assert_close(model.sample(5, generator=_seeded(), trained_prior=True), before)
    save_latent_prior(run, model, fit.prior, fit.report)
    again = vaekit.load(run)
    assert isinstance(again.sampling_prior, SecondStagePrior)
    torch.testing.assert_close(again.sample(5, generator=_seeded()), drawn)


def test_the_mixture_is_fitted_to_the_posterior_means(run: Path) -> None:
    model = vaekit.load(run)
    x = vaekit.load_dataset("digits").train_x
    fit = vaekit.fit_prior(model, x, method="gmm", components=1)
    means = embed(model, x).double()  # one component: the codes' own mean and covariance (+ 1e-4 on the diagonal)
    torch.testing.assert_close(fit.prior.means[0], means.mean(0))
    covariance = torch.cov(means.T, correction=0) + 1e-4 * torch.eye(3, dtype=torch.float64)
    torch.testing.assert_close(fit.prior.covariances[0], covariance)


def test_resuming_training_removes_the_fit(run: Path) -> None:
    assert invoke("fit-prior", run, "--components", "2")[0] == 0
    code, output = invoke("train", "--resume", run, "--epochs", "3", "--quiet")
    assert code == 0, output
    assert "latent-prior.safetensors and latent-prior.json are removed" in output
    assert not (run / "latent-prior.safetensors").exists() and not (run / "latent-prior.json").exists()
    assert vaekit.load(run).sampling_prior is None
