"""Real-valued time series of different lengths from a .npy array (N, T, C) (or (N, T): one channel), where the
all-NaN time steps at the end of a series are its padding.

    ds = load_dataset("series:path=walks.npy")     # --data series:path=walks.npy
    ds.kind, ds.shape                               # 'series', (T, C + 1)
    values, mask = ds.train_x[..., :-1], ds.train_x[..., -1]

How padding is kept: every other check of vaekit refuses NaN (or takes it for a missing value, data.missing:
model), so the padding is made explicit instead. An example becomes (T, C + 1): its C values, 0 on padding, and a
last channel that is 1 on the series' own steps and 0 on the padding. The sequence networks read that mask, the
autoregressive_gaussian likelihood scores the real steps and models the length from it, and the series kind
writes the padding back as NaN (`with_nan_padding`). A NaN inside a series (a step with some values NaN, or an
all-NaN step before a real one) is refused with one line: missing values inside a series are not modelled.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vaekit.core.errors import DataError
from vaekit.core.paths import unusable
from vaekit.core.registry import DATASETS
from vaekit.data.common.npy_header import check_array_file
from vaekit.data.common.options import LoadOptions
from vaekit.data.common.source_settings import SOURCE_SETTINGS, parse_settings
from vaekit.data.common.split import split_with_rows
from vaekit.data.dataset import Dataset
from vaekit.data.series.table import read_recordings
from vaekit.data.series.windows import cut_windows, whole_recordings

SOURCE_SETTINGS["series"] = {"path": "", "id": "", "time": ""}


def padded_series(array: np.ndarray, where: str) -> np.ndarray:
    """float32 (N, T, C + 1) examples, the mask channel last, from (N, T, C) or (N, T) values with trailing
    all-NaN steps as padding; a DataError for anything else."""
    if array.dtype == np.bool_ or not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype,
                                                                                                np.floating)):
        raise DataError(f"{where} holds {array.dtype} values; a series needs a numeric (int or float) array")
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3 or 0 in array.shape:
        raise DataError(f"{where} holds an array of shape {array.shape}; a series file holds (N, T, C) or (N, T) "
                        "values, at least one of each")
    values = array.astype(np.float32)
    if np.isinf(values).any():
        raise DataError(f"{where} contains infinite values; remove or fill them first")
    nan = np.isnan(values)
    padding = nan.all(-1)  # (N, T): steps with every channel NaN
    partial = nan.any(-1) & ~padding
    if partial.any():
        row, step = (int(i) for i in np.argwhere(partial)[0])
        raise DataError(f"{where}: series {row} has NaN in some channels of step {step}; only whole trailing steps "
                        "may be NaN (padding); fill missing values inside a series first")
    # padding is trailing: once a step is padding, every later one is
    inside = padding[:, :-1] & ~padding[:, 1:]
    if inside.any():
        row, step = (int(i) for i in np.argwhere(inside)[0])
        raise DataError(f"{where}: series {row} has an all-NaN step {step} before a real one; NaN marks the padding "
                        "after a series' end only, fill missing values inside a series first")
    if padding[:, 0].any():
        row = int(np.argwhere(padding[:, 0])[0, 0])
        raise DataError(f"{where}: series {row} is empty (every step NaN); drop it")
    mask = ~padding
    values[nan] = 0.0
    return np.concatenate([values, mask[..., None].astype(np.float32)], axis=-1)


def with_nan_padding(batch: np.ndarray) -> np.ndarray:
    """(N, T, C + 1) examples, mask channel last, -> (N, T, C) values with NaN on the padding: the file form."""
    values = batch[..., :-1].astype(np.float32).copy()
    values[batch[..., -1] < 0.5] = np.nan
    return values


@DATASETS.register("series")
def load_series(options: LoadOptions) -> Dataset:
    """The series in settings' `path` (.npy, or a .csv/.parquet table of long recordings), cut into windows when
    options.window > 0 (split by time, data/series/windows.py), else one example per series, split by
    options.seed into train and test."""
    settings = parse_settings("series", options.settings)
    path = Path(settings["path"]).expanduser()
    if not str(path) or path.suffix.lower() not in (".npy", ".csv", ".parquet"):
        raise DataError("series data come from a .npy file (N, T, C) or a .csv/.parquet table (a row a step): "
                        "write --data series:path=FILE.npy or series:path=FILE.csv")
    if not path.is_file():
        raise DataError(f"series file {unusable(path)}")
    if path.suffix.lower() == ".npy":
        if settings["id"] or settings["time"]:
            raise DataError(f"the settings id= and time= name columns of a .csv or .parquet table; {path.name} is "
                            ".npy: leave them out")
        x = padded_series(_read_array(path), str(path))
        lengths = [int(n) for n in x[..., -1].sum(1)]
        recordings, ids, times, time_name = [row[:n, :-1] for row, n in zip(x, lengths)], None, None, None
    else:
        found = read_recordings(path, settings["id"], settings["time"])
        recordings, ids, times, time_name = found.values, found.ids, found.times, found.time_name
        lengths = [len(values) for values in recordings]
        x = None
    name = f"series:path={path}" + "".join(f",{key}={settings[key]}" for key in ("id", "time") if settings[key])
    if options.window:
        cut = cut_windows(recordings, options.window, options.stride or max(1, options.window // 2),
                          options.test_fraction, ids, times, time_name, whole=options.whole)
        window_ids = np.array([f"{cut.windows.recording_ids[r]}@{s}" for r, s in cut.windows.origins])
        data = Dataset.from_arrays(name, cut.train_x, cut.test_x, None, None, kind="series", source=str(path),
                                   rows=cut.rows, ids=window_ids)
        data.windows = cut.windows
        return data
    if x is None:  # a table's recordings, padded to the longest
        x = padded_series(_padded(recordings), str(path))
    if len(x) < 2 and not options.whole:  # read whole, one series will do
        raise DataError(f"{path} holds {len(x)} series; a train and a test split need at least 2 (or cut a long "
                        "one into windows with --window)")
    train_x, test_x, _, _, rows = split_with_rows(x, None, options.split_fraction, options.seed)
    data = Dataset.from_arrays(name, train_x, test_x, None, None, kind="series", source=str(path), rows=rows,
                               ids=ids)
    data.windows = whole_recordings(lengths, ids, times, time_name)
    return data


def _read_array(path: Path) -> np.ndarray:
    check_array_file(path)  # its header, before np.load allocates what it declares
    try:
        return np.load(path, allow_pickle=False)
    except (ValueError, OSError) as error:
        raise DataError(f"cannot read {path} as a .npy array: {error}") from None


def _padded(recordings: list[np.ndarray]) -> np.ndarray:
    """(N, T, C) with NaN after each recording's end, T the longest."""
    longest = max(len(values) for values in recordings)
    array = np.full((len(recordings), longest, recordings[0].shape[1]), np.nan, dtype=np.float32)
    for row, values in enumerate(recordings):
        array[row, :len(values)] = values
    return array
