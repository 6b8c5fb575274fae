"""An answer that would be incomplete is an error, never a success (issue 22, must-have 3): imputation refuses
values far outside the training data and imputations that are not numbers, a normal imputation still fills every
cell, outputs with NaN are not written, and no output of a call overwrites another's (sidecar files included)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

import vaekit
from conftest import invoke
from vaekit import VAEImputer
from vaekit.core.errors import VaekitError
from vaekit.data.writers import check_outputs_apart, files_written
from vaekit.tasks import imputation
from vaekit.tasks.imputation import impute
from vaekit.tasks.imputation.ranges import FAR_SDS, check_complete, check_within_training


def _table(rows: int = 120) -> np.ndarray:
    rng = np.random.default_rng(0)
    x = np.column_stack([rng.normal(50, 10, rows), rng.normal(26, 4, rows), rng.normal(90, 12, rows)])
    x[rng.random(x.shape) < 0.1] = np.nan
    return x.astype(np.float32)


@pytest.fixture(scope="module")
def imputer() -> VAEImputer:
    return VAEImputer(epochs=2, k=20, seed=0).fit(_table())


def test_a_normal_imputation_fills_every_cell(imputer: VAEImputer) -> None:
    x = _table()
    filled = imputer.transform(x)
    assert not np.isnan(filled).any()
    observed = ~np.isnan(x)
    assert np.array_equal(filled[observed], x[observed].astype(np.float64))


@pytest.mark.parametrize("value", [1e20, -1e30])
def test_transform_refuses_a_value_far_outside_the_fitted_rows(imputer: VAEImputer, value: float) -> None:
    x = _table()
    x[3, 1] = value
    with pytest.raises(VaekitError, match=rf"row 3 \(0-based\) has {value:g}".replace("+", r"\+")
                       + r" in column 1, .* training standard deviations"):
        imputer.transform(x)


def test_a_frame_names_the_row_and_the_column() -> None:
    frame = pd.DataFrame(_table(), columns=["age", "bmi", "bp"], index=[f"p{i}" for i in range(120)])
    imputer = VAEImputer(epochs=1, k=20).fit(frame)
    frame.loc["p7", "bp"] = 1e20
    with pytest.raises(VaekitError, match=r"row p7 has 1e\+20 in bp"):
        imputer.transform(frame)


def test_the_bound_is_in_training_standard_deviations(imputer: VAEImputer) -> None:
    model = imputer.model_
    mean, sd = float(model.data_shift[1]), float(model.data_scale[1])
    x = torch.tensor([[50.0, mean + 0.9 * FAR_SDS * sd, 90.0]])
    check_within_training(model, x)  # far, but not past the bound
    x[0, 1] = mean - 1.1 * FAR_SDS * sd
    with pytest.raises(VaekitError, match=r"row 0 \(0-based\) has .* in column 1, 1\.1e\+03 training standard"):
        check_within_training(model, x)


def test_an_imputation_that_is_not_a_number_is_refused(imputer: VAEImputer, monkeypatch: pytest.MonkeyPatch) -> None:
    def nan_method(batch, draws, k, iterations):  # type: ignore[no-untyped-def]
        return torch.full((draws, *batch.x.shape), float("nan"))

    monkeypatch.setitem(imputation.METHODS, "importance", nan_method)
    x = _table()
    missing = int(np.isnan(x).sum())
    with pytest.raises(VaekitError, match=rf"could not impute {missing} of {missing} missing values \(not a number\), "
                       r"the first in row \d+ \(0-based\), entry \d: .*nothing was written"):
        impute(imputer.model_, x, k=5)


def test_check_complete_names_the_first_hole() -> None:
    filled = torch.zeros(1, 3, 2)
    missing = torch.zeros(1, 3, 2, dtype=torch.bool)
    missing[0, 1, 1] = missing[0, 2, 0] = True
    check_complete(filled, missing)
    filled[0, 2, 0] = float("inf")
    with pytest.raises(VaekitError, match=r"1 of 2 missing values .* the first in row c, age"):
        check_complete(filled, missing, ["age", "bmi"], ["a", "b", "c"])


# --- outputs of one call ------------------------------------------------------------------------------------------


def test_an_arrays_sidecars_are_among_the_files_it_writes() -> None:
    assert files_written(Path("a.npy")) == [Path("a.npy"), Path("a-ids.npy")]
    assert files_written(Path("a.npy"), labels=True)[-1] == Path("a-labels.npy")
    assert files_written(Path("a.csv")) == [Path("a.csv")]


def test_outputs_that_would_overwrite_each_other_are_refused(tmp_path: Path) -> None:
    check_outputs_apart({"--out": tmp_path / "a.npy", "--noisy-out": tmp_path / "b.npy"})
    check_outputs_apart({"--out": tmp_path / "a.npy", "--noisy-out": None})
    with pytest.raises(VaekitError, match=r"--out .*a\.npy and --noisy-out .*a-ids\.npy would both write"):
        check_outputs_apart({"--out": tmp_path / "a.npy", "--noisy-out": tmp_path / "a-ids.npy"})
    with pytest.raises(VaekitError, match=r"^--out and --noisy-out both name .*a\.png: one would overwrite"):
        check_outputs_apart({"--out": tmp_path / "a.png", "--noisy-out": tmp_path / "sub/../a.png"})


def test_denoise_writes_both_arrays_and_their_ids(digits_run: Path, tmp_path: Path) -> None:
    code, output = invoke("denoise", digits_run, "--add-noise", "gaussian:0.3", "-n", "5", "--out",
                          tmp_path / "a.npy", "--noisy-out", tmp_path / "b.npy")
    assert code == 0, output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-ids.npy", "a.npy", "b-ids.npy", "b.npy"]
    assert np.load(tmp_path / "a.npy").shape == np.load(tmp_path / "b.npy").shape == (5, 1, 8, 8)


def test_reconstructions_that_are_not_numbers_are_not_written(digits_run: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vaekit.VAE, "reconstruct", lambda self, x, **kwargs: torch.full_like(x, float("nan")))
    code, output = invoke("reconstruct", digits_run, "-n", "4", "--out", tmp_path / "r.npy")
    assert code == 2 and "the model gives NaN or infinite reconstructions for 4 of 4 examples" in output
    assert not (tmp_path / "r.npy").exists()
