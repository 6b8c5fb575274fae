"""Outputs that would lose the input's order or extent, and evaluations that would pass for what they did not
measure: a --split of data that has none of its own, an id column that does not identify rows, an evaluation
written over the run's own, and a stale evaluation shown as current."""

from __future__ import annotations

import json

import numpy as np
from PIL import Image

from bad_inputs.case import Case, Workspace

HELD = "{root}/held.npz"


def held(w: Workspace) -> None:
    """300 digit-shaped examples with labels, a file with no split of its own."""
    rng = np.random.default_rng(0)
    np.savez(w.path("held.npz"), x=rng.random((300, 1, 8, 8), dtype=np.float32), y=rng.integers(0, 10, 300))


def faces(w: Workspace) -> None:
    w.path("faces").mkdir()
    for i in range(4):
        Image.fromarray(np.full((8, 8), 40 * i, dtype=np.uint8), mode="L").save(w.path(f"faces/{i}.png"))


def pixel_table(index: list[str]) -> str:
    """A CSV as pandas writes it with its index (an unnamed first column), 64 pixel columns."""
    header = "," + ",".join(f"p{j}" for j in range(64))
    rows = [f"{name}," + ",".join(str((i * 7 + j) % 17 / 16) for j in range(64)) for i, name in enumerate(index)]
    return "\n".join([header, *rows]) + "\n"


def evaluation(w: Workspace, **fields: object) -> None:
    """A run's evaluation.json as compare reads it, with the given provenance fields."""
    body = {"neg_elbo": {"mean": 40.0, "se": 0.1}, "split": "test", "examples": 180, "k": 5, "data": "digits",
            **fields}
    w.write("run/evaluation.json", json.dumps(body))


CASES = [
    Case("embed-split-of-a-file-without-one", r"held\.npz has no train/test split of its own.*leave out --split",
         ["embed", "{run}", "--data", HELD, "--split", "train", "--out", "{root}/z.npy"], setup=held),
    Case("evaluate-split-of-a-file-without-one", r"held\.npz has no train/test split of its own",
         ["evaluate", "{run}", "--k", "2", "--data", HELD, "--split", "test"], setup=held),
    Case("reconstruct-split-of-a-file-without-one", r"held\.npz .*used whole, in its order",
         ["reconstruct", "{run}", "--data", HELD, "--split", "test", "--out", "{root}/r.png"], setup=held),
    Case("interpolate-split-of-a-file-without-one", r"leave out --split train",
         ["interpolate", "{run}", "--data", HELD, "--split", "train", "--out", "{root}/i.png"], setup=held),
    Case("plot-latent-split-of-a-file-without-one", r"held\.npz has no train/test split",
         ["plot", "latent", "{run}", "--data", HELD, "--split", "test", "--out", "{root}/l.png"], setup=held),
    Case("plot-reconstructions-split-of-a-file-without-one", r"held\.npz has no train/test split",
         ["plot", "reconstructions", "{run}", "--data", HELD, "--split", "train", "--out", "{root}/r.png"],
         setup=held),
    Case("embed-split-of-an-image-folder", r"faces has no train/test split of its own",
         ["embed", "{run}", "--data", "{root}/faces", "--split", "test", "--out", "{root}/z.csv"], setup=faces),
    Case("interpolate-index-past-the-whole-file", r"example index 400 is out of range: .*held\.npz has 300 examples",
         ["interpolate", "{run}", "--data", HELD, "--from", "400", "--out", "{root}/i.png"], setup=held),
    Case("embed-table-with-a-repeated-id", r"unnamed first column \(the index\) of .*t\.csv repeats the id 'b'",
         ["embed", "{run}", "--data", "{root}/t.csv", "--out", "{root}/z.csv"],
         setup=lambda w: w.write("t.csv", pixel_table(["a", "b", "c", "b"]))),
    Case("embed-table-with-a-missing-id", r"index\) of .*t\.csv has 1 missing ids.*give every row an id",
         ["embed", "{run}", "--data", "{root}/t.csv", "--out", "{root}/z.csv"],
         setup=lambda w: w.write("t.csv", pixel_table(["a", "", "c"]))),
    Case("evaluate-out-not-json", r"written as JSON; choose a name ending in \.json",
         ["evaluate", "{run}", "--k", "2", "--data", HELD, "--out", "{root}/held.txt"], setup=held),
    Case("evaluate-other-data-over-the-runs-own-evaluation",
         r"evaluation\.json holds the run's own test-split evaluation.*write this one elsewhere",
         ["evaluate", "{run}", "--k", "2", "--data", HELD, "--out", "{run}/evaluation.json"], setup=held),
    Case("evaluate-train-split-over-the-runs-own-evaluation", r"holds the run's own test-split evaluation",
         ["evaluate", "{run}", "--k", "2", "--split", "train", "--out", "{run}/evaluation.json"]),
    Case("compare-evaluation-that-records-no-weights",
         r"evaluation\.json is stale: it does not record which weights.*run `vaekit evaluate .*run` to refresh",
         ["compare", "{run}"], setup=evaluation),
    Case("compare-evaluation-of-other-weights",
         r"evaluation\.json is stale: it measured other weights than the run's model\.safetensors.*vaekit evaluate",
         ["compare", "{run}"], setup=lambda w: evaluation(w, weights_sha256="0" * 64)),
    Case("compare-evaluation-of-a-run-without-weights", r"is stale: the run has no model\.safetensors any more",
         ["compare", "{run}"],
         setup=lambda w: (evaluation(w, weights_sha256="0" * 64), w.path("run/model.safetensors").unlink())),
]
