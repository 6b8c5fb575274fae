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
