"""Imputation against the closed form: a linear-Gaussian VAE is probabilistic PCA, whose marginal
p(x) = N(b, S), S = W W^T + s^2 I, gives E[x_miss | x_obs] = b_m + S_mo S_oo^-1 (x_obs - b_o) exactly. Importance
resampling with many draws, pseudo-Gibbs (exact here: the encoder is the exact posterior of a completed x) and
Metropolis-within-Gibbs must all reach it; observed entries come back bit for bit, and a seed repeats a result."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn
from torch.distributions import Normal

from test_ppca import SIGMA, D, LinearDecoder, _ppca, d
from vaekit.core.errors import VaekitError
from vaekit.core.seeded import DiagonalNormal
from vaekit.likelihoods.gaussian import GaussianLikelihood
from vaekit.model.vae import VAE
from vaekit.posteriors.base import Posterior
from vaekit.priors.standard_normal import StandardNormalPrior
from vaekit.tasks.imputation import impute


class MaskedPPCAPosterior(Posterior):
    """q(z | x_filled, mask): for a complete x the exact PPCA posterior N(A (x - b), diag(v)); with entries missing
    its mean leaves them out (they read as 0) and its variance widens toward the prior's, a proposal that covers
    p(z | x_obs)."""

    def __init__(self, matrix: torch.Tensor, bias: torch.Tensor, variance: torch.Tensor) -> None:
        super().__init__()
        self.matrix, self.bias, self.variance = matrix, bias, variance

    def forward(self, inputs: torch.Tensor) -> DiagonalNormal:
        x, mask = inputs[..., :D], inputs[..., D:]
        mean = (x - self.bias * mask) @ self.matrix.T
        missing_share = 1 - mask.mean(-1, keepdim=True)
        variance = self.variance + (1 - self.variance) * missing_share
        return DiagonalNormal(Normal(mean, variance.sqrt().expand_as(mean)), 1)


def _model() -> tuple[VAE, torch.Tensor, torch.Tensor, torch.Tensor]:
    x, _, (weight, bias), (matrix, variance) = _ppca()
    likelihood = GaussianLikelihood((D,), "fixed", SIGMA).double()
    model = VAE(nn.Identity(), MaskedPPCAPosterior(matrix, bias, variance), StandardNormalPrior(d).double(),
                LinearDecoder(weight, bias), likelihood, (D,), d, encoder_mask=True)
    return model, x, weight, bias


def _with_gaps(x: torch.Tensor) -> torch.Tensor:
    """Two of the six entries of each example missing, at random (seeded)."""
    generator = torch.Generator().manual_seed(3)
    order = torch.rand(x.shape, generator=generator).argsort(-1)
    gaps = x.clone()
    gaps[torch.zeros_like(x, dtype=torch.bool).scatter(1, order[:, :2], True)] = float("nan")
    return gaps


def _exact(gaps: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """E[x_miss | x_obs] of N(b, W W^T + s^2 I), entry by entry (observed entries as given)."""
    covariance = weight @ weight.T + SIGMA**2 * torch.eye(D, dtype=torch.float64)
    out = gaps.clone()
    for row in range(len(gaps)):
        o, m = ~torch.isnan(gaps[row]), torch.isnan(gaps[row])
        gain = covariance[m][:, o] @ torch.linalg.inv(covariance[o][:, o])
        out[row, m] = bias[m] + gain @ (gaps[row, o] - bias[o])
    return out


@pytest.mark.parametrize(("method", "settings", "tolerance", "largest"), [
    ("importance", {"k": 20000}, 0.015, 0.15),
    ("gibbs", {"k": 300, "iterations": 25}, 0.05, 0.25),
    ("metropolis", {"k": 300, "iterations": 25}, 0.05, 0.25),
])
def test_imputation_reaches_the_ppca_conditional_mean(method: str, settings: dict, tolerance: float,
                                                      largest: float) -> None:
    """Mean absolute error to the exact conditional mean below `tolerance` (the values themselves lie about 0.49
    from it; one importance draw, k = 1, misses it by 0.47), the largest error below `largest`."""
    model, x, weight, bias = _model()
    gaps = _with_gaps(x)
    exact = _exact(gaps, weight, bias)
    filled = impute(model, gaps, method=method, seed=0, **settings)
    missing = torch.isnan(gaps)
    error = (filled - exact)[missing].abs()
    spread = (x - exact)[missing].abs().mean()  # how far the truth lies from the conditional mean: a scale
    assert error.max() < largest and error.mean() < tolerance, (error.mean(), error.max(), spread)
    assert error.mean() < spread / 5  # far closer to E[x_miss | x_obs] than the values themselves are
    assert torch.equal(filled[~missing], gaps[~missing])


def test_multiple_imputation_draws_have_the_conditional_mean_and_spread() -> None:
    model, x, weight, bias = _model()
    gaps = _with_gaps(x)
    exact = _exact(gaps, weight, bias)
    draws = impute(model, gaps[:8], draws=4000, k=4000, seed=1)
    assert draws.shape == (4000, 8, D)
    missing = torch.isnan(gaps[:8])
    assert torch.allclose(draws.mean(0)[missing], exact[:8][missing], atol=0.1)
    assert float(draws.std(0)[missing].min()) > SIGMA * 0.9  # a draw includes the noise s^2, not just the mean
    assert bool((draws[:, ~missing] == gaps[:8][~missing]).all())


def test_seeded_and_observed_entries_kept_for_numpy_float32() -> None:
    model, x, *_ = _model()
    gaps = _with_gaps(x).float().numpy()
    model.float()
    first = impute(model, gaps, k=50, seed=5)
    assert isinstance(first, np.ndarray) and first.dtype == np.float32
    assert np.array_equal(first, impute(model, gaps, k=50, seed=5))
    assert not np.array_equal(first, impute(model, gaps, k=50, seed=6))
    observed = ~np.isnan(gaps)
    assert np.array_equal(first[observed], gaps[observed]) and not np.isnan(first).any()


def test_refusals() -> None:
    model, x, *_ = _model()
    gaps = _with_gaps(x)
    gaps[3] = float("nan")
    with pytest.raises(VaekitError, match="every value of example 3"):
        impute(model, gaps)
    for bad in ({"draws": 0}, {"k": 0}, {"method": "mice"}, {"iterations": -1},
                {"method": "gibbs", "iterations": 0}, {"method": "metropolis", "iterations": 0}):
        with pytest.raises(VaekitError):
            impute(model, _with_gaps(x), **bad)
