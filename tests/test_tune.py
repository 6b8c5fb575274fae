"""vaekit.tuning: the space the parts declare, the validation split, a search that resumes, its files, pruning."""

from __future__ import annotations

import json

import numpy as np
import optuna
import pytest
from click.testing import CliRunner

from vaekit.cli import main
from vaekit.config import Config
from vaekit.core.tunable import Options, Span, Widths
from vaekit.data import Dataset, load_dataset
from vaekit.data.validation import validation_split
from vaekit.runs.run import Run
from vaekit.tuning import tune
from vaekit.tuning.criteria import CRITERIA
from vaekit.tuning.space import parse_space, search_space
from vaekit.tuning.trial import TrialRunner

TINY = {"data": {"source": "digits"}, "model": {"hidden": [16]}, "train": {"epochs": 2, "early_stopping": 0}}


def test_the_space_is_what_the_chosen_parts_declare():
    mlp_elbo = search_space(Config.from_dict({"model": {"network": "mlp", "likelihood": "bernoulli"}}))
    assert set(mlp_elbo) == {"lr", "batch_size", "latent_dim", "hidden", "warmup_epochs"}
    assert mlp_elbo["hidden"] == Widths(32, 512, (1, 3))
    flows = search_space(Config.from_dict({"model": {"network": "mlp", "likelihood": "gaussian",
                                                     "posterior": "planar"}, "objective": {"name": "iwae"}}))
    assert {"flow_steps", "gaussian_scale", "iw_samples"} <= set(flows) and "warmup_epochs" not in flows
    narrowed = search_space(Config.from_dict({"model": {"network": "mlp", "likelihood": "bernoulli"}}),
                            fixed={"lr"}, narrowed=parse_space("latent_dim=2:8,batch_size=64|128,hidden=16:64x1:1"))
    assert "lr" not in narrowed
    assert narrowed["latent_dim"] == Span(2, 8, log=True, integer=True)
    assert narrowed["batch_size"] == Options(64, 128)
    assert narrowed["hidden"] == Widths(16, 64, (1, 1))


def test_the_validation_split_comes_from_the_training_split_only():
    data = load_dataset("digits")
    held = validation_split(data, 0.2, seed=0)
    assert len(held.train_x) + len(held.test_x) == len(data.train_x)
    assert len(held.test_x) == round(0.2 * len(data.train_x))
    training = {row.numpy().tobytes() for row in data.train_x}
    assert all(row.numpy().tobytes() in training for row in held.test_x)
    assert torch_equal_rows(held, data)


def test_scarce_labels_all_stay_in_training_and_the_validation_rows_are_unlabelled():
    """With some rows unlabelled (-1), as --labels-per-class leaves them, every label stays on the training side
    (M2 learns its classifier from them; the validation -ELBO needs none), and the validation rows are drawn from
    the unlabelled ones, as many as the fraction asks."""
    data = load_dataset("digits")
    from vaekit.data.common.partial_labels import keep_labels_per_class

    partial = keep_labels_per_class(data, 5, seed=0)
    held = validation_split(partial, 0.2, seed=0)
    assert int((held.train_y >= 0).sum()) == 50 and bool((held.test_y == -1).all())
    assert len(held.test_x) == round(0.2 * len(partial.train_x)) and torch_equal_rows(held, partial)
    fully = validation_split(data, 0.2, seed=0)  # every row labelled: drawn from all of them, as before
    assert bool((fully.test_y >= 0).all()) and len(fully.test_x) == len(held.test_x)


def torch_equal_rows(held, data) -> bool:
    """The validation rows and labels are the training split's, row for row."""
    rows = {row.numpy().tobytes(): int(label) for row, label in zip(data.train_x, data.train_y)}
    return all(rows[row.numpy().tobytes()] == int(label) for row, label in zip(held.test_x, held.test_y))


