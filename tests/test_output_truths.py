"""What vaekit prints and writes says what is true (issue 21): an undefined number reads n/a, never nan or None,
in every table, and numbers of different data are never set side by side without a word."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from conftest import invoke
from vaekit.report import write_report

FRECHET = "Frechet distance"


@pytest.fixture(scope="module")
def evaluated(digits_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the digits run with an evaluation.json of its own test split."""
    run = tmp_path_factory.mktemp("truths") / "run"
    shutil.copytree(digits_run, run)
    code, output = invoke("evaluate", run, "--k", "5")
    assert code == 0, output
    return run


def copy_with(run: Path, to: Path, **changes: Any) -> Path:
    """A copy of `run` whose evaluation.json has `changes` (None is written as JSON null)."""
    shutil.copytree(run, to)
    evaluation = json.loads((to / "evaluation.json").read_text())
    evaluation.update(changes)
    (to / "evaluation.json").write_text(json.dumps(evaluation))
    return to


def row(output: str, label: str) -> str:
    return next(line for line in output.splitlines() if line.startswith(label))


def metrics_section(page: str) -> str:
    return page.split('<section id="metrics">')[1].split("</section>")[0]


def test_report_shows_an_undefined_number_as_n_a_from_the_file_and_from_memory(evaluated: Path,
                                                                                  tmp_path: Path) -> None:
    run = copy_with(evaluated, tmp_path / "run", frechet_distance=None)  # as evaluation.json stores NaN
    page = metrics_section(write_report(run).read_text())
    assert "(not Inception FID)</th><td class=n>n/a</td>" in page
    assert "None" not in page and "nan" not in page
    # `vaekit report` evaluating on the way hands the report its numbers in memory, where undefined is NaN
    evaluation = json.loads((run / "evaluation.json").read_text())
    evaluation["frechet_distance"] = float("nan")
    page = metrics_section(write_report(run, evaluation).read_text())
    assert "(not Inception FID)</th><td class=n>n/a</td>" in page
    assert "None" not in page and "nan" not in page


def test_evaluate_and_compare_show_an_undefined_number_as_n_a_and_an_unmeasured_one_as_a_dash(
        evaluated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = copy_with(evaluated, tmp_path / "run", frechet_distance=None)
    code, output = invoke("compare", run)
    assert code == 0, output
    assert row(output, FRECHET).split()[-1] == "n/a"  # was "-", as for a row the run never measured
    assert row(output, "q(c|x) clusters accuracy").split()[-1] == "-"  # measured only for a run with clusters
    # evaluate prints the numbers it has in memory, where undefined is NaN (it printed "nan")
    evaluation = json.loads((run / "evaluation.json").read_text())
    monkeypatch.setattr("vaekit.cli.evaluate._evaluate_run",
                        lambda *args, **kwargs: {**evaluation, "frechet_distance": float("nan")})
    code, output = invoke("evaluate", run, "--k", "5")
    assert code == 0, output
    assert row(output, FRECHET).split()[-1] == "n/a" and "nan" not in output


def test_compare_warns_when_the_runs_measured_different_data_and_says_nothing_when_they_did_not(
        evaluated: Path, tmp_path: Path) -> None:
    same = copy_with(evaluated, tmp_path / "same")
    fashion = copy_with(evaluated, tmp_path / "fashion", data="fashion-mnist", data_sha256="f" * 64)
    code, output = invoke("compare", evaluated, same)
    assert code == 0, output
    assert "warning" not in output
    code, output = invoke("compare", evaluated, fashion)
    assert code == 0, output  # shown all the same, after the warning
    assert (f"warning: these evaluations measured different data, so their numbers do not compare: {evaluated} "
            f"measured digits; {fashion} measured fashion-mnist") in output
    # one name, other examples (another split seed, a changed file): told apart by their fingerprints
    resplit = copy_with(evaluated, tmp_path / "resplit", data_sha256="0" * 64)
    code, output = invoke("compare", evaluated, resplit)
    assert code == 0, output
    assert f"{resplit} measured digits (data SHA-256 000000000000...)" in output
