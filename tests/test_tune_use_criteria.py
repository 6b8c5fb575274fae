"""The uses' own criteria of `vaekit tune`: denoising:KIND:LEVEL and inpainting:MASK score a trial by how well it
restores the validation images, measured here again, independently, from the files the search left."""

from __future__ import annotations

import json

import pytest
import torch
from click.testing import CliRunner

from vaekit.cli import main
from vaekit.config import Config
from vaekit.data import load_dataset
from vaekit.data.validation import validation_split
from vaekit.runs.run import Run
from vaekit.tasks.denoising import add_noise, denoise
from vaekit.tasks.imputation import impute
from vaekit.tuning import tune
from vaekit.tuning.criteria import criterion_of
from vaekit.tuning.space import search_space


def _best(out) -> tuple[Run, object]:
    run = Run.open(out / "best")
    run.model = run.load_model()
    return run, validation_split(load_dataset("digits"), 0.2, seed=0)


def test_the_denoising_criterion_is_the_mean_squared_error_of_denoising_noisy_validation_images(tmp_path):
    out = tmp_path / "study"
    result = CliRunner().invoke(main, ["tune", "--data", "digits", "--epochs", "2", "--hidden", "16", "--trials", "1",
                                       "--criterion", "denoising:salt_pepper:0.1", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "tune.json").read_text())
    assert summary["searched"]["criterion"] == "denoising:salt_pepper:0.1"
    assert summary["criterion"] == "validation denoising error (salt_pepper:0.1), mean squared"
    run, held = _best(out)
    clean = held.test_x
    # denoised knowing the noise, as `vaekit denoise --add-noise` does
    restored = denoise(run.model, add_noise(run.model, clean, "salt_pepper:0.1", seed=0), noise="salt_pepper:0.1")
    expected = float(((restored.double() - clean.double()) ** 2).mean())
    assert summary["trials"][0]["value"] == pytest.approx(expected, rel=1e-6)
    assert 0.0 < expected < 0.2  # pixels in [0, 1]: an error of a few hundredths, not of the noise's units
    # each validation row's part is kept, so the search can tell a real gain over trial 0 from the rows' noise
    values = criterion_of("denoising:salt_pepper:0.1").measure(run, held)
    assert values.shape == (len(clean),) and float(values.mean()) == pytest.approx(expected, rel=1e-6)


def test_the_inpainting_criterion_scores_the_hidden_pixels_only(tmp_path):
    config = {"data": {"source": "digits"}, "model": {"hidden": [16]}, "train": {"epochs": 2}}
    result = tune(config, tmp_path / "study", trials=1, criterion="inpainting:lower-half", progress=False,
                  pictures=False)
    run, held = _best(tmp_path / "study")
    clean = held.test_x
    gaps = clean.clone()
    gaps[:, :, 4:, :] = float("nan")
    filled = impute(run.model, gaps, seed=0)
    assert torch.equal(filled[:, :, :4], clean[:, :, :4])  # the seen upper half comes back as it was
    expected = float(((filled[:, :, 4:].double() - clean[:, :, 4:].double()) ** 2).mean())
    assert result.best_value == pytest.approx(expected, rel=1e-6)
    # a wrong guess on the seen half would not count: the same model scored on all pixels differs
    everywhere = float(((filled.double() - clean.double()) ** 2).mean())
    assert everywhere == pytest.approx(expected / 2, rel=1e-6)


def test_the_denoising_objective_declares_its_training_noise_level_tunable():
    space = search_space(Config.from_dict({"model": {"network": "mlp", "likelihood": "bernoulli"},
                                           "objective": {"name": "denoising", "corruption": "salt_pepper"}}))
    assert {"corruption_level", "warmup_epochs"} <= set(space)
    assert space["corruption_level"].low == 0.05 and space["corruption_level"].high == 0.5
    given = search_space(Config.from_dict({"model": {"network": "mlp", "likelihood": "gaussian"},
                                           "objective": {"name": "denoising", "corruption": "gaussian"}}),
                         fixed={"corruption_level"})
    assert "corruption_level" not in given
