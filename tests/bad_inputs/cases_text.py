"""Text data (issue 12): an empty file, a line longer than max_length, a corrupt or missing vocabulary, decoding
options on a run that is not text, text settings on data that is not text."""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

from click.testing import CliRunner

from bad_inputs.case import Case, Workspace, copy_run
from vaekit.cli import main
from vaekit.data import load_dataset
from vaekit.data.text.options import TextOptions

NEW = ["--epochs", "1", "--out", "{root}/new"]
LINES = "The cat sat on the mat.\nA dog ran.\nThe dog sat.\n"


def _lines(w: Workspace) -> None:
    w.write("lines.txt", LINES)


@functools.cache
def _trained_text_run() -> Path:
    """A tiny text run, trained once for the cases that need one (each copies it into its workspace)."""
    folder = Path(tempfile.mkdtemp(prefix="vaekit-text-case-"))
    (folder / "lines.txt").write_text(LINES * 4)
    result = CliRunner().invoke(main, ["train", "--data", str(folder / "lines.txt"), "--network", "rnn",
                                       "--rnn-hidden", "8", "--embedding-dim", "4", "--latent-dim", "2", "--epochs",
                                       "1", "--out", str(folder / "run"), "--quiet"])
    assert result.exit_code == 0, result.output
    return folder / "run"


def _text_run(w: Workspace, vocabulary: str | None = None, delete: bool = False) -> None:
    run = copy_run(_trained_text_run(), w.path("text"))
    if vocabulary is not None:
        (run / "vocabulary.json").write_text(vocabulary)
    if delete:
        (run / "vocabulary.json").unlink()


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
    Case("text-run-corrupt-vocabulary", r"vocabulary .*text/vocabulary\.json is corrupt",
         ["sample", "{root}/text", "-n", "2"], setup=lambda w: _text_run(w, '{"tokens": ["<pad>", "<unk>"]}')),
    Case("text-run-vocabulary-not-json", r"vocabulary .*text/vocabulary\.json is corrupt \(JSONDecodeError",
         ["reconstruct", "{root}/text", "-n", "2"], setup=lambda w: _text_run(w, "{not json")),
    Case("text-run-missing-vocabulary", r"vocabulary .*text/vocabulary\.json does not exist",
         ["embed", "{root}/text", "--out", "codes.csv"], setup=lambda w: _text_run(w, delete=True)),
    Case("text-other-data-too-long",
         r"line 2 of long\.txt has 10 tokens, more than max_length 7 .*trained on at most 7: shorten",
         ["reconstruct", "{root}/text", "--data", "long.txt"],
         setup=lambda w: (_text_run(w), w.write("long.txt", "the cat sat .\nthe dog sat on the mat on the mat .\n"))),
    Case("text-decode-image-run", r"--decode is for text runs", ["sample", "{run}", "--decode", "beam", "-n", "2"]),
    Case("text-decode-reconstruct-image-run", r"--decode is for text runs",
         ["reconstruct", "{run}", "--decode", "greedy", "-n", "2"]),
    Case("text-beam-width-without-beam", r"--beam-width applies to --decode beam",
         ["interpolate", "{run}", "--beam-width", "3"]),
    Case("text-run-vocabulary-of-another-size", r"vocabulary .*text/vocabulary\.json has 5 tokens but its run was "
         r"trained on \d+: it does not belong to this run",
         ["embed", "{root}/text", "--out", "codes.csv"],
         setup=lambda w: _text_run(w, '{"tokens": ["<pad>", "<unk>", "<s>", "</s>", "the"]}')),
    Case("text-draw-and-decode", r"--draw and --decode both choose", ["sample", "{root}/text", "--draw", "--decode",
                                                                      "beam", "-n", "2"], setup=_text_run),
    Case("text-baseline-image-run", r"--baseline compares a text run", ["evaluate", "{run}", "--baseline", "{run}"]),
    Case("text-denoise-knowing-gaussian-noise", r"undoes noise on values, and a text model's token ids are names",
         ["denoise", "{root}/text", "--noise", "gaussian:0.3", "--out", "clean.npy"], setup=_text_run),
]