def test_a_search_writes_its_study_and_resumes_to_its_budget(tmp_path):
    out = tmp_path / "study"
    first = tune(TINY, out, trials=2, progress=False)
    summary = json.loads((out / "tune.json").read_text())
    assert [t["number"] for t in summary["trials"]] == [0, 1]
    assert summary["trials"][0]["defaults"] and summary["trials"][0]["settings"] == {}
    assert set(summary["trials"][1]["settings"]) == {"lr", "batch_size", "latent_dim", "warmup_epochs"}
    values = [t["value"] for t in summary["trials"] if t["state"] == "complete"]
    assert first.defaults_value == summary["trials"][0]["value"]
    # the lowest, or trial 0 where the lowest beat it by less than the noise (and that is said)
    lowest = first.passed_over["value"] if first.passed_over else first.best_value
    assert lowest == min(values) and (first.passed_over is None or first.best_value == first.defaults_value)
    assert (out / "best").resolve() == first.best_run.resolve()
    assert (out / "history.png").stat().st_size > 0 and (out / "importance.png").stat().st_size > 0
    # the best trial is an ordinary run: it opens, and its criterion, measured again, is the study's figure
    held = validation_split(load_dataset("digits"), 0.2, seed=0)
    run = Run.open(out / "best")
    run.model = run.load_model()
    assert float(CRITERIA["nll"].measure(run, held).mean()) == pytest.approx(first.best_value, rel=1e-6)
    assert (first.best_run / "reconstructions.png").is_file()
    # the same call with a larger budget goes on from trial 2; one at the budget trains nothing more
    tune(TINY, out, trials=3, progress=False)
    assert len(json.loads((out / "tune.json").read_text())["trials"]) == 3
    again = tune(TINY, out, trials=3, progress=False, keep_lowest=True)
    summary = json.loads((out / "tune.json").read_text())
    assert len(summary["trials"]) == 3 and summary["passed_over"] is None
    assert again.best_value == min(t["value"] for t in summary["trials"] if t["state"] == "complete")


def test_a_poor_trial_is_pruned_and_keeps_its_run(tmp_path):
    data = load_dataset("digits")
    held = validation_split(data, 0.2, seed=0)
    config = Config.from_dict(TINY)
    study = optuna.create_study(pruner=optuna.pruners.ThresholdPruner(upper=0.0))  # prunes any value above 0
    runner = TrialRunner(config, held, {"lr": Span(1e-3, 1e-3)}, CRITERIA["nll"], tmp_path, progress=False)
    study.optimize(runner, n_trials=1)
    trial = study.trials[0]
    assert trial.state == optuna.trial.TrialState.PRUNED
    assert trial.user_attrs["pruned_at"] == 1 and list(trial.intermediate_values) == [1]
    assert (tmp_path / "trials" / "0000" / "checkpoint.safetensors").is_file()


def test_the_command_prints_the_verdict_and_fixes_what_it_is_given(tmp_path):
    out = tmp_path / "study"
    result = CliRunner().invoke(main, ["tune", "--data", "digits", "--epochs", "1", "--hidden", "16",
                                       "--latent-dim", "4", "--trials", "2", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "best: trial" in result.output and f"best run: {out / 'best'}" in result.output
    assert f"next: vaekit evaluate {out / 'best'}" in result.output
    assert f"vaekit train --config {out / 'best' / 'config.json'}" in result.output
    summary = json.loads((out / "tune.json").read_text())
    assert {"hidden": [16], "latent_dim": 4, "epochs": 1}.items() <= summary["searched"]["fixed"].items()
    assert set(summary["searched"]["space"]) == {"lr", "batch_size", "warmup_epochs"}
    assert json.loads((out / "best" / "config.json").read_text())["config"]["model"]["latent_dim"] == 4
    # the best run's report shows the search it won
    report = CliRunner().invoke(main, ["report", str(out / "best"), "--k", "5"])
    assert report.exit_code == 0, report.output
    page = (out / "best" / "report.html").read_text()
    assert "The settings search this run won" in page
    assert "better than the settings as given" in page or "the settings as given were best" in page


def test_an_estimator_with_a_budget_keeps_the_best_trials_model():
    from sklearn.datasets import load_breast_cancer

    from vaekit import VAEAnomalyDetector

    x = load_breast_cancer().data.astype(np.float32)
    detector = VAEAnomalyDetector(epochs=2, hidden=(16,), tune_trials=2).fit(x)
    assert detector.decision_scores_.shape == (len(x),) and np.isfinite(detector.decision_scores_).all()
    assert detector.get_params()["tune_trials"] == 2


def test_the_imputation_criterion_scores_hidden_entries_in_column_spreads(tmp_path):
    """A table whose columns differ a thousandfold in scale: the criterion is in each column's spread, so a trial's
    figure is about 1 (the column mean's error), not about the largest column's units."""
    from sklearn.datasets import load_wine

    x = load_wine().data.astype(np.float32)
    x[np.random.default_rng(0).random(x.shape) < 0.2] = np.nan
    data = Dataset.from_arrays("array", x, x, None, None, "vector", "in-memory array", missing=True)
    result = tune({"data": {"source": "array", "missing": "model"}, "model": {"hidden": [16]},
                   "train": {"epochs": 2}}, tmp_path / "study", trials=1, criterion="imputation", data=data,
                  progress=False)
    assert 0.2 < result.best_value < 5.0
    run = Run.open(result.best_run)
    run.model = run.load_model()
    held = validation_split(data, 0.2, seed=0)
    values = CRITERIA["imputation"].measure(run, held)  # each validation row's part of the error
    assert values.shape == (len(held.test_x),) and (values >= 0).all()
    assert float(values.mean()) == pytest.approx(result.best_value)  # seeded: the same again
