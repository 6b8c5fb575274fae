"""Training through the Python API: falling loss, bit-for-bit repeatability, exact resume, schedules."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

import vaekit
from vaekit.core.errors import VaekitError
from vaekit.objectives.schedules import linear_warmup


def _config(**train) -> vaekit.Config:
    return vaekit.Config.from_dict({"data": {"source": "digits"}, "model": {"latent_dim": 4, "hidden": [48]},
                                    "train": {"epochs": 4, "batch_size": 100, "seed": 7, **train}})


def _weights(run_dir: Path) -> dict[str, torch.Tensor]:
    return load_file(str(run_dir / "model.safetensors"))


def test_loss_falls_and_files_are_written(tmp_path) -> None:
    run = vaekit.train(_config(), tmp_path / "run", progress=False)
    losses = [row["val_neg_elbo"] for row in run.metrics]
    assert [row["epoch"] for row in run.metrics] == [1, 2, 3, 4]
    assert losses[-1] < losses[0] - 5
    for row in run.metrics:  # every logged -ELBO is its distortion plus its rate
        assert row["val_neg_elbo"] == pytest.approx(row["val_distortion"] + row["val_rate"])
        assert row["train_neg_elbo"] == pytest.approx(row["train_distortion"] + row["train_rate"])
    for name in ("config.json", "model.safetensors", "checkpoint.safetensors", "metrics.csv", "reconstructions.png",
                 "samples.png", "latent.png", "manifold.png", "loss.png"):
        assert (run.path / name).stat().st_size > 0, name
    assert any((run.path / "tensorboard").iterdir())


def test_same_seed_repeats_a_cpu_run_bit_for_bit(tmp_path) -> None:
    a = vaekit.train(_config(epochs=2), tmp_path / "a", progress=False)
    b = vaekit.train(_config(epochs=2), tmp_path / "b", progress=False)
    c = vaekit.train(_config(epochs=2, seed=8), tmp_path / "c", progress=False)
    wa, wb, wc = _weights(a.path), _weights(b.path), _weights(c.path)
    assert all(torch.equal(wa[k], wb[k]) for k in wa)
    assert not all(torch.equal(wa[k], wc[k]) for k in wa)
    assert a.metrics[-1]["val_neg_elbo"] == b.metrics[-1]["val_neg_elbo"]


def test_resume_ends_where_an_uninterrupted_run_ends(tmp_path) -> None:
    config = _config(epochs=4).with_overrides({"data": {"binarize": "dynamic"}})
    whole = vaekit.train(config, tmp_path / "whole", progress=False)
    vaekit.train(config.with_overrides({"train": {"epochs": 2}}), tmp_path / "split", progress=False)
    resumed = vaekit.resume(tmp_path / "split", epochs=4, progress=False)
    assert [row["epoch"] for row in resumed.metrics] == [1, 2, 3, 4]
    w_whole, w_resumed = _weights(whole.path), _weights(resumed.path)
    assert all(torch.equal(w_whole[k], w_resumed[k]) for k in w_whole)
    assert resumed.metrics[-1]["val_neg_elbo"] == whole.metrics[-1]["val_neg_elbo"]


def test_refuses_to_overwrite_a_run(tmp_path) -> None:
    vaekit.train(_config(epochs=1), tmp_path / "run", progress=False)
    before = (tmp_path / "run" / "model.safetensors").read_bytes()
    with pytest.raises(VaekitError, match="already holds a run"):
        vaekit.train(_config(epochs=1, seed=1), tmp_path / "run", progress=False)
    assert (tmp_path / "run" / "model.safetensors").read_bytes() == before


def test_warmup_raises_beta_linearly_and_the_trainer_logs_it(tmp_path) -> None:
    assert [linear_warmup(2.0, 4, e) for e in (0, 1, 2, 4, 9)] == [0.0, 0.5, 1.0, 2.0, 2.0]
    config = _config(epochs=3).with_overrides({"objective": {"beta": 2.0, "warmup_epochs": 2}})
    run = vaekit.train(config, tmp_path / "run", progress=False)
    betas = [row["beta"] for row in run.metrics]  # beta of the last step of each epoch
    # the last step of epoch 1 starts at example 1600 of 1617: beta = 2 * (1600 / 1617) / 2
    assert betas[0] == pytest.approx(1600 / 1617) and betas[2] == 2.0
    # a warm-up run's first epochs pay less for rate, so its training loss sits below its -ELBO
    assert run.metrics[0]["train_loss"] < run.metrics[0]["train_neg_elbo"]


def test_free_bits_keep_the_rate_from_collapsing(tmp_path) -> None:
    plain = vaekit.train(_config(epochs=3).with_overrides({"objective": {"beta": 8.0}}), tmp_path / "a",
                         progress=False)
    free = vaekit.train(_config(epochs=3).with_overrides({"objective": {"beta": 8.0, "free_bits": 1.0}}),
                        tmp_path / "b", progress=False)
    assert free.metrics[-1]["val_rate"] > plain.metrics[-1]["val_rate"] + 0.5


def test_loaded_model_matches_the_trained_one_on_any_device(tmp_path) -> None:
    run = vaekit.train(_config(epochs=1), tmp_path / "run", progress=False)
    model = vaekit.load(run.path, "cpu")
    x = torch.rand(5, 1, 8, 8)
    assert torch.equal(model.encode(x).mean, run.model.cpu().encode(x).mean)
    assert model.elbo(x).negative_elbo.shape == (5,)


def test_training_neither_changes_nor_depends_on_the_callers_random_state(tmp_path) -> None:
    torch.manual_seed(123)
    before = torch.get_rng_state()
    quiet = vaekit.train(_config(epochs=2), tmp_path / "a", progress=False)
    assert torch.equal(torch.get_rng_state(), before)

    def noisy(row: dict) -> None:  # a callback that draws from the global generator between epochs
        torch.randn(1000)

    busy = vaekit.train(_config(epochs=2), tmp_path / "b", progress=False, on_epoch=noisy)
    wa, wb = _weights(quiet.path), _weights(busy.path)
    assert all(torch.equal(wa[k], wb[k]) for k in wa)
    assert [row["epoch"] for row in busy.metrics] == [1, 2]


def test_bf16_mixed_precision_trains_the_networks_in_bfloat16_and_keeps_the_numbers_in_float32(tmp_path) -> None:
    full = vaekit.train(_config(epochs=3), tmp_path / "fp32", progress=False, pictures=False)
    mixed = vaekit.train(_config(epochs=3, precision="bf16"), tmp_path / "bf16", progress=False, pictures=False)
    assert all(w.dtype == torch.float32 for w in _weights(mixed.path).values())
    # the same seed and data: bfloat16 products move the result a little, not the learning
    assert mixed.metrics[-1]["val_neg_elbo"] == pytest.approx(full.metrics[-1]["val_neg_elbo"], rel=0.03)
    assert mixed.metrics[-1]["val_neg_elbo"] < mixed.metrics[0]["val_neg_elbo"] - 3
    assert mixed.metrics[-1]["val_neg_elbo"] != full.metrics[-1]["val_neg_elbo"]  # it did run in bfloat16
    x = torch.rand(5, *mixed.model.data_shape)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        hidden = mixed.model.encoder(x)
        q = mixed.model.encode(x)
        log_px = mixed.model.decode(q.rsample()).log_prob(x)
    assert hidden.dtype == torch.bfloat16  # the network ran in bfloat16 ...
    assert q.mean.dtype == torch.float32 and log_px.dtype == torch.float32  # ... the distributions did not
    with pytest.raises(VaekitError, match="precision must be one of"):
        _config(precision="fp8")
