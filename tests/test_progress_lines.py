"""Long commands say each stage as it starts (a line in a log, above any bar on a terminal): evaluate, score and
cluster were silent for minutes on larger data."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import vaekit
from vaekit.cli import main
from vaekit.core.progress import say_stage


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("progress") / "run"
    vaekit.train({"data": {"source": "digits"}, "model": {"hidden": [16], "latent_dim": 4},
                  "train": {"epochs": 1, "early_stopping": 0}}, path, progress=False, pictures=False)
    return path


def invoke(*args: object) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.output


def test_a_stage_is_one_line_on_stderr_and_nothing_when_not_shown(capsys):
    say_stage("evaluate: something long")
    say_stage("never shown", shown=False)
    captured = capsys.readouterr()
    assert captured.err == "evaluate: something long ...\n" and captured.out == ""


def test_evaluate_says_each_stage(run, capsys):
    from vaekit.tasks.evaluation import evaluate

    model = vaekit.load(run)
    evaluate(model, vaekit.load_dataset("digits"), k=5, progress=True)
    said = capsys.readouterr().err
    for stage in ("evaluate: -log p(x) of 180 examples, 5 importance samples each", "evaluate: the codes",
                  "evaluate: k-means on the codes", "evaluate: a linear probe"):
        assert stage in said
    evaluate(model, vaekit.load_dataset("digits"), k=5)
    assert "evaluate:" not in capsys.readouterr().err  # from Python, quiet unless asked


def test_score_and_cluster_say_their_stages(run, tmp_path):
    code, output = invoke("score", run, "--kind", "elbo", "--anomalous-classes", "5,6,7,8,9",
                          "--out", tmp_path / "s.csv")
    assert code == 0, output
    assert "scoring 180 examples: elbo" in output and "score: the baselines" in output
    code, output = invoke("cluster", run, "--method", "kmeans", "--out", tmp_path / "c.csv")
    assert code == 0, output
    assert "cluster: 180 examples by kmeans on the codes ..." in output and "cluster: the baselines" in output


def test_a_likelihood_score_of_grey_levels_from_a_bernoulli_model_is_warned_of(run, tmp_path):
    """The README's out-of-distribution example paired a likelihood score with a Bernoulli model of grey levels,
    whose -log p(x) is a cross-entropy that grows with greyness: said in one line when scoring other data."""
    import numpy as np

    grey = np.random.default_rng(0).random((20, 1, 8, 8)).astype(np.float32)
    np.save(tmp_path / "grey.npy", grey)
    code, output = invoke("score", run, "--data", tmp_path / "grey.npy", "--kind", "iw,reconstruction", "--k", "2",
                          "--out", tmp_path / "s.csv")
    assert code == 0, output
    warning = [line for line in output.splitlines() if line.startswith("warning: ")]
    assert len(warning) == 1 and "the iw score reads log p(x)" in warning[0]
    assert "--likelihood continuous_bernoulli" in warning[0]
    np.save(tmp_path / "binary.npy", (grey > 0.5).astype(np.float32))  # 0/1 data: log p(x) is a probability
    code, output = invoke("score", run, "--data", tmp_path / "binary.npy", "--kind", "iw", "--k", "2",
                          "--out", tmp_path / "b.csv")
    assert code == 0 and "warning:" not in output
    code, output = invoke("score", run, "--data", tmp_path / "grey.npy", "--kind", "reconstruction",
                          "--out", tmp_path / "r.csv")
    assert code == 0 and "warning:" not in output


def test_evaluate_and_report_end_with_what_to_run_next(run, tmp_path):
    import shutil

    copy = shutil.copytree(run, tmp_path / "run")
    code, output = invoke("evaluate", copy, "--k", "5")
    assert code == 0, output
    assert "evaluate: -log p(x) of 180 examples" in output
    assert f"next: vaekit report {copy}" in output and f"vaekit compare {copy} OTHER_RUN" in output
    code, output = invoke("report", copy, "--k", "5")
    assert code == 0, output
    assert f"next: open {copy / 'report.html'} in a browser" in output
