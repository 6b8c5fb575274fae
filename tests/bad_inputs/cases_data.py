"""Sizes beyond any machine, inputs that used to crash, and command-line details (issue 8, items 4, 5 and 8)."""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import torch
from click.testing import CliRunner
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from bad_inputs.case import Case, Workspace
from vaekit.cli import main
from vaekit.data import Dataset

NEW = ["--epochs", "1", "--out", "{root}/new"]


def _vectors(w: Workspace, name: str, labels: np.ndarray | None = None) -> None:
    x = np.random.default_rng(0).random((40, 5), dtype=np.float32)
    buffer = w.path(name)
    if labels is None:
        np.save(buffer, x)
    else:
        np.savez(buffer, x=x, y=labels)


def _huge_labels(w: Workspace) -> None:
    labels = np.arange(40) % 3
    labels[7] = 10**9
    _vectors(w, "labels.npz", labels)


def _table(w: Workspace, name: str, extra: dict[str, list]) -> None:
    n = len(next(iter(extra.values())))
    frame = pd.DataFrame({"a": np.arange(n) * 1.5, "b": np.arange(n) % 3 * 1.0, **extra})
    if name.endswith(".parquet"):
        frame.to_parquet(w.path(name))
    else:
        frame.to_csv(w.path(name), index=False)


def _junk_number(w: Workspace) -> None:
    ages = [str(20 + i * 1.5) for i in range(30)]
    ages[17] = "abc"
    _table(w, "people.csv", {"age": ages})


def _run_data(w: Workspace, **changes: object) -> None:
    path = w.run / "config.json"
    saved = json.loads(path.read_text())
    saved["data"].update(changes)
    path.write_text(json.dumps(saved))


def _nan_weights(w: Workspace) -> None:
    path = w.run / "model.safetensors"
    tensors = load_file(str(path))
    name = next(key for key, value in tensors.items() if value.is_floating_point() and value.ndim == 2)
    tensors[name] = torch.full_like(tensors[name], float("nan"))
    save_file(tensors, str(path))


def _checkpoint_counters(w: Workspace, epoch: int) -> None:
    path = w.run / "checkpoint.safetensors"
    tensors = load_file(str(path))
    with safe_open(str(path), framework="pt") as handle:
        meta = json.loads(handle.metadata()["vaekit"])
    meta["epoch"] = epoch
    save_file(tensors, str(path), metadata={"vaekit": json.dumps(meta)})


def _changed_data(w: Workspace) -> None:
    """A one-epoch run on a small file, then the file replaced by other data of the same shape."""
    _vectors(w, "d.npy")
    result = CliRunner().invoke(main, ["train", "--data", str(w.path("d.npy")), "--epochs", "1", "--hidden", "8",
                                       "--latent-dim", "2", "--out", str(w.path("small")), "--quiet"])
    assert result.exit_code == 0, result.output
    np.save(w.path("d.npy"), np.random.default_rng(1).random((40, 5), dtype=np.float32))


def _negative_labels(w: Workspace) -> Dataset:
    x = np.zeros((4, 3), np.float32)
    return Dataset.from_arrays("t", x, x, np.array([0, 1, -2, 1]), np.array([0, 1, 0, 1]), "vector", "arrays")


