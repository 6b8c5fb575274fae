"""How text is read into token sequences: which table column, the tokenizer's case, the vocabulary and the length.

    TextOptions(min_count=2, max_length=30)            # build a vocabulary of words seen twice in the training split
    TextOptions(vocabulary="runs/text/vocabulary.json") # a run's own vocabulary: the same ids on any other text

max_length is the number of tokens a sentence may have (EOS not counted): a line with more is refused with one line
naming it, or cut to max_length tokens when `truncate` is set (said once). 0 takes the longest line of the data.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from vaekit.data.common.options import TextOptions

if TYPE_CHECKING:
    from vaekit.config import DataConfig


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
