"""Text data: the readers (.txt, a CSV column, a folder of .txt files, fortunes), the tokenizer, the vocabulary
built on the training split, the text kind's outputs, and their one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from vaekit.core.errors import DataError
from vaekit.data import load_dataset
from vaekit.data.common.split import split_indices
from vaekit.data.kinds import data_kind
from vaekit.data.text.fortunes import FORTUNES_DIR, fortune_entries
from vaekit.data.text.options import TextOptions
from vaekit.data.text.tokenize import tokenize
from vaekit.data.text.tokens import EOS, PAD, SPECIAL, UNK
from vaekit.data.text.vocabulary import build_vocabulary, read_vocabulary, save_vocabulary

LINES = ["The cat sat on the mat.", "", "A dog ran in the park!", "the cat ran.", "A cat, a dog.", "The dog sat.",
         "Don't panic."]


def _corpus(tmp_path: Path, lines: list[str] = LINES) -> Path:
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_tokenizer_splits_words_and_punctuation() -> None:
    assert tokenize("Don't panic -- it's 42!") == ["don't", "panic", "-", "-", "it's", "42", "!"]
    assert tokenize("Don't  panic\nnow", lowercase=False) == ["Don't", "panic", "now"]


def test_text_file_ids_split_and_vocabulary_of_the_training_split(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    data = load_dataset(_corpus(tmp_path), test_fraction=0.3, seed=1, text=TextOptions(min_count=1))
    assert "skipped 1 blank lines" in capsys.readouterr().err
    assert data.kind == "text" and data.shape == (8,)  # the longest line: 7 tokens, then EOS
    x, _, ids = data.examples("all")
    assert ids.tolist() == [1, 3, 4, 5, 6, 7]  # line numbers: the blank line 2 keeps its number
    train_rows, test_rows = split_indices(6, 0.3, 1)  # the seeded permutation of any data without a split
    assert data.rows()[0].tolist() == train_rows.tolist() and data.rows()[1].tolist() == test_rows.tolist()
    kept = [line for line in LINES if line]
    train_tokens = {token for row in train_rows for token in tokenize(kept[row])}
    assert set(data.vocabulary[len(SPECIAL):]) == train_tokens  # built on the training split alone
    for row, line in enumerate(kept):
        words = tokenize(line)
        expected = [data.vocabulary.index(w) if w in train_tokens else UNK for w in words] + [EOS]
        expected += [PAD] * (8 - len(expected))
        assert x[row].tolist() == expected


def test_vocabulary_cut_off_order_and_size() -> None:
    sentences = [["b", "a", "c"], ["a", "b"], ["a", "d"]]
    assert build_vocabulary(sentences, min_count=2) == [*SPECIAL, "a", "b"]
    assert build_vocabulary(sentences, min_count=1) == [*SPECIAL, "a", "b", "c", "d"]  # ties alphabetical
    assert build_vocabulary(sentences, min_count=1, max_size=5) == [*SPECIAL, "a"]


def test_a_given_vocabulary_and_max_length_give_the_same_ids(tmp_path: Path) -> None:
    save_vocabulary(tmp_path / "vocabulary.json", [*SPECIAL, "the", "cat"])
    assert read_vocabulary(tmp_path / "vocabulary.json") == [*SPECIAL, "the", "cat"]
    path = tmp_path / "other.txt"
    path.write_text("the cat\nthe dog sat\n")
    data = load_dataset(path, text=TextOptions(vocabulary=str(tmp_path / "vocabulary.json"), max_length=4))
    x, _, _ = data.examples("all")
    assert x.tolist() == [[4, 5, EOS, PAD, PAD], [4, UNK, UNK, EOS, PAD]]


def test_too_long_lines_are_refused_or_cut(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _corpus(tmp_path)
    with pytest.raises(DataError, match=r"^line 1 of .*corpus.txt has 7 tokens, more than max_length 4 \(3 such\)"):
        load_dataset(path, text=TextOptions(max_length=4))
    data = load_dataset(path, text=TextOptions(max_length=4, truncate=True, min_count=1))
    assert "cut 3 examples" in capsys.readouterr().err
    x, _, _ = data.examples("all")
    assert data.shape == (5,) and x[0, :4].tolist() == [data.vocabulary.index(w) for w in ["the", "cat", "sat", "on"]]
    assert x[0, 4] == EOS


def test_empty_text_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("\n  \n")
    with pytest.raises(DataError, match="holds no text"):
        load_dataset(tmp_path / "empty.txt")


def test_csv_column_and_folder_of_documents(tmp_path: Path) -> None:
    frame = pd.DataFrame({"review": ["Great film.", "", "Bad film!", "Great, great."], "stars": [5, 1, 1, 4]},
                         index=pd.Index(["r1", "r2", "r3", "r4"], name="id"))
    frame.to_csv(tmp_path / "reviews.csv")
    data = load_dataset(tmp_path / "reviews.csv", text=TextOptions(column="review", min_count=1))
    assert data.examples("all")[2].tolist() == ["r1", "r3", "r4"]  # the index as ids; the empty review skipped
    labelled = load_dataset(tmp_path / "reviews.csv", label_column="stars", text=TextOptions(column="review"))
    assert labelled.class_names == ["1", "4", "5"] and labelled.examples("all")[1].tolist() == [2, 0, 1]
    with pytest.raises(DataError, match="no column 'text'"):
        load_dataset(tmp_path / "reviews.csv", text=TextOptions(column="text"))
    folder = tmp_path / "letters"
    folder.mkdir()
    (folder / "b.txt").write_text("Dear Ann,\nthank you.\n")
    (folder / "a.txt").write_text("Hello there.")
    data = load_dataset(folder, text=TextOptions(min_count=1))
    x, _, ids = data.examples("all")
    assert ids.tolist() == ["a.txt", "b.txt"]
    assert int((x[1] != PAD).sum()) == len(tokenize("Dear Ann, thank you.")) + 1  # one document across lines


def test_text_kind_writes_sentences_pairs_and_run_info(tmp_path: Path) -> None:
    save_vocabulary(tmp_path / "vocabulary.json", [*SPECIAL, "the", "cat", "sat"])
    info = {"run_dir": tmp_path, "vocabulary": "vocabulary.json"}
    kind = data_kind("text")
    batch = torch.tensor([[4, 5, 6, EOS, PAD], [5, UNK, EOS, 4, PAD]], dtype=torch.float32)
    assert kind.default_output("samples") == "samples.txt"
    assert kind.default_output("reconstructions") == "reconstructions.tsv"
    kind.save(tmp_path / "s.txt", batch, info)
    assert (tmp_path / "s.txt").read_text() == "the cat sat\ncat <unk>\n"  # nothing after the first EOS
    kind.save(tmp_path / "r.tsv", batch.flip(0), {**info, "ids": np.array([7, 9])}, inputs=batch)
    assert (tmp_path / "r.tsv").read_text().splitlines() == ["id\tinput\toutput", "7\tthe cat sat\tcat <unk>",
                                                             "9\tcat <unk>\tthe cat sat"]
    kind.save(tmp_path / "s.npy", batch, info)
    assert np.array_equal(np.load(tmp_path / "s.npy"), batch.numpy())
    with pytest.raises(DataError, match="vocabulary .* is corrupt"):
        (tmp_path / "vocabulary.json").write_text(json.dumps({"tokens": ["a", "b"]}))
        kind.save(tmp_path / "t.txt", batch, info)


@pytest.mark.skipif(not FORTUNES_DIR.is_dir(), reason="Debian's fortunes package is not installed "
                    "(apt-get install fortunes)")
def test_fortunes_corpus() -> None:
    texts, ids = fortune_entries(FORTUNES_DIR, max_tokens=30)
    assert len(texts) > 5000 and len(set(ids)) == len(ids)
    assert all(len(tokenize(text)) <= 30 and "\n" not in text and "%" != text for text in texts)
    data = load_dataset("fortunes:max_tokens=12")
    assert data.kind == "text" and data.shape == (13,) and data.examples("all")[2][0].startswith("computers:")
