"""`vaekit score --map` and score_map: a kind with no per-entry form, bad counts; `vaekit score --alarm-rate`
without calibration data or with a rate outside (0, 1): each refused before anything is written."""

from __future__ import annotations

import torch

import vaekit
from bad_inputs.case import Case, Workspace
from vaekit.tasks.scoring.maps import score_map

OUT = "{root}/s.csv"


def _digits(w: Workspace) -> tuple[vaekit.VAE, torch.Tensor]:
    return vaekit.load(w.run), vaekit.load_dataset("digits").test_x[:5]


CASES = [
    Case("map-of-the-rate", r"the rate score is a number of the whole example, with no share per entry .* a map "
         r"takes elbo, iw, reconstruction", ["score", "{run}", "--kind", "iw,rate", "--map", "--out", OUT]),
    Case("map-api-of-complexity", r"the complexity score is a number of the whole example",
         api=lambda w: score_map(*_digits(w), kind="complexity")),
    Case("map-api-unknown-kind", r"unknown score kind 'pixels'", api=lambda w: score_map(*_digits(w), kind="pixels")),
    Case("map-api-batch-size-zero", r"batch_size must be a whole number of at least 1, got 0",
         api=lambda w: score_map(*_digits(w), kind="iw", batch_size=0)),
    Case("map-api-k-zero", r"k must be a whole number of at least 1, got 0",
         api=lambda w: score_map(*_digits(w), kind="iw", k=0)),
    Case("score-alarm-rate-without-calibration", r"--alarm-rate needs calibration data: --calibration DATA",
         ["score", "{run}", "--alarm-rate", "0.01", "--out", OUT]),
    Case("score-alarm-rate-above-one", r"alarm rate must be a number between 0 and 1 \(exclusive\)",
         ["score", "{run}", "--alarm-rate", "1.5", "--calibration", "test", "--out", OUT]),
    Case("score-alarm-rate-too-low-for-the-calibration-rows", r"needs at least 999 calibration rows",
         ["score", "{run}", "--kind", "rate", "--split", "train", "--alarm-rate", "0.001", "--calibration", "test",
          "--out", OUT]),
    Case("score-calibration-on-the-scored-rows", r"--calibration test calibrates on the run's test split, which is "
         r"also the split scored here", ["score", "{run}", "--alarm-rate", "0.05", "--calibration", "test",
                                         "--out", OUT]),
    Case("score-calibration-missing-file", r"no dataset named .*nothing\.npz.* and no such file",
         ["score", "{run}", "--calibration", "{root}/nothing.npz", "--out", OUT]),
    Case("score-calibration-on-the-training-data", r"--calibration digits is the data this run trained on",
         ["score", "{run}", "--calibration", "digits", "--alarm-rate", "0.05", "--out", OUT]),
]
