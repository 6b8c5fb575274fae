"""The one entry point: a registered dataset name or a path in, a validated Dataset out.

    ds = load_dataset("mnist", data_dir="~/data", download=False)
    ds = load_dataset("cells.csv", label_column="cell_type", test_fraction=0.2, seed=1)

A registered name wins over a file or folder of the same name; write "./mnist" to load a local folder.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from vaekit.core.errors import DataError
from vaekit.core.registry import DATASETS
from vaekit.data.audio.spectrogram import SpectrogramSettings
from vaekit.data.common.options import LoadOptions
from vaekit.data.common.source_settings import parse_settings
from vaekit.data.dataset import Dataset
from vaekit.data.sources.paths import load_path
from vaekit.data.text.options import TextOptions


def load_dataset(source: str | os.PathLike[str], data_dir: str | None = None, download: bool = True,
                 test_fraction: float = 0.1, seed: int = 0, label_column: str | None = None,
                 column_types: str | None = None, numeric_only: bool = False, index_ids: bool = True,
                 missing: bool = False, text: TextOptions | None = None,
                 spectrogram: SpectrogramSettings | None = None, metadata: str | None = None,
                 resize: tuple[int, int] | None = None, crop: tuple[int, int] | None = None, window: int = 0,
                 stride: int = 0, whole: bool = False) -> Dataset:
    """Load a registered dataset (see DATASET_NAMES()) or a .npy/.npz/.csv/.parquet/IDX file or image folder.

    Named datasets with an official split (mnist, fashion-mnist, kmnist, cifar10) keep it; digits and paths
    without a split are split by a seeded permutation (digits always with seed 0). `missing` keeps missing values
    (NaN, empty table cells) as NaN instead of refusing them (data.missing: model). `text` says how text (.txt, a
    folder of .txt files, a table's text column, fortunes) becomes token ids (data/text.py); `spectrogram`, how
    recordings (a folder of .wav files, fsdd) become log-mel spectrograms. `metadata` ("auto" or a JSON file) reads a
    table column by column for synthetic copies (data/table/coded.py). `resize` and `crop` ((width, height)) make
    an image folder's images one size; `window` and `stride` cut long series into windows. Raises DataError with a
    one-line message when the data cannot be found, read or validated.
    """
    source = os.fspath(source)
    options = LoadOptions(data_dir=data_dir, download=download, test_fraction=test_fraction, seed=seed,
                          label_column=label_column, column_types=column_types, numeric_only=numeric_only,
                          index_ids=index_ids, missing=missing, text=text or TextOptions(),
                          spectrogram=spectrogram, metadata=metadata, resize=resize, crop=crop, window=window,
                          stride=stride, whole=whole)
    # a generated source may carry settings after its name: "sprites:n=20000,size=32"
    name, colon, settings = source.partition(":")
    if window and name != "series":  # the series source alone cuts windows: elsewhere the setting would do nothing
        raise DataError(f"--window and --stride cut long series (--data series:path=FILE) into windows; {source!r} is "
                        "not series data: leave them unset")
    if source in DATASETS or (colon and name in DATASETS):
        if label_column is not None:
            raise DataError(f"label_column applies to .csv and .parquet tables only, not to the named "
                            f"dataset {source!r}; leave label_column unset")
        if metadata is not None:
            raise DataError(f"metadata applies to .csv and .parquet tables only, not to the named dataset {source!r}")
        if column_types:
            raise DataError(f"column_types applies to .csv and .parquet tables only, not to the named dataset "
                            f"{source!r}; leave column_types (--column-types) unset")
        if resize or crop:
            raise DataError(f"--resize and --crop apply to folders of image files, not to the named dataset "
                            f"{source!r}; leave them unset")
        if source in DATASETS:
            return DATASETS.get(source)(options)
        parse_settings(name, settings)  # refuses settings for a source that takes none, before loading anything
        return DATASETS.get(name)(replace(options, settings=settings))
    path = Path(source).expanduser()
    if path.exists() and not (path.is_file() or path.is_dir()):  # reading a pipe would wait for a writer
        raise DataError(f"{path} is not a file or a folder (a pipe, a device or a socket); vaekit reads data from "
                        "files it can measure first: save the data to a file")
    if not path.exists():
        raise DataError(f"no dataset named {source!r} and no such file or folder; known datasets: "
                        f"{', '.join(DATASETS.names())}")
    return load_path(path, options, name=source)


def dataset_names() -> list[str]:
    """The registered dataset names, sorted."""
    return DATASETS.names()
