"""The uses' own criteria of `vaekit tune`: denoising:KIND:LEVEL and inpainting:MASK score a trial by how well it
restores the validation images, clustering by how well k-means on its codes finds the validation rows' classes;
each measured here again, independently, from the files the search left."""

from __future__ import annotations

import dataclasses
import json
import tempfile
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.datasets import load_wine
from sklearn.preprocessing import StandardScaler

from vaekit import VAEEmbedder
from vaekit.cli import main
from vaekit.config import Config
from vaekit.core.errors import ConfigError
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


def _hungarian_accuracy(truth: np.ndarray, clusters: np.ndarray) -> float:
    table = np.zeros((clusters.max() + 1, truth.max() + 1))
    np.add.at(table, (clusters, truth), 1)
    rows, columns = linear_sum_assignment(-table)
    return float(table[rows, columns].sum() / len(truth))


def test_the_clustering_criterion_is_one_minus_the_accuracy_of_k_means_on_the_validation_codes(tmp_path):
    config = {"data": {"source": "digits"}, "model": {"hidden": [16], "latent_dim": 4}, "train": {"epochs": 2}}
    result = tune(config, tmp_path / "study", trials=1, criterion="clustering", progress=False, pictures=False)
    run, held = _best(tmp_path / "study")
    with torch.no_grad():  # k-means fitted on the codes of the rows the trial trained on, one cluster per class
        train_codes = run.model.encode(held.train_x).mean.double().numpy()
        codes = run.model.encode(held.test_x).mean.double().numpy()
    clusters = KMeans(n_clusters=10, n_init=10, random_state=0).fit(train_codes).predict(codes)
    accuracy = _hungarian_accuracy(held.test_y.numpy(), clusters)
    assert result.best_value == pytest.approx(1 - accuracy, rel=1e-9)
    assert 0.05 < accuracy < 1.0  # two epochs of a tiny model find some of the digits, not none and not all
    values = criterion_of("clustering").measure(run, held)  # each labelled row: 1 where its cluster is wrong
    assert values.shape == (len(held.test_x),) and set(values.tolist()) == {0.0, 1.0}
    # rows without a label (-1) have no part in it: the labelled ones alone are matched to classes and scored
    partial = dataclasses.replace(held, test_y=torch.where(torch.arange(len(held.test_y)) % 2 == 0, held.test_y, -1))
    kept = criterion_of("clustering").measure(run, partial)
    assert kept.shape == (len(values[::2]),)
    assert float(kept.mean()) == pytest.approx(1 - _hungarian_accuracy(held.test_y.numpy()[::2], clusters[::2]))


def test_a_clustering_search_on_scarce_labels_holds_some_of_them_out_to_score():
    """Where most rows are unlabelled, a search keeps every label in training (M2 learns from them); one scored by
    the validation rows' labels draws its validation rows from all rows, so that a fifth of the labels land there."""
    data = load_dataset("digits")
    scarce = dataclasses.replace(data, train_y=torch.where(torch.arange(len(data.train_y)) % 4 == 0,
                                                           data.train_y, -1))
    assert not bool((validation_split(scarce, 0.2, seed=0).test_y >= 0).any())
    held = validation_split(scarce, 0.2, seed=0, scores_labels=True)
    labelled = int((scarce.train_y >= 0).sum())
    assert 0.1 * labelled < int((held.test_y >= 0).sum()) < 0.3 * labelled
    assert torch.equal(held.test_x, validation_split(data, 0.2, seed=0).test_x)  # the rows a labelled set holds


def test_a_clustering_search_refuses_a_model_that_reads_the_labels(tmp_path):
    config = {"data": {"source": "digits"}, "model": {"hidden": [8], "conditional": True}, "train": {"epochs": 1}}
    with pytest.raises(ConfigError, match="this model reads them"):
        tune(config, tmp_path / "study", trials=1, criterion="clustering", progress=False)
    assert not (tmp_path / "study").exists()  # refused before any trial trained, no folder left


