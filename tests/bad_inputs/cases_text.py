"""Text data (issue 12): an empty file, a line longer than max_length, a corrupt or missing vocabulary, decoding
options on a run that is not text, text settings on data that is not text."""

from __future__ import annotations

from bad_inputs.case import Case, Workspace
from vaekit.data import load_dataset
from vaekit.data.text_options import TextOptions

NEW = ["--epochs", "1", "--out", "{root}/new"]
LINES = "The cat sat on the mat.\nA dog ran.\nThe dog sat.\n"


def _lines(w: Workspace) -> None:
    w.write("lines.txt", LINES)


def _corrupt_vocabulary(w: Workspace) -> None:
    _lines(w)
    w.write("vocabulary.json", '{"format": "vaekit-vocabulary", "tokens": ["<pad>", "the"')


CASES = [
    Case("text-empty-file", r"empty\.txt holds no text", ["train", "--data", "empty.txt", *NEW],
         setup=lambda w: w.write("empty.txt", "\n\n")),
    Case("text-line-too-long", r"line 1 of lines\.txt has 7 tokens, more than max_length 3 .*--truncate",
         ["train", "--data", "lines.txt", "--max-length", "3", *NEW], setup=_lines),
    Case("text-not-utf8", r"latin\.txt is not UTF-8", ["train", "--data", "latin.txt", *NEW],
         setup=lambda w: w.write("latin.txt", "caf\xe9 au lait\n".encode("latin-1"))),
    Case("text-corrupt-vocabulary", r"vocabulary vocabulary\.json is corrupt",
         ["train", "--data", "lines.txt", "--vocabulary", "vocabulary.json", *NEW], setup=_corrupt_vocabulary),
    Case("text-corrupt-vocabulary-api", r"is corrupt", setup=_corrupt_vocabulary,
         api=lambda w: load_dataset(w.path("lines.txt"), text=TextOptions(vocabulary=str(w.path("vocabulary.json"))))),
    Case("text-missing-vocabulary", r"vocabulary gone\.json does not exist",
         ["train", "--data", "lines.txt", "--vocabulary", "gone.json", *NEW], setup=_lines),
    Case("text-column-not-a-table", r"text_column applies to \.csv and \.parquet tables only",
         ["train", "--data", "lines.txt", "--text-column", "review", *NEW], setup=_lines),
    Case("text-column-missing", r"has no column 'review'",
         ["train", "--data", "t.csv", "--text-column", "review", *NEW],
         setup=lambda w: w.write("t.csv", "text,stars\nGood.,5\nBad.,1\n")),
    Case("text-negative-max-length", r"max_length 0 or more", ["train", "--data", "lines.txt", "--max-length", "-1",
                                                                *NEW], setup=_lines),
    Case("text-fortunes-setting", r"fortunes: max_tokens must be at least 1",
         ["train", "--data", "fortunes:max_tokens=0", *NEW]),
    Case("text-decode-image-run", r"--decode is for text runs", ["sample", "{run}", "--decode", "beam", "-n", "2"]),
    Case("text-decode-reconstruct-image-run", r"--decode is for text runs",
         ["reconstruct", "{run}", "--decode", "greedy", "-n", "2"]),
    Case("text-beam-width-without-beam", r"--beam-width applies to --decode beam",
         ["interpolate", "{run}", "--beam-width", "3"]),
    Case("text-baseline-image-run", r"--baseline compares a text run", ["evaluate", "{run}", "--baseline", "{run}"]),
]
