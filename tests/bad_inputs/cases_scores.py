"""`vaekit score` and model.score: data of another shape, a kind the run cannot give, a background model of other
data, counts below 1, unknown kinds and outputs, each refused before anything is written."""

from __future__ import annotations

import numpy as np
import torch

import vaekit
from bad_inputs.case import Case, Workspace
from vaekit.tasks.scoring import score

OUT = "{root}/s.csv"


def small_images(w: Workspace) -> None:
    np.savez(w.path("small.npz"), x=np.random.default_rng(0).random((5, 1, 4, 4), dtype=np.float32))


def vector_run(w: Workspace) -> None:
    """A tiny run on a 5-column table: a background of another shape."""
    rows = np.random.default_rng(0).normal(size=(60, 5))
    w.write("table.csv", "a,b,c,d,e\n" + "\n".join(",".join(f"{v:.4f}" for v in row) for row in rows) + "\n")
    vaekit.train({"data": {"source": str(w.path("table.csv"))}, "model": {"latent_dim": 2, "hidden": [8]},
                  "train": {"epochs": 1}}, w.path("table-run"), progress=False, pictures=False)


def _digits(w: Workspace) -> tuple[vaekit.VAE, torch.Tensor]:
    return vaekit.load(w.run), vaekit.load_dataset("digits").test_x[:5]


def _table_model() -> vaekit.VAE:
    return vaekit.build_model(vaekit.ModelConfig(latent_dim=2, hidden=[8]), (5,), "vector")


CASES = [
    Case("score-data-of-another-shape", r"examples of shape \[1, 4, 4\] but the model .* takes \[1, 8, 8\]",
         ["score", "{run}", "--data", "{root}/small.npz", "--out", OUT], setup=small_images),
    Case("score-likelihood-ratio-without-background", r"likelihood_ratio score .* give one \(--background RUN",
         ["score", "{run}", "--kind", "iw,likelihood_ratio", "--out", OUT]),
    Case("score-complexity-of-a-table", r"complexity score is for images .* vectors of shape \[5\]",
         api=lambda w: score(_table_model(), torch.zeros(3, 5), kind="complexity")),
    Case("score-background-of-another-shape", r"background model takes examples of shape \[5\] but the model "
         r"takes \[1, 8, 8\]", ["score", "{run}", "--kind", "likelihood_ratio", "--background",
                                "{root}/table-run", "--out", OUT], setup=vector_run),
    Case("score-api-background-of-another-shape", r"background model takes examples of shape \[5\]",
         api=lambda w: score(_digits(w)[0], _digits(w)[1], kind="likelihood_ratio", background=_table_model())),
    Case("score-k-zero", r"--k must be at least 1, got 0", ["score", "{run}", "--k", "0", "--out", OUT]),
    Case("score-api-k-zero", r"k must be a whole number of at least 1, got 0",
         api=lambda w: score(_digits(w)[0], _digits(w)[1], kind="iw", k=0)),
    Case("score-samples-zero", r"--samples must be at least 1", ["score", "{run}", "--samples", "0", "--out", OUT]),
    Case("score-unknown-kind", r"unknown score kind 'density'; choose one of: complexity, elbo, iw",
         ["score", "{run}", "--kind", "iw,density", "--out", OUT]),
    Case("score-kind-named-twice", r"a score kind is named twice", ["score", "{run}", "--kind", "iw,iw"]),
    Case("score-empty-kind", r"give score kinds as names separated by commas", ["score", "{run}", "--kind", "iw,"]),
    Case("score-api-several-kinds-to-score", r"score takes one kind \(use score_many",
         api=lambda w: score(_digits(w)[0], _digits(w)[1], kind="iw,rate")),
    Case("score-output-of-unknown-suffix", r"s\.txt: choose an output ending in \.csv, \.parquet or \.npy",
         ["score", "{run}", "--out", "{root}/s.txt"]),
    Case("score-api-wrong-shape", r"x must have shape \(N, 1, 8, 8\)",
         api=lambda w: score(_digits(w)[0], torch.zeros(3, 64), kind="rate")),
]
