"""`vaekit score --calibration --alarm-rate`: conformal p-values and alarms written beside the scores, from the
calibration rows' own scores."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch

import vaekit
from conftest import invoke
from vaekit.tasks.scoring import score
from vaekit.tasks.scoring.conformal import conformal_p_values, conformal_threshold


def test_alarms_and_p_values_come_from_the_calibration_rows(digits_run: Path, tmp_path: Path) -> None:
    x = vaekit.load_dataset("digits").test_x.numpy()
    np.savez(tmp_path / "normal.npz", x=x[:100])
    np.savez(tmp_path / "new.npz", x=x[100:])
    out = tmp_path / "s.csv"
    code, output = invoke("score", digits_run, "--data", tmp_path / "new.npz", "--kind", "iw", "--k", "8",
                          "--calibration", tmp_path / "normal.npz", "--alarm-rate", "0.05", "--out", out)
    assert code == 0, output
    table = pd.read_csv(out)
    assert list(table.columns) == ["id", "iw", "iw p-value", "iw alarm"]
    model = vaekit.load(digits_run)
    reference = score(model, torch.from_numpy(x[:100]), kind="iw", k=8, seed=1).numpy()  # the seed after --seed 0
    threshold = conformal_threshold(reference, 0.05)
    np.testing.assert_array_equal(table["iw alarm"].to_numpy(), (table["iw"].to_numpy() > threshold).astype(int))
    np.testing.assert_allclose(table["iw p-value"], conformal_p_values(reference, table["iw"].to_numpy()))
    assert f"alarm above {threshold:.6g}" in output
    # an alarm is exactly a p-value at or below the rate
    assert ((table["iw p-value"] <= 0.05) == (table["iw alarm"] == 1)).all()


def test_p_values_without_an_alarm_rate_and_the_test_split_as_calibration(digits_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "s.csv"
    code, output = invoke("score", digits_run, "--kind", "rate", "--split", "train", "--calibration", "test",
                          "--out", out)
    assert code == 0, output
    table = pd.read_csv(out)
    assert list(table.columns) == ["id", "rate", "rate p-value", "label"]
    assert table["rate p-value"].between(1 / (len(table) + 1), 1).all()
