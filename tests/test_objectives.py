"""Each objective, schedule and prior against a number it must reproduce: IWAE with k = 1 is the ELBO, the
beta-TCVAE terms add up to the KL, MMD of a sample with itself is 0, a one-component mixture is the standard
normal prior, the VampPrior is the average posterior of its pseudo-inputs."""

from __future__ import annotations

import math

import pytest
import torch
from torch.distributions import Categorical, Independent, MixtureSameFamily, Normal, kl_divergence

from test_evaluation import _perturbed_ppca
from vaekit.config import ModelConfig, ObjectiveConfig
from vaekit.model.build import build_model
from vaekit.objectives.beta_tcvae import BetaTCVAE, kl_decomposition
from vaekit.objectives.elbo import ELBO
from vaekit.objectives.info_vae import InfoVAE
from vaekit.objectives.iwae import IWAE
from vaekit.objectives.mmd import mmd
from vaekit.objectives.penalties import rate_penalty
from vaekit.objectives.schedules import capacity, cyclical, kl_weight
from vaekit.priors.mixture import MixturePrior
from vaekit.priors.sampling import gaussian_mixture, sample_prior
from vaekit.priors.standard_normal import StandardNormalPrior


def _posterior(n: int = 2000, d: int = 3, seed: int = 0) -> Independent:
    generator = torch.Generator().manual_seed(seed)
    loc = torch.randn(n, d, generator=generator, dtype=torch.float64)
    scale = 0.3 + torch.rand(n, d, generator=generator, dtype=torch.float64)
    return Independent(Normal(loc, scale), 1)


def test_iwae_with_one_sample_is_the_elbo_with_a_monte_carlo_kl() -> None:
    x, _, model = _perturbed_ppca()
    torch.manual_seed(3)
    iwae = IWAE(ObjectiveConfig(name="iwae", iw_samples=1))(model, x)
    torch.manual_seed(3)
    elbo = ELBO(ObjectiveConfig(kl="mc"))(model, x)
    torch.testing.assert_close(iwae.loss, elbo.loss)
    assert float(iwae.extras["iw_bound"]) == pytest.approx(-float(elbo.loss), rel=1e-6)


def test_iwae_bound_tightens_with_k() -> None:
    x, log_px, model = _perturbed_ppca()
    torch.manual_seed(0)
    losses = {k: sum(float(IWAE(ObjectiveConfig(name="iwae", iw_samples=k))(model, x).loss) for _ in range(20)) / 20
              for k in (1, 5, 50)}
    assert losses[1] > losses[5] > losses[50] > -float(log_px.mean()) - 0.05, losses


@pytest.mark.parametrize("estimator", ["mws", "stratified"])
def test_beta_tcvae_terms_add_up_to_the_kl(estimator: str) -> None:
    q = _posterior()
    prior = StandardNormalPrior(3).double()()
    torch.manual_seed(1)
    z = q.rsample()
    terms = kl_decomposition(q, prior, z, dataset_size=2000, estimator=estimator)
    total = terms["mutual_information"] + terms["total_correlation"] + terms["dimension_kl"]
    torch.testing.assert_close(total, q.log_prob(z) - prior.log_prob(z))  # per example, exactly
    analytic = kl_divergence(q, prior)
    se = float(total.std()) / math.sqrt(len(total))
    assert abs(float(total.mean() - analytic.mean())) < 4 * se  # the KL, within Monte Carlo error


def test_stratified_estimates_find_the_true_aggregate_terms() -> None:
    # the whole "data set" is one batch, so the exact aggregate posterior is known: q(z) = mean_n q(z|x_n)
    q = _posterior(n=500)
    prior = StandardNormalPrior(3).double()()
    torch.manual_seed(2)
    z = q.rsample()
    pairwise = q.base_dist.__class__(q.base_dist.loc[None], q.base_dist.scale[None]).log_prob(z[:, None])
    exact_log_qz = torch.logsumexp(pairwise.sum(-1), 1) - math.log(500)
    terms = kl_decomposition(q, prior, z, dataset_size=500, estimator="stratified")
    torch.testing.assert_close(q.log_prob(z) - terms["mutual_information"], exact_log_qz)
    # means drawn independently per dimension: the aggregate nearly factorises, so the TC is near 0 ...
    assert abs(float(terms["total_correlation"].mean())) < 0.1
    # ... which the paper's minibatch-weighted estimate overstates by up to (d - 1) log N
    mws = kl_decomposition(q, prior, z, dataset_size=500, estimator="mws")
    assert float(mws["total_correlation"].mean()) > 5


def test_beta_tcvae_with_unit_weights_is_the_elbo_with_a_monte_carlo_kl() -> None:
    x, _, model = _perturbed_ppca()
    torch.manual_seed(5)
    tc = BetaTCVAE(ObjectiveConfig(name="beta_tcvae"), dataset_size=64)(model, x, beta=1.0)
    torch.manual_seed(5)
    elbo = ELBO(ObjectiveConfig(kl="mc"))(model, x)
    torch.testing.assert_close(tc.loss, elbo.loss)
    assert set(tc.extras) == {"mutual_information", "total_correlation", "dimension_kl"}


