"""Corruptions (vaekit.data.corruption), the denoising objective (Im et al. 2017) and `vaekit denoise`: statistics of
each corruption, the objective's terms against a direct computation, exact repeatability and resume, a denoising
VAE against a plain one on noisy digits, and the command's files."""

from __future__ import annotations

import matplotlib.image
import numpy as np
import pandas as pd
import pytest
import torch
from safetensors.torch import load_file
from torch.distributions import constraints

import vaekit
from conftest import invoke
from vaekit.config import Config, ModelConfig, ObjectiveConfig
from vaekit.core.errors import ConfigError
from vaekit.core.registry import LIKELIHOODS
from vaekit.data.corruption import corrupt, corrupt_for, gaussian, mask, parse_noise, replace, salt_pepper
from vaekit.likelihoods.discretized_logistic import eight_bit
from vaekit.model.build import build_model
from vaekit.objectives.denoising import Denoising
from vaekit.objectives.elbo import ELBO
from vaekit.parts import check_config
from vaekit.tasks.denoising import add_noise, denoise
from vaekit.tasks.outputs import select_data

N, D = 400, 64


def _x() -> torch.Tensor:
    """Values strictly inside (0, 1), so that every corrupted entry is told apart from an untouched one."""
    return 0.05 + 0.9 * torch.rand(N, D, generator=torch.Generator().manual_seed(0))


def _seeded(seed: int = 1) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize("p", [0.1, 0.5])
def test_mask_zeroes_a_fraction_p_and_leaves_the_rest(p) -> None:
    x = _x()
    noisy = mask(x, p, _seeded())
    hit = noisy != x
    assert hit.float().mean().item() == pytest.approx(p, abs=0.01)  # 25,600 entries: sd of the fraction < 0.0032
    assert bool((noisy[hit] == 0).all())
    assert torch.equal(noisy[~hit], x[~hit])


def test_salt_pepper_sets_a_fraction_p_to_the_ends_half_each() -> None:
    x = _x()
    noisy = salt_pepper(x, 0.1, 0.0, 1.0, _seeded())
    hit = noisy != x
    assert hit.float().mean().item() == pytest.approx(0.1, abs=0.01)
    assert set(noisy[hit].unique().tolist()) == {0.0, 1.0}
    assert (noisy[hit] == 1).float().mean().item() == pytest.approx(0.5, abs=0.03)
    assert torch.equal(noisy[~hit], x[~hit])


def test_replace_draws_uniform_values_on_the_support() -> None:
    x = _x()
    noisy = replace(x, 0.3, 0.0, 1.0, generator=_seeded())
    hit = noisy != x
    assert hit.float().mean().item() == pytest.approx(0.3, abs=0.01)
    values = noisy[hit]
    assert float(values.min()) >= 0 and float(values.max()) <= 1
    # U[0, 1]: mean 1/2, variance 1/12, a quarter of the draws in each quarter of the interval
    assert values.mean().item() == pytest.approx(0.5, abs=0.01)
    assert values.var().item() == pytest.approx(1 / 12, abs=0.005)
    assert torch.histc(values, 4, 0, 1).div(len(values)).tolist() == pytest.approx([0.25] * 4, abs=0.02)
    assert torch.equal(noisy[~hit], x[~hit])
    levels = replace(x, 1.0, 0.0, 1.0, levels=4, generator=_seeded())  # a grid: every level equally often
    assert torch.bincount((levels * 3).round().long().flatten()).div(levels.numel()).tolist() == pytest.approx(
        [0.25] * 4, abs=0.01)


