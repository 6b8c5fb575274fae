"""Training data read from disk while training, for data larger than memory; the choice between it and the
in-memory path.

    data, stream = load_training_data(config)   # stream is None when the data are held in memory
    len(stream)                                 # training examples per epoch, all of them
    data.train_x                                # a bounded sample of them (SAMPLE_ROWS), in memory

data.streaming: "off" holds the data in memory (the default path), "on" streams, "auto" streams when the data as
float32 would take more than a quarter of this machine's memory (the in-memory path holds them, and briefly a
converted copy, beside everything else).

With streaming, the whole-data steps of training work on bounded parts of the data, read once at start:
- `data.train_x` is a sample of at most SAMPLE_ROWS training examples (all of them when there are fewer, in the
  source's order, so that a small data set streamed trains as it does in memory), drawn with data.split_seed. The
  support check, the standardization (model.set_standardization, likelihood.fit_data), the memory check, the
  pretraining initialisation and the fingerprint read this sample: for larger data they are estimates from it, and
  a value outside the likelihood's support elsewhere is caught when its batch is read.
- `data.test_x` is the test split, or its first VALIDATION_ROWS examples in the source's order when it is larger:
  validation and the pictures see that fixed subset every epoch.
- Data without a split of their own are split as in memory (data/split.py, the same rows); a named IDX data set
  keeps its official split, read from its decompressed cache (data/cache.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from vaekit.config import Config
from vaekit.core import system
from vaekit.core.errors import ConfigError, DataError, VaekitError
from vaekit.core.registry import DATASETS
from vaekit.data.common.options import LoadOptions
from vaekit.data.common.split import split_indices
from vaekit.data.corruption import HIDING
from vaekit.data.dataset import Dataset
from vaekit.data.image.folder import IMAGE_SUFFIXES
from vaekit.data.image.idx_cache import cache_path, cached_idx
from vaekit.data.image.mnist_like import FILES, SOURCES, _locate_or_download
from vaekit.data.streaming.readers import ImageFolderRows, NpyRows, ParquetRows, RowReader
from vaekit.data.streaming.tar_shards import TarShards, tar_shards
from vaekit.tasks.outputs import load_config_data

SAMPLE_ROWS = 20_000      # training examples held in memory for the whole-data steps
VALIDATION_ROWS = 10_000  # test examples held in memory for validation and pictures
MEMORY_SHARE = 0.25       # auto streams data that would take more than this share of the machine's memory


@dataclass
class StreamedData:
    """The training examples of a streamed data set: `reader`'s rows where `train_mask` is set (None: all)."""

    reader: RowReader
    train_mask: np.ndarray | None
    n_train: int
    n_test: int  # the whole test split; validation reads at most VALIDATION_ROWS of it
    num_classes: int | None

    def __len__(self) -> int:
        return self.n_train

    def summary(self, data: Dataset) -> str:
        """The line for logs of streamed data whose bounded in-memory part is `data`: the counts of the whole data
        (not the sample's), then what is held in memory and what for.

            stream.summary(data)   # 'big.npy: 54000 train / 6000 test, vector (16,), unlabelled; streamed from
                                   #  disk (in memory: a sample of 20000 train examples for the data checks and
                                   #  standardization)'
        """
        held = []
        if len(data.train_x) < self.n_train:
            held.append(f"a sample of {len(data.train_x)} train examples for the data checks and standardization")
        if len(data.test_x) < self.n_test:
            held.append(f"the first {len(data.test_x)} test examples for validation")
        return (f"{data.summary((self.n_train, self.n_test))}; streamed from disk"
                + (f" (in memory: {'; '.join(held)})" if held else ""))


def load_training_data(config: Config, run_info: dict[str, Any] | None = None) -> tuple[Dataset, StreamedData | None]:
    """The data a run trains on: (in-memory Dataset, None), or (a Dataset of bounded samples, the stream)."""
    cfg = config.data
    if cfg.streaming == "off":
        return load_config_data(config, run_info=run_info), None
    try:
        reader = open_streamable(config)
    except VaekitError:
        if cfg.streaming == "on":
            raise
        # auto: a source that cannot be streamed (a Parquet list column, say) is read whole, with that reader's
        # own messages
        reader = None
    if reader is None:
        if cfg.streaming == "on" and cfg.source not in DATASETS and not Path(cfg.source).expanduser().exists():
            return load_config_data(config, run_info=run_info), None  # its own one line for a missing file
        if cfg.streaming == "on":
            raise ConfigError(f"{cfg.source} cannot be streamed: streaming reads .npy files, .parquet tables, "
                              "folders of images, .tar shards and the named IDX data sets (mnist, fashion-mnist, "
                              "kmnist); train it with --streaming off (or auto)")
        return load_config_data(config, run_info=run_info), None
    train, test = reader
    # tar shards have no in-memory reader: auto streams them whatever their size
    if cfg.streaming == "auto" and not isinstance(train, TarShards):
        memory = system.host_memory()
        size = train.bytes_in_memory() + (0 if test is None else test.bytes_in_memory())
        if memory is None or size <= MEMORY_SHARE * memory:
            return load_config_data(config, run_info=run_info), None
    _refuse_unstreamable_settings(config)
    return streamed_dataset(config.data.source, train, test, cfg.test_fraction, cfg.split_seed)


