"""VAEImputer's defaults: each filled-in value stays inside the range its column took in the rows given to fit,
epochs="auto" chooses the epochs by how well a fifth of the observed entries, hidden, is filled in and then trains
on every entry for that many (a search's trials train the step budget, at most 200 epochs, no rows carved away),
and latent_dim="auto" is a quarter of the columns, 4 to 16."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import vaekit.estimators.hidden_entries as imputer_runs
import vaekit.training.hidden_entries as hidden_entries
import vaekit.training.loop as loop
from vaekit import VAEImputer
from vaekit.estimators.imputer import IMPUTER_EPOCHS
from vaekit.model.auto_latent import imputation_latent
from vaekit.tasks.imputation import impute
from vaekit.training.auto_settings import auto_epochs


def _gappy() -> np.ndarray:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 4)).astype(np.float32)
    x[:, 3] = 0.0
    x[:2, 3] = 0.01  # a nearly constant column, where a Gaussian decoder can stray far outside the data
    x[rng.random(x.shape) < 0.3] = np.nan
    x[:, 0] = rng.normal(size=120)  # every row keeps an observed value
    return x


def test_fill_ins_stay_in_each_columns_observed_range() -> None:
    x = _gappy()
    imputer = VAEImputer(latent_dim=2, hidden=(16,), epochs=3, k=20).fit(x)
    assert np.allclose(imputer.data_min_, np.nanmin(x, axis=0))
    assert np.allclose(imputer.data_max_, np.nanmax(x, axis=0))
    queries = x.copy()
    queries[:, 3] = np.nan
    filled = imputer.transform(queries)
    assert (filled >= imputer.data_min_).all()
    assert (filled <= imputer.data_max_).all()
    unclipped = VAEImputer(latent_dim=2, hidden=(16,), epochs=3, k=20, keep_in_range=False).fit(x)
    raw = unclipped.transform(queries)
    # the same seed trains the same model: clipping is the only difference, and it moves some fill-ins
    assert np.array_equal(np.clip(raw, imputer.data_min_, imputer.data_max_), filled)
    assert not np.array_equal(raw, filled)


def _spy_on_runs(monkeypatch) -> list:  # type: ignore[no-untyped-def]
    """Every run the training loop makes (a probe's and the one it chooses for): its train settings, training
    rows, watch, the record of the epochs chosen, and the run."""
    runs = []
    run_ = loop._run

    def spy(config, run_dir, state, progress, data=None, *args, **kwargs):  # type: ignore[no-untyped-def]
        run = run_(config, run_dir, state, progress, data, *args, **kwargs)
        runs.append((config.train, data.train_x.clone(), kwargs.get("watch"), kwargs.get("chosen"), run))
        return run
    monkeypatch.setattr(loop, "_run", spy)
    return runs


def test_auto_epochs_are_chosen_on_hidden_entries_then_trained_on_every_entry(monkeypatch, capsys) -> None:
    runs = _spy_on_runs(monkeypatch)
    x = _gappy()
    imputer = VAEImputer(hidden=(16,), k=20, progress=True).fit(x)
    (first, hid, watch, _, watched), (again, every, no_watch, chosen, _) = runs
    printed = capsys.readouterr()
    hidden = np.isnan(hid.numpy()) & ~np.isnan(x)
    assert (f"training again on every entry for {imputer.epochs_} epochs, the count that filled in the "
            f"{hidden.sum()} hidden entries best") in printed.out + printed.err
    # the first run: the step budget with early stopping on the error of filling in the entries it never saw
    assert first.epochs == auto_epochs(120, 64) == 1000 and first.early_stopping == 100
    assert watch is not None and no_watch is None
    assert 0.15 < hidden.sum() / (~np.isnan(x)).sum() < 0.25  # about a fifth of the observed entries
    assert np.array_equal(np.isnan(every.numpy()), np.isnan(x))  # the second run sees every entry
    errors = [row["val_hidden_entries_error"] for row in watched.metrics]
    assert watched.best_epoch == 1 + int(np.argmin(errors))
    assert len(errors) < 1000 and watched.stopped_early  # it stopped where filling in stopped improving
    # the second run trains that many epochs, to the end, and records how they were chosen
    assert again.epochs == imputer.epochs_ == watched.best_epoch and again.early_stopping == 0
    assert chosen == {"by": "hidden entries", "entries_hidden": int(hidden.sum()), "epochs_tried": len(errors),
                      "best_epoch": watched.best_epoch, "error": round(min(errors), 6)}


def test_the_settings_a_search_keeps_choose_their_epochs_on_hidden_entries(monkeypatch) -> None:
    runs = _spy_on_runs(monkeypatch)
    imputer = VAEImputer(hidden=(8,), k=20, tune_trials=2).fit(_gappy())
    trained = [(settings.epochs, watch is not None) for settings, _, watch, _, _ in runs]
    # the trials train 200 epochs each; the settings kept: one watched run, then the chosen epochs
    *trials, (budget, watched), (epochs, refit_watched) = trained
    assert trials and all(trial == (IMPUTER_EPOCHS, False) for trial in trials)
    assert (budget, watched, refit_watched) == (1000, True, False) and epochs == imputer.epochs_ <= 1000


def test_a_table_too_small_to_hide_entries_from_trains_the_capped_budget() -> None:
    rng = np.random.default_rng(1)
    tiny = rng.normal(size=(12, 3)).astype(np.float32)
    tiny[rng.random(tiny.shape) < 0.3] = np.nan
    tiny[:, 0] = rng.normal(size=12)  # every row keeps an observed value
    assert (~np.isnan(tiny)).sum() * hidden_entries.HIDDEN_SHARE < hidden_entries.MIN_HIDDEN
    imputer = VAEImputer(hidden=(8,), k=20).fit(tiny)
    assert imputer.epochs_ == IMPUTER_EPOCHS
    assert not np.isnan(imputer.transform(tiny)).any()
    one_value_each = np.array([[1.0, np.nan], [np.nan, 2.0], [3.0, np.nan]], dtype=np.float32)
    assert VAEImputer(hidden=(4,), k=10).fit(one_value_each).epochs_ == IMPUTER_EPOCHS  # nothing to hide


def test_a_large_table_hides_entries_of_a_sample_of_its_rows(monkeypatch, tmp_path) -> None:
    seen = []

    def first_run_only(config, run_dir, state, progress, data=None, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(data.train_x.numpy())
        raise StopIteration  # the mask is what is tested, not the training

    monkeypatch.setattr(hidden_entries, "WATCH_ROWS", 50)
    monkeypatch.setattr(loop, "_run", first_run_only)
    x = _gappy()
    with pytest.raises(StopIteration):
        imputer_runs.fit_on_hidden_entries(VAEImputer()._config(*x.shape), x, None, tmp_path, False)
    hidden = np.isnan(seen[0]) & ~np.isnan(x)
    assert hidden.any(axis=1).sum() <= 50 < len(x)
    # a fifth of the 50 rows' observed entries (about 3 a row: about 31), none of the other rows'
    assert 15 < hidden.sum() < 50
    # the run stopped before its first file: nothing is left behind but its folder's lock
    assert [path.name for path in tmp_path.rglob("*") if path.is_file() and not path.name.endswith(".lock")] == []


def test_trial_epochs_are_the_step_budget_capped_and_all_trained() -> None:
    small, large = VAEImputer()._config(124, 13).train, VAEImputer()._config(100_000, 13).train
    assert (small.epochs, small.early_stopping) == (IMPUTER_EPOCHS, 0) == (200, 0)
    assert (large.epochs, large.early_stopping) == (auto_epochs(100_000, 64), 0) == (10, 0)
    chosen = VAEImputer(epochs=7)._config(124, 13).train
    assert (chosen.epochs, chosen.early_stopping) == (7, 0)
    x = _gappy()
    assert VAEImputer(latent_dim=2, hidden=(8,), epochs=3, k=20).fit(x).epochs_ == 3  # a number is trained as given


def test_auto_latent_is_a_quarter_of_the_columns_from_4_to_16() -> None:
    assert [imputation_latent(columns) for columns in (1, 4, 13, 18, 30, 64, 784)] == [4, 4, 4, 4, 8, 16, 16]
    rng = np.random.default_rng(0)
    wide = rng.normal(size=(40, 30)).astype(np.float32)
    wide[rng.random(wide.shape) < 0.2] = np.nan
    assert VAEImputer(hidden=(8,), epochs=1, k=20).fit(wide).model_.latent_dim == 8
    # a size given is the model's, whatever the columns
    assert VAEImputer(latent_dim=3, hidden=(8,), epochs=1, k=20).fit(wide).model_.latent_dim == 3
    assert VAEImputer()._config(40, 64).model.latent_dim == 16


def test_the_watch_is_the_error_of_filling_in_the_hidden_entries() -> None:
    x = _gappy()
    hidden = hidden_entries.hide_entries(torch.from_numpy(x), 0.2, seed=0).numpy()
    model = VAEImputer(latent_dim=2, hidden=(8,), epochs=2, k=20).fit(x).model_
    watch = hidden_entries.hidden_entries_watch(x, hidden, ["continuous"] * x.shape[1])
    rows = hidden.any(axis=1)
    filled = impute(model, np.where(hidden, np.nan, x)[rows], k=hidden_entries.WATCH_SAMPLES, seed=0)
    spread = np.nanstd(x, axis=0)
    spread[spread == 0] = 1.0
    squared = ((filled - x[rows]) / spread) ** 2
    # the mean squared error over the hidden entries, each in its column's standard deviations
    assert watch(model) == pytest.approx(float(squared[hidden[rows]].mean()), rel=1e-5)
    assert watch.column == "val_hidden_entries_error"
