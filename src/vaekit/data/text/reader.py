"""Text as token sequences: a .txt file with one sentence (or document) per line, a CSV column, a folder of .txt
files (one document each), read into a Dataset of kind "text".

    ds = load_dataset("quotes.txt")                                   # one sentence per line
    ds = load_dataset("reviews.csv", text=TextOptions(column="review"))  # label_column= gives classes too
    ds = load_dataset("letters/")                                     # a folder of .txt files: one document each
    ds.train_x[0]        # tensor([ 57., 9., 812., 3., 0., 0., ...]): token ids, EOS (3), then PAD (0)
    ds.vocabulary[57]    # the token id 57 stands for

Examples are float32 (N, T) tensors of token ids, T = max_length + 1 (data/tokens.py). The train/test split is the
seeded permutation of other data without a split of their own (data/split.py); the vocabulary is built on the
training split (data/vocabulary.py), or read from TextOptions.vocabulary (a run's own, for any reload).

Ids, in the source's order: a .txt file's line numbers (1-based, as an editor shows them: blank lines are skipped,
said once, and keep their numbers), a folder's file names, a table's index (or its row numbers, 0-based).
Bad input is one line: an empty file, a line with more than max_length tokens (unless `truncate`), a missing column.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from vaekit.core import system
from vaekit.core.errors import DataError
from vaekit.core.notices import notice
from vaekit.data.common.options import LoadOptions
from vaekit.data.common.split import split_indices
from vaekit.data.dataset import Dataset
from vaekit.data.table.reader import _index_ids, _labels, read_table
from vaekit.data.text.options import TextOptions
from vaekit.data.text.tokenize import tokenize
from vaekit.data.text.tokens import EOS, PAD
from vaekit.data.text.vocabulary import build_vocabulary, encode, read_vocabulary

TEXT_SUFFIXES = (".txt",)
ID_BYTES = 4  # token ids are stored as float32 (data/text/tokens.py)


def load_text_file(path: Path, options: LoadOptions, name: str | None = None) -> Dataset:
    """A text Dataset of the non-blank lines of a UTF-8 .txt file, one example each."""
    lines = _read(path).splitlines()
    kept = [(number, line) for number, line in enumerate(lines, start=1) if line.strip()]
    if not kept:
        raise DataError(f"{path} holds no text: give one sentence (or document) per line")
    if len(kept) < len(lines):
        notice(f"{path}: skipped {len(lines) - len(kept)} blank lines (the others keep their line numbers as ids)")
    numbers = np.array([number for number, _ in kept])
    return text_dataset([line for _, line in kept], numbers, options, name or str(path), str(path),
                        [f"line {number}" for number in numbers])


def load_text_folder(path: Path, options: LoadOptions, name: str | None = None) -> Dataset:
    """A text Dataset of a folder's .txt files (sorted by name), one document each, ids the file names."""
    files = sorted(item for item in path.iterdir() if item.suffix.lower() in TEXT_SUFFIXES and item.is_file())
    texts = [(item.name, _read(item)) for item in files]
    kept = [(file_name, text) for file_name, text in texts if text.strip()]
    if not kept:
        raise DataError(f"{path} holds no text: give .txt files with a document each")
    if len(kept) < len(texts):
        notice(f"{path}: skipped {len(texts) - len(kept)} empty .txt files")
    ids = np.array([file_name for file_name, _ in kept])
    return text_dataset([text for _, text in kept], ids, options, name or str(path), str(path),
                        [f"file {file_name}" for file_name in ids])


def load_text_column(path: Path, options: LoadOptions, name: str | None = None) -> Dataset:
    """A text Dataset of a .csv or .parquet table's column options.text.column, with the table's index as ids and
    options.label_column, given, as class labels (a sentence's topic or sentiment, for a conditional VAE)."""
    column = options.text.column
    table, ids = _index_ids(read_table(path), str(path))
    labels, class_names = _labels(table, options.label_column, str(path)) if options.label_column else (None, None)
    if column not in table.columns:
        raise DataError(f"{path} has no column {column!r} (text_column); its columns: "
                        f"{', '.join(str(c) for c in table.columns)}")
    values = table[column]
    blank = values.isna().to_numpy() | (values.astype(str).str.strip() == "").to_numpy()
    if blank.all():
        raise DataError(f"the column {column!r} of {path} holds no text")
    if blank.any():
        notice(f"{path}: skipped {int(blank.sum())} rows with no text in {column!r}")
    rows = np.flatnonzero(~blank)
    kept_ids = rows if ids is None else ids[rows]
    return text_dataset(values.astype(str).to_numpy()[rows].tolist(), kept_ids, options, name or str(path),
                        str(path), [f"data row {row + 1}" for row in rows],
                        None if labels is None else labels[rows], class_names)