def test_a_clustering_search_prunes_no_trial_on_the_elbo():
    """A model that fits better does not cluster better (bench/cluster_criteria.py): the criterion says the -ELBO
    does not foretell it, and a pruner that would stop every trial stops none."""
    import optuna

    from vaekit.core.tunable import Span
    from vaekit.tuning.criteria import CRITERIA
    from vaekit.tuning.trial import TrialRunner

    assert CRITERIA["nll"].elbo_foretells and not CRITERIA["clustering"].elbo_foretells
    held = validation_split(load_dataset("digits"), 0.2, seed=0)
    config = Config.from_dict({"data": {"source": "digits"}, "model": {"hidden": [8], "latent_dim": 2},
                               "train": {"epochs": 2}})
    study = optuna.create_study(pruner=optuna.pruners.ThresholdPruner(upper=0.0))  # prunes any value above 0
    with tempfile.TemporaryDirectory() as folder:
        runner = TrialRunner(config, held, {"lr": Span(1e-3, 1e-3)}, CRITERIA["clustering"], Path(folder),
                             progress=False)
        study.optimize(runner, n_trials=1)
    assert study.trials[0].state == optuna.trial.TrialState.COMPLETE
    assert list(study.trials[0].intermediate_values) == [1, 2]  # reported, for the history, but not judged


def test_an_embedder_searching_by_its_clusters_keeps_the_model_it_scored():
    """A clustering is the trained model's own: the same settings trained again on every row cluster otherwise
    (penguins: 0.96 of the test rows, then 0.74). So the search by clusters keeps the best trial's model, trained
    on the rows less the validation share, where a search by -log p(x) trains the settings it kept on every row."""
    x, y = load_wine(return_X_y=True)
    x = StandardScaler().fit_transform(x).astype(np.float32)

    def weights(**tuning) -> dict[str, torch.Tensor]:
        return VAEEmbedder(latent_dim=3, epochs=2, seed=0, **tuning).fit(x, y).model_.state_dict()

    untuned = weights()
    by_fit = weights(tune_trials=1)  # trial 0, the settings as given, trained again on every row: the same model
    by_clusters = weights(tune_trials=1, tune_criterion="clustering")  # trial 0's own model, on 4/5 of the rows
    assert all(torch.equal(untuned[name], by_fit[name]) for name in untuned)
    assert not all(torch.equal(untuned[name], by_clusters[name]) for name in untuned)
    assert VAEEmbedder(tune_criterion="clustering").get_params()["tune_criterion"] == "clustering"  # clone keeps it


def test_a_model_with_a_cluster_variable_is_scored_by_its_own_clusters(tmp_path):
    """VaDE's clusters are argmax q(c|x), as `vaekit cluster` gives them by default, not k-means on its codes."""
    config = {"data": {"source": "digits"},
              "model": {"hidden": [16], "latent_dim": 4, "prior": "mixture", "prior_components": 10},
              "objective": {"name": "vade", "pretrain_epochs": 1}, "train": {"epochs": 2}}
    result = tune(config, tmp_path / "study", trials=1, criterion="clustering", progress=False, pictures=False)
    run, held = _best(tmp_path / "study")
    assert run.model.has_cluster_variable
    with torch.no_grad():
        clusters = run.model.class_posterior(held.test_x).probs.argmax(-1).numpy()
    assert result.best_value == pytest.approx(1 - _hungarian_accuracy(held.test_y.numpy(), clusters), rel=1e-9)


