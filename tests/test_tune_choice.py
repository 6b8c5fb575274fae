"""Which trial a search keeps: the lowest only where it beat trial 0 (the settings as given) by more than the noise
of their paired difference on the validation rows; and an estimator trains the kept settings again on every row."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import optuna
import pytest
import torch

from vaekit.config import Config
from vaekit.data import Dataset
from vaekit.tuning.criteria import CRITERIA
from vaekit.tuning.row_values import NOISE_ERRORS, clear_gain, save_row_values
from vaekit.tuning.summary import TuneResult, write_summary
from vaekit.tuning.trial import DEFAULTS

ROWS = 200


def _trial(folder: Path, number: int, rows: torch.Tensor, given: bool) -> optuna.trial.FrozenTrial:
    run = folder / "trials" / f"{number:04d}"
    run.mkdir(parents=True)
    save_row_values(run, rows)
    params = {} if given else {"lr": 1e-3 * (number + 1)}
    return optuna.trial.create_trial(
        value=float(rows.mean()), params=params,
        distributions={} if given else {"lr": optuna.distributions.FloatDistribution(1e-4, 1e-2, log=True)},
        user_attrs={"run": str(run), "settings": params, DEFAULTS: given})


def _summary(folder: Path, trials: list[optuna.trial.FrozenTrial], keep_lowest: bool = False) -> TuneResult:
    study = optuna.create_study()
    study.add_trials(trials)
    return write_summary(study, folder, CRITERIA["nll"], held=None, what={}, pictures=False, keep_lowest=keep_lowest)


def _rows(seed: int, shift: float = 0.0) -> torch.Tensor:
    return torch.from_numpy(np.random.default_rng(seed).normal(100.0, 10.0, ROWS)) - shift


def test_a_trial_lower_by_chance_does_not_replace_the_settings_as_given(tmp_path):
    given = _rows(0)
    lucky = given - 0.05 + torch.from_numpy(np.random.default_rng(1).normal(0.0, 3.0, ROWS))  # noise about 0.4
    result = _summary(tmp_path, [_trial(tmp_path, 0, given, True), _trial(tmp_path, 1, lucky, False)])
    assert float(lucky.mean()) < float(given.mean())  # the lowest ...
    assert result.best_run == tmp_path / "trials" / "0000" and result.best_settings == {}  # ... is not kept
    assert result.passed_over["trial"] == 1 and result.passed_over["value"] == pytest.approx(float(lucky.mean()))
    assert 0 < result.passed_over["gain"] < result.passed_over["noise"]
    assert "within the noise" in result.verdict()
    assert json.loads((tmp_path / "tune.json").read_text())["passed_over"]["trial"] == 1
    assert (tmp_path / "best").resolve() == result.best_run.resolve()
    # asked for, the lowest is kept regardless
    assert _summary(tmp_path, [_trial(tmp_path / "b", 0, given, True), _trial(tmp_path / "b", 1, lucky, False)],
                    keep_lowest=True).best_settings == {"lr": pytest.approx(2e-3)}


def test_a_clear_gain_keeps_the_searched_settings(tmp_path):
    given = _rows(0)
    better = given - 2.0 + torch.from_numpy(np.random.default_rng(1).normal(0.0, 1.0, ROWS))
    result = _summary(tmp_path, [_trial(tmp_path, 0, given, True), _trial(tmp_path, 1, better, False)])
    assert result.best_settings == {"lr": pytest.approx(2e-3)} and result.passed_over is None
    assert "better than the settings as given" in result.verdict()


def test_the_gain_is_paired_on_the_same_rows(tmp_path):
    # rows that differ a lot from each other but each lower by the same 0.5: a clear gain, though the rows'
    # own spread (10) is twenty times larger
    given = _rows(0)
    for name, rows in (("a", given), ("b", given - 0.5)):
        (tmp_path / name).mkdir()
        save_row_values(tmp_path / name, rows)
    gain = clear_gain(tmp_path / "b", tmp_path / "a")
    assert gain.gain == pytest.approx(0.5) and gain.noise == pytest.approx(0.0, abs=1e-9) and gain.clear
    # where a trial kept no rows (an older study) or other rows, no judgement: the lowest is kept
    (tmp_path / "c").mkdir()
    assert clear_gain(tmp_path / "c", tmp_path / "a") is None
    save_row_values(tmp_path / "c", given[:10])
    assert clear_gain(tmp_path / "c", tmp_path / "a") is None
    assert NOISE_ERRORS == 2.0


def test_an_estimator_trains_the_kept_settings_again_on_every_row(monkeypatch, tmp_path):
    """fit_model with a budget: the search's choice (here, stubbed: lr 0.002) trained on all the rows, the same
    model as training those settings directly."""
    from vaekit.estimators import fitting
    from vaekit.training.loop import train

    x = torch.from_numpy(np.random.default_rng(0).normal(size=(120, 6)).astype(np.float32))
    data = Dataset.from_arrays("array", x, x[:20], None, None, "vector", "in-memory array")
    config = Config.from_dict({"data": {"source": "array"}, "model": {"hidden": [8], "latent_dim": 2},
                               "train": {"epochs": 2, "early_stopping": 0, "seed": 3}})
    chosen = TuneResult(Path("."), "x", best_run=Path("."), best_value=1.0, best_settings={"lr": 0.002})
    monkeypatch.setattr(fitting, "tune", lambda *args, **kwargs: chosen)
    model = fitting.fit_model(config, data, progress=False, tune_trials=2)
    settled = config.with_overrides({"train": {"lr": 0.002}})
    direct = train(settled, tmp_path / "d", False, data=data, pictures=False).model
    for (name, mine), theirs in zip(model.state_dict().items(), direct.state_dict().values(), strict=True):
        assert torch.equal(mine, theirs), name
    other = train(config, tmp_path / "o", False, data=data, pictures=False).model  # the untuned lr: a different model
    assert not all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), other.state_dict().values()))
