"""Long recordings cut into overlapping windows, and where each window came from, so that scores of windows can be
folded back onto the recordings' time steps (vaekit.tasks.scoring.points).

    recordings = [np.random.randn(1000, 2), np.random.randn(700, 2)]      # (T_i, C) each
    cut = cut_windows(recordings, window=64, stride=32, test_fraction=0.1)
    cut.train_x.shape                   # (M_train, 64, 3): the values, then a mask channel of ones
    cut.windows.origins[:3]             # [[0, 0], [0, 32], [0, 64]]: (recording, start step) in the source order

Each recording of length T is cut at s = 0, S, 2S, ... and once more at T - W, so that the last window ends at T
and every step is in at least one window.

The split is by time, not by window: the last `test_fraction` of each recording (at least one window) is its test
part, and windows are cut in the training part [0, cut) and in the test part [cut, T) separately, so that no
window crosses the cut. A
random split of overlapping windows would put the same steps in both splits (a test window shares half its steps
with its neighbours in training), and a split by recording is impossible for the common case of one long
recording. A recording shorter than two windows is kept whole for training.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from vaekit.core.errors import DataError


@dataclass(eq=False)
class SeriesWindows:
    """Where the examples of a series data set came from, in the source's order (Dataset.examples("all")).

    origins: (M, 2) int64, each example's (recording index, start step); lengths: (R,) each recording's steps;
    recording_ids: (R,) the recordings' ids (a table's id column, or 0..R-1); times: each recording's timestamps
    (T_i,) or None where the data had no time column; time_name: that column's name. window is 0 when each
    recording is one example (padded to the longest), its steps then all starting at 0."""

    window: int
    stride: int
    origins: np.ndarray = field(repr=False)
    lengths: np.ndarray = field(repr=False)
    recording_ids: np.ndarray = field(repr=False)
    times: list[np.ndarray] | None = field(default=None, repr=False)
    time_name: str | None = None

    def steps(self, example: int) -> int:
        """How many steps of its recording example `example` covers."""
        recording, start = self.origins[example]
        width = self.window or int(self.lengths[recording])
        return min(width, int(self.lengths[recording]) - int(start))


@dataclass(eq=False)
class WindowCut:
    """Train and test windows (M, W, C + 1), their positions in the source's order (rows), and SeriesWindows."""

    train_x: np.ndarray
    test_x: np.ndarray
    rows: tuple[np.ndarray, np.ndarray]
    windows: SeriesWindows


def window_starts(begin: int, end: int, window: int, stride: int) -> np.ndarray:
    """The start steps of windows of `window` steps, `stride` apart, over [begin, end): begin, begin + stride, ...
    and end - window last, so that the last window ends at `end` (end - begin >= window)."""
    starts = np.arange(begin, end - window + 1, stride, dtype=np.int64)
    if starts[-1] != end - window:
        starts = np.append(starts, end - window)
    return starts


def check_window(lengths: list[int], names: np.ndarray, window: int, stride: int) -> None:
    """A DataError unless every recording holds at least one window and the stride is 1..window."""
    if stride < 1 or stride > window:
        raise DataError(f"a stride of {stride} steps does not fit a window of {window}: choose a stride from 1 to "
                        f"{window} (--stride)")
    shortest = int(np.argmin(lengths))
    if lengths[shortest] < window:
        name = names[shortest].item() if isinstance(names[shortest], np.generic) else names[shortest]
        which = f"recording {name!r}" if len(lengths) > 1 else "the series"
        raise DataError(f"--window {window} is longer than {which} ({lengths[shortest]} steps, the shortest); "
                        f"choose a window of at most {lengths[shortest]} steps, or drop the shorter recordings")


def cut_windows(recordings: list[np.ndarray], window: int, stride: int, test_fraction: float,
                recording_ids: np.ndarray | None = None, times: list[np.ndarray] | None = None,
                time_name: str | None = None, whole: bool = False) -> WindowCut:
    """Windows of every recording (T_i, C), split by time (the module docstring): float32 (M, W, C + 1) with
    the mask channel all 1. A DataError when a window is longer than a recording, or when no recording is long
    enough to hold a window in both its training part and its test part. `whole`: windows over each whole
    recording, its last window the test split's (other data a run scores: a recording needs W steps, not 2W)."""
    names = np.arange(len(recordings)) if recording_ids is None else np.asarray(recording_ids)
    lengths = [len(values) for values in recordings]
    check_window(lengths, names, window, stride)
    origins, test = [], []
    for index, length in enumerate(lengths):
        held = max(int(round(length * test_fraction)), window)  # at least one test window
        cut = length - held
        parts = [(0, cut, False), (cut, length, True)] if cut >= window and not whole else [(0, length, whole)]
        for begin, end, is_test in parts:
            starts = window_starts(begin, end, window, stride)
            origins.append(np.stack([np.full(len(starts), index), starts], axis=1))
            # whole: only the last window is the test split's (the split must not be empty; its order is kept)
            test.append(np.arange(len(starts)) == len(starts) - 1 if whole else np.full(len(starts), is_test))
    origins_array, is_test_array = np.concatenate(origins), np.concatenate(test)
    if not is_test_array.any():
        longest = int(np.argmax(lengths))
        raise DataError(f"no recording is long enough for a training window and a test window of {window} steps "
                        f"(the longest has {lengths[longest]} steps, {2 * window} needed); shorten --window or give "
                        "longer recordings")
    channels = recordings[0].shape[1]
    x = np.ones((len(origins_array), window, channels + 1), dtype=np.float32)
    for row, (index, start) in enumerate(origins_array):
        x[row, :, :-1] = recordings[index][start:start + window]
    rows = (np.flatnonzero(~is_test_array), np.flatnonzero(is_test_array))
    found = SeriesWindows(window, stride, origins_array.astype(np.int64), np.asarray(lengths, dtype=np.int64),
                          names, times, time_name)
    return WindowCut(x[rows[0]], x[rows[1]], rows, found)


def whole_recordings(lengths: list[int], recording_ids: np.ndarray | None = None,
                     times: list[np.ndarray] | None = None, time_name: str | None = None) -> SeriesWindows:
    """The SeriesWindows of recordings kept whole (no --window): example i is recording i from step 0."""
    count = len(lengths)
    origins = np.stack([np.arange(count), np.zeros(count, dtype=np.int64)], axis=1).astype(np.int64)
    names = np.arange(count) if recording_ids is None else np.asarray(recording_ids)
    return SeriesWindows(0, 0, origins, np.asarray(lengths, dtype=np.int64), names, times, time_name)
