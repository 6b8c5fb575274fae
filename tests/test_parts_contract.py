"""Every registered part and every objective, on tiny shapes: gradients flow to every parameter, the loss is
finite, and save -> load gives identical outputs. A new part is covered the moment it is registered."""

from __future__ import annotations

import pytest
import torch
from safetensors.torch import load_file

from vaekit.config import ModelConfig, ObjectiveConfig
from vaekit.model import build_model
from vaekit.registry import LIKELIHOODS, NETWORKS, OBJECTIVES, POSTERIORS, PRIORS
from vaekit.run_dir import save_weights

IMAGE, VECTOR = (1, 28, 28), (7,)


# a mixed table of the VECTOR shape: three continuous, two binary and two categorical (3 values) columns
SCHEMA = (["continuous"] * 3 + ["binary"] * 2 + ["categorical"] * 2, [None] * 3 + [[0, 1]] * 2 + [["a", "b", "c"]] * 2)


def _data(shape: tuple[int, ...], likelihood: str) -> torch.Tensor:
    generator = torch.Generator().manual_seed(0)
    x = torch.rand(6, *shape, generator=generator)
    if likelihood == "mixed":
        x[:, 3:5] = torch.bernoulli(x[:, 3:5], generator=generator)
        x[:, 5:] = torch.randint(0, 3, (6, 2), generator=generator).float()
    levels = LIKELIHOODS.get(likelihood).levels
    if levels is not None:  # a discrete likelihood's data lie on its levels (model.reconstruct checks the support)
        x = (x * (levels - 1)).round() / (levels - 1)
    return torch.bernoulli(x, generator=generator) if likelihood == "bernoulli" else x


def _cases() -> list[tuple[str, str, str, str, str]]:
    """(network, posterior, prior, likelihood, objective): every part at least once, with defaults elsewhere."""
    default = ("mlp", "diagonal_gaussian", "standard_normal", "bernoulli", "elbo")
    cases = {default}
    for slot, names in enumerate((NETWORKS.names(), POSTERIORS.names(), PRIORS.names(), LIKELIHOODS.names(),
                                  OBJECTIVES.names())):
        for name in names:
            case = list(default)
            case[slot] = name
            cases.add(tuple(case))
    for prior in PRIORS.names():  # priors meet every objective: the KL has no closed form for some pairs
        for objective in OBJECTIVES.names():
            cases.add(("mlp", "diagonal_gaussian", prior, "gaussian", objective))
    for objective in OBJECTIVES.names():  # iwae decodes (k, B, d) latents: image networks must take them
        cases.add(("conv", "diagonal_gaussian", "vamp", "bernoulli", objective))
        cases.add(("conv", "ladder", "ladder", "bernoulli", objective))
        cases.add(("mlp", "diagonal_gaussian", "standard_normal", "mixed", objective))  # (k, B) parameters
        for posterior in POSTERIORS.names():  # flows and ladders score only the samples they drew
            cases.add(("mlp", posterior, "standard_normal", "bernoulli", objective))
    return sorted(_pair_ladders(case) for case in cases if _pair_ladders(case) is not None)


def _pair_ladders(case: tuple[str, ...]) -> tuple[str, ...] | None:
    """A ladder posterior needs the ladder prior and the reverse; the ladder's code is not one Gaussian, so
    beta-TCVAE (which needs a diagonal Gaussian posterior) does not take it."""
    network, posterior, prior, likelihood, objective = case
    if likelihood == "mixed" and network != "mlp":  # tables are vectors
        return None
    if objective == "beta_tcvae" and posterior != "diagonal_gaussian":  # its estimator needs Gaussian posteriors
        return None
    if "ladder" in (posterior, prior):
        if objective == "beta_tcvae":
            return None
        return (network, "ladder", "ladder", likelihood, objective)
    return case


@pytest.mark.parametrize("network, posterior, prior, likelihood, objective", _cases())
def test_every_part_trains_a_step_and_saves_and_loads(tmp_path, network, posterior, prior, likelihood,
                                                      objective) -> None:
    torch.manual_seed(0)
    shape = IMAGE if network in ("conv", "resnet") else VECTOR
    cfg = ModelConfig(latent_dim=3, latent_layers=[2, 1] if prior == "ladder" else [], network=network,
                      hidden=[16], conv_channels=[4, 8], posterior=posterior,
                      prior=prior, likelihood=likelihood, prior_components=4)
    schema = SCHEMA if likelihood == "mixed" else None
    model = build_model(cfg, shape, "image" if len(shape) == 3 else "vector", schema=schema)
    x = _data(shape, likelihood)
    loss_fn = OBJECTIVES.get(objective)(ObjectiveConfig(name=objective, iw_samples=3), dataset_size=60)
    out = loss_fn(model, x, beta=1.0)
    assert out.loss.ndim == 0 and torch.isfinite(out.loss)
    assert out.distortion.shape == out.rate.shape == (len(x),)
    assert all(torch.isfinite(v) for v in out.extras.values())
    out.loss.backward()
    for name, parameter in model.named_parameters():
        if parameter.requires_grad:
            assert parameter.grad is not None and torch.isfinite(parameter.grad).all(), name
    assert any(float(p.grad.abs().sum()) > 0 for p in model.parameters() if p.grad is not None)

    save_weights(model, tmp_path / "model.safetensors")
    again = build_model(cfg, shape, "image" if len(shape) == 3 else "vector", schema=schema)
    again.load_state_dict(load_file(str(tmp_path / "model.safetensors")))
    model.eval(), again.eval()
    with torch.no_grad():
        torch.testing.assert_close(model.reconstruct(x), again.reconstruct(x), rtol=0, atol=0)
        z = torch.randn(5, 3)
        torch.testing.assert_close(model.prior.log_prob(z), again.prior.log_prob(z), rtol=0, atol=0)
        generator = [torch.Generator().manual_seed(1) for _ in range(2)]
        torch.testing.assert_close(model.sample(4, generator[0]), again.sample(4, generator[1]), rtol=0, atol=0)
