"""A run trained on tar shards (data/streaming/tar_shards.py) is used as any other: evaluate, score, report and embed
read the shards whole (data/streaming/whole.py) with the reader and the split that streamed training used, so the
test split is the one training validated on. A .npy member is checked from its header before an array is made."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from conftest import invoke
from vaekit.core.errors import DataError
from vaekit.data import load_dataset
from vaekit.data.streaming.tar_shards import npy_member
from vaekit.runs.run import Run
from vaekit.tasks.evaluation.importance import importance_weighted_bound
from vaekit.tasks.outputs import select_data

TINY = ["--hidden", "8", "--latent-dim", "2", "--epochs", "1", "--batch-size", "32", "--quiet"]


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def add(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    archive.addfile(info, io.BytesIO(data))


def write_shards(folder: Path, rows: np.ndarray, per_shard: int = 25) -> Path:
    """Shards of .npy vectors with a .cls label each, `per_shard` samples a shard."""
    folder.mkdir()
    for first in range(0, len(rows), per_shard):
        with tarfile.open(folder / f"part-{first // per_shard:03d}.tar", "w") as archive:
            for index in range(first, min(first + per_shard, len(rows))):
                add(archive, f"s{index:04d}.npy", npy_bytes(rows[index]))
                add(archive, f"s{index:04d}.cls", str(index % 3).encode())
    return folder


@pytest.fixture(scope="module")
def shard_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, np.ndarray]:
    """(a run streamed from shards, the same data in one .npz trained in memory, the rows)."""
    folder = tmp_path_factory.mktemp("shards")
    rows = np.random.default_rng(0).random((100, 6)).astype(np.float32)
    shards = write_shards(folder / "shards", rows)
    np.savez(folder / "rows.npz", x=rows, y=np.arange(len(rows)) % 3)  # the labels the shards' .cls members hold
    for source, streaming, out in ((shards, "on", "streamed"), (folder / "rows.npz", "off", "memory")):
        code, output = invoke("train", "--data", source, "--streaming", streaming, *TINY, "--out", folder / out)
        assert code == 0, output
    return folder / "streamed", folder / "memory", rows


def test_the_shards_read_whole_are_the_rows_split_as_in_memory(shard_runs: tuple[Path, Path, np.ndarray]) -> None:
    streamed, memory, rows = shard_runs
    shards = load_dataset(streamed.parent / "shards", seed=0)
    array = load_dataset(streamed.parent / "rows.npz", seed=0)
    assert torch.equal(shards.train_x, array.train_x) and torch.equal(shards.test_x, array.test_x)
    assert torch.equal(shards.test_y, array.test_y)
    assert torch.equal(shards.test_x, torch.from_numpy(rows[shards.rows()[1]]))
    assert json.loads((streamed / "config.json").read_text())["data"]["streamed"] is True
    assert torch.equal(select_data(streamed).x, select_data(memory).x)  # the run's own test split


def test_a_shard_run_evaluates_the_examples_the_in_memory_run_evaluates(shard_runs: tuple[Path, Path, np.ndarray]
                                                                          ) -> None:
    streamed, memory, _ = shard_runs
    found = {}
    for run in (streamed, memory):
        code, output = invoke("evaluate", run, "--k", "20")
        assert code == 0, output
        found[run.name] = json.loads((run / "evaluation.json").read_text())
    assert found["streamed"]["examples"] == found["memory"]["examples"] == 10
    assert found["streamed"]["data_sha256"] == found["memory"]["data_sha256"]  # the same test examples
    opened = Run.open(streamed)
    expected = -importance_weighted_bound(opened.model, select_data(opened).x, 1, seed=0).elbo.mean()
    assert np.isfinite(found["streamed"]["neg_elbo"]["mean"])
    neg_elbo = found["streamed"]["neg_elbo"]
    assert neg_elbo["mean"] == pytest.approx(float(expected), abs=5 * neg_elbo["se"])


def test_a_shard_run_is_scored_reported_and_embedded(shard_runs: tuple[Path, Path, np.ndarray], tmp_path: Path
                                                     ) -> None:
    streamed, _, _ = shard_runs
    code, output = invoke("score", streamed, "--kind", "iw,rate", "--k", "5", "--out", tmp_path / "s.csv")
    assert code == 0, output
    scores = pd.read_csv(tmp_path / "s.csv")
    assert list(scores.columns) == ["id", "iw", "rate", "label"] and len(scores) == 10
    assert np.isfinite(scores[["iw", "rate"]].to_numpy()).all()
    code, output = invoke("embed", streamed, "--out", tmp_path / "z.csv")
    assert code == 0, output
    codes = pd.read_csv(tmp_path / "z.csv")
    assert len(codes) == 10 and codes["id"].tolist() == scores["id"].tolist()
    code, output = invoke("report", streamed)
    assert code == 0, output
    assert (streamed / "report.html").stat().st_size > 0


def with_shape(npy: bytes, shape: str) -> bytes:
    """The .npy bytes with the header's shape rewritten (a crafted file): the header is text padded with spaces to
    its recorded length, so it keeps that length."""
    length = int.from_bytes(npy[8:10], "little")
    text = npy[10:10 + length]
    start = text.index(b"'shape': (") + len(b"'shape': ")
    end = text.index(b")", start) + 1
    changed = (text[:start] + shape.encode() + text[end:]).rstrip(b"\n").rstrip(b" ")
    return npy[:10] + changed.ljust(length - 1) + b"\n" + npy[10 + length:]


def test_a_npy_member_that_declares_a_billion_examples_is_refused_from_its_header() -> None:
    honest = npy_bytes(np.zeros((2, 64), np.float32))
    with pytest.raises(DataError, match=r"is truncated: its header's shape \(1000000000, 64\) of float32 needs "
                                        r"256,000,000,000 bytes, but 512 follow the header"):
        npy_member(with_shape(honest, "(1000000000, 64)"), "sample 's0' of a.tar")
    assert npy_member(honest, "x").shape == (2, 64)
    assert npy_member(with_shape(honest, "(64, 2)"), "x").shape == (64, 2)  # the same bytes: accepted
    with pytest.raises(DataError, match=r"declares shape \(2, 32\) float32 \(256 bytes\) but holds 512 bytes"):
        npy_member(with_shape(honest, "(2, 32)"), "x")  # fewer than it holds: not what its header says


def test_a_shard_whose_sample_declares_a_billion_examples_is_refused_by_the_commands(tmp_path: Path) -> None:
    with tarfile.open(tmp_path / "npyshard.tar", "w") as archive:
        add(archive, "s0.npy", with_shape(npy_bytes(np.zeros(8, np.float32)), "(1000000000,)"))
    code, output = invoke("train", "--data", tmp_path / "npyshard.tar", *TINY, "--out", tmp_path / "run")
    assert code == 2 and output.count("error:") == 1, output
    assert "its header's shape (1000000000,) of float32 needs" in output and not (tmp_path / "run").exists()


def test_a_npy_member_of_objects_is_refused() -> None:
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(DataError, match=r"holds Python objects, which vaekit never unpickles"):
        npy_member(buffer.getvalue(), "sample 's0' of a.tar")


def test_a_shard_run_larger_than_its_training_sample_evaluates_as_its_own_data(tmp_path: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # streamed training fingerprints its bounded samples; evaluate reads the whole data and draws them again
    from vaekit.training import data_source

    monkeypatch.setattr(data_source, "SAMPLE_ROWS", 40)  # 90 training rows: a sample of 40 of them
    shards = write_shards(tmp_path / "shards", np.random.default_rng(1).random((100, 6)).astype(np.float32))
    code, output = invoke("train", "--data", shards, "--streaming", "on", *TINY, "--out", tmp_path / "run")
    assert code == 0, output
    code, output = invoke("evaluate", tmp_path / "run", "--k", "5")
    assert code == 0, output
    assert json.loads((tmp_path / "run" / "evaluation.json").read_text())["examples"] == 10
    with tarfile.open(shards / "part-003.tar", "a") as archive:  # the data changed since: still refused
        add(archive, "extra.npy", npy_bytes(np.zeros(6, np.float32)))
        add(archive, "extra.cls", b"0")
    code, output = invoke("evaluate", tmp_path / "run", "--k", "5")
    assert code == 2 and "changed since" in output, output


def test_shards_larger_than_memory_are_refused_before_they_are_read(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    shards = write_shards(tmp_path / "shards", np.zeros((100, 6), np.float32))  # 2,400 bytes as float32
    monkeypatch.setattr("vaekit.core.system.host_memory", lambda: 4_000)
    with pytest.raises(DataError, match=r"shards holds 100 examples \(0\.0 GB as float32\), too many to hold in "
                                        r"this machine's memory"):
        load_dataset(shards)
    monkeypatch.setattr("vaekit.core.system.host_memory", lambda: 100)  # a member larger than memory: its header
    with pytest.raises(DataError, match=r"member s0000\.npy of tar shard .*part-000\.tar is 152 bytes, more than "
                                        r"this machine's memory \(100 bytes\)"):
        load_dataset(shards)
