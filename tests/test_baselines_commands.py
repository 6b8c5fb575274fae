"""Each command that answers a question on labelled or clean data prints the simple method beside vaekit's figure
and a verdict, and writes them where it writes a JSON; the report shows them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import invoke


@pytest.fixture()
def run(digits_run: Path, tmp_path: Path) -> Path:
    """A copy of the digits run: evaluate and report write into it."""
    return Path(shutil.copytree(digits_run, tmp_path / "run"))


def test_evaluate_writes_the_input_baselines_and_verdicts_and_the_report_shows_them(run: Path) -> None:
    code, output = invoke("evaluate", run, "--k", "5")
    assert code == 0, output
    found = json.loads((run / "evaluation.json").read_text())
    # digits are easy for the simple methods: a logistic regression on the 64 pixels scores about 0.95
    assert 0.9 < found["baseline_logistic_regression_accuracy"] <= 1.0
    assert 0.6 < found["baseline_kmeans_inputs_accuracy"] <= 1.0
    assert {"baseline_kmeans_inputs_nmi", "baseline_kmeans_inputs_ari"} <= set(found)
    probe = found["verdicts"]["linear_probe_accuracy"]
    assert probe["vaekit"] == found["linear_probe_accuracy"]
    assert probe["baselines"] == {"logistic regression on the inputs": found["baseline_logistic_regression_accuracy"]}
    assert set(found["verdicts"]) == {"linear_probe_accuracy", "kmeans_accuracy"}  # no q(c|x): no cluster variable
    for verdict in found["verdicts"].values():
        assert verdict["verdict"] in output
    assert "baseline: logistic regression on inputs" in output and "baseline: k-means on inputs NMI" in output
    code, output = invoke("report", run)
    assert code == 0, output
    page = (run / "report.html").read_text()
    assert "baseline: logistic regression on the inputs, accuracy" in page
    assert found["verdicts"]["kmeans_accuracy"]["verdict"] in page


def test_cluster_prints_kmeans_on_the_inputs_and_on_pca_beside_the_run(digits_run: Path, tmp_path: Path) -> None:
    code, output = invoke("cluster", digits_run, "--method", "kmeans", "--out", tmp_path / "c.csv")
    assert code == 0, output
    lines = output.splitlines()
    assert lines[2] == "baselines, 10 clusters, fitted on the run's 1617 training rows:"
    inputs = float(lines[3].split("accuracy ")[1].split(",")[0])
    pca = float(lines[4].split("accuracy ")[1].split(",")[0])
    assert lines[3].startswith("  k-means on the inputs: ") and lines[4].startswith("  k-means on PCA of the inputs")
    assert 0.6 < inputs <= 1 and 0.6 < pca <= 1  # the digits' pixels cluster well: the bar is not low
    ours = float(lines[1].split("accuracy ")[1].split(",")[0])
    winner = "vaekit wins" if ours > max(inputs, pca) else "the baseline wins"
    assert lines[5].startswith(f"verdict (kmeans on codes): {winner}")


def test_predict_prints_logistic_regression_and_label_spreading_beside_q_y_given_x(tmp_path: Path) -> None:
    run = tmp_path / "m2"
    code, output = invoke("train", "--data", "digits", "--class-latent", "m2", "--objective", "m2",
                          "--labels-per-class", "5", "--epochs", "1", "--hidden", "32", "--latent-dim", "2",
                          "--out", run, "--quiet")
    assert code == 0, output
    code, output = invoke("predict", run, "--out", tmp_path / "p.csv")
    assert code == 0, output
    assert "baselines, fitted on the run's 1617 training rows (50 labelled):" in output
    figures = {line.split("  accuracy ")[0].strip(): float(line.split("accuracy ")[1])
               for line in output.splitlines() if "  accuracy " in line}
    assert set(figures) == {"vaekit (q(y|x))", "logistic regression on the inputs", "LabelSpreading on the inputs"}
    # 5 labels a class: LabelSpreading, which reads the 1567 unlabelled rows too, does far better than chance
    assert figures["LabelSpreading on the inputs"] > 0.8
    assert output.splitlines()[-1].startswith("verdict: ")
