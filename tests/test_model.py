"""The composed model: every network x likelihood combination trains a step, and save -> load is exact."""

from __future__ import annotations

import pytest
import torch

from vaekit.config import Config, ModelConfig
from vaekit.core.errors import ConfigError
from vaekit.core.registry import LIKELIHOODS
from vaekit.model.build import build_model
from vaekit.runs.directory import save_weights, write_run_config
from vaekit.runs.run import load

CASES = [("mlp", (1, 8, 8)), ("mlp", (5,)), ("conv", (1, 28, 28)), ("conv", (3, 32, 32)), ("conv", (1, 64, 64))]


# the mixed likelihood needs a table's column types: test_parts_contract.py and test_mixed_tables.py cover it; the
# autoregressive ones need sequences: test_parts_contract.py and test_sequence_models.py
@pytest.mark.parametrize("likelihood", [name for name in LIKELIHOODS.names()
                                        if name != "mixed" and not LIKELIHOODS.get(name).autoregressive])
@pytest.mark.parametrize("network, shape", CASES)
def test_gradients_flow_and_save_load_is_exact(tmp_path, network: str, shape: tuple, likelihood: str) -> None:
    torch.manual_seed(0)
    cfg = ModelConfig(network=network, likelihood=likelihood, latent_dim=3, hidden=[16],
                      conv_channels=[4, 8, 8, 8], gaussian_scale="global")
    model = build_model(cfg, shape, "image" if len(shape) == 3 else "vector")
    x = torch.rand(4, *shape)
    if LIKELIHOODS.get(likelihood).levels is not None:  # a discrete likelihood's data lie on its levels
        x = (x * 255).round() / 255
    q = model.encode(x)
    z = q.rsample()
    assert z.shape == (4, 3) and q.batch_shape == (4,) and q.event_shape == (3,)
    px = model.decode(z)
    assert px.batch_shape == (4,) and px.event_shape == shape  # event dims are the data dims
    out = model.elbo(x)
    assert torch.isfinite(out.loss) and out.distortion.shape == (4,) and out.rate.shape == (4,)
    out.loss.backward()
    for name, parameter in model.named_parameters():
        assert parameter.grad is not None and torch.isfinite(parameter.grad).all(), name
    assert any(p.grad.abs().sum() > 0 for p in model.encoder.parameters())

    config = Config(model=cfg)
    write_run_config(tmp_path, config, {"source": "random", "shape": list(shape),
                                       "kind": "image" if len(shape) == 3 else "vector"})
    save_weights(model, tmp_path / "model.safetensors")
    loaded = load(tmp_path)
    model.eval()
    torch.testing.assert_close(loaded.encode(x).mean, model.encode(x).mean, rtol=0, atol=0)
    torch.testing.assert_close(loaded.decode(z.detach()).mean, model.decode(z.detach()).mean, rtol=0, atol=0)
    generator_a, generator_b = torch.Generator().manual_seed(5), torch.Generator().manual_seed(5)
    torch.testing.assert_close(loaded.sample(3, generator=generator_a), model.sample(3, generator=generator_b))


def test_conv_network_rejects_image_sizes_it_cannot_take() -> None:
    with pytest.raises(ConfigError, match="at least 8x8 pixels; this data is 1x4x4 .*--network mlp"):
        build_model(ModelConfig(network="conv"), (1, 4, 4))


def test_any_latent_size_and_depth() -> None:
    model = build_model(ModelConfig(latent_dim=1, hidden=[32, 16, 8]), (1, 8, 8))
    assert model.encode(torch.rand(2, 1, 8, 8)).mean.shape == (2, 1)
    linears = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    assert [m.out_features for m in linears] == [32, 16, 8, 1, 1, 8, 16, 32, 64]


def test_unknown_part_names_list_the_choices() -> None:
    with pytest.raises(ConfigError, match="unknown likelihood 'poisson'; choose one of: autoregressive, "
                                          "autoregressive_gaussian, bernoulli"):
        build_model(ModelConfig(likelihood="poisson"), (4,))


def test_sample_and_reconstruct_are_repeatable_with_a_generator() -> None:
    model = build_model(ModelConfig(latent_dim=2, hidden=[8]), (1, 8, 8)).eval()
    x = torch.rand(3, 1, 8, 8)
    a = model.reconstruct(x, sample_posterior=True, generator=torch.Generator().manual_seed(1))
    b = model.reconstruct(x, sample_posterior=True, generator=torch.Generator().manual_seed(1))
    c = model.reconstruct(x, sample_posterior=True, generator=torch.Generator().manual_seed(2))
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert model.sample(4).min() >= 0 and model.sample(4).max() <= 1  # Bernoulli means are probabilities
