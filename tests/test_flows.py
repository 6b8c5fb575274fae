"""Flow posteriors: the log-density of a drawn sample is the change of variables with the exact Jacobian, the
planar constraint keeps each step invertible, and IAF steps are autoregressive."""

from __future__ import annotations

import pytest
import torch
from torch.autograd.functional import jacobian

from test_evaluation import _perturbed_ppca
from vaekit.posteriors.flows import IAFPosterior, PlanarFlowPosterior, base_and_steps
from vaekit.tasks.evaluation import importance_weighted_bound

POSTERIORS = {"planar": PlanarFlowPosterior, "iaf": IAFPosterior}


def _posterior(name: str) -> tuple[torch.nn.Module, torch.Tensor]:
    torch.manual_seed(0)
    module = POSTERIORS[name](feature_dim=5, latent_dim=3, steps=3).double()
    with torch.no_grad():  # move the flow away from its near-identity start, so the test has something to check
        for parameter in module.parameters():
            parameter.add_(0.5 * torch.randn_like(parameter))
    return module, torch.randn(4, 5, dtype=torch.float64)


@pytest.mark.parametrize("name", sorted(POSTERIORS))
def test_log_density_is_the_change_of_variables_with_the_exact_jacobian(name: str) -> None:
    module, features = _posterior(name)
    q = module(features)
    z = q.rsample()
    z0 = _base_sample(q, z)
    base, _ = base_and_steps(q)
    for i in range(len(features)):  # one example at a time: the flow's parameters are that example's
        _, steps = base_and_steps(module(features[i:i + 1]))

        def flow(v: torch.Tensor, steps=steps) -> torch.Tensor:
            for step in steps:
                v = step._call(v)
            return v

        log_det = torch.logdet(jacobian(flow, z0[i:i + 1]).reshape(3, 3))
        expected = torch.distributions.Normal(base.loc[i], base.scale[i]).log_prob(z0[i]).sum() - log_det
        torch.testing.assert_close(q.log_prob(z)[i], expected)


def _base_sample(q, z: torch.Tensor) -> torch.Tensor:
    """z_0 of the sample z that q just drew, through the steps' caches."""
    for step in reversed(list(q.transforms)):
        z = step.inv(z)
    return z


def test_planar_steps_stay_invertible() -> None:
    module, features = _posterior("planar")
    with torch.no_grad():  # a raw u pointing against w would break invertibility without the constraint
        module.flow_head.bias.mul_(10)
    q = module(features)
    z0 = q.base_dist.rsample((50,))
    for step in q.transforms:
        z1 = step(z0)
        psi_u = torch.exp(step.log_abs_det_jacobian(z0, z1))
        assert bool((psi_u > 0).all())
        assert bool(((step.w * step.u).sum(-1) >= -1 - 1e-9).all())
        z0 = z1


def test_iaf_output_depends_only_on_earlier_dimensions() -> None:
    module, features = _posterior("iaf")
    net = module.nets[0]
    z = torch.randn(1, 3, dtype=torch.float64)
    jac = jacobian(lambda v: net(v, features[:1])[0], z).reshape(3, 3)
    assert torch.equal(torch.triu(jac) != 0, torch.zeros(3, 3, dtype=torch.bool))  # strictly lower triangular
    assert bool((torch.tril(jac, -1) != 0).any())


def test_importance_weighted_bound_accepts_flow_posteriors() -> None:
    x, log_px, model = _perturbed_ppca()
    flow = IAFPosterior(feature_dim=6, latent_dim=2, steps=2).double()
    x = x.double()
    model.encoder = torch.nn.Identity()
    model.posterior = flow
    a = importance_weighted_bound(model, x[:16], k=50, batch_size=16, seed=0)
    b = importance_weighted_bound(model, x[:16], k=50, batch_size=5, seed=0)
    torch.testing.assert_close(a.log_likelihood, b.log_likelihood, rtol=0, atol=1e-4)
    assert bool(torch.isfinite(a.log_likelihood).all())
    assert float(a.log_likelihood.mean()) > float(a.elbo.mean())  # the k-sample bound is above the ELBO
