"""Each likelihood's log_prob against a reference formula (scipy or the paper's closed form), in float64."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import stats

from vaekit.likelihoods.bernoulli import BernoulliLikelihood
from vaekit.likelihoods.continuous_bernoulli import ContinuousBernoulliLikelihood
from vaekit.likelihoods.gaussian import GaussianLikelihood

SHAPE = (1, 3, 4)


def _params(seed: int = 0) -> torch.Tensor:
    return torch.randn(5, 1, *SHAPE, generator=torch.Generator().manual_seed(seed), dtype=torch.float64) * 2


def test_bernoulli_matches_scipy_on_binary_data() -> None:
    params = _params()
    x = (torch.rand(5, *SHAPE, dtype=torch.float64) > 0.5).double()
    px = BernoulliLikelihood(SHAPE)(params)
    probs = torch.sigmoid(params[:, 0]).numpy()
    expected = stats.bernoulli.logpmf(x.numpy(), probs).reshape(5, -1).sum(1)
    assert px.log_prob(x).shape == (5,)
    np.testing.assert_allclose(px.log_prob(x).numpy(), expected, rtol=1e-10)


def test_bernoulli_on_grey_levels_is_negative_binary_cross_entropy() -> None:
    params = _params(1)
    x = torch.rand(5, *SHAPE, dtype=torch.float64)
    p = torch.sigmoid(params[:, 0]).numpy()
    expected = (x.numpy() * np.log(p) + (1 - x.numpy()) * np.log(1 - p)).reshape(5, -1).sum(1)
    np.testing.assert_allclose(BernoulliLikelihood(SHAPE)(params).log_prob(x).numpy(), expected, rtol=1e-10)


@pytest.mark.parametrize("mode", ["fixed", "global", "per_dim"])
def test_gaussian_matches_scipy(mode: str) -> None:
    likelihood = GaussianLikelihood(SHAPE, mode, scale=0.3).double()
    if mode != "fixed":
        with torch.no_grad():
            likelihood.log_scale.add_(torch.linspace(-0.5, 0.5, likelihood.log_scale.numel()).reshape(
                likelihood.log_scale.shape).double())
    params = _params(2)
    x = torch.rand(5, *SHAPE, dtype=torch.float64)
    sigma = likelihood.log_scale.exp().expand(SHAPE).detach().numpy()
    expected = stats.norm.logpdf(x.numpy(), params[:, 0].numpy(), sigma).reshape(5, -1).sum(1)
    # rtol 1e-8: the scale parameter starts as float32 log(0.7) before .double()
    np.testing.assert_allclose(likelihood(params).log_prob(x).detach().numpy(), expected, rtol=1e-8)
    assert ("log_scale" in dict(likelihood.named_parameters())) == (mode != "fixed")


def test_continuous_bernoulli_matches_its_closed_form() -> None:
    params = _params(3)
    x = torch.rand(5, *SHAPE, dtype=torch.float64)
    lam = torch.sigmoid(params[:, 0]).numpy()
    # log C(lam) = log(2 artanh(1 - 2 lam) / (1 - 2 lam)) (Loaiza-Ganem & Cunningham 2019, eq. 7)
    log_norm = np.log(2 * np.arctanh(1 - 2 * lam) / (1 - 2 * lam))
    expected = (log_norm + x.numpy() * np.log(lam) + (1 - x.numpy()) * np.log(1 - lam)).reshape(5, -1).sum(1)
    got = ContinuousBernoulliLikelihood(SHAPE)(params).log_prob(x).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-6)


@pytest.mark.parametrize("mode", ["fixed", "per_dim"])
def test_laplace_matches_scipy(mode: str) -> None:
    from vaekit.likelihoods.gaussian import LaplaceLikelihood

    params = _params(4)
    x = torch.randn(5, *SHAPE, dtype=torch.float64)
    likelihood = LaplaceLikelihood(SHAPE, mode, 0.7).double()
    expected = stats.laplace.logpdf(x.numpy(), loc=params[:, 0].numpy(), scale=0.7).reshape(5, -1).sum(1)
    # rtol 1e-8: the scale parameter starts as float32 log(0.7) before .double()
    np.testing.assert_allclose(likelihood(params).log_prob(x).detach().numpy(), expected, rtol=1e-8)