def open_streamable(config: Config) -> tuple[RowReader, RowReader | None] | None:
    """(train reader, test reader or None: split here) for a source that can be streamed; None for others."""
    cfg = config.data
    name = cfg.source
    if name in DATASETS:
        if name not in SOURCES:
            return None
        paths, origin = _locate_or_download(SOURCES[name], LoadOptions(data_dir=cfg.data_dir, download=cfg.download))
        images = {key: paths[key] for key in FILES}
        readers = []
        for image_file, label_file in ((FILES[0], FILES[1]), (FILES[2], FILES[3])):
            cached_idx(images[image_file])  # decompressed once; the reader streams the copy
            copy = cache_path(images[image_file]) if images[image_file].suffix == ".gz" else images[image_file]
            if copy.suffix != ".npy" or not copy.is_file():
                return None  # an unpacked IDX file, or a cache that could not be written: read it whole
            labels = np.asarray(cached_idx(images[label_file])).astype(np.int64)
            readers.append(NpyRows(copy, labels, where=origin))
        for reader in readers:
            reader.class_names = list(SOURCES[name].class_names)
        return readers[0], readers[1]
    path = Path(name).expanduser()
    if not path.exists():
        return None
    suffix = path.suffix.lower()
    if path.is_file() and suffix == ".npy":
        return NpyRows(path), None
    if path.is_file() and suffix == ".parquet":
        if cfg.column_types:
            raise ConfigError("--column-types does not apply to streamed Parquet, whose columns are all read as "
                              "continuous; train with --streaming off to type them")
        return ParquetRows(path, cfg.label_column), None
    shards = tar_shards(path)
    if shards is not None:
        return TarShards(shards, str(path)), None
    if path.is_dir() and any(p.suffix.lower() in IMAGE_SUFFIXES for p in path.rglob("*")):
        return ImageFolderRows(path), None
    return None


def _refuse_unstreamable_settings(config: Config) -> None:
    cfg = config.data
    for active, setting, remedy in ((cfg.binarize == "static", "--binarize static", "use --binarize dynamic"),
                                     # it sets missing: model, and hides entries of rows in memory
                                     (config.train.stop_on == "hidden-entries", "--stop-on hidden-entries",
                                      "stop on the validation -ELBO"),
                                     # so does --corruption hide: a model trained to fill in
                                     (config.objective.corruption == HIDING, "--corruption hide",
                                      "train to fill in on a sample held in memory"),
                                     (cfg.missing == "model", "--missing model", "fill the missing values"),
                                     (cfg.labels_per_class > 0, "--labels-per-class", "label the data"),
                                     (bool(cfg.resize or cfg.crop), "--resize and --crop",
                                      "resize the image files themselves")):
        if active:
            raise ConfigError(f"{setting} needs the whole training set in memory, which streaming does not hold; "
                              f"{remedy}, or train with --streaming off")


def streamed_dataset(name: str, train: RowReader, test: RowReader | None, test_fraction: float, seed: int
                     ) -> tuple[Dataset, StreamedData]:
    """The bounded in-memory part of a streamed data set (see the module's docstring) and the stream."""
    if test is None:  # split here, exactly as the in-memory path splits
        train_rows, test_rows = split_indices(train.n, test_fraction, seed)
        mask = np.zeros(train.n, dtype=bool)
        mask[train_rows] = True
        test_x, test_y = train.take(test_rows[:VALIDATION_ROWS])
        n_test = len(test_rows)
    else:
        if test.shape != train.shape:
            raise DataError(f"the train and test files of {name} differ in shape: {train.shape} vs {test.shape}")
        train_rows, mask = np.arange(train.n), None
        test_x, test_y = test.take(np.arange(min(test.n, VALIDATION_ROWS)))
        n_test = test.n
    sample = train_rows
    if len(train_rows) > SAMPLE_ROWS:
        sample = np.sort(np.random.default_rng(seed).choice(train_rows, SAMPLE_ROWS, replace=False))
    train_x, train_y = train.take(sample)
    data = Dataset.from_arrays(name, train_x, test_x, train_y, test_y, kind=train.kind, source=train.where,
                               class_names=train.class_names, columns=train.columns)
    return data, StreamedData(train, mask, len(train_rows), n_test, data.num_classes)
