"""Bad inputs to the commands that use a trained run (score, denoise, compress, decompress) and to the anomaly
detector: a setting the command would ignore, outputs that would overwrite each other, data of the wrong kind; each
refused with one line before anything is written."""

from __future__ import annotations

import torch

import vaekit
from bad_inputs.case import Case, Workspace
from vaekit.tasks.compression import compress, decompress


def _table_run(w: Workspace) -> None:
    """A tiny run on a table with a text column, and a .npy of as many columns."""
    import numpy as np

    rows = [f"r{i},{i % 7 + 0.5},{'ab'[i % 2]},{i % 3 * 1.5}" for i in range(40)]
    w.write("table.csv", ",x,kind,y\n" + "\n".join(rows) + "\n")
    vaekit.train({"data": {"source": str(w.path("table.csv"))}, "model": {"latent_dim": 2, "hidden": [8]},
                  "train": {"epochs": 1}}, w.path("table-run"), progress=False, pictures=False)
    np.save(w.path("three.npy"), np.zeros((4, 3), dtype=np.float32))


def _empty_row_with_ids(w: Workspace) -> None:
    w.write("gaps.csv", ",a,b\np1,1.0,2.0\np2,,\np3,3.0,\np4,2.0,1.0\n")
    vaekit.load_dataset(str(w.path("gaps.csv")), missing=True)


def _detector_on_text() -> None:
    import pandas as pd

    frame = pd.DataFrame({"age": [50.0, 61.0, 47.0], "sex": ["F", "M", "F"]})
    vaekit.VAEAnomalyDetector(epochs=1).fit(frame)


def _detector_kind_twice() -> None:
    import numpy as np

    vaekit.VAEAnomalyDetector(score="iw+reconstruction+iw").fit(np.random.default_rng(0).random((20, 3)))

OUT = "{root}/s.csv"


def _binary(w: Workspace) -> tuple[vaekit.VAE, torch.Tensor]:
    return vaekit.load(w.run), (vaekit.load_dataset("digits").test_x[:3] > 0.5).float()

CASES = [
    Case("score-background-without-likelihood-ratio",
         r"--background is read only by the likelihood_ratio score, not by iw",
         ["score", "{run}", "--kind", "iw", "--background", "{run}", "--out", OUT]),
    Case("denoise-noisy-out-is-out", r"--out and --noisy-out both name .*same\.npy: one would overwrite",
         ["denoise", "{run}", "--add-noise", "gaussian:0.3", "--noisy-out", "{root}/same.npy", "--out",
          "{root}/./same.npy"]),
    Case("compress-output-not-vkz", r"x\.npy: choose an output ending in \.vkz",
         ["compress", "{run}", "--out", "{root}/x.npy"]),
    Case("compress-negative-seed", r"--seed must be at least 0, got -1",
         ["compress", "{run}", "--seed", "-1", "--out", "{root}/x.vkz"]),
    Case("compress-api-negative-seed", r"seed must be between 0 and 2\*\*63 - 1, got -1",
         api=lambda w: compress(*_binary(w), seed=-1)),
    Case("decompress-api-file-name", r"decompress takes the compressed bytes, got str; .*read_bytes",
         api=lambda w: decompress(vaekit.load(w.run), "x.vkz")),
    Case("detector-text-column", r"VAEAnomalyDetector takes numbers; code categories as numbers first",
         api=lambda w: _detector_on_text()),
    Case("detector-score-kind-twice", r"a score kind is named twice in 'iw\+reconstruction\+iw'",
         api=lambda w: _detector_kind_twice()),
    Case("table-run-given-an-array", r"three\.npy is not a \.csv or \.parquet table, but this run was trained "
         r"on a table \(x, kind, y\)", ["score", "{root}/table-run", "--data", "{root}/three.npy", "--out", OUT],
         setup=_table_run),
    Case("empty-row-id-plain", r"every value of the example at id 'p2' of",
         api=_empty_row_with_ids, changes=("gaps.csv",)),
]