def test_gaussian_adds_sigma_noise_clamped_to_bounds_only_where_given() -> None:
    x = torch.full((N, D), 0.5)
    free = gaussian(x, 0.1, generator=_seeded())  # far from the bounds: the noise itself
    assert (free - x).std().item() == pytest.approx(0.1, rel=0.02)
    assert (free - x).mean().item() == pytest.approx(0.0, abs=0.002)
    wide = gaussian(x, 1.0, generator=_seeded())
    clamped = gaussian(x, 1.0, 0.0, 1.0, generator=_seeded())
    assert float(wide.min()) < 0 and float(wide.max()) > 1
    assert torch.equal(clamped, wide.clamp(0, 1))  # the same noise, cut at the support's ends
    assert torch.equal(gaussian(x, 0.0, 0.0, 1.0, generator=_seeded()), x)


@pytest.mark.parametrize("kind, level", [("gaussian", 0.3), ("salt_pepper", 0.2), ("mask", 0.4), ("replace", 0.5)])
def test_corrupt_repeats_with_a_seed_and_respects_the_declared_support(kind, level) -> None:
    x = _x()
    a = corrupt(x, kind, level, constraints.unit_interval, generator=_seeded(5))
    b = corrupt(x, kind, level, constraints.unit_interval, generator=_seeded(5))
    c = corrupt(x, kind, level, constraints.unit_interval, generator=_seeded(6))
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert bool(constraints.unit_interval.check(a).all())
    torch.manual_seed(3)  # without a generator: torch's global state, as the training step draws
    d = corrupt(x, kind, level, constraints.unit_interval)
    torch.manual_seed(3)
    assert torch.equal(d, corrupt(x, kind, level, constraints.unit_interval))
    on_grid = corrupt((x * 255).round() / 255, kind, level, eight_bit, levels=256, generator=_seeded(5))
    assert bool(eight_bit.check(on_grid).all())  # a discrete likelihood's x~ stays on its levels


def test_unbounded_support_uses_the_batch_range_for_the_ends() -> None:
    x = 3.0 * torch.randn(N, D, generator=_seeded(2))
    noisy = corrupt(x, "salt_pepper", 0.2, constraints.real, generator=_seeded())
    hit = noisy != x
    assert set(noisy[hit].unique().tolist()) == {float(x.min()), float(x.max())}
    assert float(corrupt(x, "gaussian", 5.0, constraints.real, generator=_seeded()).max()) > float(x.max())


def test_every_likelihood_gets_corrupted_data_it_can_score() -> None:
    for name in LIKELIHOODS.names():
        part = LIKELIHOODS.get(name)
        if part.needs_schema:  # a table's likelihood: the contract test builds it from a schema
            continue
        if part.needs_vocabulary:  # token ids are not corrupted (corrupt_for refuses them; see the test below)
            continue
        x = torch.rand(8, D, generator=_seeded(4))
        if part.levels is not None:
            x = (x * (part.levels - 1)).round() / (part.levels - 1)
        for kind in ("gaussian", "salt_pepper", "mask", "replace"):
            noisy = corrupt(x, kind, 0.5, part.data_support, part.levels, _seeded())
            assert bool(part.data_support.check(noisy).all()), (name, kind)


def test_settings_are_validated_and_refused_where_ignored() -> None:
    cfg = Config.from_dict({"objective": {"name": "denoising", "corruption": "mask", "corruption_level": 0.5}})
    assert cfg.objective.denoising_target == "clean"
    for values, message in (
            ({"corruption": "mask", "corruption_level": 1.5}, r"fraction p .* \[0, 1\], got 1.5"),
            ({"corruption": "gaussian", "corruption_level": -0.1}, r"sigma: it must be zero or positive"),
            ({"corruption": "blur"}, r"objective.corruption must be one of none, gaussian, salt_pepper"),
            ({"corruption": "none"}, r"the denoising objective trains on corrupted inputs: set corruption")):
        with pytest.raises(ConfigError, match=message):
            check_config(Config.from_dict({"objective": {"name": "denoising", **values}}))
    with pytest.raises(ConfigError, match=r"corruption is not read by the iwae objective.*applies to denoising"):
        check_config(Config.from_dict({"objective": {"name": "iwae", "corruption": "gaussian"}}))
    with pytest.raises(ConfigError, match=r"denoising_target is not read by the elbo objective"):
        check_config(Config.from_dict({"objective": {"denoising_target": "corrupted"}}))
    assert parse_noise("salt_pepper:0.1") == ("salt_pepper", 0.1)
    for text, message in (("gaussian", "must be KIND:LEVEL"), ("mask:x", "not a number"), ("blur:0.1", "unknown"),
                          ("mask:2", r"\[0, 1\]")):
        with pytest.raises(ConfigError, match=message):
            parse_noise(text)


