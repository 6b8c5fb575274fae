"""The ELBO against an exact log-likelihood: a linear-Gaussian VAE is probabilistic PCA, whose marginal
p(x) = N(b, W W^T + s^2 I) is known in closed form. With orthogonal columns in W the exact posterior is a
diagonal Gaussian, so the ELBO reaches log p(x) there and falls below it for any other posterior."""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.distributions import Independent, MultivariateNormal, Normal

from vaekit.config import ObjectiveConfig
from vaekit.core.seeded import DiagonalNormal
from vaekit.likelihoods.gaussian import GaussianLikelihood
from vaekit.model.vae import VAE
from vaekit.objectives.elbo import ELBO
from vaekit.posteriors.base import Posterior
from vaekit.priors.standard_normal import StandardNormalPrior

D, d, SIGMA = 6, 2, 0.5


class LinearDecoder(nn.Module):
    def __init__(self, weight: torch.Tensor, bias: torch.Tensor) -> None:
        super().__init__()
        self.weight, self.bias = weight, bias

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return (z @ self.weight.T + self.bias).unsqueeze(-2)  # (..., 1, D): one parameter per element


class GivenPosterior(Posterior):
    """q(z|x) = N(A (x - b), diag(v)): the exact PPCA posterior for the right A, v, or a perturbed one."""

    def __init__(self, matrix: torch.Tensor, bias: torch.Tensor, variance: torch.Tensor) -> None:
        super().__init__()
        self.matrix, self.bias, self.variance = matrix, bias, variance

    def forward(self, x: torch.Tensor) -> Independent:
        mean = (x - self.bias) @ self.matrix.T
        # a DiagonalNormal (an Independent(Normal)) declares how to draw with a generator, as posteriors must
        return DiagonalNormal(Normal(mean, self.variance.sqrt().expand_as(mean)), 1)


def _ppca() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    q, _ = torch.linalg.qr(torch.randn(D, d, generator=generator, dtype=torch.float64))
    weight = q * torch.tensor([2.0, 0.7], dtype=torch.float64)  # orthogonal columns, different lengths
    bias = torch.randn(D, generator=generator, dtype=torch.float64)
    marginal = MultivariateNormal(bias, weight @ weight.T + SIGMA**2 * torch.eye(D, dtype=torch.float64))
    with torch.random.fork_rng():  # the same 64 examples in every test
        torch.manual_seed(0)
        x = marginal.sample((64,))
    m = weight.T @ weight + SIGMA**2 * torch.eye(d, dtype=torch.float64)  # diagonal, as W has orthogonal columns
    exact_matrix = torch.linalg.solve(m, weight.T)
    exact_variance = SIGMA**2 / torch.diagonal(m)
    return x, marginal.log_prob(x), (weight, bias), (exact_matrix, exact_variance)


def _vae(decoder_params, matrix, bias, variance) -> VAE:
    likelihood = GaussianLikelihood((D,), "fixed", SIGMA).double()
    return VAE(nn.Identity(), GivenPosterior(matrix, bias, variance), StandardNormalPrior(d).double(),
               LinearDecoder(*decoder_params), likelihood, (D,), d)


def _elbo_draws(model: VAE, x: torch.Tensor, samples: int) -> torch.Tensor:
    torch.manual_seed(1)
    objective = ELBO(ObjectiveConfig())
    return -torch.stack([objective(model, x).negative_elbo for _ in range(samples)])


def _expected_elbo(model: VAE, x: torch.Tensor, samples: int = 4000) -> torch.Tensor:
    return _elbo_draws(model, x, samples).mean(0)


def test_elbo_equals_log_likelihood_at_the_exact_posterior() -> None:
    x, log_px, decoder_params, (matrix, variance) = _ppca()
    elbo = _expected_elbo(_vae(decoder_params, matrix, decoder_params[1], variance), x)
    assert torch.allclose(elbo, log_px, atol=0.05), (elbo - log_px).abs().max()


def test_elbo_is_below_log_likelihood_for_any_other_posterior() -> None:
    x, log_px, decoder_params, (matrix, variance) = _ppca()
    for scale, shift in ((1.3, 0.0), (1.0, 0.4), (0.5, -0.2)):
        model = _vae(decoder_params, matrix * scale, decoder_params[1] + shift, variance * scale)
        draws = _elbo_draws(model, x, samples=2000)
        elbo, standard_error = draws.mean(0), draws.std(0) / math.sqrt(len(draws))
        assert (elbo <= log_px + 4 * standard_error).all()
        assert (log_px - elbo).mean() > 0.05  # a real gap, not rounding


def test_rate_and_distortion_are_the_closed_forms_in_nats_per_example() -> None:
    x, _, decoder_params, (matrix, variance) = _ppca()
    model = _vae(decoder_params, matrix * 0.8, decoder_params[1], variance * 1.5)
    torch.manual_seed(3)
    out = model.elbo(x[:4])
    torch.manual_seed(3)
    z = model.encode(x[:4]).rsample()  # the same draw the objective made
    q = model.encode(x[:4])
    mean, var = q.base_dist.loc, q.base_dist.scale**2
    # KL(N(m, v) || N(0, 1)) = 0.5 * sum(v + m^2 - 1 - log v) over the latent dimensions
    torch.testing.assert_close(out.rate, 0.5 * (var + mean**2 - 1 - var.log()).sum(-1))
    # -log N(x; W z + b, s^2 I) = ||x - W z - b||^2 / (2 s^2) + D log(s sqrt(2 pi)), summed over the D dimensions
    weight, bias = decoder_params
    residual = x[:4] - z @ weight.T - bias
    expected = (residual**2).sum(-1) / (2 * SIGMA**2) + D * math.log(SIGMA * math.sqrt(2 * math.pi))
    torch.testing.assert_close(out.distortion, expected)
    torch.testing.assert_close(out.negative_elbo, out.distortion + out.rate)
