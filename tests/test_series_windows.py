"""Long series cut into windows and their scores folded back onto time steps: the cut (every step covered, the last
window ending at T, no window across the train/test cut), the fold (a step in two windows gets their mean), a CSV
with a timestamp column and two channels trained and scored from the command line, and another file scored with
the run's window reapplied."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import invoke
from vaekit.core.errors import VaekitError
from vaekit.data import load_dataset
from vaekit.data.series.windows import cut_windows, window_starts
from vaekit.runs.run import Run
from vaekit.tasks.outputs import select_data
from vaekit.tasks.scoring.maps import score_map
from vaekit.tasks.scoring.points import (
    multiscale_points,
    point_scores,
    point_table,
    score_points,
    smooth_points,
    write_point_scores,
)


def test_windows_start_every_stride_and_the_last_ends_at_the_end() -> None:
    assert window_starts(0, 10, 4, 2).tolist() == [0, 2, 4, 6]
    assert window_starts(0, 11, 4, 3).tolist() == [0, 3, 6, 7]  # one more, ending at 11
    assert window_starts(5, 9, 4, 2).tolist() == [5]


def test_a_step_in_two_windows_gets_their_mean_and_every_step_is_covered() -> None:
    maps = np.array([[1.0, 2.0, 3.0, 4.0], [10.0, 20.0, 30.0, np.nan], [7.0, 7.0, 7.0, 7.0]])
    origins = np.array([[0, 0], [0, 2], [1, 1]])
    first, second = point_scores(maps, origins, [6, 5])
    # steps 2 and 3 of recording 0 are in both of its windows; a NaN (padding) is left out of the mean
    np.testing.assert_allclose(first, [1.0, 2.0, (3.0 + 10.0) / 2, (4.0 + 20.0) / 2, 30.0, np.nan])
    np.testing.assert_allclose(second, [np.nan, 7.0, 7.0, 7.0, 7.0])


def test_point_scores_smooth_over_a_centred_stretch_and_on_several_scales() -> None:
    np.testing.assert_allclose(smooth_points(np.array([0.0, 3.0, 0.0, np.nan, 6.0]), 3), [1.5, 1.0, 1.5, 3.0, 6.0])
    rng = np.random.default_rng(0)
    steps = rng.normal(size=400)
    steps[100] += 8.0  # one odd step
    steps[300:330] += 1.0  # an odd stretch, each of its steps only somewhat high
    both = multiscale_points(steps, (1, 9))
    assert both.argmax() == 100 and np.median(both[305:325]) > np.quantile(both[:250], 0.95)
    with pytest.raises(VaekitError, match="odd number of steps"):
        smooth_points(steps, 4)


def test_windows_fold_back_onto_every_step_and_never_cross_the_cut() -> None:
    rng = np.random.default_rng(0)
    recordings = [rng.normal(size=(203, 2)).astype(np.float32), rng.normal(size=(150, 2)).astype(np.float32)]
    cut = cut_windows(recordings, window=16, stride=5, test_fraction=0.2)
    windows = cut.windows
    everything = np.zeros((len(windows.origins), 16, 3), dtype=np.float32)
    everything[cut.rows[0]], everything[cut.rows[1]] = cut.train_x, cut.test_x
    assert (everything[..., -1] == 1).all()
    for (recording, start), window in zip(windows.origins, everything):  # each window is its recording's slice
        np.testing.assert_array_equal(window[:, :-1], recordings[recording][start:start + 16])
    for recording, length in enumerate((203, 150)):  # the test part is the last 20%, cut on its own
        cut_at = length - max(round(length * 0.2), 16)
        train = windows.origins[cut.rows[0]]
        test = windows.origins[cut.rows[1]]
        assert (train[train[:, 0] == recording, 1] + 16 <= cut_at).all()
        assert (test[test[:, 0] == recording, 1] >= cut_at).all()
        assert test[test[:, 0] == recording, 1].max() + 16 == length  # the last window ends at T
    # folding the windows' own values back gives the recordings exactly: every step covered, each a mean of copies
    folded = point_scores(everything[..., 0], windows.origins, windows.lengths)
    for values, steps in zip(recordings, folded):
        np.testing.assert_allclose(steps, values[:, 0], rtol=1e-6)


def _log(path: Path, steps: int, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    time = pd.date_range("2024-01-01", periods=steps, freq="h")
    phase = np.arange(steps) / 6.0
    pd.DataFrame({"timestamp": time.strftime("%Y-%m-%d %H:%M"), "speed": np.sin(phase) + 0.1 * rng.normal(size=steps),
                  "load": np.cos(phase) + 0.1 * rng.normal(size=steps)}).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def log_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("windows")
    log = _log(root / "log.csv", 400, 0)
    code, output = invoke("train", "--data", f"series:path={log}", "--window", "32", "--stride", "16", "--epochs",
                          "1", "--rnn-hidden", "16", "--latent-dim", "4", "--quiet", "--out", root / "run")
    assert code == 0, output
    return root / "run"


def test_a_csv_with_timestamps_and_two_channels_trains_and_scores(log_run: Path, tmp_path: Path) -> None:
    chosen = select_data(Run.open(str(log_run)), split="all")
    windows = chosen.data.windows
    assert chosen.data.shape == (32, 3) and windows.window == 32 and windows.stride == 16
    assert windows.time_name == "timestamp" and windows.times[0][0] == np.datetime64("2024-01-01T00:00")
    # the test windows are the last 40 steps' (360 + 16 and 368 = 400 - 32), none before the cut
    assert chosen.data.windows.origins[chosen.data.test_rows, 1].tolist() == [360, 368]
    code, output = invoke("score", log_run, "--kind", "elbo", "--split", "all", "--out", tmp_path / "s.csv")
    assert code == 0, output
    scores = pd.read_csv(tmp_path / "s.csv")
    assert scores["id"].tolist()[:3] == ["0@0", "0@16", "0@32"] and len(scores) == len(chosen.x)
    # the per-window, per-step elbo map, folded: one row per step, the step's mean over the windows covering it
    run = Run.open(str(log_run))
    maps = score_map(run.model, chosen.x, "elbo", k=4)
    assert maps.shape == (len(chosen.x), 32)
    table = point_table(chosen.data, {"elbo": maps})
    assert table.columns.tolist() == ["id", "step", "timestamp", "elbo"] and table["step"].tolist() == list(range(400))
    assert table["elbo"][20] == pytest.approx(float(maps[[0, 1], [20, 4]].mean()))  # step 20: windows 0 and 16
    assert table["elbo"][5] == pytest.approx(float(maps[0, 5]))  # in one window only
    same = score_points(run.model, chosen.data, ["elbo"], k=4)
    np.testing.assert_allclose(same["elbo"], table["elbo"])
    written = pd.read_csv(write_point_scores(tmp_path / "points.csv", table))
    assert written["timestamp"][1] == "2024-01-01 01:00:00" and len(written) == 400


def test_other_data_are_cut_with_the_runs_window(log_run: Path, tmp_path: Path) -> None:
    other = _log(tmp_path / "other.csv", 100, 1)
    chosen = select_data(Run.open(str(log_run)), source=f"series:path={other}")
    assert chosen.split == "all" and chosen.x.shape[1:] == (32, 3)
    # cut with the run's window and stride over the whole recording (no time split: it is scored, not trained on)
    assert chosen.data.windows.origins[:, 1].tolist() == [0, 16, 32, 48, 64, 68]
    code, output = invoke("score", log_run, "--data", f"series:path={other}", "--kind", "elbo",
                          "--out", tmp_path / "o.csv")
    assert code == 0, output
    assert pd.read_csv(tmp_path / "o.csv")["id"].tolist() == ["0@0", "0@16", "0@32", "0@48", "0@64", "0@68"]


def test_a_table_of_several_recordings_keeps_them_apart(tmp_path: Path) -> None:
    rows = [(name, step, float(step) * (1 if name == "b" else -1)) for name in ("b", "a") for step in range(50)]
    table = pd.DataFrame(rows, columns=["machine", "t", "value"]).sample(frac=1.0, random_state=0)  # shuffled
    table.to_csv(tmp_path / "two.csv", index=False)
    data = load_dataset(f"series:path={tmp_path / 'two.csv'},id=machine,time=t", window=10, stride=10,
                        test_fraction=0.2)
    windows = data.windows
    assert windows.recording_ids.tolist() == ["b", "a"] and windows.lengths.tolist() == [50, 50]
    x, _, ids = data.examples("all")
    assert ids[:2].tolist() == ["b@0", "b@10"]
    np.testing.assert_array_equal(x[1, :, 0].numpy(), np.arange(10, 20))  # sorted by time within its recording
    np.testing.assert_array_equal(x[5, :, 0].numpy(), -np.arange(10))
    whole = load_dataset(f"series:path={tmp_path / 'two.csv'},id=machine,time=t")  # no window: an example each
    assert whole.shape == (50, 2) and whole.windows.window == 0 and whole.windows.time_name == "t"


def test_score_map_of_windows_writes_each_recordings_point_scores(log_run: Path, tmp_path: Path) -> None:
    code, output = invoke("score", log_run, "--kind", "elbo", "--split", "all", "--out", tmp_path / "s.csv")
    assert code == 0 and "--map also gives each time step's score" in output
    code, output = invoke("score", log_run, "--kind", "elbo", "--split", "all", "--map", "--k", "4",
                          "--out", tmp_path / "s.csv")
    assert code == 0, output
    points = pd.read_csv(tmp_path / "s-points.csv")
    assert points.columns.tolist() == ["id", "step", "timestamp", "elbo", "elbo multiscale"]
    assert points["step"].tolist() == list(range(400)) and points["timestamp"][0] == "2024-01-01 00:00:00"
    chosen = select_data(Run.open(str(log_run)), split="all")
    expected = point_table(chosen.data, {"elbo": score_map(Run.open(str(log_run)).model, chosen.x, "elbo", k=4)})
    np.testing.assert_allclose(points["elbo"], expected["elbo"], rtol=1e-6)
    np.testing.assert_allclose(points["elbo multiscale"], multiscale_points(expected["elbo"].to_numpy()), rtol=1e-6)
    assert (tmp_path / "s-map-elbo.csv").is_file() and (tmp_path / "s-map-elbo.png").is_file()


def test_short_recordings_a_run_scores_need_one_window_and_short_ones_smooth(log_run: Path, tmp_path: Path) -> None:
    other = _log(tmp_path / "short.csv", 40, 2)  # longer than the window (32), shorter than two
    chosen = select_data(Run.open(str(log_run)), source=f"series:path={other}")
    assert chosen.data.windows.origins[:, 1].tolist() == [0, 8] and chosen.x.shape == (2, 32, 3)
    code, output = invoke("score", log_run, "--data", f"series:path={other}", "--kind", "elbo", "--map", "--k", "2",
                          "--out", tmp_path / "o.csv")
    assert code == 0, output
    assert pd.read_csv(tmp_path / "o-points.csv")["step"].tolist() == list(range(40))
    assert smooth_points(np.arange(5.0), 9).tolist() == [2.0] * 5  # a recording shorter than the stretch


def test_early_stopping_validates_on_later_windows_that_share_no_step_with_the_fitted_ones(log_run: Path) -> None:
    from vaekit.data.validation import validation_split

    data = select_data(Run.open(str(log_run)), split="all").data
    held = validation_split(data, 0.2, seed=0)
    train_starts = np.sort(data.windows.origins[data.rows()[0], 1])  # one recording: the training windows' starts
    assert len(held.train_x) + len(held.test_x) < len(data.train_x)  # windows overlapping both were dropped
    # the held windows are the latest of the training part; every fitted window ends before the first of them
    first_held = train_starts[-len(held.test_x)]
    assert len(held.train_x) == int((train_starts + 32 <= first_held).sum())
    np.testing.assert_array_equal(held.test_x.numpy(), data.train_x[-len(held.test_x):].numpy())
    assert held.windows is None
