"""FactorVAE: the discriminator's density-ratio estimate of the total correlation against a closed form, its
own optimizer stepped only in training, and its state saved with the run so that --resume continues exactly."""

from __future__ import annotations

import math

import torch
from safetensors.torch import load_file

import vaekit
from vaekit.config import ObjectiveConfig
from vaekit.objectives.factor_vae import FactorVAE, permute_dimensions
from vaekit.training.checkpoint import load_checkpoint

CONFIG = {"data": {"source": "sprites:n=300,size=16"}, "model": {"latent_dim": 3, "hidden": [32]},
          "objective": {"name": "factor_vae", "tc_weight": 5.0, "discriminator_hidden": [16, 16],
                        "discriminator_lr": 1e-3},
          "train": {"epochs": 2, "batch_size": 50}}


def test_permuting_dimensions_keeps_each_marginal() -> None:
    torch.manual_seed(0)
    z = torch.randn(100, 3)
    permuted = permute_dimensions(z)
    for j in range(3):
        assert torch.equal(permuted[:, j].sort().values, z[:, j].sort().values)
    assert not torch.equal(permuted, z)


def test_the_discriminator_estimates_the_total_correlation_of_correlated_gaussians() -> None:
    # z = (u, rho u + sqrt(1 - rho^2) e): TC = KL(q(z) || q(z1) q(z2)) = -1/2 log(1 - rho^2) = 0.830 nats for 0.9
    torch.manual_seed(0)
    rho = 0.9
    objective = FactorVAE(ObjectiveConfig(name="factor_vae", discriminator_hidden=[32, 32], discriminator_lr=2e-3))

    def codes(n: int) -> torch.Tensor:
        u, e = torch.randn(n), torch.randn(n)
        return torch.stack([u, rho * u + math.sqrt(1 - rho ** 2) * e], 1)

    for _ in range(500):
        objective.discriminator_step(codes(256))
    with torch.no_grad():
        estimate = float(objective.total_correlation(codes(20_000)).mean())
    assert abs(estimate - (-0.5 * math.log(1 - rho ** 2))) < 0.15
    # independent dimensions have no total correlation: the discriminator cannot tell them apart
    independent = FactorVAE(ObjectiveConfig(name="factor_vae", discriminator_hidden=[32, 32], discriminator_lr=2e-3))
    for _ in range(200):
        independent.discriminator_step(torch.randn(256, 2))
    with torch.no_grad():
        assert abs(float(independent.total_correlation(torch.randn(20_000, 2)).mean())) < 0.1


def test_the_discriminator_steps_only_with_gradients_and_the_model_gets_none_into_it() -> None:
    torch.manual_seed(0)
    model = vaekit.build_model(vaekit.ModelConfig(latent_dim=3, hidden=[16]), (1, 8, 8), "image")
    x = torch.rand(20, 1, 8, 8).round()
    objective = FactorVAE(ObjectiveConfig(name="factor_vae", discriminator_hidden=[8]))
    with torch.no_grad():  # the loop's dry run and any evaluation: D is built, not trained
        out = objective(model, x)
    before = {k: v.clone() for k, v in objective.state_dict().items()}
    assert "discriminator_loss" not in out.extras and set(before) == {"discriminator.0.weight", "discriminator.0.bias",
                                                                      "discriminator.2.weight", "discriminator.2.bias"}
    out = objective(model, x)
    assert set(out.extras) == {"total_correlation", "discriminator_loss", "discriminator_accuracy"}
    assert any(not torch.equal(before[k], v) for k, v in objective.state_dict().items())
    grads = [p.grad.clone() for p in objective.parameters()]  # from D's own step
    out.loss.backward()
    assert all(torch.equal(p.grad, g) for p, g in zip(objective.parameters(), grads))  # the model's loss adds none
    assert all(p.grad is not None for p in model.encoder.parameters())
    # the loss is the ELBO's terms plus gamma times the discriminator's TC estimate
    tc = out.extras["total_correlation"]
    assert abs(float(out.loss) - float(out.distortion.mean() + out.rate.mean() + 35.0 * tc)) < 1e-3


def test_the_discriminator_is_saved_and_resume_continues_exactly(tmp_path) -> None:
    whole = vaekit.train(CONFIG, tmp_path / "whole", progress=False, pictures=False)
    config = {**CONFIG, "train": {**CONFIG["train"], "epochs": 1}}
    vaekit.train(config, tmp_path / "half", progress=False, pictures=False)
    state = load_checkpoint(tmp_path / "half" / "checkpoint.safetensors")
    assert set(state.objective["module"]) == {f"discriminator.{i}.{p}" for i in (0, 2, 4) for p in ("weight", "bias")}
    assert state.objective["optimizer"]["state"][0]["exp_avg"].shape == (16, 3)
    resumed = vaekit.resume(tmp_path / "half", epochs=2, progress=False)
    assert resumed.metrics[-1]["train_discriminator_loss"] == whole.metrics[-1]["train_discriminator_loss"]
    for name, value in load_file(str(tmp_path / "whole" / "model.safetensors")).items():
        assert torch.equal(value, load_file(str(tmp_path / "half" / "model.safetensors"))[name]), name
    ends = [load_checkpoint(tmp_path / run / "checkpoint.safetensors").objective["module"] for run in ("whole", "half")]
    assert all(torch.equal(ends[0][k], ends[1][k]) for k in ends[0])
