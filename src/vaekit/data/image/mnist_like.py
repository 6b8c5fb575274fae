"""MNIST, Fashion-MNIST and KMNIST: four IDX files each, found on disk or downloaded once and checked.

    ds = load_dataset("fashion-mnist")      # 60000 train / 10000 test, (1, 28, 28) in [0, 1]

Files are looked for in the folders listed by locate.search_folders (gzipped or unpacked, all four in one
folder). Only downloads are checked against the published SHA-256: a copy found on disk may have been
re-compressed (Debian's Fashion-MNIST .gz files have different bytes from upstream's, same contents), and
read_idx already rejects a truncated or corrupt file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vaekit.core.errors import DataError
from vaekit.core.registry import DATASETS
from vaekit.data.common.download import download
from vaekit.data.common.locate import download_folder, find_file, search_folders
from vaekit.data.common.options import LoadOptions
from vaekit.data.dataset import Dataset
from vaekit.data.image.idx_cache import cached_idx
from vaekit.data.image.pixels import unit_pixels

TRAIN_IMAGES, TRAIN_LABELS = "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"
TEST_IMAGES, TEST_LABELS = "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"
FILES = (TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS)


@dataclass(frozen=True)
class IdxSource:
    """Where an MNIST-like dataset is published, the SHA-256 of each file (None: not checked), its classes."""

    name: str
    mirrors: tuple[str, ...]
    sha256: Mapping[str, str | None]
    class_names: tuple[str, ...]


# SHA-256 of the files as the mirrors serve them, from torchvision's dataset definitions (pytorch/vision,
# torchvision/prototype/datasets/_builtin/mnist.py); several independent projects pin the same values.
SOURCES: dict[str, IdxSource] = {
    "mnist": IdxSource(
        "mnist",
        ("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"),
        {TRAIN_IMAGES: "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
         TRAIN_LABELS: "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
         TEST_IMAGES: "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
         TEST_LABELS: "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"},
        tuple(str(digit) for digit in range(10)),
    ),
    "fashion-mnist": IdxSource(
        "fashion-mnist",
        ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
        {TRAIN_IMAGES: "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
         TRAIN_LABELS: "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
         TEST_IMAGES: "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
         TEST_LABELS: "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"},
        ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
         "Ankle boot"),
    ),
    "kmnist": IdxSource(
        "kmnist",
        ("http://codh.rois.ac.jp/kmnist/dataset/kmnist/",),
        {TRAIN_IMAGES: "51467d22d8cc72929e2a028a0428f2086b092bb31cfb79c69cc0a90ce135fde4",
         TRAIN_LABELS: "e38f9ebcd0f3ebcdec7fc8eabdcdaef93bb0df8ea12bee65224341c8183d8e17",
         TEST_IMAGES: "edd7a857845ad6bb1d0ba43fe7e794d164fe2dce499a1694695a792adfac43c5",
         TEST_LABELS: "20bb9a0ef54c7db3efc55a92eef5582c109615df22683c380526788f98e42a1c"},
        # Romanised hiragana, the names KMNIST gives its classes.
        ("o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"),
    ),
}


@DATASETS.register("mnist")
def load_mnist(options: LoadOptions) -> Dataset:
    """Handwritten digits 0-9: 60000 train / 10000 test, (1, 28, 28)."""
    return load_idx_dataset(SOURCES["mnist"], options)


@DATASETS.register("fashion-mnist")
def load_fashion_mnist(options: LoadOptions) -> Dataset:
    """Zalando clothing images in 10 classes: 60000 train / 10000 test, (1, 28, 28)."""
    return load_idx_dataset(SOURCES["fashion-mnist"], options)


@DATASETS.register("kmnist")
def load_kmnist(options: LoadOptions) -> Dataset:
    """Kuzushiji (cursive Japanese) characters in 10 classes: 60000 train / 10000 test, (1, 28, 28)."""
    return load_idx_dataset(SOURCES["kmnist"], options)


def load_idx_dataset(source: IdxSource, options: LoadOptions) -> Dataset:
    """The official train/test split of an MNIST-like dataset; test_fraction and seed do not apply."""
    paths, origin = _locate_or_download(source, options)
    train_x, train_y = _read_split(paths[TRAIN_IMAGES], paths[TRAIN_LABELS], len(source.class_names))
    test_x, test_y = _read_split(paths[TEST_IMAGES], paths[TEST_LABELS], len(source.class_names))
    return Dataset.from_arrays(source.name, train_x, test_x, train_y, test_y, kind="image", source=origin,
                               class_names=list(source.class_names))


def accepted_names(filename: str) -> tuple[str, ...]:
    """A file as published (.gz), unpacked, and unpacked with the '.idx' spelling some tools use."""
    unpacked = filename.removesuffix(".gz")
    return filename, unpacked, unpacked.replace("-idx", ".idx")


def _locate_or_download(source: IdxSource, options: LoadOptions) -> tuple[dict[str, Path], str]:
    folders = search_folders(source.name, options.data_dir)
    partial: tuple[Path, list[str]] | None = None
    for folder in folders:
        found = {filename: find_file(folder, accepted_names(filename)) for filename in FILES}
        missing = [filename for filename, path in found.items() if path is None]
        if not missing:
            paths = {filename: path for filename, path in found.items() if path is not None}
            return paths, f"IDX files in {folder}"
        if partial is None and len(missing) < len(FILES):
            partial = (folder, missing)
    if not options.download:
        where = ", ".join(str(folder) for folder in folders)
        if partial is not None:
            missing_text = f"{', '.join(partial[1])} (the other files are in {partial[0]})"
        else:
            missing_text = ", ".join(FILES)
        raise DataError(f"{source.name} not found and downloading is off: missing {missing_text}; put "
                        f"the four files (gzipped or not) in one of: {where}")
    target = download_folder(source.name, options.data_dir)
    for filename in FILES:
        # Downloads land here only after their checksum passed; a file put here by hand is trusted like
        # any file found on disk (read_idx still checks its structure).
        if not (target / filename).is_file():
            urls = [mirror + filename for mirror in source.mirrors]
            download(urls, target / filename, source.sha256[filename])
    paths = {filename: target / filename for filename in FILES}
    return paths, f"IDX files in {target} (from {source.mirrors[0]})"


def _read_split(images_path: Path, labels_path: Path, num_classes: int) -> tuple[np.ndarray, np.ndarray]:
    images, labels = cached_idx(images_path), cached_idx(labels_path)  # decompressed once, then mapped
    if images.ndim != 3 or images.dtype != np.uint8:
        raise DataError(f"{images_path} should hold uint8 images (N, H, W), but holds {images.dtype} "
                        f"{images.shape}; is it a labels file?")
    if labels.ndim != 1 or len(labels) != len(images):
        raise DataError(f"{labels_path} holds labels of shape {labels.shape} for the {len(images)} images in "
                        f"{images_path}; the files do not belong together")
    if len(labels) and (labels.min() < 0 or labels.max() >= num_classes):
        raise DataError(f"{labels_path} has labels outside 0..{num_classes - 1}; it is not a labels file of "
                        f"this dataset")
    return unit_pixels(images[:, None]), labels.astype(np.int64)