@pytest.mark.parametrize("target", ["clean", "corrupted"])
def test_denoising_distortion_scores_the_target_given_the_corrupted_code(target) -> None:
    model = build_model(ModelConfig(latent_dim=3, hidden=[16], likelihood="bernoulli"), (D,), "vector")
    x = _x()[:32]
    cfg = ObjectiveConfig(name="denoising", corruption="salt_pepper", corruption_level=0.3, denoising_target=target)
    torch.manual_seed(11)
    out = Denoising(cfg)(model, x)
    torch.manual_seed(11)  # the same draws, in the same order: x~ first, then z
    x_tilde = corrupt_for(model, x, "salt_pepper", 0.3)
    q = model.encode(x_tilde)
    z = q.rsample()
    expected = -model.decode(z).log_prob(x if target == "clean" else x_tilde)
    torch.testing.assert_close(out.distortion, expected, rtol=0, atol=0)
    rate = torch.distributions.kl_divergence(q, model.prior)
    torch.testing.assert_close(out.rate, rate)
    torch.testing.assert_close(out.loss, out.distortion.mean() + out.rate.mean())
    assert (x_tilde != x).float().mean().item() == pytest.approx(0.3, abs=0.05)
    torch.manual_seed(11)
    plain = ELBO(ObjectiveConfig())(model, x)  # the clean code: another distortion
    assert not torch.allclose(plain.distortion, out.distortion)


