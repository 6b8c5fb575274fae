"""Sizes nobody bounded and answers that were not complete (issue 22, must-haves 2 and 3): counts of steps,
samples, draws, tokens, vocabulary words and frames past a picture or this machine's memory; imputations of values
far outside the training data, written with holes; one output of a call written over another's ids; recordings of
NaN samples or at 1 Hz. Memory cases stand in a small machine (host_memory patched), so they cost nothing."""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from click.testing import CliRunner

from bad_inputs.case import Case, Workspace, copy_run
from bad_inputs.cases_text import _text_run
from vaekit.cli import main
from wav_files import tone, write_wav

NEW = ["--epochs", "1", "--out", "{root}/new"]
LINES = "The cat sat on the mat.\nA dog ran.\nThe dog sat.\n" * 4


def _memory(gb: float):  # type: ignore[no-untyped-def]
    """A setup that makes this machine look as if it had `gb` GB of memory."""
    return lambda w: w.monkeypatch.setattr("vaekit.core.system.host_memory", lambda: int(gb * 1e9))


def _table(rows: int = 120, mixed: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"age": rng.normal(50, 10, rows), "bmi": rng.normal(26, 4, rows),
                          "bp": rng.normal(90, 12, rows)})
    if mixed:
        table["sex"] = np.where(rng.random(rows) < 0.5, "female", "male")
    table.loc[rng.random(rows) < 0.1, "bp"] = np.nan
    return table


@functools.cache
def _trained_table_run(mixed: bool) -> Path:
    """A tiny table run (Gaussian and standardized; or mixed, with a categorical column), trained once."""
    folder = Path(tempfile.mkdtemp(prefix="vaekit-sizes-case-"))
    _table(mixed=mixed).to_csv(folder / "table.csv", index=False)
    result = CliRunner().invoke(main, ["train", "--data", str(folder / "table.csv"), "--missing", "model",
                                       "--latent-dim", "2", "--hidden", "16", "--epochs", "1", "--out",
                                       str(folder / "run"), "--quiet"])
    assert result.exit_code == 0, result.output
    return folder / "run"


def _far_table(value: float, mixed: bool = False):  # type: ignore[no-untyped-def]
    """A table run in the workspace (table/), and gaps.csv: its rows with `value` in row 3's bmi."""

    def setup(w: Workspace) -> None:
        copy_run(_trained_table_run(mixed), w.path("table"))
        table = _table(mixed=mixed)
        table.loc[3, "bmi"] = value
        table.to_csv(w.path("gaps.csv"), index=False)

    return setup


@functools.cache
def _fitted_imputer():  # type: ignore[no-untyped-def]
    from vaekit import VAEImputer

    x = _table()[["age", "bmi", "bp"]].to_numpy(np.float32)
    return VAEImputer(epochs=1, k=20).fit(x)


def _transform_far() -> None:
    x = np.array(_table()[["age", "bmi", "bp"]], dtype=np.float32)  # a copy that can be written
    x[3, 1] = 1e20
    _fitted_imputer().transform(x)


def _lines(w: Workspace) -> None:
    w.write("lines.txt", LINES)


def _many_words(w: Workspace) -> None:
    """20,000 different words, 20 a line: a vocabulary of 20,004 tokens with --min-count 1."""
    words = [f"w{i}" for i in range(20_000)]
    w.write("words.txt", "\n".join(" ".join(words[i:i + 20]) for i in range(0, len(words), 20)) + "\n")


def _clips(w: Workspace) -> None:
    for index in range(3):
        write_wav(w.path(f"clips/{index}.wav"), tone(8000, 0.2, 400.0 + 100 * index), 8000)


def _nan_clip(w: Workspace) -> None:
    import soundfile

    _clips(w)
    soundfile.write(w.path("clips/nan.wav"), np.full(800, np.nan, np.float32), 8000, subtype="FLOAT")


def _one_hertz_clip(w: Workspace) -> None:
    import soundfile

    _clips(w)
    soundfile.write(w.path("clips/slow.wav"), np.zeros(40, np.float32), 1, subtype="PCM_16")


def _both(*setups):  # type: ignore[no-untyped-def]
    return lambda w: [setup(w) for setup in setups]


