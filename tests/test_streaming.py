"""Streamed training data (data.streaming): the readers give the in-memory loaders' examples, an epoch visits every
training row once in a seeded order, a streamed run trains exactly as the in-memory run given the same batches,
resumes exactly, and a compressed IDX file is decompressed once."""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from click.testing import CliRunner
from PIL import Image
from sklearn.datasets import load_digits

import vaekit
from vaekit.cli import main
from vaekit.config import Config
from vaekit.data import load_dataset
from vaekit.data.image import idx_cache as cache_module
from vaekit.data.image.idx_cache import cache_path, cached_idx
from vaekit.data.streaming.readers import ParquetRows
from vaekit.data.streaming.tar_shards import TarShards
from vaekit.runs.directory import read_run_config
from vaekit.training import data_source as streamed_module
from vaekit.training import loop
from vaekit.training.data_source import load_training_data
from vaekit.training.stream_batches import StreamBatches

TINY = {"model": {"hidden": [16], "latent_dim": 3}, "train": {"batch_size": 64, "epochs": 2, "seed": 3}}


def digits_npy(path: Path, rows: int = 300) -> Path:
    np.save(path, (load_digits().data[:rows] / 16).astype(np.float32))
    return path


def config(source: Path, streaming: str = "on", **data: object) -> Config:
    return Config.from_dict({**TINY, "data": {"source": str(source), "streaming": streaming, "workers": 0, **data}})


def epoch_rows(source: StreamBatches, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor | None]:
    batches = list(source.epoch(torch.Generator().manual_seed(seed)))
    assert [start for start, _, _ in batches] == list(range(0, len(source), source.batch_size))
    x = torch.cat([x for _, x, _ in batches])
    y = None if batches[0][2] is None else torch.cat([y for _, _, y in batches])
    return x, y


def same_rows(a: torch.Tensor, b: torch.Tensor) -> bool:
    """Whether a and b hold the same rows, in any order."""
    def ordered(t: torch.Tensor) -> np.ndarray:
        flat = t.flatten(1).numpy()
        return flat[np.lexsort(flat.T[::-1])]
    return a.shape == b.shape and np.array_equal(ordered(a), ordered(b))


def test_npy_stream_visits_every_training_row_once_in_a_seeded_order(tmp_path: Path) -> None:
    source = digits_npy(tmp_path / "d.npy")
    memory = load_dataset(source, seed=0)
    data, stream = load_training_data(config(source))
    assert stream is not None and len(stream) == len(memory.train_x) == 270
    assert torch.equal(data.train_x, memory.train_x) and torch.equal(data.test_x, memory.test_x)
    batches = StreamBatches(stream, 32, torch.device("cpu"), workers=2, shuffle_buffer=50)
    x, _ = epoch_rows(batches)
    assert same_rows(x, memory.train_x)
    assert not torch.equal(x, memory.train_x)  # shuffled
    assert torch.equal(epoch_rows(batches)[0], x)  # the same seed: the same order
    assert not torch.equal(epoch_rows(batches, seed=1)[0], x)


