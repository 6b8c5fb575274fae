"""Missing values: NaN data without --missing model, rows and columns with nothing observed, masks that do not fit
the images, and imputation settings that ask for nothing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from bad_inputs.case import Case, Workspace
from vaekit.runs.run import load
from vaekit.tasks.imputation import impute

NEW = ["--epochs", "1", "--out", "{root}/new"]


def _gappy(w: Workspace, blank_row: bool = False, blank_column: bool = False) -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=30), "b": rng.normal(size=30), "c": rng.normal(size=30)})
    frame = frame.mask(rng.random(frame.shape) < 0.2)
    if blank_row:
        frame.iloc[4] = np.nan
    if blank_column:
        frame["b"] = np.nan
    frame.to_csv(w.path("gaps.csv"), index=False)


def _digit_gaps(w: Workspace, blank_row: bool = False) -> None:
    x = np.random.default_rng(0).random((10, 1, 8, 8), dtype=np.float32)
    x[x < 0.3] = np.nan
    if blank_row:
        x[2] = np.nan
    np.save(w.path("gaps.npy"), x)


def _api_impute(w: Workspace, **settings: object) -> object:
    x = torch.rand(3, 1, 8, 8)
    x[:, :, :4] = float("nan")
    return impute(load(w.run), x, **settings)


CASES = [
    Case("nan-table-missing-refused", r"column 'a' .* missing values .*--missing model",
         ["train", "--data", "{root}/gaps.csv", *NEW], setup=_gappy),
    Case("nan-array-missing-refused", r"contains NaN or infinite values.*--missing model",
         ["train", "--data", "{root}/gaps.npy", *NEW], setup=_digit_gaps),
    Case("missing-row-all-missing", r"every value of the example at data row 5 .* is missing.*drop",
         ["train", "--data", "{root}/gaps.csv", "--missing", "model", *NEW],
         setup=lambda w: _gappy(w, blank_row=True)),
    Case("missing-column-all-missing", r"every value of column 'b' .* is missing.*drop it",
         ["train", "--data", "{root}/gaps.csv", "--missing", "model", "--column-types", "b:continuous", *NEW],
         setup=lambda w: _gappy(w, blank_column=True)),
    Case("impute-example-all-missing", r"every value of the example at data row 3 .* is missing",
         ["impute", "{run}", "--data", "{root}/gaps.npy", "--out", "{root}/filled.npy"],
         setup=lambda w: _digit_gaps(w, blank_row=True)),
    Case("impute-draws-zero", r"--draws must be at least 1, got 0",
         ["impute", "{run}", "--data", "{root}/gaps.npy", "--draws", "0", "--out", "{root}/filled.npy"],
         setup=_digit_gaps),
    Case("impute-k-zero", r"--k must be at least 1, got 0",
         ["impute", "{run}", "--data", "{root}/gaps.npy", "--k", "0", "--out", "{root}/filled.npy"],
         setup=_digit_gaps),
    Case("impute-output-picture", r"filled\.png: choose an output ending in \.csv, \.parquet or \.npy",
         ["impute", "{run}", "--data", "{root}/gaps.npy", "--out", "{root}/filled.png"], setup=_digit_gaps),
    Case("inpaint-mask-wrong-size", r"--mask .*mask\.npy has shape \(28, 28\), but the images are 8x8",
         ["inpaint", "{run}", "--mask", "{root}/mask.npy", "--out", "{root}/i.png"],
         setup=lambda w: np.save(w.path("mask.npy"), np.ones((28, 28), dtype=bool))),
    Case("inpaint-mask-unknown", r"--mask bottom: not lower-half, .*random:P",
         ["inpaint", "{run}", "--mask", "bottom", "--out", "{root}/i.png"]),
    Case("inpaint-mask-random-share", r"random:P needs a share P between 0 and 1",
         ["inpaint", "{run}", "--mask", "random:1.5", "--out", "{root}/i.png"]),
    Case("inpaint-method-encoder-of-a-model-without-the-mask",
         r"method encoder trusts q\(z \| x_obs\) alone, which only a model of missing values reads",
         ["inpaint", "{run}", "--mask", "lower-half", "--method", "encoder", "--out", "{root}/i.png"]),
    Case("inpaint-output-not-png", r"i\.npy: the inpainting picture is a \.png",
         ["inpaint", "{run}", "--mask", "lower-half", "--out", "{root}/i.npy"]),
    Case("api-impute-draws-zero", r"draws must be at least 1, got 0", api=lambda w: _api_impute(w, draws=0)),
    Case("api-impute-method-unknown", r"method must be one of importance, gibbs, metropolis",
         api=lambda w: _api_impute(w, method="mice")),
    Case("api-impute-infinite", r"infinite", api=lambda w: impute(load(w.run), torch.full((2, 1, 8, 8),
                                                                                       float("inf")))),
]
