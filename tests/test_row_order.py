"""Outputs keep the input's order and extent, with ids; evaluations say what they measured and go stale with the
weights: embed of a file is the file, in order; evaluate --data scores every row and never overwrites the run's
own evaluation; a resume makes an evaluation stale, which compare refuses and report redoes."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from PIL import Image
from sklearn.datasets import load_digits

import vaekit
from conftest import invoke
from vaekit.core.errors import DataError
from vaekit.data import load_dataset
from vaekit.report import write_report
from vaekit.tasks.evaluation.provenance import data_sha256, evaluation_path


def _held_digits(path: Path, count: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """`count` digits in a scrambled order (so that a sorted or shuffled read shows), saved as x and y."""
    bunch = load_digits()
    order = np.random.default_rng(7).permutation(len(bunch.target))[:count]
    x = (bunch.data[order] / 16).reshape(-1, 1, 8, 8).astype(np.float32)
    y = bunch.target[order].astype(np.int64)
    np.savez(path, x=x, y=y)
    return x, y


def _codes(run: Path, x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return vaekit.load(run).encode(torch.from_numpy(x)).mean.numpy()


@pytest.mark.parametrize("split", [[], ["--split", "all"]])
def test_embed_of_a_given_file_is_every_row_in_file_order(digits_run: Path, tmp_path: Path, split: list[str]) -> None:
    x, y = _held_digits(tmp_path / "held.npz")
    code, output = invoke("embed", digits_run, "--data", tmp_path / "held.npz", *split, "--out", tmp_path / "z.npy")
    assert code == 0, output
    np.testing.assert_allclose(np.load(tmp_path / "z.npy"), _codes(digits_run, x), atol=1e-6)
    np.testing.assert_array_equal(np.load(tmp_path / "z-labels.npy"), y)  # exactly, not at chance level
    np.testing.assert_array_equal(np.load(tmp_path / "z-ids.npy"), np.arange(300))


def test_split_all_of_the_runs_own_data_is_in_the_sources_order(digits_run: Path, tmp_path: Path) -> None:
    code, output = invoke("embed", digits_run, "--split", "all", "--out", tmp_path / "z.csv")
    assert code == 0, output
    table = pd.read_csv(tmp_path / "z.csv")
    bunch = load_digits()
    np.testing.assert_array_equal(table["label"], bunch.target)
    np.testing.assert_array_equal(table["id"], np.arange(len(bunch.target)))
    images = (bunch.data / 16).reshape(-1, 1, 8, 8).astype(np.float32)
    np.testing.assert_allclose(table[["z0", "z1"]].to_numpy(), _codes(digits_run, images), atol=1e-5)


def test_a_seeded_split_is_put_back_in_order_with_its_ids(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": np.arange(30.0), "b": np.linspace(0, 1, 30), "kind": ["p", "q", "r"] * 10},
                         index=[f"cell-{i}" for i in range(30)])
    frame.to_csv(tmp_path / "t.csv")  # pandas writes the index as an unnamed first column
    data = load_dataset(tmp_path / "t.csv", label_column="kind", test_fraction=0.3, seed=5)
    assert data.columns == ["a", "b"] and not data.own_split  # the index is never a feature
    x, y, ids = data.examples("all")
    np.testing.assert_array_equal(x[:, 0].numpy(), np.arange(30.0))
    np.testing.assert_array_equal(y.numpy(), np.tile([0, 1, 2], 10))
    assert list(ids) == list(frame.index)
    test_x, _, test_ids = data.examples("test")
    assert len(test_ids) == 9 and [f"cell-{int(v)}" for v in test_x[:, 0]] == list(test_ids)
    frame.to_parquet(tmp_path / "t.parquet")  # Parquet keeps the index itself
    assert list(load_dataset(tmp_path / "t.parquet", label_column="kind").examples("all")[2]) == list(frame.index)
    frame.reset_index(drop=True).to_csv(tmp_path / "plain.csv", index=False)
    assert list(load_dataset(tmp_path / "plain.csv").examples("all")[2]) == list(range(30))
    frame.index = ["cell-0"] * 30
    frame.to_csv(tmp_path / "twice.csv")
    with pytest.raises(DataError, match="repeats the id 'cell-0'"):
        load_dataset(tmp_path / "twice.csv")


def test_a_table_runs_codes_carry_the_index_of_the_file_given(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    pd.DataFrame(rng.normal(size=(60, 3)), columns=["a", "b", "c"]).to_csv(tmp_path / "train.csv", index=False)
    code, output = invoke("train", "--data", tmp_path / "train.csv", "--latent-dim", "2", "--hidden", "8",
                          "--epochs", "1", "--out", tmp_path / "run", "--quiet")
    assert code == 0, output
    held = pd.DataFrame(rng.normal(size=(25, 3)), columns=["a", "b", "c"], index=[f"s{i:02d}" for i in range(25)][::-1])
    held.to_csv(tmp_path / "held.csv")
    code, output = invoke("embed", tmp_path / "run", "--data", tmp_path / "held.csv", "--out", tmp_path / "z.csv")
    assert code == 0, output
    table = pd.read_csv(tmp_path / "z.csv")
    assert list(table["id"]) == list(held.index) and len(table) == 25
    np.testing.assert_allclose(table.filter(regex=r"^z\d+$").to_numpy(),
                               _codes(tmp_path / "run", held.to_numpy(np.float32)), atol=1e-5)


def test_image_folder_file_names_are_the_ids(digits_run: Path, tmp_path: Path) -> None:
    bunch = load_digits()
    names = ["b.png", "a.png", "c10.png", "c2.png", "d.png"]
    (tmp_path / "folder").mkdir()
    for name, image in zip(names, bunch.images):
        Image.fromarray((image * 255 / 16).round().astype(np.uint8), mode="L").save(tmp_path / "folder" / name)
    code, output = invoke("embed", digits_run, "--data", tmp_path / "folder", "--out", tmp_path / "z.parquet")
    assert code == 0, output
    table = pd.read_parquet(tmp_path / "z.parquet")
    assert list(table["id"]) == sorted(names) and "label" not in table
    pixels = np.stack([np.asarray(Image.open(tmp_path / "folder" / name)) for name in sorted(names)])
    np.testing.assert_allclose(table[["z0", "z1"]].to_numpy(),
                               _codes(digits_run, (pixels[:, None] / 255).astype(np.float32)), atol=1e-5)


def test_evaluate_data_scores_every_row_and_leaves_the_runs_evaluation(digits_run: Path, tmp_path: Path) -> None:
    run = shutil.copytree(digits_run, tmp_path / "run")
    x, y = _held_digits(tmp_path / "held.npz")
    code, output = invoke("evaluate", run, "--k", "5")
    assert code == 0, output
    own = (run / "evaluation.json").read_bytes()
    code, output = invoke("evaluate", run, "--k", "5", "--data", tmp_path / "held.npz")
    assert code == 0, output
    assert (run / "evaluation.json").read_bytes() == own
    held = json.loads((run / "evaluations" / "held.json").read_text())
    assert held["examples"] == 300 and held["split"] == "all" and held["data"] == str(tmp_path / "held.npz")
    assert held["data_sha256"] == data_sha256(torch.from_numpy(x), torch.from_numpy(y))
    assert held["weights_sha256"] == hashlib.sha256((run / "model.safetensors").read_bytes()).hexdigest()
    assert f"{held['neg_elbo']['mean']:.3f}" in output and "evaluations/held.json" in output
    saved = json.loads(own)
    assert saved["examples"] == 180 and saved["split"] == "test" and saved["data"] == "digits"
    code, output = invoke("evaluate", run, "--k", "5", "--data", tmp_path / "held.npz", "--out", tmp_path / "h.json")
    assert code == 0 and json.loads((tmp_path / "h.json").read_text())["examples"] == 300
    code, output = invoke("evaluate", run, "--k", "5", "--split", "train")
    assert code == 0 and json.loads((run / "evaluations" / "train.json").read_text())["examples"] == 1617
    assert (run / "evaluation.json").read_bytes() == own
    assert evaluation_path(run, "data/mnist/", "test") == run / "evaluations" / "mnist-test.json"


def test_a_resume_makes_the_evaluation_stale_compare_refuses_it_and_report_redoes_it(tmp_path: Path) -> None:
    run = tmp_path / "run"
    code, output = invoke("train", "--data", "digits", "--latent-dim", "2", "--hidden", "16", "--epochs", "1",
                          "--out", run, "--quiet")
    assert code == 0, output
    assert invoke("evaluate", run, "--k", "5")[0] == 0
    assert invoke("compare", run)[0] == 0
    code, output = invoke("train", "--resume", run, "--epochs", "2", "--quiet")
    assert code == 0, output
    code, output = invoke("compare", run)
    assert code == 2 and "is stale" in output and f"vaekit evaluate {run}" in output
    stale = json.loads((run / "evaluation.json").read_text())
    write_report(run)  # the Python API given the stale file shows it, marked
    assert "<p class=stale>Stale: " in (run / "report.html").read_text()
    code, output = invoke("report", run, "--k", "5")
    assert code == 0 and "is stale" in output
    fresh = json.loads((run / "evaluation.json").read_text())
    assert fresh["weights_sha256"] != stale["weights_sha256"]
    assert fresh["weights_sha256"] == hashlib.sha256((run / "model.safetensors").read_bytes()).hexdigest()
    assert "class=stale" not in (run / "report.html").read_text()
    code, output = invoke("compare", run)
    assert code == 0 and f"{fresh['neg_elbo']['mean']:.3f}" in output


def test_a_run_from_before_ids_still_reads_a_csvs_index_as_the_feature_it_trained_on(tmp_path: Path) -> None:
    from vaekit.tasks.outputs import select_data

    rng = np.random.default_rng(1)
    pd.DataFrame(rng.normal(size=(40, 2)), columns=["a", "b"]).to_csv(tmp_path / "t.csv")  # index written
    code, output = invoke("train", "--data", tmp_path / "t.csv", "--hidden", "8", "--epochs", "1",
                          "--out", tmp_path / "run", "--quiet")
    assert code == 0, output
    config = json.loads((tmp_path / "run" / "config.json").read_text())
    assert config["data"]["columns"] == ["a", "b"] and config["data"]["shape"] == [2]
    config["data"].update(columns=["Unnamed: 0", "a", "b"], shape=[3], column_types=None, column_values=None)
    config.pop("fingerprints")  # an older vaekit recorded none
    config["data"].pop("column_ranges")  # nor these
    (tmp_path / "run" / "config.json").write_text(json.dumps(config))  # as an older vaekit recorded it
    chosen = select_data(tmp_path / "run", split="all")
    assert chosen.x.shape == (40, 3) and chosen.data.columns == ["Unnamed: 0", "a", "b"]
    np.testing.assert_array_equal(chosen.x[:, 0].numpy(), np.arange(40.0))


def test_a_table_vaekit_wrote_reads_back_with_its_ids(tmp_path: Path) -> None:
    """The id column of vaekit's own table outputs is read as ids, not as a feature, so outputs chain: the output
    of one command is the --data of the next, and a run whose table had an `id` feature keeps reading it so."""
    rng = np.random.default_rng(0)
    pd.DataFrame(rng.normal(size=(60, 3)), columns=["a", "b", "c"]).to_csv(tmp_path / "train.csv", index=False)
    code, output = invoke("train", "--data", tmp_path / "train.csv", "--latent-dim", "2", "--hidden", "8",
                          "--epochs", "1", "--out", tmp_path / "run", "--quiet")
    assert code == 0, output
    held = pd.DataFrame(rng.normal(size=(12, 3)), columns=["a", "b", "c"], index=[f"s{i:02d}" for i in range(12)])
    held.to_csv(tmp_path / "held.csv")
    code, output = invoke("denoise", tmp_path / "run", "--data", tmp_path / "held.csv", "--out", tmp_path / "d.csv")
    assert code == 0, output
    assert list(pd.read_csv(tmp_path / "d.csv").columns) == ["id", "a", "b", "c"]
    code, output = invoke("embed", tmp_path / "run", "--data", tmp_path / "d.csv", "--out", tmp_path / "z.csv")
    assert code == 0, output
    assert list(pd.read_csv(tmp_path / "z.csv")["id"]) == list(held.index)
    assert load_dataset(str(tmp_path / "d.csv")).columns == ["a", "b", "c"]
