"""The data section: where examples come from and how they are read (files, text, audio, streaming)."""

from __future__ import annotations

from dataclasses import dataclass

from vaekit.config.fields import check_seed, setting
from vaekit.core.errors import ConfigError
from vaekit.data.audio.spectrogram import settings_of
from vaekit.data.text.options import text_options


def image_size(name: str, text: str | None) -> tuple[int, int] | None:
    """(width, height) of an image size written WIDTHxHEIGHT ("128x96"), None for None; a ConfigError otherwise."""
    if text is None:
        return None
    width, x, height = str(text).lower().partition("x")
    if not x or not width.strip().isdigit() or not height.strip().isdigit() or int(width) < 1 or int(height) < 1:
        raise ConfigError(f"data.{name} takes a size WIDTHxHEIGHT in pixels, e.g. 128x96; got {text!r}")
    return int(width), int(height)


@dataclass
class DataConfig:
    source: str = setting("digits", "dataset name (digits, mnist, fashion-mnist, kmnist, cifar10, sprites, "
                           "dsprites, fortunes, fsdd; settings after a colon: sprites:n=20000,size=32,seed=0) or a "
                           "path to .npy/.npz/IDX/CSV/Parquet, a .txt file (one sentence a line), a folder of images, "
                           "of .txt files or of .wav recordings", flag="data")
    data_dir: str | None = setting(None, "folder to look for (and download) dataset files")
    download: bool = setting(True, "download a missing named dataset from its official mirror")
    binarize: str = setting("none", "binarize pixels: none, dynamic (resampled each epoch) or static (once, seeded)",
                             choices=("none", "dynamic", "static"))
    dequantize: bool = setting(False, "uniform dequantization: add U[0, 1) noise to discrete pixels (8-bit or other "
                                "evenly spaced levels), redrawn every batch, for continuous likelihoods")
    test_fraction: float = setting(0.1, "fraction held out for test when the data has no split of its own")
    label_column: str | None = setting(None, "table column holding class labels (CSV/Parquet)")
    column_types: str | None = setting(None, "table column types that override the inferred ones, e.g. "
                                        "\"sex:binary,age:continuous,price:mixture\" (continuous; mixture: a "
                                        "mixture of Gaussians for a skewed or multi-modal number column; binary; "
                                        "categorical)")
    text_column: str | None = setting(None, "text: the table column (CSV/Parquet) holding one sentence or document "
                                       "per row")
    lowercase: bool = setting(True, "text: lowercase before splitting into words and punctuation")
    min_count: int = setting(2, "text: keep tokens seen at least this often in the training split; the rest read "
                              "as <unk>")
    max_vocabulary: int = setting(0, "text: at most this many tokens in the vocabulary, the 4 special ones "
                                   "included (0: no limit)")
    max_length: int = setting(0, "text: tokens per sentence at most (end of sentence not counted); a longer line "
                               "is an error unless truncate (0: the longest line of the data)")
    truncate: bool = setting(False, "text: cut lines longer than max_length instead of refusing them")
    vocabulary: str | None = setting(None, "text: a vocabulary.json to use instead of building one on the "
                                      "training split (a run's own vocabulary is used for any reload of its data)")
    split_seed: int = setting(0, "seed of the train/test split for data that has no split of its own")
    labels_per_class: int = setting(0, "semi-supervised learning: keep this many labels per class of the training "
                                     "split, drawn with split_seed, and mark the rest unlabelled (-1); 0 keeps "
                                     "every label")
    metadata: str | None = setting(None, "a table's column metadata, for synthetic copies: auto (detect each "
                                    "column's type, nulls, bounds and levels) or a JSON file declaring some or all "
                                    "columns; sampled tables then have the input's columns, order and dtypes, with "
                                    "nulls (sets missing: model)")
    resize: str | None = setting(None, "images: resize every image to WIDTHxHEIGHT pixels (e.g. 128x96, Lanczos) "
                                  "so that a folder of several sizes trains; recorded and reapplied at load")
    crop: str | None = setting(None, "images: cut the centre WIDTHxHEIGHT pixels of every image (after --resize); "
                                "recorded and reapplied at load")
    window: int = setting(0, "series: cut each long recording into windows of this many steps for training and "
                           "scoring; point scores combine the windows covering each step (0: one example per series)")
    stride: int = setting(0, "series: steps between the starts of consecutive windows (0: half the window)")
    missing: str = setting("refuse", "missing values (NaN entries, empty table cells): refuse them, or model them "
                            "(MIWAE: the likelihood scores observed entries only and the encoder sees which are "
                            "observed; sets model.encoder_mask)", choices=("refuse", "model"))
    streaming: str = setting("auto", "read the training data from disk in batches instead of holding it in memory: "
                              "on, off, or auto (on when the data would take more than a quarter of this "
                              "machine's memory); .npy, .parquet, image folders, tar shards and IDX data sets",
                              choices=("auto", "on", "off"))
    workers: int = setting(2, "streaming: worker processes that read and shuffle the data (0: in the training "
                            "process)")
    shuffle_buffer: int = setting(10_000, "streaming: examples each epoch's shuffle draws from at a time (more: a "
                                   "better shuffle, more memory)")
    # audio (a folder of .wav recordings, fsdd): how recordings become log-mel spectrograms (data/spectrogram.py)
    sample_rate: int = setting(0, "audio: sample rate in Hz the recordings are resampled to (0: their own, the most "
                                "common one)")
    n_fft: int = setting(512, "audio: samples per spectrogram window (Hann)")
    hop_length: int = setting(128, "audio: samples between spectrogram frames")
    n_mels: int = setting(40, "audio: mel bands of the log-mel spectrogram")
    mel_floor: float = setting(1e-6, "audio: the smallest mel power; the log-mel spectrogram is ln max(floor, power)")
    max_seconds: float = setting(0.0, "audio: recordings longer than this are cut to it, said once (0: none is "
                                  "cut; the examples are as long as the longest recording)")

    def validate(self) -> None:
        if not 0.0 < self.test_fraction < 1.0:
            raise ConfigError(f"test_fraction must be between 0 and 1, got {self.test_fraction}")
        check_seed("split_seed", self.split_seed)
        if self.labels_per_class < 0:
            raise ConfigError(f"labels_per_class must be 0 (every label) or a count, got {self.labels_per_class}")
        if self.dequantize and self.binarize != "none":
            raise ConfigError("dequantize and binarize exclude each other: binarized pixels are already discrete "
                              "data for a Bernoulli likelihood")
        text_options(self)  # the text settings' own checks
        if self.workers < 0 or self.shuffle_buffer < 1:
            raise ConfigError(f"data.workers must be 0 or more and data.shuffle_buffer at least 1, got "
                              f"{self.workers} and {self.shuffle_buffer}")
        image_size("resize", self.resize)
        image_size("crop", self.crop)
        if self.window < 0 or self.stride < 0 or (self.stride and not self.window):
            raise ConfigError(f"data.window and data.stride must be 0 or a number of steps, and a stride needs a "
                              f"window; got window {self.window} and stride {self.stride}")
        if self.window and self.stride > self.window:
            raise ConfigError(f"data.stride {self.stride} is longer than data.window {self.window}: some steps "
                              "would be in no window; choose a stride of at most the window")
        settings_of(self)  # the audio settings, checked together (a ConfigError naming what is wrong)
