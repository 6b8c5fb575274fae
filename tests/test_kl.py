"""The rate term: closed-form KL against Monte Carlo, and the automatic fallback."""

from __future__ import annotations

import torch
from torch.distributions import Independent, Normal, StudentT

from vaekit.objectives.kl import kl_terms


def _posterior() -> Independent:
    generator = torch.Generator().manual_seed(0)
    loc = torch.randn(4, 3, generator=generator, dtype=torch.float64)
    scale = torch.rand(4, 3, generator=generator, dtype=torch.float64) + 0.2
    return Independent(Normal(loc, scale), 1)


def test_closed_form_kl_matches_monte_carlo_estimate() -> None:
    q = _posterior()
    p = Independent(Normal(torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)), 1)
    torch.manual_seed(0)
    z = q.sample((200_000,))
    analytic, per_dim = kl_terms(q, p, z[0], "analytic")
    mc, _ = kl_terms(q, p, z, "mc")
    assert per_dim.shape == (4, 3)
    torch.testing.assert_close(per_dim.sum(-1), analytic)
    torch.testing.assert_close(mc.mean(0), analytic, atol=0.01, rtol=0)
    # the textbook formula for N(mu, s^2) against N(0, 1)
    base = q.base_dist
    textbook = 0.5 * (base.scale**2 + base.loc**2 - 1 - 2 * base.scale.log())
    torch.testing.assert_close(per_dim, textbook)


def test_auto_falls_back_to_monte_carlo_without_a_closed_form() -> None:
    q = _posterior()
    p = Independent(StudentT(torch.tensor(3.0, dtype=torch.float64), torch.zeros(3, dtype=torch.float64),
                             torch.ones(3, dtype=torch.float64)), 1)
    z = q.sample()
    rate, per_dim = kl_terms(q, p, z, "auto")
    torch.testing.assert_close(rate, q.log_prob(z) - p.log_prob(z))
    torch.testing.assert_close(per_dim.sum(-1), rate)
