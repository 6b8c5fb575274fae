"""Sequence models trained end to end: a text VAE and its language model from Python on synthetic token data (two
topics, so that a code helps), and a series VAE from the command line on a .npy file with padding, whose outputs
come back in the file form (NaN padding)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner

import vaekit
from vaekit.cli import main
from vaekit.data.dataset import Dataset
from vaekit.data.series.reader import padded_series, with_nan_padding
from vaekit.data.text.tokens import EOS, PAD, SPECIAL
from vaekit.tasks.evaluation.importance import importance_weighted_bound
from vaekit.training.health import PosteriorCollapseWarning

LENGTH = 8  # 7 words at most, then EOS


def _sentences(n: int, seed: int) -> torch.Tensor:
    """Sentences of 2..6 words, each drawn from one of two topics (words 4-6 or words 7-9)."""
    generator = torch.Generator().manual_seed(seed)
    x = torch.full((n, LENGTH), float(PAD))
    for row in range(n):
        words = int(torch.randint(2, 7, (1,), generator=generator))
        topic = 4 + 3 * (row % 2)
        x[row, :words] = torch.randint(topic, topic + 3, (words,), generator=generator).float()
        x[row, words] = EOS
    return x


def _text_data() -> Dataset:
    return Dataset(name="topics", train_x=_sentences(400, 0), test_x=_sentences(60, 1), train_y=None, test_y=None,
                   kind="text", source="topics", vocabulary=[*SPECIAL, *"abcdef"])


def _config(**model) -> dict:
    return {"data": {"source": "topics"},
            "model": {"latent_dim": 2, "network": "rnn", "rnn_hidden": 32, "embedding_dim": 16, **model},
            "train": {"epochs": 4, "batch_size": 50, "seed": 0, "lr": 0.01}}


def test_a_text_vae_and_its_language_model_train_from_python(tmp_path: Path) -> None:
    data = _text_data()
    vae = vaekit.train(_config(word_dropout=0.25), tmp_path / "vae", progress=False, data=data, pictures=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lm = vaekit.train(_config(language_model=True), tmp_path / "lm", progress=False, data=data, pictures=False)
    # no code to collapse: the collapse warning, which a VAE whose rate stays 0 gets, is not given
    assert not [w for w in caught if issubclass(w.category, PosteriorCollapseWarning)]
    uniform = 5 * np.log(7)  # about 5 tokens a sentence, 7 tokens the decoder may emit
    for run in (vae, lm):
        losses = [row["val_neg_elbo"] for row in run.metrics]
        assert losses[-1] < losses[0] and losses[-1] < uniform
    assert all(row["val_rate"] == 0.0 and row["train_rate"] == 0.0 for row in lm.metrics)
    model = vaekit.load(tmp_path / "lm")  # reloaded from the run directory: still a language model
    estimate = importance_weighted_bound(model, data.test_x, k=3)
    torch.testing.assert_close(estimate.log_likelihood, estimate.elbo)
    assert float(-estimate.log_likelihood.mean()) == pytest.approx(lm.metrics[-1]["val_neg_elbo"], rel=1e-4)
    decoded = vaekit.load(tmp_path / "vae").sample(5, generator=torch.Generator().manual_seed(0))
    assert decoded.shape == (5, LENGTH) and bool((decoded == EOS).any(-1).all())


def _waves(path: Path) -> np.ndarray:
    rng = np.random.default_rng(0)
    values = np.full((60, 12, 2), np.nan, dtype=np.float32)
    for row in range(60):
        length = rng.integers(3, 13)
        phase = np.arange(length) * rng.uniform(0.3, 1.0) + rng.uniform(0, 6)
        values[row, :length] = np.stack([np.sin(phase), np.cos(phase)], -1)
    np.save(path, values)
    return values


def test_the_series_file_form_comes_back_whole(tmp_path: Path) -> None:
    values = _waves(tmp_path / "waves.npy")
    padded = padded_series(values, "waves.npy")
    assert padded.shape == (60, 12, 3) and set(np.unique(padded[..., -1])) == {0.0, 1.0}
    assert bool((padded[..., :-1][padded[..., -1] == 0] == 0).all())  # padding is 0 in memory
    np.testing.assert_array_equal(with_nan_padding(padded), values)  # NaN where it was NaN, the values elsewhere
    one_channel = padded_series(values[..., 0], "waves.npy")
    assert one_channel.shape == (60, 12, 2)


def test_a_series_vae_trains_samples_and_reconstructs_from_the_command_line(tmp_path: Path) -> None:
    values = _waves(tmp_path / "waves.npy")
    run = tmp_path / "run"
    runner = CliRunner()
    result = runner.invoke(main, ["train", "--data", f"series:path={tmp_path / 'waves.npy'}", "--network", "conv1d",
                                  "--conv-channels", "8,8", "--rnn-hidden", "16", "--latent-dim", "2", "--epochs",
                                  "2", "--batch-size", "20", "--quiet", "--out", str(run)])
    assert result.exit_code == 0, result.output
    recorded = json.loads((run / "config.json").read_text())["data"]
    assert (recorded["kind"], recorded["shape"], recorded["likelihood"]) == ("series", [12, 3],
                                                                             "autoregressive_gaussian")
    samples = np.load(run / "samples.npy")
    assert samples.shape[1:] == (12, 2)
    lengths = (~np.isnan(samples[..., 0])).sum(1)
    assert bool((lengths >= 1).all())
    for row, n in enumerate(lengths):  # NaN exactly on the padding after each sample's end
        assert not np.isnan(samples[row, :n]).any() and np.isnan(samples[row, n:]).all()
    result = runner.invoke(main, ["reconstruct", str(run), "--out", str(tmp_path / "recon.csv")])
    assert result.exit_code == 0, result.output
    import pandas as pd

    table = pd.read_csv(tmp_path / "recon.csv")
    assert list(table.columns) == ["id", "x0", "x1", "step", "source"]
    inputs = table[table.source == "input"]
    for row, steps in inputs.groupby("id"):  # the id is the series' row in the file; its real steps, no padding
        np.testing.assert_allclose(steps[["x0", "x1"]].to_numpy(), values[row, :len(steps)], rtol=1e-6)
        assert len(steps) == int((~np.isnan(values[row, :, 0])).sum())
    result = runner.invoke(main, ["sample", str(run), "-n", "6", "--out", str(tmp_path / "samples.png")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "samples.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    result = runner.invoke(main, ["evaluate", str(run), "--k", "4"])
    assert result.exit_code == 0, result.output