CASES = [
    # item 4: sizes refused, with the size, before anything is allocated
    Case("conditional-labels-huge", r"include 1000000000; .*1,000,000,001.*renumber",
         ["train", "--data", "{root}/labels.npz", "--conditional", *NEW], setup=_huge_labels),
    Case("labels-negative-python-api", r"include -2; class labels are indices", api=_negative_labels),
    Case("hidden-huge", r"needs at least [\d.]+ GB to train .*--hidden", ["train", "--hidden", "2000000000", *NEW]),
    Case("latent-dim-huge", r"needs at least [\d.]+ GB to train .*--latent-dim",
         ["train", "--latent-dim", "1000000000", *NEW]),
    Case("iwae-samples-times-batch-huge", r"needs at least [\d.]+ GB .*--iw-samples",
         ["train", "--objective", "iwae", "--iw-samples", "100000000", *NEW]),
    Case("sample-count-huge", r"1,000,000,000,000 samples .* GB.*ask for fewer",
         ["sample", "{run}", "-n", "1000000000000", "--out", "{root}/s.png"]),
    # item 5: inputs that crashed
    Case("parquet-list-column", r"column 'tags' .* holds ndarray values.*flatten",
         ["train", "--data", "{root}/t.parquet", *NEW],
         setup=lambda w: _table(w, "t.parquet", {"tags": [[1, 2]] * 30})),
    Case("parquet-struct-column", r"column 's' .* holds dict values.*flatten",
         ["train", "--data", "{root}/t.parquet", *NEW],
         setup=lambda w: _table(w, "t.parquet", {"s": [{"x": i, "y": "k"} for i in range(30)]})),
    Case("run-config-shape-text", r"config\.json is corrupt .*shape 'abc' is not a list of positive integers",
         ["sample", "{run}", "--out", "{root}/s.png"], setup=lambda w: _run_data(w, shape="abc")),
    Case("run-config-kind-unknown", r"config\.json is corrupt .*kind 'smell'",
         ["sample", "{run}", "--out", "{root}/s.png"], setup=lambda w: _run_data(w, kind="smell")),
    Case("run-config-ranges-for-images", r"config\.json is corrupt .*column_ranges \[\[0, 1\]\] is not a \[low, "
         r"high\] pair", ["impute", "{run}", "--out", "{root}/f.npy"],
         setup=lambda w: _run_data(w, column_ranges=[[0, 1]])),
    Case("weights-nan-sample", r"NaN or infinite weights .*train it again",
         ["sample", "{run}", "--out", "{root}/s.png"], setup=_nan_weights),
    Case("weights-nan-evaluate", r"NaN or infinite weights", ["evaluate", "{run}", "--k", "2"], setup=_nan_weights),
    Case("checkpoint-epoch-negative", r"checkpoint .* is corrupt .*epoch -1",
         ["train", "--resume", "{run}"], setup=lambda w: _checkpoint_counters(w, -1)),
    Case("checkpoint-epoch-not-this-runs",
         r"does not belong to this run \(it has taken \d+ steps but metrics\.csv records \d+ after "
         r"epoch 3\)",
         ["train", "--resume", "{run}"], setup=lambda w: _checkpoint_counters(w, 3)),
    # item 8: command-line details
    Case("reconstruct-count-negative", r"--count must be at least 1, got -3",
         ["reconstruct", "{run}", "-n", "-3", "--out", "{root}/r.csv"]),
    Case("reconstruct-count-zero", r"--count must be at least 1, got 0",
         ["reconstruct", "{run}", "-n", "0", "--out", "{root}/r.png"]),
    Case("plot-reconstructions-count-negative", r"--count must be at least 1, got -2",
         ["plot", "reconstructions", "{run}", "-n", "-2", "--out", "{root}/r.png"]),
    Case("plot-manifold-steps-zero", r"--steps must be at least 2, got 0",
         ["plot", "manifold", "{run}", "--steps", "0", "--out", "{root}/m.png"]),
    Case("csv-number-column-with-junk", r"column 'age' .* 1 non-numeric entries: 'abc' \(first in data row 18\).*"
         r"age:categorical", ["train", "--data", "{root}/people.csv", *NEW], setup=_junk_number),
    Case("yaml-duplicate-key", r"gives the key 'latent_dim' twice .*line 3",
         ["train", "--config", "{root}/c.yaml", *NEW],
         setup=lambda w: w.write("c.yaml", "model:\n  latent_dim: 3\n  latent_dim: 5\n")),
    Case("column-types-on-array", r"column_types applies to \.csv and \.parquet tables only",
         ["train", "--data", "{root}/v.npy", "--column-types", "a:binary", *NEW],
         setup=lambda w: _vectors(w, "v.npy")),
    Case("column-types-on-named-dataset", r"column_types applies to .* not to the named dataset 'digits'",
         ["train", "--data", "digits", "--column-types", "a:binary", *NEW]),
    Case("resume-epochs-below-done", r"trained 8 epochs already .*give more than 8",
         ["train", "--resume", "{run}", "--epochs", "5"]),
    Case("resume-data-changed", r"d\.npy changed since .* restore the original data .*--out",
         ["train", "--resume", "{root}/small", "--epochs", "2"], setup=_changed_data),
]


