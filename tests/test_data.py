"""Tests of vaekit.data: values, shapes and the one-line errors of every loader, without network access."""

from __future__ import annotations

import gzip
import hashlib
import io
import re
import struct
import tarfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from PIL import Image

from vaekit.core.errors import ConfigError, DataError
from vaekit.data import DATASET_NAMES, Dataset, load_dataset
from vaekit.data.common import locate
from vaekit.data.common.download import download
from vaekit.data.common.split import split_indices
from vaekit.data.image import cifar10, mnist_like
from vaekit.data.image.idx import read_idx

SHARED = Path(__file__).resolve().parents[2] / "shared"
SHARED_MNIST = SHARED / "datasets" / "mnist"
SYSTEM_FASHION = Path("/usr/share/datasets/fashion-mnist")
IDX_CODES = {np.dtype(np.uint8): 0x08, np.dtype(np.int8): 0x09, np.dtype(">i2"): 0x0B, np.dtype(">i4"): 0x0C,
             np.dtype(">f4"): 0x0D, np.dtype(">f8"): 0x0E}


# ---------- helpers ----------

def write_idx(path: Path, array: np.ndarray, compress: bool = False) -> Path:
    """Write array as an IDX file (big-endian), gzipped when asked; the reference the reader must match."""
    big = array.astype(array.dtype.newbyteorder(">")) if array.dtype.itemsize > 1 else array
    data = bytes([0, 0, IDX_CODES[big.dtype], array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    data += big.tobytes()
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def one_line_error(excinfo: pytest.ExceptionInfo) -> str:
    message = str(excinfo.value)
    assert "\n" not in message, message
    return message


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No real dataset folder is visible: HOME, $VAEKIT_DATA and the system folder all point into tmp_path."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("VAEKIT_DATA", raising=False)
    monkeypatch.setattr(locate, "SYSTEM_DATA_DIR", tmp_path / "system")
    return tmp_path


def tiny_mnist(folder: Path, compress: bool = True) -> dict[str, np.ndarray]:
    """Four IDX files like MNIST's but with 6 train and 3 test images; returns the arrays written."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    arrays = {
        mnist_like.TRAIN_IMAGES: rng.integers(0, 256, (6, 28, 28), dtype=np.uint8),
        mnist_like.TRAIN_LABELS: np.array([0, 1, 2, 3, 4, 9], dtype=np.uint8),
        mnist_like.TEST_IMAGES: rng.integers(0, 256, (3, 28, 28), dtype=np.uint8),
        mnist_like.TEST_LABELS: np.array([5, 6, 7], dtype=np.uint8),
    }
    for name, array in arrays.items():
        write_idx(folder / (name if compress else name.removesuffix(".gz")), array, compress=compress)
    return arrays


def cifar_records(labels: list[int], start: int) -> tuple[bytes, np.ndarray]:
    """Binary CIFAR records whose R, G, B planes are filled with start+3i, start+3i+1, start+3i+2."""
    images = np.zeros((len(labels), 3, 32, 32), dtype=np.uint8)
    for i in range(len(labels)):
        for channel in range(3):
            images[i, channel] = start + 3 * i + channel
    records = np.concatenate([np.array(labels, dtype=np.uint8)[:, None], images.reshape(len(labels), -1)], 1)
    return records.tobytes(), images


def tiny_cifar(folder: Path) -> dict[str, np.ndarray]:
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for i, name in enumerate(cifar10.TRAIN_FILES):
        raw, written[name] = cifar_records([i, 9 - i], start=10 * i)
        (folder / name).write_bytes(raw)
    raw, written[cifar10.TEST_FILE] = cifar_records([3, 1, 4], start=100)
    (folder / cifar10.TEST_FILE).write_bytes(raw)
    (folder / cifar10.META_FILE).write_text("\n".join(cifar10.CLASS_NAMES) + "\n\n")
    return written


def png(path: Path, array: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)
    return path


# ---------- Dataset and split ----------

def test_dataset_rejects_nan_mismatched_labels_and_empty_splits() -> None:
    x = torch.rand(4, 3)
    with pytest.raises(DataError, match="contains NaN or infinite values"):
        Dataset("t", torch.tensor([[0.0, float("nan")]] * 2), x, None, None, "vector", "here")
    with pytest.raises(DataError, match=r"must be int64 of shape \(4,\)"):
        Dataset("t", x, x, torch.zeros(3).long(), torch.zeros(4).long(), "vector", "here")
    with pytest.raises(DataError, match="labels for one split only"):
        Dataset("t", x, x, torch.zeros(4, dtype=torch.int64), None, "vector", "here")
    with pytest.raises(DataError, match="train split of here is empty"):
        Dataset("t", x[:0], x, None, None, "vector", "here")
    whole = Dataset("t", x, x[:0], None, None, "vector", "here")  # read whole: no test split
    assert torch.equal(whole.examples("all")[0], x)


def test_split_indices_are_disjoint_complete_and_seeded() -> None:
    train, test = split_indices(100, 0.25, seed=3)
    assert len(train) == 75 and len(test) == 25
    assert sorted(np.concatenate([train, test]).tolist()) == list(range(100))
    again, _ = split_indices(100, 0.25, seed=3)
    other, _ = split_indices(100, 0.25, seed=4)
    assert np.array_equal(train, again) and not np.array_equal(train, other)
    assert [len(part) for part in split_indices(2, 0.01, seed=0)] == [1, 1]  # each side gets one example
    with pytest.raises(DataError, match="single example cannot be split.*at least 2"):
        split_indices(1, 0.5, seed=0)
    with pytest.raises(DataError, match="no examples"):
        split_indices(0, 0.5, seed=0)
    train, test = split_indices(1, 0.0, seed=0)  # test_fraction 0: read whole, one example will do
    assert train.tolist() == [0] and test.tolist() == []


def test_data_given_whole_may_hold_one_example(digits_run: Path, tmp_path: Path) -> None:
    """A run's commands read a file given in place of its own data whole, so one image, one row or one array
    example is scored, embedded and reconstructed; training on data read whole is refused in one line."""
    from tests.conftest import invoke

    import vaekit
    from vaekit.tasks.outputs import select_data

    (tmp_path / "one").mkdir()
    pixels = (np.random.default_rng(0).random((8, 8)) * 255).astype(np.uint8)
    Image.fromarray(pixels).save(tmp_path / "one" / "a.png")
    np.save(tmp_path / "one.npy", (pixels / 255.0).astype(np.float32)[None, None])
    for source in (tmp_path / "one", tmp_path / "one.npy"):
        chosen = select_data(digits_run, str(source))
        assert chosen.split == "all" and chosen.x.shape == (1, 1, 8, 8)
        np.testing.assert_allclose(chosen.x[0, 0].numpy(), pixels / 255.0, atol=1e-6)
    code, output = invoke("score", digits_run, "--data", tmp_path / "one", "--kind", "iw", "--out",
                          tmp_path / "scores.csv")
    assert code == 0, output
    assert (tmp_path / "scores.csv").read_text().splitlines()[1].startswith("a.png,")
    own = select_data(digits_run, "digits")  # a named data set given in place keeps its split: its test split
    assert own.split == "test" and len(own.x) == len(load_dataset("digits").test_x) > 0
    whole = load_dataset(str(tmp_path / "one.npy"), whole=True)
    assert len(whole.train_x) == 1 and len(whole.test_x) == 0
    with pytest.raises(DataError, match="no test split .*read whole"):
        vaekit.train({"data": {"source": "digits"}, "train": {"epochs": 1}}, tmp_path / "run", data=whole,
                     progress=False, pictures=False)


# ---------- digits ----------

def test_digits_values_split_and_determinism() -> None:
    from sklearn.datasets import load_digits

    ds = load_dataset("digits")
    assert ds.name == "digits" and ds.kind == "image" and ds.shape == (1, 8, 8)
    assert len(ds.train_x) + len(ds.test_x) == 1797 and len(ds.test_x) == 180
    assert ds.train_x.dtype == torch.float32 and ds.train_x.is_contiguous()
    assert ds.train_y.dtype == torch.int64
    assert ds.train_x.min() == 0.0 and ds.train_x.max() == 1.0
    assert ds.class_names == [str(d) for d in range(10)] and set(ds.train_y.tolist()) == set(range(10))
    # The test split is exactly sklearn's images at the seed-0 indices, scaled by 1/16.
    bunch = load_digits()
    _, test_idx = split_indices(1797, 0.1, seed=0)
    expected = torch.from_numpy(bunch.images[test_idx] / 16).float()[:, None]
    torch.testing.assert_close(ds.test_x, expected)
    assert ds.test_y.tolist() == bunch.target[test_idx].tolist()
    # The same every time, and the training seed does not move the split.
    again = load_dataset("digits", seed=7)
    assert torch.equal(ds.train_x, again.train_x) and torch.equal(ds.test_y, again.test_y)


def test_dataset_names_and_unknown_source() -> None:
    assert DATASET_NAMES() == ["cifar10", "digits", "dsprites", "fashion-mnist", "fortunes", "fsdd", "kmnist", "mnist",
                               "series", "sprites"]
    with pytest.raises(DataError) as excinfo:
        load_dataset("no-such-thing")
    message = one_line_error(excinfo)
    assert "no dataset named 'no-such-thing' and no such file or folder" in message
    assert "known datasets: cifar10, digits, dsprites, fashion-mnist, fortunes, fsdd, kmnist, mnist, series, " \
        "sprites" in message


def test_bad_settings_are_rejected() -> None:
    with pytest.raises(ConfigError, match="test_fraction"):
        load_dataset("digits", test_fraction=1.0)
    with pytest.raises(DataError, match=r"label_column applies to \.csv and \.parquet"):
        load_dataset("digits", label_column="y")


# ---------- IDX ----------

@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
def test_read_idx_round_trip(tmp_path: Path, compress: bool, dtype: type) -> None:
    array = (np.arange(2 * 3 * 4) - 5).reshape(2, 3, 4).astype(dtype) if dtype != np.uint8 else \
        np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    if np.dtype(dtype).kind == "f":
        array = array / 7
    path = write_idx(tmp_path / "a-ubyte", array.astype(np.dtype(dtype).newbyteorder(">")), compress=compress)
    result = read_idx(path)
    assert result.shape == (2, 3, 4) and result.dtype.isnative and result.flags.writeable
    np.testing.assert_array_equal(result, array)


def test_read_idx_rejects_damaged_files(tmp_path: Path) -> None:
    good = write_idx(tmp_path / "good", np.zeros((3, 2, 2), dtype=np.uint8)).read_bytes()
    cases = {
        "truncated": (good[:-1], "is truncated: its header says shape (3, 2, 2), 12 bytes of data, but it "
                                 "holds 11"),
        "extra": (good + b"\0", "is corrupt (it has extra bytes)"),
        "short-header": (good[:10], "is truncated: its 3-dimension header needs 16 bytes"),
        "magic": (b"\x01\x02" + good[2:], "is not an IDX file: its magic number starts with 0102"),
        "type": (good[:2] + b"\x07" + good[3:], "unknown IDX type code 0x07"),
        "tiny": (b"\0\0", "fewer than the 4-byte header"),
        "bad-gzip": (b"\x1f\x8b" + b"garbage" * 5, "is a damaged gzip file"),
        "cut-gzip": (gzip.compress(good * 50)[:-20], "is a damaged gzip file"),
    }
    for name, (content, expected) in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(DataError) as excinfo:
            read_idx(path)
        message = one_line_error(excinfo)
        assert str(path) in message and expected in message, message
    with pytest.raises(DataError, match="cannot read"):
        read_idx(tmp_path / "missing")


@pytest.mark.skipif(not (SHARED_MNIST / "t10k-images-idx3-ubyte.gz").exists(),
                    reason="the shared MNIST test files are absent")
def test_real_mnist_test_files_read_and_match_pinned_hashes() -> None:
    images = read_idx(SHARED_MNIST / "t10k-images-idx3-ubyte.gz")
    labels = read_idx(SHARED_MNIST / "t10k-labels-idx1-ubyte.gz")
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8 and images.max() == 255
    assert labels.shape == (10000,) and labels[:5].tolist() == [7, 2, 1, 0, 4]
    assert np.bincount(labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    pinned = mnist_like.SOURCES["mnist"].sha256
    for name in (mnist_like.TEST_IMAGES, mnist_like.TEST_LABELS):
        assert sha256(SHARED_MNIST / name) == pinned[name]


# ---------- MNIST-like: finding, missing, downloading ----------

@pytest.mark.skipif(not (SYSTEM_FASHION / "train-images-idx3-ubyte.gz").exists(),
                    reason="Debian's Fashion-MNIST files are not in /usr/share/datasets/fashion-mnist")
def test_fashion_mnist_from_system_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("VAEKIT_DATA", raising=False)
    ds = load_dataset("fashion-mnist", download=False)
    assert ds.source == f"IDX files in {SYSTEM_FASHION}"
    assert (len(ds.train_x), len(ds.test_x)) == (60000, 10000) and ds.shape == (1, 28, 28)
    assert ds.train_x.dtype == torch.float32 and ds.train_x.min() == 0.0 and ds.train_x.max() == 1.0
    assert torch.bincount(ds.train_y).tolist() == [6000] * 10
    assert torch.bincount(ds.test_y).tolist() == [1000] * 10
    assert ds.class_names[0] == "T-shirt/top" and ds.class_names[9] == "Ankle boot"


def test_mnist_from_data_dir_gzipped_or_unpacked(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    arrays = tiny_mnist(isolated / "data" / "mnist")
    ds = load_dataset("mnist", data_dir=str(isolated / "data"), download=False)
    assert (len(ds.train_x), len(ds.test_x)) == (6, 3) and ds.shape == (1, 28, 28)
    expected = torch.from_numpy(arrays[mnist_like.TRAIN_IMAGES] / 255).float()
    torch.testing.assert_close(ds.train_x[:, 0], expected)
    assert ds.train_y.tolist() == [0, 1, 2, 3, 4, 9] and ds.test_y.tolist() == [5, 6, 7]
    # Unpacked files in $VAEKIT_DATA/<name> are found too.
    tiny_mnist(isolated / "env" / "kmnist", compress=False)
    monkeypatch.setenv("VAEKIT_DATA", str(isolated / "env"))
    ds = load_dataset("kmnist", download=False)
    assert ds.source == f"IDX files in {isolated / 'env' / 'kmnist'}" and ds.class_names[:2] == ["o", "ki"]


def test_files_in_a_shared_folder_never_pass_for_another_dataset(isolated: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # MNIST, Fashion-MNIST and KMNIST share file names: loose files in $VAEKIT_DATA belong to no dataset
    tiny_mnist(isolated / "env")
    monkeypatch.setenv("VAEKIT_DATA", str(isolated / "env"))
    with pytest.raises(DataError, match="kmnist"):
        load_dataset("kmnist", download=False)


def test_offline_miss_names_missing_files_and_folders(isolated: Path) -> None:
    empty = isolated / "empty"
    with pytest.raises(DataError) as excinfo:
        load_dataset("mnist", data_dir=str(empty), download=False)
    message = one_line_error(excinfo)
    for name in mnist_like.FILES:
        assert name in message
    for folder in (empty / "mnist", empty, isolated / "home" / ".cache" / "vaekit" / "mnist",
                   isolated / "system" / "mnist"):
        assert str(folder) in message
    # With two of the four files present, the message says which are missing and where the others are.
    tiny_mnist(empty / "mnist")
    for name in (mnist_like.TEST_IMAGES, mnist_like.TEST_LABELS):
        (empty / "mnist" / name).unlink()
    with pytest.raises(DataError) as excinfo:
        load_dataset("mnist", data_dir=str(empty), download=False)
    message = one_line_error(excinfo)
    missing = f"missing {mnist_like.TEST_IMAGES}, {mnist_like.TEST_LABELS}"
    assert f"{missing} (the other files are in {empty / 'mnist'})" in message


def test_mnist_download_checks_hashes_then_reuses_files(isolated: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    mirror = isolated / "mirror"
    arrays = tiny_mnist(mirror)
    hashes = {name: sha256(mirror / name) for name in mnist_like.FILES}
    mirrors = ("file:///nonexistent/", mirror.as_uri() + "/")
    source = mnist_like.IdxSource("mnist", mirrors, hashes, tuple("abcdefghij"))
    monkeypatch.setitem(mnist_like.SOURCES, "mnist", source)
    ds = load_dataset("mnist")  # first mirror unreachable, second one serves the files
    cache = isolated / "home" / ".cache" / "vaekit" / "mnist"
    assert sorted(path.name for path in cache.iterdir()) == sorted(mnist_like.FILES)  # no .part files left
    assert ds.test_y.tolist() == [5, 6, 7] and ds.source.startswith(f"IDX files in {cache} (from file:///")
    expected = torch.from_numpy(arrays[mnist_like.TEST_IMAGES] / 255).float()
    torch.testing.assert_close(ds.test_x[:, 0], expected)
    assert load_dataset("mnist", download=False).source == f"IDX files in {cache}"


def test_download_hash_mismatch_deletes_file(tmp_path: Path) -> None:
    served = tmp_path / "served.gz"
    served.write_bytes(b"not what was published")
    dest = tmp_path / "cache" / "file.gz"
    with pytest.raises(DataError) as excinfo:
        download([served.as_uri()], dest, sha256="0" * 64)
    message = one_line_error(excinfo)
    assert f"has sha256 {sha256(served)}, expected {'0' * 64}" in message
    assert "the file was deleted" in message
    assert list(dest.parent.iterdir()) == []
    with pytest.raises(DataError, match="has md5"):
        download([served.as_uri()], dest, sha256=sha256(served), md5="0" * 32)
    assert download([served.as_uri()], dest, sha256=sha256(served)).read_bytes() == served.read_bytes()


def test_download_with_no_reachable_mirror(tmp_path: Path) -> None:
    with pytest.raises(DataError) as excinfo:
        download(["file:///nonexistent/a.gz", "nosuchscheme://x/a.gz"], tmp_path / "a.gz", sha256=None)
    message = one_line_error(excinfo)
    assert "could not download a.gz: file:///nonexistent/a.gz (" in message
    assert "nosuchscheme://x/a.gz (" in message
    assert list(tmp_path.iterdir()) == []


def test_mnist_labels_that_do_not_match_images(isolated: Path) -> None:
    folder = isolated / "data"
    tiny_mnist(folder)
    write_idx(folder / mnist_like.TEST_LABELS, np.array([1, 2], dtype=np.uint8), compress=True)
    with pytest.raises(DataError, match="the files do not belong together"):
        load_dataset("mnist", data_dir=str(folder), download=False)


# ---------- CIFAR-10 ----------

def test_read_cifar_batch_channel_order_and_errors(tmp_path: Path) -> None:
    raw, _ = cifar_records([7, 2], start=50)
    (tmp_path / "b.bin").write_bytes(raw)
    result, labels = cifar10.read_cifar_batch(tmp_path / "b.bin")
    assert labels.tolist() == [7, 2] and result.shape == (2, 3, 32, 32)
    assert result[1, :, 5, 9].tolist() == [53, 54, 55]  # R, G, B of image 1
    (tmp_path / "cut.bin").write_bytes(raw[:-1])
    with pytest.raises(DataError, match=r"cut\.bin is truncated or not a CIFAR-10 binary batch"):
        cifar10.read_cifar_batch(tmp_path / "cut.bin")
    (tmp_path / "label.bin").write_bytes(bytes([12]) + raw[1:])
    with pytest.raises(DataError, match=r"has label 12, outside 0\.\.9"):
        cifar10.read_cifar_batch(tmp_path / "label.bin")


def test_cifar10_from_batches_folder(isolated: Path) -> None:
    written = tiny_cifar(isolated / "data" / "cifar10" / cifar10.BATCH_DIR)
    ds = load_dataset("cifar10", data_dir=str(isolated / "data"), download=False)
    assert (len(ds.train_x), len(ds.test_x)) == (10, 3) and ds.shape == (3, 32, 32) and ds.kind == "image"
    assert ds.train_y.tolist() == [0, 9, 1, 8, 2, 7, 3, 6, 4, 5] and ds.test_y.tolist() == [3, 1, 4]
    expected = torch.from_numpy(written[cifar10.TEST_FILE] / 255).float()
    torch.testing.assert_close(ds.test_x, expected)
    assert ds.test_x[2, :, 0, 0].mul(255).round().tolist() == [106, 107, 108]
    assert ds.class_names == list(cifar10.CLASS_NAMES)


def test_cifar10_offline_miss(isolated: Path) -> None:
    with pytest.raises(DataError) as excinfo:
        load_dataset("cifar10", data_dir=str(isolated / "d"), download=False)
    message = one_line_error(excinfo)
    assert "missing cifar-10-batches-bin/ with data_batch_1.bin" in message
    assert str(isolated / "d" / "cifar10") in message


def test_cifar10_download_extracts_only_known_members(isolated: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    written = tiny_cifar(isolated / "build" / cifar10.BATCH_DIR)
    tarball = isolated / "cifar-10-binary.tar.gz"
    with tarfile.open(tarball, "w:gz") as archive:
        archive.add(isolated / "build" / cifar10.BATCH_DIR, arcname=cifar10.BATCH_DIR)
        evil = tarfile.TarInfo("../evil.bin")  # a path-traversal member must never be written
        evil.size = 4
        archive.addfile(evil, io.BytesIO(b"evil"))
    monkeypatch.setattr(cifar10, "URL", tarball.as_uri())
    monkeypatch.setattr(cifar10, "SHA256", sha256(tarball))
    monkeypatch.setattr(cifar10, "MD5", hashlib.md5(tarball.read_bytes()).hexdigest())
    data_dir = isolated / "data"
    ds = load_dataset("cifar10", data_dir=str(data_dir))
    target = data_dir / "cifar10"
    assert sorted(path.name for path in (target / cifar10.BATCH_DIR).iterdir()) == sorted(
        [*cifar10.TRAIN_FILES, cifar10.TEST_FILE, cifar10.META_FILE])
    assert not (target / cifar10.TARBALL).exists() and not (data_dir / "evil.bin").exists()
    assert not (target / "evil.bin").exists()
    torch.testing.assert_close(ds.train_x[:2], torch.from_numpy(written["data_batch_1.bin"] / 255).float())
    # A tarball with the wrong digest is refused and removed.
    monkeypatch.setattr(cifar10, "SHA256", "f" * 64)
    with pytest.raises(DataError, match=r"expected f{64}; the file was deleted"):
        load_dataset("cifar10", data_dir=str(isolated / "other"))
    assert not (isolated / "other" / "cifar10" / cifar10.TARBALL).exists()


# ---------- arrays ----------

def test_npy_uint8_images_and_float_vectors(tmp_path: Path) -> None:
    images = np.arange(20 * 4 * 5, dtype=np.int64).reshape(20, 4, 5) % 256
    np.save(tmp_path / "images.npy", images)
    ds = load_dataset(str(tmp_path / "images.npy"), test_fraction=0.25, seed=1)
    assert ds.kind == "image" and ds.shape == (1, 4, 5) and (len(ds.train_x), len(ds.test_x)) == (15, 5)
    _, test_idx = split_indices(20, 0.25, seed=1)
    torch.testing.assert_close(ds.test_x[:, 0], torch.from_numpy(images[test_idx] / 255).float())
    assert ds.train_y is None and ds.name == str(tmp_path / "images.npy")

    rgb = np.zeros((4, 6, 7, 3), dtype=np.uint8)
    rgb[..., 2] = 255
    np.save(tmp_path / "rgb.npy", rgb)
    ds = load_dataset(str(tmp_path / "rgb.npy"))
    assert ds.shape == (3, 6, 7) and ds.train_x[:, 2].min() == 1.0 and ds.train_x[:, :2].max() == 0.0

    vectors = np.linspace(-3, 3, 30, dtype=np.float64).reshape(10, 3)
    np.save(tmp_path / "vectors.npy", vectors)
    ds = load_dataset(str(tmp_path / "vectors.npy"), test_fraction=0.2)
    assert ds.kind == "vector" and ds.shape == (3,)
    _, test_idx = split_indices(10, 0.2, seed=0)
    torch.testing.assert_close(ds.test_x, torch.from_numpy(vectors[test_idx]).float())


def test_npy_errors(tmp_path: Path) -> None:
    bad = np.ones((5, 3))
    bad[2, 1] = np.nan
    np.save(tmp_path / "nan.npy", bad)
    with pytest.raises(DataError) as excinfo:
        load_dataset(str(tmp_path / "nan.npy"))
    assert "contains NaN or infinite values" in one_line_error(excinfo)
    np.save(tmp_path / "objects.npy", np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    with pytest.raises(DataError, match="holds Python objects, which vaekit never unpickles"):
        load_dataset(str(tmp_path / "objects.npy"))
    (tmp_path / "fake.npy").write_bytes(b"hello world")
    with pytest.raises(DataError, match=r"fake\.npy is not a NumPy \.npy or \.npz file"):
        load_dataset(str(tmp_path / "fake.npy"))
    np.save(tmp_path / "wide.npy", np.full((4, 5, 5), 300, dtype=np.int16))
    with pytest.raises(DataError, match=r"integer images with values 300\.\.300"):
        load_dataset(str(tmp_path / "wide.npy"))
    np.save(tmp_path / "bright.npy", np.full((4, 5, 5), 2.0, dtype=np.float32))
    with pytest.raises(DataError, match=r"scale them to \[0, 1\]"):
        load_dataset(str(tmp_path / "bright.npy"))
    np.save(tmp_path / "flat.npy", np.zeros(5))
    with pytest.raises(DataError, match=r"shape \(5,\); expected vectors"):
        load_dataset(str(tmp_path / "flat.npy"))


def test_npz_keeps_its_split_or_is_split(tmp_path: Path) -> None:
    x_train = np.full((4, 2, 2, 1), 51, dtype=np.uint8)
    x_test = np.full((2, 2, 2, 1), 102, dtype=np.uint8)
    np.savez(tmp_path / "split.npz", x_train=x_train, y_train=[0, 1, 1, 0], x_test=x_test, y_test=[2.0, 1.0])
    ds = load_dataset(str(tmp_path / "split.npz"))
    assert ds.shape == (1, 2, 2) and (len(ds.train_x), len(ds.test_x)) == (4, 2)
    assert ds.train_x.is_contiguous()  # made channels-first by a transpose, then copied
    assert torch.allclose(ds.train_x, torch.tensor(0.2)) and torch.allclose(ds.test_x, torch.tensor(0.4))
    assert ds.train_y.tolist() == [0, 1, 1, 0] and ds.test_y.tolist() == [2, 1]
    assert ds.test_y.dtype == torch.int64

    np.savez(tmp_path / "xy.npz", x=np.eye(10, dtype=np.float32), y=np.arange(10))
    ds = load_dataset(str(tmp_path / "xy.npz"), test_fraction=0.3, seed=2)
    _, test_idx = split_indices(10, 0.3, seed=2)
    assert ds.test_y.tolist() == test_idx.tolist() and torch.equal(ds.test_x.argmax(1), ds.test_y)

    np.savez(tmp_path / "named.npz", images=np.zeros((6, 3, 4, 4), np.float32), targets=np.arange(6) % 2)
    ds = load_dataset(str(tmp_path / "named.npz"))
    assert ds.shape == (3, 4, 4) and set(ds.train_y.tolist() + ds.test_y.tolist()) == {0, 1}

    np.savez(tmp_path / "labels.npz", x=np.zeros((4, 2)), y=np.arange(3))
    with pytest.raises(DataError, match=r"labels\.npz\[y\] have shape \(3,\) but there are 4 examples"):
        load_dataset(str(tmp_path / "labels.npz"))


# ---------- tables ----------

def test_csv_numeric_columns_and_labels(tmp_path: Path) -> None:
    table = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0, 5.0], "name": list("vwxyz"), "b": [10, 20, 30, 40, 50],
                          "kind": ["dog", "cat", "dog", "bird", "cat"]})
    table.to_csv(tmp_path / "t.csv", index=False)
    ds = load_dataset(str(tmp_path / "t.csv"), label_column="kind", test_fraction=0.4, seed=5)
    assert ds.kind == "vector" and ds.columns == ["a", "name", "b"] and ds.class_names == ["bird", "cat", "dog"]
    assert ds.column_types == ["continuous", "categorical", "continuous"] and ds.column_values[1] == list("vwxyz")
    train_idx, test_idx = split_indices(5, 0.4, seed=5)
    coded = table.assign(name=np.arange(5.0))  # text columns hold codes into their sorted values
    expected = torch.tensor(coded[["a", "name", "b"]].to_numpy(dtype=float)[test_idx], dtype=torch.float32)
    torch.testing.assert_close(ds.test_x, expected)
    codes = {"bird": 0, "cat": 1, "dog": 2}
    assert ds.train_y.tolist() == [codes[k] for k in table["kind"].to_numpy()[train_idx]]

    unlabelled = load_dataset(str(tmp_path / "t.csv"))
    assert unlabelled.train_y is None and unlabelled.columns == ["a", "name", "b", "kind"]


def test_csv_errors(tmp_path: Path) -> None:
    (tmp_path / "nan.csv").write_text("a,b\n1,2\n3,\n5,6\n")
    with pytest.raises(DataError) as excinfo:
        load_dataset(str(tmp_path / "nan.csv"))
    message = one_line_error(excinfo)
    assert "column 'b' in" in message and "1 missing values (first in data row 2)" in message
    (tmp_path / "inf.csv").write_text("a\n1\ninf\n")
    with pytest.raises(DataError, match="contains NaN or infinite values"):
        load_dataset(str(tmp_path / "inf.csv"))
    (tmp_path / "only-labels.csv").write_text("kind\nx\nz\n")
    with pytest.raises(DataError, match="has no column to model besides the labels"):
        load_dataset(str(tmp_path / "only-labels.csv"), label_column="kind")
    (tmp_path / "constant.csv").write_text("a,b\n1,x\n2,x\n3,x\n")
    with pytest.raises(DataError, match="column 'b' .* has one value only"):
        load_dataset(str(tmp_path / "constant.csv"))
    with pytest.raises(DataError, match=r"label column 'c' is not in .*; its columns are: a, b$"):
        load_dataset(str(tmp_path / "nan.csv"), label_column="c")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(DataError, match=r"cannot read .*empty\.csv as a csv table"):
        load_dataset(str(tmp_path / "empty.csv"))


def test_parquet(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow", reason="Parquet support is the optional 'parquet' extra")
    table = pd.DataFrame({"x": np.arange(8.0), "y": np.arange(8) * 2, "label": [1, 0] * 4})
    table.to_parquet(tmp_path / "t.parquet")
    ds = load_dataset(str(tmp_path / "t.parquet"), label_column="label", test_fraction=0.25)
    assert ds.columns == ["x", "y"] and ds.class_names == ["0", "1"] and ds.shape == (2,)
    both = torch.cat([ds.train_x, ds.test_x])
    assert torch.equal(both[:, 1], both[:, 0] * 2)
    labels = torch.cat([ds.train_y, ds.test_y])
    assert torch.equal(labels, 1 - (both[:, 0].long() % 2))
    (tmp_path / "bad.parquet").write_bytes(b"PAR1 nonsense")
    with pytest.raises(DataError, match=r"cannot read .*bad\.parquet as a parquet table"):
        load_dataset(str(tmp_path / "bad.parquet"))


# ---------- image folders and single IDX files ----------

def test_image_folder_with_class_subfolders(tmp_path: Path) -> None:
    root = tmp_path / "shapes"
    for i in range(3):
        png(root / "square" / f"{i}.png", np.full((4, 6), 255, dtype=np.uint8))
        png(root / "circle" / f"{i}.png", np.full((4, 6), 51 * i, dtype=np.uint8))
    (root / "notes.txt").write_text("not an image")
    ds = load_dataset(str(root), test_fraction=0.34)
    assert ds.class_names == ["circle", "square"] and ds.shape == (1, 4, 6) and ds.kind == "image"
    x, y = torch.cat([ds.train_x, ds.test_x]), torch.cat([ds.train_y, ds.test_y])
    assert torch.all(x[y == 1] == 1.0)
    assert sorted(x[y == 0].amax(dim=(1, 2, 3)).mul(255).round().tolist()) == [0, 51, 102]


def test_image_folder_unlabelled_rgb(tmp_path: Path) -> None:
    png(tmp_path / "a.png", np.array([[[255, 0, 0]]] * 2, dtype=np.uint8))
    png(tmp_path / "b.png", np.full((2, 1), 128, dtype=np.uint8))  # grayscale mixed with RGB: all become RGB
    ds = load_dataset(str(tmp_path))
    assert ds.train_y is None and ds.shape == (3, 2, 1)
    x = torch.cat([ds.train_x, ds.test_x])
    assert sorted(x[:, :, 0, 0].mul(255).round().tolist()) == [[128, 128, 128], [255, 0, 0]]


def test_image_folder_errors(tmp_path: Path) -> None:
    png(tmp_path / "mixed" / "a.png", np.zeros((4, 4), np.uint8))
    png(tmp_path / "mixed" / "b.png", np.zeros((5, 4), np.uint8))
    with pytest.raises(DataError) as excinfo:
        load_dataset(str(tmp_path / "mixed"))
    assert f"{tmp_path / 'mixed' / 'b.png'} is 4x5 but {tmp_path / 'mixed' / 'a.png'} is 4x4" in \
        one_line_error(excinfo)
    png(tmp_path / "broken" / "a.png", np.zeros((4, 4), np.uint8))
    (tmp_path / "broken" / "b.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    with pytest.raises(DataError, match=re.escape(f"cannot read image {tmp_path / 'broken' / 'b.png'}")):
        load_dataset(str(tmp_path / "broken"))
    (tmp_path / "none").mkdir()
    with pytest.raises(DataError, match=r"has no \.png/\.jpg/\.jpeg/\.tif/\.tiff images"):
        load_dataset(str(tmp_path / "none"))


def test_single_idx_file_as_dataset(tmp_path: Path) -> None:
    images = np.arange(10 * 3 * 3, dtype=np.uint8).reshape(10, 3, 3)
    path = write_idx(tmp_path / "train-images-idx3-ubyte.gz", images, compress=True)
    ds = load_dataset(str(path), test_fraction=0.2)
    assert ds.kind == "image" and ds.shape == (1, 3, 3) and ds.train_y is None
    _, test_idx = split_indices(10, 0.2, seed=0)
    torch.testing.assert_close(ds.test_x[:, 0], torch.from_numpy(images[test_idx] / 255).float())
    (tmp_path / "data.bin").write_bytes(b"??")
    with pytest.raises(DataError, match=r"cannot tell how to read .*data\.bin from its name"):
        load_dataset(str(tmp_path / "data.bin"))


def test_read_idx_checks_the_declared_size_before_decompressing(tmp_path: Path, monkeypatch) -> None:
    """A gzip bomb: 40 kB on disk whose header declares 10^9 bytes of values (zeros that compress 1000 to 1) is
    refused from its header, before the values are decompressed."""
    import vaekit.core.system

    header = bytes([0, 0, 0x08, 1]) + (10**9).to_bytes(4, "big")
    path = tmp_path / "bomb.gz"
    with gzip.open(path, "wb") as file:
        file.write(header)
        file.write(bytes(40_000_000))  # the first 4% of what it declares: enough to show what a bomb is
    monkeypatch.setattr(vaekit.core.system, "host_memory", lambda: 1_000_000_000)
    with pytest.raises(DataError, match=r"bomb\.gz's header \(shape \(1000000000,\).*would need 2\.0 GB"):
        read_idx(path)
    assert path.stat().st_size < 100_000


def test_read_idx_reads_a_lying_header_in_blocks(tmp_path: Path) -> None:
    """A header that declares 10^7 images of 28x28 over a file that holds a thousandth of them: refused as
    truncated after reading what is there, in blocks (never one read of the declared 7.8 GB)."""
    path = tmp_path / "lying.gz"
    with gzip.open(path, "wb") as file:
        file.write(bytes([0, 0, 0x08, 3]) + (10**7).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2)
        file.write(bytes(7_840_000))
    with pytest.raises(DataError, match=r"is truncated: its header says shape \(10000000, 28, 28\), "
                                        r"7,840,000,000 bytes of data, but it holds 7,840,000"):
        read_idx(path)