def test_the_classification_criterion_is_one_minus_the_accuracy_of_q_y_given_x_on_labelled_validation_rows(tmp_path):
    """M2 with 20 labels a class: the search holds about a fifth of those labels out and scores each trial by the
    share of them its classifier gets wrong."""
    from vaekit.training.data_source import load_training_data

    config = {"data": {"source": "digits", "labels_per_class": 20},
              "model": {"hidden": [16], "latent_dim": 4, "class_latent": "m2"}, "objective": {"name": "m2"},
              "train": {"epochs": 2}}
    result = tune(config, tmp_path / "study", trials=1, criterion="classification", progress=False, pictures=False)
    run = Run.open(tmp_path / "study" / "best")
    model = run.load_model()
    data, _ = load_training_data(Config.from_dict(config))
    held = validation_split(data, 0.2, seed=0, scores_labels=True)
    labelled = held.test_y >= 0
    assert 20 <= int(labelled.sum()) <= 60  # of the 200 labels, about 40 scored; every other validation row has none
    with torch.no_grad():
        guesses = model.class_posterior(held.test_x[labelled]).probs.argmax(-1)
    accuracy = float((guesses == held.test_y[labelled]).double().mean())
    assert result.best_value == pytest.approx(1 - accuracy, rel=1e-9)
    assert 0.1 < accuracy < 1.0  # two epochs of a tiny M2 classify some digits right, not all
    assert not criterion_of("classification").elbo_foretells and criterion_of("classification").refit


def test_a_classifier_search_keeps_the_given_settings_unless_a_trial_classifies_clearly_better():
    """VAEClassifier's search scores M2 by labelled validation rows. Trial 0 is the settings given: kept, they are
    trained again on every row with every label, which is the untuned classifier itself, member by member."""
    from vaekit import VAEClassifier

    x, y = load_wine(return_X_y=True)
    x = StandardScaler().fit_transform(x).astype(np.float32)
    partial = np.where(np.arange(len(y)) % 3 == 0, y, -1)

    def weights(**tuning) -> list[dict[str, torch.Tensor]]:
        fitted = VAEClassifier(latent_dim=3, hidden=(8,), epochs=2, seed=0, ensemble=2, **tuning).fit(x, partial)
        return [member.state_dict() for member in fitted.models_]

    untuned, tuned = weights(), weights(tune_trials=1)  # the search runs once; each member is trained again
    assert len(tuned) == 2
    assert all(torch.equal(before[name], after[name]) for before, after in zip(untuned, tuned) for name in before)


def test_a_search_of_a_model_trained_to_fill_in_follows_its_own_bound_and_fills_in_with_its_encoder(tmp_path):
    """--corruption hide: the pruner is given the validation bound with entries hidden (what early stopping follows,
    not the -ELBO of whole images), and the inpainting criterion fills in as `vaekit inpaint` does, by the encoder."""
    import optuna

    from vaekit.core.tunable import Span
    from vaekit.training.metrics_log import read_metrics
    from vaekit.tuning.trial import TrialRunner

    held = validation_split(load_dataset("digits"), 0.2, seed=0)
    config = Config.from_dict({"data": {"source": "digits"}, "model": {"hidden": [16], "latent_dim": 4},
                               "objective": {"name": "denoising", "corruption": "hide", "corruption_level": 0.5},
                               "train": {"epochs": 2}})
    criterion = criterion_of("inpainting:lower-half")
    study = optuna.create_study()
    runner = TrialRunner(config, held, {"lr": Span(1e-3, 1e-3)}, criterion, tmp_path, progress=False)
    study.optimize(runner, n_trials=1)
    rows = read_metrics(tmp_path / "trials" / "0000" / "metrics.csv")
    assert list(study.trials[0].intermediate_values.values()) == [row["val_loss"] for row in rows]
    assert all(row["val_loss"] != row["val_neg_elbo"] for row in rows)
    run = Run.open(tmp_path / "trials" / "0000")
    run.model = run.load_model()
    gaps = held.test_x.clone()
    gaps[:, :, 4:, :] = float("nan")
    filled = impute(run.model, gaps, method="encoder", k=100, seed=0)
    expected = float(((filled[:, :, 4:].double() - held.test_x[:, :, 4:].double()) ** 2).mean())
    assert study.trials[0].value == pytest.approx(expected, rel=1e-6)
