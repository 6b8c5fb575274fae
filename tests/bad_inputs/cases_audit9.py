"""Bad inputs an audit of issue 9's commands found accepted or mishandled: a setting that the command would
ignore, and the like; each now refused with one line before anything is written."""

from __future__ import annotations

import torch

import vaekit
from bad_inputs.case import Case, Workspace
from vaekit.compression import compress, decompress


def _detector_on_text() -> None:
    import pandas as pd

    frame = pd.DataFrame({"age": [50.0, 61.0, 47.0], "sex": ["F", "M", "F"]})
    vaekit.VAEAnomalyDetector(epochs=1).fit(frame)

OUT = "{root}/s.csv"


def _binary(w: Workspace) -> tuple[vaekit.VAE, torch.Tensor]:
    return vaekit.load(w.run), (vaekit.load_dataset("digits").test_x[:3] > 0.5).float()

CASES = [
    Case("audit-score-background-without-likelihood-ratio",
         r"--background is read only by the likelihood_ratio score, not by iw",
         ["score", "{run}", "--kind", "iw", "--background", "{run}", "--out", OUT]),
    Case("audit-denoise-noisy-out-is-out", r"--out and --noisy-out both name .*same\.npy: one would overwrite",
         ["denoise", "{run}", "--add-noise", "gaussian:0.3", "--noisy-out", "{root}/same.npy", "--out",
          "{root}/./same.npy"]),
    Case("audit-compress-output-not-vkz", r"x\.npy: choose an output ending in \.vkz",
         ["compress", "{run}", "--out", "{root}/x.npy"]),
    Case("audit-compress-negative-seed", r"--seed must be at least 0, got -1",
         ["compress", "{run}", "--seed", "-1", "--out", "{root}/x.vkz"]),
    Case("audit-compress-api-negative-seed", r"seed must be a whole number 0 or more, got -1",
         api=lambda w: compress(*_binary(w), seed=-1)),
    Case("audit-decompress-api-file-name", r"decompress takes the compressed bytes, got str; .*read_bytes",
         api=lambda w: decompress(vaekit.load(w.run), "x.vkz")),
    Case("audit-detector-text-column", r"VAEAnomalyDetector takes numbers; code categories as numbers first",
         api=lambda w: _detector_on_text()),
]
