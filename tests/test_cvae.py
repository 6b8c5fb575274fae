"""The conditional VAE: labels change what the decoder produces, the conditional prior is one Gaussian per
class, and the command line samples a class and refuses a wrong label or a run that is not conditional."""

from __future__ import annotations

import json

import pytest
import torch

from conftest import invoke
from vaekit.config import ModelConfig, ObjectiveConfig
from vaekit.core.errors import ConfigError, VaekitError
from vaekit.model.build import build_model
from vaekit.objectives.elbo import ELBO


def _cvae(conditional_prior: bool = True) -> torch.nn.Module:
    torch.manual_seed(0)
    cfg = ModelConfig(latent_dim=2, hidden=[16], conditional=True, conditional_prior=conditional_prior,
                      likelihood="gaussian")
    return build_model(cfg, (5,), "vector", num_classes=3)


def test_labels_reach_the_encoder_the_decoder_and_the_prior() -> None:
    model = _cvae()
    with torch.no_grad():
        model.conditioning.prior_table.weight[1, :2] = torch.tensor([3.0, -3.0])
    x, z = torch.randn(4, 5), torch.randn(4, 2)
    zeros, ones = torch.zeros(4, dtype=torch.long), torch.ones(4, dtype=torch.long)
    assert not torch.allclose(model.encode(x, zeros).mean, model.encode(x, ones).mean)
    assert not torch.allclose(model.decode(z, zeros).mean, model.decode(z, ones).mean)
    prior = model.prior_given(torch.tensor([0, 1]))
    torch.testing.assert_close(prior.mean, torch.tensor([[0.0, 0.0], [3.0, -3.0]]))
    out = ELBO(ObjectiveConfig())(model.given(zeros), x)  # an objective, unchanged, on the bound view
    assert out.distortion.shape == (4,) and torch.isfinite(out.loss)
    with pytest.raises(VaekitError, match="give the class labels"):
        model.encode(x)
    model.eval()  # label ranges are checked outside training (the check would sync the device every step)
    with pytest.raises(VaekitError, match="between 0 and 2"):
        model.decode(z, torch.full((4,), 3))


def test_samples_of_a_class_come_from_its_prior() -> None:
    model = _cvae()
    with torch.no_grad():
        model.conditioning.prior_table.weight[2, :2] = torch.tensor([5.0, 5.0])
        model.conditioning.prior_table.weight[2, 2:] = -3.0  # scale e^-3: samples sit on the class mean
    generator = torch.Generator().manual_seed(0)
    drawn = model.sample(3, generator=generator, labels=torch.full((3,), 2))
    expected = model.decode(torch.full((3, 2), 5.0), torch.full((3,), 2)).mean
    torch.testing.assert_close(drawn, expected, atol=0.2, rtol=0)


def test_a_conditional_vae_needs_labels_and_a_compatible_prior() -> None:
    with pytest.raises(ConfigError, match="labelled data"):
        build_model(ModelConfig(conditional=True), (5,), "vector", num_classes=None)
    with pytest.raises(ConfigError, match="pseudo-inputs have no labels"):
        build_model(ModelConfig(conditional=True, prior="vamp"), (5,), "vector", num_classes=3)


def test_cvae_from_the_command_line(tmp_path) -> None:
    run = tmp_path / "cvae"
    code, output = invoke("train", "--conditional", "--conditional-prior", "--latent-dim", "2", "--hidden", "32",
                          "--epochs", "2", "--out", run, "--quiet")
    assert code == 0, output
    assert json.loads((run / "config.json").read_text())["data"]["num_classes"] == 10
    code, output = invoke("sample", run, "--label", "3", "-n", "5", "--out", tmp_path / "three.npy")
    assert code == 0, output
    import numpy as np

    assert np.load(tmp_path / "three.npy").shape == (5, 1, 8, 8)
    code, output = invoke("sample", run, "--label", "10")
    assert code == 2 and "between 0 and 9" in output
    code, output = invoke("plot", "manifold", run, "--label", "4", "--out", tmp_path / "m4.png")
    assert code == 0 and (tmp_path / "m4.png").is_file(), output
    code, output = invoke("evaluate", run, "--k", "5")
    assert code == 0, output
    assert json.loads((run / "evaluation.json").read_text())["neg_log_likelihood"]["mean"] > 0


def test_label_on_a_run_that_is_not_conditional(digits_run) -> None:
    code, output = invoke("sample", digits_run, "--label", "3")
    assert code == 2 and "not conditional" in output
