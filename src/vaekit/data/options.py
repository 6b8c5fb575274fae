"""The settings every loader receives, in one frozen object, so a new setting changes no signature."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from vaekit.data.text_options import TextOptions
from vaekit.errors import ConfigError

if TYPE_CHECKING:
    from vaekit.data.spectrogram import SpectrogramSettings


@dataclass(frozen=True)
class LoadOptions:
    """How to find, fetch and split a dataset.

    data_dir: a folder searched first for dataset files (and where downloads go when given).
    download: fetch a missing named dataset from its official mirror.
    test_fraction, seed: the held-out share and the seed of the split, for data that has no split of its own.
    label_column: the table column (CSV/Parquet) that holds class labels.
    column_types: overrides of inferred table column types, "name:type,..." (continuous, binary, categorical).
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
    # a generated source's settings, written after its name: "n=20000,size=32" of "sprites:n=20000,size=32"
    settings: str = ""
    # text: the column, tokenizer, vocabulary and length settings (data/text_options.py)
    text: TextOptions = TextOptions()
    # audio: how recordings become log-mel spectrograms (data/spectrogram.py; None: the defaults)
    spectrogram: SpectrogramSettings | None = None

    def __post_init__(self) -> None:
        if not 0.0 < self.test_fraction < 1.0:
            raise ConfigError(f"test_fraction must be between 0 and 1 (exclusive), got {self.test_fraction}")