class Replay:
    """A DeviceBatches stand-in that yields recorded batches, drawing from the generator as StreamBatches does."""

    recorded: list[list[tuple[int, torch.Tensor]]] = []

    def __init__(self, x: torch.Tensor, y: torch.Tensor | None, batch_size: int, rank: int = 0,
                 world: int = 1) -> None:
        self.n, self.batch_size, self.epochs = len(x), batch_size, iter(Replay.recorded)

    def __len__(self) -> int:
        return self.n

    @property
    def steps(self) -> int:
        return -(-self.n // self.batch_size)

    def epoch(self, generator: torch.Generator):  # noqa: ANN201
        torch.randint(0, 2**62, (1,), generator=generator)
        for start, x in next(self.epochs):
            yield start, x, None


def test_streamed_training_matches_in_memory_training_given_the_same_batches(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    # a Gaussian on vectors: standardized from the sample, which holds every training row of data this small
    source = digits_npy(tmp_path / "d.npy")
    recorded: list[list[tuple[int, torch.Tensor]]] = []
    original = StreamBatches.epoch

    def recording(self: StreamBatches, generator: torch.Generator):  # noqa: ANN202
        recorded.append([])
        for start, x, y in original(self, generator):
            recorded[-1].append((start, x.clone()))
            yield start, x, y

    monkeypatch.setattr(StreamBatches, "epoch", recording)
    streamed = vaekit.train(config(source, "on"), tmp_path / "streamed", progress=False, pictures=False)
    Replay.recorded = recorded
    monkeypatch.setattr(loop, "DeviceBatches", Replay)
    in_memory = vaekit.train(config(source, "off"), tmp_path / "memory", progress=False, pictures=False)
    assert len(recorded) == 2
    for a, b in zip(streamed.metrics, in_memory.metrics, strict=True):
        assert {k: v for k, v in a.items() if "second" not in k and "per_s" not in k} == \
               {k: v for k, v in b.items() if "second" not in k and "per_s" not in k}
    for name, value in streamed.model.state_dict().items():
        assert torch.equal(value, in_memory.model.state_dict()[name]), name
    assert read_run_config(tmp_path / "streamed")[1]["n_train"] == read_run_config(tmp_path / "memory")[1]["n_train"]


def test_a_streamed_run_resumes_exactly(tmp_path: Path) -> None:
    source = digits_npy(tmp_path / "d.npy")
    whole = vaekit.train(config(source), tmp_path / "whole", progress=False, pictures=False)
    first = config(source).with_overrides({"train": {"epochs": 1}})
    vaekit.train(first, tmp_path / "parts", progress=False, pictures=False)
    resumed = vaekit.resume(tmp_path / "parts", epochs=2, progress=False)
    assert resumed.metrics[-1]["train_loss"] == whole.metrics[-1]["train_loss"]
    assert resumed.metrics[-1]["val_neg_elbo"] == whole.metrics[-1]["val_neg_elbo"]


def test_auto_streams_only_data_that_would_not_fit_comfortably(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    source = digits_npy(tmp_path / "d.npy")  # 300 x 64 float32: 76,800 bytes
    monkeypatch.setattr("vaekit.core.system.host_memory", lambda: 10**9)
    assert load_training_data(config(source, "auto"))[1] is None
    monkeypatch.setattr("vaekit.core.system.host_memory", lambda: 200_000)
    assert load_training_data(config(source, "auto"))[1] is not None
    assert load_training_data(config(source, "off"))[1] is None


def test_parquet_streams_by_row_group_with_labels(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=230), "b": rng.normal(size=230).astype(np.float32),
                          "c": rng.integers(0, 5, 230), "label": rng.integers(0, 3, 230)})
    path = tmp_path / "t.parquet"
    frame.to_parquet(path, row_group_size=50)
    reader = ParquetRows(path, "label")
    assert [block[1] for block in reader.blocks] == [50, 50, 50, 50, 30]
    x, y = reader.take(np.arange(230))
    assert np.array_equal(x, frame[["a", "b", "c"]].to_numpy(np.float32))
    assert np.array_equal(y, frame["label"].to_numpy())
    data, stream = load_training_data(config(path, label_column="label"))
    source = StreamBatches(stream, 40, torch.device("cpu"), workers=1, shuffle_buffer=60)
    xs, ys = epoch_rows(source)
    rows = {tuple(row): label for row, label in zip(x.tolist(), y.tolist())}
    assert len(xs) == len(stream) == 207 and all(rows[tuple(row)] == label for row, label in
                                                 zip(xs.tolist(), ys.tolist()))
    run = vaekit.train(config(path, label_column="label"), tmp_path / "run", progress=False, pictures=False)
    assert len(run.metrics) == 2


def write_images(folder: Path, count: int) -> None:
    rng = np.random.default_rng(1)
    for index in range(count):
        sub = folder / ("circle" if index % 2 else "square")
        sub.mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 256, (6, 5), dtype=np.uint8)).save(sub / f"{index:03d}.png")


def test_an_image_folder_streams_the_in_memory_examples(tmp_path: Path) -> None:
    write_images(tmp_path / "imgs", 40)
    memory = load_dataset(tmp_path / "imgs", seed=0)
    data, stream = load_training_data(config(tmp_path / "imgs"))
    assert data.class_names == memory.class_names == ["circle", "square"]
    assert torch.equal(data.test_x, memory.test_x) and torch.equal(data.test_y, memory.test_y)
    x, y = epoch_rows(StreamBatches(stream, 8, torch.device("cpu"), workers=2, shuffle_buffer=10))
    assert x.shape == (36, 1, 6, 5) and same_rows(x, memory.train_x)
    assert sorted(y.tolist()) == sorted(memory.train_y.tolist())


def write_shards(folder: Path, shards: int, per_shard: int) -> list[np.ndarray]:
    folder.mkdir()
    rng, images = np.random.default_rng(2), []
    for shard in range(shards):
        with tarfile.open(folder / f"part-{shard:03d}.tar", "w") as archive:
            for index in range(per_shard):
                pixels = rng.integers(0, 256, (7, 7), dtype=np.uint8)
                images.append(pixels)
                buffer = io.BytesIO()
                Image.fromarray(pixels).save(buffer, format="PNG")
                key = f"s{shard}-{index:04d}"
                for ext, data in (("png", buffer.getvalue()), ("cls", str(index % 4).encode())):
                    info = tarfile.TarInfo(f"{key}.{ext}")
                    info.size = len(data)
                    archive.addfile(info, io.BytesIO(data))
    return images