def _small_machine_with_faces(w: Workspace) -> None:
    """Four 128x128 images, on a machine of 300 kB (the run's model fits): their pixels (655,360 bytes as read and
    converted) do not."""
    from PIL import Image

    import vaekit.core.system

    w.path("faces").mkdir()
    for i in range(4):
        Image.fromarray(np.full((128, 128), 40 * i, dtype=np.uint8), mode="L").save(w.path(f"faces/{i}.png"))
    w.monkeypatch.setattr(vaekit.core.system, "host_memory", lambda: 300_000)


CASES += [
    Case("image-folder-larger-than-memory", r"4 images of 128x128 in .*faces would need .*more than the .* of this "
         r"machine's memory; use fewer or smaller images", ["embed", "{run}", "--data", "{root}/faces", "--out",
                                                            "{root}/z.npy"], setup=_small_machine_with_faces),
]


def _small_machine_with_a_csv(w: Workspace) -> None:
    """A CSV of 3,000 rows (about 60 kB), on a machine of 100 kB: parsed, it would not fit."""
    import vaekit.core.system

    w.write("big.csv", "a,b,c\n" + "".join(f"{i},{i * 2},{i % 7}\n" for i in range(3000)))
    w.monkeypatch.setattr(vaekit.core.system, "host_memory", lambda: 100_000)


CASES += [
    Case("csv-larger-than-memory", r"big\.csv \([\d,]+ bytes of CSV\) would need .*more than the .* of this "
         r"machine's memory; use a smaller table, or save it as Parquet", ["train", "--data", "{root}/big.csv",
                                                                        "--out", "{root}/new"],
         setup=_small_machine_with_a_csv),
]


# a pipe given as data would wait for a writer for ever: refused before it is opened
CASES += [
    Case("data-is-a-pipe", r"pipe\.npy is not a file or a folder \(a pipe, a device or a socket\)",
         ["train", "--data", "{root}/pipe.npy", "--out", "{root}/new"], setup=lambda w: os.mkfifo(w.path("pipe.npy"))),
    Case("vkz-is-a-pipe", r"pipe\.vkz is not a file \(a pipe, a device or a socket\)",
         ["decompress", "{run}", "{root}/pipe.vkz", "--out", "{root}/x.npy"],
         setup=lambda w: os.mkfifo(w.path("pipe.vkz"))),
]
# a cell of a million digits is quoted in 40 characters, not a message of a megabyte
CASES += [
    Case("csv-giant-cell-quoted-short", r"non-numeric entries: '9{36}\.\.\. \(first in data row 1\)",
         ["train", "--data", "{root}/giant.csv", "--out", "{root}/new"],
         setup=lambda w: w.write("giant.csv", "a,b\n1," + "9" * 1_000_000 + "\n" + "".join(
             f"{i},{i}\n" for i in range(2, 40)))),
]

# a number finite in the file but infinite as float32: named with its row, not "contains infinite values"
CASES += [
    Case("csv-value-beyond-float32", r"column 'b' in .*big\.csv holds 1e\+300 \(first in data row 2\), beyond "
         r"float32's range", ["train", "--data", "{root}/big.csv", "--out", "{root}/new"],
         setup=lambda w: w.write("big.csv", "a,b\n1,2\n3,1e300\n5,4\n6,7\n")),
]
