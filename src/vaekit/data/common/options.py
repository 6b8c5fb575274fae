"""The settings every loader receives, in one frozen object, so a new setting changes no signature (the text
settings among them: TextOptions, which vaekit.data.text.options builds from a run's config)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from vaekit.core.errors import ConfigError

if TYPE_CHECKING:
    from vaekit.data.audio.spectrogram import SpectrogramSettings


@dataclass(frozen=True)
class TextOptions:
    """Text settings (DataConfig's text block). `vocabulary` is the path of a vocabulary JSON to use instead of
    building one on the training split."""

    column: str | None = None
    lowercase: bool = True
    min_count: int = 2
    max_vocabulary: int = 0  # 0: no limit; else at most this many tokens, the 4 special ones included
    max_length: int = 0  # 0: the longest line of the data
    truncate: bool = False
    vocabulary: str | None = None
    run: str | None = None  # the trained run whose settings these are (its max_length cannot change)
    vocabulary_size: int | None = None  # the run's V, which its vocabulary.json must still have

    def __post_init__(self) -> None:
        if self.min_count < 1 or self.max_length < 0 or self.max_vocabulary < 0 or 0 < self.max_vocabulary <= 4:
            raise ConfigError(f"min_count must be at least 1, max_length 0 or more and max_vocabulary 0 or more than "
                              f"the 4 special tokens, got {self.min_count}, {self.max_length} and "
                              f"{self.max_vocabulary}")


@dataclass(frozen=True)
class LoadOptions:
    """How to find, fetch and split a dataset.

    data_dir: a folder searched first for dataset files (and where downloads go when given).
    download: fetch a missing named dataset from its official mirror.
    test_fraction, seed: the held-out share and the seed of the split, for data that has no split of its own.
    label_column: the table column (CSV/Parquet) that holds class labels.
    column_types: overrides of inferred table column types, "name:type,..." (continuous, mixture, binary,
        categorical).
    text: how text is read into token ids (a table's text column, vocabulary, max_length).
    """

    data_dir: str | None = None
    download: bool = True
    test_fraction: float = 0.1
    seed: int = 0
    label_column: str | None = None
    column_types: str | None = None
    numeric_only: bool = False  # tables as vaekit read them before typed columns: numbers only, uncoded
    # a table's index gives the ids (False: a run from before ids, whose model took a CSV's index as a feature)
    index_ids: bool = True
    # keep missing values (NaN, empty table cells) as NaN for a model of them (data.missing: model), else refuse them
    missing: bool = False
    # a table's column metadata: "auto" (detected) or a JSON file (data/table/metadata.py); None: a table of features
    metadata: str | None = None
    # images: (width, height) every image is resized to, then the centre (width, height) cut (data.resize, data.crop)
    resize: tuple[int, int] | None = None
    crop: tuple[int, int] | None = None
    # series: long recordings cut into windows of `window` steps, `stride` apart (0: one example per series)
    window: int = 0
    stride: int = 0
    # data given in place of a run's own, read whole: a file without a split of its own is not split (every
    # example in train, `split_fraction` 0, so one example will do), and series windows are cut over whole
    # recordings, not split by time for training (data/series/windows.py). A named data set keeps its split.
    whole: bool = False
    # a generated source's settings, written after its name: "n=20000,size=32" of "sprites:n=20000,size=32"
    settings: str = ""
    # text: the column, tokenizer, vocabulary and length settings (data/text_options.py)
    text: TextOptions = TextOptions()
    # audio: how recordings become log-mel spectrograms (data/spectrogram.py; None: the defaults)
    spectrogram: SpectrogramSettings | None = None

    def __post_init__(self) -> None:
        if not 0.0 < self.test_fraction < 1.0:
            raise ConfigError(f"test_fraction must be between 0 and 1 (exclusive), got {self.test_fraction}")

    @property
    def split_fraction(self) -> float:
        """The test share a file without a split of its own is cut by: 0 (every example in train, no test split)
        when it is read whole."""
        return 0.0 if self.whole else self.test_fraction
