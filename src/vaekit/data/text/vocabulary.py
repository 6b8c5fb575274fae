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
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from vaekit.core.errors import DataError
from vaekit.core.io import write_json
from vaekit.core.paths import unusable
from vaekit.core.schema import PARSED_BYTES, Field, check, check_memory, json_depth
from vaekit.data.text.tokens import SPECIAL, UNK

VOCABULARY_FILE = "vocabulary.json"
FORMAT = "vaekit-vocabulary"
MAX_TOKENS = 2 ** 24       # a text example holds token ids as float32, whose whole numbers are exact up to 2^24
MAX_TOKEN_CHARS = 1000     # a token is a word or a punctuation mark; a longer run of letters is read as UNK
# what vocabulary.json may hold (format and version may be left out: a vocabulary written by hand lists its tokens)
SCHEMA = {
    "format": Field(str, choices=(FORMAT,)),
    "version": Field(int, choices=(1,)),
    "tokens": Field(list, size=(len(SPECIAL), MAX_TOKENS), items=Field(str, size=(1, MAX_TOKEN_CHARS))),
}
DEPTH = 2  # the object and its list of tokens
_NO_SPACE = re.compile(r"\S+")


def build_vocabulary(sentences: Iterable[list[str]], min_count: int = 2, max_size: int = 0) -> list[str]:
    """The special tokens, then the tokens seen at least `min_count` times, most frequent first, at most `max_size`
    entries in all (0: no limit)."""
    counts = Counter(token for sentence in sentences for token in sentence)
    kept = sorted((token for token, count in counts.items()
                   if count >= min_count and token not in SPECIAL and len(token) <= MAX_TOKEN_CHARS),
                  key=lambda token: (-counts[token], token))
    tokens = [*SPECIAL, *kept]
    tokens = tokens[:max_size] if max_size else tokens
    if len(tokens) > MAX_TOKENS:
        raise DataError(f"the training split has {len(tokens):,} tokens seen at least {min_count} times, more than "
                        f"the {MAX_TOKENS:,} token ids a text example can hold exactly (float32); set max_vocabulary "
                        "or a higher min_count")
    return tokens


def encode(sentence: list[str], index: dict[str, int]) -> list[int]:
    """The ids of a sentence's tokens; UNK for a token the vocabulary lacks."""
    return [index.get(token, UNK) for token in sentence]


def save_vocabulary(path: str | Path, tokens: list[str]) -> None:
    """vocabulary.json: the tokens in id order (the token of id i is tokens[i]), written atomically."""
    write_json(path, {"format": FORMAT, "version": 1, "tokens": list(tokens)})


def read_vocabulary(path: str | Path, size: int | None = None) -> list[str]:
    """The tokens in id order of a vocabulary.json, or a one-line DataError when it is missing or not one (each
    field as SCHEMA declares it, checked before the tokens are used: distinct, the special tokens first), or
    (given a trained run's `size`) when it no longer has the run's V tokens."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"the vocabulary {unusable(path)}; a text run keeps its vocabulary there (train again, "
                        "or give data.vocabulary)")
    corrupt = f"the vocabulary {path} is corrupt"
    try:
        check_memory(PARSED_BYTES * path.stat().st_size, f"the vocabulary {path} ({path.stat().st_size:,} bytes)",
                     "restore the run's own vocabulary.json")
        text = path.read_bytes()
    except OSError as error:
        raise DataError(f"{corrupt} ({type(error).__name__}: {error})") from None
    depth = json_depth(text)
    if depth > DEPTH:  # json.loads would recurse once a level: some thousands raise RecursionError
        raise DataError(f"{corrupt}: it nests {depth:,} levels deep, where a vocabulary nests {DEPTH}")
    try:
        saved = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DataError(f"{corrupt} ({type(error).__name__}: {error})") from None
    except ValueError as error:  # a number of more than 4300 digits
        raise DataError(f"{corrupt} ({' '.join(str(error).split()).split(';')[0][:120]})") from None
    tokens = check(saved, SCHEMA, corrupt, optional=frozenset({"format", "version"}))["tokens"]
    _check_order(tokens, corrupt)
    if size is not None and len(tokens) != size:
        raise DataError(f"the vocabulary {path} has {len(tokens):,} tokens but its run was trained on {size:,}: it "
                        "does not belong to this run (restore the run's own vocabulary.json)")
    return tokens


def _check_order(tokens: list[str], corrupt: str) -> None:
    """The special tokens at their ids, every token once, none holding white space (which separates tokens)."""
    remedy = f"it must list distinct tokens, starting with {', '.join(SPECIAL)}"
    spaced = next((i for i, token in enumerate(tokens) if not _NO_SPACE.fullmatch(token)), None)
    if spaced is not None:
        raise DataError(f"{corrupt}: field tokens[{spaced}] ({tokens[spaced][:40]!r}) holds white space, which "
                        "separates tokens; the tokenizer never makes such a token")
    for i, special in enumerate(SPECIAL):
        if tokens[i] != special:
            raise DataError(f"{corrupt}: field tokens[{i}] is {tokens[i][:40]!r} where {special} must be; {remedy}")
    if len(set(tokens)) != len(tokens):
        seen: dict[str, int] = {}
        for i, token in enumerate(tokens):
            if token in seen:
                raise DataError(f"{corrupt}: field tokens[{i}] repeats tokens[{seen[token]}] ({token[:40]!r}); "
                                f"{remedy}")
            seen[token] = i