def text_dataset(texts: list[str], ids: np.ndarray | None, options: LoadOptions, name: str, where: str,
                 places: list[str] | None = None, labels: np.ndarray | None = None,
                 class_names: list[str] | None = None) -> Dataset:
    """Tokenize `texts` (one example each, `places` naming them for errors), split them by options.seed, build
    the vocabulary on the training split (or read options.text.vocabulary) and code them as (N, T) token ids;
    `labels` (N,), given, are class indices into `class_names`."""
    text = options.text
    tokens = None if text.vocabulary is None else read_vocabulary(text.vocabulary, text.vocabulary_size)
    sentences = [tokenize(item, text.lowercase) for item in texts]
    sentences = _fit_length(sentences, text, where, places or [f"example {i + 1}" for i in range(len(texts))])
    train_rows, test_rows = split_indices(len(sentences), options.split_fraction, options.seed)
    if tokens is None:
        tokens = build_vocabulary((sentences[row] for row in train_rows), text.min_count, text.max_vocabulary)
    length = text.max_length or max(len(sentence) for sentence in sentences)
    check_text_fits(len(sentences), length, text, where)
    x = encode_sentences(sentences, {token: i for i, token in enumerate(tokens)}, length)
    data = Dataset.from_arrays(name, x[train_rows], x[test_rows], None if labels is None else labels[train_rows],
                               None if labels is None else labels[test_rows], kind="text", source=where,
                               class_names=class_names, rows=(train_rows, test_rows), ids=ids)
    return dataclasses.replace(data, vocabulary=tokens)


def check_text_fits(rows: int, length: int, text: TextOptions, where: str) -> None:
    """A DataError, before the (rows, length + 1) float32 ids are allocated, when they would not fit in this
    machine's memory: `--max-length 1000000` on a few thousand lines asked for gigabytes of padding."""
    need = rows * (length + 1) * ID_BYTES
    have = system.host_memory()
    if have is None or need <= have:
        return
    asked = f"max_length {text.max_length:,} (--max-length)" if text.max_length else \
        f"the longest example, {length:,} tokens (max_length 0 takes it)"
    raise DataError(f"{where}: {rows:,} examples padded to {asked} need {need / 1e9:.2f} GB of token ids, more "
                    f"than the {have / 1e9:.2f} GB of this machine's memory; choose a smaller --max-length (with "
                    "--truncate to cut longer lines)")


def encode_sentences(sentences: list[list[str]], index: dict[str, int], max_length: int) -> np.ndarray:
    """(N, max_length + 1) float32 token ids: each sentence's ids, EOS, then PAD."""
    x = np.full((len(sentences), max_length + 1), PAD, dtype=np.float32)
    for row, sentence in enumerate(sentences):
        ids = encode(sentence, index)
        x[row, :len(ids)] = ids
        x[row, len(ids)] = EOS
    return x


def _fit_length(sentences: list[list[str]], text: TextOptions, where: str, places: list[str]) -> list[list[str]]:
    """The sentences, refused (one line naming the first too long) or cut when longer than text.max_length."""
    if not text.max_length:
        return sentences
    long = [row for row, sentence in enumerate(sentences) if len(sentence) > text.max_length]
    if not long:
        return sentences
    if not text.truncate:
        first = long[0]
        remedy = (f"the run {text.run} was trained on at most {text.max_length}: shorten or drop them" if text.run
                  else "raise max_length (--max-length) or cut them with truncate (--truncate)")
        raise DataError(f"{places[first]} of {where} has {len(sentences[first])} tokens, more than max_length "
                        f"{text.max_length} ({len(long)} such); {remedy}")
    notice(f"{where}: cut {len(long)} examples longer than max_length to their first {text.max_length} tokens")
    return [sentence[:text.max_length] for sentence in sentences]


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise DataError(f"{path} is not UTF-8 text (byte {error.start}: {error.reason})") from None
    except OSError as error:
        raise DataError(f"cannot read {path}: {error.strerror or error}") from None
