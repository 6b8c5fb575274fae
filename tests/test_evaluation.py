"""The importance-weighted estimate against the exact marginal likelihood of probabilistic PCA, and the
evaluation's own guarantees: seeds repeat, batch sizes do not matter, memory does not grow with k."""

from __future__ import annotations

import pytest
import torch

from test_ppca import _ppca, _vae
from vaekit.tasks.evaluation import evaluate, importance_weighted_bound


def _perturbed_ppca():
    x, log_px, decoder_params, (matrix, variance) = _ppca()
    # a posterior well away from the exact one: the ELBO has a wide gap for the importance weights to close
    model = _vae(decoder_params, matrix * 0.5, decoder_params[1] + 0.3, variance * 3).float()
    return x.float(), log_px.float(), model


def test_iw_estimate_rises_with_k_to_the_exact_log_likelihood_and_the_elbo_stays_below() -> None:
    x, log_px, model = _perturbed_ppca()

    def mean_gap(k: int, seeds: int) -> float:  # log p(x) - IW_k, averaged over examples and seeds
        return sum(float((log_px - importance_weighted_bound(model, x, k=k, batch_size=64, seed=s)
                          .log_likelihood).mean()) for s in range(seeds)) / seeds

    gaps = [mean_gap(k, seeds=8) for k in (1, 4, 16, 64, 256)]
    assert all(a > b for a, b in zip(gaps, gaps[1:])), gaps  # the expected bound rises with k ...
    assert gaps[0] > 1.0
    assert abs(mean_gap(5000, seeds=1)) < 0.05  # ... to within 0.05 nats per example of log p(x)
    estimate = importance_weighted_bound(model, x, k=100, batch_size=64, seed=0)
    assert float((log_px - estimate.elbo).mean()) > 0.5  # the ELBO stays below, by a real margin
    assert estimate.elbo.mean() < estimate.log_likelihood.mean()


def test_same_seed_same_numbers_and_batch_size_changes_nothing() -> None:
    x, _, model = _perturbed_ppca()
    a = importance_weighted_bound(model, x, k=300, batch_size=64, seed=4)
    b = importance_weighted_bound(model, x, k=300, batch_size=7, seed=4)
    c = importance_weighted_bound(model, x, k=300, batch_size=64, seed=5)
    torch.testing.assert_close(a.log_likelihood, b.log_likelihood, rtol=0, atol=1e-5)
    torch.testing.assert_close(a.elbo, b.elbo, rtol=0, atol=1e-5)
    assert not torch.allclose(a.log_likelihood, c.log_likelihood)


def test_small_chunks_give_the_same_estimate(monkeypatch) -> None:
    from vaekit.tasks.evaluation import importance

    x, _, model = _perturbed_ppca()
    whole = importance_weighted_bound(model, x[:8], k=200, seed=1)
    monkeypatch.setattr(importance, "CHUNK_ELEMENTS", 6 * 8 * 3)  # 3 samples per chunk
    chunked = importance_weighted_bound(model, x[:8], k=200, seed=1)
    torch.testing.assert_close(whole.log_likelihood, chunked.log_likelihood, rtol=0, atol=1e-5)


def test_evaluate_reports_every_number(digits_run) -> None:
    import vaekit

    model = vaekit.load(digits_run)
    data = vaekit.load_dataset("digits")
    results = evaluate(model, data, k=50, seed=0)
    assert results["examples"] == 180 and results["k"] == 50
    assert results["neg_log_likelihood"]["mean"] <= results["neg_elbo"]["mean"]
    assert results["neg_elbo"]["mean"] == pytest.approx(results["distortion"]["mean"] + results["rate"]["mean"])
    assert abs(sum(results["kl_per_dim"]) - results["rate"]["mean"]) < 1e-4
    assert 0 <= results["active_units"] <= 2 and len(results["kl_per_dim"]) == 2
    assert 0.3 < results["linear_probe_accuracy"] <= 1.0  # a 2-D code separates digits far above chance (0.1)
    assert 0 < results["reconstruction_mse"] < 0.2
    assert "cross-entropy of grey levels" in results["protocol"]
    assert results["frechet_distance"] > 0


def test_evaluate_and_compare_from_the_command_line(digits_run, tmp_path) -> None:
    import json
    import shutil

    from conftest import invoke

    run = tmp_path / "run"
    shutil.copytree(digits_run, run)
    code, output = invoke("compare", run)
    assert code == 2 and "has no evaluation.json" in output
    code, output = invoke("evaluate", run, "--k", "20", "--seed", "1")
    assert code == 0, output
    saved = json.loads((run / "evaluation.json").read_text())
    assert saved["k"] == 20 and saved["seed"] == 1 and saved["data"] == "digits" and saved["examples"] == 180
    assert f"{saved['neg_log_likelihood']['mean']:.3f}" in output
    code, output = invoke("evaluate", run, "--k", "20", "--seed", "1", "--batch-size", "7")
    rebatched = json.loads((run / "evaluation.json").read_text())["neg_log_likelihood"]
    assert abs(rebatched["mean"] - saved["neg_log_likelihood"]["mean"]) < 1e-5  # float rounding only
    code, output = invoke("compare", run, run)
    assert code == 0 and output.count(f"{saved['neg_elbo']['mean']:.3f}") == 2
    code, output = invoke("evaluate", run, "--k", "0")
    assert code == 2 and "k must be at least 1" in output


def test_a_binarized_run_is_scored_on_binarized_data_and_a_damaged_evaluation_is_reported(tmp_path) -> None:
    from conftest import invoke

    run = tmp_path / "run"
    code, output = invoke("train", "--hidden", "16", "--epochs", "2", "--binarize", "static", "--out", run, "--quiet")
    assert code == 0, output
    code, output = invoke("evaluate", run, "--k", "5")
    assert code == 0, output
    assert "exact discrete log-likelihood of binary data" in output
    (run / "evaluation.json").write_text("{not json")
    code, output = invoke("report", run)
    assert code == 2 and "evaluation.json is not valid JSON" in output and len(output.strip().splitlines()) == 1
