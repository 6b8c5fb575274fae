"""Every command that compares its answer with the simple baselines keeps the verdict in the run (RUN/verdicts.json),
and the report and the model card show them: the baseline is in every answer, not only evaluate's."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import invoke
from vaekit.runs.verdicts import VERDICTS_FILE, read_verdicts, record_verdict
from vaekit.tasks.evaluation.provenance import file_sha256


@pytest.fixture()
def run(digits_run: Path, tmp_path: Path) -> Path:
    """A copy of the digits run, with no verdicts: the commands write theirs into it (and other tests' commands
    into the shared run, so the copy starts without them)."""
    copy = Path(shutil.copytree(digits_run, tmp_path / "run"))
    (copy / VERDICTS_FILE).unlink(missing_ok=True)
    return copy


def _printed(output: str, start: str) -> str:
    return next(line for line in output.splitlines() if line.startswith(start))


def test_each_command_keeps_its_verdict_and_the_report_and_card_show_them(run: Path, tmp_path: Path) -> None:
    code, clustered = invoke("cluster", run, "--method", "kmeans", "--clusters", "10", "--out", tmp_path / "c.csv")
    assert code == 0, clustered
    code, denoised = invoke("denoise", run, "--add-noise", "gaussian:0.3", "-n", "40", "--out", tmp_path / "d.npy")
    assert code == 0, denoised
    code, inpainted = invoke("inpaint", run, "--mask", "lower-half", "-n", "20", "--out", tmp_path / "i.png")
    assert code == 0, inpainted
    code, checked = invoke("impute", run, "--out", tmp_path / "f.npy", "--k", "20", "--check", "0.2")
    assert code == 0, checked
    # scores written into the run: score holds the run's lock, and its own verdicts are written under it
    code, scored = invoke("score", run, "--kind", "iw,rate", "--k", "5", "--anomalous-classes", "5,6,7,8,9")
    assert code == 0, scored
    assert "notice: the verdict is not kept" not in scored

    found = json.loads((run / VERDICTS_FILE).read_text())
    assert set(found) == {"cluster (kmeans on codes)", "denoise", "inpaint", "impute --check (rmse)", "score (iw)",
                          "score (rate)"}
    cluster = found["cluster (kmeans on codes)"]
    assert cluster["verdict"] == _printed(clustered, "verdict")
    assert cluster["metric"] == "accuracy" and set(cluster["baselines"]) >= {"k-means on the inputs"}
    accuracy = float(_printed(clustered, "against the labels: accuracy").split("accuracy ")[1].split(",")[0])
    assert cluster["vaekit"] == pytest.approx(accuracy, abs=1e-4)
    assert cluster["data"] == "180 rows of the test split of digits"
    assert found["denoise"]["data"] == "40 rows of the test split of digits"
    assert found["denoise"]["verdict"] == _printed(denoised, "verdict")
    assert found["denoise"]["setting"] == "--add-noise gaussian:0.3, --noise gaussian:0.3, seed 0"
    assert found["inpaint"]["setting"] == "--mask lower-half, importance"
    assert found["score (iw)"]["setting"] == "classes 5,6,7,8,9 anomalous"
    assert cluster["setting"] == "10 clusters"
    assert found["inpaint"]["metric"] == "PSNR" and "KNNImputer (5 neighbours)" in found["inpaint"]["baselines"]
    assert found["inpaint"]["data"] == "20 rows of the test split of digits"
    assert found["impute --check (rmse)"]["higher_is_better"] is False
    assert found["score (iw)"]["verdict"] == _printed(scored, "verdict (iw)")
    assert {entry["weights_sha256"] for entry in found.values()} == {file_sha256(run / "model.safetensors")}

    code, output = invoke("report", run)
    assert code == 0, output
    page = (run / "report.html").read_text()
    assert "Against the simple baselines" in page
    for subject in found:
        assert f"<td>{subject}</td>" in page
    assert "stale:" not in page
    code, output = invoke("card", run)
    assert code == 0, output
    card = (run / "README.md").read_text()
    assert "## Against the simple baselines" in card
    rows = "180 rows of the test split of digits, 10 clusters"
    assert f"- cluster (kmeans on codes): {cluster['verdict']} (on {rows})" in card


def test_a_later_verdict_replaces_the_earlier_one_of_its_subject(run: Path, tmp_path: Path) -> None:
    for count in ("20", "30"):
        code, output = invoke("denoise", run, "--add-noise", "gaussian:0.3", "-n", count, "--out", tmp_path / "d.npy")
        assert code == 0, output
    kept = read_verdicts(run)
    assert list(kept) == ["denoise"] and kept["denoise"]["data"] == "30 rows of the test split of digits"


def test_a_verdict_of_other_weights_is_marked_stale_and_left_out_of_the_card(run: Path, tmp_path: Path) -> None:
    code, output = invoke("denoise", run, "--add-noise", "gaussian:0.3", "-n", "20", "--out", tmp_path / "d.npy")
    assert code == 0, output
    kept = json.loads((run / VERDICTS_FILE).read_text())
    kept["denoise"]["weights_sha256"] = "0" * 64  # as if the run had been trained further since
    (run / VERDICTS_FILE).write_text(json.dumps(kept))
    code, output = invoke("report", run)
    assert code == 0, output
    assert "stale: it measured other weights" in (run / "report.html").read_text()
    code, output = invoke("card", run)
    assert code == 0, output
    assert "Against the simple baselines" not in (run / "README.md").read_text()


@pytest.mark.parametrize("damage", ["{not json", "[1, 2]", '{"denoise": 3}'])
def test_a_damaged_verdicts_file_is_not_trusted_and_the_next_verdict_replaces_it(run: Path, tmp_path: Path,
                                                                                damage: str) -> None:
    (run / VERDICTS_FILE).write_text(damage)
    assert read_verdicts(run) == {}
    code, output = invoke("report", run)
    assert code == 0, output
    assert "Against the simple baselines" not in (run / "report.html").read_text()
    code, output = invoke("denoise", run, "--add-noise", "gaussian:0.3", "-n", "20", "--out", tmp_path / "d.npy")
    assert code == 0, output
    assert f"notice: {run / VERDICTS_FILE} was damaged; moved it to verdicts.json.damaged" in output
    assert (run / "verdicts.json.damaged").read_text() == damage  # set aside, not lost
    assert list(json.loads((run / VERDICTS_FILE).read_text())) == ["denoise"]


def test_a_run_that_cannot_take_the_verdict_keeps_the_answer_with_a_notice(tmp_path: Path,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    entry = {"metric": "PSNR", "vaekit": 1.0, "baselines": {}, "verdict": "verdict: ..."}
    assert record_verdict("hf://someone/model", "denoise", entry, "rows") is False
    assert "a Hub snapshot" in capsys.readouterr().err
    assert record_verdict(tmp_path / "gone", "denoise", entry, "rows") is False
    assert "notice: the verdict is not kept in the report" in capsys.readouterr().err
    assert not (tmp_path / "gone").exists()


def test_a_run_another_process_is_writing_gets_no_verdict_and_a_notice(run: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    import subprocess
    import sys

    holder = subprocess.Popen([sys.executable, "-c", "import sys, time\nfrom vaekit.runs.lock import claim_run\n"
                               "with claim_run(sys.argv[1], 'vaekit train'):\n    print('held', flush=True)\n"
                               "    time.sleep(60)", str(run)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        entry = {"metric": "PSNR", "vaekit": 1.0, "baselines": {}, "verdict": "verdict: ..."}
        assert record_verdict(run, "denoise", entry, "rows") is False
    finally:
        holder.kill()
        holder.wait()
    said = capsys.readouterr().err
    assert said.count("\n") == 1 and "is being written by `vaekit train`" in said
    assert "run this command again once it has finished to keep it" in said
    assert not (run / VERDICTS_FILE).exists()


def test_predict_keeps_its_verdict_on_the_labelled_rows(m2_digits_run: Path, tmp_path: Path) -> None:
    run = Path(shutil.copytree(m2_digits_run, tmp_path / "m2"))
    (run / VERDICTS_FILE).unlink(missing_ok=True)
    code, output = invoke("predict", run, "--out", tmp_path / "p.csv")
    assert code == 0, output
    kept = read_verdicts(run)["predict"]
    assert kept["verdict"] == output.splitlines()[-1]
    assert kept["data"] == "180 rows of the test split of digits"
    assert "LabelSpreading on the inputs" in kept["baselines"]


def test_weights_that_cannot_be_read_leave_the_answer_and_keep_nothing(run: Path, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from vaekit.core.errors import VaekitError
    from vaekit.tasks.evaluation import provenance

    def unreadable(path: object) -> str:
        raise VaekitError(f"cannot read {path}: Input/output error")

    monkeypatch.setattr(provenance, "file_sha256", unreadable)
    code, output = invoke("denoise", run, "--add-noise", "gaussian:0.3", "-n", "20", "--out", tmp_path / "d.npy")
    assert code == 0, output
    assert "notice: the verdict is not kept in the report: cannot read" in output
    assert _printed(output, "verdict") and (tmp_path / "d.npy").is_file()
    assert not (run / VERDICTS_FILE).exists()


def test_a_hand_edited_entry_does_not_break_the_report(run: Path) -> None:
    (run / VERDICTS_FILE).write_text(json.dumps({"score (iw)": {
        "metric": "<b>AUROC</b>", "vaekit": True, "baselines": {"PCA": 10 ** 400},
        "best_baseline": ["PCA"], "winner": "vaekit", "verdict": 7}}))
    code, output = invoke("report", run)
    assert code == 0, output
    page = (run / "report.html").read_text()
    assert "&lt;b&gt;AUROC&lt;/b&gt;" in page and "<b>AUROC</b>" not in page
    assert "stale: it does not record which weights it measured" in page
