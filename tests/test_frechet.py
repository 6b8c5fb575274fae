"""The Frechet distance against closed forms, the cached feature classifier, and the score on real models."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import vaekit
from vaekit.config import ModelConfig
from vaekit.model.build import build_model
from vaekit.tasks.evaluation.frechet import _cache_path, frechet_distance, frechet_distance_for


def test_frechet_distance_matches_the_gaussian_closed_form() -> None:
    rng = np.random.default_rng(0)
    real = rng.normal(size=(20_000, 3))
    assert frechet_distance(real, real) == pytest.approx(0, abs=1e-8)
    shifted = real + np.array([1.0, 2.0, 0.0])
    assert frechet_distance(real, shifted) == pytest.approx(5.0, rel=1e-6)  # ||shift||^2, same covariance
    scaled = rng.normal(size=(20_000, 3)) * 2.0
    # N(0, I) vs N(0, 4I): Tr(I + 4I - 2 * 2I) = 3
    assert frechet_distance(real, scaled) == pytest.approx(3.0, abs=0.1)


def test_a_trained_model_scores_better_than_an_untrained_one_and_the_classifier_is_cached(
        digits_run, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("VAEKIT_CACHE", str(tmp_path))
    data = vaekit.load_dataset("digits")
    trained = vaekit.load(digits_run)
    torch.manual_seed(0)
    untrained = build_model(ModelConfig(latent_dim=2, hidden=[64]), (1, 8, 8)).eval()
    good = frechet_distance_for(trained, data)
    assert _cache_path(data).is_file() and str(_cache_path(data)).startswith(str(tmp_path))
    bad = frechet_distance_for(untrained, data)
    assert 0 < good < bad
    assert frechet_distance_for(trained, data) == good  # the cached classifier gives the same features
