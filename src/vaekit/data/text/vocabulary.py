"""The vocabulary of text data: built on the training split only, saved with the run as vocabulary.json.

    tokens = build_vocabulary(train_sentences, min_count=2, max_size=10_000)
    tokens[:5]                      # ['<pad>', '<unk>', '<s>', '</s>', 'the']
    save_vocabulary(run_dir / VOCABULARY_FILE, tokens)
    tokens = read_vocabulary(run_dir / VOCABULARY_FILE)

A token is kept when it occurs at least `min_count` times in the training sentences; the most frequent ones first
(ties in alphabetical order, so one corpus always gives one vocabulary), cut to `max_size` entries in all. Every
other token, and every token of the test split or of other text that the training split lacks, reads as UNK.
Building on the training split alone keeps the test split honest: its unseen words cost what they would cost on
new text.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from vaekit.core.errors import DataError
from vaekit.core.io import write_json
from vaekit.data.text.tokens import SPECIAL, UNK

VOCABULARY_FILE = "vocabulary.json"
FORMAT = "vaekit-vocabulary"


def build_vocabulary(sentences: Iterable[list[str]], min_count: int = 2, max_size: int = 0) -> list[str]:
    """The special tokens, then the tokens seen at least `min_count` times, most frequent first, at most `max_size`
    entries in all (0: no limit)."""
    counts = Counter(token for sentence in sentences for token in sentence)
    kept = sorted((token for token, count in counts.items() if count >= min_count and token not in SPECIAL),
                  key=lambda token: (-counts[token], token))
    tokens = [*SPECIAL, *kept]
    return tokens[:max_size] if max_size else tokens


def encode(sentence: list[str], index: dict[str, int]) -> list[int]:
    """The ids of a sentence's tokens; UNK for a token the vocabulary lacks."""
    return [index.get(token, UNK) for token in sentence]


def save_vocabulary(path: str | Path, tokens: list[str]) -> None:
    """vocabulary.json: the tokens in id order (the token of id i is tokens[i]), written atomically."""
    write_json(path, {"format": FORMAT, "version": 1, "tokens": list(tokens)})


def read_vocabulary(path: str | Path, size: int | None = None) -> list[str]:
    """The tokens in id order of a vocabulary.json, or a one-line DataError when it is missing or not one, or
    (given a trained run's `size`) when it no longer has the run's V tokens."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"the vocabulary {path} does not exist; a text run keeps its vocabulary there (train again, "
                        "or give data.vocabulary)")
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        tokens = saved["tokens"]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as error:
        raise DataError(f"the vocabulary {path} is corrupt ({type(error).__name__}: {error})") from None
    if not isinstance(tokens, list) or not all(isinstance(token, str) for token in tokens) or \
            tuple(tokens[:len(SPECIAL)]) != SPECIAL or len(set(tokens)) != len(tokens):
        raise DataError(f"the vocabulary {path} is corrupt: it must list distinct tokens, starting with "
                        f"{', '.join(SPECIAL)}")
    if size is not None and len(tokens) != size:
        raise DataError(f"the vocabulary {path} has {len(tokens):,} tokens but its run was trained on {size:,}: it "
                        "does not belong to this run (restore the run's own vocabulary.json)")
    return tokens