PICTURE = r"a picture shows at most 4,096; ask for fewer, or write \.npy for more"
CASES = [
    # pictures: a fixed most of tiles, whatever the memory
    Case("size-traversal-steps-past-a-picture", r"--dims 10 --steps 100000: a picture of 200,000 traversal images "
         r"is too large .*" + PICTURE, ["plot", "traversals", "{run}", "--steps", "100000", "--out", "{root}/t.png"]),
    Case("size-traversal-row-too-wide", r"--steps 600: a picture row of 600 traversal images is too wide: a row "
         r"shows at most 512", ["plot", "traversals", "{run}", "--dims", "1", "--steps", "600", "--out",
                                "{root}/t.png"]),
    Case("size-sample-a-million-into-a-picture", r"-n 1000000: a picture of 1,000,000 samples is too large .*"
         + PICTURE, ["sample", "{run}", "-n", "1000000", "--out", "{root}/s.png"]),
    Case("size-interpolate-steps-past-a-picture", r"--steps 100000: a picture of 100,002 interpolation steps .*"
         + PICTURE, ["interpolate", "{run}", "--steps", "100000", "--out", "{root}/i.png"]),
    Case("size-manifold-steps-past-a-picture", r"--steps 1000: a picture of 1,000,000 manifold images .*" + PICTURE,
         ["plot", "manifold", "{run}", "--steps", "1000", "--out", "{root}/m.png"]),
    Case("size-plot-samples-past-a-picture", r"-n 5000: a picture of 5,000 samples is too large",
         ["plot", "samples", "{run}", "-n", "5000", "--out", "{root}/p.png"]),
    Case("size-inpaint-count-past-a-picture", r"-n 5000: a picture of 5,391 tiles \(masked, inpainted and original",
         ["inpaint", "{run}", "--mask", "lower-half", "-n", "5000", "--split", "all", "--out", "{root}/p.png"]),
    Case("size-denoise-count-past-a-picture", r"-n 2000: a picture of 5,391 tiles \(noisy, denoised and clean",
         ["denoise", "{run}", "--add-noise", "gaussian:0.3", "--split", "all", "-n", "2000", "--out",
          "{root}/d.png"]),
    Case("size-reconstruct-picture-past-memory", r"-n 5000: a picture of 3,594 tiles .*this machine has 0\.2 GB\): "
         r"a picture shows at most 488", ["reconstruct", "{run}", "-n", "5000", "--split", "all", "--out",
                                             "{root}/r.png"], setup=_memory(0.2)),
    # arrays: as many as memory holds
    Case("size-sample-npy-past-memory", r"-n 100000000: 100,000,000 samples need about 128\.0 GB to decode \(1,280 "
         r"bytes each: the examples of shape \(1, 8, 8\) .*more than half of the 2\.0 GB of this machine's memory",
         ["sample", "{run}", "-n", "100000000", "--out", "{root}/s.npy"], setup=_memory(2)),
    Case("size-interpolate-npy-past-memory", r"--steps 100000000: 100,000,000 interpolation steps need about 128\.0 GB",
         ["interpolate", "{run}", "--steps", "100000000", "--out", "{root}/i.npy"], setup=_memory(2)),
    Case("size-sample-text-past-memory", r"-n 100000000: 100,000,000 samples need about \d+\.\d GB to decode .*shape "
         r"\(\d+,\).*more than half of the 2\.0 GB", ["sample", "{root}/text", "-n", "100000000", "--out",
                                                       "{root}/t.txt"], setup=_both(_text_run, _memory(2))),
    Case("size-impute-draws-past-memory", r"--draws 1000000: 120,000,000 imputed examples of shape \(3,\) \(3 floats "
         r"an element\) need 4\.3 GB, more than the 1\.0 GB", ["impute", "{root}/table", "--data", "{root}/gaps.csv",
                                                              "--draws", "1000000", "--out", "{root}/f.npy"],
         setup=_both(_far_table(30.0), _memory(1))),
    Case("size-impute-draws-as-a-table-past-memory", r"--draws 100000: 12,000,000 imputed rows written as a table of "
         r"shape \(3,\) \(40 floats an element\) need 5\.8 GB", ["impute", "{root}/table", "--data", "{root}/gaps.csv",
                                                                  "--draws", "100000", "--out", "{root}/f.csv"],
         setup=_both(_far_table(30.0), _memory(1))),
    Case("size-impute-k-past-memory", r"--k 1000000000: 1,000,000,000 decoded draws of one example .* need 36\.0 GB",
         ["impute", "{root}/table", "--data", "{root}/gaps.csv", "--k", "1000000000", "--out", "{root}/f.csv"],
         setup=_both(_far_table(30.0), _memory(1))),
    # text: the ids, and the logits of length x vocabulary that training holds for a batch
    Case("size-text-max-length-past-memory", r"needs at least .*1,000,001 tokens a sentence x 13 logits each "
         r"\(the vocabulary\).*--max-length", ["train", "--data", "{root}/lines.txt", "--max-length", "1000000", *NEW],
         setup=_both(_lines, _memory(0.2))),
    Case("size-text-ids-past-memory", r"lines\.txt: 12 examples padded to max_length 1,000,000 \(--max-length\) "
         r"need 0\.05 GB of token ids, more than the 0\.02 GB", ["train", "--data", "{root}/lines.txt",
                                                                  "--max-length", "1000000", *NEW],
         setup=_both(_lines, _memory(0.02))),
    Case("size-text-vocabulary-past-memory", r"x 18,0\d\d logits each \(the vocabulary\).*--max-vocabulary",
         ["train", "--data", "{root}/words.txt", "--min-count", "1", *NEW], setup=_both(_many_words, _memory(0.2))),
    # audio: headers before samples, and samples that are numbers
    Case("size-audio-nan-samples", r"nan\.wav holds 800 samples that are not numbers \(NaN or infinite\)",
         ["train", "--data", "{root}/clips", *NEW], setup=_nan_clip),
    Case("size-audio-one-hertz-among-8-khz", r"slow\.wav is recorded at 1 Hz, below the 1000 Hz",
         ["train", "--data", "{root}/clips", *NEW], setup=_one_hertz_clip),
    Case("size-audio-samples-past-memory", r"the 3 recordings hold 0\.0 GB of samples \(the largest, .*\.wav, "
         r"1,600\), more than", ["train", "--data", "{root}/clips", *NEW], setup=_both(_clips, _memory(1e-5))),
    Case("size-audio-window-past-bound", r"n_fft \(1,000,000,000\) is past the 16,384 samples a window may hold",
         ["train", "--data", "{root}/clips", "--n-fft", "1000000000", *NEW], setup=_clips),
    Case("size-audio-mel-bands-past-the-bins", r"1,000,000 mel bands are more than the 8,193 frequency bins of the "
         r"largest window", ["train", "--data", "{root}/clips", "--n-mels", "1000000", *NEW], setup=_clips),
    # answers with holes
    Case("complete-impute-value-1e20", r"row 3 has 1e\+20 in bmi, 2\.\d+e\+19 training standard deviations .*mark "
         r"it missing", ["impute", "{root}/table", "--data", "{root}/gaps.csv", "--out", "{root}/f.csv"],
         setup=_far_table(1e20)),
    Case("complete-impute-value-minus-1e30-mixed", r"row 3 has -1e\+30 in bmi, .* training standard deviations",
         ["impute", "{root}/table", "--data", "{root}/gaps.csv", "--out", "{root}/f.npy"],
         setup=_far_table(-1e30, mixed=True)),
    Case("complete-imputer-transform-1e20", r"row 3 \(0-based\) has 1e\+20 in column 1",
         api=lambda w: _transform_far()),
    Case("complete-denoise-noisy-out-over-the-ids", r"--out .*a\.npy and --noisy-out .*a-ids\.npy would both write "
         r".*a-ids\.npy.*give names apart", ["denoise", "{run}", "--add-noise", "gaussian:0.3", "--out",
                                            "{root}/a.npy", "--noisy-out", "{root}/a-ids.npy"]),
    Case("complete-denoise-out-over-the-noisy-ids", r"would both write .*a-ids\.npy",
         ["denoise", "{run}", "--add-noise", "gaussian:0.3", "--out", "{root}/a-ids.npy", "--noisy-out",
          "{root}/a.npy"]),
]
