"""Bad sequence inputs: a series with NaN inside it (a hole, or a step with some channels missing), an empty
series, a series file that is not there or not .npy; a vocabulary-requiring likelihood, a sequence network or a
language model on images; and through the Python API an unknown decoding strategy, a beam of width 0 and a beam
search of a real-valued series."""

from __future__ import annotations

import numpy as np
import torch

from bad_inputs.case import Case, Workspace
from vaekit.config import ModelConfig
from vaekit.model.build import build_model

TRAIN = ["train", "--epochs", "1", "--out", "{root}/new"]
SERIES = ["train", "--network", "rnn", "--epochs", "1", "--out", "{root}/new", "--data"]


def _series(w: Workspace, name: str, holes: list[tuple[int, int, slice]]) -> None:
    values = np.random.default_rng(0).normal(size=(6, 5, 2)).astype(np.float32)
    values[0, 3:] = np.nan  # trailing padding: fine
    for row, step, channels in holes:
        values[row, step, channels] = np.nan
    np.save(w.path(name), values)


def _text_decoding(strategy: str, beam_width: int = 5) -> None:
    model = build_model(ModelConfig(latent_dim=2, network="rnn", rnn_hidden=4, embedding_dim=3), (5,), "text",
                        vocabulary_size=7)
    model.decode(torch.zeros(1, 2)).decode(strategy, beam_width=beam_width)


def _series_beam() -> None:
    model = build_model(ModelConfig(latent_dim=2, network="rnn", rnn_hidden=4), (5, 2), "series")
    model.decode(torch.zeros(1, 2)).decode("beam")


CASES = [
    Case("series-nan-inside", r"series 1 has an all-NaN step 2 before a real one; .*fill missing values",
         [*SERIES, "series:path={root}/holes.npy"], setup=lambda w: _series(w, "holes.npy", [(1, 2, slice(None))])),
    Case("series-nan-in-some-channels", r"series 2 has NaN in some channels of step 1",
         [*SERIES, "series:path={root}/partial.npy"], setup=lambda w: _series(w, "partial.npy", [(2, 1, slice(0, 1))])),
    Case("series-empty", r"series 4 is empty \(every step NaN\); drop it",
         [*SERIES, "series:path={root}/empty.npy"], setup=lambda w: _series(w, "empty.npy", [(4, 0, slice(None)),
                                                                                          (4, 1, slice(None)),
                                                                                          (4, 2, slice(None)),
                                                                                          (4, 3, slice(None)),
                                                                                          (4, 4, slice(None))])),
    Case("series-file-missing", r"series file .*absent\.npy does not exist", [*SERIES, "series:path=absent.npy"]),
    Case("series-not-npy", r"series data come from a \.npy file \(N, T, C\) or a \.csv/\.parquet table .*"
         r"write --data series:path=FILE\.npy", [*SERIES, "series:path={root}/values.txt"],
         setup=lambda w: w.write("values.txt", "1,2\n3,4\n")),
    Case("series-setting-unknown", r"series: cannot read the setting 'file=x\.npy'; .*path=",
         [*SERIES, "series:file=x.npy"]),
    Case("autoregressive-on-images", r"the autoregressive likelihood needs data in token ids \(whole numbers 0\.\.V-1 "
         r"of a vocabulary: text data\), but digits spans",
         [*TRAIN, "--data", "digits", "--network", "rnn", "--likelihood", "autoregressive"]),
    Case("rnn-on-images", r"the rnn network and the bernoulli likelihood do not go together: .*autoregressive",
         [*TRAIN, "--data", "digits", "--network", "rnn"]),
    Case("language-model-on-images", r"language_model is the autoregressive decoder without a latent code: it needs "
         r"text or series data", [*TRAIN, "--data", "digits", "--language-model"]),
    Case("word-dropout-above-one", r"word_dropout is a share of tokens, between 0 and 1; got 1\.5",
         [*TRAIN, "--data", "digits", "--word-dropout", "1.5"]),
    Case("decode-unknown-strategy", r"unknown decoding strategy 'nucleus'; choose one of: greedy, sample, beam",
         api=lambda w: _text_decoding("nucleus")),
    Case("decode-beam-width-zero", r"beam_width must be at least 1, got 0", api=lambda w: _text_decoding("beam", 0)),
    Case("decode-beam-of-a-series", r"a real-valued series decodes greedy or sample, not 'beam'",
         api=lambda w: _series_beam()),
]
