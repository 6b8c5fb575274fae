"""Denoising under known noise (tasks/known_noise.py): the gaussian blend against its formula written with
torch.distributions, the salt-and-pepper and mask rules entry by entry, seeding, and the command's choice of noise."""

from __future__ import annotations

import numpy as np
import torch
from torch.distributions import Normal

import vaekit
from conftest import invoke
from vaekit.config import Config
from vaekit.model.build import build_model
from vaekit.tasks.denoising import add_noise, denoise
from vaekit.tasks.imputation.partial import posterior_draws
from vaekit.tasks.known_noise import DRAWS


def _gaussian_model() -> torch.nn.Module:
    """An untrained VAE of 6-dimensional vectors with a Gaussian likelihood: the formula holds for any weights."""
    torch.manual_seed(0)
    config = Config.from_dict({"data": {"source": "array"}, "model": {"hidden": [8], "latent_dim": 2,
                                                                    "likelihood": "gaussian"}})
    return build_model(config.model, (6,), "vector").eval()


def test_gaussian_noise_blends_each_draw_by_precision_and_weighs_the_draws_by_importance():
    model = _gaussian_model()
    noisy = torch.from_numpy(np.random.default_rng(1).normal(size=(5, 6)).astype(np.float32))
    sigma = 0.4
    found = denoise(model, noisy, noise=f"gaussian:{sigma}", seed=7)
    with torch.no_grad():  # the same draws (seed 7), the formula written again with torch.distributions
        torch.manual_seed(7)
        q = model.encode(noisy)
        z, log_q = posterior_draws(q, DRAWS, noisy)
        px = model.decode(z)
        mean, variance = px.mean, px.variance
        log_w = Normal(mean, (variance + sigma**2).sqrt()).log_prob(noisy).sum(-1) + model.prior.log_prob(z) - log_q
        w = torch.softmax(log_w, 0).unsqueeze(-1)
        expected = (w * (variance * noisy + sigma**2 * mean) / (variance + sigma**2)).sum(0)
    torch.testing.assert_close(found, expected, rtol=1e-5, atol=1e-6)
    # no noise: every entry is the input itself; the seed repeats the draws, another seed moves them
    torch.testing.assert_close(denoise(model, noisy, noise="gaussian:0"), noisy, rtol=1e-5, atol=1e-6)
    assert torch.equal(denoise(model, noisy, noise=f"gaussian:{sigma}", seed=7), found)
    assert not torch.equal(denoise(model, noisy, noise=f"gaussian:{sigma}", seed=8), found)


def test_salt_and_pepper_keeps_every_value_it_cannot_have_written(digits_run):
    model = vaekit.load(digits_run)
    clean = torch.from_numpy(vaekit.load_dataset("digits").test_x[:200].numpy())
    noisy = add_noise(model, clean, "salt_pepper:0.2", seed=0)
    found = denoise(model, noisy, noise="salt_pepper:0.2")
    decoded = denoise(model, noisy)  # the decoder's mean at q(z|x~)'s mean
    written = (noisy == 0) | (noisy == 1)
    assert torch.equal(found[~written], noisy[~written])  # strictly inside [0, 1]: untouched by the noise
    assert torch.equal(found[written], decoded[written])
    assert float(((found - clean) ** 2).mean()) < float(((decoded - clean) ** 2).mean())
    # masking writes zeros only: every other value is kept, the zeros are decoded
    masked = add_noise(model, clean, "mask:0.3", seed=0)
    kept = denoise(model, masked, noise="mask:0.3")
    assert torch.equal(kept[masked != 0], masked[masked != 0])
    assert torch.equal(kept[masked == 0], denoise(model, masked)[masked == 0])


def test_the_command_denoises_under_the_noise_it_added_unless_told_otherwise(digits_run, tmp_path):
    model = vaekit.load(digits_run)
    x = vaekit.load_dataset("digits").test_x[:30]
    noisy = add_noise(model, x, "salt_pepper:0.1", seed=0)
    code, output = invoke("denoise", digits_run, "-n", "30", "--add-noise", "salt_pepper:0.1", "--out",
                          tmp_path / "known.npy")
    assert code == 0 and "(knowing the noise salt_pepper:0.1)" in output, output
    np.testing.assert_allclose(np.load(tmp_path / "known.npy"), denoise(model, noisy, noise="salt_pepper:0.1"),
                               rtol=1e-6)
    code, output = invoke("denoise", digits_run, "-n", "30", "--add-noise", "salt_pepper:0.1", "--noise", "none",
                          "--out", tmp_path / "mean.npy")
    assert code == 0 and "(the decoder's mean)" in output, output
    np.testing.assert_allclose(np.load(tmp_path / "mean.npy"), denoise(model, noisy), rtol=1e-6)
    # replace noise has no worked-out posterior: --add-noise replace takes the decoder's mean, and says so
    code, output = invoke("denoise", digits_run, "-n", "30", "--add-noise", "replace:0.1", "--out",
                          tmp_path / "replaced.npy")
    assert code == 0 and "(the decoder's mean)" in output, output
