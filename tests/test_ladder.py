"""The ladder VAE's two densities: each is the density of its own sampler (importance identities that fail for
a wrong log_prob), the posterior merges by precision weighting, and the importance-weighted bound takes it."""

from __future__ import annotations

import torch

from vaekit.config import ModelConfig
from vaekit.model.build import build_model
from vaekit.posteriors.ladder import _merge
from vaekit.tasks.evaluation import importance_weighted_bound


def _model() -> torch.nn.Module:
    torch.manual_seed(0)
    cfg = ModelConfig(latent_dim=2, latent_layers=[1, 1], hidden=[8], posterior="ladder", prior="ladder",
                      likelihood="gaussian")
    return build_model(cfg, (3,), "vector").double()


def test_each_density_integrates_its_own_samples() -> None:
    # E_{z~q}[p(z)/q(z)] = 1 and E_{z~p}[q(z)/p(z)] = 1 hold only if log_prob is the sampler's density
    model = _model()
    x = torch.randn(1, 3, dtype=torch.float64)
    with torch.no_grad():
        q, p = model.encode(x), model.prior
        torch.manual_seed(1)
        from_q = q.rsample((200_000,))
        from_p = p.rsample((200_000,))
        assert from_q.shape == (200_000, 1, 2) and from_p.shape == (200_000, 2)
        ratio_q = torch.exp(p.log_prob(from_q) - q.log_prob(from_q)).mean()
        ratio_p = torch.exp(q.log_prob(from_p) - p.log_prob(from_p)).mean()
    assert abs(float(ratio_q) - 1) < 0.03, float(ratio_q)
    assert abs(float(ratio_p) - 1) < 0.03, float(ratio_p)


def test_precision_weighting_merges_two_gaussians() -> None:
    mean, scale = _merge(torch.tensor([1.0]), torch.tensor([1.0]), torch.tensor([3.0]), torch.tensor([1.0]))
    assert float(mean) == 2.0 and abs(float(scale) - 0.5**0.5) < 1e-7
    mean, scale = _merge(torch.tensor([1.0]), torch.tensor([0.01]), torch.tensor([3.0]), torch.tensor([10.0]))
    assert abs(float(mean) - 1.0) < 1e-5  # the sharper message wins


def test_importance_weighted_bound_of_a_ladder_is_seeded_and_above_its_elbo() -> None:
    model = _model()
    x = torch.randn(12, 3, dtype=torch.float64)
    a = importance_weighted_bound(model, x, k=200, batch_size=12, seed=0)
    b = importance_weighted_bound(model, x, k=200, batch_size=5, seed=0)
    torch.testing.assert_close(a.log_likelihood, b.log_likelihood, rtol=0, atol=1e-8)
    assert float(a.log_likelihood.mean()) > float(a.elbo.mean())
