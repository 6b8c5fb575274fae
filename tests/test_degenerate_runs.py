"""Runs at the edges a new-user audit found: a table so small its test split is one row, files a user made private,
a config.json whose informative parts are damaged, and an evaluation whose standard errors are undefined."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import numpy as np
import pytest

from conftest import invoke


def test_a_ten_row_table_trains_evaluates_and_reports(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    rows = "".join(f"{a},{b},{c}\n" for a, b, c in rng.random((10, 3)))
    (tmp_path / "ten.csv").write_text("a,b,c\n" + rows)
    run = tmp_path / "run"
    code, output = invoke("train", "--data", tmp_path / "ten.csv", "--hidden", "8", "--latent-dim", "3",
                          "--epochs", "1", "--quiet", "--out", run)
    assert code == 0, output  # one test row: the latent scatter falls back to the first two axes
    assert {"latent.png", "loss.png", "samples.png"} <= {p.name for p in run.iterdir()}
    code, output = invoke("evaluate", run, "--k", "3")
    assert code == 0, output
    saved = json.loads((run / "evaluation.json").read_text())
    assert saved["examples"] == 1 and saved["neg_elbo"]["se"] is None  # undefined for one example: null
    assert "n/a" in output  # ... and shown as such, not a crash
    code, output = invoke("compare", run)
    assert code == 0 and "n/a" in output, output
    code, output = invoke("report", run)
    assert code == 0, output


def test_a_file_a_user_made_private_stays_private_when_rewritten(digits_run: Path, tmp_path: Path) -> None:
    run = Path(shutil.copytree(digits_run, tmp_path / "run"))
    target = run / "evaluation.json"
    target.write_text("{}")
    os.chmod(target, 0o600)
    code, output = invoke("evaluate", run, "--k", "3")
    assert code == 0, output
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert json.loads(target.read_text())["k"] == 3


def test_info_shows_a_run_whose_versions_entry_is_damaged(digits_run: Path, tmp_path: Path) -> None:
    run = Path(shutil.copytree(digits_run, tmp_path / "run"))
    saved = json.loads((run / "config.json").read_text())
    saved["versions"] = "x"
    (run / "config.json").write_text(json.dumps(saved))
    code, output = invoke("info", run)
    assert code == 0, output
    assert "versions: not recorded" in output


@pytest.mark.slow
def test_outputs_that_overflow_mid_epoch_end_in_one_line_and_keep_the_last_good_epoch(tmp_path: Path) -> None:
    """SGD this fast drives VaDE's posterior to overflow in its first epoch after pretraining; the mixture's q(c|z)
    refused the NaN logits mid-epoch with torch's ValueError and a traceback, before the epoch's NaN check."""
    code, output = invoke("train", "--data", "digits", "--prior", "mixture", "--objective", "vade",
                          "--pretrain-epochs", "2", "--optimizer", "sgd", "--lr", "0.1", "--epochs", "4",
                          "--out", tmp_path / "run")
    assert code == 2 and "Traceback" not in output
    assert "error: the model's outputs became NaN or infinite at step" in output and "(epoch 3)" in output
    assert "keeps the last good checkpoint (epoch 2)" in output
    rows = (tmp_path / "run" / "metrics.csv").read_text().splitlines()
    assert len(rows) == 3  # the header and epochs 1 and 2