@pytest.mark.parametrize("kernel", ["rbf", "imq"])
def test_mmd_is_zero_for_identical_samples_and_grows_with_the_difference(kernel: str) -> None:
    generator = torch.Generator().manual_seed(0)
    a = torch.randn(400, 4, generator=generator)
    b = torch.randn(400, 4, generator=generator)
    assert float(mmd(a, a, kernel)) == pytest.approx(0.0, abs=1e-6)
    same, shifted, far = (float(mmd(a, b + shift, kernel)) for shift in (0.0, 1.0, 3.0))
    assert 0 <= same < shifted < far
    assert same < 0.02


def test_info_vae_adds_the_weighted_mmd_to_the_elbo() -> None:
    torch.manual_seed(0)
    model = build_model(ModelConfig(latent_dim=2, hidden=[8]), (6,), "vector")
    x = torch.randn(32, 6)
    torch.manual_seed(2)
    info = InfoVAE(ObjectiveConfig(name="info_vae", mmd_weight=10.0))(model, x)
    torch.manual_seed(2)
    elbo = ELBO(ObjectiveConfig())(model, x)
    torch.testing.assert_close(info.loss, elbo.loss + 10.0 * info.extras["mmd"])
    assert float(info.extras["mmd"]) > 0


def test_a_one_component_mixture_at_the_origin_is_the_standard_normal_prior() -> None:
    prior = MixturePrior(latent_dim=3, components=1).double()
    with torch.no_grad():
        prior.means.zero_()
    z = torch.randn(50, 3, dtype=torch.float64)
    torch.testing.assert_close(prior().log_prob(z), StandardNormalPrior(3).double()().log_prob(z))


def test_mixture_samples_follow_the_mixture() -> None:
    loc = torch.tensor([[-4.0, 0.0], [4.0, 1.0]])
    mixture = gaussian_mixture(loc, torch.full((2, 2), 0.5), torch.log(torch.tensor([0.25, 0.75])))
    draws = sample_prior(mixture, 20_000, torch.Generator().manual_seed(0))
    torch.testing.assert_close(draws.mean(0), mixture.mean, atol=0.05, rtol=0)
    assert float((draws[:, 0] > 0).float().mean()) == pytest.approx(0.75, abs=0.01)
    again = sample_prior(mixture, 20_000, torch.Generator().manual_seed(0))
    assert torch.equal(draws, again)


def test_the_matrix_product_mixture_density_matches_torchs_elementwise_one_with_its_gradients() -> None:
    torch.manual_seed(0)
    # narrow and wide components, points near and 300 scales away: the expanded quadratic form must not cancel
    loc = (torch.randn(40, 6) * 2).requires_grad_()
    scale = (torch.rand(40, 6) * 0.99 + 0.01).requires_grad_()
    logits = torch.randn(40).requires_grad_()
    z = torch.cat([torch.randn(3, 25, 6) * 3, loc.detach()[:5].expand(3, 5, 6)], dim=1).requires_grad_()
    reference = MixtureSameFamily(Categorical(logits=logits), Independent(Normal(loc, scale), 1))
    ours = gaussian_mixture(loc, scale, logits)
    expected, got = reference.log_prob(z), ours.log_prob(z)
    assert got.shape == (3, 30) and got.dtype == torch.float32
    torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-4)
    grads = torch.autograd.grad(expected.sum(), (loc, scale, logits, z))
    for ours_grad, expected_grad in zip(torch.autograd.grad(got.sum(), (loc, scale, logits, z)), grads):
        torch.testing.assert_close(ours_grad, expected_grad, rtol=1e-4, atol=1e-3)


def test_vamp_prior_is_the_average_posterior_of_its_pseudo_inputs() -> None:
    model = build_model(ModelConfig(latent_dim=2, hidden=[8], prior="vamp", prior_components=5), (6,), "vector")
    z = torch.randn(7, 2)
    pseudo = model.prior_module.pseudo_inputs  # vectors: used as they are
    q = model.encode(pseudo)
    by_hand = torch.logsumexp(q.log_prob(z.unsqueeze(1)), dim=1) - math.log(5)
    torch.testing.assert_close(model.prior.log_prob(z), by_hand)


def test_cyclical_and_capacity_schedules() -> None:
    # 8 epochs, 2 cycles of 4 epochs, beta rising over the first half of each
    values = [cyclical(2.0, 8, 2, 0.5, epoch) for epoch in (0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 7.9)]
    assert values == pytest.approx([0.0, 1.0, 2.0, 2.0, 0.0, 1.0, 2.0])
    cfg = ObjectiveConfig(beta=2.0, beta_schedule="cyclical", cycles=2, cycle_ramp=0.5)
    assert kl_weight(cfg, 8, 5.0) == pytest.approx(1.0)
    assert kl_weight(ObjectiveConfig(beta=2.0, warmup_epochs=4), 8, 1.0) == pytest.approx(0.5)
    cfg = ObjectiveConfig(capacity=25.0, capacity_epochs=10)
    assert capacity(cfg, 4.0) == pytest.approx(10.0) and capacity(cfg, 20.0) == pytest.approx(25.0)
    rate = torch.tensor([8.0, 14.0])  # mean 11: one nat above a capacity of 10, in either direction
    assert float(rate_penalty(cfg, rate, None, 2, capacity=10.0)) == pytest.approx(1.0)
    assert float(rate_penalty(cfg, rate, None, 2, capacity=12.0)) == pytest.approx(1.0)
