"""Clustering: the metrics against hand-computed cases, VaDE's q(c|x) against Bayes' rule, its bound against hand
computation and the mixture ELBO, the pretraining's mixture fit, and the cluster command end to end."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch
from scipy.stats import norm
from torch.distributions import Normal, kl_divergence

import vaekit
from conftest import invoke
from vaekit.config import ModelConfig, ObjectiveConfig
from vaekit.core.errors import VaekitError
from vaekit.model.build import build_model
from vaekit.objectives.vade import VaDE, vade_terms
from vaekit.priors.mixture import MixturePrior
from vaekit.tasks.evaluation.clustering import assign_clusters, clustering_scores, matched, matching_accuracy
from vaekit.tasks.outputs import embed

VADE = ["--prior", "mixture", "--prior-components", "4", "--objective", "vade", "--latent-dim", "3",
        "--hidden", "32", "--batch-size", "64", "--seed", "0", "--quiet"]


def test_a_permuted_labelling_scores_one() -> None:
    truth = [0, 0, 1, 1, 2, 2, 2]
    assert clustering_scores(truth, [7, 7, 3, 3, 5, 5, 5]) == {"accuracy": 1.0, "nmi": 1.0, "ari": 1.0}


def test_scores_of_a_small_confusion_table() -> None:
    # clusters x classes = [[2, 0], [1, 3]]: the matching 0->0, 1->1 gets 5 of 6
    truth, pred = [0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 1, 1]
    scores = clustering_scores(truth, pred)
    assert scores["accuracy"] == pytest.approx(5 / 6)
    # ARI: sum C(n_ij, 2) = 4, rows C(2,2) + C(4,2) = 7, columns 3 + 3 = 6, C(6, 2) = 15
    expected = 7 * 6 / 15
    assert scores["ari"] == pytest.approx((4 - expected) / ((7 + 6) / 2 - expected))
    mutual = math.log(2) / 6 + 0.5 * math.log(1.5)
    h_true, h_pred = math.log(2), -(1 / 3 * math.log(1 / 3) + 2 / 3 * math.log(2 / 3))
    assert scores["nmi"] == pytest.approx(mutual / ((h_true + h_pred) / 2))


def test_more_or_fewer_clusters_than_classes() -> None:
    assert matching_accuracy([0, 0, 1, 1], [0, 1, 2, 3]) == 0.5   # unmatched clusters count as wrong
    assert matching_accuracy([0, 0, 1, 1, 2, 2], [4, 4, 4, 4, 9, 9]) == pytest.approx(4 / 6)
    # row by row (what the clustering criterion of `vaekit tune` pairs between trials): cluster 4 is class 0 or
    # class 1, not both, so two of its four rows are wrong, and cluster 9 is class 2
    assert matched([0, 0, 1, 1, 2, 2], [4, 4, 4, 4, 9, 9]).sum() == 4
    assert matched([0, 0, 1, 1, 2, 2], [4, 4, 4, 4, 9, 9])[4:].all()
    assert matched([0, 0, 1, 1], [0, 1, 2, 3]).tolist() in ([True, False, True, False], [True, False, False, True],
                                                             [False, True, True, False], [False, True, False, True])


def test_unlabeled_rows_are_left_out_and_lengths_must_agree() -> None:
    assert clustering_scores([0, 0, -1, 1, 1], [1, 1, 0, 0, 0])["accuracy"] == 1.0
    with pytest.raises(VaekitError, match="3 true labels but 2 cluster assignments"):
        clustering_scores([0, 1, 1], [0, 1])


def _prior() -> MixturePrior:
    prior = MixturePrior(latent_dim=1, components=2)
    with torch.no_grad():
        prior.means.copy_(torch.tensor([[0.0], [2.0]]))
        prior.log_scales.copy_(torch.tensor([[0.0], [math.log(0.5)]]))
        prior.logits.copy_(torch.tensor([0.0, math.log(3.0)]))   # weights 1/4, 3/4
    return prior


def test_cluster_posterior_is_bayes_rule_on_a_fixed_code() -> None:
    z = 0.8
    joint = np.array([0.25 * norm.pdf(z, 0, 1), 0.75 * norm.pdf(z, 2, 0.5)])
    probs = _prior().cluster_posterior(torch.tensor([[z]])).probs[0].detach().numpy()
    np.testing.assert_allclose(probs, joint / joint.sum(), rtol=1e-5)
    assert probs.sum() == pytest.approx(1.0)


def test_class_posterior_at_the_posterior_mean_sums_to_one() -> None:
    torch.manual_seed(0)
    model = build_model(ModelConfig(latent_dim=3, hidden=[16], prior="mixture", prior_components=5), (7,), "vector")
    x = torch.rand(6, 7)
    q = model.class_posterior(x)
    assert q.probs.shape == (6, 5)
    torch.testing.assert_close(q.probs.sum(-1), torch.ones(6))
    torch.testing.assert_close(q.probs, model.prior_module.cluster_posterior(model.encode(x).mean).probs)
    plain = build_model(ModelConfig(latent_dim=3, hidden=[16]), (7,), "vector")
    with pytest.raises(VaekitError, match="this run has no cluster variable.*--method kmeans"):
        plain.class_posterior(x)


def test_vade_terms_match_hand_computation() -> None:
    prior = _prior()
    q = Normal(torch.tensor([[0.5], [1.7]]), torch.tensor([[0.3], [0.8]]))
    z = torch.tensor([[0.4], [1.9]])
    rate, gamma = vade_terms(q, z, prior)
    for i in range(2):
        m, s = float(q.loc[i]), float(q.scale[i])
        joint = np.array([0.25 * norm.pdf(float(z[i]), 0, 1), 0.75 * norm.pdf(float(z[i]), 2, 0.5)])
        g = joint / joint.sum()
        kl = [math.log(sc / s) + (s ** 2 + (m - mc) ** 2) / (2 * sc ** 2) - 0.5 for mc, sc in ((0, 1), (2, 0.5))]
        expected = sum(g[c] * (kl[c] + math.log(g[c]) - math.log((0.25, 0.75)[c])) for c in range(2))
        assert float(rate[i]) == pytest.approx(expected, rel=1e-5)
        np.testing.assert_allclose(gamma[i].detach().numpy(), g, rtol=1e-5)


def test_vade_with_identical_components_is_the_elbo_with_that_gaussian() -> None:
    prior = MixturePrior(latent_dim=2, components=3)
    with torch.no_grad():
        prior.means.copy_(torch.tensor([0.5, -1.0]).expand(3, 2))
        prior.logits.copy_(torch.tensor([0.1, 0.7, -0.3]))
    q = Normal(torch.randn(4, 2), torch.rand(4, 2) + 0.2)
    rate, gamma = vade_terms(q, q.sample(), prior)
    torch.testing.assert_close(gamma, torch.softmax(prior.logits, -1).expand(4, 3))   # p(c|z) = p(c)
    torch.testing.assert_close(rate, kl_divergence(q, Normal(prior.means[0], prior.scales[0])).sum(-1))


def test_vade_bounds_the_mixture_elbo_and_meets_it_for_separated_components() -> None:
    """E_z[VaDE's rate] >= KL(q || p(z)) (its bound is below the mixture ELBO); equal in expectation when the
    components are far apart compared with q's width, where p(c|z) is constant over q."""
    torch.manual_seed(0)
    n = 200_000
    for spread, close in ((1.0, False), (30.0, True)):
        prior = _prior()
        with torch.no_grad():
            prior.means.mul_(spread)
        q = Normal(torch.tensor([0.7 * spread]), torch.tensor([0.4]))
        z = q.sample((n,))                                            # (n, 1)
        rate, _ = vade_terms(Normal(q.loc.expand(n, 1), q.scale.expand(n, 1)), z, prior)
        monte_carlo = (q.log_prob(z).sum(-1) - prior().log_prob(z)).double()
        se = float(monte_carlo.std() / math.sqrt(n)) + float(rate.double().std() / math.sqrt(n))
        gap = float(rate.double().mean() - monte_carlo.mean())
        if close:
            assert abs(gap) < 4 * se
        else:
            assert gap > 4 * se


def test_after_pretraining_fits_the_mixture_to_the_training_codes() -> None:
    from sklearn.mixture import GaussianMixture

    torch.manual_seed(0)
    model = build_model(ModelConfig(latent_dim=2, hidden=[16], prior="mixture", prior_components=3), (7,), "vector")
    x = torch.rand(60, 7)
    VaDE.after_pretraining(model, embed(model, x), seed=1)
    codes = model.encode(x).mean.detach().double().numpy()
    gmm = GaussianMixture(3, covariance_type="diag", reg_covar=1e-6, n_init=5, random_state=1).fit(codes)
    np.testing.assert_allclose(model.prior_module.means.detach().numpy(), gmm.means_, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.prior_module.scales.detach().numpy() ** 2, gmm.covariances_, rtol=1e-4)
    np.testing.assert_allclose(torch.softmax(model.prior_module.logits, -1).detach().numpy(), gmm.weights_,
                               rtol=1e-5)
    out = VaDE(ObjectiveConfig(name="vade"))(model, x)
    assert out.loss.ndim == 0 and torch.isfinite(out.loss) and out.kl_per_dim is None
    assert 0 <= float(out.extras["cluster_entropy"]) <= math.log(3) + 1e-6


@pytest.fixture(scope="module")
def vade_run(tmp_path_factory: pytest.TempPathFactory):
    run = tmp_path_factory.mktemp("runs") / "vade"
    code, output = invoke("train", "--data", "digits", "--epochs", "3", "--pretrain-epochs", "1", *VADE,
                          "--out", run)
    assert code == 0, output
    return run


def test_training_pretrains_then_fits_then_trains_the_bound(vade_run) -> None:
    rows = pd.read_csv(vade_run / "metrics.csv").to_dict("records")
    assert rows[0]["train_rate"] == 0.0                      # epoch 1: the autoencoder, no KL
    assert rows[1]["train_rate"] > 0 and "train_cluster_entropy" in rows[1]
    model = vaekit.load(vade_run)
    assert model.has_cluster_variable
    assert not torch.allclose(model.prior_module.logits, torch.zeros(4))   # fitted weights, not the start


def test_cluster_command_writes_q_c_given_x_in_input_order(vade_run, tmp_path) -> None:
    out = tmp_path / "clusters.csv"
    code, output = invoke("cluster", vade_run, "--split", "all", "--out", out)
    assert code == 0, output
    assert "against the labels: accuracy" in output
    table = pd.read_csv(out)
    assert list(table.columns) == ["id", "cluster", "probability", "label"]
    assert table["id"].tolist() == list(range(len(table)))       # digits' ids are its row numbers, in order
    model = vaekit.load(vade_run)
    chosen = vaekit.tasks.outputs.select_data(vade_run, split="all")
    probs = model.class_posterior(chosen.x).probs.detach()
    np.testing.assert_array_equal(table["cluster"].to_numpy(), probs.argmax(-1).numpy())
    np.testing.assert_allclose(table["probability"].to_numpy(), probs.max(-1).values.numpy(), rtol=1e-6)
    assert table["probability"].between(0.25, 1.0).all()     # 4 clusters: the largest is at least 1/4


def test_cluster_command_kmeans_on_any_run(digits_run, tmp_path) -> None:
    out = tmp_path / "k.npy"
    code, output = invoke("cluster", digits_run, "--method", "kmeans", "--clusters", "5", "--out", out)
    assert code == 0, output
    values, ids = np.load(out), np.load(tmp_path / "k-ids.npy")
    chosen = vaekit.tasks.outputs.select_data(digits_run)
    assert values.shape == (len(chosen.x), 2) and (values[:, 1] == 1).all()
    np.testing.assert_array_equal(ids, chosen.ids)
    expected, _ = assign_clusters(vaekit.load(digits_run), chosen.x, "kmeans", 5, seed=0)
    np.testing.assert_array_equal(values[:, 0], expected)
    code, output = invoke("cluster", digits_run, "--method", "gmm", "--out", tmp_path / "g.csv")   # K = classes
    assert code == 0, output
    assert pd.read_csv(tmp_path / "g.csv")["probability"].between(0, 1).all()


def test_evaluate_reports_clustering_scores(vade_run) -> None:
    from vaekit.tasks.evaluation import evaluate

    model = vaekit.load(vade_run)
    data = vaekit.load_dataset("digits")
    results = evaluate(model, data, k=2)
    chosen_x, y = data.test_x, data.test_y.numpy()
    assigned = model.class_posterior(chosen_x).probs.argmax(-1).numpy()
    assert results["cluster_accuracy"] == pytest.approx(clustering_scores(y, assigned)["accuracy"])
    assert 0 <= results["kmeans_accuracy"] <= 1 and -1 <= results["kmeans_ari"] <= 1


def test_evaluate_compare_and_report_show_the_clustering_rows(vade_run) -> None:
    import json

    code, output = invoke("evaluate", vade_run, "--k", "2")
    assert code == 0, output
    saved = json.loads((vade_run / "evaluation.json").read_text())
    assert f"{saved['cluster_accuracy']:.4g}" in output.split("q(c|x) clusters accuracy")[1].splitlines()[0]
    code, output = invoke("compare", vade_run)
    assert code == 0 and "k-means on codes ARI" in output, output
    code, output = invoke("report", vade_run)
    assert code == 0, output
    assert "clusters of q(c|x): NMI" in (vade_run / "report.html").read_text()


def test_a_run_resumed_at_the_end_of_pretraining_fits_the_mixture_as_one_run_does(tmp_path) -> None:
    from vaekit.training.loop import resume, train

    config = {"data": {"source": "digits"}, "model": {"hidden": [16], "latent_dim": 2, "prior": "mixture",
                                                      "prior_components": 3},
              "objective": {"name": "vade", "pretrain_epochs": 2}, "train": {"epochs": 3, "batch_size": 256}}
    whole = train(config, tmp_path / "whole", progress=False, pictures=False).model

    class Stop(Exception):
        pass

    def stop_after_pretraining(row: dict) -> None:
        if row["epoch"] == 2:
            raise Stop

    with pytest.raises(Stop):
        train(config, tmp_path / "parts", progress=False, pictures=False, on_epoch=stop_after_pretraining)
    resumed = resume(tmp_path / "parts", progress=False).model
    for name, value in whole.state_dict().items():
        torch.testing.assert_close(resumed.state_dict()[name], value, rtol=0, atol=0, msg=name)
