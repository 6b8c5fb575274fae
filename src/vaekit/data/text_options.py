"""How text is read into token sequences: which table column, the tokenizer's case, the vocabulary and the length.

    TextOptions(min_count=2, max_length=30)            # build a vocabulary of words seen twice in the training split
    TextOptions(vocabulary="runs/text/vocabulary.json") # a run's own vocabulary: the same ids on any other text

max_length is the number of tokens a sentence may have (EOS not counted): a line with more is refused with one line
naming it, or cut to max_length tokens when `truncate` is set (said once). 0 takes the longest line of the data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vaekit.errors import ConfigError

if TYPE_CHECKING:
    from vaekit.config import DataConfig


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


def text_options(cfg: DataConfig, run_info: dict[str, Any] | None = None) -> TextOptions:
    """The text settings of a run's DataConfig. For a trained text run (`run_info`: its config.json "data", with
    "run_dir" added), its data are read as it read them: with its max_length and its own vocabulary.json, so any
    text, the run's own or other, gets the ids the model was trained on."""
    vocabulary, max_length, run = cfg.vocabulary, cfg.max_length, None
    if run_info is not None and run_info.get("kind") == "text":
        max_length = run_info.get("max_length", max_length)
        if run_info.get("run_dir") is not None and run_info.get("vocabulary"):
            vocabulary = str(Path(run_info["run_dir"]) / run_info["vocabulary"])
            run = str(run_info["run_dir"])
    return TextOptions(column=cfg.text_column, lowercase=cfg.lowercase, min_count=cfg.min_count,
                       max_vocabulary=cfg.max_vocabulary, max_length=max_length, truncate=cfg.truncate,
                       vocabulary=vocabulary, run=run,
                       vocabulary_size=run_info.get("vocabulary_size") if run is not None else None)