def test_tar_shards_stream_every_sample_with_its_label(tmp_path: Path) -> None:
    images = write_shards(tmp_path / "shards", 3, 12)
    reader = TarShards(sorted((tmp_path / "shards").glob("*.tar")), str(tmp_path / "shards"))
    assert reader.n == 36 and reader.shape == (1, 7, 7) and reader.labelled
    assert [block[1] for block in reader.blocks] == [12, 12, 12]
    x, y = reader.read(reader.blocks[1])
    assert np.array_equal(x[3, 0], images[15] / np.float32(255)) and y[3] == 3
    data, stream = load_training_data(config(tmp_path / "shards"))
    assert load_training_data(config(tmp_path / "shards", "auto"))[1] is not None  # only streaming reads tar
    xs, ys = epoch_rows(StreamBatches(stream, 5, torch.device("cpu"), workers=2, shuffle_buffer=8))
    everything, labels = reader.take(np.arange(36))
    train_rows = np.flatnonzero(stream.train_mask)
    assert same_rows(xs, torch.from_numpy(everything[train_rows]))
    assert sorted(ys.tolist()) == sorted(labels[train_rows].tolist())


def test_a_compressed_idx_file_is_decompressed_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    images = np.random.default_rng(0).integers(0, 256, (20, 4, 4), dtype=np.uint8)
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(b"\x00\x00\x08\x03" + np.array([20, 4, 4], ">u4").tobytes() + images.tobytes()))
    first = cached_idx(path)
    copy = cache_path(path)
    assert copy.is_file() and copy.is_relative_to(tmp_path / "home")
    written = copy.stat().st_mtime_ns

    def refuse(_: Path) -> None:
        raise AssertionError("decompressed again")

    monkeypatch.setattr(cache_module, "read_idx", refuse)
    second = cached_idx(path)
    assert isinstance(second, np.memmap) and np.array_equal(second, first) and np.array_equal(first, images)
    assert copy.stat().st_mtime_ns == written
    assert streamed_module.SAMPLE_ROWS >= 270  # the matching test above relies on the sample holding every row


@pytest.mark.skipif(not Path("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz").exists(),
                    reason="needs Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist)")
def test_a_named_idx_data_set_streams_from_its_decompressed_copy(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    data, stream = load_training_data(Config.from_dict({"data": {"source": "fashion-mnist", "download": False,
                                                                 "streaming": "on"}}))
    copies = sorted(p.name.split("-")[0] for p in (tmp_path / "home/.cache/vaekit/decompressed").iterdir())
    assert copies == ["t10k", "t10k", "train", "train"]
    assert len(stream) == 60_000 and stream.train_mask is None and data.class_names[0] == "T-shirt/top"
    assert len(data.train_x) == streamed_module.SAMPLE_ROWS and data.test_x.shape == (10_000, 1, 28, 28)
    x, y = stream.reader.read(stream.reader.blocks[0])
    images = cached_idx(Path("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"))
    assert np.array_equal(x[:, 0], images[:len(x)] / np.float32(255)) and y.dtype == np.int64


def test_the_command_line_streams_and_records_it(tmp_path: Path) -> None:
    source = digits_npy(tmp_path / "d.npy")
    result = CliRunner().invoke(main, ["train", "--data", str(source), "--streaming", "on", "--workers", "1",
                                       "--shuffle-buffer", "100", "--epochs", "1", "--hidden", "16", "--quiet",
                                       "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    info = read_run_config(tmp_path / "run")[1]
    assert info["streamed"] is True and info["n_train"] == 270 and info["n_test"] == 30


def test_the_data_line_gives_the_streamed_counts_and_says_what_is_held_in_memory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # issue 21: the line gave the in-memory sample's sizes ("20000 train / 6000 test") for 54,000 streamed rows
    monkeypatch.setattr(streamed_module, "SAMPLE_ROWS", 100)
    monkeypatch.setattr(streamed_module, "VALIDATION_ROWS", 10)
    source = digits_npy(tmp_path / "d.npy")  # 300 rows: 270 train / 30 test
    result = CliRunner().invoke(main, ["train", "--data", str(source), "--streaming", "on", "--workers", "0",
                                       "--epochs", "1", "--hidden", "16", "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if line.startswith("data: "))
    assert f"{source}: 270 train / 30 test, vector (64,), unlabelled; streamed from disk" in line, line
    assert "(in memory: a sample of 100 train examples for the data checks and standardization; the first 10 " \
           "test examples for validation)" in line, line
    info = read_run_config(tmp_path / "run")[1]
    assert info["n_train"] == 270 and info["n_test"] == 30  # the whole test split, not validation's 10