@pytest.fixture
def one_thread():
    """Models this small run faster on one thread than on two (the step is all overhead)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _digits_config(epochs: int, **objective) -> Config:
    return Config.from_dict({"data": {"source": "digits"}, "model": {"latent_dim": 4, "hidden": [48]},
                             "objective": {"name": "denoising", "corruption": "gaussian", "corruption_level": 0.2,
                                           **objective},
                             "train": {"epochs": epochs, "batch_size": 100, "seed": 7}})


def test_denoising_runs_repeat_and_resume_bit_for_bit(tmp_path, one_thread) -> None:
    whole = vaekit.train(_digits_config(3), tmp_path / "whole", progress=False, pictures=False)
    again = vaekit.train(_digits_config(3), tmp_path / "again", progress=False, pictures=False)
    vaekit.train(_digits_config(1), tmp_path / "split", progress=False, pictures=False)
    resumed = vaekit.resume(tmp_path / "split", epochs=3, progress=False)
    weights = [load_file(str(run / "model.safetensors")) for run in (whole.path, again.path, resumed.path)]
    for other in weights[1:]:
        assert all(torch.equal(weights[0][k], other[k]) for k in weights[0])
    assert resumed.metrics[-1]["train_loss"] == whole.metrics[-1]["train_loss"]


def test_a_denoising_vae_cleans_noisy_digits_better_than_a_plain_one(tmp_path, one_thread) -> None:
    def config(**objective) -> Config:  # the same model, data, steps and seed; only the objective differs
        return Config.from_dict({"data": {"source": "digits"}, "model": {"latent_dim": 8, "hidden": [64]},
                                 "objective": objective,
                                 "train": {"epochs": 40, "batch_size": 32, "lr": 3e-3, "seed": 0}})

    denoiser = vaekit.train(config(name="denoising", corruption="gaussian", corruption_level=0.3), tmp_path / "d",
                            progress=False, pictures=False).model
    plain = vaekit.train(config(), tmp_path / "p", progress=False, pictures=False).model
    x = select_data(tmp_path / "d").x  # the test split, never seen in training
    noisy = add_noise(denoiser, x, "gaussian:0.3", seed=1)
    errors = [float(((denoise(model, noisy) - x) ** 2).mean()) for model in (denoiser, plain)]
    # measured 0.036 against 0.041 (seed 0) and 0.037 against 0.040 (seed 1)
    assert errors[0] < 0.96 * errors[1], errors
    assert errors[0] < float(((noisy - x) ** 2).mean())  # better than leaving the noise in


def test_cli_denoise_writes_every_example_in_order_with_its_ids(digits_run, tmp_path) -> None:
    model = vaekit.load(digits_run)
    x = select_data(digits_run, split="all").x
    code, output = invoke("denoise", digits_run, "--split", "all", "--add-noise", "mask:0.5", "--seed", "2",
                          "--noisy-out", tmp_path / "noisy.npy", "--out", tmp_path / "clean.csv")
    assert code == 0, output
    noisy = np.load(tmp_path / "noisy.npy")
    assert np.array_equal(np.load(tmp_path / "noisy-ids.npy"), np.arange(len(x)))
    assert np.array_equal(noisy, add_noise(model, x, "mask:0.5", seed=2).numpy())  # the seed repeats the noise
    assert (noisy != x.numpy()).mean() == pytest.approx(0.5 * (x.numpy() != 0).mean(), abs=0.01)
    table = pd.read_csv(tmp_path / "clean.csv")
    assert table["id"].tolist() == list(range(len(x))) and table.shape == (len(x), 65)
    # the noise --add-noise made is known: its posterior mean, which keeps every value masking cannot have written
    expected = denoise(model, noisy, noise="mask:0.5").reshape(len(x), -1).numpy()
    np.testing.assert_allclose(table.drop(columns="id").to_numpy(), expected, rtol=1e-6)
    untouched = noisy.reshape(len(x), -1) != 0
    assert np.array_equal(expected[untouched], noisy.reshape(len(x), -1)[untouched])

    np.save(tmp_path / "reversed.npy", noisy[::-1].copy())  # --data is used whole, in its own order
    # noisy data of one's own: the noise said with --noise
    code, output = invoke("denoise", digits_run, "--data", tmp_path / "reversed.npy", "--noise", "mask:0.5", "--out",
                          tmp_path / "r.npy")
    assert code == 0 and "(knowing the noise mask:0.5)" in output, output
    np.testing.assert_allclose(np.load(tmp_path / "r.npy"), expected[::-1].reshape(-1, 1, 8, 8), rtol=1e-6)
    assert np.array_equal(np.load(tmp_path / "r-ids.npy"), np.arange(len(x)))

    code, output = invoke("denoise", digits_run, "-n", "20", "--add-noise", "salt_pepper:0.1", "--out",
                          tmp_path / "grid.png")
    assert code == 0 and "wrote 20 denoised examples" in output, output
    height, width = matplotlib.image.imread(tmp_path / "grid.png").shape[:2]
    assert width > height >= 300  # rows of 16 (noisy, denoised, clean), two groups of rows for 20 examples


def test_token_ids_are_not_corrupted_word_dropout_is_their_corruption(tmp_path) -> None:
    from conftest import invoke

    (tmp_path / "tiny.txt").write_text("the cat sat\nthe dog ran\na cat ran\nthe dog sat\n")
    code, output = invoke("train", "--data", tmp_path / "tiny.txt", "--min-count", "1", "--network", "rnn",
                          "--objective", "denoising", "--corruption", "gaussian", "--epochs", "1",
                          "--out", tmp_path / "run")
    assert code == 2 and "error: the gaussian corruption changes values, and token ids are names of words" in output
    assert "--word-dropout" in output and not (tmp_path / "run").exists()
