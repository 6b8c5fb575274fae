"""Semi-supervised learning and the class latent (M2, GMVAE): the bound summed over classes against its explicit
sum, labels with gaps, --labels-per-class, `vaekit predict` and VAEClassifier."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from click.testing import CliRunner
from torch.distributions import Normal, kl_divergence

from vaekit.cli import main
from vaekit.config import ModelConfig, ObjectiveConfig
from vaekit.data import load_dataset
from vaekit.data.common.partial_labels import keep_labels_per_class
from vaekit.model.build import build_model
from vaekit.objectives.m2 import M2, class_bound
from vaekit.tasks.outputs import select_data


def _model(kind: str):  # type: ignore[no-untyped-def]
    torch.manual_seed(0)
    return build_model(ModelConfig(class_latent=kind, latent_dim=3, hidden=[16]), (1, 8, 8), "image",
                       num_classes=4 if kind == "m2" else None) if kind == "m2" else \
        build_model(ModelConfig(class_latent=kind, latent_dim=3, hidden=[16], prior_components=4), (1, 8, 8))


def _negative_labelled_bound(model, x: torch.Tensor, k: int) -> torch.Tensor:  # type: ignore[no-untyped-def]
    """-L(x, y=k) from the parts, with z at the posterior mean: -log p(x|z,k) + KL(q(z|x,k) || p(z|k)) + log K."""
    y = torch.full((len(x),), k)
    if model.class_latent.observed:
        q = model.encode(x, y)
    else:  # a GMVAE's encode takes no cluster from outside: q(z|x, k) is row k of encode_classes (tested for M2)
        both = model.encode_classes(x)[0]
        q = type(both)(Normal(both.base_dist.loc[k], both.base_dist.scale[k]), 1)
    z = q.mean
    prior = model.prior_given(y)
    return -model.decode(z, y).log_prob(x) + kl_divergence(q, prior) + math.log(model.class_latent.num_classes)


@pytest.mark.parametrize("kind", ["m2", "gmvae"])
def test_bound_summed_over_classes_equals_the_explicit_sum(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # z at the posterior mean in both computations, so the batched pass and the explicit loop see the same z
    monkeypatch.setattr(Normal, "rsample", lambda self, sample_shape=torch.Size(): self.loc.expand(
        self._extended_shape(sample_shape)))
    model = _model(kind).eval()
    x = torch.rand(5, 1, 8, 8)
    qy = model.class_posterior(x)
    explicit = torch.stack([_negative_labelled_bound(model, x, k) for k in range(4)])       # (K, B)
    expected = (qy.probs.T * explicit).sum(0) - qy.entropy()
    out = class_bound(model, x, None, kl="analytic")
    assert torch.allclose(out.negative_elbo, expected, atol=1e-4), (out.negative_elbo, expected)
    assert torch.allclose(model.elbo(x, kl="analytic").negative_elbo, expected, atol=1e-4)
    if kind == "m2":  # labelled rows: -L(x, y) itself; -1 rows summed out, in the same batch
        y = torch.tensor([2, -1, 0, -1, 3])
        mixed = class_bound(model, x, y, kl="analytic").negative_elbo
        for row, label in enumerate(y.tolist()):
            want = expected[row] if label < 0 else explicit[label, row]
            assert float(mixed[row]) == pytest.approx(float(want), abs=1e-4)


def test_m2_loss_adds_alpha_times_the_cross_entropy_of_labelled_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Normal, "rsample", lambda self, sample_shape=torch.Size(): self.loc.expand(
        self._extended_shape(sample_shape)))
    model = _model("m2")
    model.class_latent.labelled_share.fill_(0.25)  # alpha = 0.1 / 0.25 = 0.4
    x, y = torch.rand(4, 1, 8, 8), torch.tensor([1, -1, 3, -1])
    out = M2(ObjectiveConfig(name="m2", classifier_weight=0.1))(model.given(y), x, beta=1.0)
    cross_entropy = -model.class_posterior(x[[0, 2]]).log_prob(y[[0, 2]])
    want = (out.negative_elbo.sum() + 0.4 * cross_entropy.sum()) / 4
    assert float(out.loss) == pytest.approx(float(want), rel=1e-5)
    assert float(out.extras["classification"]) == pytest.approx(float(0.4 * cross_entropy.sum() / 4), rel=1e-5)


def test_encode_classes_is_encode_for_each_class() -> None:
    model = _model("m2").eval()
    x = torch.rand(3, 1, 8, 8)
    q, qy = model.encode_classes(x)
    assert q.batch_shape == (4, 3) and torch.allclose(qy.probs.sum(-1), torch.ones(3))
    for k in range(4):
        assert torch.allclose(q.mean[k], model.encode(x, torch.full((3,), k)).mean, atol=1e-6)
    # no label (-1): the classifier's most probable class
    guess = qy.probs.argmax(-1)
    assert torch.allclose(model.encode(x, torch.full((3,), -1)).mean, model.encode(x, guess).mean)


def test_gmvae_ignores_labels_and_samples_from_its_mixture() -> None:
    model = _model("gmvae").eval()
    x = torch.rand(3, 1, 8, 8)
    assert torch.allclose(model.encode(x, torch.tensor([0, 1, 2])).mean, model.encode(x).mean)
    assert model.prior.mixture_distribution.probs.tolist() == pytest.approx([0.25] * 4)
    assert model.sample(6, generator=torch.Generator().manual_seed(0)).shape == (6, 1, 8, 8)


def test_labels_per_class_keeps_n_of_each_class_seeded() -> None:
    data = load_dataset("digits")
    kept = keep_labels_per_class(data, 3, seed=5)
    y = kept.train_y
    assert [int((y == c).sum()) for c in range(10)] == [3] * 10
    assert int((y == -1).sum()) == len(y) - 30
    labelled = y >= 0
    assert torch.equal(y[labelled], data.train_y[labelled])  # kept labels are the true ones
    assert torch.equal(keep_labels_per_class(data, 3, seed=5).train_y, y)
    assert not torch.equal(keep_labels_per_class(data, 3, seed=6).train_y, y)
    assert torch.equal(kept.test_y, data.test_y)


def test_table_with_empty_label_cells_reads_them_as_unlabelled(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": np.arange(20.0), "kind": ["x", None, "y", "x"] * 5})
    frame.to_csv(tmp_path / "t.csv", index=False)
    data = load_dataset(str(tmp_path / "t.csv"), label_column="kind", test_fraction=0.2)
    y, _, _ = data.examples("all")[1], None, None
    assert data.class_names == ["x", "y"]
    assert y.tolist() == [0, -1, 1, 0] * 5


def test_m2_on_digits_with_few_labels_learns_above_chance(tmp_path: Path) -> None:
    run = tmp_path / "m2"
    result = CliRunner().invoke(main, ["train", "--data", "digits", "--class-latent", "m2", "--objective", "m2",
                                       "--labels-per-class", "5", "--epochs", "6", "--hidden", "64",
                                       "--latent-dim", "4", "--out", str(run), "--quiet"])
    assert result.exit_code == 0, result.output
    out = tmp_path / "p.csv"
    result = CliRunner().invoke(main, ["predict", str(run), "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    chosen = select_data(run)
    assert list(table.columns) == ["id", "class", "probability", *[f"p_{k}" for k in range(10)]]
    assert table["id"].tolist() == list(chosen.ids)  # the data's order and ids
    probs = table[[f"p_{k}" for k in range(10)]].to_numpy()
    assert np.allclose(probs.sum(1), 1, atol=1e-5)
    assert (probs.argmax(1) == table["class"]).all() and np.allclose(probs.max(1), table["probability"])
    accuracy = float((table["class"].to_numpy() == chosen.y.numpy()).mean())
    assert accuracy > 0.5, accuracy  # 50 labels, 10 classes: chance is 0.1
    assert f"accuracy on the 180 labelled examples: {accuracy:.4f}" in result.output


def test_vae_classifier_in_a_pipeline_with_unlabelled_rows() -> None:
    from sklearn.datasets import load_digits
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    from vaekit import VAEClassifier

    digits = load_digits()
    keep = np.isin(digits.target, [1, 4, 7])  # classes that are not 0..K-1
    x, y = (digits.data[keep] / 16).astype(np.float32), digits.target[keep]
    partial = y.copy()
    partial[np.random.default_rng(0).random(len(y)) < 0.8] = -1
    classifier = VAEClassifier(latent_dim=4, hidden=(32,), epochs=3, likelihood="bernoulli", seed=0)
    pipeline = make_pipeline(FunctionTransformer(), classifier).fit(x, partial)
    assert classifier.classes_.tolist() == [1, 4, 7]
    probs = pipeline.predict_proba(x)
    assert probs.shape == (len(x), 3) and np.allclose(probs.sum(1), 1)
    assert set(pipeline.predict(x)) <= {1, 4, 7}
    assert pipeline.score(x, y) > 0.6  # three classes: chance is about 0.33


def test_vae_classifier_averages_an_ensemble_of_seeds_and_sizes_it_for_the_rows(monkeypatch, capsys) -> None:
    """ensemble=k trains M2 from seeds seed..seed+k-1 and predict_proba is the mean of their q(y|x); its first member
    is the single model ensemble=1 trains; "auto" trains 5 up to ENSEMBLE_ROWS rows (saying so) and 1 above."""
    from vaekit import VAEClassifier
    from vaekit.estimators import classifier as module
    from vaekit.tasks.class_predictions import class_probabilities

    rng = np.random.default_rng(0)
    x = rng.random((60, 5)).astype(np.float32)
    y = np.where(np.arange(60) % 4 == 0, np.arange(60) % 3, -1)
    settings = dict(latent_dim=2, hidden=(8,), epochs=2, seed=3)
    three = VAEClassifier(ensemble=3, **settings).fit(x, y)
    one = VAEClassifier(ensemble=1, **settings).fit(x, y)
    assert len(three.models_) == 3 and len(one.models_) == 1
    first, second = (dict(member.state_dict()) for member in three.models_[:2])
    assert all(torch.equal(first[name], value) for name, value in one.models_[0].state_dict().items())
    assert not all(torch.equal(first[name], second[name]) for name in first)  # another seed, another model
    mean = torch.stack([class_probabilities(m, torch.from_numpy(x)) for m in three.models_]).double().mean(0)
    assert np.allclose(three.predict_proba(x), mean.numpy(), atol=1e-6)
    assert np.allclose(three.predict_proba(x).sum(1), 1)

    capsys.readouterr()
    assert len(VAEClassifier(**settings).fit(x, y).models_) == 5
    assert "an ensemble of 5 M2s (seeds 3-7) for 60 rows" in capsys.readouterr().err
    monkeypatch.setattr(module, "ENSEMBLE_ROWS", 59)
    assert len(VAEClassifier(**settings).fit(x, y).models_) == 1
    assert "ensemble" not in capsys.readouterr().err


def test_predict_averages_the_q_y_of_m2_runs_of_other_seeds(tmp_path: Path) -> None:
    """`vaekit predict RUN --ensemble OTHER`: each class's probability is the mean of the runs' own q(y|x), the
    comparison with the baselines names the ensemble, and RUN's kept verdict stays its own."""
    runs = []
    for seed in (0, 1):
        runs.append(tmp_path / f"m2-{seed}")
        result = CliRunner().invoke(main, ["train", "--data", "digits", "--class-latent", "m2", "--objective", "m2",
                                           "--labels-per-class", "5", "--epochs", "1", "--hidden", "16",
                                           "--latent-dim", "2", "--seed", str(seed), "--out", str(runs[-1]),
                                           "--quiet"])
        assert result.exit_code == 0, result.output
    columns = [f"p_{k}" for k in range(10)]
    alone, verdicts = [], []
    for run in runs:
        result = CliRunner().invoke(main, ["predict", str(run), "--out", str(run / "p.csv")])
        assert result.exit_code == 0, result.output
        alone.append(pd.read_csv(run / "p.csv")[columns].to_numpy())
        verdicts.append(result.output.splitlines()[-1])
    assert not np.allclose(alone[0], alone[1])  # two seeds, two models
    result = CliRunner().invoke(main, ["predict", str(runs[0]), "--ensemble", str(runs[1]),
                                       "--out", str(tmp_path / "both.csv")])
    assert result.exit_code == 0, result.output
    both = pd.read_csv(tmp_path / "both.csv")
    assert np.allclose(both[columns].to_numpy(), (alone[0] + alone[1]) / 2, atol=1e-6)
    assert (both["class"] == both[columns].to_numpy().argmax(1)).all()
    assert "examples to" in result.output and "(the mean q(y|x) of 2 runs)" in result.output
    assert "vaekit (mean q(y|x) of 2 runs)" in result.output
    from vaekit.runs.verdicts import read_verdicts
    kept = read_verdicts(runs[0])["predict"]  # still the run's own answer: the ensemble's is not the run's
    assert kept["verdict"] == verdicts[0] and "mean q(y|x)" not in kept["verdict"]


def test_predict_has_help_with_an_example() -> None:
    result = CliRunner().invoke(main, ["predict", "--help"])
    assert result.exit_code == 0 and "Example" in result.output and "vaekit predict runs/m2" in result.output
    train_help = CliRunner().invoke(main, ["train", "--help-all"], terminal_width=400).output
    assert "--class-latent" in train_help and "--labels-per-class" in train_help
    assert "--classifier-weight" in train_help
